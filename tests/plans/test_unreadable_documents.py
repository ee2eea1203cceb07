"""What a plan import cannot read is refused with the reason, before anything is parsed or
stored (the 500s of issue 14: bad base64, non-ASCII base64, bytes that are not text)."""

import base64
import io
import zipfile

import pytest
from docx import Document

from kernel.errors import ValidationFailed
from services.plans import importer


def refusal(call, *args) -> str:
    with pytest.raises(ValidationFailed) as caught:
        call(*args)
    assert list(caught.value.details) == ["content"]
    return caught.value.message


@pytest.mark.parametrize("content", ["0", "QUJD=ZZ", "QUJD*RA==", "S+Ết-hoạch", "QUJDRA"])
def test_base64_is_read_strictly(content):
    assert "base64" in refusal(importer.decoded, content, "base64")


def test_base64_may_be_wrapped_in_lines():
    assert importer.decoded("QUJD\r\nRA==\n", "base64") == b"ABCD"


def test_text_is_taken_as_it_is():
    assert importer.decoded("KẾ HOẠCH", "text") == "KẾ HOẠCH"
    assert importer.decoded(base64.b64encode(b"PK").decode(), "base64") == b"PK"


@pytest.mark.parametrize("content, file_name", [
    (b"\xff\xfe\xfd", None),
    ("KẾ HOẠCH \ud800".encode("utf-8", "surrogatepass"), "ke-hoach.txt"),
])
def test_bytes_that_are_not_utf8_text_are_refused(content, file_name):
    assert "UTF-8" in refusal(importer.source_lines, content, file_name)


@pytest.mark.parametrize("text", ["KẾ HOẠCH\x00", "KẾ HOẠCH \udfff"])
def test_text_no_store_can_keep_is_refused(text):
    assert "ký tự không hợp lệ" in refusal(importer.source_lines, text)


@pytest.mark.parametrize("content", [b"PK\x03\x04 broken", b"PK\x05\x06" + b"\0" * 18,
                                     b"not a zip at all"])
def test_a_docx_that_cannot_be_opened_is_refused(content):
    refusal(importer.source_lines, content, "ke-hoach.docx")


def test_a_docx_that_would_inflate_beyond_any_plan_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", b" " * (importer.MAX_DOCX_UNPACKED_BYTES + 1))
    assert "MiB" in refusal(importer.source_lines, out.getvalue(), "ke-hoach.docx")


def test_a_real_docx_is_still_read():
    document = Document()
    document.add_paragraph("KẾ HOẠCH")
    document.add_paragraph("Năm 2025")
    out = io.BytesIO()
    document.save(out)
    assert importer.source_lines(out.getvalue(), "ke-hoach.docx")[:2] == ["KẾ HOẠCH", "Năm 2025"]

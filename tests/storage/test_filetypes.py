"""What a file is comes from its bytes: the accepted kinds are recognised whatever their
name, everything else is refused with a message saying what was sent, and zip bombs are
refused without being unpacked."""

import io

import pytest

from kernel.errors import ValidationFailed
from storage import filetypes
from storage.filetypes import DOCX, JPEG, PDF, PNG, XLSX, UnreadableFile, UnsupportedFileType
from tests.support import evidence_files as files
from tests.support import pdfs

MiB = 1024 * 1024


def detect(data: bytes, max_unpacked: int = 16 * MiB):
    return filetypes.detect(io.BytesIO(data), max_unpacked)


@pytest.mark.parametrize("data, kind", [
    (pdfs.blank_pdf(), PDF), (files.png(), PNG), (files.JPEG, JPEG),
    (files.docx_file(), DOCX), (files.xlsx_file(), XLSX)])
def test_every_accepted_kind_is_recognised_by_its_bytes(data, kind):
    assert detect(data) == kind


@pytest.mark.parametrize("data, said", [
    (files.EXE, "chương trình Windows"), (files.OLD_DOC, "Office kiểu cũ"),
    (b"GIF89a" + b"\x00" * 20, "ảnh GIF"), (b"<html><script>alert(1)</script></html>", "không được nhận"),
    (b"", "không được nhận"), (files.zip_of({"a.txt": b"xin chao"}), "tệp nén .zip"),
    (files.macro_enabled_document(), "tệp nén .zip hoặc một tài liệu Office"),
    (files.zip_of({"[Content_Types].xml": files.content_types(files.WORD_MAIN)}), "tệp nén .zip"),
])
def test_other_kinds_are_refused_saying_what_they_are(data, said):
    with pytest.raises(UnsupportedFileType) as refused:
        detect(data)
    assert refused.value.http_status == 415 and said in refused.value.message
    assert "PDF, ảnh PNG hoặc JPEG" in refused.value.message
    assert refused.value.details["allowed_media_types"] == [k.media_type for k in filetypes.ALLOWED]


def test_a_zip_bomb_is_refused_by_its_declared_size_before_anything_is_unpacked():
    bomb = files.zip_bomb(40 * MiB)
    assert len(bomb) < 100 * 1024  # forty MiB of zeros fit in a few dozen KiB
    with pytest.raises(UnreadableFile) as refused:
        detect(bomb, max_unpacked=8 * MiB)
    assert refused.value.details["reason"] == "too_large_unpacked"
    assert "8 MB" in refused.value.message and refused.value.http_status == 400


def test_a_zip_bomb_lying_about_its_size_fails_its_check_at_the_declared_size():
    with pytest.raises(UnreadableFile) as refused:
        detect(files.lying_zip_bomb(40 * MiB), max_unpacked=8 * MiB)
    assert refused.value.details["reason"] == "damaged_zip"


def test_a_package_whose_content_types_declare_entities_is_refused():
    laughs = b'<!DOCTYPE Types [<!ENTITY a "aaaaaaaaaa">]>'
    package = files.zip_of({"[Content_Types].xml": files.content_types(files.WORD_MAIN, doctype=laughs),
                            "word/document.xml": b"<w:document/>"})
    with pytest.raises(UnreadableFile):
        detect(package)


def test_a_damaged_office_file_is_unreadable_not_unsupported():
    damaged = files.docx_file()[:-200]  # the central directory cut off
    with pytest.raises(UnreadableFile) as refused:
        detect(damaged)
    assert "Word/Excel" in refused.value.message


@pytest.mark.parametrize("name, kind", [("bien-ban.PDF", PDF), ("ảnh chụp.jpeg", JPEG),
                                        ("Ảnh.JPG", JPEG), ("số liệu.xlsx", XLSX)])
def test_a_name_with_the_extension_of_what_the_file_is_passes(name, kind):
    filetypes.check_file_name(name, kind)


@pytest.mark.parametrize("name, said", [("bao-cao.docx", "đuôi .docx"), ("bao-cao", "không có đuôi"),
                                        ("chuong-trinh.exe", "đuôi .exe"), (".pdf.exe", "đuôi .exe")])
def test_a_name_that_disguises_what_the_file_is_is_refused(name, said):
    with pytest.raises(ValidationFailed) as refused:
        filetypes.check_file_name(name, PDF)
    assert said in refused.value.message and "nội dung tệp là PDF" in refused.value.message
    assert refused.value.details["file"] == ["Đuôi tên tệp phải là .pdf."]

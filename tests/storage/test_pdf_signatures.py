"""PDF signatures checked with pyHanko against the tests' own CA: who signed and when,
intact or not, changed after signing or not, trusted or not; never trusted without roots."""

import io
import json

import pytest

from storage import pdf_signatures
from storage.filetypes import UnreadableFile
from storage.pdf_signatures import TrustRoots
from tests.support import pdfs


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    ca = pdfs.certificate_authority()
    officer = pdfs.signer_certified_by(ca, "Nguyễn Văn An", "UBND xã Đông Quang")
    roots = TrustRoots.from_directory(str(pdfs.write_trust_roots(
        tmp_path_factory.mktemp("roots"), ca)))
    blank = pdfs.blank_pdf()
    return {"ca": ca, "roots": roots, "blank": blank,
            "signed": pdfs.signed(blank, officer, (ca,)),
            "stranger": pdfs.signed(blank, pdfs.self_signed("Trần Thị Bình", "Không rõ"))}


def check(data: bytes, roots: TrustRoots) -> dict:
    report = pdf_signatures.check(io.BytesIO(data), roots)
    json.dumps(report)  # it goes into an event: JSON only
    return report


def test_a_signature_by_a_certificate_of_a_trusted_ca(world):
    report = check(world["signed"], world["roots"])
    assert report["signed"] is True and report["trust_roots"] == 1
    [signature] = report["signatures"]
    assert signature["signer"]["common_name"] == "Nguyễn Văn An"
    assert signature["signer"]["organisation"] == "UBND xã Đông Quang"
    assert signature["signer"]["issuer"].startswith("Common Name: CA thử nghiệm TCPL, ")
    assert signature["signing_time"].endswith("+07:00") and signature["signing_time_source"] == "signer"
    assert (signature["intact"], signature["modified_after_signing"], signature["coverage"]) == \
        (True, False, "entire_file")
    assert (signature["trusted"], signature["trust"], signature["verdict"]) == (True, "trusted", "valid")
    assert signature["summary_vi"] == ("Chữ ký của Nguyễn Văn An (UBND xã Đông Quang) hợp lệ, tệp "
                                       "không bị sửa đổi sau khi ký. Người ký được tin cậy.")


def test_without_trust_roots_nobody_is_trusted_and_the_report_says_why(world):
    [signature] = check(world["signed"], TrustRoots())["signatures"]
    assert (signature["intact"], signature["trusted"], signature["trust"]) == (True, False, "no_trust_roots")
    assert signature["verdict"] == "untrusted"
    assert "chưa cấu hình chứng thư gốc tin cậy" in signature["summary_vi"]


def test_a_self_signed_key_is_intact_but_not_trusted(world):
    [signature] = check(world["stranger"], world["roots"])["signatures"]
    assert signature["intact"] is True and signature["trusted"] is False
    assert (signature["trust"], signature["verdict"]) == ("untrusted", "untrusted")
    assert signature["trust_problem"] is not None
    assert "Người ký không được tin cậy" in signature["summary_vi"]


def test_a_pdf_modified_after_signing(world):
    [signature] = check(pdfs.modified_after_signing(world["signed"]), world["roots"])["signatures"]
    assert signature["intact"] is True  # what was signed is still there, unaltered
    assert signature["modified_after_signing"] is True and signature["coverage"] == "entire_revision"
    assert signature["modifications"] == "other" and signature["verdict"] == "modified"
    assert "đã bị sửa đổi sau khi ký" in signature["summary_vi"]


def test_a_pdf_whose_signed_bytes_were_changed(world):
    [signature] = check(pdfs.tampered(world["signed"]), world["roots"])["signatures"]
    assert (signature["intact"], signature["trusted"], signature["verdict"]) == (False, False, "broken")
    assert "không hợp lệ" in signature["summary_vi"]


def test_an_unsigned_pdf(world):
    report = check(world["blank"], world["roots"])
    assert (report["signed"], report["signatures"]) == (False, [])


@pytest.mark.parametrize("data", [b"%PDF-1.7\nnot a PDF at all", b"%PDF-",
                                  b"%PDF-1.4\n" + b"\xff" * 5000])
def test_a_damaged_pdf_is_refused_as_unreadable(data):
    with pytest.raises(UnreadableFile) as refused:
        check(data, TrustRoots())
    assert refused.value.http_status == 400 and refused.value.details["reason"] == "damaged_pdf"


def test_a_truncated_signed_pdf_is_refused_as_unreadable(world):
    with pytest.raises(UnreadableFile):
        check(world["signed"][: len(world["signed"]) // 2], world["roots"])


def test_trust_roots_come_from_a_directory_of_certificates(world, tmp_path):
    two = pdfs.write_trust_roots(tmp_path / "two", world["ca"], pdfs.certificate_authority("CA hai"))
    roots = TrustRoots.from_directory(str(two))
    assert [r["subject"].split(", ")[0] for r in roots.describe()] == \
        ["Common Name: CA thử nghiệm TCPL", "Common Name: CA hai"]
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "roots.pem").write_bytes(world["ca"].pem() + pdfs.certificate_authority().pem())
    assert len(TrustRoots.from_directory(str(bundle)).certificates) == 2
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="holds no CA certificate"):
        TrustRoots.from_directory(str(tmp_path / "empty"))
    with pytest.raises(ValueError, match="is not a directory"):
        TrustRoots.from_directory(str(tmp_path / "missing"))
    assert TrustRoots.from_directory(None).certificates == ()

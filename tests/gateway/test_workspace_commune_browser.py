"""A commune officer's self-assessment in Debian's chromium (tests/gateway/browser_commune.py),
against the whole real platform: from the home page to the year, opened; the score of an
indicator computed by the assessment service as the officer types; a mistake refused in
Vietnamese; every indicator filled; a PDF signed by a test CA uploaded and its signature
report shown; the summary; submitted; and the same pages at 390 px without sideways
scrolling. Screenshots are the guide's: docs/huong-dan/anh/xa-*.png."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import pdfs
from tests.support.accounts_platform import FAST_HASHING
from tests.support.assessment_platform import token
from tests.support.full_platform import full_platform

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "huong-dan" / "anh"
BROWSER_SCRIPT = Path(__file__).with_name("browser_commune.py")
ADMIN = token("administrator", sub="quantri")
PASSWORD = "cụm từ bí mật của cán bộ xã"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    folder = tmp_path_factory.mktemp("commune-browser")
    ca = pdfs.certificate_authority()
    roots = pdfs.write_trust_roots(folder / "roots", ca)
    signer = pdfs.signer_certified_by(ca, "Lê Thị Hoa", "UBND phường Đông Sơn")
    pdf = folder / "Biên bản họp tự đánh giá.pdf"
    pdf.write_bytes(pdfs.signed(pdfs.blank_pdf(), signer, (ca,)))
    with full_platform(folder, EVIDENCE_TRUST_ROOTS=str(roots), **FAST_HASHING) as client:
        made = client.request("POST", "/api/v1/accounts", ADMIN, json={
            "username": "congchuc.phuongdongson", "display_name": "Lê Thị Hoa",
            "role": "commune_officer",
            "jurisdiction": {"province": "38", "district": None, "commune": "16378"},
            "password": PASSWORD})
        assert made.status_code == 201, made.text
        yield client, pdf


@pytest.mark.browser
def test_a_commune_officer_completes_a_self_assessment_in_chromium(platform):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    client, pdf = platform
    for old in SHOTS.glob("xa-*.png"):
        old.unlink()
    setup = json.dumps({"username": "congchuc.phuongdongson", "password": PASSWORD,
                        "commune": "16378", "year": 2026, "pdf": str(pdf)})
    completed = subprocess.run([sys.executable, str(BROWSER_SCRIPT), client.url, str(SHOTS),
                                setup], capture_output=True, text=True, timeout=420,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert completed.returncode == 0, completed.stderr[-3000:]
    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    assert seen["errors"] == [] and seen["requests_outside"] == []

    assert seen["years_heading"] == "Tự đánh giá của xã"
    assert seen["not_opened"] == "Chưa mở hồ sơ đánh giá"
    assert seen["opened_notice"] == "Đã mở hồ sơ đánh giá của năm."
    assert seen["state"] == "Đang tự đánh giá, tự chấm điểm" and seen["next_steps"] >= 2
    assert "ngày làm việc" in seen["deadlines"]
    assert seen["indicators"] == 14  # Decision 27/2025: 3 + 7 + 4

    # scored by the service as typed: 3 of 4 is not the 100% needed, 4 of 4 is
    assert "Không đạt" in seen["live_not_achieved"] and "75.00%" in seen["live_not_achieved"]
    assert "Không đạt" not in seen["live_achieved"] and "100.00%" in seen["live_achieved"]
    assert seen["mistake"] == ["Số đã thực hiện đạt yêu cầu (tử số): Nhập một số nguyên (0, 1, 2, …)."]
    assert seen["mistake_focused"]
    assert seen["saved_notice"] == "Đã lưu số liệu của chỉ tiêu."
    assert "Kết quả đã lưu" in seen["saved_score"] and "Đạt" in seen["saved_score"]
    assert seen["uploaded_notice"] == "Đã tải lên tài liệu minh chứng."
    assert "Biên bản họp tự đánh giá.pdf" in seen["evidence"]
    assert "Lê Thị Hoa" in seen["evidence"] and "Tin cậy: có" in seen["evidence"]
    assert "fill_errors" not in seen, seen.get("fill_errors")

    assert "Không còn" in seen["summary_missing"]
    assert seen["submitted_notice"].startswith("Đã hoàn thành tự đánh giá.")
    assert seen["submitted_state"] == "Đã hoàn thành tự đánh giá, chờ niêm yết công khai"
    assert seen["posting_link"] == 1  # the service's next step: the posting
    assert all(width <= 0 for width in seen["phone_overflow"].values()), seen["phone_overflow"]
    assert {p.name for p in SHOTS.glob("xa-*.png")} >= {
        "xa-cac-nam.png", "xa-nam-danh-gia.png", "xa-chi-tieu-tinh-diem.png",
        "xa-chi-tieu-loi.png", "xa-minh-chung.png", "xa-tong-hop.png", "xa-da-hoan-thanh.png",
        "xa-nam-danh-gia-390.png", "xa-chi-tieu-390.png"}

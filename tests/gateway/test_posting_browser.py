"""The commune officer's posting, dossier and supplement pages in Debian's chromium
(tests/gateway/browser_posting.py) against the whole real platform, at 1280 and 390 px: a
posting started (after a date in the future is refused), a comment recorded and answered, an
end too early refused, the posting ended, the dossier submitted, a supplement asked by the
justice office and answered. The screenshots are the user guide's
(docs/huong-dan/anh/niem-yet-*.png, docs/huong-dan/can-bo-tu-phap-xa-niem-yet.md)."""

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.gateway.test_workspace_posting import ADMIN, JUSTICE, PASSWORD, submitted_self_assessment
from tests.support.accounts_platform import FAST_HASHING
from tests.support.assessment_platform import token
from tests.support.full_platform import full_platform

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "huong-dan" / "anh"
BROWSER_SCRIPT = Path(__file__).with_name("browser_posting.py")
YEAR = 2023
OFFICERS = {"16426": "congchuc.dongquang", "16423": "congchuc.dongthanh"}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    folder = tmp_path_factory.mktemp("posting-browser")
    with full_platform(folder, **FAST_HASHING) as client:
        for commune, username in OFFICERS.items():
            made = client.request("POST", "/api/v1/accounts", ADMIN, json={
                "username": username, "display_name": "Lê Thị Hoa", "role": "commune_officer",
                "jurisdiction": {"province": "38", "district": "405", "commune": commune},
                "password": PASSWORD})
            assert made.status_code == 201, made.text
            submitted_self_assessment(client, commune, token(
                "commune_officer", "38", "405", commune, sub=username))
        yield client


@pytest.mark.browser
def test_posting_dossier_and_supplement_in_chromium(platform):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    for old in SHOTS.glob("niem-yet-*.png"):
        old.unlink()
    setup = json.dumps({
        "username": OFFICERS["16426"], "phone_username": OFFICERS["16423"],
        "password": PASSWORD, "year": YEAR, "communes": list(OFFICERS), "justice": JUSTICE,
        "dates": {"future": (date.today() + timedelta(days=3)).isoformat(),
                  "start": "2023-12-15", "comment": "2023-12-16", "answer": "2023-12-18",
                  "too_early": "2023-12-18", "end": "2023-12-20", "dossier": "2024-01-05",
                  "request": "2024-01-08", "supplement": "2024-01-09"}})
    # eventlet's green subprocess lets the in-process gateway serve the browser meanwhile.
    completed = subprocess.run([sys.executable, str(BROWSER_SCRIPT), platform.url, str(SHOTS),
                                setup], capture_output=True, text=True, timeout=300,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert completed.returncode == 0, completed.stderr[-3000:]
    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    assert seen["errors"] == [] and seen["requests_outside"] == []
    for suffix in ("", "-dien-thoai"):
        commune = list(OFFICERS)[0 if not suffix else 1]
        assert seen["landed" + suffix] == f"/can-bo/xa/{commune}/{YEAR}/niem-yet"
        assert seen["state_before" + suffix] == "Đã hoàn thành tự đánh giá, chờ niêm yết công khai"
        assert len(seen["future_start" + suffix]) == 1
        assert "chưa đến" in seen["future_start" + suffix][0]
        assert seen["future_start" + suffix][0].startswith("Ngày bắt đầu niêm yết:")
        assert seen["future_focused" + suffix]
        assert "Đã ghi nhận việc niêm yết" in seen["started_notice" + suffix]
        assert "Đã ghi nhận ý kiến góp ý" in seen["comment_notice" + suffix]
        assert seen["answered" + suffix] == "yes"
        assert "19/12/2023" in seen["too_early" + suffix][0]
        assert seen["after_end" + suffix].startswith(f"/can-bo/xa/{commune}/{YEAR}/ho-so")
        assert "kết thúc niêm yết" in seen["end_notice" + suffix]
        assert "Đã gửi hồ sơ" in seen["dossier_notice" + suffix]
        assert seen["dossier_state" + suffix] == "Hồ sơ đã gửi, chờ cơ quan tư pháp kiểm tra"
        assert seen["request_status" + suffix] == 200
        assert seen["request_reason" + suffix] == "Thiếu biên bản hội nghị niêm yết công khai."
        assert seen["empty_supplement" + suffix] == [
            "Nội dung bổ sung: Nhập nội dung bổ sung (tối đa 4.000 ký tự)."]
        assert "Đã gửi phần bổ sung" in seen["supplement_notice" + suffix]
        assert seen["supplement_state" + suffix] == "Hồ sơ đã gửi, chờ cơ quan tư pháp kiểm tra"
    # every page readable at 390 px, no sideways scrolling
    assert all(width <= 0 for width in seen["overflow"].values()), seen["overflow"]
    for name in ("bat-dau", "ngay-tuong-lai", "y-kien", "ket-thuc-som", "ho-so", "ho-so-da-gui",
                 "bo-sung", "da-bo-sung"):
        for suffix in ("", "-dien-thoai"):
            assert (SHOTS / f"niem-yet-{name}{suffix}.png").stat().st_size > 5_000, name

"""The review and recognition pages in Debian's chromium (tests/gateway/browser_review.py),
against the whole platform: a submitted 2022 dossier of Đông Quang (Đông Sơn, Thanh Hóa, a
district-reviewed year) goes from the justice office's queue through a supplement request
(answered through the API), the check, the council's meeting and appraisal, to the chairman's
decision, and the public board shows the commune recognised. Every page again at 390 px. The
screenshots are the guides' (docs/huong-dan/anh/tham-dinh-*.png)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.gateway.test_workspace_review import ADMIN, PASSWORD, create_accounts
from tests.support.accounts_platform import FAST_HASHING
from tests.support.assessment_platform import send
from tests.support.full_platform import full_platform
from tests.test_province_cycle import Year

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "huong-dan" / "anh"
BROWSER_SCRIPT = Path(__file__).with_name("browser_review.py")
COMMUNE, YEAR = "16426", 2022
PEOPLE = {
    "justice": ("tuphap.dongson", "justice_officer", {"province": "38", "district": "405"}),
    "council": ("thuky.dongson", "council_secretary", {"province": "38", "district": "405"}),
    "chairman": ("chutich.dongson", "chairman", {"province": "38", "district": "405"}),
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    folder = tmp_path_factory.mktemp("review-browser")
    with full_platform(folder, **FAST_HASHING) as client:
        create_accounts(client, {username: (role, where)
                                 for username, role, where in PEOPLE.values()})
        assert send(client, "PUT", f"/api/v1/provinces/38/reviewing-levels/{YEAR}", ADMIN,
                    {"level": "district"}).status_code == 200
        year = Year(client, YEAR, "38", "405", ("25-2021", 2))
        year.self_assess(COMMUNE, comment=True)
        yield client, year


@pytest.mark.browser
def test_a_dossier_reviewed_and_decided_in_chromium(platform):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    client, year = platform
    for old in SHOTS.glob("tham-dinh-*.png"):
        old.unlink()
    setup = json.dumps({
        "accounts": {key: {"username": username, "password": PASSWORD}
                     for key, (username, _, _) in PEOPLE.items()},
        "commune": COMMUNE, "year": YEAR, "commune_token": year.officer(COMMUNE),
        "indicators": {i.id: format(i.max, "f") for i in year.criteria_set.indicators()}})
    # eventlet's green subprocess lets the in-process gateway serve the browser meanwhile.
    completed = subprocess.run([sys.executable, str(BROWSER_SCRIPT), client.url, str(SHOTS),
                                setup], capture_output=True, text=True, timeout=400)
    assert completed.returncode == 0, completed.stderr[-3000:]
    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    assert seen["errors"] == [] and seen["requests_outside"] == []

    # the justice office finds the dossier in its queue, overdue in working days
    assert seen["queue_url"] == f"/can-bo/tham-dinh?nam={YEAR}"
    assert "Kiểm tra hồ sơ" in seen["queue_row"] and "ngày làm việc" in seen["queue_row"]
    assert seen["dossier_url"] == f"/can-bo/tham-dinh/{COMMUNE}/{YEAR}"
    assert seen["supplement_errors"] == ["Lý do: Nhập lý do (tối đa 4.000 ký tự)."]
    assert seen["supplement_title"].startswith("Lỗi: ")
    assert "Đã gửi yêu cầu bổ sung" in seen["supplement_notice"]
    assert seen["state_after_request"] == "supplement_requested"
    assert seen["supplement_answered"] == 200
    assert "chuyển Hội đồng" in seen["check_notice"] and seen["state_after_check"] == "checked"

    # the council
    assert seen["start_notice"] == "Đã bắt đầu thẩm định." and seen["opinions"] == 2
    assert seen["appraise_notice"] == "Đã lưu điểm thẩm định."
    assert seen["missing_before_completion"] == 0
    assert "Đã hoàn thành thẩm định" in seen["complete_notice"]
    assert seen["state_after_appraisal"] == "appraised"

    # the chairman, and the board
    assert seen["council_conclusion"] == "true" and seen["default_choice"] == "true"
    assert "Đã ghi quyết định" in seen["decision_notice"]
    assert seen["state_after_decision"] == "recognised"
    assert "Xã Đông Quang" in seen["recognised_list"] and "125/QĐ-UBND" in seen["recognised_list"]
    assert seen["board_url"] == f"/ket-qua/xa/{COMMUNE}"
    assert "Đạt chuẩn" in seen["board_text"]

    # readable at 390 px
    assert all(width <= 0 for width in seen["phone_overflow"].values()), seen["phone_overflow"]
    for name in ("hang-doi", "ho-so", "thieu-ly-do", "da-yeu-cau-bo-sung", "da-kiem-tra",
                 "cham-diem", "hoi-dong", "truoc-quyet-dinh", "quyet-dinh", "danh-sach",
                 "bang-ket-qua", "dien-thoai-phong-tu-phap", "dien-thoai-hoi-dong",
                 "dien-thoai-chu-tich"):
        assert (SHOTS / f"tham-dinh-{name}.png").stat().st_size > 5_000, name

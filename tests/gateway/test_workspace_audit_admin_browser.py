"""The auditor's and the administrator's paths in Debian's chromium
(tests/gateway/browser_audit_admin.py), against the whole real platform, at 1280 and 390 px.
The screenshots are the guides' (docs/huong-dan/kiem-toan.md, quan-tri.md): this test
regenerates docs/huong-dan/anh/kiem-tra-*.png and quan-tri-*.png."""

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.accounts_platform import FAST_HASHING
from tests.support.assessment_platform import token
from tests.support.full_platform import full_platform
from tests.support.workspace_people import PASSWORD, make_people

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "huong-dan" / "anh"
SCRIPT = Path(__file__).with_name("browser_audit_admin.py")
BUILT_IN = json.loads((ROOT / "rules/criteria/data/25-2021.v1.json")
                      .read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workspace-audit-admin-browser")
    with full_platform(folder, **FAST_HASHING) as client:
        make_people(client)
        officer = token("commune_officer", province="38", district="405", commune="16426",
                        sub="congchuc.dongquang")
        opened = client.request("POST", "/api/v1/communes/16426/assessments/2022", officer)
        assert opened.status_code in (200, 201), opened.text
        client.correlation_id = opened.headers["X-Correlation-Id"]
        client.folder = folder
        yield client


@pytest.mark.browser
def test_the_auditor_and_the_administrator_in_chromium(platform):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    for old in [*SHOTS.glob("kiem-tra-*.png"), *SHOTS.glob("quan-tri-*.png")]:
        old.unlink()
    bad, good = copy.deepcopy(BUILT_IN), copy.deepcopy(BUILT_IN)
    bad["version"], good["version"] = 4, 3
    bad["criteria"][0]["max"] = "30"
    bad["criteria"][1]["indicators"][0]["id"] = "C2-1"
    files = {}
    for name, document in (("bad_file", bad), ("good_file", good)):
        files[name] = platform.folder / f"{name}.json"
        files[name].write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    setup = json.dumps({
        "auditor": {"username": "kiemtoan.trung", "password": PASSWORD},
        "administrator": {"username": "quantri.minh", "password": PASSWORD},
        "correlation_id": platform.correlation_id, **{k: str(v) for k, v in files.items()}})
    completed = subprocess.run([sys.executable, str(SCRIPT), platform.url, str(SHOTS), setup],
                               capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    assert seen["errors"] == [] and seen["requests_outside"] == []

    # the auditor: every service's events, filtered, a CSV, a mistake, a commune, an action
    assert "Kiểm toán" in seen["auditor_nav"] and "Cấp thẩm định" not in seen["auditor_nav"]
    assert seen["events_heading"] == "Tra cứu sự kiện"
    assert {"accounts", "assessment"} <= set(seen["events_sources"])
    assert seen["filtered_sources"] == ["assessment"] and "AssessmentOpened" in seen["filtered_types"]
    assert seen["filtered_url"].startswith("/can-bo/kiem-toan?dich_vu=assessment")
    assert seen["csv_name"].startswith("tcpl-audit-events-") and seen["csv_name"].endswith(".csv")
    assert seen["csv_bom"] and seen["csv_lines"] == 1 + len(seen["filtered_types"])
    assert seen["filter_errors"] == ["Mã xã: Mã xã là 5 chữ số.",
                                     "Từ ngày: Cần ngày (2025-03-01) hoặc ngày giờ ISO 8601 "
                                     "(2025-03-01T09:00:00+07:00)."]
    assert seen["filter_error_focused"]
    assert seen["timeline_heading"].startswith("Xã Đông Quang")
    assert "AssessmentOpened" in seen["timeline_types"]
    assert seen["trail_id"] == platform.correlation_id and "AssessmentOpened" in seen["trail_types"]
    assert set(seen["chains"].values()) == {"ok"} and len(seen["chains"]) == 5
    assert "nguyên vẹn" in seen["chains_verdict"]
    assert set(seen["auditor_overflow"].values()) == {0}, seen["auditor_overflow"]

    # the administrator: a level, a bad criteria set and its problems, a good one, health
    assert {"Cấp thẩm định", "Bộ tiêu chí", "Tình trạng hệ thống", "Quản lý tài khoản"} <= set(
        seen["admin_nav"]) and "Kiểm toán" not in seen["admin_nav"]
    assert (seen["level_before"], seen["level_after"]) == ("district", "province")
    assert seen["level_notice"] == "Đã lưu cấp thẩm định."
    assert {"619-2017", "25-2021", "27-2025"} <= set(seen["sets"])
    assert f"Bộ tiêu chí chưa công bố được: {len(seen['bad_problems'])} lỗi" in seen["bad_summary"][0]
    assert any("cộng lại là" in p for p in seen["bad_problems"]), seen["bad_problems"]
    assert any("mã chỉ tiêu của C2 có dạng C2.I1" in p for p in seen["bad_problems"])
    assert seen["published_heading"] == "Bộ tiêu chí 25-2021, phiên bản 3"
    assert seen["published_notice"] == "Đã công bố phiên bản mới của bộ tiêu chí."
    assert len(seen["health"]) == 5 and seen["queues"] > 0
    assert set(seen["admin_overflow"].values()) == {0}, seen["admin_overflow"]
    for name in ("kiem-tra-su-kien", "kiem-tra-loc", "kiem-tra-loi-bo-loc",
                 "kiem-tra-dong-thoi-gian", "kiem-tra-tuong-quan", "kiem-tra-chuoi-bam",
                 "kiem-tra-su-kien-390", "quan-tri-cap-tham-dinh", "quan-tri-bo-tieu-chi-loi",
                 "quan-tri-bo-tieu-chi-moi", "quan-tri-bo-tieu-chi", "quan-tri-tinh-trang",
                 "quan-tri-tinh-trang-390"):
        assert (SHOTS / f"{name}.png").stat().st_size > 5000, name

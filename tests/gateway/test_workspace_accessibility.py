"""axe-core (npm, pinned by scripts/ensure-axe.sh) finds no serious or critical accessibility
violation on any workspace page: every role signs in to the whole real platform and its pages
are walked from the home page's links (tests/gateway/browser_accessibility.py) and checked at
1280 px and at 390 px. The number of pages checked is printed."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.accounts_platform import FAST_HASHING
from tests.support.assessment_platform import token
from tests.support.full_platform import full_platform
from tests.support.workspace_people import ADMIN_TOKEN, PASSWORD

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCRIPT = Path(__file__).with_name("browser_accessibility.py")
DONG_SON = {"province": "38", "district": "405"}
EVERY_ROLE = [
    ("congchuc.dongquang", "commune_officer", {**DONG_SON, "commune": "16426"}, None),
    ("tuphap.dongson", "justice_officer", DONG_SON, None),
    ("thuky.dongson", "council_secretary", DONG_SON, None),
    ("chutich.dongson", "chairman", DONG_SON, None),
    ("coquan.thanhhoa", "agency_officer", {}, "38:van-phong-ubnd-tinh"),
    ("kiemtoan.trung", "auditor", {}, None),
    ("quantri.minh", "administrator", {}, None),
]

# Pages in an error state, reached by GET: a form's summary, a refusal, a missing page.
ERROR_STATES = {
    "commune_officer": ["/can-bo/xa/00004/2025"],  # another commune's year: refused
    "chairman": ["/can-bo/kiem-toan"],  # another role's page: refused
    "auditor": ["/can-bo/kiem-toan?xa=12&tu=h%C3%B4m-qua", "/can-bo/quan-tri/tinh-trang"],
    "administrator": ["/can-bo/quan-tri/cap-tham-dinh?nam=1990", "/can-bo/khong-co-trang-nay"],
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workspace-accessibility")
    with full_platform(folder, **FAST_HASHING) as client:
        for username, role, where, agency in EVERY_ROLE:
            made = client.request("POST", "/api/v1/accounts", ADMIN_TOKEN, json={
                "username": username, "display_name": f"Người dùng {username}", "role": role,
                "jurisdiction": where, "agency": agency, "password": PASSWORD})
            assert made.status_code == 201, made.text
        # Something on the pages: the commune's 2022 year opened.
        officer = token("commune_officer", sub="congchuc.dongquang", **DONG_SON, commune="16426")
        opened = client.request("POST", "/api/v1/communes/16426/assessments/2022", officer)
        assert opened.status_code in (200, 201), opened.text
        yield client


@pytest.mark.browser
def test_no_workspace_page_has_a_serious_or_critical_accessibility_violation(platform):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/ensure-axe.sh")
    setup = json.dumps({"accounts": [{"username": u, "password": PASSWORD, "role": r,
                                      "also": ERROR_STATES.get(r, [])}
                                     for u, r, _, _ in EVERY_ROLE]})
    completed = subprocess.run([sys.executable, str(SCRIPT), platform.url, str(AXE), setup],
                               capture_output=True, text=True, timeout=1800)
    assert completed.returncode == 0, completed.stderr[-3000:]
    found = json.loads(completed.stdout.strip().splitlines()[-1])
    pages = found["pages"]
    count = sum(len(paths) for paths in pages.values())
    print(f"\naxe-core checked {count} workspace pages (each at 1280 and 390 px): "
          + ", ".join(f"{role} {len(paths)}" for role, paths in pages.items())
          + f"; moderate or minor findings, by rule: {found['milder'] or 'none'}"
          + f"; {found['axe_seconds']} s in axe")
    assert found["errors"] == []
    assert found["violations"] == []
    assert all(paths for paths in pages.values())
    assert "/can-bo/kiem-toan" in pages["auditor"] and "/can-bo/kiem-toan/chuoi-bam" in pages["auditor"]
    assert {"/can-bo/quan-tri/cap-tham-dinh", "/can-bo/quan-tri/bo-tieu-chi",
            "/can-bo/quan-tri/tinh-trang", "/can-bo/quan-ly-tai-khoan"} <= set(pages["administrator"])

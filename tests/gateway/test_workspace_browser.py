"""The officials' workspace in Debian's chromium (tests/gateway/browser_workspace.py), against
the real gateway and the real accounts service: sign-in, a wrong password, a lock-out, an
administrator creating an account and that account signing in, a personal token used on the
API then revoked, forged forms refused, a page of another jurisdiction refused, a disabled
account losing its open session and its token at once, an expired session, and every page at
390 px. Screenshots are kept in artifacts/screenshots/workspace-*.png."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.accounts_platform import FAST_HASHING, accounts_platform
from tests.support.assessment_platform import token

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
BROWSER_SCRIPT = Path(__file__).with_name("browser_workspace.py")
IDLE_SECONDS = 15
ADMIN = token("administrator", sub="quantri")
ACCOUNTS = {
    "admin": ("quantri.thu", "administrator", {}),
    "locked": ("congchuc.dongquang", "commune_officer",
               {"province": "38", "district": "405", "commune": "16426"}),
    "hanoi": ("sotuphap.hanoi", "justice_officer", {"province": "01"}),
    "idle": ("chutich.dongson", "chairman", {"province": "38", "district": "405"}),
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workspace-browser")
    with accounts_platform(f"sqlite:///{folder}/accounts.sqlite",
                           SESSION_IDLE_SECONDS=IDLE_SECONDS, SIGN_IN_MAX_FAILURES=3,
                           **FAST_HASHING) as client:
        setup = {}
        for key, (username, role, where) in ACCOUNTS.items():
            password = f"cụm từ bí mật thứ {len(setup) + 1} thật dài"
            made = client.request("POST", "/api/v1/accounts", ADMIN, json={
                "username": username, "display_name": f"Người dùng {key}", "role": role,
                "jurisdiction": where, "password": password})
            assert made.status_code == 201, made.text
            setup[key] = {"username": username, "password": password}
        yield client, setup


@pytest.mark.browser
def test_the_workspace_in_chromium(workspace):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    client, accounts = workspace
    for old in SHOTS.glob("workspace-*.png"):
        old.unlink()
    setup = json.dumps({"accounts": accounts, "idle_seconds": IDLE_SECONDS})
    # eventlet's green subprocess lets the in-process gateway serve the browser meanwhile.
    completed = subprocess.run([sys.executable, str(BROWSER_SCRIPT), client.url, str(SHOTS),
                                setup], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    assert seen["errors"] == [] and seen["requests_outside"] == []

    # signing in: one answer for a wrong name or password; a name locked after 3 failures,
    # the right password included
    assert seen["lang"] == "vi" and seen["sign_in_heading"] == "Đăng nhập"
    assert seen["wrong_password"] == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    assert seen["wrong_password_title"].startswith("Lỗi: ") and seen["summary_focused"]
    assert "tạm thời bị khóa" in seen["locked"][0] and "phút" in seen["locked"][0]
    assert seen["locked_right_password"] == seen["locked"]

    # an administrator, sent to sign in and back, creates an account that then signs in
    assert seen["redirected_to"] == "/can-bo/dang-nhap?tiep=%2Fcan-bo%2Fquan-ly-tai-khoan"
    assert seen["after_sign_in"] == "/can-bo/quan-ly-tai-khoan"
    assert seen["person"] == "Người dùng admin"
    assert seen["create_errors"] == ["Họ tên: Nhập họ tên (tối đa 100 ký tự)."]
    assert seen["create_summary_focused"]
    assert seen["created_heading"] == "Đã tạo tài khoản"
    assert seen["new_home_heading"] == "Xin chào, Lê Thị Phú"
    assert "Công chức tư pháp cấp xã" in seen["new_home_facts"]
    assert "Xã Đông Phú, Huyện Đông Sơn, Tỉnh Thanh Hóa" in seen["new_home_facts"]
    # a commune officer's own pages, no accounts pages
    assert "/can-bo/quan-ly-tai-khoan" not in seen["new_home_links"]
    assert set(seen["new_home_links"]) == {"/can-bo/tai-khoan-cua-toi", "/can-bo/xa"}

    # a personal token works on the API until revoked, at once
    assert seen["token_shown"] and seen["token_api_before"] == 200
    assert "Chưa dùng" not in seen["token_last_used"]
    assert "Đã thu hồi" in seen["token_revoked_notice"]
    assert seen["token_api_after"] == 401 and seen["second_token_api"] == 200

    # forged forms do nothing
    assert seen["forged_code"] == seen["tokenless_code"] == "csrf_refused"
    assert seen["forged_heading"] == "Bạn không có quyền thực hiện việc này"
    assert seen["forged_tokens_made"] == 2  # the two real ones

    # disabled while signed in: the open session and the token lose access on their next use
    assert seen["disabled_state"] == "Đã khóa"
    assert seen["history"][:2] == ["SessionsEnded", "AccountDisabled"]
    assert seen["disabled_redirect"].startswith("/can-bo/dang-nhap?tiep=")
    assert "ly_do=da-khoa" in seen["disabled_redirect"]
    assert "Tài khoản đã bị khóa" in seen["disabled_notice"]
    assert seen["disabled_token_api"] == 401

    # another jurisdiction's pages are refused
    assert seen["officer_admin_page"] == [403, "Bạn không có quyền thực hiện việc này"]
    assert seen["other_province"] == [403, "Bạn không có quyền thực hiện việc này",
                                      "account_admin"]
    assert seen["hanoi_list"] == []  # Hà Nội's department sees none of Thanh Hóa's accounts

    # an idle session expires
    assert seen["idle_signed_in"] == "/can-bo/"
    assert seen["expired_redirect"] == (
        "/can-bo/dang-nhap?tiep=%2Fcan-bo%2Ftai-khoan-cua-toi&ly_do=het-han")
    assert "Phiên làm việc đã hết hạn" in seen["expired_notice"]

    # every page readable at 390 px
    assert all(width <= 0 for width in seen["phone_overflow"].values()), seen["phone_overflow"]
    for name in ("sai-mat-khau", "tam-khoa", "da-tao-tai-khoan", "trang-chu", "gia-mao",
                 "da-khoa", "ngoai-pham-vi", "het-han", "danh-sach-dien-thoai"):
        assert (SHOTS / f"workspace-{name}.png").stat().st_size > 5_000, name

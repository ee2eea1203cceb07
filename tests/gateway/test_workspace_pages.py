"""The workspace's pages over HTTP, against the real gateway and the real accounts service:
the session cookie's attributes, CSRF on every form (a forged or token-less POST is refused and
changes nothing), no redirect off the site after sign-in, idle expiry, sign-out ending the
session on the server, a form sent twice done once, the error summary, and every page that
carries out an API operation holding that operation's very rule."""

import inspect
import re
import time

import pytest
import requests

from gateway import permissions
from gateway.service import GatewayService
from gateway.workspace import sessions
from tests.support.accounts_platform import FAST_HASHING, accounts_platform
from tests.support.assessment_platform import token

pytestmark = pytest.mark.broker

ADMIN = token("administrator", sub="quantri")
PASSWORD = "sông Mã chảy qua ba bản"
IDLE_SECONDS = 3


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workspace-pages")
    with accounts_platform(f"sqlite:///{folder}/accounts.sqlite", SESSION_IDLE_SECONDS=IDLE_SECONDS,
                           **FAST_HASHING) as client:
        for username, role, where in (
                ("congchuc.dongquang", "commune_officer",
                 {"province": "38", "district": "405", "commune": "16426"}),
                ("quantri.trang", "administrator", {})):
            made = client.request("POST", "/api/v1/accounts", ADMIN, json={
                "username": username, "display_name": f"Người dùng {username}", "role": role,
                "jurisdiction": where, "password": PASSWORD})
            assert made.status_code == 201, made.text
        yield client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in(api, username="congchuc.dongquang", headers=None) -> requests.Session:
    browser = requests.Session()
    form = browser.get(api.url + "/can-bo/dang-nhap", headers=headers)
    answer = browser.post(api.url + "/can-bo/dang-nhap", headers=headers, allow_redirects=False,
                          data={"csrf_token": csrf_of(form.text), "username": username,
                                "password": PASSWORD, "tiep": "/can-bo/"})
    assert answer.status_code == 303, answer.text[-500:]
    return browser


def events(api, username):
    return [e["type"] for e in api.request(
        "GET", f"/api/v1/accounts/{username}/events", ADMIN).json()["events"]]


def test_the_session_cookie_is_httponly_lax_scoped_and_secure_behind_tls(api):
    browser = requests.Session()
    form = browser.get(api.url + "/can-bo/dang-nhap")
    assert form.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in form.headers["Content-Security-Policy"]
    sign_in_cookie = form.headers["Set-Cookie"]
    assert "HttpOnly" in sign_in_cookie and "SameSite=Lax" in sign_in_cookie
    answer = browser.post(api.url + "/can-bo/dang-nhap", allow_redirects=False, data={
        "csrf_token": csrf_of(form.text), "username": "CongChuc.DongQuang ",
        "password": PASSWORD, "tiep": "https://ke-gian.example/can-bo/"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/can-bo/"  # not off-site
    cookie = next(c for c in answer.raw.headers.getlist("Set-Cookie")
                  if c.startswith(sessions.SESSION_COOKIE + "="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/can-bo" in cookie
    assert "Secure" not in cookie and "Max-Age" not in cookie and "Expires" not in cookie
    # Behind a proxy that ended TLS, both cookies are Secure (a browser then sends them over
    # https only; the test sends them by hand).
    tls = {"X-Forwarded-Proto": "https"}
    form = requests.get(api.url + "/can-bo/dang-nhap", headers=tls)
    assert "Secure" in form.headers["Set-Cookie"]
    form_id = re.search(rf"{sessions.SIGN_IN_COOKIE}=([^;]+)", form.headers["Set-Cookie"]).group(1)
    answer = requests.post(api.url + "/can-bo/dang-nhap", headers=tls, allow_redirects=False,
                           cookies={sessions.SIGN_IN_COOKIE: form_id},
                           data={"csrf_token": csrf_of(form.text), "username": "quantri.trang",
                                 "password": PASSWORD})
    cookie = next(c for c in answer.raw.headers.getlist("Set-Cookie")
                  if c.startswith(sessions.SESSION_COOKIE + "="))
    assert answer.status_code == 303 and "Secure" in cookie
    for path in ("//ke-gian.example/", "/can-bo/dang-nhap", "/ket-qua", "/can-bo/\\x"):
        assert sessions.local_path(path) == "/can-bo/"
    assert sessions.local_path("/can-bo/quan-ly-tai-khoan?q=lan") == "/can-bo/quan-ly-tai-khoan?q=lan"


def test_a_form_without_the_sessions_token_or_with_another_is_refused_and_changes_nothing(api):
    browser = signed_in(api)
    account_page = browser.get(api.url + "/can-bo/tai-khoan-cua-toi")
    assert account_page.status_code == 200
    good = csrf_of(account_page.text)
    for forged in ({}, {"csrf_token": "x" * 43}, {"csrf_token": sessions.csrf_token("y" * 48)}):
        refused = browser.post(api.url + "/can-bo/tai-khoan-cua-toi/ma-truy-cap",
                               data={"name": "Phần mềm giả mạo", **forged})
        assert refused.status_code == 403
        assert 'data-error="csrf_refused"' in refused.text and "tải lại trang" in refused.text
    listed = browser.get(api.url + "/can-bo/tai-khoan-cua-toi")
    assert "Phần mềm giả mạo" not in listed.text
    # another site's sign-in form: no sign-in cookie of ours, so no attempt is even made
    before = events(api, "congchuc.dongquang")
    forged_sign_in = requests.post(api.url + "/can-bo/dang-nhap", data={
        "username": "congchuc.dongquang", "password": PASSWORD, "csrf_token": "abc"})
    assert forged_sign_in.status_code == 403 and "cookie" in forged_sign_in.text
    assert events(api, "congchuc.dongquang") == before
    made = browser.post(api.url + "/can-bo/tai-khoan-cua-toi/ma-truy-cap",
                        data={"name": "Phần mềm thật", "csrf_token": good})
    assert made.status_code == 200 and "tcpl_pat_" in made.text


def test_an_idle_session_expires_and_sign_out_ends_it_on_the_server(api):
    browser = signed_in(api)
    assert browser.get(api.url + "/can-bo/").status_code == 200
    time.sleep(IDLE_SECONDS + 1)
    expired = browser.get(api.url + "/can-bo/tai-khoan-cua-toi", allow_redirects=False)
    assert expired.status_code == 303
    assert expired.headers["Location"] == (
        "/can-bo/dang-nhap?tiep=%2Fcan-bo%2Ftai-khoan-cua-toi&ly_do=het-han")
    assert "Phiên làm việc đã hết hạn" in browser.get(api.url + expired.headers["Location"]).text

    browser = signed_in(api)
    stolen = browser.cookies.get(sessions.SESSION_COOKIE)
    home = browser.get(api.url + "/can-bo/")
    out = browser.post(api.url + "/can-bo/dang-xuat", allow_redirects=False,
                       data={"csrf_token": csrf_of(home.text)})
    assert out.status_code == 303 and out.headers["Location"].endswith("da=dang-xuat")
    replayed = requests.get(api.url + "/can-bo/", cookies={sessions.SESSION_COOKIE: stolen},
                            allow_redirects=False)
    assert replayed.status_code == 303 and "ly_do=ket-thuc" in replayed.headers["Location"]
    assert events(api, "congchuc.dongquang")[0] == "SignedOut"


def test_the_create_form_summarises_errors_and_a_form_sent_twice_is_done_once(api):
    browser = signed_in(api, "quantri.trang")
    form = browser.get(api.url + "/can-bo/quan-ly-tai-khoan/tao-moi")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.text).group(1)
    fields = {"csrf_token": csrf_of(form.text), "idempotency_key": key,
              "username": "Sai Ten", "display_name": "", "role": "commune_officer",
              "province": "38", "district": "405", "commune": "99999"}
    wrong = browser.post(api.url + "/can-bo/quan-ly-tai-khoan/tao-moi", data=fields)
    assert wrong.status_code == 400
    assert "<title>Lỗi: " in wrong.text and 'class="error-summary"' in wrong.text
    assert 'href="#f-username"' in wrong.text and 'href="#f-display_name"' in wrong.text
    assert 'aria-invalid="true"' in wrong.text and "Nhập họ tên" in wrong.text
    assert 'value="Sai Ten"' in wrong.text  # what was typed comes back, to be corrected
    fields.update(username="thu.hai.lan", display_name="Người thử", commune="16426")
    first = browser.post(api.url + "/can-bo/quan-ly-tai-khoan/tao-moi", data=fields)
    again = browser.post(api.url + "/can-bo/quan-ly-tai-khoan/tao-moi", data=fields)
    assert first.status_code == again.status_code == 200
    shown = re.search(r'id="mat-khau-moi">([^<]+)<', first.text).group(1)
    assert re.search(r'id="mat-khau-moi">([^<]+)<', again.text).group(1) == shown
    assert events(api, "thu.hai.lan").count("AccountCreated") == 1
    assert first.headers["Cache-Control"] == "no-store"


def test_every_page_that_performs_an_operation_holds_its_very_rule():
    pages = {name: member.page_performs
             for name, member in inspect.getmembers(GatewayService, inspect.isfunction)
             if hasattr(member, "page_performs")}
    assert len(pages) >= 20
    for page, operation in permissions.PAGE_OPERATIONS.items():
        assert pages[page] == operation, page
        assert permissions.PERMISSIONS[page] is permissions.PERMISSIONS[operation]
    with pytest.raises(LookupError):
        from gateway.workspace.pages import page

        @page(performs="create_account")
        def workspace_home(self, current):  # the home page's rule is not create_account's
            return None

"""The accounts API through the real gateway and the real accounts service, on SQLite and
PostgreSQL: administrators and a province's justice department managing accounts (and where
the department stops), personal tokens made, used on the API beside JWTs and revoked, and a
disabled account's token refused at once. Messages are Vietnamese."""

import contextlib

import pytest

from tests.support import databases
from tests.support.accounts_platform import FAST_HASHING, accounts_platform
from tests.support.assessment_platform import token

pytestmark = pytest.mark.broker

ACCOUNTS_OPERATIONS = {
    ("/api/v1/accounts", "get"), ("/api/v1/accounts", "post"),
    ("/api/v1/accounts/{username}", "get"), ("/api/v1/accounts/{username}", "patch"),
    ("/api/v1/accounts/{username}/events", "get"),
    ("/api/v1/accounts/{username}/disable", "post"),
    ("/api/v1/accounts/{username}/enable", "post"),
    ("/api/v1/accounts/{username}/password", "post"),
    ("/api/v1/account", "get"), ("/api/v1/account/tokens", "get"),
    ("/api/v1/account/tokens", "post"), ("/api/v1/account/tokens/{token_id}/revoke", "post"),
}
ACCOUNTS_SECURED = ACCOUNTS_OPERATIONS

ADMIN = token("administrator", sub="quantri")
THANH_HOA = token("justice_officer", province="38", sub="sotuphap.thanhhoa")
HA_NOI = token("justice_officer", province="01", sub="sotuphap.hanoi")
DONG_QUANG = {"province": "38", "district": "405", "commune": "16426"}
OFFICER = {"username": "congchuc.dongquang", "display_name": "Nguyễn Thị Lan",
           "role": "commune_officer", "jurisdiction": DONG_QUANG}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request, tmp_path_factory):
    if request.param == "sqlite":
        database = contextlib.nullcontext(
            f"sqlite:///{tmp_path_factory.mktemp('accounts-api')}/accounts.sqlite")
    else:
        database = databases.fresh_postgres_database()
    with database as url, accounts_platform(url, **FAST_HASHING) as client:
        yield client


def bearer(value):
    return {"Authorization": f"Bearer {value}"}


def test_administrators_and_departments_manage_accounts_and_departments_stop_at_their_province(api):
    made = api.request("POST", "/api/v1/accounts", THANH_HOA, json=OFFICER)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["username"] == "congchuc.dongquang" and len(body["password"]) == 19
    assert body["account"]["state"] == "active" and "password" not in body["account"]

    again = api.request("POST", "/api/v1/accounts", ADMIN, json=OFFICER)
    assert again.status_code == 409 and "đã được dùng" in again.json()["message"]
    for who, account in ((HA_NOI, {**OFFICER, "username": "ha.noi.lam"}),
                         (THANH_HOA, {**OFFICER, "username": "len.cap.tinh",
                                      "role": "justice_officer",
                                      "jurisdiction": {"province": "38"}})):
        refused = api.request("POST", "/api/v1/accounts", who, json=account)
        assert refused.status_code == 403 and refused.json()["details"]["rule"] == "account_admin"
    weak = api.request("POST", "/api/v1/accounts", ADMIN,
                       json={**OFFICER, "username": "nguoi.moi", "password": "matkhau123456"})
    assert weak.status_code == 400 and "phổ biến" in " ".join(weak.json()["details"]["password"])
    bad = api.request("POST", "/api/v1/accounts", ADMIN, json={
        **OFFICER, "username": "sai.xa", "jurisdiction": {"province": "38", "commune": "00004"}})
    assert bad.status_code == 400 and "commune" in bad.json()["details"]

    assert api.request("POST", "/api/v1/accounts", ADMIN, json={
        "username": "congchuc.badinh", "display_name": "Trần Văn Bình",
        "role": "commune_officer", "jurisdiction": {"province": "01", "commune": "00004"},
        "password": "sông Mã chảy qua ba bản"}).status_code == 201
    listed = api.request("GET", "/api/v1/accounts", THANH_HOA).json()
    assert [a["username"] for a in listed["accounts"]] == ["congchuc.dongquang"]
    found = api.request("GET", "/api/v1/accounts?q=binh&state=active", ADMIN).json()
    assert [a["username"] for a in found["accounts"]] == ["congchuc.badinh"]
    assert api.request("GET", "/api/v1/accounts/congchuc.badinh", THANH_HOA).status_code == 403
    assert api.request("GET", "/api/v1/accounts/khong.co.ai", ADMIN).status_code == 404

    account = api.request("GET", "/api/v1/accounts/congchuc.dongquang", THANH_HOA).json()
    changed = api.request("PATCH", "/api/v1/accounts/congchuc.dongquang", THANH_HOA, json={
        "display_name": "Nguyễn Lan", "expected_version": account["version"]})
    assert changed.status_code == 200 and changed.json()["display_name"] == "Nguyễn Lan"
    stale = api.request("PATCH", "/api/v1/accounts/congchuc.dongquang", THANH_HOA, json={
        "display_name": "Tên cũ", "expected_version": account["version"]})
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    assert api.request("PATCH", "/api/v1/accounts/congchuc.dongquang", ADMIN,
                       json={}).status_code == 400
    history = api.request("GET", "/api/v1/accounts/congchuc.dongquang/events", ADMIN).json()
    created = [e for e in history["events"] if e["type"] == "AccountCreated"][0]
    assert created["actor"] == "sotuphap.thanhhoa"  # who gave the access, for the auditor


def test_personal_tokens_work_beside_jwts_and_stop_at_once(api):
    api.request("POST", "/api/v1/accounts", ADMIN, json={
        "username": "tuphap.dongson", "display_name": "Phòng Tư pháp Đông Sơn",
        "role": "justice_officer", "jurisdiction": {"province": "38", "district": "405"},
        "password": "một cụm từ thật dài"})
    own = token("justice_officer", province="38", district="405", sub="tuphap.dongson")
    made = api.request("POST", "/api/v1/account/tokens", own,
                       json={"name": "Bảng tổng hợp", "expires_in_days": 30})
    assert made.status_code == 201, made.text
    personal = made.json()["token"]
    assert personal.startswith("tcpl_pat_")
    me = api.session.get(api.url + "/api/v1/account", headers=bearer(personal))
    assert me.status_code == 200 and me.json()["username"] == "tuphap.dongson"
    # the token acts with the account's role and jurisdiction on any route
    assert api.session.get(api.url + "/api/v1/provinces/38/reviewing-levels/2022",
                           headers=bearer(personal)).status_code == 200
    # a token cannot mint tokens: a leak must not outlive its revocation
    minted = api.session.post(api.url + "/api/v1/account/tokens", headers=bearer(personal),
                              json={"name": "Khác"})
    assert minted.status_code == 403
    listed = api.session.get(api.url + "/api/v1/account/tokens", headers=bearer(personal)).json()
    [entry] = listed["tokens"]
    assert entry["last_used_at"] is not None and "token" not in entry
    # JWTs keep working; one for nobody's account has no own account
    assert api.request("GET", "/api/v1/account", ADMIN).status_code == 404
    revoked = api.session.post(api.url + f"/api/v1/account/tokens/{entry['token_id']}/revoke",
                               headers=bearer(personal))
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    after = api.session.get(api.url + "/api/v1/account", headers=bearer(personal))
    assert after.status_code == 401 and after.json()["details"]["reason"] == "revoked"
    assert after.headers["WWW-Authenticate"].startswith("Bearer")
    assert "thu hồi" in after.json()["message"]
    garbled = api.session.get(api.url + "/api/v1/account",
                              headers=bearer("tcpl_pat_0123456789abcdef_" + "x" * 43))
    assert garbled.status_code == 401


def test_a_disabled_accounts_token_is_refused_at_once_and_enabling_does_not_revive_it(api):
    api.request("POST", "/api/v1/accounts", ADMIN, json={
        "username": "thuky.dongson", "display_name": "Thư ký Hội đồng", "role": "council_secretary",
        "jurisdiction": {"province": "38", "district": "405"}, "password": "một cụm từ thật dài"})
    own = token("council_secretary", province="38", district="405", sub="thuky.dongson")
    personal = api.request("POST", "/api/v1/account/tokens", own,
                           json={"name": "Máy trạm"}).json()["token"]
    assert api.session.get(api.url + "/api/v1/account", headers=bearer(personal)).ok
    disabled = api.request("POST", "/api/v1/accounts/thuky.dongson/disable", THANH_HOA,
                           json={"reason": "Chuyển công tác"})
    assert disabled.status_code == 200 and disabled.json()["state"] == "disabled"
    assert api.session.get(api.url + "/api/v1/account",
                           headers=bearer(personal)).status_code == 401
    assert api.request("POST", "/api/v1/accounts/thuky.dongson/disable", ADMIN,
                       json={"reason": "Lần nữa"}).status_code == 409
    assert api.request("POST", "/api/v1/accounts/thuky.dongson/enable", ADMIN).status_code == 200
    assert api.session.get(api.url + "/api/v1/account",
                           headers=bearer(personal)).status_code == 401
    reset = api.request("POST", "/api/v1/accounts/thuky.dongson/password", ADMIN, json={})
    assert reset.status_code == 200 and len(reset.json()["password"]) == 19

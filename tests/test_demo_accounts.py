"""scripts/demo_accounts.py, as `make run` calls it, against the real gateway and accounts
service: one account per role over the demo data, passwords in a file only its owner reads,
and a second run that changes nothing but what was lost."""

import json
import stat

import pytest
import requests

from gateway.auth import issue_token
from scripts import demo_accounts
from tests.gateway.conftest import JWT_SECRET
from tests.support.accounts_platform import FAST_HASHING, accounts_platform

pytestmark = pytest.mark.broker


def sign_in(url, username, password) -> int:
    browser = requests.Session()
    form = browser.get(f"{url}/can-bo/dang-nhap", timeout=10)
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    return browser.post(f"{url}/can-bo/dang-nhap", allow_redirects=False, timeout=30, data={
        "csrf_token": token, "username": username, "password": password}).status_code


def test_demo_accounts_are_made_once_and_kept(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TCPL_JWT_SECRET", JWT_SECRET)
    listed = tmp_path / "var" / "demo-accounts.jsonl"
    with accounts_platform(f"sqlite:///{tmp_path}/accounts.sqlite", **FAST_HASHING) as api:
        assert demo_accounts.main(["--url", api.url, "--out", str(listed)]) == 0
        assert f"{api.url}/can-bo/" in capsys.readouterr().out
        assert stat.S_IMODE(listed.stat().st_mode) == 0o600
        first = [json.loads(line) for line in listed.read_text().splitlines()]
        assert {a["role"] for a in first} == {
            "commune_officer", "justice_officer", "council_secretary", "chairman",
            "agency_officer", "auditor", "administrator"}
        by_name = {a["username"]: a for a in first}
        assert by_name["congchuc.dongquang"]["jurisdiction"] == {
            "province": "38", "district": "405", "commune": "16426"}
        assert by_name["sotuphap.thanhhoa"]["jurisdiction"] == {"province": "38"}
        assert {"congchuc.dongphu", "congchuc.dongvan", "tuphap.dongson", "thuky.dongson",
                "chutich.dongson", "coquan.thanhhoa", "kiemtoan", "quantri"} <= set(by_name)
        for account in first:
            assert sign_in(api.url, account["username"], account["password"]) == 303, account

        # a second run keeps every password; an account disabled meanwhile is enabled again,
        # and one whose line was lost gets a new password
        admin = {"Authorization": "Bearer " + issue_token(JWT_SECRET, "quantri.thu",
                                                          "administrator")}
        assert requests.post(f"{api.url}/api/v1/accounts/kiemtoan/disable", headers=admin,
                             json={"reason": "Thử"}, timeout=30).status_code == 200
        listed.write_text("".join(line + "\n" for line in listed.read_text().splitlines()
                                  if '"quantri"' not in line))
        assert demo_accounts.main(["--url", api.url, "--out", str(listed)]) == 0
        second = {a["username"]: a for a in map(json.loads, listed.read_text().splitlines())}
        assert {n: a["password"] for n, a in second.items() if n != "quantri"} == {
            n: a["password"] for n, a in by_name.items() if n != "quantri"}
        assert second["quantri"]["password"] != by_name["quantri"]["password"]
        assert sign_in(api.url, "quantri", second["quantri"]["password"]) == 303
        assert sign_in(api.url, "kiemtoan", second["kiemtoan"]["password"]) == 303
        events = requests.get(f"{api.url}/api/v1/accounts/congchuc.dongquang/events",
                              headers=admin, timeout=30).json()["events"]
        assert [e["type"] for e in events].count("AccountCreated") == 1
        assert {e["actor"] for e in events if e["type"] == "AccountCreated"} == {"tcpl-demo"}

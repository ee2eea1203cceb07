"""People of the workspace on a test platform: accounts made through the API, and a browser
session (``requests``) signed in through the sign-in form as a person would."""

import re

import requests

from tests.support.assessment_platform import token

ADMIN_TOKEN = token("administrator", sub="quantri")
PASSWORD = "cánh cò bay lả rập rờn"
PEOPLE = {
    "kiemtoan.trung": ("auditor", {}),
    "quantri.minh": ("administrator", {}),
    "congchuc.dongquang": ("commune_officer",
                           {"province": "38", "district": "405", "commune": "16426"}),
    "sotuphap.thanhhoa": ("justice_officer", {"province": "38"}),
}


def make_people(client, people=PEOPLE) -> None:
    for username, (role, where) in people.items():
        made = client.request("POST", "/api/v1/accounts", ADMIN_TOKEN, json={
            "username": username, "display_name": f"Người dùng {username}", "role": role,
            "jurisdiction": where, "password": PASSWORD})
        assert made.status_code == 201, made.text


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def form_key_of(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


def signed_in(client, username) -> requests.Session:
    browser = requests.Session()
    form = browser.get(client.url + "/can-bo/dang-nhap")
    answer = browser.post(client.url + "/can-bo/dang-nhap", allow_redirects=False,
                          data={"csrf_token": csrf_of(form.text), "username": username,
                                "password": PASSWORD, "tiep": "/can-bo/"})
    assert answer.status_code == 303, answer.text[-500:]
    return browser


def refusal(answer) -> str | None:
    found = re.search(r'data-error="([^"]+)"', answer.text)
    return found.group(1) if found else None

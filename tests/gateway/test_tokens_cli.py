"""``python -m gateway.tokens``: tokens the gateway accepts, for real and demo users."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.auth import DEFAULT_SECRET, principal_from_token
from reference import units
from tests.gateway.conftest import JWT_SECRET

ROOT = Path(__file__).resolve().parents[2]


def tokens_cli(*args, env=None):
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("TCPL_JWT_SECRET", "TCPL_DEVELOPMENT")}
    completed = subprocess.run(
        [sys.executable, "-m", "gateway.tokens", *args], cwd=ROOT, capture_output=True,
        text=True, timeout=60, env={**environment, "PYTHONPATH": str(ROOT), **(env or {})})
    return completed


def test_issue_prints_a_token_for_the_given_user():
    completed = tokens_cli("issue", "--role", "justice_officer", "--sub", "tp@demo",
                           "--province", "01", "--name", "Sở Tư pháp", "--ttl-hours", "2",
                           "--secret", JWT_SECRET)
    assert completed.returncode == 0, completed.stderr
    principal = principal_from_token(completed.stdout.strip(), JWT_SECRET)
    assert (principal.sub, principal.role, principal.name) == ("tp@demo", "justice_officer", "Sở Tư pháp")
    assert principal.jurisdiction == {"province": "01", "district": None, "commune": None}


def test_the_secret_defaults_to_the_environment():
    completed = tokens_cli("issue", "--role", "auditor", "--sub", "a@demo",
                           env={"TCPL_JWT_SECRET": JWT_SECRET})
    assert principal_from_token(completed.stdout.strip(), JWT_SECRET).role == "auditor"


@pytest.mark.parametrize("secret, problem", [
    (None, "no JWT secret is configured"), (DEFAULT_SECRET, "a published one"),
    ("short-secret", "shorter than 32")])
def test_no_token_is_issued_with_a_missing_published_or_short_secret(secret, problem):
    for command in ("issue", "demo"):
        args = (command, *(("--role", "auditor", "--sub", "a@demo") if command == "issue" else ()),
                *(("--secret", secret) if secret else ()))
        completed = tokens_cli(*args)
        assert completed.returncode == 2 and completed.stdout == "", command
        assert problem in completed.stderr and "TCPL_DEVELOPMENT=1" in completed.stderr


def test_a_development_run_issues_with_the_development_secret():
    completed = tokens_cli("issue", "--role", "auditor", "--sub", "a@demo",
                           env={"TCPL_DEVELOPMENT": "1"})
    assert completed.returncode == 0, completed.stderr
    assert principal_from_token(completed.stdout.strip(), DEFAULT_SECRET).role == "auditor"


def test_citizens_and_unknown_roles_are_refused():
    completed = tokens_cli("issue", "--role", "citizen", "--sub", "someone")
    assert completed.returncode == 2 and "invalid choice" in completed.stderr


def test_demo_prints_one_token_per_demo_user():
    completed = tokens_cli("demo", "--secret", JWT_SECRET)
    assert completed.returncode == 0, completed.stderr
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [line["role"] for line in lines] == [
        "administrator", "auditor", "justice_officer", "chairman", "commune_officer",
        "justice_officer", "council_secretary", "chairman"]
    for line in lines:
        principal = principal_from_token(line["token"], JWT_SECRET)
        assert (principal.sub, principal.role) == (line["sub"], line["role"])
        assert principal.jurisdiction == line["jurisdiction"]
        province, district, commune = (line["jurisdiction"][level]
                                       for level in ("province", "district", "commune"))
        # The demo users sit in real units; districts in the demo year, 2022.
        assert province is None or units.province(province) is not None
        assert commune is None or units.commune(commune).province_code == province
        assert district is None or district in {
            d.code for d in units.legacy_districts(province, 2022)}


@pytest.mark.broker
def test_a_demo_token_works_on_the_gateway(platform):
    lines = [json.loads(line) for line in tokens_cli("demo", "--secret", JWT_SECRET).stdout.splitlines()]
    admin = next(line["token"] for line in lines if line["role"] == "administrator")
    officer = next(line["token"] for line in lines if line["role"] == "commune_officer")
    url = "/api/v1/provinces/01/reviewing-levels/2024"
    assert platform.put(url, admin, json={"level": "district"}).status_code == 200
    assert platform.put(url, officer, json={"level": "district"}).status_code == 403
    assert platform.get(url, officer).json()["level"] == "district"


def test_demo_tokens_for_scripts_use_the_environments_secret(monkeypatch):
    from gateway.jwt_secret import SecretRefused
    from gateway.tokens import demo_tokens

    monkeypatch.setenv("TCPL_JWT_SECRET", JWT_SECRET)
    users = demo_tokens()
    assert len(users) == 8
    assert all(principal_from_token(user["token"], JWT_SECRET).sub == user["sub"] for user in users)
    monkeypatch.delenv("TCPL_JWT_SECRET")
    monkeypatch.delenv("TCPL_DEVELOPMENT", raising=False)
    with pytest.raises(SecretRefused):
        demo_tokens()

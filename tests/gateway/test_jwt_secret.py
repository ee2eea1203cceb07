"""The gateway refuses to start with a missing, published or short JWT secret, unless the run
is declared a development run (gateway/jwt_secret.py); the token CLI's side is in
test_tokens_cli.py."""

import os
import subprocess
import time

import pytest
import requests
from nameko.testing.utils import find_free_port

from gateway.auth import DEFAULT_SECRET, issue_token
from gateway.jwt_secret import SecretRefused, is_development, signing_secret, weakness
from gateway.service import GatewayService
from tests.gateway.conftest import JWT_SECRET
from tests.support.processes import NAMEKO, ROOT

GOOD = "a-real-secret-of-more-than-thirty-two-bytes"


@pytest.mark.parametrize("secret, problem", [
    (None, "no JWT secret is configured"),
    ("", "no JWT secret is configured"),
    (DEFAULT_SECRET, "a published one"),
    ("change-me-to-a-long-random-string", "a published one"),  # deploy/.env.example's
    ("short-secret", "12 bytes long, shorter than 32"),
    ("ă" * 15, "30 bytes long"),  # bytes, not characters
])
def test_secrets_that_may_not_sign_production_tokens(secret, problem):
    assert problem in weakness(secret)
    with pytest.raises(SecretRefused) as refused:
        signing_secret(secret, development=False)
    assert "TCPL_JWT_SECRET" in str(refused.value) and "TCPL_DEVELOPMENT=1" in str(refused.value)


def test_a_good_secret_is_used_as_it_is_and_a_development_run_takes_any():
    assert weakness(GOOD) is None and weakness("ă" * 16) is None
    assert signing_secret(GOOD, development=False) == GOOD
    assert signing_secret(None, development=True) == DEFAULT_SECRET
    assert signing_secret("short-secret", development=True) == "short-secret"


def test_what_declares_a_development_run():
    for value in (True, 1, "1", "true", "TRUE", "yes", "on"):
        assert is_development(value), value
    for value in (None, False, 0, "", "0", "false", "no", "off", "production"):
        assert not is_development(value), value


def gateway_settings(amqp_uri, **settings):
    return {"AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": f"127.0.0.1:{find_free_port()}",
            **settings}


@pytest.mark.broker
@pytest.mark.parametrize("settings", [{}, {"JWT_SECRET": DEFAULT_SECRET},
                                      {"JWT_SECRET": "short-secret"},
                                      {"JWT_SECRET": DEFAULT_SECRET, "DEVELOPMENT": False}])
def test_the_gateway_refuses_to_start_without_a_secret_of_its_own(
        container_factory, amqp_uri, settings, caplog):
    container = container_factory(GatewayService, gateway_settings(amqp_uri, **settings))
    with pytest.raises(SecretRefused):
        container.start()
    refusal = [r for r in caplog.records if r.levelname == "CRITICAL"]
    assert refusal and "the gateway refuses to start" in refusal[0].getMessage()


@pytest.mark.broker
@pytest.mark.parametrize("settings, secret", [
    ({"JWT_SECRET": JWT_SECRET}, JWT_SECRET),
    ({"DEVELOPMENT": True}, DEFAULT_SECRET),
    ({"JWT_SECRET": DEFAULT_SECRET, "DEVELOPMENT": 1}, DEFAULT_SECRET),
])
def test_the_gateway_starts_with_a_good_secret_or_in_a_development_run(
        container_factory, amqp_uri, settings, secret):
    # No plans service runs: a short RPC timeout makes the accepted token's 503 come quickly.
    config = gateway_settings(amqp_uri, RPC_TIMEOUT=1, **settings)
    container_factory(GatewayService, config).start()
    url = f"http://{config['WEB_SERVER_ADDRESS']}/api/v1/events?source=plans"
    token = issue_token(secret, "auditor@test", "auditor")
    # 503: the token was accepted (no plans service runs here), where a bad one would be 401
    assert requests.get(url, headers={"Authorization": f"Bearer {token}"},
                        timeout=15).status_code == 503


def run_gateway(amqp_uri, port, **env):
    """``nameko run`` of the gateway with config/nameko.yaml, as deployed."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("TCPL_JWT_SECRET", "TCPL_DEVELOPMENT")}
    environment.update(PYTHONPATH=str(ROOT), AMQP_URI=amqp_uri,
                       WEB_SERVER_ADDRESS=f"127.0.0.1:{port}", **env)
    return subprocess.Popen([NAMEKO, "run", "--config", str(ROOT / "config/nameko.yaml"),
                             "gateway.service:GatewayService"], cwd=ROOT, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.mark.broker
def test_nameko_run_stops_with_a_clear_error_when_no_secret_is_set(amqp_uri):
    process = run_gateway(amqp_uri, find_free_port())
    try:
        output, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode != 0
    assert "CRITICAL gateway.dependencies: the gateway refuses to start: no JWT secret" in output


@pytest.mark.broker
def test_nameko_run_starts_with_the_development_secret_when_told_it_is_development(amqp_uri):
    port = find_free_port()
    process = run_gateway(amqp_uri, port, TCPL_DEVELOPMENT="1")
    try:
        deadline, answer = time.monotonic() + 60, None
        while time.monotonic() < deadline and process.poll() is None and answer is None:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/api/v1/units/provinces/01",
                                      timeout=5)
            except requests.ConnectionError:
                time.sleep(0.2)
        assert answer is not None and answer.status_code == 200, process.poll()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=30)
    assert "development run: no JWT secret is configured" in output

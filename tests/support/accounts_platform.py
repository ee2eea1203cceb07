"""The real gateway with the real accounts service (and stand-in peers for the other services)
on a vhost of its own: what the accounts API, the workspace pages and the browser tests run
against."""

import contextlib
import subprocess
import uuid
from urllib.parse import quote

from nameko.runners import ServiceRunner

from gateway.service import GatewayService
from services.accounts.service import AccountsService
from tests.conftest import BROKER_HOST
from tests.gateway import peers
from tests.gateway.conftest import Platform, gateway_config

# Quick hashes where the tests are not about them (argon2-cffi's own parameters are tested in
# tests/accounts/test_passwords.py, and the service runs them by default).
FAST_HASHING = {"PASSWORD_HASH_TIME_COST": 1, "PASSWORD_HASH_MEMORY_KIB": 8192,
                "PASSWORD_HASH_PARALLELISM": 1}


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def accounts_platform(database_url: str, **settings):
    vhost = f"tcpl-test-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    config = gateway_config(f"amqp://guest:guest@{BROKER_HOST}/{quote(vhost, safe='')}")
    config.update(RPC_TIMEOUT=15, DATABASES={"accounts": database_url})
    config.update(settings)
    runner = ServiceRunner(config)
    for service_cls in (GatewayService, AccountsService, peers.AssessmentPeer, peers.PlansPeer,
                        peers.PublicationPeer, peers.SurveyPeer):
        runner.add_service(service_cls)
    runner.start()
    client = Platform(url="http://" + config["WEB_SERVER_ADDRESS"])
    try:
        yield client
    finally:
        client.session.close()
        runner.kill()
        with contextlib.suppress(Exception):
            _rabbitmqctl("delete_vhost", vhost)

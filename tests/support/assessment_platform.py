"""The real gateway with the real assessment service (and stand-in peers for the other
services) on a vhost of its own, so that the assessment's durable roll-up queue never sees
another module's events."""

import contextlib
import subprocess
import time
import uuid
from datetime import timedelta
from urllib.parse import quote

from nameko.runners import ServiceRunner

from gateway.auth import issue_token
from gateway.service import GatewayService
from services.assessment.service import AssessmentService
from tests.conftest import BROKER_HOST
from tests.gateway import peers
from tests.gateway.conftest import JWT_SECRET, Platform, gateway_config


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def assessment_platform(database_url: str, *extra_services, **settings):
    """A client of the gateway and the assessment service, peers for the other services and
    ``extra_services`` (e.g. the accounts peer, for pages); ``settings`` are added to the
    config both read (an evidence store of the test's own, upload limits, trust roots)."""
    vhost = f"tcpl-test-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    config = gateway_config(f"amqp://guest:guest@{BROKER_HOST}/{quote(vhost, safe='')}")
    config.update(RPC_TIMEOUT=15, DATABASES={"assessment": database_url}, RETRY_DELAY_MS=200)
    config.update(settings)
    runner = ServiceRunner(config)
    for service_cls in (GatewayService, AssessmentService, peers.PlansPeer, peers.PublicationPeer,
                        peers.SurveyPeer, *extra_services):
        runner.add_service(service_cls)
    runner.start()
    client = Platform(url="http://" + config["WEB_SERVER_ADDRESS"])
    client.amqp_uri = config["AMQP_URI"]  # for tests that call the service itself
    try:
        yield client
    finally:
        client.session.close()
        runner.kill()
        _rabbitmqctl("delete_vhost", vhost)


def token(role, province=None, district=None, commune=None, sub=None):
    return issue_token(JWT_SECRET, sub or f"{role}@test", role,
                       {"province": province, "district": district, "commune": commune},
                       ttl=timedelta(hours=1))


def send(client, method, path, token_, body=None):
    kwargs = {} if body is None else {"json": body}
    return client.request(method, path, token_, **kwargs)


def wait_for(check, timeout=20.0, interval=0.2):
    """Poll an eventually consistent read (the roll-up) until ``check()`` returns truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)

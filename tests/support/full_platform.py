"""The whole platform in one process: the real gateway and the five real services on a vhost of
their own on the real broker, each with its SQLite store in ``folder``."""

import contextlib
import subprocess
import uuid
from urllib.parse import quote

from nameko.runners import ServiceRunner

from gateway.service import GatewayService
from kernel.signing import generate_keys
from services.accounts.service import AccountsService
from services.assessment.service import AssessmentService
from services.plans.service import PlansService
from services.publication.service import PublicationService
from services.survey.service import SurveyService
from tests.conftest import BROKER_HOST
from tests.gateway.conftest import Platform, gateway_config

SERVICES = (AssessmentService, PlansService, PublicationService, SurveyService, AccountsService)


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def full_platform(folder, **settings):
    """A client of the started platform; ``settings`` are added to the nameko config."""
    vhost = f"tcpl-test-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    config = gateway_config(f"amqp://guest:guest@{BROKER_HOST}/{quote(vhost, safe='')}")
    # Signed chains, so that every chain is verified and /health can answer "up".
    generate_keys(f"{folder}/keys", [service.name for service in SERVICES])
    config.update(RPC_TIMEOUT=15, RETRY_DELAY_MS=200, SIGNING_KEY_DIR=f"{folder}/keys",
                  EVIDENCE_STORE=f"{folder}/evidence",
                  DATABASES={service.name: f"sqlite:///{folder}/{service.name}.sqlite"
                             for service in SERVICES})
    config.update(settings)
    runner = ServiceRunner(config)
    for service_cls in (GatewayService, *SERVICES):
        runner.add_service(service_cls)
    runner.start()
    client = Platform(url="http://" + config["WEB_SERVER_ADDRESS"])
    client.config = config  # for tests that call a service's RPC directly (an operator's RPC)
    try:
        yield client
    finally:
        client.session.close()
        runner.kill()
        with contextlib.suppress(Exception):
            _rabbitmqctl("delete_vhost", vhost)

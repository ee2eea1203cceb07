"""Fixtures for the gateway: the real GatewayService on a free port, with real peer services
on the real broker (a throwaway vhost from tests/conftest.py), and tokens to call it with."""

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import requests
from nameko.runners import ServiceRunner
from nameko.testing.utils import find_free_port

from gateway.auth import issue_token
from gateway.service import GatewayService
from tests.gateway import peers

JWT_SECRET = "test-secret-for-the-gateway-suite-0123456789"
RPC_TIMEOUT = 2.0
HEALTH_TIMEOUT = 1.0

# Where gateways started by the suite keep uploaded files, unless a test names its own store.
EVIDENCE_STORE = tempfile.mkdtemp(prefix="tcpl-test-evidence-")
atexit.register(shutil.rmtree, EVIDENCE_STORE, ignore_errors=True)

HANOI, HCMC = "01", "79"
BA_DINH, HOAN_KIEM = "00004", "00070"  # both in Hà Nội


def local_session() -> requests.Session:
    """A session for a gateway on this machine: no proxy settings read from the environment
    on every request (a millisecond each, over the permission matrix's 18,000 requests)."""
    session = requests.Session()
    session.trust_env = False
    return session


@dataclass
class Platform:
    url: str
    session: requests.Session = field(default_factory=lambda: local_session())

    def request(self, method, path, token=None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.session.request(method, self.url + path, headers=headers, timeout=15, **kwargs)

    def get(self, path, token=None, **kwargs):
        return self.request("GET", path, token, **kwargs)

    def put(self, path, token=None, **kwargs):
        return self.request("PUT", path, token, **kwargs)


def gateway_config(amqp_uri):
    return {
        "AMQP_URI": amqp_uri,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{find_free_port()}",
        "JWT_SECRET": JWT_SECRET,
        "RPC_TIMEOUT": RPC_TIMEOUT,
        "HEALTH_TIMEOUT": HEALTH_TIMEOUT,
        "EVIDENCE_STORE": EVIDENCE_STORE,
    }


def start_gateway(amqp_uri, *services, **settings):
    """A started runner of the gateway and ``services`` (peers or real ones), with
    ``settings`` added to the gateway's config, and a client of the gateway."""
    config = {**gateway_config(amqp_uri), **settings}
    runner = ServiceRunner(config)
    for service_cls in (GatewayService, *services):
        runner.add_service(service_cls)
    runner.start()
    return runner, Platform(url="http://" + config["WEB_SERVER_ADDRESS"])


@pytest.fixture(scope="module")
def platform(amqp_uri):
    """The gateway with all four backing services answering, shared by a module's tests
    (stopping a nameko runner takes a second). Modules that stop services use start_platform."""
    runner, client = start_gateway(amqp_uri, *peers.ALL_PEERS)
    yield client
    client.session.close()
    runner.kill()


@pytest.fixture
def start_platform(runner_factory, amqp_uri):
    """start_platform(*peer_classes) -> a client of a gateway started with only those peers."""
    clients = []

    def start(*peer_classes):
        config = gateway_config(amqp_uri)
        runner_factory(config, GatewayService, *peer_classes).start()
        clients.append(Platform(url="http://" + config["WEB_SERVER_ADDRESS"]))
        return clients[-1]

    yield start
    for client in clients:
        client.session.close()


@pytest.fixture(autouse=True)
def fresh_peers():
    """Peers keep what they were sent in class attributes; every test starts them empty."""
    peers.reset()


@pytest.fixture
def token():
    """token(role, province=None, commune=None, ttl_seconds=3600) -> a signed bearer token."""

    def make(role, province=None, district=None, commune=None, ttl_seconds=3600,
             secret=JWT_SECRET, sub=None):
        jurisdiction = {"province": province, "district": district, "commune": commune}
        return issue_token(secret, sub or f"{role}@test", role, jurisdiction,
                           ttl=timedelta(seconds=ttl_seconds))

    return make

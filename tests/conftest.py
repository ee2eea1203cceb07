"""Shared fixtures: a real RabbitMQ vhost per session, and real databases (SQLite and
PostgreSQL) per test. Eventlet must patch the standard library before anything imports it."""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet announces its bug-fix-only mode
    import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import ssl  # noqa: E402
import sys  # noqa: E402

# pytest's schemathesis and anyio plugins load urllib3 before this file runs, so urllib3 kept
# the standard library's SSLContext while ssl's own code now names eventlet's green one; the
# first context made (botocore makes one even for http://) recurses forever. A service under
# `nameko run` is patched before anything loads urllib3, as this makes the test process.
if "urllib3.util.ssl_" in sys.modules:
    sys.modules["urllib3.util.ssl_"].SSLContext = ssl.SSLContext
import shutil  # noqa: E402
import subprocess  # noqa: E402
import uuid  # noqa: E402
from urllib.parse import quote  # noqa: E402

import pytest  # noqa: E402

# Before anything loads psycopg: kernel.db makes psycopg's waits green (PSYCOPG_WAIT_FUNC), as
# in the services; with the C wait, a query waiting on a lock another green thread of the test
# process holds would stop the whole process.
import kernel.db  # noqa: E402, F401, I001
from tests.support import databases  # noqa: E402

BROKER_HOST = os.environ.get("TCPL_TEST_AMQP_HOST", "127.0.0.1:5672")


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def _throwaway_vhost():
    if shutil.which("rabbitmqctl") is None:
        pytest.fail("rabbitmqctl not found: run the suite with `make test`, which installs RabbitMQ")
    vhost = f"tcpl-test-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield f"amqp://guest:guest@{BROKER_HOST}/{quote(vhost, safe='')}"
    _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
def amqp_uri():
    """A throwaway vhost on the real broker, so tests never see each other's queues."""
    yield from _throwaway_vhost()


@pytest.fixture
def own_amqp_uri():
    """A vhost of the test's own, for services that must not meet a module's running ones
    (two instances of one service on one vhost would share its RPC queue)."""
    yield from _throwaway_vhost()


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path}/store.sqlite"


@pytest.fixture
def postgres_url():
    with databases.fresh_postgres_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Each test using this runs once per supported database: the conformance suites."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/store.sqlite"
    else:
        with databases.fresh_postgres_database() as url:
            yield url

"""Services start in any order on fresh PostgreSQL databases: all five at once, two replicas
each, as real processes, as a first `docker compose up` starts them. Every one must come up
healthy (issue 14: the survey service crashed reading ``consumer_positions`` while its own
migration was still running)."""

import time

import eventlet
import pytest
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import inspect

from kernel.nameko import EventStoreProvider
from services.survey.service import SurveyService
from tests.support import databases
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.broker
SERVICES = {
    "assessment": "services.assessment.service:AssessmentService",
    "plans": "services.plans.service:PlansService",
    "publication": "services.publication.service:PublicationService",
    "survey": "services.survey.service:SurveyService",
    "accounts": "services.accounts.service:AccountsService",
}
REPLICAS = 2


@pytest.fixture
def fresh_databases():
    with (databases.fresh_postgres_database() as assessment,
          databases.fresh_postgres_database() as plans,
          databases.fresh_postgres_database() as publication,
          databases.fresh_postgres_database() as survey,
          databases.fresh_postgres_database() as accounts):
        yield {"assessment": assessment, "plans": plans, "publication": publication,
               "survey": survey, "accounts": accounts}


def test_every_service_starts_at_once_on_fresh_postgresql_databases(own_amqp_uri, fresh_databases,
                                                                   tmp_path):
    env = {"AMQP_URI": own_amqp_uri,
           **{f"{name.upper()}_DB_URL": url for name, url in fresh_databases.items()}}
    processes = [ServiceProcess(target, name, env, tmp_path / f"{name}-{replica}.log")
                 for replica in range(REPLICAS) for name, target in SERVICES.items()]
    try:
        for process in processes:
            process.start()
        for process in processes:
            process.wait_ready(timeout=120)
        time.sleep(2)  # a replica that loses a race on its tables dies a moment later
        crashed = {p.log_path.name: p.log_path.read_text()[-2000:]
                   for p in processes if p.process.poll() is not None}
        assert not crashed, crashed
        with ClusterRpcProxy({"AMQP_URI": own_amqp_uri}, timeout=30) as proxy:
            for name in SERVICES:
                for _ in range(REPLICAS):  # competing consumers: each answer may be another's
                    health = getattr(proxy, name).health()
                    assert health["status"] == "up", health
                    assert health["database"]["backend"] == "postgresql"
    finally:
        for process in processes:
            process.stop()


def test_extensions_setting_up_together_get_the_store_only_once_it_is_migrated(postgres_url,
                                                                             own_amqp_uri):
    """nameko sets a container's extensions up at once, each in a green thread; the survey's
    log follower asked for the store while the store's own set-up was still migrating it."""
    container = ServiceContainer(SurveyService, {"AMQP_URI": own_amqp_uri,
                                                 "DATABASES": {"survey": postgres_url}})
    provider = next(ext for ext in container.dependencies if isinstance(ext, EventStoreProvider))

    def open_and_look():
        store = provider.open()
        return inspect(store.engine).has_table("consumer_positions")

    first, second = eventlet.spawn(open_and_look), eventlet.spawn(open_and_look)
    try:
        assert (first.wait(), second.wait()) == (True, True)
    finally:
        provider.store.dispose()

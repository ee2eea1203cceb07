"""No event lost, none applied twice: a consumer killed mid-stream, the broker restarted
while events are being published."""

import subprocess
import time
import uuid

import pytest

from kernel import messaging
from kernel.store import ANY_VERSION
from tests.support import tally
from tests.support.processes import ServiceProcess
from tests.support.stores import meta, numbered, open_store

pytestmark = [pytest.mark.broker, pytest.mark.slow]


@pytest.fixture
def deployment(amqp_uri, tmp_path):
    """A ledger and a tally service on their own SQLite files, sharing a fresh vhost's
    exchange; names are unique so earlier tests' queues don't interfere."""
    env = {
        "AMQP_URI": amqp_uri,
        "LEDGER_DB_URL": f"sqlite:///{tmp_path}/ledger.sqlite",
        "TALLY_DB_URL": f"sqlite:///{tmp_path}/tally.sqlite",
        "SUBSCRIBER_MAX_BATCH": "25",
        "RETRY_DELAY_MS": "200",
    }
    ledger = open_store(env["LEDGER_DB_URL"], source="ledger")
    tally_store = open_store(env["TALLY_DB_URL"], source="tally")
    tally.create_tables(tally_store.engine)
    conn = messaging.connect(amqp_uri)
    for queue in ("tally.tally", "tally.tally.retry", "tally.tally.dlq"):
        conn.channel().queue_delete(queue)
    messaging.declare_subscription_queues(conn, "tally.tally", ["ledger"], 200)
    conn.close()
    processes = {
        "ledger": ServiceProcess("tests.support.ledger_services:LedgerService", "ledger", env,
                                 tmp_path / "ledger.log"),
        "tally": ServiceProcess("tests.support.ledger_services:TallyService", "tally", env,
                                tmp_path / "tally.log"),
    }
    yield ledger, tally_store, processes
    for process in processes.values():
        process.stop()
    ledger.dispose()
    tally_store.dispose()


def applied(store):
    return len(tally.rows(store.engine))


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def assert_exactly_once(ledger, tally_store):
    expected = {(e.stream, e.version) for e in ledger.read_all(limit=100000)}
    got = tally.rows(tally_store.engine)
    assert tally.duplicates(tally_store.engine) == []
    assert set(got) == expected and len(got) == len(expected)
    for stream in {s for s, _ in got}:  # each stream applied in version order
        versions = [v for s, v in got if s == stream]
        assert versions == sorted(versions)


def test_a_consumer_killed_mid_stream_loses_nothing_and_doubles_nothing(deployment):
    ledger, tally_store, processes = deployment
    total = 4000
    for i in range(40):
        ledger.append(f"commune-{i}", ANY_VERSION, numbered(100), meta())
    processes["tally"].start().wait_ready()
    processes["ledger"].start().wait_ready()

    wait_until(lambda: applied(tally_store) >= 300, 60, "the first events")
    processes["tally"].kill()  # SIGKILL: no clean shutdown, unacked messages return to the queue
    at_kill = applied(tally_store)
    assert at_kill < total, "the consumer finished before it could be killed"

    processes["tally"].start().wait_ready()
    wait_until(lambda: applied(tally_store) >= total, 120, "every event after the restart")
    time.sleep(1)  # let any redelivery land: it must be dropped
    assert_exactly_once(ledger, tally_store)


def test_a_broker_restart_while_publishing_loses_nothing_and_doubles_nothing(deployment):
    ledger, tally_store, processes = deployment
    processes["tally"].start().wait_ready()
    processes["ledger"].start().wait_ready()
    restarted = False
    for i in range(60):
        ledger.append(f"commune-{i % 12}", ANY_VERSION, [numbered(1)[0] for _ in range(50)], meta(
            correlation_id=str(uuid.uuid4())))
        if i == 20:
            subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, timeout=120)
            time.sleep(1)
            subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, timeout=120)
            subprocess.run(["rabbitmqctl", "-q", "await_startup"], check=True, timeout=120)
            restarted = True
        time.sleep(0.05)
    assert restarted
    wait_until(lambda: applied(tally_store) >= 3000, 180, "every event after the broker restart")
    time.sleep(1)
    assert_exactly_once(ledger, tally_store)
    assert ledger.outbox_size() == 0


def test_a_new_consumer_catches_up_over_rpc_continues_live_and_rebuilds(deployment):
    ledger, tally_store, processes = deployment
    conn = messaging.connect(processes["tally"].env["AMQP_URI"])
    conn.channel().queue_delete("tally.tally")  # the consumer has never existed
    conn.close()
    for i in range(10):
        ledger.append(f"commune-{i}", ANY_VERSION, numbered(50), meta())
    processes["ledger"].start().wait_ready()
    wait_until(lambda: ledger.outbox_size() == 0, 60, "the ledger to publish to nobody")

    processes["tally"].start().wait_ready()  # catches up by reading ledger.events_after
    wait_until(lambda: applied(tally_store) >= 500, 60, "the catch-up")
    ledger.append("commune-late", ANY_VERSION, numbered(20), meta())
    wait_until(lambda: applied(tally_store) >= 520, 60, "the live events")

    from nameko.standalone.rpc import ClusterRpcProxy

    before = max_row_id(tally_store)
    with ClusterRpcProxy({"AMQP_URI": processes["tally"].env["AMQP_URI"]}, timeout=60) as rpc:
        # Live redeliveries may land between the reset and the catch-up; each event is
        # still applied once, by one or the other.
        assert 0 < rpc.tally.rebuild("tally") <= 520
    assert_exactly_once(ledger, tally_store)
    assert min_row_id(tally_store) > before  # every row was rebuilt, none kept


def max_row_id(store):
    from sqlalchemy import func, select

    with store.engine.connect() as conn:
        return conn.execute(select(func.max(tally.tally.c.row_id))).scalar()


def min_row_id(store):
    from sqlalchemy import func, select

    with store.engine.connect() as conn:
        return conn.execute(select(func.min(tally.tally.c.row_id))).scalar()

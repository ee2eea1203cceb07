"""Quorum subscription queues on a three-node RabbitMQ cluster of this machine's own
(tests/support/rabbitmq_cluster.py: other ports, other data directories; the suite's broker is
never touched): a node is killed with SIGKILL in the middle of a load, and every event is
still applied once, none lost and none twice, with no dead letter.

The producer is the real outbox relay, publishing with confirms, given the nodes from the
first; the consumer is the real subscriber and projection processor, given them from the
second, which also hosts the queues' leaders (a quorum queue's leader starts on the node of
the client that declared it). The second node is the one killed: the consumer's connection
and the leaders go at once; the consumer reconnects to the third node, the two surviving
members elect new leaders, and the relay's publishes in flight wait for the election.

Run by `make cluster-test` (the `cluster` marker keeps it out of `make test`): 35 s on the
2-core development VM when quiet, 25 s of it starting the cluster; 44-50 s under load.
"""

import time
from pathlib import Path

import eventlet
import pytest

from kernel import messaging
from kernel.projection import ProjectionProcessor, StoreSource
from kernel.relay import OutboxRelay
from kernel.store import NO_STREAM
from kernel.subscriber import Subscriber
from tests.support import tally
from tests.support.rabbitmq_cluster import SERVER, Cluster
from tests.support.stores import meta, numbered, open_store

pytestmark = [pytest.mark.slow, pytest.mark.broker, pytest.mark.cluster]

STREAMS = 40
EVENTS_PER_APPEND = 10
APPENDS_PER_STREAM = 5  # 40 × 5 × 10 = 2,000 events


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    if not Path(SERVER).exists():
        pytest.fail(f"{SERVER} not found: install Debian's rabbitmq-server (`make setup`)")
    started = time.monotonic()
    cluster = Cluster.create(tmp_path_factory.mktemp("rabbitmq-cluster"))
    try:
        cluster.start()
        print(f"cluster of three nodes up in {time.monotonic() - started:.1f}s")
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def store(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/store.sqlite", source="ledger")
    tally.create_tables(store.engine)
    yield store
    store.dispose()


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        eventlet.sleep(0.1)
    return predicate()


def queue_facts(cluster, via):
    """name → (type, members) of the cluster's queues, as a surviving node lists them."""
    listed = cluster.ctl(via, "list_queues", "-q", "--no-table-headers", "name", "type",
                         "members")
    facts = {}
    for line in listed.splitlines():
        name, kind, members = line.split("\t", 2)
        facts[name] = (kind, members.count("@"))
    return facts


def test_killing_a_node_mid_load_loses_nothing_and_applies_nothing_twice(cluster, store):
    first, second, third = cluster.nodes
    source = store.source
    projection = tally.TallyProjection(sources=[source])
    processor = ProjectionProcessor(store, projection, {source: StoreSource(store)})
    subscriber = Subscriber(cluster.amqp_uri(first=1), f"{source}.tally", [source],
                            processor.process, retry_delay_ms=200, queue_type="quorum",
                            max_batch=100)
    subscriber.declare()  # through the second node: the leaders start there
    facts = queue_facts(cluster, first)
    for name in (subscriber.queue, messaging.retry_queue(subscriber.queue),
                 messaging.dead_letter_queue(subscriber.queue), messaging.UNROUTED_QUEUE):
        assert facts[name] == ("quorum", 3), (name, facts)

    opened = []  # the node of each connection the consumer opens
    first_open = subscriber._open

    def counting_open():
        first_open()
        opened.append(subscriber.connection.host)

    subscriber._open = counting_open
    relay = OutboxRelay(store, cluster.amqp_uri(first=0), batch_size=100, confirm_timeout=10,
                        queue_type="quorum")
    stopping = {"now": False}
    relay_thread = eventlet.spawn(relay.run, lambda: stopping["now"], idle_wait=0.1)
    consumer_thread = eventlet.spawn(subscriber.run, lambda: stopping["now"])
    total = STREAMS * EVENTS_PER_APPEND * APPENDS_PER_STREAM
    killed_at = None
    try:
        appended = 0
        for round_ in range(APPENDS_PER_STREAM):
            for s in range(STREAMS):
                store.append(f"s{s}", NO_STREAM if round_ == 0 else round_ * EVENTS_PER_APPEND,
                             numbered(EVENTS_PER_APPEND, start=round_ * EVENTS_PER_APPEND + 1),
                             meta())
                appended += EVENTS_PER_APPEND
                relay.wake.set()
                if killed_at is None and appended >= total // 2:
                    # Half published, some consumed: the consumer's node and the leaders go.
                    killed_at = (appended, processor.applied)
                    cluster.kill(second)
                eventlet.sleep(0.01)
        assert killed_at is not None and 0 < killed_at[1] < total, killed_at
        assert wait_for(lambda: store.outbox_size() == 0, timeout=30), store.outbox_size()
        assert wait_for(lambda: len(tally.rows(store.engine)) >= total, timeout=30), (
            len(tally.rows(store.engine)), processor.applied, subscriber.last_error)
        eventlet.sleep(1)  # room for a late duplicate to show itself
    finally:
        stopping["now"] = True
        relay.wake.set()
        relay_thread.wait()
        consumer_thread.wait()
        relay.close()

    # The consumer was on the second node, and went on through the third after the kill.
    assert opened[0].endswith(f":{second.port}") and opened[-1].endswith(f":{third.port}"), opened
    rows = tally.rows(store.engine)
    assert tally.duplicates(store.engine) == []  # nothing applied twice
    assert sorted(rows) == sorted((f"s{s}", v) for s in range(STREAMS)
                                  for v in range(1, EVENTS_PER_APPEND * APPENDS_PER_STREAM + 1))
    conn = messaging.connect(cluster.amqp_uri(first=2))
    try:
        channel = conn.channel()
        for name, expected in ((subscriber.queue, 0), (messaging.retry_queue(subscriber.queue), 0),
                               (messaging.dead_letter_queue(subscriber.queue), 0)):
            assert channel.queue_declare(name, passive=True).message_count == expected, name
    finally:
        conn.close()
    # The survivors took the leaders over; the killed node stays a member, to catch up later.
    facts = queue_facts(cluster, third)
    assert facts[subscriber.queue] == ("quorum", 3)
    assert sorted(cluster.running_nodes(via=first)) == sorted([first.name, third.name])

"""The path through the real broker: outbox → confirmed publish → queue → idempotent consumer,
with retries, dead letters and nothing silently dropped."""

import subprocess
import time
from urllib.parse import unquote, urlparse

import amqp
import eventlet
import pytest

from kernel import messaging
from kernel.projection import ProjectionProcessor, StoreSource
from kernel.relay import OutboxRelay
from kernel.store import NO_STREAM
from kernel.subscriber import Subscriber, dead_letters, replay_dead_letters
from tests.support import forgery, tally
from tests.support.stores import meta, numbered, open_store

pytestmark = pytest.mark.broker


@pytest.fixture
def store(sqlite_url):
    store = open_store(sqlite_url, source=f"src{int(time.time() * 1000) % 10**8}")
    tally.create_tables(store.engine)
    yield store
    store.dispose()


def queue_depth(amqp_uri, queue):
    conn = messaging.connect(amqp_uri)
    try:
        return conn.channel().queue_declare(queue, passive=True).message_count
    finally:
        conn.close()


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        eventlet.sleep(0.05)
    return predicate()


class Running:
    """A subscriber in a green thread, stopped at the end of the test."""

    def __init__(self, subscriber):
        self.subscriber = subscriber
        self.stopped = False
        self.thread = eventlet.spawn(subscriber.run, lambda: self.stopped)

    def stop(self):
        self.stopped = True
        self.thread.wait()


def subscribe(amqp_uri, store, projection, **kwargs):
    processor = ProjectionProcessor(store, projection, {store.source: StoreSource(store)})
    subscriber = Subscriber(amqp_uri, f"{store.source}.{projection.name}", [store.source],
                            processor.process, retry_delay_ms=100, **kwargs)
    subscriber.declare()
    return processor, subscriber


def test_relay_publishes_confirmed_batches_and_empties_the_outbox(amqp_uri, store):
    projection = tally.TallyProjection(sources=[store.source])
    processor, subscriber = subscribe(amqp_uri, store, projection)
    for i in range(10):
        store.append(f"s{i}", NO_STREAM, numbered(120), meta())
    relay = OutboxRelay(store, amqp_uri, batch_size=500)
    assert [relay.publish_pending() for _ in range(4)] == [500, 500, 200, 0]
    assert store.outbox_size() == 0
    running = Running(subscriber)
    try:
        assert wait_for(lambda: processor.applied == 1200)
    finally:
        running.stop()
        relay.close()
    assert tally.duplicates(store.engine) == []
    assert queue_depth(amqp_uri, subscriber.queue) == 0


def test_relay_keeps_entries_when_the_broker_cannot_be_reached(store):
    store.append("a", NO_STREAM, numbered(3), meta())
    relay = OutboxRelay(store, "amqp://guest:guest@127.0.0.1:1/", batch_size=10)
    with pytest.raises(OSError):
        relay.publish_pending()
    assert store.outbox_size() == 3


def test_events_nobody_subscribes_to_are_kept_not_dropped(amqp_uri, store):
    before = _unrouted(amqp_uri)
    store.append("a", NO_STREAM, numbered(5), meta())
    relay = OutboxRelay(store, amqp_uri)
    relay.publish_pending()
    relay.close()
    assert _unrouted(amqp_uri) == before + 1  # one run of five events of one type
    [kept] = _unrouted_events(amqp_uri)[before:]
    assert [e["data"]["n"] for e in kept] == [1, 2, 3, 4, 5]


def test_runs_of_one_type_share_a_message_and_keep_their_routing_key():
    events = [{"source": "s", "type": t, "id": str(i), "position": i}
              for i, t in enumerate(["A", "A", "B", "A", "A", "A"], 1)]
    assert [[e["position"] for e in run] for run in messaging.runs(events)] == [
        [1, 2], [3], [4, 5, 6]]
    message = messaging.events_message(messaging.runs(events)[2])
    assert message.application_headers == {
        "source": "s", "type": "A", "events": 3, "first_position": 4, "last_position": 6}


def _unrouted(amqp_uri):
    conn = messaging.connect(amqp_uri)
    try:
        messaging.declare_events_exchange(conn)
        return conn.channel().queue_declare(messaging.UNROUTED_QUEUE, passive=True).message_count
    finally:
        conn.close()


def _unrouted_events(amqp_uri):
    """Each message kept in tcpl.unrouted, as its list of events (peeked, not taken)."""
    conn = messaging.connect(amqp_uri)
    try:
        channel = conn.channel()
        found = []
        while (message := channel.basic_get(messaging.UNROUTED_QUEUE, no_ack=False)) is not None:
            found.append(messaging.decode(message))
        return found
    finally:
        conn.close()  # unacked: every message goes back


def test_a_failing_event_is_retried_then_dead_lettered_and_can_be_replayed(amqp_uri, store):
    broken = {"on": True}
    projection = tally.TallyProjection(
        sources=[store.source], fail_on=lambda e: broken["on"] and e.stream == "poison")
    processor, subscriber = subscribe(amqp_uri, store, projection, max_attempts=3)
    store.append("good", NO_STREAM, numbered(5), meta())
    store.append("poison", NO_STREAM, numbered(1), meta())
    store.append("good", 5, numbered(5, start=6), meta())
    relay = OutboxRelay(store, amqp_uri)
    relay.publish_pending()
    running = Running(subscriber)
    try:
        # good events flow past the bad one; the bad one ends in the dead-letter queue
        assert wait_for(lambda: queue_depth(amqp_uri, messaging.dead_letter_queue(subscriber.queue)) == 1)
        assert wait_for(lambda: processor.applied == 10)
        [letter] = dead_letters(amqp_uri, subscriber.queue)
        assert letter["stream"] == "poison" and letter["attempts"] == 3
        assert "cannot apply poison v1" in letter["error"]
        assert queue_depth(amqp_uri, messaging.dead_letter_queue(subscriber.queue)) == 1  # peeking keeps it

        broken["on"] = False  # the bug is fixed; replay
        assert replay_dead_letters(amqp_uri, subscriber.queue) == 1
        assert wait_for(lambda: processor.applied == 11)
    finally:
        running.stop()
        relay.close()
    assert ("poison", 1) in tally.rows(store.engine)
    assert tally.duplicates(store.engine) == []


def test_a_message_that_is_not_events_is_parked_at_once_and_the_rest_applied(amqp_uri, store):
    projection = tally.TallyProjection(sources=[store.source])
    processor, subscriber = subscribe(amqp_uri, store, projection, max_attempts=3)
    conn = messaging.connect(amqp_uri)
    try:
        publisher = messaging.ConfirmingChannel(conn)
        publisher.publish_all([(amqp.Message("not json", message_id="junk-1"), "",
                                subscriber.queue)])
    finally:
        conn.close()
    store.append("good", NO_STREAM, numbered(3), meta())
    relay = OutboxRelay(store, amqp_uri)
    relay.publish_pending()
    running = Running(subscriber)
    try:
        assert wait_for(lambda: processor.applied == 3)
        assert wait_for(lambda: queue_depth(
            amqp_uri, messaging.dead_letter_queue(subscriber.queue)) == 1)
        [letter] = dead_letters(amqp_uri, subscriber.queue)
        assert letter["event_id"] == "junk-1" and letter["error"].startswith("unreadable")
    finally:
        running.stop()
        relay.close()
    assert queue_depth(amqp_uri, messaging.retry_queue(subscriber.queue)) == 0


def test_a_subscription_with_event_types_gets_only_those_and_loses_its_old_catch_all(amqp_uri, store):
    queue = f"{store.source}.typed"
    conn = messaging.connect(amqp_uri)
    try:  # as an earlier release declared it: everything from the source
        messaging.declare_subscription_queues(conn, queue, [store.source], 1000)
    finally:
        conn.close()
    subscriber = Subscriber(amqp_uri, queue, [store.source], lambda batch, routes: None,
                            event_types={store.source: ["Counted"]})
    subscriber.declare()
    store.append("a", NO_STREAM, numbered(2) + numbered(1, type_="Other"), meta())
    relay = OutboxRelay(store, amqp_uri)
    relay.publish_pending()
    relay.close()
    assert wait_for(lambda: queue_depth(amqp_uri, queue) == 1)
    eventlet.sleep(0.2)
    assert queue_depth(amqp_uri, queue) == 1  # the run of two Counted; Other never came


def test_private_event_types_are_kept_in_the_log_but_not_published(amqp_uri, store):
    projection = tally.TallyProjection(sources=[store.source])
    processor, subscriber = subscribe(amqp_uri, store, projection)
    store.append("early", NO_STREAM, numbered(1, type_="Secret"), meta())
    store.declare_private_types(["Secret"])  # after the first Secret got its outbox entry
    store.append("a", NO_STREAM, numbered(3), meta())
    store.append("b", NO_STREAM, numbered(2, type_="Secret"), meta())
    assert store.outbox_size() == 4
    relay = OutboxRelay(store, amqp_uri)
    assert relay.publish_pending() == 4
    relay.close()
    assert store.outbox_size() == 0 and relay.published == 3
    assert queue_depth(amqp_uri, subscriber.queue) == 1  # one run of three Counted
    assert [e.type for e in store.read_all()] == ["Secret"] + ["Counted"] * 3 + ["Secret"] * 2


def test_a_forged_event_is_dead_lettered_at_once_with_its_reason_and_reported(amqp_uri, store):
    projection = tally.TallyProjection(sources=[store.source])
    processor, subscriber = subscribe(amqp_uri, store, projection, max_attempts=5)
    store.append("a", NO_STREAM, numbered(3), meta())
    genuine = store.read_all()
    key = messaging.routing_key(store.source, "Counted")
    # Made-up content under a hash that is its own, and an edited body under the old hash.
    forgery.publish(amqp_uri, [forgery.rehashed(genuine[2], data={"n": 1000})], key)
    forgery.publish(amqp_uri, [forgery.edited(genuine[1], data={"n": 2000})], key)
    relay = OutboxRelay(store, amqp_uri)
    running = Running(subscriber)
    try:
        assert wait_for(lambda: queue_depth(
            amqp_uri, messaging.dead_letter_queue(subscriber.queue)) == 2, timeout=10)
        relay.publish_pending()
        assert wait_for(lambda: processor.applied == 3)
        eventlet.sleep(0.3)
        report = subscriber.report()
    finally:
        running.stop()
        relay.close()
    assert sorted(tally.rows(store.engine)) == [("a", 1), ("a", 2), ("a", 3)]
    assert tally.duplicates(store.engine) == []
    letters = dead_letters(amqp_uri, subscriber.queue)
    assert [(letter["attempts"], letter["rejected"]) for letter in letters] == [
        (1, "not_in_log"), (1, "hash_mismatch")]  # parked at once: no retry
    assert all(letter["error"].startswith("UnverifiedEvent: ") for letter in letters)
    assert queue_depth(amqp_uri, messaging.retry_queue(subscriber.queue)) == 0
    assert report["dead_letters"] == 2 and report["rejected"] == 2
    assert report["last_rejected"]["reason"] == "hash_mismatch"
    assert report["last_rejected"]["event_id"] == genuine[1].id
    assert report["last_rejected"]["source"] == store.source and report["last_rejected"]["at"]


def test_the_relay_publishes_only_the_types_others_subscribe_to(amqp_uri, store):
    projection = tally.TallyProjection(sources=[store.source])
    processor, subscriber = subscribe(amqp_uri, store, projection)
    store.append("a", NO_STREAM, numbered(2) + numbered(1, type_="Internal"), meta())
    before = _unrouted(amqp_uri)
    relay = OutboxRelay(store, amqp_uri, published_types=["Counted"])
    assert relay.publish_pending() == 3
    relay.close()
    assert store.outbox_size() == 0 and relay.published == 2
    assert queue_depth(amqp_uri, subscriber.queue) == 1  # one run of two Counted
    assert _unrouted(amqp_uri) == before  # Internal was not sent to nobody
    assert [e.type for e in store.read_all()] == ["Counted", "Counted", "Internal"]


def test_tcpl_unrouted_is_bounded_and_an_unbounded_one_is_replaced(own_amqp_uri):
    conn = messaging.connect(own_amqp_uri)
    try:  # as earlier releases declared it, holding what nobody subscribed to
        channel = conn.channel()
        channel.exchange_declare(messaging.UNROUTED_EXCHANGE, "fanout", durable=True,
                                 auto_delete=False)
        channel.queue_declare(messaging.UNROUTED_QUEUE, durable=True, auto_delete=False)
        channel.queue_bind(messaging.UNROUTED_QUEUE, messaging.UNROUTED_EXCHANGE, "")
        channel.basic_publish(amqp.Message("old"), messaging.UNROUTED_EXCHANGE, "")
        messaging.declare_events_exchange(conn)
        messaging.declare_events_exchange(conn)  # and again, as every process does
        publisher = messaging.ConfirmingChannel(conn)
        extra = 5
        publisher.publish_all([(amqp.Message(str(i)), messaging.EVENTS_EXCHANGE, f"nobody.T{i}")
                               for i in range(messaging.UNROUTED_MAX_LENGTH + extra)])
        channel = conn.channel()
        depth = channel.queue_declare(messaging.UNROUTED_QUEUE, passive=True).message_count
        oldest = channel.basic_get(messaging.UNROUTED_QUEUE, no_ack=False).body
    finally:
        conn.close()
    assert depth == messaging.UNROUTED_MAX_LENGTH
    assert oldest == str(extra)  # the oldest went first; the publishes were all confirmed


def test_a_retry_queue_declared_otherwise_is_replaced_without_losing_its_messages(own_amqp_uri):
    queue = "ledger.legacy"
    conn = messaging.connect(own_amqp_uri)
    try:  # as earlier releases declared it: back to the queue through the default exchange
        channel = conn.channel()
        channel.queue_declare(queue, durable=True, auto_delete=False)
        channel.queue_declare(messaging.retry_queue(queue), durable=True, auto_delete=False,
                              arguments={"x-message-ttl": 60_000, "x-dead-letter-exchange": "",
                                         "x-dead-letter-routing-key": queue})
        messaging.ConfirmingChannel(conn).publish_all(
            [(amqp.Message(f"waiting {i}"), "", messaging.retry_queue(queue)) for i in range(3)])
        messaging.declare_subscription_queues(conn, queue, ["ledger"], retry_delay_ms=100)
        assert _depth(conn, queue) == 3  # handed back early rather than lost
        assert _depth(conn, messaging.retry_queue(queue)) == 0
        # The new retry queue hands messages back through tcpl.queues.
        messaging.ConfirmingChannel(conn).publish_all(
            [(amqp.Message("retry me"), messaging.QUEUES_EXCHANGE, messaging.retry_queue(queue))],
            mandatory=True)
        assert wait_for(lambda: _depth(conn, queue) == 4, timeout=5)
    finally:
        conn.close()


def test_moves_between_queues_fail_loudly_when_no_queue_takes_them(own_amqp_uri):
    conn = messaging.connect(own_amqp_uri)
    try:
        messaging.declare_events_exchange(conn)
        with pytest.raises(RuntimeError, match="no queue is bound"):
            messaging.ConfirmingChannel(conn).publish_all(
                [(amqp.Message("x"), messaging.QUEUES_EXCHANGE, "ledger.nowhere")],
                mandatory=True)
    finally:
        conn.close()


def _depth(conn, queue):
    return conn.channel().queue_declare(queue, passive=True).message_count


def test_events_its_source_cannot_confirm_yet_wait_for_it_and_are_not_parked(amqp_uri, store,
                                                                             runner_factory):
    from kernel.nameko import EventSourcedService, EventStoreProvider, RpcSource

    source_name = store.source

    class Source(EventSourcedService):  # the store's own service, started late
        name = source_name
        store = EventStoreProvider()

    projection = tally.TallyProjection(sources=[store.source])
    source = RpcSource({"AMQP_URI": amqp_uri}, store.source, timeout=5, caller="tally")
    processor = ProjectionProcessor(store, projection, {store.source: source})
    subscriber = Subscriber(amqp_uri, f"{store.source}.waiting", [store.source],
                            processor.process, retry_delay_ms=100, max_attempts=2)
    subscriber.declare()
    store.append("a", NO_STREAM, numbered(2), meta())
    forgery.publish(amqp_uri, store.read_all(), messaging.routing_key(store.source, "Counted"))
    running = Running(subscriber)
    try:
        assert wait_for(lambda: "SourceUnavailable" in (subscriber.report()["error"] or ""))
        eventlet.sleep(1)  # several back-offs: more than max_attempts, and nothing parked
        assert processor.applied == 0
        assert queue_depth(amqp_uri, messaging.dead_letter_queue(subscriber.queue)) == 0
        runner_factory({"AMQP_URI": amqp_uri, "DATABASES": {store.source: str(store.engine.url)}},
                       Source).start()
        assert wait_for(lambda: processor.applied == 2)
    finally:
        running.stop()
    assert tally.rows(store.engine) == [("a", 1), ("a", 2)]
    assert subscriber.report()["dead_letters"] == 0


# -- the queue type (SUBSCRIPTION_QUEUE_TYPE) ---------------------------------------------------

def _queue_types(vhost_uri):
    vhost = unquote(urlparse(vhost_uri).path[1:])
    listed = subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", vhost,
                             "--no-table-headers", "name", "type"],
                            check=True, capture_output=True, text=True, timeout=60).stdout
    return dict(line.split("\t") for line in listed.splitlines() if line)


def test_quorum_subscription_queues_retry_back_through_at_least_once_dead_lettering(
        own_amqp_uri, sqlite_url):
    store = open_store(sqlite_url, source="ledger")
    tally.create_tables(store.engine)
    failing = {"left": 1}

    def fail_once(event):
        if event.stream == "flaky" and failing["left"]:
            failing["left"] -= 1
            return True
        return False

    projection = tally.TallyProjection(sources=["ledger"], fail_on=fail_once)
    processor = ProjectionProcessor(store, projection, {"ledger": StoreSource(store)})
    subscriber = Subscriber(own_amqp_uri, "ledger.tally", ["ledger"], processor.process,
                            retry_delay_ms=100, queue_type="quorum", max_attempts=3)
    subscriber.declare()
    types = _queue_types(own_amqp_uri)
    assert {name: types[name] for name in ("ledger.tally", "ledger.tally.retry",
                                           "ledger.tally.dlq", "tcpl.unrouted")} == {
        "ledger.tally": "quorum", "ledger.tally.retry": "quorum",
        "ledger.tally.dlq": "quorum", "tcpl.unrouted": "quorum"}
    store.append("flaky", NO_STREAM, numbered(1), meta())
    store.append("steady", NO_STREAM, numbered(4), meta())
    relay = OutboxRelay(store, own_amqp_uri, queue_type="quorum")
    relay.publish_pending()
    running = Running(subscriber)
    try:  # the failed event went to the retry queue and came back when its delay ran out
        assert wait_for(lambda: processor.applied == 5, timeout=15)
    finally:
        running.stop()
        relay.close()
    assert tally.duplicates(store.engine) == []
    assert queue_depth(own_amqp_uri, "ledger.tally.dlq") == 0
    store.dispose()


@pytest.mark.parametrize(("declared", "configured"), [("classic", "quorum"), ("quorum", "classic")])
def test_a_queue_of_the_other_type_stops_the_start_with_what_to_do(own_amqp_uri, declared,
                                                                   configured):
    conn = messaging.connect(own_amqp_uri)
    try:
        messaging.declare_subscription_queues(conn, "ledger.moved", ["ledger"], 100,
                                              kind=declared)
        with pytest.raises(messaging.QueueTypeMismatch) as refused:
            messaging.declare_subscription_queues(conn, "ledger.moved", ["ledger"], 100,
                                                  kind=configured)
    finally:
        conn.close()
    message = str(refused.value)
    assert refused.value.queue == "ledger.moved"
    assert f"SUBSCRIPTION_QUEUE_TYPE={configured}" in message
    for step in ("stop every replica", "'ledger.moved.dlq'", "rabbitmqctl delete_queue",
                 "docs/deployment.md"):
        assert step in message
    # Done as it says, the start succeeds, as the other type.
    conn = messaging.connect(own_amqp_uri)
    try:
        channel = conn.channel()
        messaging.delete_subscription_queues(channel, "ledger.moved")
        messaging.declare_subscription_queues(conn, "ledger.moved", ["ledger"], 100,
                                              kind=configured)
    finally:
        conn.close()
    assert _queue_types(own_amqp_uri)["ledger.moved"] == configured


def test_a_quorum_retry_queue_with_another_delay_is_replaced_without_losing_its_messages(
        own_amqp_uri):
    conn = messaging.connect(own_amqp_uri)
    try:
        messaging.declare_subscription_queues(conn, "ledger.slow", ["ledger"], 60_000,
                                              kind="quorum")
        messaging.ConfirmingChannel(conn).publish_all(
            [(amqp.Message(f"waiting {i}"), messaging.QUEUES_EXCHANGE, "ledger.slow.retry")
             for i in range(3)], mandatory=True)
        messaging.declare_subscription_queues(conn, "ledger.slow", ["ledger"], 100,
                                              kind="quorum")
        assert _depth(conn, "ledger.slow") == 3
        assert _depth(conn, "ledger.slow.retry") == 0
    finally:
        conn.close()


def test_the_queue_type_setting_is_checked_and_amqp_uri_may_list_several_brokers(amqp_uri):
    assert messaging.queue_type(None) == "classic"
    assert messaging.queue_type(" Quorum ") == "quorum"
    with pytest.raises(ValueError, match="SUBSCRIPTION_QUEUE_TYPE must be one of classic, quorum"):
        messaging.queue_type("mirrored")
    # A node that does not answer is passed over for the next one.
    conn = messaging.connect(f"amqp://guest:guest@127.0.0.1:1/;{amqp_uri}")
    try:
        assert conn.connected
    finally:
        conn.close()
    with pytest.raises(OSError):
        messaging.connect("amqp://guest:guest@127.0.0.1:1/;amqp://guest:guest@127.0.0.1:2/")


def test_no_broker_password_reaches_nameko_s_reconnection_log():
    import nameko.messaging

    import kernel.nameko  # noqa: F401  (it installs the redaction)
    uris = "amqp://a:secret1@n1:5672/;amqp://a:secret2@n2:5672/;amqp://a:secret3@n3:5672/"
    shown = nameko.messaging.sanitize_url(uris)
    assert "secret" not in shown and shown.count("@n") == 3

"""RabbitMQ topology and connections, on py-amqp directly.

Events are published to one durable topic exchange with the routing key
``<source>.<EventType>``; each message carries a run of consecutive events of one type (a
JSON array, in position order), so a burst of appends costs the broker one message, not one
per event. A message rerouted for a retry carries one event (a JSON object). The exchange
has an alternate exchange, so a message no queue is bound for is kept in ``tcpl.unrouted``
(bounded: the oldest go first) instead of being dropped. Each subscription owns a durable
queue, a retry queue that hands messages back after a delay, and a dead-letter queue
(``<queue>.dlq``) where a message that keeps failing waits to be inspected and replayed.

Moves between a subscription's queues go through ``tcpl.queues``, a topic exchange where
each queue is bound under its own name, never through the default exchange: names start
with the owning service's name, so the broker's topic permissions let a service's user
reach its own queues only (docs/deployment.md, "Broker users"). For the same reason the
two shared exchanges may be declared by the broker's set-up, where services have no right
to declare them: a service checks they exist and declares them only where none does (a
developer's broker, a test's vhost).

A subscription's three queues are classic queues, or quorum queues (``SUBSCRIPTION_QUEUE_TYPE``,
QUEUE_TYPES): replicated over a RabbitMQ cluster's nodes, they outlive the loss of a minority
of them (docs/deployment.md, "The broker cluster"). ``AMQP_URI`` may name several nodes,
separated by ``;`` as kombu (and so nameko) takes them: a connection tries each in turn.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import unquote, urlparse

import amqp

log = logging.getLogger(__name__)

EVENTS_EXCHANGE = "tcpl.events"
QUEUES_EXCHANGE = "tcpl.queues"
UNROUTED_EXCHANGE = "tcpl.unrouted"
UNROUTED_QUEUE = "tcpl.unrouted"
# Messages (runs of events) kept in tcpl.unrouted. A full queue drops its oldest message
# rather than refusing the relay's publish: every one of them is still in its source's log.
UNROUTED_MAX_LENGTH = 10_000
UNROUTED_ARGUMENTS = {"x-max-length": UNROUTED_MAX_LENGTH, "x-overflow": "drop-head"}
ATTEMPTS_HEADER = "x-tcpl-attempts"
ERROR_HEADER = "x-tcpl-error"
# On a dead letter that failed verification: why (kernel/verification.py, UnverifiedEvent).
REJECTED_HEADER = "x-tcpl-rejected"
# (name, type, arguments) of the exchanges every service uses and none owns.
SHARED_EXCHANGES = (
    (EVENTS_EXCHANGE, "topic", {"alternate-exchange": UNROUTED_EXCHANGE}),
    (QUEUES_EXCHANGE, "topic", {}),
)


# What SUBSCRIPTION_QUEUE_TYPE may be: ``classic`` (one node holds each queue) or ``quorum``
# (replicated over the cluster's nodes, available while a majority of them is).
QUEUE_TYPES = ("classic", "quorum")
DEFAULT_QUEUE_TYPE = "classic"


class QueueTypeMismatch(RuntimeError):
    """A subscription queue exists on the broker as another type than the one configured: the
    broker cannot change a queue's type, so the service refuses to start until the queues are
    moved (docs/deployment.md, "Changing the queue type")."""

    def __init__(self, queue: str, wanted: str, broker_said: str):
        self.queue = queue
        self.wanted = wanted
        base = queue.removesuffix(".retry").removesuffix(".dlq")
        super().__init__(
            f"queue {queue!r} exists on the broker as another type than "
            f"SUBSCRIPTION_QUEUE_TYPE={wanted} (the broker said: {broker_said}). A queue's type "
            f"cannot change in place: stop every replica of the service, empty "
            f"{dead_letter_queue(base)!r} (tcpl dead-letters / replay-dead-letters), delete "
            f"{base!r}, {retry_queue(base)!r} and {dead_letter_queue(base)!r} (rabbitmqctl "
            f"delete_queue NAME), then start the service: it declares them as {wanted} queues "
            f"and catches up from its sources' logs on what they held. Or set "
            f"SUBSCRIPTION_QUEUE_TYPE back. See docs/deployment.md, \"Changing the queue type\".")


def queue_type(value: str | None) -> str:
    """The configured SUBSCRIPTION_QUEUE_TYPE, checked; empty or None: the default."""
    value = (value or DEFAULT_QUEUE_TYPE).strip().lower()
    if value not in QUEUE_TYPES:
        raise ValueError(f"SUBSCRIPTION_QUEUE_TYPE must be one of {', '.join(QUEUE_TYPES)}, "
                         f"not {value!r}")
    return value


def broker_uris(amqp_uri: str) -> list[str]:
    """The URIs of ``amqp_uri``: one, or several separated by ``;`` (kombu's failover form)."""
    uris = [part.strip() for part in amqp_uri.split(";") if part.strip()]
    if not uris:
        raise ValueError("AMQP_URI names no broker")
    return uris


def connect(amqp_uri: str, heartbeat: int = 0) -> amqp.Connection:
    """A connection to the first of ``amqp_uri``'s brokers that answers, in the order given:
    a cluster's clients list its nodes, each client starting with a different one."""
    uris = broker_uris(amqp_uri)
    for index, uri in enumerate(uris):
        try:
            return _connect_one(uri, heartbeat)
        except (OSError, amqp.exceptions.AMQPError) as exc:
            if index == len(uris) - 1:
                raise
            log.warning("broker %s did not answer (%s); trying the next one",
                        _host_of(uri), exc)
    raise AssertionError("unreachable")


def _host_of(uri: str) -> str:
    parsed = urlparse(uri)
    return f"{parsed.hostname or 'localhost'}:{parsed.port or 5672}"


def _connect_one(amqp_uri: str, heartbeat: int) -> amqp.Connection:
    parsed = urlparse(amqp_uri)
    vhost = unquote(parsed.path[1:]) if parsed.path and parsed.path != "/" else "/"
    conn = amqp.Connection(
        host=_host_of(amqp_uri),
        userid=unquote(parsed.username or "guest"),
        password=unquote(parsed.password or "guest"),
        virtual_host=vhost,
        heartbeat=heartbeat,
        connect_timeout=5,
    )
    conn.connect()
    return conn


def unrouted_arguments(kind: str = DEFAULT_QUEUE_TYPE) -> dict:
    """``tcpl.unrouted``'s arguments: a quorum queue where the subscriptions' are, so that
    a cluster node's loss does not take it (and every declaration naming it) down too."""
    if queue_type(kind) == "quorum":
        return {**UNROUTED_ARGUMENTS, "x-queue-type": "quorum"}
    return dict(UNROUTED_ARGUMENTS)


def declare_events_exchange(connection: amqp.Connection,
                            kind: str = DEFAULT_QUEUE_TYPE) -> None:
    """The shared exchanges and ``tcpl.unrouted`` (of type ``kind``), on channels of
    ``connection`` (a refused declaration closes its channel)."""
    channel = connection.channel()
    channel.exchange_declare(UNROUTED_EXCHANGE, "fanout", durable=True, auto_delete=False)
    channel = _declare_queue(connection, channel, UNROUTED_QUEUE, unrouted_arguments(kind),
                             _drop_unrouted)
    channel.queue_bind(UNROUTED_QUEUE, UNROUTED_EXCHANGE, "")
    for name, kind_, arguments in SHARED_EXCHANGES:
        try:
            channel.exchange_declare(name, kind_, passive=True)
        except amqp.NotFound:
            channel = connection.channel()
            channel.exchange_declare(name, kind_, durable=True, auto_delete=False,
                                     arguments=arguments)
    channel.close()


def _declare_queue(connection, channel, name: str, arguments: dict, replace) -> amqp.Channel:
    """Declare a durable queue; one declared earlier with other arguments is handed to
    ``replace(connection, channel)``, which must delete it, and then declared anew. Returns a
    usable channel (the broker closes the one whose declaration it refused)."""
    try:
        channel.queue_declare(name, durable=True, auto_delete=False, arguments=arguments)
        return channel
    except amqp.PreconditionFailed:
        channel = connection.channel()
    replace(connection, channel)
    channel.queue_declare(name, durable=True, auto_delete=False, arguments=arguments)
    return channel


def _drop_unrouted(connection, channel) -> None:
    # Declared without a bound by earlier releases, or as the other queue type; what it holds
    # is in the sources' logs.
    dropped = channel.queue_delete(UNROUTED_QUEUE)
    log.warning("replaced the %s queue declared with other arguments (unbounded, or another "
                "type) by a bounded one; %s messages of events nobody subscribed to were "
                "dropped (they remain in their sources' logs)", UNROUTED_QUEUE, dropped)


def retry_queue(queue: str) -> str:
    return f"{queue}.retry"


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dlq"


def subscription_queue_arguments(kind: str = DEFAULT_QUEUE_TYPE) -> dict:
    """A subscription's queue and its dead-letter queue: classic queues are declared without
    arguments, as every release before the setting did, so that they stay equivalent."""
    return {"x-queue-type": "quorum"} if queue_type(kind) == "quorum" else {}


def retry_queue_arguments(queue: str, retry_delay_ms: int,
                          kind: str = DEFAULT_QUEUE_TYPE) -> dict:
    """The retry queue holds a message ``retry_delay_ms``, then dead-letters it back to
    ``queue`` through tcpl.queues. A quorum queue does that at least once (RabbitMQ 3.10+:
    ``x-dead-letter-strategy: at-least-once``, which needs ``x-overflow: reject-publish``;
    otherwise it falls back to at-most-once and a message moved while ``queue``'s leader is
    being elected could be lost). A classic queue's move is at most once: it is the message
    of an event still in its source's log, which the next catch-up reads again."""
    arguments = {
        "x-message-ttl": retry_delay_ms,
        "x-dead-letter-exchange": QUEUES_EXCHANGE,
        "x-dead-letter-routing-key": queue,
    }
    if queue_type(kind) == "quorum":
        arguments.update({"x-queue-type": "quorum", "x-dead-letter-strategy": "at-least-once",
                          "x-overflow": "reject-publish"})
    return arguments


def _declare_typed(connection, channel, name: str, arguments: dict, kind: str) -> amqp.Channel:
    """Declare a subscription's queue; one of another type is a QueueTypeMismatch naming it
    (the broker's PRECONDITION_FAILED alone does not say what to do). Returns a usable
    channel."""
    try:
        channel.queue_declare(name, durable=True, auto_delete=False, arguments=arguments)
        return channel
    except amqp.PreconditionFailed as exc:
        text = getattr(exc, "reply_text", None) or str(exc)
        if "x-queue-type" in text:
            raise QueueTypeMismatch(name, kind, text) from None
        raise


def declare_subscription_queues(connection: amqp.Connection, queue: str, sources,
                                retry_delay_ms: int, event_types=None,
                                kind: str = DEFAULT_QUEUE_TYPE) -> None:
    """``event_types`` maps a source to the only types the queue takes from it; the other
    sources' events all come. ``kind``: ``classic`` or ``quorum`` (QUEUE_TYPES); a queue
    already declared as the other type raises QueueTypeMismatch."""
    kind = queue_type(kind)
    declare_events_exchange(connection, kind)
    channel = connection.channel()
    channel = _declare_typed(connection, channel, queue, subscription_queue_arguments(kind),
                             kind)
    for source in sources:
        types = (event_types or {}).get(source)
        if types:
            for event_type in types:
                channel.queue_bind(queue, EVENTS_EXCHANGE, routing_key(source, event_type))
            # A queue declared before its projection named its types took everything.
            channel.queue_unbind(queue, EVENTS_EXCHANGE, f"{source}.#")
        else:
            channel.queue_bind(queue, EVENTS_EXCHANGE, f"{source}.#")
    channel = _declare_typed(connection, channel, dead_letter_queue(queue),
                             subscription_queue_arguments(kind), kind)
    for name in (queue, dead_letter_queue(queue)):
        channel.queue_bind(name, QUEUES_EXCHANGE, name)
    retry = retry_queue(queue)
    arguments = retry_queue_arguments(queue, retry_delay_ms, kind)
    try:
        channel = _declare_typed(connection, channel, retry, arguments, kind)
    except amqp.PreconditionFailed:  # the same type with another delay, or an old release's
        channel = connection.channel()
        _empty_and_delete(connection, channel, retry, queue)
        channel = _declare_typed(connection, channel, retry, arguments, kind)
    channel.queue_bind(retry, QUEUES_EXCHANGE, retry)
    channel.close()


def _empty_and_delete(connection, channel, retry: str, queue: str) -> None:
    """Delete a retry queue declared with other arguments (another delay, or by an earlier
    release, which handed messages back through the default exchange), after moving what
    it holds back to ``queue``: each only comes back sooner than it would have. It is
    unbound first, so nothing comes in meanwhile: a replica's retry then finds no queue,
    its mandatory publish fails, and the message it was moving stays in ``queue``. (Quorum
    queues refuse ``queue.delete`` with ``if-empty``, which closes the connection.)"""
    publisher = ConfirmingChannel(connection)
    channel.queue_unbind(retry, QUEUES_EXCHANGE, retry)
    while True:
        message = channel.basic_get(retry, no_ack=False)
        if message is None:
            channel.queue_delete(retry)
            return
        copy = amqp.Message(message.body, delivery_mode=2,
                            application_headers=message.properties.get("application_headers"),
                            content_type=message.properties.get("content_type"),
                            message_id=message.properties.get("message_id"))
        publisher.publish_all([(copy, QUEUES_EXCHANGE, queue)], mandatory=True)
        channel.basic_ack(message.delivery_tag)


def delete_subscription_queues(channel, queue: str) -> None:
    """Remove a subscription's queues, once its projection no longer reads the broker: left
    bound, the queue would keep every event forever."""
    for name in (queue, retry_queue(queue), dead_letter_queue(queue)):
        channel.queue_delete(name)


def routing_key(source: str, event_type: str) -> str:
    return f"{source}.{event_type}"


def events_message(run: list[dict]) -> amqp.Message:
    """One message for ``run``: consecutive events of one source and type."""
    first, last = run[0], run[-1]
    return _persistent_json(run, first["id"], {
        "source": first["source"], "type": first["type"], "events": len(run),
        "first_position": first["position"], "last_position": last["position"]})


def event_message(message: dict, headers: dict | None = None) -> amqp.Message:
    """One event on its own (a retry or a dead letter), with ``headers`` added."""
    return _persistent_json(message, message["id"], {
        "source": message["source"], "type": message["type"], "stream": message["stream"],
        "version": message["version"], "position": message["position"], **(headers or {})})


def _persistent_json(body, message_id: str, headers: dict) -> amqp.Message:
    return amqp.Message(json.dumps(body, separators=(",", ":"), ensure_ascii=False),
                        content_type="application/json", content_encoding="utf-8",
                        delivery_mode=2, message_id=message_id, application_headers=headers)


def runs(messages: list[dict]) -> list[list[dict]]:
    """``messages`` (in position order) cut wherever the event type changes: each run
    keeps its ``<source>.<EventType>`` routing key, so bindings by type keep working."""
    cut: list[list[dict]] = []
    for message in messages:
        if cut and cut[-1][0]["type"] == message["type"] and cut[-1][0]["source"] == message["source"]:
            cut[-1].append(message)
        else:
            cut.append([message])
    return cut


def decode(message: amqp.Message) -> list[dict]:
    """The events a message carries: a run (JSON array) or a single event (JSON object)."""
    body = json.loads(message.body)
    return body if isinstance(body, list) else [body]


class ConfirmingChannel:
    """A channel in confirm mode that publishes a whole batch, then waits once for the
    broker's acks: one round trip per batch instead of one per message."""

    def __init__(self, connection: amqp.Connection):
        self.connection = connection
        self.channel = connection.channel()
        self.channel.confirm_select()
        self._next_tag = 1
        self._pending: set[int] = set()
        self._nacked: set[int] = set()
        self._returned = 0
        self.channel.events["basic_ack"].add(self._on_ack)
        self.channel.events["basic_nack"].add(self._on_nack)
        self.channel.events["basic_return"].add(self._on_return)

    def _settle(self, tag: int, multiple: bool, bucket: set[int] | None) -> None:
        tags = [t for t in self._pending if t <= tag] if multiple else [tag]
        for t in tags:
            self._pending.discard(t)
            if bucket is not None:
                bucket.add(t)

    def _on_ack(self, tag, multiple):
        self._settle(tag, multiple, None)

    def _on_nack(self, tag, multiple):
        self._settle(tag, multiple, self._nacked)

    def _on_return(self, *_args):
        self._returned += 1

    def publish_all(self, messages, timeout: float = 30.0, mandatory: bool = False) -> None:
        """Publish ``(message, exchange, routing_key)`` triples; return once the broker has
        confirmed every one, or raise (the caller then keeps them for another attempt).
        ``mandatory``: a message no queue is bound for is an error too, not dropped (the
        broker returns it before it confirms it)."""
        self._nacked.clear()
        self._returned = 0
        for message, exchange, key in messages:
            self.channel.basic_publish(message, exchange=exchange, routing_key=key,
                                       mandatory=mandatory)
            self._pending.add(self._next_tag)
            self._next_tag += 1
        while self._pending:
            try:
                self.connection.drain_events(timeout=timeout)
            except TimeoutError as exc:
                raise TimeoutError(f"{len(self._pending)} publishes not confirmed in {timeout}s") from exc
        if self._nacked:
            raise RuntimeError(f"the broker refused {len(self._nacked)} messages")
        if self._returned:
            raise RuntimeError(f"no queue is bound for {self._returned} messages")

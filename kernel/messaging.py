"""RabbitMQ topology and connections, on py-amqp directly.

Events are published to one durable topic exchange with the routing key
``<source>.<EventType>``; each message carries a run of consecutive events of one type (a
JSON array, in position order), so a burst of appends costs the broker one message, not one
per event. A message rerouted for a retry carries one event (a JSON object). The exchange has an alternate exchange, so a message no queue is
bound for is kept in ``tcpl.unrouted`` instead of being dropped. Each subscription owns a
durable queue, a retry queue that hands messages back after a delay, and a dead-letter queue
(``<queue>.dlq``) where a message that keeps failing waits to be inspected and replayed.
"""

from __future__ import annotations

import json
from urllib.parse import unquote, urlparse

import amqp

EVENTS_EXCHANGE = "tcpl.events"
UNROUTED_EXCHANGE = "tcpl.unrouted"
UNROUTED_QUEUE = "tcpl.unrouted"
ATTEMPTS_HEADER = "x-tcpl-attempts"
ERROR_HEADER = "x-tcpl-error"
# On a dead letter that failed verification: why (kernel/verification.py, UnverifiedEvent).
REJECTED_HEADER = "x-tcpl-rejected"


def connect(amqp_uri: str, heartbeat: int = 0) -> amqp.Connection:
    parsed = urlparse(amqp_uri)
    vhost = unquote(parsed.path[1:]) if parsed.path and parsed.path != "/" else "/"
    conn = amqp.Connection(
        host=f"{parsed.hostname or 'localhost'}:{parsed.port or 5672}",
        userid=unquote(parsed.username or "guest"),
        password=unquote(parsed.password or "guest"),
        virtual_host=vhost,
        heartbeat=heartbeat,
        connect_timeout=5,
    )
    conn.connect()
    return conn


def declare_events_exchange(channel) -> None:
    channel.exchange_declare(UNROUTED_EXCHANGE, "fanout", durable=True, auto_delete=False)
    channel.queue_declare(UNROUTED_QUEUE, durable=True, auto_delete=False)
    channel.queue_bind(UNROUTED_QUEUE, UNROUTED_EXCHANGE, "")
    channel.exchange_declare(
        EVENTS_EXCHANGE, "topic", durable=True, auto_delete=False,
        arguments={"alternate-exchange": UNROUTED_EXCHANGE},
    )


def retry_queue(queue: str) -> str:
    return f"{queue}.retry"


def dead_letter_queue(queue: str) -> str:
    return f"{queue}.dlq"


def declare_subscription_queues(channel, queue: str, sources, retry_delay_ms: int,
                                event_types=None) -> None:
    """``event_types`` maps a source to the only types the queue takes from it; the other
    sources' events all come."""
    declare_events_exchange(channel)
    channel.queue_declare(queue, durable=True, auto_delete=False)
    for source in sources:
        types = (event_types or {}).get(source)
        if types:
            for event_type in types:
                channel.queue_bind(queue, EVENTS_EXCHANGE, routing_key(source, event_type))
            # A queue declared before its projection named its types took everything.
            channel.queue_unbind(queue, EVENTS_EXCHANGE, f"{source}.#")
        else:
            channel.queue_bind(queue, EVENTS_EXCHANGE, f"{source}.#")
    channel.queue_declare(
        retry_queue(queue), durable=True, auto_delete=False,
        arguments={
            "x-message-ttl": retry_delay_ms,
            "x-dead-letter-exchange": "",
            "x-dead-letter-routing-key": queue,
        },
    )
    channel.queue_declare(dead_letter_queue(queue), durable=True, auto_delete=False)


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
        self.channel.events["basic_ack"].add(self._on_ack)
        self.channel.events["basic_nack"].add(self._on_nack)

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

    def publish_all(self, messages, timeout: float = 30.0) -> None:
        """Publish ``(message, exchange, routing_key)`` triples; return once the broker has
        confirmed every one, or raise (the caller then keeps them for another attempt)."""
        self._nacked.clear()
        for message, exchange, key in messages:
            self.channel.basic_publish(message, exchange=exchange, routing_key=key)
            self._pending.add(self._next_tag)
            self._next_tag += 1
        while self._pending:
            try:
                self.connection.drain_events(timeout=timeout)
            except TimeoutError as exc:
                raise TimeoutError(f"{len(self._pending)} publishes not confirmed in {timeout}s") from exc
        if self._nacked:
            raise RuntimeError(f"the broker refused {len(self._nacked)} messages")

"""The live side of a subscription: consume a durable queue in batches, hand each batch to
a handler, and ack only after the handler's transaction committed.

A message whose handling fails is retried after a delay; after ``max_attempts`` it goes to
the dead-letter queue with the error, where ``dead_letters``/``replay_dead_letters`` find it.
An event that fails verification (kernel/verification.py) goes there at once: a forgery
does not become genuine on a retry. A batch that cannot be verified because its source is
unreachable is neither: the subscriber lets go of it (unacked, it returns to the queue) and
takes it again after a back-off, so no attempt is spent on a peer's restart. Every move
between queues is a confirmed publish followed by the ack, so nothing is lost.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from collections.abc import Callable, Mapping, Sequence

import amqp

from kernel import clock, messaging
from kernel.events import RecordedEvent
from kernel.verification import SourceUnavailable, UnverifiedEvent

log = logging.getLogger(__name__)


# handle(events, routes): routes[i] is the routing key event i arrived with on tcpl.events,
# None if it came another way (its retry queue, a replay): see EventVerifier.verify.
Handler = Callable[[list[RecordedEvent], list[str | None]], object]


class Subscriber:
    #: seconds between two looks at the dead-letter queue's depth, for health
    dead_letter_check = 5.0

    def __init__(self, amqp_uri: str, queue: str, sources: Sequence[str],
                 handle: Handler, *, prefetch: int = 500,
                 max_batch: int = 500, batch_wait: float = 0.1, max_attempts: int = 5,
                 retry_delay_ms: int = 1000, event_types: Mapping[str, Sequence[str]] | None = None,
                 queue_type: str = messaging.DEFAULT_QUEUE_TYPE):
        self.amqp_uri = amqp_uri
        self.queue_type = messaging.queue_type(queue_type)
        self.queue = queue
        self.sources = list(sources)
        self.event_types = event_types
        self.handle = handle
        self.prefetch = prefetch
        self.max_batch = max_batch
        self.batch_wait = batch_wait
        self.max_attempts = max_attempts
        self.retry_delay_ms = retry_delay_ms
        self.connection = None
        self.consumer_channel = None
        self.publisher: messaging.ConfirmingChannel | None = None
        self._buffer: list[amqp.Message] = []
        self.last_error: str | None = None
        self.dead_letter_count: int | None = None  # the dead-letter queue's depth, last seen
        self._dead_letters_due = 0.0
        self.rejected = 0  # events refused by verification since the process started
        self.last_rejected: dict | None = None

    def declare(self) -> None:
        """Declare the queues before anything is published, so no event finds nobody."""
        connection = messaging.connect(self.amqp_uri)
        try:
            messaging.declare_subscription_queues(
                connection, self.queue, self.sources, self.retry_delay_ms, self.event_types,
                self.queue_type)
        finally:
            connection.close()

    def _open(self) -> None:
        self.connection = messaging.connect(self.amqp_uri, heartbeat=30)
        messaging.declare_subscription_queues(
            self.connection, self.queue, self.sources, self.retry_delay_ms, self.event_types,
            self.queue_type)
        self.publisher = messaging.ConfirmingChannel(self.connection)
        self.consumer_channel = self.connection.channel()
        self.consumer_channel.basic_qos(0, self.prefetch, False)
        self.consumer_channel.basic_consume(self.queue, callback=self._buffer.append)

    def close(self) -> None:
        connection, self.connection = self.connection, None
        self._buffer.clear()  # unacked messages return to the queue when the connection goes
        if connection is not None:
            try:
                connection.close()
            except Exception:
                log.debug("subscriber connection close failed", exc_info=True)

    def run(self, should_stop: Callable[[], bool]) -> None:
        backoff = 0.2
        while not should_stop():
            try:
                if self.connection is None:
                    self._open()
                self._poll()
                backoff = 0.2
                self.last_error = None
            except Exception as exc:  # broker gone or restarted: reconnect; unacked ones return
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("subscriber %s: %s; reconnecting in %.1fs", self.queue,
                            self.last_error, backoff)
                self.close()
                time.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
        self.close()

    def report(self) -> dict:
        """For ``health``: dead letters waiting, the events verification refused, and why
        the subscriber is not consuming, if it is not (the broker, or a source it cannot
        verify against)."""
        return {"dead_letters": self.dead_letter_count, "rejected": self.rejected,
                "last_rejected": self.last_rejected, "error": self.last_error}

    def _count_dead_letters(self) -> None:
        self.dead_letter_count = self.consumer_channel.queue_declare(
            messaging.dead_letter_queue(self.queue), passive=True).message_count
        self._dead_letters_due = time.monotonic() + self.dead_letter_check

    def _poll(self) -> None:
        self.connection.heartbeat_tick()
        if time.monotonic() >= self._dead_letters_due:
            self._count_dead_letters()
        try:
            self.connection.drain_events(timeout=0.5)
        except TimeoutError:
            # Deliveries may have come in while the broker answered something else.
            if not self._buffer:
                return
        # Gather while messages keep arriving: a backlog becomes one transaction, while a
        # lone event waits at most a millisecond for company.
        deadline = time.monotonic() + self.batch_wait
        while len(self._buffer) < self.max_batch and time.monotonic() < deadline:
            try:
                self.connection.drain_events(timeout=0.001)
            except TimeoutError:
                break
        batch, self._buffer[:] = list(self._buffer), []
        if batch:
            self._handle_batch(batch)

    def _handle_batch(self, messages: list[amqp.Message]) -> None:
        deliveries = []
        for message in messages:
            try:
                deliveries.append((message, [RecordedEvent.from_message(e)
                                             for e in messaging.decode(message)],
                                   _route(message)))
            except Exception as exc:  # not events at all: no retry can help
                self._dead_letter_unreadable(message, exc)
        if not deliveries:
            return
        try:
            self.handle([event for _, events, _ in deliveries for event in events],
                        [route for _, events, route in deliveries for _ in events])
        except SourceUnavailable:
            raise  # run() reconnects after a back-off; the unacked messages come back
        except Exception:
            # Find the culprit one by one, so that good events are not held back by a bad one.
            for message, events, route in deliveries:
                self._handle_one(message, events, route)
            return
        self.consumer_channel.basic_ack(deliveries[-1][0].delivery_tag, multiple=True)

    def _dead_letter_unreadable(self, message: amqp.Message, exc: Exception) -> None:
        log.error("subscriber %s: dead-lettering an unreadable message %s: %s", self.queue,
                  message.properties.get("message_id"), exc)
        headers = {**_headers(message),
                   messaging.ERROR_HEADER: f"unreadable: {type(exc).__name__}: {exc}"[:1000]}
        copy = amqp.Message(message.body, application_headers=headers, delivery_mode=2,
                            content_type=message.properties.get("content_type"),
                            message_id=message.properties.get("message_id"))
        self.publisher.publish_all(
            [(copy, messaging.QUEUES_EXCHANGE, messaging.dead_letter_queue(self.queue))],
            mandatory=True)
        self.consumer_channel.basic_ack(message.delivery_tag)
        self._dead_letters_due = 0.0

    def _handle_one(self, message: amqp.Message, events: list[RecordedEvent],
                    route: str | None) -> None:
        try:
            self.handle(events, [route] * len(events))
        except SourceUnavailable:
            raise
        except Exception as exc:
            if len(events) == 1:
                self._reroute_failed(events[0], _headers(message), exc)
            else:
                # A run of events: each goes on alone, and only a failing one is retried.
                for event in events:
                    try:
                        self.handle([event], [route])
                    except SourceUnavailable:
                        raise
                    except Exception as failure:
                        self._reroute_failed(event, None, failure)
        self.consumer_channel.basic_ack(message.delivery_tag)

    def _reroute_failed(self, event: RecordedEvent, headers: dict | None,
                        exc: Exception) -> None:
        """Send one event to the retry queue, or to the dead-letter queue after its last attempt.
        Called inside the ``except`` that caught ``exc``, for the traceback."""
        headers = dict(headers or {})
        attempts = int(headers.get(messaging.ATTEMPTS_HEADER, 0)) + 1
        headers[messaging.ATTEMPTS_HEADER] = attempts
        headers[messaging.ERROR_HEADER] = f"{type(exc).__name__}: {exc}"[:1000]
        headers.pop("x-death", None)
        if isinstance(exc, UnverifiedEvent):
            target = messaging.dead_letter_queue(self.queue)
            headers[messaging.REJECTED_HEADER] = exc.reason
            log.error("subscriber %s: rejected %s, which its source did not write: %s",
                      self.queue, event.id, exc)
        elif attempts >= self.max_attempts:
            target = messaging.dead_letter_queue(self.queue)
            headers["x-tcpl-traceback"] = traceback.format_exc()[-4000:]
            log.error("subscriber %s: dead-lettering %s after %d attempts: %s", self.queue,
                      event.id, attempts, exc)
        else:
            target = messaging.retry_queue(self.queue)
            log.warning("subscriber %s: attempt %d of %s failed: %s", self.queue, attempts,
                        event.id, exc)
        self.publisher.publish_all(
            [(messaging.event_message(event.to_message(), headers), messaging.QUEUES_EXCHANGE,
              target)], mandatory=True)
        if isinstance(exc, UnverifiedEvent):
            self.rejected += 1
            self.last_rejected = {"event_id": event.id, "source": event.source,
                                  "type": event.type, "reason": exc.reason,
                                  "at": clock.now().isoformat(timespec="seconds")}
        if target != messaging.retry_queue(self.queue):
            self._dead_letters_due = 0.0  # counted again at the next poll, after the ack


def _route(message: amqp.Message) -> str | None:
    """The routing key ``message`` came with on ``tcpl.events``; None if it came another way."""
    info = message.delivery_info or {}
    return info.get("routing_key") if info.get("exchange") == messaging.EVENTS_EXCHANGE else None


def _headers(message: amqp.Message) -> dict:
    # A message published without headers has no such attribute at all.
    return message.properties.get("application_headers") or {}


def dead_letters(amqp_uri: str, queue: str, limit: int = 100) -> list[dict]:
    """Look at a queue's dead letters without taking them away."""
    connection = messaging.connect(amqp_uri)
    try:
        channel = connection.channel()
        found = []
        while len(found) < limit:
            message = channel.basic_get(messaging.dead_letter_queue(queue), no_ack=False)
            if message is None:
                break
            headers = dict(_headers(message))
            try:
                event = json.loads(message.body)
            except ValueError:
                event = None
            if not isinstance(event, dict):  # parked because it could not be read
                event = {"id": message.properties.get("message_id")}
            found.append({
                "event_id": event.get("id"), "source": event.get("source"),
                "type": event.get("type"), "stream": event.get("stream"),
                "version": event.get("version"), "attempts": headers.get(messaging.ATTEMPTS_HEADER),
                "error": headers.get(messaging.ERROR_HEADER),
                "rejected": headers.get(messaging.REJECTED_HEADER),
            })
        return found  # closing without acks puts every message back
    finally:
        connection.close()


def replay_dead_letters(amqp_uri: str, queue: str, limit: int = 1000) -> int:
    """Send dead letters back to their queue for another round of attempts."""
    connection = messaging.connect(amqp_uri)
    try:
        getter = connection.channel()
        publisher = messaging.ConfirmingChannel(connection)
        moved = 0
        while moved < limit:
            message = getter.basic_get(messaging.dead_letter_queue(queue), no_ack=False)
            if message is None:
                break
            headers = {k: v for k, v in _headers(message).items()
                       if not k.startswith("x-")}
            copy = amqp.Message(message.body, application_headers=headers, delivery_mode=2,
                                content_type=message.properties.get("content_type"),
                                message_id=message.properties.get("message_id"))
            publisher.publish_all([(copy, messaging.QUEUES_EXCHANGE, queue)], mandatory=True)
            getter.basic_ack(message.delivery_tag)
            moved += 1
        return moved
    finally:
        connection.close()

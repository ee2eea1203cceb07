"""The outbox relay: moves committed events to RabbitMQ, confirmed, in position order, one
message per run of consecutive events of one type.

A row leaves the outbox only after the broker confirmed its message, so a crash anywhere
means the event is published again, never lost; consumers drop the duplicate.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection

from kernel import messaging
from kernel.store import EventStore

log = logging.getLogger(__name__)


class OutboxRelay:
    """``published_types``: the only event types sent to the broker, those other services
    subscribe to (None: every type the store does not keep private). The outbox entries of
    the others are cleared unpublished: sent, no queue would take them and they would pile
    up in ``tcpl.unrouted``; they stay in the log for anyone who reads it."""

    def __init__(self, store: EventStore, amqp_uri: str, batch_size: int = 500,
                 confirm_timeout: float = 30.0,
                 published_types: Collection[str] | None = None,
                 queue_type: str = messaging.DEFAULT_QUEUE_TYPE):
        self.store = store
        self.queue_type = messaging.queue_type(queue_type)  # tcpl.unrouted's
        self.amqp_uri = amqp_uri
        self.batch_size = batch_size
        self.confirm_timeout = confirm_timeout
        self.published_types = None if published_types is None else frozenset(published_types)
        self._connection = None
        self._channel: messaging.ConfirmingChannel | None = None
        self.wake = threading.Event()
        self.published = 0
        self.last_error: str | None = None

    def _ensure_channel(self) -> messaging.ConfirmingChannel:
        if self._channel is None:
            self._connection = messaging.connect(self.amqp_uri)
            messaging.declare_events_exchange(self._connection, self.queue_type)
            self._channel = messaging.ConfirmingChannel(self._connection)
        return self._channel

    def publishes(self, event_type: str) -> bool:
        return event_type not in self.store.private_types and (
            self.published_types is None or event_type in self.published_types)

    def close(self) -> None:
        connection, self._connection, self._channel = self._connection, None, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # already broken; nothing left to release
                log.debug("relay connection close failed", exc_info=True)

    def publish_pending(self) -> int:
        """One pass: publish up to a batch of outbox entries. Returns how many entries it
        cleared (published and confirmed, or private)."""
        with self.store.claim_outbox(self.batch_size) as batch:
            if not batch.records:
                return 0
            # A private type may have entries from before it was declared private.
            public = [r.to_message() for r in batch.records if self.publishes(r.type)]
            if public:
                channel = self._ensure_channel()
                try:
                    channel.publish_all(
                        [(messaging.events_message(run), messaging.EVENTS_EXCHANGE,
                          messaging.routing_key(run[0]["source"], run[0]["type"]))
                         for run in messaging.runs(public)],
                        timeout=self.confirm_timeout,
                    )
                except BaseException:
                    self.close()
                    raise
            batch.done()
        self.published += len(public)
        return len(batch.records)

    def run(self, should_stop, idle_wait: float = 0.5, linger: float = 0.002) -> None:
        """Publish until ``should_stop()``; wakes when ``wake`` is set after an append, and
        polls otherwise (another process, or a restart, may have left entries). After a wake it
        lingers a moment so that a burst of appends shares one confirm round trip."""
        backoff = 0.2
        while not should_stop():
            try:
                count = self.publish_pending()
                self.last_error = None
                backoff = 0.2
            except Exception as exc:  # broker or database down: keep the entries, try again
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("outbox relay for %s: %s; retrying in %.1fs",
                            self.store.source, self.last_error, backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if count < self.batch_size:
                if self.wake.wait(idle_wait):
                    time.sleep(linger)
                self.wake.clear()
        self.close()

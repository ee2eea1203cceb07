"""A read model of a service's own events, fed from its own log instead of the broker.

A subscription through the broker keeps a checkpoint row per stream, because messages of
different streams may arrive out of order. A projection whose only source is its own store
can read the log itself: in position order, with one row per consumer saying how far it
got, written in the transaction that applies the events. That is exactly once without any
per-event or per-stream bookkeeping, which matters where every event is its own stream
(one survey response each).

Positions are assigned under the store's head lock and the head moves in the appending
transaction, so every position up to the committed head is committed: a follower that reads
up to the head it saw never skips an event that commits later with a lower position.

When the follower has applied everything before an append, it applies the appended events
in the appending transaction (``keep_up``, an append hook), so the read model commits with
them; a pass of its own is left for what that did not take (another replica's appends, a
projection error, a follower that fell behind).

A failing event stops the follower at that event (it retries with a back-off, and health
reports the error) instead of being parked: a read model that counts must not skip one.
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from kernel.db import is_postgres
from kernel.projection import Projection
from kernel.schema import consumer_positions, store_head
from kernel.store import EventStore
from kernel.upcasting import Upcasters
from kernel.upcasting import registry as default_upcasters

log = logging.getLogger(__name__)


class LogFollower:
    def __init__(self, store: EventStore, projection: Projection, page: int = 1000,
                 upcasters: Upcasters = default_upcasters):
        self.store = store
        self.projection = projection
        self.page = page
        self.upcasters = upcasters
        self.applied = 0
        self.last_error: str | None = None
        self._kept_up_through = 0  # the last position keep_up applied with its append
        self._last_read = 0  # the last position a pass of follow() read
        self._key = and_(consumer_positions.c.consumer == projection.name,
                         consumer_positions.c.source == store.source)
        self._position_query = select(consumer_positions.c.position).where(self._key)
        self._position_query_unlocked = self._position_query
        if is_postgres(store.engine):  # replicas take turns; SQLite's writer lock does this
            self._position_query = self._position_query.with_for_update()
        self.apply_many = getattr(projection, "apply_many", None)

    def prepare(self) -> None:
        """Create the read model's tables and this consumer's position row."""
        self.projection.migrate(self.store.engine)
        with self.store.transaction() as conn:
            if conn.execute(self._position_query).first() is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(consumer_positions).values(
                            consumer=self.projection.name, source=self.store.source,
                            position=0))
                        # A read model moved here from a broker subscription holds what the
                        # subscription applied; from position 0 the follower applies it all
                        # again: it starts empty, in the transaction that creates its position.
                        self.projection.reset(conn)
                except IntegrityError:
                    pass  # another replica created it first

    def follow(self, progress=None) -> int:
        """Apply everything committed so far; returns how many events were handled.
        ``progress(source name, position)`` is called after each page's commit."""
        handled = 0
        while True:
            read, applied = self._step()
            handled += applied
            if progress is not None and read:
                progress(self.store.source, self._last_read)
            if read < self.page:
                return handled

    def _step(self) -> tuple[int, int]:
        if self._caught_up():
            return 0, 0
        with self.store.transaction() as conn:
            position = conn.execute(self._position_query).scalar_one()
            head = conn.execute(select(store_head.c.position)).scalar_one()
            if head <= position:
                return 0, 0
            batch = self.store.read_all(position, self.page, upcast=False,
                                        until_position=head, conn=conn)
            if not batch:
                return 0, 0
            self._last_read = batch[-1].position
            return len(batch), self._apply(conn, batch)

    def _caught_up(self) -> bool:
        """Without taking the write lock: appends keep the read model in step (keep_up), and
        then most wake-ups find nothing to do."""
        with self.store.reader.connect() as conn:
            position = conn.execute(self._position_query_unlocked).scalar_one()
            return conn.execute(select(store_head.c.position)).scalar_one() <= position

    def _apply(self, conn, batch) -> int:
        """Apply ``batch`` (consecutive events, the first right after this follower's
        position) and move the position past it, in ``conn``'s transaction."""
        handled = [e for e in map(self.upcasters.upcast, batch) if self.projection.handles(e)]
        if handled and self.apply_many is not None:
            self.apply_many(conn, handled)
        else:
            for event in handled:
                self.projection.apply(conn, event)
        conn.execute(update(consumer_positions).where(self._key)
                     .values(position=batch[-1].position))
        self.applied += len(handled)
        return len(handled)

    def keep_up(self, conn, records) -> None:
        """An append hook (EventStore.append_hooks), run in the transaction that appended
        ``records``. If this follower had applied everything before them, it applies them
        there and then: the read model commits with the events, and no pass of its own reads
        them back. Otherwise, or if the projection fails, they are left to ``follow()``: a
        read-model fault must never refuse an append."""
        if not records:
            return
        self._kept_up_through = 0
        if conn.execute(self._position_query).scalar_one() != records[0].position - 1:
            return
        try:
            with conn.begin_nested():
                self._apply(conn, records)
            self._kept_up_through = records[-1].position
        except Exception:
            log.warning("%s: applying positions %d-%d with their append failed; the follower "
                        "will apply them", self.projection.name, records[0].position,
                        records[-1].position, exc_info=True)

    def kept_up_with(self, records) -> bool:
        """Whether the last append, once committed, left this follower nothing to read: its
        keep_up applied everything up to the end of ``records`` in that transaction. (Had
        the transaction rolled back instead, there would be nothing to read either.)"""
        return bool(records) and self._kept_up_through >= records[-1].position

    def rebuild(self, progress=None) -> int:
        """Forget the read model and apply the whole log again."""
        with self.store.transaction() as conn:
            conn.execute(self._position_query)  # wait for a running pass to finish
            self.projection.reset(conn)
            conn.execute(update(consumer_positions).where(self._key).values(position=0))
        return self.follow(progress)

    def run(self, should_stop, wake: threading.Event, idle_wait: float = 0.5,
            linger: float = 0.005) -> None:
        """Follow until ``should_stop()``: woken after this process's commits, polling for
        other replicas'. After a wake it lingers, so that a burst shares one transaction."""
        backoff = 0.2
        while not should_stop():
            try:
                self.follow()
                self.last_error, backoff = None, 0.2
            except Exception as exc:  # the database, or an event the projection cannot take
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.error("%s following the %s log: %s; retrying in %.1fs", self.projection.name,
                          self.store.source, self.last_error, backoff)
                time.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if wake.wait(idle_wait):
                time.sleep(linger)
            wake.clear()

"""Consumers that build read models: idempotent, in stream order, and rebuildable from zero.

A projection is plain Python. The processor applies events to it inside one database
transaction together with each stream's last applied version, so a crash either keeps both
or neither: an event is never applied twice and never skipped. Before that, every event is
verified (kernel/verification.py): nothing its source did not write is ever applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update

from kernel.events import RecordedEvent
from kernel.schema import consumer_positions, stream_checkpoints
from kernel.store import EventStore
from kernel.upcasting import Upcasters
from kernel.upcasting import registry as default_upcasters
from kernel.verification import EventVerifier

#: events per transaction when a read model is rebuilt from zero: few commits, and each
#: page's stream checkpoints looked up and written in one statement each
REBUILD_PAGE = 5000


def insert_rows(conn: Connection, table, rows: Sequence[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) in ``conn``'s transaction: on PostgreSQL a
    large batch goes by COPY, one stream of rows instead of a statement each (what an
    executemany sends), which is most of a rebuild's writes there."""
    if not rows:
        return
    if conn.dialect.name != "postgresql" or len(rows) < COPY_FROM:
        conn.execute(insert(table), list(rows))
        return
    columns = list(rows[0])
    names = ", ".join(f'"{name}"' for name in columns)
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[name] for name in columns])


#: rows from which insert_rows copies rather than inserts
COPY_FROM = 100


class Projection(Protocol):
    #: the consumer's name: keys its bookkeeping and its queue
    name: str
    #: the services whose events it reads
    sources: Sequence[str]

    # Optional: ``event_types``, a mapping from some of ``sources`` to the only event types
    # the projection reads from them. Its queue is then bound to just those types, and its
    # catch-up reads just those, so another service's busy streams (survey responses) never
    # reach it. List every type of the streams it handles, or each event of theirs arrives
    # after a gap that is filled from the source's log.

    def handles(self, event: RecordedEvent) -> bool: ...

    def apply(self, conn: Connection, event: RecordedEvent) -> None: ...

    # Optional: ``apply_many(conn, events)``, the handled events of one batch in order, for
    # projections whose rows do not depend on each other (bulk inserts). When it is defined
    # the processor calls it instead of ``apply``.

    def reset(self, conn: Connection) -> None:
        """Delete the read model, before a rebuild from zero."""

    def migrate(self, engine) -> None:
        """Create or upgrade the read model's tables (called when the service starts)."""


class EventSource(Protocol):
    """A service's log as a consumer reads it: locally, or over RPC."""

    name: str

    def read_all(self, after_position: int, limit: int,
                 types: Sequence[str] | None = None) -> list[RecordedEvent]: ...

    def read_stream(self, stream: str, after_version: int) -> list[RecordedEvent]: ...

    def hashes_at(self, positions: Sequence[int]) -> dict[int, tuple[str, str]]:
        """(event id, hash) of the events at ``positions``; a position with no event is left
        out. How a consumer confirms an event it could not link (kernel/verification.py)."""


def event_types_of(projection: Projection, source: str) -> Sequence[str] | None:
    """The event types ``projection`` reads from ``source``; None for all of them."""
    return (getattr(projection, "event_types", None) or {}).get(source)


class StoreSource:
    def __init__(self, store: EventStore):
        self.store = store
        self.name = store.source

    def read_all(self, after_position: int, limit: int,
                 types: Sequence[str] | None = None) -> list[RecordedEvent]:
        return self.store.read_all(after_position, limit, upcast=False, types=types)

    def read_stream(self, stream: str, after_version: int) -> list[RecordedEvent]:
        return self.store.read_stream(stream, after_version, upcast=False)

    def hashes_at(self, positions: Sequence[int]) -> dict[int, tuple[str, str]]:
        return self.store.hashes_at(positions)


class ProjectionProcessor:
    """Applies batches of events to one projection, whose read model lives in ``store``'s
    database. ``sources`` serve the gaps: when version n+2 of a stream arrives before n+1
    (a retry, a competing replica), the missing events are read from the source's log first;
    and they confirm the events that ``verifier`` could not link to what it verified before."""

    def __init__(self, store: EventStore, projection: Projection,
                 sources: dict[str, EventSource], upcasters: Upcasters = default_upcasters):
        self.store = store
        self.projection = projection
        self.sources = sources
        self.upcasters = upcasters
        self.verifier = EventVerifier(sources)
        self.applied = 0

    @property
    def consumer(self) -> str:
        return self.projection.name

    def process(self, batch: Sequence[RecordedEvent],
                routes: Sequence[str | None] | None = None) -> int:
        """Verify ``batch``, then apply what is new in it in one transaction; returns how many
        were applied. ``routes[i]``: the routing key event i arrived with on ``tcpl.events``,
        None if it came another way (EventVerifier.verify). Raises UnverifiedEvent, changing
        nothing, if an event is not what its source wrote."""
        if not batch:
            return 0
        # Before the transaction: a re-read over RPC must not hold the database's write lock.
        self.verifier.verify(batch, routes)
        return self._apply(batch)

    def _apply(self, batch: Sequence[RecordedEvent], source: str | None = None) -> int:
        """``source``: the batch is a page of that source's log, read in order; how far this
        consumer got in it commits with what it applied."""
        with self.store.transaction() as conn:
            applied = _BatchState(self, conn, batch).run()
            if source is not None:
                self._save_position(conn, source, batch[-1].position)
        self.applied += applied
        return applied

    def catch_up(self, source: EventSource, page: int = 1000, progress=None) -> int:
        """Read ``source``'s log from where this consumer's last catch-up stopped to its end.
        ``progress(source name, position)`` is called after each page's commit."""
        applied = 0
        position = self._position(source.name)
        types = event_types_of(self.projection, source.name)
        while True:
            batch = source.read_all(position, page, types)
            if not batch:
                return applied
            for event in batch:
                self.verifier.verify_from_log(event, source.name)
            applied += self._apply(batch, source.name)
            position = batch[-1].position
            if progress is not None:
                progress(source.name, position)

    def rebuild(self, page: int = REBUILD_PAGE, progress=None) -> int:
        """Forget the read model and every bookkeeping row, then catch up from zero, a large
        page per transaction (``progress`` as in catch_up)."""
        with self.store.transaction() as conn:
            self.projection.reset(conn)
            for table in (stream_checkpoints, consumer_positions):
                conn.execute(delete(table).where(table.c.consumer == self.consumer))
        return sum(self.catch_up(self.sources[name], page, progress)
                   for name in self.projection.sources)

    def _position(self, source: str) -> int:
        with self.store.reader.connect() as conn:
            found = conn.execute(select(consumer_positions.c.position).where(
                consumer_positions.c.consumer == self.consumer,
                consumer_positions.c.source == source)).scalar()
        return found or 0

    def _save_position(self, conn, source: str, position: int) -> None:
        key = and_(consumer_positions.c.consumer == self.consumer,
                   consumer_positions.c.source == source)
        if conn.execute(update(consumer_positions).where(key)
                        .values(position=position)).rowcount == 0:
            conn.execute(insert(consumer_positions).values(
                consumer=self.consumer, source=source, position=position))


class _BatchState:
    """One transaction's worth of processing: looks the batch's stream checkpoints up in
    one query, applies in order, fills gaps, and writes the checkpoints back in bulk."""

    def __init__(self, processor: ProjectionProcessor, conn: Connection,
                 batch: Sequence[RecordedEvent]):
        self.p = processor
        self.conn = conn
        self.batch = batch
        consumer = processor.consumer
        keys = {(e.source, e.stream) for e in batch}
        # Two IN lists the primary key serves, whatever the batch's size; a pair that only
        # matches across two keys (source A's stream of source B's name) is dropped below.
        self.known = {
            (row.source, row.stream): row.version
            for row in conn.execute(select(stream_checkpoints).where(
                stream_checkpoints.c.consumer == consumer,
                stream_checkpoints.c.source.in_(sorted({k[0] for k in keys})),
                stream_checkpoints.c.stream.in_(sorted({k[1] for k in keys}))))
            if (row.source, row.stream) in keys
        }
        self.versions: dict[tuple[str, str], int] = {}
        # With apply_many, the projection gets the batch's events at once, in order, when
        # the batch is written (it promises not to read what earlier ones wrote).
        self.apply_many = getattr(processor.projection, "apply_many", None)
        self.to_apply: list[RecordedEvent] = []
        self.applied = 0

    def version(self, key) -> int:
        return self.versions.get(key, self.known.get(key, 0))

    def run(self) -> int:
        for event in self.batch:
            self.accept(event)
        self.flush()
        return self.applied

    def accept(self, event: RecordedEvent) -> None:
        key = (event.source, event.stream)
        current = self.version(key)
        if event.version <= current:
            return  # a redelivery or a duplicate: already applied
        if event.version > current + 1:
            for missing in self.p.sources[event.source].read_stream(event.stream, current):
                if missing.version >= event.version:
                    break
                self.p.verifier.verify_from_log(missing, event.source)
                self.accept(missing)
            if self.version(key) != event.version - 1:
                raise RuntimeError(
                    f"{event.source} stream {event.stream!r} has no version {self.version(key) + 1}")
        upcast = self.p.upcasters.upcast(event)
        if self.p.projection.handles(upcast):
            if self.apply_many is not None:
                self.to_apply.append(upcast)
            else:
                self.p.projection.apply(self.conn, upcast)
            self.applied += 1
        self.versions[key] = event.version

    def flush(self) -> None:
        conn, consumer = self.conn, self.p.consumer
        if self.to_apply:
            self.apply_many(conn, self.to_apply)
        fresh = [{"consumer": consumer, "source": s, "stream": st, "version": v}
                 for (s, st), v in self.versions.items() if (s, st) not in self.known]
        if fresh:
            conn.execute(insert(stream_checkpoints), fresh)
        moved = [{"b_source": s, "b_stream": st, "b_version": v}
                 for (s, st), v in self.versions.items() if (s, st) in self.known]
        if moved:
            conn.execute(update(stream_checkpoints).where(
                stream_checkpoints.c.consumer == consumer,
                stream_checkpoints.c.source == bindparam("b_source"),
                stream_checkpoints.c.stream == bindparam("b_stream"),
            ).values(version=bindparam("b_version")), moved)

"""The event store: append-only streams, a global order, a hash chain and its signed heads,
and an outbox."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time
from importlib import resources
from time import monotonic

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from kernel import clock
from kernel.canonical import to_json_value
from kernel.chainwalk import BrokenLink, ChainReport, ChainWalk  # noqa: F401 (re-exported)
from kernel.db import MIGRATION_LOCK_KEY, is_postgres, make_engine
from kernel.errors import ConcurrencyError, DuplicateEventError
from kernel.events import (
    Metadata,
    NewEvent,
    RecordedEvent,
    chain_hash,
    chained_fields,
    recorded_at_now,
)
from kernel.group_commit import GroupCommit, PendingAppend, serves_this_thread
from kernel.schema import events, outbox, private_event_types, signed_heads, store_head
from kernel.signing import Keyring, SignedHead
from kernel.unit_of_work import ReadEngine
from kernel.unit_of_work import current as current_unit_of_work
from kernel.upcasting import Upcasters
from kernel.upcasting import registry as default_upcasters

ANY_VERSION = None  # append without a version check
NO_STREAM = 0  # the stream must not exist yet


class EventStore:
    """One service's store. ``source`` names the service in messages and audit queries."""

    def __init__(self, url_or_engine: str | Engine, source: str,
                 upcasters: Upcasters = default_upcasters):
        if isinstance(url_or_engine, Engine):
            self.engine = url_or_engine
            reader = url_or_engine
        else:
            self.engine = make_engine(url_or_engine)
            reader = (make_engine(url_or_engine, for_writes=False)
                      if self.engine.dialect.name == "sqlite" else self.engine)
        # Inside a unit of work that has written, reads go through its connection.
        self.reader = ReadEngine(reader, self.engine)
        self.source = source
        self.upcasters = upcasters
        self.private_types: frozenset[str] = frozenset()
        # Called inside each appending transaction, after the insert, with what it appended:
        # read models kept in step with the log (LogFollower.keep_up).
        self.append_hooks: list[Callable[[Connection, list[RecordedEvent]], None]] = []
        # One round trip: the head (locked on PostgreSQL; SQLite's BEGIN IMMEDIATE already
        # holds the write lock) and the stream's current version.
        self._head_query = text(
            "SELECT position, hash, (SELECT coalesce(max(version), 0) FROM events "
            "WHERE stream = :stream) AS version FROM store_head WHERE id = 1"
            + (" FOR UPDATE" if is_postgres(self.engine) else "")
        )
        self._head_only_query = text(
            "SELECT position, hash FROM store_head WHERE id = 1"
            + (" FOR UPDATE" if is_postgres(self.engine) else ""))
        # Appends of this process's threads that are in no caller's transaction share one
        # (kernel/group_commit.py). PostgreSQL only: SQLite's commits cost little and its
        # BEGIN IMMEDIATE already queues writers without a round trip to a server.
        self._group = GroupCommit(self._write_group) if is_postgres(self.engine) else None
        # The head as this process last wrote it (position, hash): a group chained to it is
        # written in one statement (``_write_group_at_once``); None until the first group
        # learns it. Only the group's leader reads or moves it.
        self._last_head: tuple[int, str] | None = None
        self._group_connection = None  # the leader's own (see _append_events)
        self._group_connection_until = 0.0

    # -- set-up ---------------------------------------------------------------------------
    def migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(resources.files("kernel") / "migrations"))
        # Alembic's ``op`` and ``context`` are module globals: two stores of one process
        # migrating at once (services run together in a test, green threads switching while
        # psycopg waits) would run each other's operations on the wrong connection.
        with _MIGRATING, self.engine.begin() as conn:
            if is_postgres(self.engine):
                # Replicas start together; one migrates while the others wait for it.
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                             {"key": MIGRATION_LOCK_KEY})
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def declare_private_types(self, types: Iterable[str]) -> None:
        """Events of these types stay in this store: they are appended and read as any
        other, but get no outbox entry, so they are never published. Makes the stored list
        exactly ``types``; replicas starting together may all call it."""
        types = frozenset(types)
        with self.transaction() as conn:
            conn.execute(delete(private_event_types)
                         .where(private_event_types.c.type.not_in(sorted(types))))
            stored = set(conn.execute(select(private_event_types.c.type)).scalars())
            missing = [{"type": t} for t in sorted(types - stored)]
            if missing:
                dialect = postgresql if is_postgres(self.engine) else sqlite
                conn.execute(dialect.insert(private_event_types).on_conflict_do_nothing(),
                             missing)
        self.private_types = types

    def dispose(self) -> None:
        connection, self._group_connection = self._group_connection, None
        if connection is not None:
            connection.invalidate()  # in autocommit mode: not for the pool
        self.engine.dispose()
        self.reader.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One database transaction: appends and read-model writes made on it commit together.
        Inside a unit of work (kernel/unit_of_work.py) it is a savepoint of the unit's."""
        work = current_unit_of_work(self.engine)
        if work is not None:
            conn = work.connection()
            with conn.begin_nested():
                yield conn
            return
        with self.engine.begin() as conn:
            yield conn

    # -- writing --------------------------------------------------------------------------
    def append(self, stream: str, expected_version: int | None, new_events: Sequence[NewEvent],
               metadata: Metadata, conn: Connection | None = None) -> list[RecordedEvent]:
        """Append to ``stream`` if it is at ``expected_version``; the outbox entries are written
        in the same transaction. Raises ConcurrencyError or DuplicateEventError, writing nothing.
        Joins ``conn``'s transaction, or the current unit of work's, in a savepoint."""
        if not new_events:
            return []
        conn = conn if conn is not None else self._joined()
        if conn is None and self._group is not None and serves_this_thread():
            return self._group.append(stream, expected_version, new_events, metadata)
        return self._append_alone(stream, expected_version, new_events, metadata, conn)

    def _append_alone(self, stream, expected_version, new_events, metadata, conn=None):
        try:
            if conn is None:
                with self.transaction() as own:
                    return self._append_locked(own, stream, expected_version, new_events, metadata)
            # The savepoint makes a failed append leave the caller's transaction untouched.
            with conn.begin_nested():
                return self._append_locked(conn, stream, expected_version, new_events, metadata)
        except IntegrityError as exc:
            # A unique key refused the insert; finding out which is cheaper than checking first.
            ids = [e.id for e in new_events]
            repeated = self._stored_ids(ids) or [i for i in set(ids) if ids.count(i) > 1]
            if repeated:
                raise DuplicateEventError.for_ids(repeated) from exc
            raise ConcurrencyError.for_stream(stream, expected_version,
                                              self.stream_version(stream)) from exc

    def lock_head(self, conn: Connection) -> None:
        """Take, until ``conn``'s transaction ends, the lock every append takes (SQLite's
        BEGIN IMMEDIATE holds it already): a consumer that decides from a stream and appends
        to it sees every append committed before it, and the ones after it see its own."""
        conn.execute(self._head_only_query)

    def _joined(self) -> Connection | None:
        """The current unit of work's connection, if there is a unit on this store."""
        work = current_unit_of_work(self.engine)
        return work.connection() if work is not None else None

    def _append_locked(self, conn, stream, expected_version, new_events, metadata):
        position, prev_hash, current = conn.execute(
            self._head_query, {"stream": stream}).one()
        if expected_version is not None and current != expected_version:
            raise ConcurrencyError.for_stream(stream, expected_version, current)
        records = self._chain(position, prev_hash, stream, current, new_events, metadata)
        # The database adds the outbox entries and moves the head (migrations 0002, 0008).
        conn.execute(_INSERT_EVENTS, [_row(r) for r in records])
        for hook in self.append_hooks:
            hook(conn, records)
        return records

    def _write_group(self, group: list[PendingAppend]) -> None:
        """Write a group of appends in one transaction: each one whose stream is at its
        expected version and whose event ids are new, chained in the order they came; the
        others fail alone. The common group is one statement (``_write_group_at_once``);
        the others read the head and the versions under the lock first. If the database
        refuses the group (an event id already stored, or a stream written by another
        process between the version read and the insert), each append is tried again alone
        and gets its own answer."""
        if self._write_group_at_once(group):
            return
        conn = self.engine.connect()
        try:
            transaction = conn.begin()
            try:
                written = self._write_group_locked(conn, group)
            except Exception:
                transaction.rollback()
                written = None
            if written is not None:
                # A commit that fails leaves its outcome unknown: its callers hear so.
                transaction.commit()
        finally:
            conn.close()
        if written is None:
            for pending in group:
                try:
                    pending.succeed(self._append_alone(pending.stream, pending.expected_version,
                                                       pending.new_events, pending.metadata))
                except Exception as exc:
                    pending.fail(exc)
            return
        for pending, records in written:
            pending.succeed(records)
        if written:
            last = written[-1][1][-1]
            self._last_head = (last.position, last.hash)

    def _write_group_at_once(self, group: list[PendingAppend]) -> bool:
        """The common group, written in one round trip: appends to distinct streams, each
        with its expected version, chained to the head this process last wrote and sent
        with those versions to ``append_events`` (migration 0008), which checks both under
        the head lock and commits. If another writer moved the head, the events are chained
        again to the head it answers with, once. Returns False, having written nothing, for
        a group it cannot write so (a version that does not match, an event id taken, a
        stream twice, an append without a version check): ``_write_group`` then reads the
        head and the versions under the lock and answers each append."""
        streams = [pending.stream for pending in group]
        if (len(set(streams)) != len(streams)
                or any(pending.expected_version is None for pending in group)):
            return False
        ids = [new.id for pending in group for new in pending.new_events]
        if len(set(ids)) != len(ids):
            return False
        versions = [pending.expected_version for pending in group]
        # An impossible head on the first group: the function answers with the real one.
        head = self._last_head or (-1, "")
        for _attempt in range(2):
            position, prev_hash = head
            written, rows = [], []
            for pending in group:
                records = self._chain(position, prev_hash, pending.stream,
                                      pending.expected_version, pending.new_events,
                                      pending.metadata)
                position, prev_hash = records[-1].position, records[-1].hash
                written.append((pending, records))
                rows.extend(_row(r) for r in records)
            params = (head[0], head[1], streams, versions, json.dumps(rows))
            answer = (self._append_events_with_hooks(params, written) if self.append_hooks
                      else self._append_events(params))
            if answer is None:
                return False
            if answer[0] is None:
                self._last_head = (position, prev_hash)
                for pending, records in written:
                    pending.succeed(records)
                return True
            if answer == head:
                return False  # a stream is not at its expected version
            head = self._last_head = answer
        return False

    def _append_events_with_hooks(self, params: tuple, written) -> tuple | None:
        """``append_events`` and the append hooks in one transaction (the hooks need one).
        None if either failed: rolled back, nothing written."""
        with self.engine.connect() as conn:
            transaction = conn.begin()
            try:
                answer = tuple(conn.exec_driver_sql(_APPEND_EVENTS, params).one())
                if answer[0] is None:
                    appended = [record for _, records in written for record in records]
                    for hook in self.append_hooks:
                        hook(conn, appended)
            except Exception:
                transaction.rollback()
                return None
            # A commit that fails leaves its outcome unknown: its callers hear so.
            transaction.commit()
        return answer

    def _append_events(self, params: tuple) -> tuple | None:
        """``append_events`` on the group's own connection, outside any transaction block, so
        that the statement commits on its own: one round trip, no BEGIN and no COMMIT, and
        none of the pool's and SQLAlchemy's work per statement (a tenth of a millisecond of
        CPU, as much as the rest of a lone append). None if the database refused the rows.
        A connection that failed otherwise is dropped: the next group opens another."""
        import psycopg  # only PostgreSQL stores get here

        connection = self._group_connection
        if connection is not None and (connection.driver_connection.closed
                                       or monotonic() > self._group_connection_until):
            self._group_connection = None
            connection.invalidate()
        if self._group_connection is None:
            connection = self.engine.raw_connection()
            connection.driver_connection.autocommit = True
            self._group_connection = connection
            # Renewed as often as the pool renews its own (kernel/db.py).
            recycle = self.engine.pool._recycle
            self._group_connection_until = (monotonic() + recycle if recycle >= 0
                                            else float("inf"))
        try:
            with self._group_connection.driver_connection.cursor() as cursor:
                cursor.execute(_APPEND_EVENTS, params)
                return cursor.fetchone()
        except (psycopg.IntegrityError, psycopg.errors.UndefinedFunction):
            # An event id already stored, or a database not (or no longer) at migration
            # 0008: nothing was written, and the connection is still good.
            return None
        except BaseException:
            connection, self._group_connection = self._group_connection, None
            connection.invalidate()
            raise

    def _write_group_locked(self, conn, group):
        streams = sorted({pending.stream for pending in group})
        if len(streams) == 1:
            # A lone writer's append: the plain query is planned and prepared once, and is
            # measurably cheaper than the group's aggregate.
            position, prev_hash, version = conn.execute(
                self._head_query, {"stream": streams[0]}).one()
            current = {streams[0]: version}
        else:
            position, prev_hash, versions = conn.execute(
                _GROUP_HEAD, {"streams": streams}).one()
            current = {stream: int(version) for stream, version in (versions or {}).items()}
        written, rows, taken = [], [], set()
        for pending in group:
            version = current.get(pending.stream, 0)
            if pending.expected_version is not None and version != pending.expected_version:
                pending.fail(ConcurrencyError.for_stream(pending.stream, pending.expected_version,
                                                         version))
                continue
            ids = [new.id for new in pending.new_events]
            repeated = taken.intersection(ids) | {i for i in ids if ids.count(i) > 1}
            if repeated:
                pending.fail(DuplicateEventError.for_ids(repeated))
                continue
            records = self._chain(position, prev_hash, pending.stream, version,
                                  pending.new_events, pending.metadata)
            position, prev_hash = records[-1].position, records[-1].hash
            current[pending.stream] = records[-1].version
            taken.update(ids)
            written.append((pending, records))
            rows.extend(_row(r) for r in records)
        if rows:
            conn.execute(_INSERT_EVENTS, rows)
            appended = [record for _, records in written for record in records]
            for hook in self.append_hooks:
                hook(conn, appended)
        return written

    def append_many(self, appends: Sequence[tuple[str, int | None, Sequence[NewEvent], Metadata]],
                    conn: Connection | None = None) -> list[list[RecordedEvent]]:
        """Several appends as one: ``(stream, expected_version, new_events, metadata)`` each,
        to distinct streams, all written or none, under one take of the head lock.

        Group commit for many small independent writes (survey responses from many kiosks):
        one transaction, one version query and one insert instead of one of each per stream.
        Raises ConcurrencyError for the first stream not at its expected version, or
        DuplicateEventError, writing nothing."""
        streams = [stream for stream, *_ in appends]
        if len(set(streams)) != len(streams):
            raise ValueError("append_many takes each stream once; merge its events first")
        if not appends:
            return []
        conn = conn if conn is not None else self._joined()
        try:
            if conn is None:
                with self.transaction() as own:
                    return self._append_many_locked(own, appends)
            with conn.begin_nested():
                return self._append_many_locked(conn, appends)
        except IntegrityError as exc:
            ids = [e.id for _, _, new_events, _ in appends for e in new_events]
            repeated = self._stored_ids(ids) or [i for i in set(ids) if ids.count(i) > 1]
            if repeated:
                raise DuplicateEventError.for_ids(repeated) from exc
            # A stream was written between our version check and the insert: only possible
            # without the head lock, which every append takes, so report the first stream.
            stream, expected, *_ = appends[0]
            raise ConcurrencyError.for_stream(stream, expected,
                                              self.stream_version(stream)) from exc

    def _append_many_locked(self, conn, appends):
        position, prev_hash = conn.execute(self._head_only_query).one()
        current = dict(conn.execute(
            _VERSIONS_OF, {"streams": [stream for stream, *_ in appends]}).all())
        for stream, expected_version, _, _ in appends:
            if expected_version is not None and current.get(stream, 0) != expected_version:
                raise ConcurrencyError.for_stream(stream, expected_version, current.get(stream, 0))
        written, rows = [], []
        for stream, _, new_events, metadata in appends:
            records = self._chain(position, prev_hash, stream, current.get(stream, 0),
                                  new_events, metadata)
            if records:
                position, prev_hash = records[-1].position, records[-1].hash
            written.append(records)
            rows.extend(_row(r) for r in records)
        if rows:
            conn.execute(_INSERT_EVENTS, rows)
            appended = [record for records in written for record in records]
            for hook in self.append_hooks:
                hook(conn, appended)
        return written

    def _chain(self, position: int, prev_hash: str, stream: str, current: int,
               new_events: Sequence[NewEvent], metadata: Metadata) -> list[RecordedEvent]:
        """The records for ``new_events`` after ``position``, each hash chained to the last."""
        meta = to_json_value(metadata.to_dict(recorded_at_now()))
        records = []
        for offset, new in enumerate(new_events, start=1):
            fields = chained_fields(position + offset, new.id, stream, current + offset, new.type,
                                    new.schema_version, to_json_value(new.data), meta, prev_hash)
            digest = chain_hash(fields, plain=True)
            records.append(RecordedEvent(source=self.source, hash=digest, **fields))
            prev_hash = digest
        return records

    def _stored_ids(self, ids: list[str]) -> list[str]:
        with self.reader.connect() as conn:
            return list(conn.execute(select(events.c.event_id).where(events.c.event_id.in_(ids)))
                        .scalars())

    @staticmethod
    def _stream_version(conn, stream: str) -> int:
        return conn.execute(
            select(func.coalesce(func.max(events.c.version), 0)).where(events.c.stream == stream)
        ).scalar_one()

    # -- reading --------------------------------------------------------------------------
    def stream_version(self, stream: str) -> int:
        with self.reader.connect() as conn:
            return self._stream_version(conn, stream)

    def stream_versions(self, streams: Iterable[str]) -> dict[str, int]:
        """The current version of each of ``streams`` that exists, in one query."""
        streams = sorted(set(streams))
        if not streams:
            return {}
        with self.reader.connect() as conn:
            return dict(conn.execute(_VERSIONS_OF, {"streams": streams}).all())

    def read_streams(self, streams: Iterable[str], until_version: int | None = None,
                     upcast: bool = True) -> list[RecordedEvent]:
        """The events of several streams (up to ``until_version`` of each), in one query,
        in position order."""
        streams = sorted(set(streams))
        if not streams:
            return []
        query = select(events).where(events.c.stream.in_(streams))
        if until_version is not None:
            query = query.where(events.c.version <= until_version)
        return self._read(query.order_by(events.c.position), upcast)

    def read_stream(self, stream: str, after_version: int = 0, upcast: bool = True,
                    conn: Connection | None = None) -> list[RecordedEvent]:
        """``conn``: read in that transaction (a decision about to append on it)."""
        query = (select(events).where(events.c.stream == stream, events.c.version > after_version)
                 .order_by(events.c.version))
        return self._read(query, upcast, conn)

    def read_all(self, after_position: int = 0, limit: int = 1000, upcast: bool = True,
                 types: Iterable[str] | None = None, until_position: int | None = None,
                 conn: Connection | None = None) -> list[RecordedEvent]:
        """Events after a global position, in order (up to ``until_position``; inside
        ``conn``'s transaction if given). A follower can tail this safely: positions are
        assigned under the head lock, so no lower position can commit after a higher one."""
        query = select(events).where(events.c.position > after_position)
        if until_position is not None:
            query = query.where(events.c.position <= until_position)
        if types:
            query = query.where(events.c.type.in_(list(types)))
        return self._read(query.order_by(events.c.position).limit(limit), upcast, conn)

    def query(self, stream: str | None = None, stream_prefix: str | None = None,
              commune: str | None = None, actor: str | None = None,
              types: Iterable[str] | None = None,
              recorded_from: str | date | datetime | None = None,
              recorded_to: str | date | datetime | None = None,
              correlation_id: str | None = None, after_position: int = 0, limit: int = 500,
              upcast: bool = True) -> list[RecordedEvent]:
        """Stored events that match every given filter, after a position, in position order.

        The filters run in SQL on both databases (docs/audit.md):

        - ``stream``: exactly that stream; ``stream_prefix``: streams starting with it.
        - ``commune``: events whose data has ``commune_code`` equal to it, or whose stream has
          it as a whole dash-separated part (``assessment-00004-2025``, ``campaign-00004-2025``,
          ``board-00004``); ``00004`` never matches ``100040``.
        - ``actor``: ``metadata.actor`` (the token subject or ``system:<name>``).
        - ``types``: any of these event types.
        - ``recorded_from`` / ``recorded_to``: inclusive bounds on ``metadata.recorded_at``.
          Dates mean the whole day (from its first to its last microsecond); datetimes
          without an offset are Vietnam time. Bounds are compared as ISO strings in UTC+7, as
          the store writes them. An event stamped with its day only (the survey's privacy
          rule) matches when its day overlaps the bounds.
        - ``correlation_id``: ``metadata.correlation_id``.
        """
        meta_text = _json_text_factory(self.engine.dialect.name)
        conditions = [events.c.position > int(after_position)]
        if stream is not None:
            conditions.append(events.c.stream == stream)
        if stream_prefix is not None:
            conditions.append(events.c.stream.startswith(stream_prefix, autoescape=True))
        if commune is not None:
            conditions.append(or_(
                meta_text(events.c.data, "commune_code") == commune,
                events.c.stream.contains(f"-{commune}-", autoescape=True),
                events.c.stream.endswith(f"-{commune}", autoescape=True),
                events.c.stream.startswith(f"{commune}-", autoescape=True),
                events.c.stream == commune,
            ))
        if actor is not None:
            conditions.append(meta_text(events.c.metadata, "actor") == actor)
        if types is not None:
            conditions.append(events.c.type.in_(list(types)))
        if correlation_id is not None:
            conditions.append(meta_text(events.c.metadata, "correlation_id") == correlation_id)
        recorded_at = meta_text(events.c.metadata, "recorded_at")
        if recorded_from is not None:
            lower = vietnam_iso(recorded_from, end_of_day=False)
            conditions.append(or_(recorded_at >= lower,
                                  and_(func.length(recorded_at) == 10, recorded_at >= lower[:10])))
        if recorded_to is not None:
            conditions.append(recorded_at <= vietnam_iso(recorded_to, end_of_day=True))
        query = (select(events).where(*conditions).order_by(events.c.position)
                 .limit(max(1, int(limit))))
        return self._read(query, upcast)

    def hashes_at(self, positions: Iterable[int]) -> dict[int, tuple[str, str]]:
        """``{position: (event id, hash)}`` of the events at ``positions``, in one query; a
        position with no event is left out. Consumers confirm events with it
        (kernel/verification.py)."""
        positions = sorted(set(positions))
        if not positions:
            return {}
        with self.reader.connect() as conn:
            return {row.position: (row.event_id, row.hash)
                    for row in conn.execute(_HASHES_AT, {"positions": positions})}

    def head_position(self) -> int:
        with self.reader.connect() as conn:
            return conn.execute(select(store_head.c.position)).scalar_one()

    def _read(self, query, upcast: bool, conn: Connection | None = None) -> list[RecordedEvent]:
        if conn is not None:
            records = [self._record(row) for row in conn.execute(query).mappings()]
        else:
            with self.reader.connect() as conn:
                records = [self._record(row) for row in conn.execute(query).mappings()]
        return [self.upcasters.upcast(r) for r in records] if upcast else records

    def _record(self, row) -> RecordedEvent:
        return RecordedEvent(
            source=self.source, position=row["position"], id=row["event_id"],
            stream=row["stream"], version=row["version"], type=row["type"],
            schema_version=row["schema_version"], data=row["data"], metadata=row["metadata"],
            prev_hash=row["prev_hash"], hash=row["hash"],
        )

    # -- the hash chain and its signed heads ------------------------------------------------
    def verify_chain(self, keyring: Keyring | None = None, signed_heads: Iterable[SignedHead] = (),
                     batch: int = 5000, between_batches: Callable[[], None] | None = None,
                     run: Callable | None = None) -> ChainReport:
        """Recompute the whole chain and check it against every signed head: this store's own
        and ``signed_heads`` (copies held elsewhere, which someone who edits this database
        cannot delete). Reports every broken place (kernel/chainwalk.py); ``first_broken`` is
        the first. Without a ``keyring`` no signature can be checked, so no head is used.
        ``between_batches`` and ``run`` as in ``walk_chain``."""
        walk = ChainWalk(self.source, keyring)
        head_position, _ = self.walk_chain(walk, signed_heads, batch=batch,
                                           between_batches=between_batches, run=run)
        return walk.report(head_position)

    def walk_chain(self, walk: ChainWalk, signed_heads: Iterable[SignedHead] = (),
                   max_events: int | None = None, batch: int = 5000,
                   between_batches: Callable[[], None] | None = None, final: bool = True,
                   run: Callable | None = None) -> tuple[int, bool]:
        """Feed ``walk`` the events after its position (at most ``max_events``) with the
        signed heads among them, in one snapshot of the log. Returns the store head's position
        and whether the walk reached the end, where it is finished (``final``) or only
        compared with the end (a walk that goes on following the log). ``run(feed, events,
        heads)`` runs the CPU-bound part (a service hands it to an OS thread)."""
        extra = sorted(signed_heads, key=lambda h: h.position)
        fed = 0
        with self._snapshot() as conn:
            head_position, head_hash = conn.execute(
                select(store_head.c.position, store_head.c.hash)).one()
            while True:
                wanted = batch if max_events is None else min(batch, max_events - fed)
                if wanted <= 0:
                    return head_position, False
                after = walk.position
                records = self._read(select(events).where(events.c.position > after)
                                     .order_by(events.c.position).limit(wanted),
                                     upcast=False, conn=conn)
                if records:
                    heads = self._heads_between(conn, after, records[-1].position, extra)
                    if run is None:
                        walk.feed(records, heads)
                    else:
                        run(walk.feed, records, heads)
                    fed += len(records)
                if len(records) < wanted:
                    break
                if between_batches is not None:
                    between_batches()
            beyond = self._heads_between(conn, walk.position, None, extra)
            if final:
                walk.finish(head_position, head_hash, beyond)
            else:
                walk.check_end(head_position, head_hash, beyond)
        return head_position, True

    @contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        """One read transaction seeing one state of the log: the head and every event read
        in it agree, however long the walk and whatever commits meanwhile."""
        with self.reader.connect() as conn:
            if is_postgres(self.engine):
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def _heads_between(self, conn, after: int, until: int | None,
                       extra: Sequence[SignedHead] = ()) -> list[SignedHead]:
        """Signed heads at positions after ``after`` up to ``until`` (or all), this store's
        and those of ``extra``."""
        query = select(signed_heads).where(signed_heads.c.position > after)
        if until is not None:
            query = query.where(signed_heads.c.position <= until)
        found = [head_of(row) for row in conn.execute(
            query.order_by(signed_heads.c.position, signed_heads.c.signed_at)).mappings()]
        return found + [h for h in extra if h.position > after and (until is None or h.position <= until)]

    def signed_heads_between(self, after: int, until: int | None = None) -> list[SignedHead]:
        with self.reader.connect() as conn:
            return self._heads_between(conn, after, until)

    def latest_signed_heads(self, limit: int = 1) -> list[SignedHead]:
        """The newest signed heads (by position, then time), newest first."""
        with self.reader.connect() as conn:
            return [head_of(row) for row in conn.execute(
                select(signed_heads).order_by(signed_heads.c.position.desc(),
                                              signed_heads.c.signed_at.desc()).limit(limit))
                .mappings()]

    def signed_heads_after(self, position: int = 0, signed_at: str | None = None,
                           limit: int = 100) -> list[SignedHead]:
        """Signed heads after (``position``, ``signed_at``) in that order: a copier's cursor."""
        later = signed_heads.c.position > position
        if signed_at is not None:
            later = or_(later, and_(signed_heads.c.position == position,
                                    signed_heads.c.signed_at > signed_at))
        with self.reader.connect() as conn:
            return [head_of(row) for row in conn.execute(
                select(signed_heads).where(later)
                .order_by(signed_heads.c.position, signed_heads.c.signed_at).limit(limit))
                .mappings()]

    def add_signed_head(self, head: SignedHead) -> None:
        with self.transaction() as conn:
            conn.execute(insert(signed_heads).values(
                source=head.source, position=head.position, head_hash=head.head_hash,
                merkle_root=head.merkle_root, signed_at=head.signed_at, key_id=head.key_id,
                signature=head.signature, frontier=json.dumps(list(head.frontier or ()))))

    def chain_links(self, after_position: int, limit: int = 5000,
                    until_position: int | None = None) -> list[tuple[int, str, str]]:
        """(position, prev_hash, hash) of the events after a position, in order: the chain
        without the events' content, for signing and for Merkle proofs."""
        query = (select(events.c.position, events.c.prev_hash, events.c.hash)
                 .where(events.c.position > after_position))
        if until_position is not None:
            query = query.where(events.c.position <= until_position)
        with self.reader.connect() as conn:
            return [tuple(row) for row in conn.execute(
                query.order_by(events.c.position).limit(limit))]

    # -- the outbox -----------------------------------------------------------------------
    @contextmanager
    def claim_outbox(self, limit: int = 500) -> Iterator[OutboxBatch]:
        """The oldest outbox entries, for one publishing pass. On PostgreSQL the rows stay locked
        (SKIP LOCKED) until the pass ends, so several relay replicas share the work; SQLite has
        one writer host, and its entries are read without holding the write lock."""
        query = claim_query(limit)
        if is_postgres(self.engine):
            with self.engine.begin() as conn:
                rows = conn.execute(query.with_for_update(skip_locked=True, of=outbox)).mappings()
                batch = OutboxBatch([self._record(r) for r in rows])
                yield batch
                if batch.is_done:
                    _delete_outbox(conn, batch.records)
        else:
            with self.reader.connect() as conn:
                batch = OutboxBatch([self._record(r) for r in conn.execute(query).mappings()])
            yield batch
            if batch.is_done and batch.records:
                with self.transaction() as conn:
                    _delete_outbox(conn, batch.records)

    def outbox_size(self) -> int:
        with self.reader.connect() as conn:
            return conn.execute(select(func.count()).select_from(outbox)).scalar_one()

    def ping(self) -> None:
        with self.reader.connect() as conn:
            conn.execute(text("SELECT 1"))




_INSERT_EVENTS = insert(events)
_MIGRATING = threading.Lock()


def claim_query(limit: int):
    """The oldest outbox entries' events. Driven by the outbox, which is short: joined the
    other way round, SQLite walks the whole log on every pass, slower as the log grows."""
    return (select(events).select_from(outbox)
            .join(events, events.c.position == outbox.c.position)
            .order_by(outbox.c.position).limit(limit))


# (stream, current version) of each of ``streams`` that exists. One statement for any number
# of streams (an expanding parameter): built and compiled once, not per group of responses.
_VERSIONS_OF = (select(events.c.stream, func.max(events.c.version))
                .where(events.c.stream.in_(bindparam("streams", expanding=True)))
                .group_by(events.c.stream))

# The head, locked until the commit, and the versions of a group's streams: one round trip.
_GROUP_HEAD = text(
    "SELECT position, hash, (SELECT json_object_agg(stream, version) FROM "
    "(SELECT stream, max(version) AS version FROM events WHERE stream = ANY(:streams) "
    "GROUP BY stream) AS streams) AS versions FROM store_head WHERE id = 1 FOR UPDATE")

# One group's append in one statement (migration 0008): the head and the versions checked
# under the head lock, the rows inserted; NULLs once written, else the current head.
_APPEND_EVENTS = (
    "SELECT head_position, head_hash FROM append_events(%s::bigint, %s::varchar, "
    "%s::varchar[], %s::integer[], %s::json)")

_HASHES_AT = (select(events.c.position, events.c.event_id, events.c.hash)
              .where(events.c.position.in_(bindparam("positions", expanding=True))))


def _json_text_factory(dialect: str):
    """``column.key`` as text, written exactly as migration 0003's expression indexes are, so
    that both databases can use them (a bound JSON path would not match an index). Keys are
    constants of this module, never user input."""
    if dialect == "postgresql":
        return lambda column, key: column.op("->>")(literal_column(f"'{key}'"))
    return lambda column, key: func.json_extract(column, literal_column(f"'$.{key}'"))


def vietnam_iso(value: str | date | datetime, end_of_day: bool = False) -> str:
    """A time bound as the store writes ``recorded_at``: ISO 8601, microseconds, UTC+7.

    A date (or a ``YYYY-MM-DD`` string) means its first microsecond, or its last with
    ``end_of_day``. A datetime without an offset is taken as Vietnam time. ValueError if
    the string is neither."""
    if isinstance(value, str):
        text_value = value.strip()
        if len(text_value) == 10:
            value = date.fromisoformat(text_value)
        else:
            value = datetime.fromisoformat(text_value.replace("Z", "+00:00"))
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.max if end_of_day else time.min)
    if value.tzinfo is None:
        value = value.replace(tzinfo=clock.VIETNAM)
    return value.astimezone(clock.VIETNAM).isoformat(timespec="microseconds")


class OutboxBatch:
    def __init__(self, records: list[RecordedEvent]):
        self.records = records
        self.is_done = False

    def done(self) -> None:
        """Every record is confirmed by the broker: its outbox entry may go."""
        self.is_done = True


def _delete_outbox(conn, records) -> None:
    conn.execute(delete(outbox).where(outbox.c.position.in_([r.position for r in records])))


def _row(record: RecordedEvent) -> dict:
    return {
        "position": record.position, "event_id": record.id, "stream": record.stream,
        "version": record.version, "type": record.type, "schema_version": record.schema_version,
        "data": record.data, "metadata": record.metadata, "prev_hash": record.prev_hash,
        "hash": record.hash,
    }


def head_of(row) -> SignedHead:
    """A signed head from its row in ``signed_heads``."""
    return SignedHead(source=row["source"], position=row["position"], head_hash=row["head_hash"],
                      merkle_root=row["merkle_root"], signed_at=row["signed_at"],
                      key_id=row["key_id"], signature=row["signature"],
                      frontier=tuple(json.loads(row["frontier"] or "[]")))

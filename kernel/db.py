"""Engines for the stores: SQLite files by default, PostgreSQL by URL."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

# psycopg 3's C wait function blocks eventlet's hub; this must be set before psycopg loads.
os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

from contextlib import contextmanager  # noqa: E402

from sqlalchemy import create_engine, event, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

# The PostgreSQL advisory lock that schema changes take: the kernel's migrations
# (EventStore.migrate) and the read models' own tables (migration_lock).
MIGRATION_LOCK_KEY = 8785001


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` URLs and route them to psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


WAL_CHECKPOINT_PAGES = 10_000


def make_engine(url: str, for_writes: bool = True) -> Engine:
    """``for_writes=False`` gives SQLite readers a plain deferred BEGIN: in WAL mode they
    then never wait for, or block, the writer."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine, serialise_writers=for_writes)
        return engine
    # No ping per checkout: it was a round trip on every transaction. A connection the server
    # dropped fails its next statement once, and SQLAlchemy then invalidates the whole pool
    # (a disconnect error); connections are also renewed every half hour.
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=False,
                         pool_recycle=1800)


def _configure_sqlite(engine: Engine, serialise_writers: bool) -> None:
    """Writers take SQLite's write lock at BEGIN, so appends are serialised like PostgreSQL's
    row lock on the store head (a deferred BEGIN could fail when upgrading to a writer)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Without a WalCheckpointer running, a commit checkpoints every ~40 MB of WAL
        # rather than SQLite's 4 MB: index pages that every commit touches (a stream per
        # survey response) are then copied back once per checkpoint instead of every few
        # commits, which halved the commit's cost.
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_CHECKPOINT_PAGES}")
        # An append joining a caller's transaction runs in a savepoint, and SQLite copies
        # every page it changes there into a sub-journal: in memory, not a temporary file
        # (a third of the cost of a survey group's append went to that file).
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if serialise_writers else "BEGIN")


class WalCheckpointer:
    """Copies a SQLite store's committed WAL pages back into its database file, from its own
    connection, so that a service can do it in a background thread (EventStoreProvider).

    Left to SQLite, the commit that crosses ``wal_autocheckpoint`` pages does the copying
    (and its sync) itself: every ~1,500 survey responses one commit took 40-70 ms, a pause
    every request waiting on it shared. A PASSIVE checkpoint runs beside the writer and
    takes no lock the writer needs; the autocheckpoint stays as the backstop for processes
    that run no checkpointer (tools, tests)."""

    def __init__(self, path: str):
        # mode=rw: a checkpoint must never create the database it was meant to copy to.
        self.uri = Path(path).absolute().as_uri() + "?mode=rw"
        self._connection: sqlite3.Connection | None = None

    @classmethod
    def for_engine(cls, engine: Engine) -> WalCheckpointer | None:
        """A checkpointer for a SQLite file's engine; None for PostgreSQL (which checkpoints
        on its own) and in-memory databases."""
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return None
        return cls(database)

    def checkpoint(self) -> tuple[int, int]:
        """One PASSIVE checkpoint: (pages in the WAL, pages of it now in the database file)."""
        if self._connection is None:
            # Used from whichever pool thread runs the pass, one pass at a time.
            self._connection = sqlite3.connect(self.uri, uri=True, timeout=30,
                                               isolation_level=None, check_same_thread=False)
        _busy, in_wal, copied = self._connection.execute(
            "PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        return in_wal, copied

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


@contextmanager
def migration_lock(engine: Engine):
    """Held while a read model creates or upgrades its tables, so that replicas starting
    together take turns with each other and with the kernel's migrations: two CREATE TABLEs
    of one table at once fail on PostgreSQL, and a half-made schema is never read. A
    session lock on a connection of its own, released if the process dies; SQLite
    serialises its writers already."""
    if not is_postgres(engine):
        yield
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})

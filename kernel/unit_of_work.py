"""One transaction for everything a command does: its appends, its read-model writes, what
it answers.

A unit of work is held in a context variable, one per green thread (each nameko worker runs
in a greenlet of its own, which starts with an empty context). While it is current, the
store of its engine joins it instead of opening transactions of its own: ``append``,
``append_many`` and ``transaction()`` run inside it (each in a savepoint, so a failed append
leaves the rest standing), and reads made after it began go through its connection, so the
command sees what it wrote. It begins lazily, at the first write: a command that only reads
before deciding takes no lock, and on SQLite the write lock (``BEGIN IMMEDIATE``) is held
from the first append to the commit, not for the whole command.

Whoever opened the unit commits it; callbacks registered with ``after_commit`` (waking the
outbox relay and the log followers) run after the commit, never before: a relay woken
before the commit would find nothing and sleep until its next poll.

Between its first write and its commit a unit holds the store's write lock (SQLite) or the
head's row lock (PostgreSQL), so nothing in a command may wait on another process meanwhile
(an RPC, say): on SQLite, another green thread of the process asking for the lock would
stop the whole process until the busy timeout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from sqlalchemy import Connection
from sqlalchemy.engine import Engine

_current: ContextVar[UnitOfWork | None] = ContextVar("tcpl_unit_of_work", default=None)


class UnitOfWork:
    """A transaction on ``engine``, begun on first use. ``on_begin(conn)`` runs first thing in
    it (the idempotency key's claim); if it raises, the unit is spoilt: the exception is
    raised again on every later use, so a command that caught it cannot write anyway."""

    def __init__(self, engine: Engine, on_begin: Callable[[Connection], None] | None = None):
        self.engine = engine
        self._on_begin = on_begin
        self._connection: Connection | None = None
        self._transaction = None
        self._spoilt: BaseException | None = None
        self._after_commit: list[Callable[[], None]] = []

    @property
    def begun(self) -> bool:
        return self._connection is not None

    def connection(self) -> Connection:
        if self._spoilt is not None:
            raise self._spoilt
        if self._connection is None:
            connection = self.engine.connect()
            self._connection, self._transaction = connection, connection.begin()
            if self._on_begin is not None:
                try:
                    self._on_begin(connection)
                except BaseException as exc:
                    self._spoilt = exc
                    raise
        return self._connection

    def after_commit(self, callback: Callable[[], None]) -> None:
        self._after_commit.append(callback)

    def commit(self) -> None:
        """Commit what was written (nothing, if nothing was), then run the callbacks."""
        if self._spoilt is not None:
            raise self._spoilt
        if self._connection is not None:
            try:
                self._transaction.commit()
            finally:
                self._close()
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def rollback(self) -> None:
        self._after_commit = []
        if self._connection is not None:
            try:
                self._transaction.rollback()
            finally:
                self._close()

    def _close(self) -> None:
        connection, self._connection, self._transaction = self._connection, None, None
        connection.close()


@contextmanager
def unit_of_work(engine: Engine, on_begin: Callable[[Connection], None] | None = None
                 ) -> Iterator[UnitOfWork]:
    """Make a new unit current for the block. The caller commits it; if the block raises, or
    leaves without committing, it is rolled back."""
    work = UnitOfWork(engine, on_begin)
    token = _current.set(work)
    try:
        yield work
    finally:
        _current.reset(token)
        work.rollback()  # after a commit there is nothing left to roll back


def current(engine: Engine) -> UnitOfWork | None:
    """The current unit of work if it is on ``engine``."""
    work = _current.get()
    return work if work is not None and work.engine is engine else None


class ReadEngine:
    """The engine a store reads with. Inside a unit of work on ``writer`` that has begun,
    ``connect()`` lends the unit's connection (left open on exit), so reads see the unit's
    own writes; otherwise it is ``engine``'s. Everything else is ``engine``'s."""

    def __init__(self, engine: Engine, writer: Engine):
        self._engine = engine
        self._writer = writer

    def connect(self):
        work = current(self._writer)
        if work is not None and work.begun:
            return _Lent(work.connection())
        return self._engine.connect()

    def __getattr__(self, name):
        return getattr(self._engine, name)


class _Lent:
    """A unit's connection lent to a reader: ``with`` yields it and leaves it open."""

    def __init__(self, connection: Connection):
        self._connection = connection

    def __enter__(self) -> Connection:
        return self._connection

    def __exit__(self, *exc) -> None:
        return None

    def close(self) -> None:
        return None

    def __getattr__(self, name):
        return getattr(self._connection, name)

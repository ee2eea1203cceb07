"""Group commit: concurrent appends of one process share one transaction.

On PostgreSQL every append takes the store head's row lock and holds it through its commit,
so appends of one store go one commit at a time, whatever the number of writers. Appends
that arrive while a commit is in flight wait in a queue; when it ends, the first of them
leads: it takes the whole queue and writes it in one transaction (one take of the head
lock, one insert, one commit), then hands the lead to the first append that arrived
meanwhile. Each caller gets its own records or its own error: an append whose stream has
moved on or whose event id is taken is dropped from the group, never failing the others.

Works with OS threads, and with eventlet's green threads (the services monkey-patch
``threading``; a leader waiting on the database lets the other green threads queue up). In a
monkey-patched process only the green threads of the main OS thread are grouped: the
patched Lock and Event cannot wake a thread of another OS thread (eventlet's tpool, or real
threads a test starts), so appends from those are written alone, as before.
A caller returns only after the transaction holding its events has committed, so a
process killed at any moment loses no append it reported as done.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence

from kernel.events import Metadata, NewEvent, RecordedEvent

# Appends written in one transaction at most: bounds the statement and the lock's hold.
MAX_GROUP = 500


def serves_this_thread() -> bool:
    """Whether an append from here may join a group: always in a process of plain threads;
    in a monkey-patched one, from the main OS thread's green threads only. (Looked up, not
    imported: a process that never imported eventlet is not patched.)"""
    patcher = sys.modules.get("eventlet.patcher")
    if patcher is None or not patcher.is_monkey_patched("thread"):
        return True
    os_threading = patcher.original("threading")
    return os_threading.get_ident() == os_threading.main_thread().ident


class PendingAppend:
    """One caller's append, waiting for a leader to write it (or to be told to lead)."""

    __slots__ = ("stream", "expected_version", "new_events", "metadata",
                 "records", "error", "finished", "leads", "_wake")

    def __init__(self, stream: str, expected_version: int | None,
                 new_events: Sequence[NewEvent], metadata: Metadata):
        self.stream = stream
        self.expected_version = expected_version
        self.new_events = new_events
        self.metadata = metadata
        self.records: list[RecordedEvent] | None = None
        self.error: BaseException | None = None
        self.finished = False
        self.leads = False
        self._wake = threading.Event()

    def succeed(self, records: list[RecordedEvent]) -> None:
        self.records, self.finished = records, True

    def fail(self, error: BaseException) -> None:
        self.error, self.finished = error, True

    def outcome(self) -> list[RecordedEvent]:
        if self.error is not None:
            raise self.error
        return self.records


class GroupCommit:
    """``write(group)`` writes a group of appends in one transaction and finishes each of them
    (``succeed`` or ``fail``); any append it leaves unfinished fails with what it raised."""

    def __init__(self, write: Callable[[list[PendingAppend]], None], max_group: int = MAX_GROUP):
        self._write = write
        self._max_group = max_group
        self._lock = threading.Lock()
        self._queue: list[PendingAppend] = []
        self._leading = False

    def append(self, stream: str, expected_version: int | None,
               new_events: Sequence[NewEvent], metadata: Metadata) -> list[RecordedEvent]:
        mine = PendingAppend(stream, expected_version, new_events, metadata)
        with self._lock:
            self._queue.append(mine)
            if not self._leading:
                self._leading = mine.leads = True
        if not mine.leads:
            mine._wake.wait()
        if not mine.finished:
            self._lead()  # handed the lead: ``mine`` is first in the queue
        return mine.outcome()

    def _lead(self) -> None:
        # The writers the last group answered are runnable but have not queued again: let
        # them, so that a steady set of writers fills each group instead of the groups
        # alternating between halves of them. Returns at once when no other thread waits.
        time.sleep(0)
        with self._lock:
            group, self._queue = self._queue[:self._max_group], self._queue[self._max_group:]
        try:
            self._write(group)
        except BaseException as exc:
            for pending in group:
                if not pending.finished:
                    pending.fail(exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            for pending in group:
                if not pending.finished:
                    pending.fail(RuntimeError("the group's writer left this append unwritten"))
            with self._lock:
                if self._queue:
                    self._queue[0].leads = True
                    self._queue[0]._wake.set()
                else:
                    self._leading = False
            for pending in group:
                pending._wake.set()

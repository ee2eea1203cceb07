"""Group commit: concurrent appends of one process share one transaction (PostgreSQL), each
caller getting its own records or its own error (kernel/group_commit.py)."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import text

from kernel.errors import ConcurrencyError, DuplicateEventError
from kernel.events import NewEvent
from kernel.group_commit import GroupCommit, PendingAppend
from kernel.store import ANY_VERSION, NO_STREAM
from tests.support.stores import meta, numbered, open_store


@pytest.fixture
def store(database_url):
    store = open_store(database_url)
    yield store
    store.dispose()


@pytest.fixture
def pg_store(postgres_url):
    store = open_store(postgres_url)
    yield store
    store.dispose()


def test_concurrent_appends_all_land_in_one_valid_chain(store):
    def writer(index):
        version = 0
        for count in [1, 2] * 10:
            store.append(f"writer-{index}", version, numbered(count), meta())
            version += count

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [e.position for e in store.read_all(limit=10_000)] == list(range(1, 8 * 30 + 1))
    for index in range(8):
        assert [e.version for e in store.read_stream(f"writer-{index}")] == list(range(1, 31))
    assert store.outbox_size() == 8 * 30
    assert store.verify_chain().ok


def test_postgres_appends_outside_a_transaction_are_grouped(pg_store):
    groups = []
    write = pg_store._group._write
    pg_store._group._write = lambda group: (groups.append(len(group)), write(group))
    barrier = threading.Barrier(8)

    def writer(index):
        barrier.wait()
        for version in range(10):
            pg_store.append(f"writer-{index}", version, numbered(1), meta())

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(groups) == 80 and max(groups) > 1
    assert pg_store.verify_chain().ok


def pending(stream, expected, new_events):
    return PendingAppend(stream, expected, new_events, meta())


def test_a_conflict_in_a_group_fails_only_its_own_append(pg_store):
    pg_store.append("a", NO_STREAM, numbered(2), meta())
    group = [pending("a", 1, numbered(1)),           # a is at 2: conflict
             pending("b", NO_STREAM, numbered(2)),
             pending("a", 2, numbered(1)),
             pending("b", 2, numbered(1)),            # after the group's own append to b
             pending("c", ANY_VERSION, numbered(1))]
    pg_store._write_group(group)
    with pytest.raises(ConcurrencyError):
        group[0].outcome()
    assert [(r.stream, r.version, r.position) for p in group[1:] for r in p.outcome()] == [
        ("b", 1, 3), ("b", 2, 4), ("a", 3, 5), ("b", 3, 6), ("c", 1, 7)]
    assert pg_store.head_position() == 7
    assert pg_store.verify_chain().ok


def test_a_duplicate_event_id_fails_only_its_caller(pg_store):
    stored = numbered(1)
    pg_store.append("a", NO_STREAM, stored, meta())
    shared = NewEvent("Counted", {"n": 9})
    group = [pending("b", NO_STREAM, [shared]),
             pending("c", NO_STREAM, [NewEvent("Counted", {"n": 9}, id=shared.id)]),
             pending("d", NO_STREAM, numbered(1)),
             pending("e", NO_STREAM, [NewEvent("Counted", {"n": 1}, id=stored[0].id)])]
    pg_store._write_group(group)
    for failed in (group[1], group[3]):
        with pytest.raises(DuplicateEventError):
            failed.outcome()
    assert [p.outcome()[0].stream for p in (group[0], group[2])] == ["b", "d"]
    assert [e.stream for e in pg_store.read_all()] == ["a", "b", "d"]
    assert pg_store.verify_chain().ok


def test_a_group_calls_the_append_hooks_once_in_its_transaction(pg_store):
    calls = []
    pg_store.append_hooks.append(lambda conn, records: calls.append([r.stream for r in records]))
    pg_store._write_group([pending("a", NO_STREAM, numbered(1)),
                           pending("b", NO_STREAM, numbered(2))])
    assert calls == [["a", "b", "b"]]


def test_a_failing_append_hook_writes_nothing_and_fails_its_callers(pg_store):
    def hook(conn, records):
        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == len(records)
        raise RuntimeError("read model refused")

    pg_store.append_hooks.append(hook)
    group = [pending("a", NO_STREAM, numbered(1)), pending("b", NO_STREAM, numbered(2))]
    pg_store._write_group(group)
    for failed in group:
        with pytest.raises(RuntimeError, match="read model refused"):
            failed.outcome()
    assert pg_store.head_position() == 0 and pg_store.outbox_size() == 0


def test_groups_in_one_statement_follow_another_writers_appends(pg_store, postgres_url):
    """Each group is chained to the head its process last wrote; another store on the same
    database moves the head and the streams meanwhile. The database refuses a group chained
    to an old head (it is chained again) or expecting an old version (ConcurrencyError),
    and the log stays one chain."""
    other = open_store(postgres_url)
    at_once = []
    write = pg_store._write_group_at_once
    pg_store._write_group_at_once = lambda group: at_once.append(write(group)) or at_once[-1]
    try:
        for version in range(3):
            pg_store.append("mine", version, numbered(1), meta())
            other.append("theirs", 2 * version, numbered(2), meta())
        other.append("mine", 3, numbered(1), meta())
        with pytest.raises(ConcurrencyError):
            pg_store.append("mine", 3, numbered(1), meta())
        pg_store.append("mine", 4, numbered(1), meta())
    finally:
        other.dispose()
    assert at_once == [True, True, True, False, True]
    assert [e.stream for e in pg_store.read_all()] == (
        ["mine", "theirs", "theirs"] * 3 + ["mine", "mine"])
    assert pg_store.outbox_size() == 11 and pg_store.head_position() == 11
    assert pg_store.verify_chain().ok


def test_the_lead_passes_to_an_append_that_waited():
    """Unit test of the queue: appends arriving while a group is written go in the next one,
    led by one of them; every caller gets its own answer."""
    started, release, groups = threading.Event(), threading.Event(), []

    def write(group):
        groups.append([p.stream for p in group])
        if len(groups) == 1:
            started.set()
            release.wait(5)
        for p in group:
            if p.stream == "bad":
                p.fail(ConcurrencyError.for_stream("bad", 1, 0))
            else:
                p.succeed([p.stream])

    commit = GroupCommit(write)
    answers = {}

    def call(stream):
        try:
            answers[stream] = commit.append(stream, None, (), meta())
        except ConcurrencyError as exc:
            answers[stream] = exc

    first = threading.Thread(target=call, args=("first",))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=call, args=(s,)) for s in ("x", "bad", "y")]
    for thread in others:
        thread.start()
    while len(commit._queue) < 3:
        time.sleep(0.001)
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert groups[0] == ["first"] and sorted(groups[1]) == ["bad", "x", "y"]
    assert answers["first"] == ["first"] and answers["x"] == ["x"] and answers["y"] == ["y"]
    assert isinstance(answers["bad"], ConcurrencyError)
    assert not commit._leading


WRITER = """
import sys, threading
from tests.support.stores import open_store, meta, numbered
store = open_store(sys.argv[1])
lock = threading.Lock()
def write(index):
    for version in range(10_000):
        [record] = store.append(f"w{index}", version, numbered(1), meta())
        with lock:
            print(record.id, flush=True)
for index in range(8):
    threading.Thread(target=write, args=(index,), daemon=True).start()
threading.Event().wait()
"""


def test_a_killed_process_loses_no_append_it_reported(store, database_url):
    writer = subprocess.Popen([sys.executable, "-c", WRITER, database_url],
                              stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, PYTHONPATH=os.getcwd()))
    reported = []
    try:
        while len(reported) < 300:
            line = writer.stdout.readline()
            assert line, "the writer stopped"
            reported.append(line.strip())
    finally:
        writer.send_signal(signal.SIGKILL)
        reported += [line.strip() for line in writer.stdout.read().splitlines()]
        writer.wait()
    stored = {e.id for e in store.read_all(limit=100_000)}
    assert set(reported) <= stored
    assert store.head_position() == len(stored)
    assert store.verify_chain().ok

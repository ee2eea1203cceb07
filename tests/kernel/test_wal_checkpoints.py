"""SQLite's write-ahead log is copied back into the database file by a checkpointer of its
own (kernel/db.py), which a service runs in the background, instead of by whichever commit
crosses the WAL's size limit (a pause every request waiting on that commit shared)."""

import shutil
import sqlite3

import eventlet
import pytest
from nameko.containers import ServiceContainer
from nameko.rpc import rpc

from kernel.db import WalCheckpointer
from kernel.nameko import EventStoreProvider
from kernel.store import NO_STREAM
from tests.support.stores import meta, numbered, open_store


def events_in_file_alone(path, tmp_path) -> int:
    """What the database file holds without its WAL: what a crash of the machine (not of
    the process) could not take back."""
    copy = tmp_path / "file-alone.sqlite"
    shutil.copyfile(path, copy)
    connection = sqlite3.connect(copy)
    try:
        return connection.execute("SELECT count(*) FROM events").fetchone()[0]
    except sqlite3.OperationalError:  # not even the tables are in the file yet
        return 0
    finally:
        connection.close()
        copy.unlink()


def test_a_checkpoint_copies_committed_events_into_the_database_file(tmp_path):
    path = tmp_path / "store.sqlite"
    store = open_store(f"sqlite:///{path}")
    checkpointer = WalCheckpointer.for_engine(store.engine)
    try:
        store.append("a", NO_STREAM, numbered(5), meta())
        assert events_in_file_alone(path, tmp_path) == 0  # still only in the WAL
        in_wal, copied = checkpointer.checkpoint()
        assert in_wal > 0 and copied == in_wal
        assert events_in_file_alone(path, tmp_path) == 5
        store.append("b", NO_STREAM, numbered(2), meta())  # the writer goes on as before
        checkpointer.checkpoint()
        assert events_in_file_alone(path, tmp_path) == 7
    finally:
        checkpointer.close()
        store.dispose()


def test_only_sqlite_files_have_a_checkpointer(database_url):
    store = open_store(database_url)
    try:
        found = WalCheckpointer.for_engine(store.engine)
        assert (found is not None) == database_url.startswith("sqlite")
    finally:
        store.dispose()
    memory = open_store("sqlite:///:memory:")
    try:
        assert WalCheckpointer.for_engine(memory.engine) is None
    finally:
        memory.dispose()


class CheckpointedService:
    name = "checkpointed"
    store = EventStoreProvider()

    @rpc
    def noop(self):
        return None


def test_a_service_checkpoints_its_sqlite_store_in_the_background(amqp_uri, tmp_path):
    path = tmp_path / "checkpointed.sqlite"
    container = ServiceContainer(CheckpointedService, {
        "AMQP_URI": amqp_uri, "DATABASES": {"checkpointed": f"sqlite:///{path}"},
        "SQLITE_CHECKPOINT_MS": 50})
    container.start()
    try:
        [provider] = [d for d in container.dependencies if isinstance(d, EventStoreProvider)]
        provider.store.append("a", NO_STREAM, numbered(3), meta())
        deadline = eventlet.hubs.get_hub().clock() + 10
        while events_in_file_alone(path, tmp_path) != 3:
            assert eventlet.hubs.get_hub().clock() < deadline, "no checkpoint within 10 s"
            eventlet.sleep(0.05)
    finally:
        container.stop()


def test_a_checkpointer_never_creates_a_database(tmp_path):
    checkpointer = WalCheckpointer(str(tmp_path / "gone.sqlite"))
    with pytest.raises(sqlite3.OperationalError):
        checkpointer.checkpoint()
    assert not (tmp_path / "gone.sqlite").exists()

"""The store as a service's workers see it: every way of committing events wakes the relay,
so events leave the outbox at once instead of at the relay's next idle poll."""

from kernel.nameko import ServiceStore
from kernel.relay import OutboxRelay
from kernel.store import NO_STREAM
from tests.support.stores import meta, numbered, open_store


def test_each_way_of_committing_events_wakes_the_relay(sqlite_url):
    store = open_store(sqlite_url)
    relay = OutboxRelay(store, "amqp://unused")
    handle = ServiceStore(store, relay)
    try:
        commits = {
            "append": lambda: handle.append("a", NO_STREAM, numbered(1), meta()),
            "append_many": lambda: handle.append_many([("b", NO_STREAM, numbered(1), meta()),
                                                       ("c", NO_STREAM, numbered(1), meta())]),
            "transaction": lambda: _in_transaction(handle),
        }
        for name, commit in commits.items():
            relay.wake.clear()
            commit()
            assert relay.wake.is_set(), name
        assert store.outbox_size() == 4
    finally:
        store.dispose()


def _in_transaction(handle):
    with handle.transaction() as conn:
        handle.store.append("d", NO_STREAM, numbered(1), meta(), conn=conn)

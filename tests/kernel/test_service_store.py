"""The store as a service's workers see it: every way of committing events to publish wakes
the relay, so they leave the outbox at once instead of at the relay's next idle poll; a
commit that left the relay or a log follower nothing to do does not wake it, because each
wake-up costs a pass with its queries (once per group of survey responses)."""

import threading
from types import SimpleNamespace

from kernel.follower import LogFollower
from kernel.nameko import ServiceStore
from kernel.relay import OutboxRelay
from kernel.store import NO_STREAM
from tests.support import tally
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


def test_a_commit_of_private_events_only_leaves_the_relay_asleep(sqlite_url):
    store = open_store(sqlite_url)
    store.declare_private_types(["Private"])
    relay = OutboxRelay(store, "amqp://unused")
    handle = ServiceStore(store, relay)
    try:
        handle.append("a", NO_STREAM, numbered(2, type_="Private"), meta())
        handle.append_many([("b", NO_STREAM, numbered(1, type_="Private"), meta())])
        assert not relay.wake.is_set() and store.outbox_size() == 0
        handle.append_many([("c", NO_STREAM, numbered(1, type_="Private"), meta()),
                            ("d", NO_STREAM, numbered(1), meta())])
        assert relay.wake.is_set() and store.outbox_size() == 1
    finally:
        store.dispose()


def test_a_follower_is_woken_only_for_events_its_keep_up_did_not_apply(sqlite_url):
    store = open_store(sqlite_url)
    processor = LogFollower(store, tally.TallyProjection(
        fail_on=lambda e: e.stream == "poison"))
    processor.prepare()
    store.append_hooks.append(processor.keep_up)
    follower = SimpleNamespace(processor=processor, wake=threading.Event())
    handle = ServiceStore(store, OutboxRelay(store, "amqp://unused"), [follower])
    try:
        handle.append("a", NO_STREAM, numbered(1), meta())
        handle.append_many([("b", NO_STREAM, numbered(1), meta())])
        assert not follower.wake.is_set()  # applied with the appends: nothing to read
        handle.append("poison", NO_STREAM, numbered(1), meta())
        assert follower.wake.is_set()  # the projection failed: the follower's pass retries
        follower.wake.clear()
        handle.append("c", NO_STREAM, numbered(1), meta())
        assert follower.wake.is_set()  # behind the poison: not applied with the append
        follower.wake.clear()
        _in_transaction(handle)
        assert follower.wake.is_set()  # a transaction's appends are not known: wake
        assert tally.rows(store.engine) == [("a", 1), ("b", 1)]
    finally:
        store.dispose()

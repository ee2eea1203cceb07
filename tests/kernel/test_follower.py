"""A projection that follows its own store's log: exactly once, in log order, atomic with
its effects, rebuildable, and stopped (not skipping) at an event it cannot apply.
Runs on every supported database, with both kinds of projection."""

import threading

import eventlet
import pytest

from kernel.follower import LogFollower
from kernel.store import NO_STREAM
from tests.support import tally
from tests.support.stores import meta, numbered, open_store


@pytest.fixture
def store(database_url):
    store = open_store(database_url)
    yield store
    store.dispose()


@pytest.fixture(params=[tally.TallyProjection, tally.BulkTallyProjection],
                ids=["apply", "apply_many"])
def follower_for(request):
    def make(store, fail_on=None, page=1000):
        follower = LogFollower(store, request.param(fail_on=fail_on), page=page)
        follower.prepare()
        return follower
    return make


def test_given_a_log_when_followed_twice_then_each_event_is_applied_once_in_order(store, follower_for):
    store.append("a", NO_STREAM, numbered(3), meta())
    store.append("b", NO_STREAM, numbered(2), meta())
    follower = follower_for(store, page=2)
    assert follower.follow() == 5
    assert follower.follow() == 0
    store.append("a", 3, numbered(1, start=4), meta())
    assert follower.follow() == 1
    assert tally.rows(store.engine) == [("a", 1), ("a", 2), ("a", 3), ("b", 1), ("b", 2), ("a", 4)]


def test_given_other_event_types_then_they_are_passed_over(store, follower_for):
    store.append("a", NO_STREAM, numbered(1), meta())
    store.append("a", 1, numbered(1, type_="Ignored"), meta())
    store.append("a", 2, numbered(1), meta())
    assert follower_for(store).follow() == 2
    assert tally.rows(store.engine) == [("a", 1), ("a", 3)]


def test_given_a_failing_event_then_it_stops_there_and_goes_on_once_fixed(store, follower_for):
    store.append("a", NO_STREAM, numbered(2), meta())
    store.append("poison", NO_STREAM, numbered(1), meta())
    store.append("b", NO_STREAM, numbered(2), meta())
    broken = {"on": True}
    follower = follower_for(store, fail_on=lambda e: broken["on"] and e.stream == "poison",
                            page=2)
    with pytest.raises(ValueError):
        follower.follow()
    # The page before the poison committed; the poison's page rolled back; nothing after
    # it was applied: a count never skips a response.
    assert tally.rows(store.engine) == [("a", 1), ("a", 2)]
    broken["on"] = False
    assert follower.follow() == 3
    assert tally.rows(store.engine)[2:] == [("poison", 1), ("b", 1), ("b", 2)]


def test_given_a_new_follower_of_the_same_projection_then_it_goes_on_where_the_last_stopped(store, follower_for):
    store.append("a", NO_STREAM, numbered(4), meta())
    assert follower_for(store).follow() == 4
    store.append("a", 4, numbered(2, start=5), meta())
    assert follower_for(store).follow() == 2  # a restart, or a second replica
    assert tally.duplicates(store.engine) == []


def test_given_a_read_model_a_subscription_filled_when_a_follower_takes_it_over_then_each_event_is_applied_once(store, follower_for):
    # what a broker subscription applied before the projection moved to its own log
    store.append("a", NO_STREAM, numbered(3), meta())
    projection = tally.TallyProjection()
    projection.migrate(store.engine)
    with store.transaction() as conn:
        for event in store.read_stream("a"):
            projection.apply(conn, event)
    follower = follower_for(store)
    assert follower.follow() == 3
    assert tally.rows(store.engine) == [("a", 1), ("a", 2), ("a", 3)]
    assert tally.duplicates(store.engine) == []
    # a restart keeps what the follower applied: only a new position empties the read model
    follower_for(store)
    assert tally.rows(store.engine) == [("a", 1), ("a", 2), ("a", 3)]


def test_rebuild_forgets_the_read_model_and_applies_the_whole_log(store, follower_for):
    for i in range(4):
        store.append(f"s{i}", NO_STREAM, numbered(25), meta())
    follower = follower_for(store, page=30)
    follower.follow()
    live = sorted(tally.rows(store.engine))
    assert follower.rebuild() == 100
    assert sorted(tally.rows(store.engine)) == live
    assert tally.duplicates(store.engine) == []


@pytest.mark.parametrize("appenders, keeping_up", [(1, False), (3, True)],
                         ids=["followers only", "appends keeping up"])
def test_followers_racing_while_events_are_appended_apply_each_event_once(database_url, appenders, keeping_up):
    # Two followers (two replicas, or the live follower and a reader catching up) in real
    # threads against appends from others: the position row is taken in turn, also by
    # appends that keep the read model up with their own events. Each thread has a store of
    # its own, as a replica has: the green locks of a store's connection pool (eventlet
    # patches threading) must not be shared between real threads, where a wake-up can fail
    # ("Cannot switch to a different thread") and leave a thread waiting for ever.
    stores = [open_store(database_url) for _ in range(2 + appenders)]
    try:
        followers = []
        for store in stores[:2]:
            follower = LogFollower(store, tally.BulkTallyProjection(), page=7)
            follower.prepare()
            followers.append(follower)
        if keeping_up:
            for store in stores[2:]:
                store.append_hooks.append(followers[0].keep_up)
        stop = threading.Event()
        failures = []

        def follow(follower):
            try:
                while not stop.is_set():
                    follower.follow()
            except Exception as exc:  # reported below: a thread's exception is otherwise only printed
                failures.append(exc)

        def append(thread):
            try:
                for i in range(60 // appenders):
                    stores[2 + thread].append(f"t{thread}-{i}", NO_STREAM, numbered(2), meta())
            except Exception as exc:
                failures.append(exc)

        pool = eventlet.patcher.original("threading")
        running = [pool.Thread(target=follow, args=(f,)) for f in followers]
        appending = [pool.Thread(target=append, args=(t,)) for t in range(appenders)]
        for thread in running + appending:
            thread.start()
        for thread in appending:
            thread.join(60)
        stop.set()
        for thread in running:
            thread.join(30)
        assert not any(thread.is_alive() for thread in running + appending)
        assert failures == []
        followers[1].follow()
        assert len(tally.rows(stores[0].engine)) == 120
        assert tally.duplicates(stores[0].engine) == []
        assert sum(f.applied for f in followers) == 120
    finally:
        for store in stores:
            store.dispose()


def test_run_is_woken_by_commits_and_reports_its_error(store, follower_for):
    store.append("poison", NO_STREAM, numbered(1), meta())
    broken = {"on": True}
    follower = follower_for(store, fail_on=lambda e: broken["on"] and e.stream == "poison")
    wake, stopped = threading.Event(), {"now": False}
    runner = eventlet.spawn(follower.run, lambda: stopped["now"], wake, 10.0, 0.001)
    try:
        assert _wait(lambda: follower.last_error is not None)
        assert "cannot apply poison v1" in follower.last_error
        broken["on"] = False
        assert _wait(lambda: follower.last_error is None and follower.applied == 1)
        store.append("a", NO_STREAM, numbered(1), meta())
        wake.set()  # what the service's store does after a commit; the poll is 10 s
        assert _wait(lambda: follower.applied == 2, timeout=5)
    finally:
        stopped["now"] = True
        wake.set()
        runner.wait()


def _position(store, follower):
    with store.engine.connect() as conn:
        return conn.execute(follower._position_query_unlocked).scalar_one()


def test_given_a_caught_up_follower_when_events_are_appended_then_they_are_applied_with_them(store, follower_for):
    follower = follower_for(store)
    store.append_hooks.append(follower.keep_up)
    assert follower.kept_up_with(store.append("a", NO_STREAM, numbered(2), meta()))
    written = store.append_many([("b", NO_STREAM, numbered(1), meta()),
                                 ("c", NO_STREAM, numbered(1, type_="Ignored")
                                  + numbered(1, start=2), meta())])
    assert follower.kept_up_with([r for records in written for r in records])
    # No pass of the follower's own: the appends applied them and moved its position.
    assert tally.rows(store.engine) == [("a", 1), ("a", 2), ("b", 1), ("c", 2)]
    assert _position(store, follower) == 5 and follower.follow() == 0


def test_given_an_append_rolled_back_then_what_it_applied_is_rolled_back_too(store, follower_for):
    follower = follower_for(store)
    store.append_hooks.append(follower.keep_up)
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.append("a", NO_STREAM, numbered(2), meta(), conn=conn)
        raise RuntimeError("the caller's transaction fails after the append")
    assert tally.rows(store.engine) == [] and _position(store, follower) == 0
    store.append("b", NO_STREAM, numbered(1), meta())
    assert tally.rows(store.engine) == [("b", 1)]


def test_given_a_follower_behind_then_appends_leave_the_events_to_it(store, follower_for):
    store.append("early", NO_STREAM, numbered(2), meta())  # before the hook: not applied
    follower = follower_for(store)
    store.append_hooks.append(follower.keep_up)
    assert not follower.kept_up_with(store.append("a", NO_STREAM, numbered(1), meta()))
    assert tally.rows(store.engine) == [] and _position(store, follower) == 0
    assert follower.follow() == 3
    assert tally.rows(store.engine) == [("early", 1), ("early", 2), ("a", 1)]
    store.append("b", NO_STREAM, numbered(1), meta())  # caught up again: applied at once
    assert tally.rows(store.engine)[-1] == ("b", 1) and _position(store, follower) == 4


def test_given_a_projection_failing_with_the_append_then_the_append_stands(store, follower_for):
    broken = {"on": True}
    follower = follower_for(store, fail_on=lambda e: broken["on"] and e.stream == "poison")
    store.append_hooks.append(follower.keep_up)
    store.append("a", NO_STREAM, numbered(1), meta())
    # a read-model fault refuses no append, and leaves the events to the follower's pass
    assert not follower.kept_up_with(store.append("poison", NO_STREAM, numbered(1), meta()))
    assert not follower.kept_up_with(store.append("b", NO_STREAM, numbered(1), meta()))
    assert store.head_position() == 3
    assert tally.rows(store.engine) == [("a", 1)] and _position(store, follower) == 1
    with pytest.raises(ValueError):  # the follower's own pass stops at it, as always
        follower.follow()
    broken["on"] = False
    assert follower.follow() == 2
    assert tally.rows(store.engine) == [("a", 1), ("poison", 1), ("b", 1)]


def _wait(predicate, timeout=20.0):
    deadline = eventlet.hubs.get_hub().clock() + timeout
    while eventlet.hubs.get_hub().clock() < deadline:
        if predicate():
            return True
        eventlet.sleep(0.02)
    return predicate()

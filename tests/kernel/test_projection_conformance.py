"""Consumers: idempotent, in stream order, atomic with their effects, rebuildable from zero,
and applying only what their source wrote. Runs on every supported database."""

import pytest
from sqlalchemy import select

from kernel.projection import ProjectionProcessor, StoreSource
from kernel.schema import events as events_table
from kernel.schema import stream_checkpoints
from kernel.store import NO_STREAM
from kernel.verification import UnverifiedEvent
from tests.kernel.test_store_conformance import bypass_append_only
from tests.support import tally
from tests.support.forgery import edited, rehashed
from tests.support.stores import meta, numbered, open_store


@pytest.fixture
def store(database_url):
    store = open_store(database_url)
    tally.create_tables(store.engine)
    yield store
    store.dispose()


@pytest.fixture(params=[tally.TallyProjection, tally.BulkTallyProjection],
                ids=["apply", "apply_many"])
def projection_kind(request):
    """Every test runs with a projection applying event by event and one applying a batch."""
    return request.param


@pytest.fixture
def processor_for(projection_kind):
    def make(store, fail_on=None):
        return ProjectionProcessor(store, projection_kind(fail_on=fail_on),
                                   {"test": StoreSource(store)})
    return make


def test_given_a_processed_batch_when_it_is_delivered_again_then_nothing_is_applied_twice(store, processor_for):
    store.append("a", NO_STREAM, numbered(3), meta())
    processor = processor_for(store)
    batch = store.read_all()
    assert processor.process(batch) == 3
    assert processor.process(batch) == 0
    assert processor.process(batch[1:2]) == 0
    assert tally.rows(store.engine) == [("a", 1), ("a", 2), ("a", 3)]


def test_given_a_gap_when_a_later_version_arrives_then_the_missing_ones_are_read_first(store, processor_for):
    store.append("a", NO_STREAM, numbered(4), meta())
    processor = processor_for(store)
    v1, v2, v3, v4 = store.read_all()
    processor.process([v1])
    processor.process([v4, v2])  # a retry overtook v2 and v3
    processor.process([v3])
    assert tally.rows(store.engine) == [("a", 1), ("a", 2), ("a", 3), ("a", 4)]


def test_given_a_failing_event_then_the_whole_batch_and_its_bookkeeping_roll_back(store, processor_for):
    store.append("a", NO_STREAM, numbered(3), meta())
    with pytest.raises(ValueError):
        processor_for(store, fail_on=lambda e: e.version == 3).process(store.read_all())
    assert tally.rows(store.engine) == []
    assert processor_for(store).process(store.read_all()) == 3  # nothing was marked processed


def test_given_other_event_types_then_they_advance_the_stream_without_being_applied(store, processor_for):
    store.append("a", NO_STREAM, numbered(1), meta())
    store.append("a", 1, numbered(1, type_="Ignored"), meta())
    store.append("a", 2, numbered(1), meta())
    processor = processor_for(store)
    v1, _, v3 = store.read_all()
    processor.process([v1])
    processor.process([v3])  # v2 is fetched, skipped as unhandled, and no gap remains
    assert tally.rows(store.engine) == [("a", 1), ("a", 3)]


def test_catch_up_reads_the_log_and_rebuild_starts_from_zero(store, processor_for):
    for i in range(5):
        store.append(f"s{i}", NO_STREAM, numbered(30), meta())
    processor = processor_for(store)
    assert processor.catch_up(StoreSource(store), page=7) == 150
    assert processor.catch_up(StoreSource(store), page=7) == 0
    store.append("late", NO_STREAM, numbered(2), meta())
    assert processor.catch_up(StoreSource(store)) == 2
    live = sorted(tally.rows(store.engine))
    assert processor.rebuild() == 152
    assert sorted(tally.rows(store.engine)) == live
    assert tally.duplicates(store.engine) == []


def test_given_a_batch_of_many_streams_then_each_keeps_its_own_checkpoint(store, processor_for):
    # One stream per event, as the survey's responses are: the bookkeeping is looked up for
    # the batch's streams only, however many checkpoints exist already.
    for i in range(300):
        store.append(f"r{i}", NO_STREAM, numbered(1), meta())
    processor = processor_for(store)
    first = store.read_all(limit=1000)
    assert processor.process(first[:250]) == 250
    for i in range(300):
        store.append(f"r{i}", 1, numbered(1, start=2), meta())
    everything = store.read_all(limit=1000)
    assert processor.process(everything) == 350
    assert processor.process(everything) == 0
    assert len(tally.rows(store.engine)) == 600 and tally.duplicates(store.engine) == []


# -- verification: the processor applies only what the source wrote ---------------------

def test_given_a_forged_event_in_a_batch_then_nothing_of_the_batch_is_applied(store, processor_for):
    store.append("a", NO_STREAM, numbered(3), meta())
    processor = processor_for(store)
    first, second, third = store.read_all()
    for forged in (edited(second, data={"n": 99}), rehashed(second, data={"n": 99})):
        with pytest.raises(UnverifiedEvent):
            processor.process([first, forged, third])
        assert tally.rows(store.engine) == [] and checkpoints(store) == []
    assert processor.process([first, second, third]) == 3  # the genuine ones still apply


def test_given_events_on_their_route_then_they_are_applied_with_one_re_read(store, processor_for):
    store.append("a", NO_STREAM, numbered(4), meta())
    processor = processor_for(store)
    batch = store.read_all()
    keys = [f"test.{e.type}" for e in batch]
    assert processor.process(batch[:2], keys[:2]) == 2
    assert processor.process(batch[2:], keys[2:]) == 2
    assert processor.process(batch, keys) == 0  # a redelivery: verified again, still skipped
    assert processor.verifier.reread == 1 + 4


def test_given_an_edited_event_in_the_log_then_catch_up_and_gap_fills_refuse_it(store, processor_for):
    store.append("a", NO_STREAM, numbered(3), meta())
    first, second, third = store.read_all()
    bypass_append_only(store)
    with store.engine.begin() as conn:
        conn.execute(events_table.update().where(events_table.c.position == 2)
                     .values(data={"n": 99}))
    with pytest.raises(UnverifiedEvent):
        processor_for(store).catch_up(StoreSource(store))
    processor = processor_for(store)
    processor.process([first])
    with pytest.raises(UnverifiedEvent):
        processor.process([third])  # v2 is read from the log to fill the gap
    assert tally.rows(store.engine) == [("a", 1)]


def checkpoints(store):
    with store.engine.connect() as conn:
        return conn.execute(select(stream_checkpoints)).all()

"""Consumers: idempotent, in stream order, atomic with their effects, rebuildable from zero.
Runs on every supported database."""

import pytest

from kernel.projection import ProjectionProcessor, StoreSource
from kernel.store import NO_STREAM
from tests.support import tally
from tests.support.stores import meta, numbered, open_store


@pytest.fixture
def store(database_url):
    store = open_store(database_url)
    tally.create_tables(store.engine)
    yield store
    store.dispose()


def processor_for(store, projection=None):
    return ProjectionProcessor(store, projection or tally.TallyProjection(),
                               {"test": StoreSource(store)})


def test_given_a_processed_batch_when_it_is_delivered_again_then_nothing_is_applied_twice(store):
    store.append("a", NO_STREAM, numbered(3), meta())
    processor = processor_for(store)
    batch = store.read_all()
    assert processor.process(batch) == 3
    assert processor.process(batch) == 0
    assert processor.process(batch[1:2]) == 0
    assert tally.rows(store.engine) == [("a", 1), ("a", 2), ("a", 3)]


def test_given_a_gap_when_a_later_version_arrives_then_the_missing_ones_are_read_first(store):
    store.append("a", NO_STREAM, numbered(4), meta())
    processor = processor_for(store)
    v1, v2, v3, v4 = store.read_all()
    processor.process([v1])
    processor.process([v4, v2])  # a retry overtook v2 and v3
    processor.process([v3])
    assert tally.rows(store.engine) == [("a", 1), ("a", 2), ("a", 3), ("a", 4)]


def test_given_a_failing_event_then_the_whole_batch_and_its_bookkeeping_roll_back(store):
    store.append("a", NO_STREAM, numbered(3), meta())
    failing = tally.TallyProjection(fail_on=lambda e: e.version == 3)
    with pytest.raises(ValueError):
        processor_for(store, failing).process(store.read_all())
    assert tally.rows(store.engine) == []
    assert processor_for(store).process(store.read_all()) == 3  # nothing was marked processed


def test_given_other_event_types_then_they_advance_the_stream_without_being_applied(store):
    store.append("a", NO_STREAM, numbered(1), meta())
    store.append("a", 1, numbered(1, type_="Ignored"), meta())
    store.append("a", 2, numbered(1), meta())
    processor = processor_for(store)
    v1, _, v3 = store.read_all()
    processor.process([v1])
    processor.process([v3])  # v2 is fetched, skipped as unhandled, and no gap remains
    assert tally.rows(store.engine) == [("a", 1), ("a", 3)]


def test_catch_up_reads_the_log_and_rebuild_starts_from_zero(store):
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

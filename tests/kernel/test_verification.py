"""The verifier: an event is applied only if its source wrote it, exactly like this.
Runs on every supported database (the source's log is a real store)."""

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from kernel.events import NewEvent, RecordedEvent
from kernel.projection import StoreSource
from kernel.store import NO_STREAM
from kernel.verification import (
    HASH_MISMATCH,
    NOT_IN_LOG,
    UNKNOWN_SOURCE,
    WRONG_ROUTE,
    EventVerifier,
    SourceUnavailable,
    UnverifiedEvent,
)
from tests.support.forgery import edited, invented, rehashed
from tests.support.stores import meta, numbered, open_store


@pytest.fixture
def store(database_url):
    store = open_store(database_url, source="ledger")
    yield store
    store.dispose()


class CountingSource(StoreSource):
    """The real store, counting the re-reads a verifier asks of it."""

    def __init__(self, store):
        super().__init__(store)
        self.calls = []

    def hashes_at(self, positions):
        self.calls.append(list(positions))
        return super().hashes_at(positions)


@pytest.fixture
def source(store):
    return CountingSource(store)


def routes(events):
    return [f"{e.source}.{e.type}" for e in events]


def refused(verifier, batch, routes=None) -> UnverifiedEvent:
    with pytest.raises(UnverifiedEvent) as caught:
        verifier.verify(batch, routes)
    return caught.value


def test_given_consecutive_events_on_their_route_when_verified_then_one_re_read_covers_the_batch(store, source):
    store.append("a", NO_STREAM, numbered(5), meta())
    verifier = EventVerifier({"ledger": source})
    batch = store.read_all()
    verifier.verify(batch, routes(batch))
    assert source.calls == [[1]]  # the first is confirmed; the rest link to it
    assert verifier.last["ledger"] == (5, batch[-1].hash)


def test_given_a_verified_event_when_the_next_arrives_on_its_route_then_no_re_read_is_needed(store, source):
    store.append("a", NO_STREAM, numbered(2), meta())
    verifier = EventVerifier({"ledger": source})
    first, second = store.read_all()
    verifier.verify([first], routes([first]))
    verifier.verify([second], routes([second]))
    assert source.calls == [[1]]


def test_given_events_that_came_another_way_then_each_is_re_read_in_one_call(store, source):
    store.append("a", NO_STREAM, numbered(3), meta())
    verifier = EventVerifier({"ledger": source})
    batch = store.read_all()
    verifier.verify(batch[:1], routes(batch[:1]))
    verifier.verify(batch[1:])  # a retry queue or a replay: no route, no link
    assert source.calls == [[1], [2, 3]]


def test_given_an_event_with_an_edited_body_and_its_original_hash_then_it_is_refused(store, source):
    store.append("stream-1", NO_STREAM, numbered(1), meta())
    [genuine] = store.read_all()
    forged = edited(genuine, data={"n": 1000})
    error = refused(EventVerifier({"ledger": source}), [forged], routes([forged]))
    assert error.reason == HASH_MISMATCH and error.details["event_id"] == genuine.id
    assert source.calls == []  # no call needed to see it


def test_given_a_rehashed_event_that_is_not_in_the_log_then_it_is_refused(store, source):
    store.append("stream-1", NO_STREAM, numbered(2), meta())
    first, second = store.read_all()
    forged = rehashed(second, data={"n": 1000})
    verifier = EventVerifier({"ledger": source})
    error = refused(verifier, [forged], routes([forged]))
    assert error.reason == NOT_IN_LOG and "another hash" in error.message
    assert verifier.last == {}  # nothing refused becomes an anchor


def test_given_an_invented_event_at_a_position_the_log_does_not_have_then_it_is_refused(store, source):
    store.append("stream-1", NO_STREAM, numbered(1), meta())
    forged = invented("ledger", 99, "stream-1", 2, "Counted", {"n": 2})
    error = refused(EventVerifier({"ledger": source}), [forged], routes([forged]))
    assert error.reason == NOT_IN_LOG and "no event" in error.message


def test_given_a_forgery_linked_to_a_genuine_event_of_the_batch_then_the_whole_batch_is_refused(store, source):
    store.append("stream-1", NO_STREAM, numbered(2), meta())
    first, second = store.read_all()
    forged = rehashed(second, data={"n": 1000})  # links to first, but not what the log holds
    verifier = EventVerifier({"ledger": source})
    verifier.verify([first])
    error = refused(verifier, [first, forged])  # no route: both are re-read
    assert error.reason == NOT_IN_LOG and error.details["position"] == 2


def test_given_an_event_under_another_sources_routing_key_then_it_is_refused(store, source):
    store.append("stream-1", NO_STREAM, numbered(1), meta())
    [genuine] = store.read_all()
    error = refused(EventVerifier({"ledger": source}), [genuine], ["survey.Counted"])
    assert error.reason == WRONG_ROUTE


def test_given_an_event_of_a_source_the_consumer_does_not_read_then_it_is_refused(store, source):
    store.append("stream-1", NO_STREAM, numbered(1), meta())
    [genuine] = store.read_all()
    stranger = rehashed(genuine, source="elsewhere")
    error = refused(EventVerifier({"ledger": source}), [stranger], ["elsewhere.Counted"])
    assert error.reason == UNKNOWN_SOURCE


def test_given_events_read_from_the_log_then_only_their_hashes_are_checked(store, source):
    store.append("stream-1", NO_STREAM, numbered(2), meta())
    first, second = store.read_all()
    verifier = EventVerifier({"ledger": source})
    verifier.verify_from_log(first, "ledger")
    with pytest.raises(UnverifiedEvent) as caught:
        verifier.verify_from_log(edited(second, data={"n": 7}), "ledger")
    assert caught.value.reason == HASH_MISMATCH
    assert source.calls == [] and verifier.last["ledger"] == (1, first.hash)


def test_given_the_stored_events_of_an_earlier_release_then_their_hashes_check():
    # The replay hashes decoded JSON as it is (kernel.verification.content_hash): the bytes
    # must be the ones chained when these were written.
    with open("tests/fixtures/stored_events_v1.json", encoding="utf-8") as handle:
        rows = json.load(handle)["events"]
    verifier = EventVerifier({"assessment": None})
    for row in rows:
        event = RecordedEvent(source="assessment", id=row.pop("event_id"), **row)
        verifier.verify_from_log(event, "assessment")
        with pytest.raises(UnverifiedEvent):
            verifier.verify_from_log(edited(event, data={**event.data, "score": "0"}), "assessment")


def test_given_an_event_whose_data_holds_decimals_and_dates_then_it_hashes_as_stored(store, source):
    store.append("stream-1", NO_STREAM, [NewEvent("Scored", {
        "total": Decimal("95.45"), "on": date(2025, 1, 2), "items": (1, "a")})], meta())
    [stored] = store.read_all()
    assert stored.data == {"total": "95.45", "on": "2025-01-02", "items": [1, "a"]}
    made_here = replace(stored, data={"total": Decimal("95.45"), "on": date(2025, 1, 2),
                                      "items": (1, "a")})
    verifier = EventVerifier({"ledger": source})
    verifier.verify_from_log(stored, "ledger")
    verifier.verify_from_log(made_here, "ledger")
    for forged in ({"total": Decimal("95.46"), "on": date(2025, 1, 2), "items": [1, "a"]},
                   {"total": "95.45", "on": "2025-01-02", "items": [1, "a"], "x": 1.5}):
        with pytest.raises((UnverifiedEvent, TypeError)):
            verifier.verify_from_log(replace(stored, data=forged), "ledger")


@pytest.mark.broker
def test_given_a_source_that_cannot_be_reached_then_the_failure_is_not_a_refusal(store, amqp_uri):
    from kernel.nameko import RpcSource

    store.append("stream-1", NO_STREAM, numbered(1), meta())
    [event] = store.read_all()
    stopped = RpcSource({"AMQP_URI": amqp_uri}, "ledger", timeout=1)  # no ledger is running: no answer
    with pytest.raises(SourceUnavailable, match="ledger log could not be read"):
        EventVerifier({"ledger": stopped}).verify([event])

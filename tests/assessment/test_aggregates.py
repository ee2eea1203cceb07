"""The folded assessments kept between commands (services/assessment/aggregates.py), on both
databases: a kept assessment is only a starting point, so what another replica wrote, an
append refused for it, and a transaction rolled back after the append are never missed."""

from datetime import date

import pytest

from kernel.errors import ConcurrencyError, ValidationFailed
from kernel.events import Actor, Metadata
from kernel.store import EventStore
from kernel.unit_of_work import unit_of_work
from rules.criteria import set_for_year
from services.assessment import commands, criteria_sets, views
from services.assessment.aggregates import AggregateCache
from services.assessment.catalogue import CriteriaSetCatalogue
from services.assessment.handlers import AssessmentHandlers
from services.assessment.workflow import CommuneAssessment, stream_name
from tests.support.assessment_figures import full_figures

COMMUNE, YEAR = "16426", 2022
STREAM = stream_name(COMMUNE, YEAR)


def meta():
    return Metadata(actor=Actor(subject="officer@test", role="commune_officer", jurisdiction={}))


def replica(url: str, today=None, cache: AggregateCache | None = None):
    """A replica of the service: a store (engine) of its own on the same database."""
    store = EventStore(url, "assessment")
    store.migrate()
    sets = criteria_sets.all_sets(store)
    handlers = AssessmentHandlers(
        store, catalogue_for=lambda i, v: CriteriaSetCatalogue(views.find_criteria_set(sets, i, v)),
        criteria_set_for_year=lambda year: set_for_year(year, sets).key, today=today,
        aggregates=cache)
    return store, handlers, set_for_year(YEAR, sets)


@pytest.fixture
def replicas(database_url):
    made = [replica(database_url) for _ in range(2)]
    yield made
    for store, _, _ in made:
        store.dispose()


def record(handlers, indicator, expected_version=None):
    return handlers.execute(COMMUNE, YEAR, commands.RecordFigures.from_arguments(
        {"indicator_id": indicator.id, "figures": full_figures(indicator)}), meta(),
        expected_version)


def folded(store) -> dict:
    return CommuneAssessment.from_events(store.read_stream(STREAM)).to_dict()


def test_two_replicas_writing_the_same_commune_in_turn_each_see_the_others_writes(replicas):
    (store_a, a, criteria_set), (store_b, b, _) = replicas
    assert a.aggregates is not b.aggregates  # one cache per process (engine)
    a.open(COMMUNE, YEAR, meta())
    indicators = criteria_set.indicators()
    for i, indicator in enumerate(indicators[:8]):
        writer, reader = (a, b) if i % 2 == 0 else (b, a)
        written = record(writer, indicator)
        seen = reader.get(COMMUNE, YEAR)
        assert seen.version == written.version == i + 2
        assert set(seen.to_dict()["figures"]) == {x.id for x in indicators[:i + 1]}
        assert seen.to_dict() == written.to_dict() == folded(store_a)
    # each replica folded the stream whole once (a also found it empty, opening it), then
    # only read what came after
    assert a.aggregates.misses == 2 and b.aggregates.misses == 1
    assert a.aggregates.hits == 7 and b.aggregates.hits == 7


def test_an_append_refused_for_another_replicas_write_drops_the_kept_assessment(replicas):
    (store_a, a, criteria_set), (_, b, _) = replicas
    first, second, third = criteria_set.indicators()[:3]
    a.open(COMMUNE, YEAR, meta())
    record(a, first)
    stale = a.get(COMMUNE, YEAR)  # a's command has read its assessment ...
    new_events = stale.record_figures(second.id, full_figures(second), a._catalogue(stale))
    record(b, third)  # ... when the other replica writes
    with pytest.raises(ConcurrencyError):
        a._append(stale, new_events, meta())
    assert len(a.aggregates) == 0
    # the retry reads what is stored and goes through; the stale version is refused outright
    again = record(a, second)
    assert again.version == 4 and set(again.to_dict()["figures"]) == {first.id, second.id, third.id}
    with pytest.raises(ConcurrencyError):
        record(b, criteria_set.indicators()[3], expected_version=3)
    assert b.get(COMMUNE, YEAR).to_dict() == again.to_dict() == folded(store_a)


def test_an_append_rolled_back_after_it_was_kept_is_not_taken_for_the_stream(replicas):
    (store_a, a, criteria_set), (_, b, _) = replicas
    first, second, third = criteria_set.indicators()[:3]
    a.open(COMMUNE, YEAR, meta())
    record(a, first)
    with pytest.raises(RuntimeError), unit_of_work(store_a.engine):
        assert record(a, second).version == 3  # appended in the unit, and kept ...
        raise RuntimeError("the command failed after its append")  # ... then rolled back
    assert a.get(COMMUNE, YEAR).to_dict() == folded(store_a)
    assert a.get(COMMUNE, YEAR).version == 2
    record(a, second)
    with pytest.raises(RuntimeError), unit_of_work(store_a.engine):
        record(a, third)
        raise RuntimeError("rolled back")
    record(b, criteria_set.indicators()[3])  # another event now holds version 4
    seen = a.get(COMMUNE, YEAR).to_dict()
    assert seen == folded(store_a) and third.id not in seen["figures"]


def test_a_kept_assessment_takes_the_day_of_each_command(database_url):
    days = [date(YEAR, 12, 10)]
    store, handlers, criteria_set = replica(database_url, today=lambda: days[0])
    try:
        handlers.open(COMMUNE, YEAR, meta())
        for indicator in criteria_set.indicators():
            record(handlers, indicator)
        handlers.execute(COMMUNE, YEAR, commands.DeclareConditions.from_arguments(
            {"declarations": {"no_head_disciplined": True}}), meta())
        submit = commands.SubmitSelfAssessment.from_arguments({"submitted_on": f"{YEAR}-12-11"})
        with pytest.raises(ValidationFailed):  # tomorrow's date, today
            handlers.execute(COMMUNE, YEAR, submit, meta())
        days[0] = date(YEAR, 12, 11)  # the next day, the same kept assessment
        hits = handlers.aggregates.hits
        assert handlers.execute(COMMUNE, YEAR, submit, meta()).state == "self_assessed"
        assert handlers.aggregates.hits == hits + 1
    finally:
        store.dispose()


def test_the_cache_keeps_at_most_its_size_the_least_recently_used_going_first(database_url):
    cache = AggregateCache(size=2)
    store, handlers, _ = replica(database_url, cache=cache)
    try:
        communes = ("16426", "16420", "16417")
        for commune in communes:
            handlers.open(commune, YEAR, meta())
            handlers.get(commune, YEAR)
        assert len(cache) == 2
        misses = cache.misses
        handlers.get(communes[0], YEAR)  # the first one went: folded again
        assert cache.misses == misses + 1
        handlers.get(communes[2], YEAR)
        assert cache.misses == misses + 1 and cache.hits >= 1
    finally:
        store.dispose()

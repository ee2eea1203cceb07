"""Given/When/Then for paused evaluation years: recorded for the country or a province with
their basis, lifted by a second event, and refusing to open an assessment of the year."""

import pytest

from kernel.errors import Conflict, NotFound, ValidationFailed, YearPaused
from kernel.events import Actor, Metadata, RecordedEvent
from kernel.store import EventStore
from rules import pauses
from rules.criteria import set_for_year
from services.assessment import criteria_sets, views
from services.assessment.catalogue import CriteriaSetCatalogue
from services.assessment.handlers import AssessmentHandlers
from services.assessment.workflow import CommuneAssessment

BASIS = "Công văn số 123/STP-PBGDPL ngày 15/10/2025 của Sở Tư pháp"


def recorded(events, year=2025):
    """The new events as the store would give them back."""
    return [RecordedEvent("assessment", n, f"e{n}", pauses.stream_name(year), n, e.type, 1,
                          e.data, {"recorded_at": "2025-10-16T09:00:00+07:00"}, "", "")
            for n, e in enumerate(events, start=1)]


def test_given_no_pause_when_the_country_is_paused_then_every_province_is():
    events = pauses.YearPauses(2025).record(None, BASIS, None, "2025-10-15")
    year = pauses.YearPauses.from_events(2025, recorded(events))
    pause = year.pause_for("38")
    assert pause["province_code"] is None and pause["decided_on"] == "2025-10-15"
    assert pauses.public(pause)["summary_vi"] == f"Năm 2025: tạm dừng đánh giá theo {BASIS}."
    assert pauses.public(pause)["scope_vi"] == "toàn quốc"


def test_given_a_provinces_pause_then_only_that_province_is_paused_and_the_board_names_it():
    events = pauses.YearPauses(2025).record("38", BASIS, "Tạm dừng để sắp xếp đơn vị", None)
    year = pauses.YearPauses.from_events(2025, recorded(events))
    assert year.pause_for("01") is None and year.pause_for(None) is None
    summary = pauses.public(year.pause_for("38"))["summary_vi"]
    assert summary.startswith("Năm 2025: tạm dừng đánh giá tại ") and "Thanh Hóa" in summary


def test_given_a_pause_when_recorded_again_then_it_is_refused_and_lifting_it_clears_it():
    year = pauses.YearPauses.from_events(2025, recorded(pauses.YearPauses(2025).record(None, BASIS, None, None)))
    with pytest.raises(Conflict) as again:
        year.record(None, BASIS, None, None)
    assert again.value.key == "pause.already_recorded"
    lifted = pauses.YearPauses.from_events(2025, recorded(
        pauses.YearPauses(2025).record(None, BASIS, None, None) + year.lift(None, "Ghi nhầm")))
    assert lifted.pause_for("38") is None
    with pytest.raises(NotFound):
        lifted.lift(None, "Ghi nhầm")


@pytest.mark.parametrize("province, basis, day, key", [
    (None, "  ", None, "pause.text_needed"), (None, BASIS, "15/10/2025", "pause.date_invalid"),
    (None, "x" * 2001, None, "pause.text_invalid"), ("99", BASIS, None, "place.province_not_found_in_year"),
])
def test_given_bad_input_when_recording_then_it_is_refused_with_its_code(province, basis, day, key):
    with pytest.raises((ValidationFailed, NotFound)) as refused:
        pauses.YearPauses(2025).record(province, basis, None, day)
    assert refused.value.key == key


def test_given_a_paused_year_when_the_workflow_opens_then_it_refuses_with_409_and_the_basis():
    pause = pauses.public({"year": 2025, "province_code": None, "legal_basis": BASIS,
                           "scope_vi": "toàn quốc"})
    with pytest.raises(YearPaused) as refused:
        CommuneAssessment.from_events([]).open("00004", "01", None, 2025, "27-2025", 2,
                                               "province", paused=pause)
    assert refused.value.http_status == 409 and refused.value.code == "year_paused"
    assert BASIS in refused.value.message and refused.value.details["pause"]["scope"] == "national"


@pytest.fixture
def store(database_url):
    store = EventStore(database_url, "assessment")
    store.migrate()
    yield store
    store.dispose()


def meta(role="administrator"):
    return Metadata(actor=Actor(subject="quantri@test", role=role, jurisdiction={}))


def test_given_2025_paused_in_the_store_when_a_commune_opens_then_nothing_is_written(store):
    sets = criteria_sets.all_sets(store)
    handlers = AssessmentHandlers(
        store, catalogue_for=lambda i, v: CriteriaSetCatalogue(views.find_criteria_set(sets, i, v)),
        criteria_set_for_year=lambda year: set_for_year(year, sets).key)
    handlers.record_pause(2025, None, BASIS, None, None, meta())
    with pytest.raises(YearPaused):
        handlers.open("00004", 2025, meta("commune_officer"))
    assert store.stream_version("assessment-00004-2025") == 0
    # 2026, the new regime's first year, opens under 27/2025 v2 with its calendar
    opened = handlers.open("00004", 2026, meta("commune_officer")).to_dict()
    assert (opened["criteria_set_id"], opened["criteria_set_version"]) == ("27-2025", 2)
    event = store.read_stream("assessment-00004-2026")[0]
    assert event.data["calendar"]["posting_minimum"] == 5
    assert "posting_minimum" in event.data["calendar"]["provisional"]
    # lifted: 2025 opens again
    handlers.lift_pause(2025, None, "Ghi nhầm", meta())
    assert handlers.open("00004", 2025, meta("commune_officer")).to_dict()["year"] == 2025

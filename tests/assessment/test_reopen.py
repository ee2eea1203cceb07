"""Given/When/Then for reopening a submitted self-assessment: only before its public posting
starts, with a reason; the figures stay, the commune corrects them and submits again."""

import dataclasses
import json
from datetime import date

import pytest

from kernel.errors import DateInFuture, DateOutOfOrder, IllegalTransition, ValidationFailed
from kernel.events import Actor, Metadata
from kernel.store import EventStore
from rules.assessment import names as n
from rules.assessment.state import AssessmentState, evolve
from rules.criteria import set_for_year
from services.assessment import commands, criteria_sets, views
from services.assessment.catalogue import CriteriaSetCatalogue
from services.assessment.handlers import AssessmentHandlers
from services.assessment.workflow import CommuneAssessment
from tests.assessment.test_step_dates import on, submitted_on_5_12
from tests.assessment.test_workflow import CAT, drafted, posted, posting, record, self_assessed
from tests.support.assessment_figures import full_figures

DAY = date(2022, 12, 8)


def reopen(history, reason="Sai số liệu chỉ tiêu C1-I2", day=DAY):
    return record(history, on(history, day).reopen_self_assessment(reason, day))


def test_given_a_submitted_self_assessment_when_reopened_with_a_reason_then_it_is_drafting_again():
    [event] = on(submitted_on_5_12(), DAY).reopen_self_assessment("  Sai số liệu  ", DAY)
    assert event.type == n.SELF_ASSESSMENT_REOPENED
    assert event.data == {"commune_code": "00004", "year": 2022, "reason": "Sai số liệu",
                          "reopened_on": "2022-12-08"}
    body = on(reopen(submitted_on_5_12()), DAY).to_dict()
    assert body["state"] == n.DRAFTING and body["self_assessment"] is None
    assert body["figures"]["C1-I2"] == {"done": 9, "rate": "90.00"}  # nothing is lost
    assert body["reopenings"] == [{"reason": "Sai số liệu chỉ tiêu C1-I2",
                                   "reopened_on": "2022-12-08", "submitted_on": "2022-12-05"}]


def test_given_a_reopened_self_assessment_then_it_is_corrected_and_submitted_again():
    history = reopen(submitted_on_5_12())
    history = record(history, on(history, DAY).record_figures("C1-I2", {"done": 7}, CAT))
    with pytest.raises(DateOutOfOrder):  # not before the reopening
        on(history, DAY).submit_self_assessment(CAT, date(2022, 12, 7))
    history = record(history, on(history, DAY).submit_self_assessment(CAT, DAY))
    body = on(history, DAY).to_dict()
    assert body["state"] == n.SELF_ASSESSED and body["figures"]["C1-I2"] == {"done": 7}
    assert body["self_assessment"]["submitted_on"] == "2022-12-08"
    # a second reopening keeps the first one's record
    history = reopen(history, "Thiếu tài liệu minh chứng", date(2022, 12, 9))
    assert [r["reason"] for r in on(history, DAY).to_dict()["reopenings"]] == [
        "Sai số liệu chỉ tiêu C1-I2", "Thiếu tài liệu minh chứng"]


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_given_a_submitted_self_assessment_when_reopened_without_a_reason_then_it_is_refused(reason):
    assessment = on(submitted_on_5_12(), DAY)
    before = assessment.to_dict()
    with pytest.raises(ValidationFailed) as raised:
        assessment.reopen_self_assessment(reason, DAY)
    assert raised.value.details["field"] == "reason"
    assert raised.value.message == "Cần nêu lý do mở lại bản tự đánh giá."
    assert assessment.to_dict() == before


@pytest.mark.parametrize("stage", [posting, posted])
def test_given_a_posting_started_when_reopened_then_it_is_refused_naming_the_posting(stage):
    with pytest.raises(IllegalTransition) as raised:
        on(stage(), date(2023, 1, 5)).reopen_self_assessment("Sửa", date(2023, 1, 5))
    assert raised.value.http_status == 409
    assert "niêm yết công khai từ ngày 20/12/2022" in raised.value.message
    assert raised.value.details["posting_start"] == "2022-12-20"
    assert raised.value.details["command"] == "reopen_self_assessment"


def test_given_drafting_when_reopened_then_there_is_nothing_to_reopen():
    with pytest.raises(IllegalTransition) as raised:
        on(drafted(), DAY).reopen_self_assessment("Sửa", DAY)
    assert raised.value.details["state"] == n.DRAFTING
    assert "chưa được gửi" in raised.value.message


def test_given_a_reopening_when_dated_before_the_submission_or_after_today_then_it_is_refused():
    with pytest.raises(DateOutOfOrder):
        on(submitted_on_5_12(), DAY).reopen_self_assessment("Sửa", date(2022, 12, 4))
    with pytest.raises(DateInFuture):
        on(submitted_on_5_12(), DAY).reopen_self_assessment("Sửa", date(2022, 12, 9))
    # an undated submission constrains nothing before it
    assert on(self_assessed(), DAY).reopen_self_assessment("Sửa", date(2022, 1, 3))


def test_rebuilding_a_reopened_assessment_from_its_events_gives_the_same_state():
    history = reopen(submitted_on_5_12())
    reached = CommuneAssessment.from_events([], today=DAY)
    for event in history:
        reached = reached.apply([event])
    assert reached.to_dict() == on(history, DAY).to_dict()


@pytest.fixture
def store(database_url):
    store = EventStore(database_url, "assessment")
    store.migrate()
    yield store
    store.dispose()


def test_the_handlers_reopen_with_json_arguments_and_the_view_shows_it(store):
    sets = criteria_sets.all_sets(store)
    handlers = AssessmentHandlers(
        store, catalogue_for=lambda i, v: CriteriaSetCatalogue(views.find_criteria_set(sets, i, v)),
        criteria_set_for_year=lambda year: set_for_year(year, sets).key,
        today=lambda: date(2022, 12, 10))
    meta = Metadata(actor=Actor(subject="officer@test", role="commune_officer", jurisdiction={}))
    handlers.open("16426", 2022, meta)
    for indicator in set_for_year(2022, sets).indicators():
        handlers.execute("16426", 2022,
                         commands.RecordFigures(indicator.id, full_figures(indicator)), meta)
    handlers.execute("16426", 2022, commands.SubmitSelfAssessment(date(2022, 12, 9)), meta)
    body = views.assessment(handlers.get("16426", 2022), sets)
    assert [s["command"] for s in body["next_steps"]] == ["start_posting", "reopen_self_assessment"]
    handlers.execute("16426", 2022, commands.ReopenSelfAssessment(
        "Sửa số liệu", date(2022, 12, 10)), meta)
    body = views.assessment(handlers.get("16426", 2022), sets)
    assert body["state"] == "drafting" and body["reopenings"][0]["reopened_on"] == "2022-12-10"
    assert body["next_steps"][-1]["command"] == "submit_self_assessment"
    assert body["next_steps"][-1]["earliest"] == "2022-12-10"


def test_a_read_models_state_stored_before_submissions_had_a_date_takes_a_reopening():
    # The roll-up and the publication service keep the state as JSON and evolve it with new
    # events: one stored by the code before this change has no submitted_on.
    stored = dataclasses.asdict(on(self_assessed(), DAY)._s)
    del stored["self_assessment"]["submitted_on"], stored["reopenings"], stored["last_step"]
    state = AssessmentState(**json.loads(json.dumps(stored)))
    evolve(state, n.SELF_ASSESSMENT_REOPENED, {"commune_code": "00004", "year": 2022,
                                               "reason": "Sửa", "reopened_on": "2022-12-08"})
    assert state.state == n.DRAFTING
    assert state.reopenings == [{"reason": "Sửa", "reopened_on": "2022-12-08", "submitted_on": None}]

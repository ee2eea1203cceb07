"""Given/When/Then for the dates of the workflow's steps: none after today in Vietnam (the
aggregate's clock, given here by the test), none before the step it follows; each refusal has
a stable code and a Vietnamese message naming both dates as Vietnamese writes them."""

from datetime import UTC, date, datetime, timedelta

import pytest

from kernel.errors import DateInFuture, DateOutOfOrder, IllegalTransition
from kernel.events import Actor, Metadata
from kernel.store import EventStore
from rules.criteria import set_for_year
from services.assessment import commands, criteria_sets, views
from services.assessment.catalogue import CriteriaSetCatalogue
from services.assessment.handlers import AssessmentHandlers
from services.assessment.workflow import CommuneAssessment
from services.assessment.workflow.dates import STEP_DATES, vi
from tests.assessment.test_workflow import (
    CAT,
    appraisal_ready,
    appraised,
    checked,
    dossier_submitted,
    drafted,
    posted,
    posting,
    recognised,
    record,
    self_assessed,
    supplement_requested,
    under_appraisal,
)
from tests.support.assessment_figures import full_figures


def on(history, today):
    """The assessment as it stands on ``today`` (the test's clock)."""
    return CommuneAssessment.from_events(history, today=today)


def submitted_on_5_12():
    return record(drafted(), on(drafted(), date(2022, 12, 5)).submit_self_assessment(
        CAT, date(2022, 12, 5)))


def reopened_on_6_12():
    """Submitted on 05/12, reopened on 06/12: the new submission follows the reopening."""
    history = submitted_on_5_12()
    return record(history, on(history, date(2022, 12, 6)).reopen_self_assessment(
        "Sửa số liệu chỉ tiêu C1-I2", date(2022, 12, 6)))


# command -> (the history it follows, the call with a date, the previous step's date, a day
# the step may take). The previous step is the latest dated one of the history.
DATED = {
    "submit_self_assessment": (reopened_on_6_12, lambda s, d: s.submit_self_assessment(CAT, d),
                               date(2022, 12, 6), date(2022, 12, 7)),
    "reopen_self_assessment": (submitted_on_5_12, lambda s, d: s.reopen_self_assessment("r", d),
                               date(2022, 12, 5), date(2022, 12, 6)),
    "start_posting": (submitted_on_5_12, lambda s, d: s.start_posting(d, "office"),
                      date(2022, 12, 5), date(2022, 12, 8)),
    "record_comment": (posting, lambda s, d: s.record_comment("c2", "Góp ý", d),
                       date(2022, 12, 21), date(2022, 12, 22)),
    "answer_comment": (posting, lambda s, d: s.answer_comment("c1", "Trả lời", d),
                       date(2022, 12, 21), date(2022, 12, 22)),
    "end_posting": (posting, lambda s, d: s.end_posting(d), date(2022, 12, 21),
                    date(2022, 12, 24)),
    "submit_dossier": (posted, lambda s, d: s.submit_dossier(d), date(2022, 12, 24),
                       date(2023, 1, 5)),
    "pass_check": (dossier_submitted, lambda s, d: s.pass_check(d), date(2023, 1, 5),
                   date(2023, 1, 6)),
    "request_supplement": (dossier_submitted, lambda s, d: s.request_supplement("Thiếu", d),
                           date(2023, 1, 5), date(2023, 1, 6)),
    "provide_supplement": (supplement_requested, lambda s, d: s.provide_supplement(d, "Đã gửi"),
                           date(2023, 1, 19), date(2023, 1, 27)),
    "start_appraisal": (checked, lambda s, d: s.start_appraisal(d, 5, "meeting"),
                        date(2023, 1, 9), date(2023, 1, 10)),
    "record_opinion": (under_appraisal, lambda s, d: s.record_opinion("B", "member", "ok",
                                                                      "meeting", d),
                       date(2023, 1, 30), date(2023, 1, 31)),
    "complete_appraisal": (appraisal_ready, lambda s, d: s.complete_appraisal(d, CAT),
                           date(2023, 1, 30), date(2023, 2, 1)),
    "decide": (appraised, lambda s, d: s.decide(True, "15/QĐ-UBND", d), date(2023, 2, 1),
               date(2023, 2, 6)),
    "revoke": (recognised, lambda s, d: s.revoke("Sai phạm", d), date(2023, 2, 6),
               date(2023, 6, 1)),
}


def refused(history, today, command, error):
    assessment = on(history, today)
    before = assessment.to_dict()
    with pytest.raises(error) as raised:
        command(assessment)
    assert assessment.to_dict() == before
    assert raised.value.http_status == 400
    return raised.value


def test_every_dated_command_is_covered():
    assert set(DATED) == set(STEP_DATES)


@pytest.mark.parametrize("command", sorted(DATED))
def test_given_a_step_when_dated_after_today_then_it_is_refused_naming_both_dates(command):
    history, call, _, day = DATED[command]
    tomorrow = day + timedelta(days=1)
    error = refused(history(), day, lambda s: call(s, tomorrow), DateInFuture)
    assert error.code == "date_in_future"
    assert vi(tomorrow) in error.message and vi(day) in error.message
    assert STEP_DATES[command][2].capitalize() in error.message and "giờ Việt Nam" in error.message
    _, field, _ = STEP_DATES[command]
    assert error.details["field"] == field
    assert (error.details["value"], error.details["today"]) == (tomorrow.isoformat(), day.isoformat())


@pytest.mark.parametrize("command", sorted(DATED))
def test_given_a_step_when_dated_before_the_previous_step_then_it_is_refused_naming_both(command):
    history, call, previous, day = DATED[command]
    earlier = previous - timedelta(days=1)
    error = refused(history(), day, lambda s: call(s, earlier), DateOutOfOrder)
    assert error.code == "date_before_previous_step"
    assert vi(earlier) in error.message and vi(previous) in error.message
    assert error.details["previous_step_on"] == previous.isoformat()
    assert STEP_DATES[error.details["previous_step"]][2] in error.message


@pytest.mark.parametrize("command", sorted(DATED))
def test_given_a_step_when_dated_today_then_it_is_recorded_with_that_day(command):
    history, call, _, day = DATED[command]
    [event] = call(on(history(), day), day)
    argument = STEP_DATES[command][0]
    stored = "ended_on" if argument == "today" else argument
    assert event.data[stored] == day.isoformat()


# A posting ends on its minimum end at the earliest, after the previous step (test_workflow).
@pytest.mark.parametrize("command", sorted(set(DATED) - {"end_posting"}))
def test_given_a_step_when_dated_on_the_previous_steps_day_then_it_is_recorded(command):
    history, call, previous, day = DATED[command]
    assert call(on(history(), day), previous)


def test_given_an_evening_in_utc_that_is_tomorrow_in_vietnam_then_it_is_in_the_future():
    evening = datetime(2023, 1, 9, 18, 30, tzinfo=UTC)  # 01:30 on 10/01 in Hà Nội
    error = refused(posted(), date(2023, 1, 9), lambda s: s.submit_dossier(evening), DateInFuture)
    assert error.details["value"] == "2023-01-10"
    assert "10/01/2023" in error.message and "09/01/2023" in error.message


def test_given_no_clock_then_todays_date_in_vietnam_is_the_limit(monkeypatch):
    from kernel import clock

    monkeypatch.setattr(clock, "today", lambda: date(2022, 12, 22))
    assessment = CommuneAssessment.from_events(posting())
    assert assessment.today == date(2022, 12, 22)
    with pytest.raises(DateInFuture):
        assessment.record_comment("c2", "x", date(2022, 12, 23))


# --- the steps that may be left undated ---------------------------------------------------

def test_given_a_self_assessment_submitted_without_a_date_then_nothing_constrains_the_posting():
    [event] = on(drafted(), date(2022, 12, 20)).submit_self_assessment(CAT)
    assert event.data["submitted_on"] is None
    history = self_assessed()
    assert on(history, date(2022, 12, 20)).to_dict()["self_assessment"]["submitted_on"] is None
    assert on(history, date(2022, 12, 20)).start_posting(date(2017, 1, 2), "office")


def test_given_a_dated_self_assessment_when_the_posting_starts_before_it_then_it_is_refused():
    error = refused(submitted_on_5_12(), date(2022, 12, 20),
                    lambda s: s.start_posting(date(2022, 12, 4), "portal"), DateOutOfOrder)
    assert "ngày hoàn thành tự đánh giá (05/12/2022)" in error.message
    assert "Ngày bắt đầu niêm yết (04/12/2022)" in error.message


def test_given_dated_opinions_then_the_appraisal_completes_on_or_after_the_last_of_them():
    history = under_appraisal()
    for i in range(4):
        history = record(history, on(history, date(2023, 2, 3)).record_opinion(
            f"Member {i}", "member", "Agree", "meeting", date(2023, 2, 1 + (i > 1))))
    for indicator, points in (("C1-I1", "3"), ("C1-I2", "6.30")):
        history = record(history, on(history, date(2023, 2, 3)).appraise_indicator(
            indicator, points, "ok", CAT))
    error = refused(history, date(2023, 2, 3), lambda s: s.complete_appraisal(date(2023, 2, 1), CAT),
                    DateOutOfOrder)
    assert error.details["previous_step"] == "record_opinion"
    assert "ngày thành viên Hội đồng cho ý kiến (02/02/2023)" in error.message
    [event] = on(history, date(2023, 2, 3)).complete_appraisal(date(2023, 2, 2), CAT)
    assert event.data["completed_on"] == "2023-02-02"
    opinions = on(history, date(2023, 2, 3)).to_dict()["appraisal"]["opinions"]
    assert [o["given_on"] for o in opinions] == ["2023-02-01"] * 2 + ["2023-02-02"] * 2


def test_given_an_opinion_without_a_date_then_it_is_recorded_undated():
    [event] = on(under_appraisal(), date(2023, 2, 3)).record_opinion("C", "member", "ok", "writing")
    assert event.data["given_on"] is None


def test_given_a_posting_when_ended_early_the_order_is_checked_before_the_minimum():
    error = refused(posting(), date(2022, 12, 30), lambda s: s.end_posting(date(2022, 12, 20)),
                    DateOutOfOrder)
    assert error.details["field"] == "ended_on"
    with pytest.raises(IllegalTransition):  # in order, but before the minimum end
        on(posting(), date(2022, 12, 30)).end_posting(date(2022, 12, 23))


# --- the handlers: the service's clock, and nothing written --------------------------------

@pytest.fixture
def store(database_url):
    store = EventStore(database_url, "assessment")
    store.migrate()
    yield store
    store.dispose()


def test_given_the_services_clock_when_a_step_is_dated_tomorrow_then_the_stream_does_not_move(store):
    sets = criteria_sets.all_sets(store)
    handlers = AssessmentHandlers(
        store, catalogue_for=lambda i, v: CriteriaSetCatalogue(views.find_criteria_set(sets, i, v)),
        criteria_set_for_year=lambda year: set_for_year(year, sets).key,
        today=lambda: date(2022, 12, 15))
    meta = Metadata(actor=Actor(subject="officer@test", role="commune_officer", jurisdiction={}))
    handlers.open("16426", 2022, meta)
    for indicator in set_for_year(2022, sets).indicators():
        handlers.execute("16426", 2022,
                         commands.RecordFigures(indicator.id, full_figures(indicator)), meta)
    stream = "assessment-16426-2022"
    before = store.stream_version(stream)
    with pytest.raises(DateInFuture) as raised:
        handlers.execute("16426", 2022, commands.SubmitSelfAssessment(date(2022, 12, 16)), meta)
    assert "16/12/2022" in raised.value.message and "15/12/2022" in raised.value.message
    assert store.stream_version(stream) == before
    handlers.execute("16426", 2022, commands.SubmitSelfAssessment(date(2022, 12, 15)), meta)
    body = views.assessment(handlers.get("16426", 2022), sets)
    assert body["today"] == "2022-12-15"
    assert body["self_assessment"]["submitted_on"] == "2022-12-15"

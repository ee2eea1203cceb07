"""Given/When/Then: campaigns open for a commune and period, accept responses between their
dates, close once, and record one result."""

from datetime import date

import pytest

from contracts.survey import CampaignClosed, CampaignNotOpen
from kernel.errors import IllegalTransition, NotFound, ValidationFailed
from services.survey.campaigns import (
    CAMPAIGN_CLOSED,
    CAMPAIGN_OPENED,
    CAMPAIGN_REOPENED,
    RESULT_COMPUTED,
    Campaign,
    campaign_id,
    stream_name,
    target_from_cases,
)
from tests.survey.support import TODAY, recorded

CID = campaign_id("00004", "2025")
OPENING = dict(commune_code="00004", period="2025", questionnaire_id="q", questionnaire_version=1,
               opens_on=date(2025, 6, 1), closes_on=date(2025, 6, 30), last_year_cases=200)


def given(*event_lists):
    events, version = [], 1
    for new_events in event_lists:
        events += recorded(stream_name(CID), new_events, version)
        version += len(new_events)
    return Campaign.from_events(CID, events)


def opened(**overrides):
    return Campaign(CID).open(**{**OPENING, **overrides})


@pytest.mark.parametrize("cases, target", [(0, 0), (1, 1), (20, 3), (100, 15), (101, 16),
                                           (200, 30), (7, 2)])
def test_the_target_is_15_percent_of_last_years_cases_rounded_up(cases, target):
    assert target_from_cases(cases) == target


def test_given_nothing_when_opened_then_the_event_holds_the_plan():
    [event] = opened()
    assert event.type == CAMPAIGN_OPENED
    assert event.data == {
        "campaign_id": "00004-2025", "commune_code": "00004", "period": "2025",
        "questionnaire_id": "q", "questionnaire_version": 1, "target_sample": 30,
        "last_year_cases": 200, "opens_on": "2025-06-01", "closes_on": "2025-06-30",
        "require_code": False}


def test_an_explicit_target_is_taken_as_given():
    [event] = opened(last_year_cases=None, target_sample=50)
    assert event.data["target_sample"] == 50


@pytest.mark.parametrize("overrides, field", [
    ({"commune_code": "4"}, "commune_code"),
    ({"period": "năm nay"}, "period"),
    ({"closes_on": date(2025, 5, 1)}, "closes_on"),
    ({"target_sample": 10}, "target_sample"),  # both given
    ({"last_year_cases": None}, "target_sample"),  # neither given
    ({"last_year_cases": -1}, "last_year_cases"),
])
def test_an_invalid_opening_is_refused_naming_the_field(overrides, field):
    with pytest.raises(ValidationFailed) as refused:
        opened(**overrides)
    assert field in refused.value.details


def test_given_an_open_campaign_when_opened_again_then_illegal():
    with pytest.raises(IllegalTransition):
        given(opened()).open(**OPENING)


def test_given_an_open_campaign_when_closed_then_closed_once():
    [event] = given(opened()).close(TODAY)
    assert (event.type, event.data) == (CAMPAIGN_CLOSED, {"campaign_id": CID,
                                                          "closed_on": "2025-06-15"})
    with pytest.raises(IllegalTransition) as refused:
        given(opened(), [event]).close(TODAY)
    assert refused.value.http_status == 409


def test_given_nothing_when_closed_then_not_found():
    with pytest.raises(NotFound):
        given().close(TODAY)


def test_given_a_closed_campaign_then_it_is_closed_since_its_day():
    events = recorded(stream_name(CID), opened(), 1, position=3)
    events += recorded(stream_name(CID), given(opened()).close(TODAY), 2, position=42)
    state = Campaign.from_events(CID, events)
    assert (state.state, state.closed_on, state.version) == ("closed", TODAY, 2)


@pytest.mark.parametrize("today, refusal", [
    (date(2025, 5, 31), CampaignNotOpen), (date(2025, 7, 1), CampaignClosed)])
def test_responses_are_accepted_only_between_the_dates(today, refusal):
    given(opened()).check_accepting(date(2025, 6, 1))
    given(opened()).check_accepting(date(2025, 6, 30))
    with pytest.raises(refusal) as refused:
        given(opened()).check_accepting(today)
    assert refused.value.http_status == 409


def test_given_a_closed_campaign_then_responses_are_refused_as_campaign_closed():
    closed = given(opened(), given(opened()).close(TODAY))
    with pytest.raises(CampaignClosed) as refused:
        closed.check_accepting(TODAY)
    assert refused.value.code == "campaign_closed"


def test_a_result_is_recorded_once_and_only_after_closing():
    with pytest.raises(IllegalTransition):
        given(opened()).record_result({"x": 1})
    closing = given(opened()).close(TODAY)
    [event] = given(opened(), closing).record_result({"x": 1})
    assert event.type == RESULT_COMPUTED
    assert given(opened(), closing, [event]).record_result({"x": 1}) == []


def closed_with_result():
    closing = given(opened()).close(TODAY)
    [result] = given(opened(), closing).record_result({"min_answers": 5, "rate_percent": "50.00"})
    return [opened(), closing, [result]]


def test_given_a_closed_campaign_when_reopened_then_it_takes_responses_until_its_new_day():
    history = closed_with_result()
    [reopened] = given(*history).reopen("Thiết bị hỏng tuần cuối", date(2025, 7, 15), TODAY)
    assert reopened.type == CAMPAIGN_REOPENED
    campaign = given(*history, [reopened])
    assert (campaign.state, campaign.closes_on, campaign.result) == ("open", date(2025, 7, 15), None)
    campaign.check_accepting(date(2025, 7, 10))  # accepted again
    assert campaign.judged_by == {"min_answers": 5}  # the recount keeps the first rules


def test_given_a_reopened_campaign_when_closed_again_then_the_new_result_names_the_reopening():
    history = closed_with_result()
    reopened = given(*history).reopen("Thiết bị hỏng", date(2025, 7, 15), TODAY)
    closing = given(*history, reopened).close(TODAY)
    [result] = given(*history, reopened, closing).record_result({"rate_percent": "90.00"})
    assert result.data["reopening"] == {"reopened_on": TODAY.isoformat(),
                                        "reason": "Thiết bị hỏng", "closes_on": "2025-07-15"}


@pytest.mark.parametrize("reason, closes_on, key", [
    ("", date(2025, 7, 15), "survey.cannot_reopen"),
    ("Lý do", date(2025, 6, 1), "survey.cannot_reopen"),  # before today
])
def test_a_reopening_without_a_reason_or_a_future_day_is_refused(reason, closes_on, key):
    with pytest.raises(ValidationFailed) as refused:
        given(*closed_with_result()).reopen(reason, closes_on, TODAY)
    assert refused.value.key == key


def test_an_open_campaign_cannot_be_reopened():
    with pytest.raises(IllegalTransition) as refused:
        given(opened()).reopen("Lý do", date(2025, 7, 15), TODAY)
    assert refused.value.key == "survey.reopen_not_closed"

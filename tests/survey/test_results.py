"""Given/When/Then: satisfaction rates, the publication minimum, the target, no data and
bursts."""

from datetime import date

import pytest

from services.survey.campaigns import Campaign, stream_name
from services.survey.questionnaires import DEFAULT_ID, Questionnaire, default_publication
from services.survey.questionnaires import stream_name as questionnaire_stream
from services.survey.results import compute, event_data, pooled_satisfied, rate_percent
from tests.survey.support import TODAY, recorded

QUESTIONNAIRE = Questionnaire.from_events(
    DEFAULT_ID, recorded(questionnaire_stream(DEFAULT_ID), default_publication(TODAY))).get()
SCALE_IDS = [q.id for q in QUESTIONNAIRE.scale_questions]


def campaign(target=30):
    opened = Campaign("00004-2025").open(
        commune_code="00004", period="2025", questionnaire_id=DEFAULT_ID,
        questionnaire_version=1, opens_on=date(2025, 6, 1), closes_on=date(2025, 6, 30),
        target_sample=target)
    return Campaign.from_events("00004-2025", recorded(stream_name("00004-2025"), opened))


@pytest.mark.parametrize("satisfied, valid, rate", [
    (0, 0, None), (1, 1, "100.00"), (0, 5, "0.00"), (2, 3, "66.67"), (1, 3, "33.33"),
    (1, 8, "12.50"), (3679, 3779, "97.35"), (1, 200, "0.50"), (1, 400, "0.25")])
def test_the_rate_is_a_percent_to_two_places_rounded_half_up(satisfied, valid, rate):
    assert rate_percent(satisfied, valid) == rate


def test_given_enough_responses_then_rates_per_question_and_overall_are_published():
    # 40 responses: 30 answer 5 everywhere, 6 answer 4, 4 answer 2; 'chung' skipped by 4
    counts = {qid: {5: 30, 4: 6, 2: 4} for qid in SCALE_IDS}
    counts["chung"] = {5: 30, 4: 2, 2: 4}
    result = compute(campaign(), QUESTIONNAIRE, 40, counts, min_answers=30)
    first = result["questions"][0]
    assert first == {"question_id": "cong-khai", "text": QUESTIONNAIRE.questions[0].text,
                     "valid_answers": 40, "satisfied": 36, "rate_percent": "90.00",
                     "counts": {"1": 0, "2": 4, "3": 0, "4": 6, "5": 30},
                     "published": True, "reason": None}
    chung = result["questions"][-1]
    assert (chung["valid_answers"], chung["rate_percent"]) == (36, "88.89")
    overall = result["overall"]
    assert (overall["valid_answers"], overall["satisfied"]) == (196, 176)
    assert overall["rate_percent"] == "89.80" and overall["published"]
    assert (result["responses"], result["target_sample"], result["target_met"]) == (40, 30, True)


def test_given_too_few_answers_then_nothing_but_their_number_is_published():
    counts = {qid: {5: 10} for qid in SCALE_IDS}
    result = compute(campaign(target=5), QUESTIONNAIRE, 10, counts, min_answers=30)
    for figures in [result["overall"], *result["questions"]]:
        assert figures["published"] is False
        assert figures["rate_percent"] is None and figures["counts"] is None
        assert "published from 30" in figures["reason"]
    assert result["overall"]["reason"] == "Only 10 responses; results are published from 30."
    assert result["target_met"] is True


def test_the_minimum_is_per_question_on_its_answers_and_overall_on_responses():
    counts = {qid: {4: 30} for qid in SCALE_IDS}
    counts["chung"] = {4: 29}
    result = compute(campaign(), QUESTIONNAIRE, 30, counts, min_answers=30)
    assert result["overall"]["published"]
    assert [q["published"] for q in result["questions"]] == [True, True, True, True, False]


def test_the_target_is_met_by_responses_not_answers():
    counts = {qid: {5: 29} for qid in SCALE_IDS}
    assert compute(campaign(target=30), QUESTIONNAIRE, 29, counts)["target_met"] is False


def test_the_result_event_carries_what_the_assessment_service_needs():
    counts = {qid: {5: 2, 1: 1} for qid in SCALE_IDS}
    result = compute(campaign(target=3), QUESTIONNAIRE, 3, counts, min_answers=30)
    data = event_data(result, pooled_satisfied(QUESTIONNAIRE, counts))
    assert data == {
        "campaign_id": "00004-2025", "commune_code": "00004", "period": "2025",
        "questionnaire_id": DEFAULT_ID, "questionnaire_version": 1, "responses": 3,
        "valid_answers": 15, "satisfied": 10, "rate_percent": "66.67", "target_sample": 3,
        "target_met": True, "min_answers": 30, "published": False,
        "reason": "Only 3 responses; results are published from 30.", "flags": [],
        "burst_rule": {"kiosk_day_max": 50, "factor": 5, "min_responses": 10}}

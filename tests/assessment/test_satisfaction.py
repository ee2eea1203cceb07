"""The assessment keeps the survey's satisfaction results: idempotent, latest wins."""

from decimal import Decimal

import pytest

from kernel.events import NewEvent
from kernel.projection import ProjectionProcessor, StoreSource
from services.assessment.criteria import load_builtin_sets
from services.assessment.satisfaction import SatisfactionProjection, figures_for_619, result_for
from services.assessment.scoring import score_indicator
from tests.support.stores import meta, open_store


def result_event(campaign_id, satisfied, valid=40, period="2017"):
    return NewEvent("SatisfactionResultComputed", {
        "campaign_id": campaign_id, "commune_code": "25822", "period": period,
        "questionnaire_id": "hai-long-tiep-can-phap-luat", "questionnaire_version": 1,
        "responses": valid, "valid_answers": valid, "satisfied": satisfied,
        "rate_percent": str((Decimal(satisfied) * 100 / valid).quantize(Decimal("0.01"))),
        "target_sample": 30, "target_met": True, "min_answers": 30, "published": True,
        "reason": None})


@pytest.fixture
def stores(database_url, tmp_path):
    survey = open_store(f"sqlite:///{tmp_path}/survey.sqlite", source="survey")
    assessment = open_store(database_url, source="assessment")
    projection = SatisfactionProjection()
    projection.migrate(assessment.engine)
    yield survey, assessment, ProjectionProcessor(assessment, projection, {"survey": StoreSource(survey)})
    survey.dispose()
    assessment.dispose()


def test_given_a_closed_campaign_then_its_result_is_kept_once(stores):
    survey, assessment, processor = stores
    survey.append("campaign-25822-2017", None, [result_event("c1", 39)], meta())
    events = survey.read_all()
    assert processor.process(events) == 1
    assert processor.process(events) == 0
    with assessment.engine.connect() as conn:
        kept = result_for(conn, "25822", 2017)
    assert (kept["satisfied"], kept["valid_answers"], kept["rate_percent"]) == (39, 40, "97.50")


def test_given_a_second_campaign_for_the_period_then_the_later_result_wins(stores):
    survey, assessment, processor = stores
    survey.append("campaign-a", None, [result_event("c1", 20)], meta())
    survey.append("campaign-b", None, [result_event("c2", 38)], meta())
    processor.catch_up(StoreSource(survey))
    with assessment.engine.connect() as conn:
        assert result_for(conn, "25822", 2017)["campaign_id"] == "c2"
        assert result_for(conn, "25822", 2018) is None


def test_a_survey_result_scores_the_619_satisfaction_indicator():
    indicator = next(s for s in load_builtin_sets().values() if s.id == "619-2017").indicator("C2.I5")
    score = score_indicator(indicator, figures_for_619({"valid_answers": 40, "satisfied": 39}))
    assert score.points == Decimal("11.70")  # 12 × 39/40, sub-items 5.85 + 5.85

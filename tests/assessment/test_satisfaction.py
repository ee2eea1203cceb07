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


def empty_result_event(published=False, min_answers=30):
    """What the survey records for a campaign closed without a valid answer."""
    return NewEvent("SatisfactionResultComputed", {
        "campaign_id": "25822-2017", "commune_code": "25822", "period": "2017",
        "questionnaire_id": "hai-long-tiep-can-phap-luat", "questionnaire_version": 1,
        "responses": 0, "valid_answers": 0, "satisfied": 0, "rate_percent": None,
        "target_sample": 30, "target_met": False, "min_answers": min_answers,
        "published": published,
        "reason": "No valid answers: there is no satisfaction rate (no data).", "flags": []})


@pytest.mark.parametrize("published, min_answers", [(False, 30), (True, 0)],
                         ids=["as recorded now", "an earlier release with a minimum of 0"])
def test_given_a_campaign_closed_without_answers_then_there_is_no_data(stores, published,
                                                                      min_answers):
    survey, assessment, processor = stores
    survey.append("campaign-25822-2017", None, [empty_result_event(published, min_answers)],
                  meta())
    assert processor.process(survey.read_all()) == 1
    with assessment.engine.connect() as conn:
        kept = result_for(conn, "25822", 2017)
    assert (kept["rate_percent"], kept["published"], kept["status"]) == (None, False, "no_data")
    assert kept["flags"] == []


def test_given_the_table_of_an_earlier_release_then_it_takes_results_without_a_rate(stores):
    from sqlalchemy import text

    survey, assessment, processor = stores
    survey.append("campaign-a", None, [result_event("c1", 20, period="2016")], meta())
    processor.catch_up(StoreSource(survey))
    with assessment.engine.begin() as conn:  # as it was: rate_percent NOT NULL, no flags
        rows = [dict(r) for r in conn.execute(text("SELECT * FROM satisfaction_results")).mappings()]
        conn.execute(text("DROP TABLE satisfaction_results"))
        conn.execute(text(
            "CREATE TABLE satisfaction_results (commune_code VARCHAR(10) NOT NULL, "
            "period VARCHAR(20) NOT NULL, campaign_id VARCHAR(100) NOT NULL, "
            "questionnaire_id VARCHAR(100) NOT NULL, questionnaire_version INTEGER NOT NULL, "
            "valid_answers INTEGER NOT NULL, satisfied INTEGER NOT NULL, "
            "rate_percent VARCHAR(10) NOT NULL, target_sample INTEGER, target_met BOOLEAN "
            "NOT NULL, published BOOLEAN NOT NULL, reason VARCHAR(500), event_id VARCHAR(36) "
            "NOT NULL, position BIGINT NOT NULL, PRIMARY KEY (commune_code, period))"))
        for row in rows:
            row.pop("flags")
            conn.execute(text(
                "INSERT INTO satisfaction_results VALUES (:commune_code, :period, :campaign_id, "
                ":questionnaire_id, :questionnaire_version, :valid_answers, :satisfied, "
                ":rate_percent, :target_sample, :target_met, :published, :reason, :event_id, "
                ":position)"), row)
    SatisfactionProjection().migrate(assessment.engine)
    SatisfactionProjection().migrate(assessment.engine)  # a second start finds nothing to do
    survey.append("campaign-25822-2017", None, [empty_result_event()], meta())
    processor.catch_up(StoreSource(survey))
    with assessment.engine.connect() as conn:
        assert result_for(conn, "25822", 2017)["status"] == "no_data"
        kept = result_for(conn, "25822", 2016)
    assert (kept["rate_percent"], kept["flags"], kept["status"]) == ("50.00", [], "published")

"""The assessment keeps the survey's satisfaction results (idempotent, latest wins) and applies
each to the commune's assessment as an event of its own, exactly once."""

from decimal import Decimal

import pytest

from kernel.events import NewEvent
from kernel.projection import ProjectionProcessor, StoreSource
from rules.assessment import names as n
from rules.criteria import load_builtin_sets, set_for_year
from rules.scoring import score_indicator
from services.assessment import criteria_sets, views
from services.assessment.catalogue import CriteriaSetCatalogue
from services.assessment.handlers import AssessmentHandlers
from services.assessment.satisfaction import SatisfactionProjection, result_for
from tests.support.stores import meta, open_store


def result_event(campaign_id, satisfied, valid=40, period="2017", **extra):
    return NewEvent("SatisfactionResultComputed", {**extra,
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
    s619 = load_builtin_sets()[("619-2017", 1)]
    feed = CriteriaSetCatalogue(s619).survey_feed()
    assert (feed.indicator_id, feed.purpose) == ("C2.I5", "satisfaction")
    figures = feed.figures_from({"valid_answers": 40, "satisfied": 39, "published": True})
    score = score_indicator(s619.indicator("C2.I5"), figures)
    assert score.points == Decimal("11.70")  # 12 × 39/40, sub-items 5.85 + 5.85


def test_given_both_kinds_of_survey_for_a_period_then_each_is_kept_apart(stores):
    survey, assessment, processor = stores
    survey.append("campaign-a", None, [result_event("25822-2023", 20, period="2023")], meta())
    survey.append("campaign-b", None, [result_event("25822-2023-mau04", 27, valid=30,
                                                    period="2023",
                                                    purpose="dissemination_models")], meta())
    processor.catch_up(StoreSource(survey))
    with assessment.engine.connect() as conn:
        satisfaction = result_for(conn, "25822", 2023)
        opinion = result_for(conn, "25822", 2023, "dissemination_models")
    assert (satisfaction["campaign_id"], satisfaction["rate_percent"]) == ("25822-2023", "50.00")
    assert (opinion["campaign_id"], opinion["rate_percent"]) == ("25822-2023-mau04", "90.00")


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
    with assessment.engine.begin() as conn:  # as it was: rate_percent NOT NULL, no flags, no purpose
        rows = [dict(r) for r in conn.execute(text("SELECT * FROM survey_results")).mappings()]
        conn.execute(text("DROP TABLE survey_results"))
        conn.execute(text(
            "CREATE TABLE satisfaction_results (commune_code VARCHAR(10) NOT NULL, "
            "period VARCHAR(20) NOT NULL, campaign_id VARCHAR(100) NOT NULL, "
            "questionnaire_id VARCHAR(100) NOT NULL, questionnaire_version INTEGER NOT NULL, "
            "valid_answers INTEGER NOT NULL, satisfied INTEGER NOT NULL, "
            "rate_percent VARCHAR(10) NOT NULL, target_sample INTEGER, target_met BOOLEAN "
            "NOT NULL, published BOOLEAN NOT NULL, reason VARCHAR(500), event_id VARCHAR(36) "
            "NOT NULL, position BIGINT NOT NULL, PRIMARY KEY (commune_code, period))"))
        for row in rows:
            row.pop("flags"), row.pop("purpose")
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


# -- applied to the assessment ------------------------------------------------------------------

@pytest.fixture
def feeding(database_url, tmp_path):
    """The survey's log, and the assessment's store with the projection bound to it, as the
    service runs it (kernel.nameko.Subscription)."""
    survey = open_store(f"sqlite:///{tmp_path}/survey.sqlite", source="survey")
    assessment = open_store(database_url, source="assessment")
    projection = SatisfactionProjection()
    projection.migrate(assessment.engine)
    projection.bind(assessment)
    processor = ProjectionProcessor(assessment, projection, {"survey": StoreSource(survey)})
    sets = criteria_sets.all_sets(assessment)
    handlers = AssessmentHandlers(
        assessment, catalogue_for=lambda i, v: CriteriaSetCatalogue(views.find_criteria_set(sets, i, v)),
        criteria_set_for_year=lambda year: set_for_year(year, sets).key,
        survey_result_for=result_for)
    yield survey, assessment, processor, handlers
    survey.dispose()
    assessment.dispose()


def survey_events(assessment):
    return [e for e in assessment.read_stream("assessment-25822-2017")
            if e.type.startswith("SatisfactionResult")]


def test_given_an_open_assessment_when_a_result_arrives_then_it_is_applied_once(feeding):
    survey, assessment, processor, handlers = feeding
    handlers.open("25822", 2017, meta())
    survey.append("campaign-25822-2017", None, [result_event("25822-2017", 39)], meta())
    [result] = survey.read_all()
    assert processor.process([result]) == 1
    assert processor.process([result]) == 0  # delivered twice: applied once
    [applied] = survey_events(assessment)
    assert applied.type == n.SATISFACTION_RESULT_APPLIED
    assert applied.metadata["causation_id"] == result.id
    assert applied.metadata["actor"] == "system:assessment"
    figures = handlers.get("25822", 2017).to_dict()["figures"]["C2.I5"]
    assert figures == {"surveyed": 40, "satisfied_with_result": 39, "satisfied_with_conduct": 39}
    processor.rebuild()  # a replay records nothing again
    assert len(survey_events(assessment)) == 1


def test_given_a_result_before_the_assessment_when_it_opens_then_it_takes_it(feeding):
    survey, assessment, processor, handlers = feeding
    survey.append("campaign-25822-2017", None, [result_event("25822-2017", 30)], meta())
    processor.catch_up(StoreSource(survey))
    assert survey_events(assessment) == []  # nothing to apply it to yet
    opened = handlers.open("25822", 2017, meta())
    assert opened.to_dict()["survey_result"]["result"]["rate_percent"] == "75.00"
    assert [e.type for e in survey_events(assessment)] == [n.SATISFACTION_RESULT_APPLIED]


def test_given_a_reopened_campaign_when_it_closes_again_then_the_result_is_replaced(feeding):
    survey, assessment, processor, handlers = feeding
    handlers.open("25822", 2017, meta())
    stream = "campaign-25822-2017"
    survey.append(stream, None, [result_event("25822-2017", 20)], meta())
    survey.append(stream, None, [NewEvent("CampaignReopened", {
        "campaign_id": "25822-2017", "reason": "Thiết bị hỏng", "reopened_on": "2017-12-01",
        "closes_on": "2017-12-20"})], meta())
    survey.append(stream, None, [result_event(
        "25822-2017", 36, reopening={"reopened_on": "2017-12-01", "reason": "Thiết bị hỏng",
                                     "closes_on": "2017-12-20"})], meta())
    processor.catch_up(StoreSource(survey))
    applied, replaced = survey_events(assessment)
    assert (applied.type, replaced.type) == (n.SATISFACTION_RESULT_APPLIED,
                                             n.SATISFACTION_RESULT_REPLACED)
    assert (replaced.data["previous"]["result"]["rate_percent"],
            replaced.data["result"]["rate_percent"]) == ("50.00", "90.00")
    assert "Thiết bị hỏng" in replaced.data["why"]
    assert handlers.get("25822", 2017).to_dict()["figures"]["C2.I5"]["surveyed"] == 40


def test_given_a_2023_assessment_then_the_mau04_result_scores_c2_i4_and_satisfaction_nothing(feeding):
    survey, assessment, processor, handlers = feeding
    opened = handlers.open("25822", 2023, meta())
    assert opened.to_dict()["criteria_set_version"] == 2
    survey.append("campaign-25822-2023", None, [result_event("25822-2023", 39, period="2023")],
                  meta())
    survey.append("campaign-25822-2023-mau04", None, [result_event(
        "25822-2023-mau04", 24, valid=30, period="2023", purpose="dissemination_models")], meta())
    processor.catch_up(StoreSource(survey))
    [applied] = [e for e in assessment.read_stream("assessment-25822-2023")
                 if e.type.startswith("SatisfactionResult")]
    assert (applied.type, applied.data["indicator_id"]) == (n.SATISFACTION_RESULT_APPLIED, "C2.I4")
    assert handlers.get("25822", 2023).to_dict()["figures"]["C2.I4"] == {
        "surveyed": 30, "rated_effective": 24}

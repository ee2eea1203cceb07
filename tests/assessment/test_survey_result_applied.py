"""Given/When/Then: a closed survey campaign's result scores the survey-fed indicator of the
commune's assessment (619/2017 C2.I5 from the satisfaction survey; 25/2021 C2.I4 from the
Mẫu 04 opinion survey), as events of the assessment; no broker, no store."""

from datetime import date
from decimal import Decimal

import pytest

from kernel.errors import ValidationFailed
from rules.assessment import names as n
from rules.criteria import load_builtin_sets
from rules.scoring import score_indicator
from services.assessment.catalogue import CriteriaSetCatalogue
from services.assessment.views import survey_problem
from services.assessment.workflow import CommuneAssessment
from tests.support.assessment_figures import full_figures

SETS = load_builtin_sets()
S619 = SETS[("619-2017", 1)]
CATALOGUE = CriteriaSetCatalogue(S619)
LAI_UYEN = "25822"


def result(satisfied, valid=40, position=10, campaign="25822-2017", published=True,
           period="2017", **extra):
    rate = (Decimal(satisfied) * 100 / valid).quantize(Decimal("0.01")) if valid else None
    return {"campaign_id": campaign, "period": period, "valid_answers": valid,
            "satisfied": satisfied, "rate_percent": rate and str(rate), "published": published,
            "status": "published" if published else "no_data" if not valid else "below_minimum",
            "reason": None, "event_id": f"result-{position}", "position": position, **extra}


def opened(set_id="619-2017", year=2017) -> CommuneAssessment:
    new = CommuneAssessment(today=date(2026, 1, 30))
    district, level = ("719", "district") if year < 2025 else (None, "province")
    version = max(v for (i, v) in SETS if i == set_id)
    return new.apply(new.open(LAI_UYEN, "74", district, year, set_id, version, level))


def then(assessment, new_events):
    return assessment.apply(new_events)


def i5_points(assessment) -> Decimal:
    return score_indicator(S619.indicator("C2.I5"), assessment.to_dict()["figures"]["C2.I5"]).points


def test_given_a_draft_when_a_result_arrives_then_it_is_applied_and_scores_the_indicator():
    events = opened().take_survey_result(result(39), CATALOGUE)
    assert [e.type for e in events] == [n.SATISFACTION_RESULT_APPLIED]
    assert events[0].data["figures"] == {"surveyed": 40, "satisfied_with_result": 39,
                                         "satisfied_with_conduct": 39}
    assert i5_points(then(opened(), events)) == Decimal("11.70")  # 12 × 39/40


def test_given_an_applied_result_when_the_campaign_closes_again_then_it_is_replaced_with_why():
    first = then(opened(), opened().take_survey_result(result(20), CATALOGUE))
    reopening = {"reopened_on": "2017-12-01", "reason": "Thiết bị hỏng tuần cuối",
                 "closes_on": "2017-12-20"}
    [replaced] = first.take_survey_result(result(36, position=20, reopening=reopening), CATALOGUE)
    assert replaced.type == n.SATISFACTION_RESULT_REPLACED
    assert replaced.data["previous"]["result"]["rate_percent"] == "50.00"
    assert replaced.data["previous"]["figures"]["satisfied_with_result"] == 20
    assert replaced.data["result"]["rate_percent"] == "90.00"
    assert "reopened on 2017-12-01 (Thiết bị hỏng tuần cuối)" in replaced.data["why"]
    assert i5_points(then(first, [replaced])) == Decimal("10.80")


def test_given_an_applied_result_when_the_same_or_an_older_one_arrives_then_nothing_happens():
    applied = then(opened(), opened().take_survey_result(result(36, position=20), CATALOGUE))
    assert applied.take_survey_result(result(36, position=20), CATALOGUE) == []
    assert applied.take_survey_result(result(10, position=5), CATALOGUE) == []


def test_given_a_survey_fed_figure_when_the_officer_types_it_then_it_is_refused():
    applied = then(opened(), opened().take_survey_result(result(39), CATALOGUE))
    with pytest.raises(ValidationFailed) as refused:
        applied.record_figures("C2.I5", {"surveyed": 40, "satisfied_with_result": 40,
                                         "satisfied_with_conduct": 40}, CATALOGUE)
    assert refused.value.key == "assessment.figures_from_survey"
    assert "không nhập tay được" in refused.value.message
    # the other indicators are typed as before
    assert applied.record_figures("C2.I4", full_figures(S619.indicator("C2.I4")), CATALOGUE)


def test_given_figures_typed_before_any_result_when_one_arrives_then_it_replaces_them():
    typed = {"surveyed": 10, "satisfied_with_result": 10, "satisfied_with_conduct": 10}
    draft = then(opened(), opened().record_figures("C2.I5", typed, CATALOGUE))
    [replaced] = draft.take_survey_result(result(30), CATALOGUE)
    assert replaced.type == n.SATISFACTION_RESULT_REPLACED
    assert replaced.data["previous"] == {"result": None, "figures": typed, "source": "entered"}


def test_given_a_result_without_a_rate_then_the_indicator_has_no_figures_not_zero():
    typed = {"surveyed": 10, "satisfied_with_result": 10, "satisfied_with_conduct": 10}
    draft = then(opened(), opened().record_figures("C2.I5", typed, CATALOGUE))
    taken = then(draft, draft.take_survey_result(result(0, valid=0, published=False), CATALOGUE))
    assert "C2.I5" not in taken.to_dict()["figures"]
    assert taken.to_dict()["survey_result"]["result"]["status"] == "no_data"


def test_given_a_submitted_self_assessment_when_a_result_arrives_then_it_is_held_and_said():
    draft = opened()
    for indicator in S619.indicators():
        if indicator.id != "C2.I5":
            draft = then(draft, draft.record_figures(indicator.id, full_figures(indicator),
                                                     CATALOGUE))
    draft = then(draft, draft.take_survey_result(result(20), CATALOGUE))
    submitted = then(draft, draft.submit_self_assessment(CATALOGUE, date(2017, 12, 10)))

    [held] = submitted.take_survey_result(result(36, position=20), CATALOGUE)
    assert held.type == n.SATISFACTION_RESULT_HELD and held.data["state"] == n.SELF_ASSESSED
    holding = then(submitted, [held])
    assert holding.to_dict()["figures"]["C2.I5"]["satisfied_with_result"] == 20  # unchanged
    problem = survey_problem(holding.to_dict())
    assert "90,00%" in problem["message"] and "chưa được áp dụng" in problem["message"]
    assert holding.take_survey_result(result(36, position=20), CATALOGUE) == []  # held once

    # When the self-assessment is reopened, the held result is taken in the same step
    reopened_events = holding.reopen_self_assessment("Sửa số liệu", date(2017, 12, 12))
    assert [e.type for e in reopened_events] == [n.SELF_ASSESSMENT_REOPENED,
                                                 n.SATISFACTION_RESULT_REPLACED]
    reopened = then(holding, reopened_events)
    assert reopened.to_dict()["figures"]["C2.I5"]["satisfied_with_result"] == 36
    assert survey_problem(reopened.to_dict()) is None


def test_given_a_regime_that_scores_no_indicator_from_a_survey_then_nothing_is_recorded():
    assert opened("27-2025", 2026).take_survey_result(
        result(39), CriteriaSetCatalogue(SETS[("27-2025", 1)])) == []


# -- 25/2021: C2.I4 from the Mẫu 04 opinion survey (version 2 of the set) ------------------------

S25 = SETS[("25-2021", 2)]
CATALOGUE_25 = CriteriaSetCatalogue(S25)


def mau04(effective, valid=30, position=10):
    return result(effective, valid, position, campaign="25822-2023-mau04", period="2023",
                  purpose="dissemination_models")


def test_given_a_2023_draft_when_a_mau04_result_arrives_then_it_scores_c2_i4():
    draft = opened("25-2021", 2023)
    [applied] = draft.take_survey_result(mau04(26), CATALOGUE_25)
    assert applied.type == n.SATISFACTION_RESULT_APPLIED and applied.data["indicator_id"] == "C2.I4"
    assert applied.data["figures"] == {"surveyed": 30, "rated_effective": 26}
    assert applied.data["result"]["purpose"] == "dissemination_models"
    figures = then(draft, [applied]).to_dict()["figures"]["C2.I4"]
    assert score_indicator(S25.indicator("C2.I4"), figures).points == Decimal("4.85")  # 5.60 × 26/30


def test_given_a_2023_draft_when_a_satisfaction_result_arrives_then_it_scores_nothing():
    assert opened("25-2021", 2023).take_survey_result(result(39), CATALOGUE_25) == []


def test_given_a_619_draft_when_a_mau04_result_arrives_then_it_scores_nothing():
    assert opened().take_survey_result(mau04(26), CATALOGUE) == []


def test_given_a_mau04_fed_c2_i4_when_the_officer_types_it_then_it_is_refused():
    draft = opened("25-2021", 2023)
    applied = then(draft, draft.take_survey_result(mau04(26), CATALOGUE_25))
    with pytest.raises(ValidationFailed) as refused:
        applied.record_figures("C2.I4", {"surveyed": 30, "rated_effective": 30}, CATALOGUE_25)
    assert refused.value.key == "assessment.figures_from_survey"

"""Given/When/Then for the scoring engine: every rule kind, its figures, and the published vectors."""

from decimal import Decimal

import pytest

from kernel.errors import ValidationFailed
from rules.criteria import load_builtin_sets, parse_criteria_set
from rules.scoring import ScoreSheet, score_indicator, score_sheet, sheet_of_record
from tests.support.assessment_figures import full_figures

SETS = load_builtin_sets()
S619, S25, S27 = SETS[("619-2017", 1)], SETS[("25-2021", 1)], SETS[("27-2025", 1)]


CALENDAR = {"posting_minimum": 5, "posting_unit": "calendar_days", "supplement_working_days": 3,
            "dossier_due_before": "10/01", "decision_due_before": "10/02",
            "publication_working_days": 2}

def one_indicator(rule=None, *, max="10.00", not_arising=None, sub_items=None, pass_fail=False):
    """A one-criterion set around a single indicator C1.I1, to exercise one rule kind."""
    indicator = {"id": "C1.I1", "name": "Chỉ tiêu thử", "max": None if pass_fail else max}
    if sub_items:
        indicator["sub_items"] = sub_items
    else:
        indicator["rule"] = rule
    if not_arising:
        indicator["not_arising"] = not_arising
    recognition = ({"all_indicators_achieved": True} if pass_fail
                   else {"total_threshold": "0.50", "criterion_floor_ratio": "0.50"})
    total = None if pass_fail else max
    criteria_set = parse_criteria_set({
        "id": "test-1", "version": 1, "regime": "test", "title": "Bộ tiêu chí thử", "legal_basis": "none",
        "applies_to": {"first_year": 2030, "last_year": 2030}, "total_max": total, "pass_fail": pass_fail,
        "recognition": recognition, "calendar": CALENDAR,
        "criteria": [{"id": "C1", "name": "Tiêu chí thử", "max": total, "indicators": [indicator]}]})
    return criteria_set.indicator("C1.I1")


def points(indicator, figures) -> Decimal:
    return score_indicator(indicator, figures).points


def problems(indicator, figures) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        score_indicator(indicator, figures)
    return caught.value.details["problems"]


PROPORTIONAL = {"kind": "proportional", "params": {}}


def test_given_a_proportional_rule_when_the_rate_has_many_decimals_then_points_round_half_up_to_cents():
    indicator = one_indicator(PROPORTIONAL, max="30.00")
    score = score_indicator(indicator, {"numerator": 98766, "denominator": 100000})
    assert score.points == Decimal("29.63") and str(score.points) == "29.63"
    assert score.rate == Decimal("98.77")
    assert points(one_indicator(PROPORTIONAL, max="1.00"), {"numerator": 1, "denominator": 8}) == Decimal("0.13")


def test_given_named_figures_when_scored_then_the_explanation_shows_the_arithmetic():
    score = score_indicator(S619.indicator("C2.I3"), {"resolved_on_time": 95, "received": 100})
    assert score.points == Decimal("9.50")
    assert score.explanation == "95 of 100 (95.00%) × 10.00 = 9.50"


def test_given_0_of_0_with_a_not_arising_rule_then_full_points():
    score = score_indicator(S619.indicator("C2.I4"), {"handled_on_time": 0, "received": 0})
    assert (score.points, score.not_arising) == (Decimal("2.00"), True)
    assert points(S619.indicator("C2.I4"), {"not_arising": True}) == Decimal("2.00")


def test_given_0_of_0_without_a_not_arising_rule_then_the_denominator_is_named():
    assert problems(S619.indicator("C2.I3"), {"resolved_on_time": 0, "received": 0}) == [
        "C2.I3.received: is 0, and C2.I3 has no not-arising rule to score 0 of 0"]


def test_given_not_arising_where_the_item_does_not_allow_it_then_it_is_refused():
    assert problems(S619.indicator("C2.I3"), {"not_arising": True}) == [
        "C2.I3.not_arising: C2.I3 has no not-arising rule; enter its figures"]


@pytest.mark.parametrize("figures, expected", [
    ({"numerator": 5}, ["C1.I1.denominator: missing"]),
    ({"numerator": 5, "denominator": 10, "extra": 1}, ["C1.I1.extra: unknown figure; C1.I1 takes denominator, numerator"]),
    ({"numerator": -1, "denominator": 10}, ["C1.I1.numerator: cannot be negative"]),
    ({"numerator": 11, "denominator": 10}, ["C1.I1.numerator: 11 is more than denominator (10)"]),
    ({"numerator": 9.5, "denominator": 10}, ["C1.I1.numerator: must be a whole number, not a float"]),
    ({"numerator": "9", "denominator": True}, ["C1.I1.numerator: must be a whole number, not '9'",
                                               "C1.I1.denominator: must be a whole number, not True"]),
])
def test_given_bad_figures_then_each_problem_names_the_indicator_and_the_field(figures, expected):
    assert problems(one_indicator(PROPORTIONAL), figures) == expected


def test_given_figures_that_are_not_an_object_then_they_are_refused():
    assert problems(one_indicator(PROPORTIONAL), [1, 2]) == [
        'C1.I1: figures must be an object, e.g. {"achieved": true}']


@pytest.mark.parametrize("trained, expected", [(95, "2.00"), (90, "2.00"), (89, "1.00"), (80, "1.00"),
                                               (75, "0.50"), (60, "0.25"), (50, "0.25"), (40, "0.00")])
def test_given_the_25_2021_propagandist_bands_when_scored_then_the_published_points_come_out(trained, expected):
    assert points(S25.indicator("C2.I5"), {"trained": trained, "propagandists": 100}) == Decimal(expected)


def test_given_a_rate_just_under_a_band_then_it_is_not_rounded_into_it():
    assert points(S25.indicator("C2.I5"), {"trained": 89999, "propagandists": 100000}) == Decimal("1.00")


def test_given_the_dong_quang_case_nothing_assigned_and_all_administrative_documents_lawful_then_criterion_1_is_10():
    sheet = score_sheet(S25, {"C1.I1": {"assigned": 0, "issued": 0, "lawful": 0},
                              "C1.I2": {"lawful": 24, "issued": 24}})
    first = sheet.criterion("C1")
    assert [i.points for i in first.indicators] == [Decimal("3.00"), Decimal("7.00")]
    assert first.points == Decimal("10.00") and first.percent_of_max == Decimal("100.00")
    assert first.indicators[0].not_arising


def test_given_all_assigned_documents_issued_and_one_unlawful_then_indicator_1_is_1_plus_0():
    score = score_indicator(S25.indicator("C1.I1"), {"assigned": 3, "issued": 3, "lawful": 2})
    assert [s.points for s in score.sub_items] == [Decimal("1.00"), Decimal("0.00")]
    assert score.points == Decimal("1.00")


def test_given_a_fixed_rule_then_achieved_gives_the_maximum_and_not_achieved_zero():
    indicator = S619.indicator("C4.I3").sub_items[0]
    assert indicator.rule.kind == "fixed"
    fixed = one_indicator({"kind": "fixed", "params": {"figure": "done"}}, max="2.00")
    assert points(fixed, {"done": True}) == Decimal("2.00")
    assert points(fixed, {"done": False}) == Decimal("0.00")
    assert problems(fixed, {"done": "yes"}) == ["C1.I1.done: must be true or false, not 'yes'"]


def test_given_sub_items_with_a_not_arising_list_then_only_those_get_full_points():
    figures = {"not_arising": ["C1.I1.a"], "manual_points": "1.50", "reason": "kế hoạch ban hành muộn"}
    score = score_indicator(S619.indicator("C1.I1"), figures)
    assert [s.points for s in score.sub_items] == [Decimal("1.00"), Decimal("1.50")]
    assert score.points == Decimal("2.50") and score.manual


def test_given_the_one_stop_desk_not_arranged_then_the_penalty_deducts_but_never_below_zero():
    indicator = S619.indicator("C2.I2")
    arranged_badly = {"desk_arranged": False, "desk_staffed": False, "staff_meet_requirements": False,
                      "desk_not_arranged": True}
    score = score_indicator(indicator, arranged_badly)
    assert score.points == Decimal("0.00") and "(total -0.25, not below 0)" in score.explanation
    partly = dict(arranged_badly, desk_staffed=True)
    assert points(indicator, partly) == Decimal("0.75")
    fine = {"desk_arranged": True, "desk_staffed": True, "staff_meet_requirements": True, "desk_not_arranged": False}
    assert points(indicator, fine) == Decimal("3.00")


COUNT = {"kind": "count_at_least", "params": {"at_least": 3, "partial_per_activity": "0.50"}}


@pytest.mark.parametrize("figures, expected", [
    ({"count": 3}, "2.00"), ({"count": 5}, "2.00"), ({"count": 2}, "1.00"), ({"count": 0}, "0.00"),
    ({"activities": ["thi trực tuyến", "chatbot"]}, "1.00"),
])
def test_given_a_count_rule_then_enough_activities_give_full_points_and_fewer_give_partial(figures, expected):
    assert points(one_indicator(COUNT, max="2.00"), figures) == Decimal(expected)


def test_given_a_count_rule_with_both_forms_or_a_repeated_activity_then_it_is_refused():
    indicator = one_indicator(COUNT, max="2.00")
    assert problems(indicator, {"count": 1, "activities": ["a"]}) == [
        "C1.I1.activities: give either activities or count, not both"]
    assert problems(indicator, {"activities": ["SMS", "sms"]}) == ["C1.I1.activities: lists the same activity twice"]


def test_given_a_manual_rule_then_points_need_a_reason_and_the_result_is_flagged():
    indicator = S25.indicator("C3.I1")
    score = score_indicator(indicator, {"manual_points": "2.50", "reason": "biên bản hòa giải"})
    assert (score.points, score.manual) == (Decimal("2.50"), True)
    assert problems(indicator, {"manual_points": "2.50", "reason": "  "}) == [
        "C3.I1.reason: points entered by hand need a written reason"]
    assert problems(indicator, {"manual_points": 2.5, "reason": "x"}) == [
        "C3.I1.manual_points: points must be a string, a whole number or a Decimal"]
    assert problems(indicator, {"manual_points": "9.00", "reason": "x"}) == [
        "C3.I1.manual_points: 9.00 is outside 0-5.00"]
    assert problems(indicator, {"manual_points": "1.234", "reason": "x"}) == [
        "C3.I1.manual_points: not a number with at most two decimals"]


def test_given_a_pass_fail_rule_then_there_are_no_points_only_achieved():
    indicator = one_indicator({"kind": "pass_fail", "params": {}}, pass_fail=True)
    score = score_indicator(indicator, {"achieved": True})
    assert (score.points, score.achieved) == (None, True)


def test_given_27_2025_rates_and_not_arising_then_indicators_are_achieved_or_not():
    assert score_indicator(S27.indicator("C2.I3"), {"provided": 0, "requested": 0}).achieved
    assert not score_indicator(S27.indicator("C2.I3"), {"provided": 9, "requested": 10}).achieved
    mediation = score_indicator(S27.indicator("C3.I2"), {"cases_received": 10, "cases_mediated": 10,
                                                         "cases_settled": 7})
    assert [s.achieved for s in mediation.sub_items] == [True, False] and not mediation.achieved
    assert score_indicator(S27.indicator("C2.I5"), {"activities": ["chatbot hỏi đáp pháp luật"]}).achieved


def test_given_a_sheet_with_some_indicators_then_missing_ones_are_listed_and_totals_are_strings():
    sheet = score_sheet(S25, {"C1.I1": {"not_arising": True}, "C1.I2": {"lawful": 9, "issued": 10}})
    assert sheet.missing_indicators[0] == "C2.I1" and len(sheet.missing_indicators) == 18
    body = sheet.to_dict()
    assert body["total"] == "9.30" and body["criteria"][0]["points"] == "9.30"
    assert body["criteria"][0]["percent_of_max"] == "93.00"
    assert body["provisional"] is True and body["basis"] == "indicators"


def test_given_a_sheet_with_bad_figures_in_several_indicators_then_all_problems_come_back_at_once():
    with pytest.raises(ValidationFailed) as caught:
        score_sheet(S25, {"C1.I2": {"lawful": 11, "issued": 10}, "C2.I5": {"trained": 1.0, "propagandists": 2},
                          "C9.I1": {}})
    assert caught.value.details["problems"] == [
        "C9.I1: no such indicator in 25-2021 v1",
        "C1.I2.lawful: 11 is more than issued (10)",
        "C2.I5.trained: must be a whole number, not a float"]


def test_given_published_criterion_totals_then_the_sheet_reproduces_lai_uyen_95_45():
    sheet = ScoreSheet.from_criterion_points(S619, {"C1": "15", "C2": "29.63", "C3": "21.25", "C4": "9.57", "C5": 20})
    assert sheet.total == Decimal("95.45")
    assert sheet.to_dict()["total"] == "95.45" and sheet.basis == "criterion_points"
    assert [c.percent_of_max for c in sheet.criteria] == [Decimal(v) for v in ("100.00", "98.77", "85.00", "95.70", "100.00")]


def test_given_criterion_totals_that_are_wrong_then_each_is_reported():
    with pytest.raises(ValidationFailed) as caught:
        ScoreSheet.from_criterion_points(S619, {"C1": 15.0, "C2": "31", "C3": "1", "C4": "1", "C9": "1"})
    assert caught.value.details["problems"] == [
        "C9: no such criterion in 619-2017 v1", "C5: points missing",
        "C1: points must be a string, a whole number or a Decimal", "C2: 31.00 is outside 0-30.00"]


def test_given_a_pass_fail_set_then_criterion_points_are_refused():
    with pytest.raises(ValidationFailed):
        ScoreSheet.from_criterion_points(S27, {"C1": "1"})


# -- the sheet of record (rules/scoring.py: one place for every service) -------------------------

def test_given_figures_only_then_the_self_assessment_is_the_sheet_of_record():
    s25 = load_builtin_sets()[("25-2021", 2)]
    figures = {"C1.I1": full_figures(s25.indicator("C1.I1"))}
    basis, sheet = sheet_of_record(s25, figures, None)
    assert basis == "self" and sheet.criteria[0].points == Decimal("3.00")
    assert sheet_of_record(s25, {}, None) == (None, None)


def test_given_an_appraisal_then_the_council_sheet_is_of_record_and_public_once_completed():
    s25 = load_builtin_sets()[("25-2021", 2)]
    figures = {"C1.I1": full_figures(s25.indicator("C1.I1"))}
    appraisal = {"scores": {"C1.I1": {"points": "2.00", "reason": "Thiếu một văn bản"}}}
    basis, sheet = sheet_of_record(s25, figures, appraisal)
    assert basis == "appraised" and sheet.criteria[0].points == Decimal("2.00")
    assert sheet_of_record(s25, figures, appraisal, completed_only=True)[0] == "self"
    completed = {**appraisal, "completed_on": "2023-01-16"}
    assert sheet_of_record(s25, figures, completed, completed_only=True)[0] == "appraised"

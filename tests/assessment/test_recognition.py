"""Given/When/Then for recognition, reproducing the published vectors of /work/shared/README.md."""

from decimal import Decimal

import pytest

from kernel.errors import ValidationFailed
from rules.criteria import load_builtin_sets
from rules.recognition import MET, MISSING_INPUT, NOT_MET, UNCONFIRMED, evaluate
from rules.scoring import ScoreSheet, score_sheet

SETS = load_builtin_sets()
S619, S25, S27 = SETS[("619-2017", 1)], SETS[("25-2021", 1)], SETS[("27-2025", 1)]
CLEAN_619 = {"no_official_disciplined": True}
CLEAN_25 = {"no_head_disciplined": True}


def sheet(criteria_set, *points):
    return ScoreSheet.from_criterion_points(
        criteria_set, {c.id: p for c, p in zip(criteria_set.criteria, points, strict=True)})


def verdicts(result) -> dict[str, str]:
    return {c.id: c.verdict for c in result.conditions}


def test_given_lai_uyen_2017_class_i_then_95_45_with_every_criterion_above_half_is_recognised():
    appraised = sheet(S619, "15", "29.63", "21.25", "9.57", "20")
    result = evaluate(S619, appraised, commune_class="I", declarations=CLEAN_619,
                      satisfaction_percent=Decimal("97.35"))
    assert appraised.total == Decimal("95.45")
    assert all(verdicts(result)[f"floor.C{n}"] == MET for n in range(1, 6))
    assert result.conditions[0].threshold == "90.00" and result.conditions[0].value == "95.45"
    assert result.recognised and result.summary == "Recognised: every deciding condition is met."


def test_given_tru_van_tho_2017_class_ii_then_95_20_is_recognised():
    appraised = sheet(S619, "15", "28.7", "21.5", "10", "20")
    result = evaluate(S619, appraised, commune_class="II", declarations=CLEAN_619, satisfaction_percent="97.82")
    assert appraised.total == Decimal("95.20") and result.recognised


def test_given_a_class_ii_commune_with_79_5_then_it_is_not_recognised_and_needs_0_50_more():
    appraised = sheet(S619, "14", "25", "20", "5.5", "15")
    result = evaluate(S619, appraised, commune_class="II", declarations=CLEAN_619)
    assert appraised.total == Decimal("79.50") and not result.recognised
    total = result.conditions[0]
    assert (total.verdict, total.missing) == (NOT_MET, "total needs 0.50 more points for a class II commune")
    assert all(verdicts(result)[f"floor.C{n}"] == MET for n in range(1, 6))
    assert result.summary == "Not recognised: total needs 0.50 more points for a class II commune."


def test_given_the_same_79_5_for_a_class_iii_commune_then_it_is_recognised():
    result = evaluate(S619, sheet(S619, "14", "25", "20", "5.5", "15"), commune_class="III",
                      declarations=CLEAN_619)
    assert result.recognised


def test_given_619_without_a_commune_class_then_the_total_condition_is_missing_input():
    result = evaluate(S619, sheet(S619, "15", "30", "25", "10", "20"), declarations=CLEAN_619)
    assert verdicts(result)["total"] == MISSING_INPUT and not result.recognised
    assert "commune class" in result.conditions[0].missing


def test_given_619_then_the_unconfirmed_satisfaction_condition_is_shown_but_never_decides():
    appraised = sheet(S619, "15", "29.63", "21.25", "9.57", "20")
    result = evaluate(S619, appraised, commune_class="I", declarations=CLEAN_619, satisfaction_percent="40")
    satisfaction = next(c for c in result.conditions if c.id == "satisfaction")
    assert (satisfaction.verdict, satisfaction.decisive, satisfaction.provisional) == (UNCONFIRMED, False, True)
    assert satisfaction.value == "40.00%"
    assert result.recognised and result.notes
    without = evaluate(S619, appraised, commune_class="I", declarations=CLEAN_619)
    assert without.recognised and verdicts(without)["satisfaction"] == MISSING_INPUT


def test_given_619_with_an_official_disciplined_then_it_is_not_recognised():
    result = evaluate(S619, sheet(S619, "15", "30", "25", "10", "20"), commune_class="I",
                      declarations={"no_official_disciplined": False})
    assert not result.recognised
    assert "warning or heavier" in result.summary


def test_given_25_2021_total_85_with_criterion_3_below_half_then_it_is_not_recognised():
    appraised = sheet(S25, "10", "30", "7.25", "22.75", "15")
    result = evaluate(S25, appraised, declarations=CLEAN_25)
    assert appraised.total == Decimal("85.00") and not result.recognised
    floor = next(c for c in result.conditions if c.id == "floor.C3")
    assert (floor.verdict, floor.value, floor.threshold) == (NOT_MET, "7.25", "7.50")
    assert floor.missing == "criterion 3 needs 0.25 more points"
    assert verdicts(result)["total"] == MET
    assert result.summary == "Not recognised: criterion 3 needs 0.25 more points."


def test_given_25_2021_total_95_all_criteria_above_half_but_the_chairman_disciplined_then_not_recognised():
    appraised = sheet(S25, "10", "28", "14", "24", "19")
    result = evaluate(S25, appraised, declarations={"no_head_disciplined": False})
    assert appraised.total == Decimal("95.00") and not result.recognised
    assert [c.id for c in result.conditions if c.verdict != MET] == ["no_head_disciplined"]
    assert "head of the commune Party committee or commune government" in result.summary


def test_given_25_2021_total_95_with_a_clean_declaration_then_it_is_recognised():
    assert evaluate(S25, sheet(S25, "10", "28", "14", "24", "19"), declarations=CLEAN_25).recognised


def test_given_no_declaration_then_the_verdict_is_missing_input_in_words():
    result = evaluate(S25, sheet(S25, "10", "28", "14", "24", "19"), declarations={})
    declared = result.conditions[-1]
    assert declared.verdict == MISSING_INPUT and declared.missing.startswith("the commune has not declared whether")
    assert not result.recognised


def test_given_a_partial_sheet_below_a_floor_then_the_verdict_is_missing_input_naming_what_to_score():
    partial = score_sheet(S25, {"C1.I1": {"not_arising": True}, "C1.I2": {"lawful": 10, "issued": 10}})
    result = evaluate(S25, partial, declarations=CLEAN_25)
    assert verdicts(result)["floor.C1"] == MET
    c2 = next(c for c in result.conditions if c.id == "floor.C2")
    assert c2.verdict == MISSING_INPUT and c2.missing.startswith("criterion 2 needs 15.00 more points; not yet scored: C2.I1")


def test_given_bad_inputs_then_they_are_refused_with_a_clear_message():
    appraised = sheet(S25, "10", "28", "14", "24", "19")
    with pytest.raises(ValidationFailed, match="not a declared condition"):
        evaluate(S25, appraised, declarations={"no_official_disciplined": True})
    with pytest.raises(ValidationFailed, match="must be true or false"):
        evaluate(S25, appraised, declarations={"no_head_disciplined": "yes"})
    with pytest.raises(ValidationFailed, match="takes no satisfaction percentage"):
        evaluate(S25, appraised, declarations=CLEAN_25, satisfaction_percent="90")
    with pytest.raises(ValidationFailed, match="is for 25-2021 v1"):
        evaluate(S619, appraised, declarations=CLEAN_619)
    with pytest.raises(ValidationFailed, match="class must be one of"):
        evaluate(S619, sheet(S619, "15", "30", "25", "10", "20"), commune_class="IV", declarations=CLEAN_619)
    with pytest.raises(ValidationFailed):
        evaluate(S619, sheet(S619, "15", "30", "25", "10", "20"), commune_class="I", declarations=CLEAN_619,
                 satisfaction_percent=97.35)


def all_27_figures(**overrides):
    figures = {indicator_id: {"achieved": True} for indicator_id in S27.indicator_ids()}
    figures.update({
        "C1.I1": {"not_arising": True}, "C2.I2": {"disclosed": 5, "issued": 5}, "C2.I3": {"not_arising": True},
        "C2.I1": {"lists_compiled": True, "lists_posted": True},
        "C2.I4": {"plan_issued_on_time": True, "plan_tasks_done": 8, "plan_tasks": 8, "not_arising": ["C2.I4.c"]},
        "C2.I5": {"count": 2}, "C3.I3": {"count": 1},
        "C2.I6": {"sub_content_1": True, "sub_content_2": True, "sub_content_3": True},
        "C2.I7": {"sub_content_1": True, "sub_content_2": True, "sub_content_3": True},
        "C3.I1": {"not_arising": ["C3.I1.a", "C3.I1.b"]}, "C3.I2": {"cases_received": 4, "cases_mediated": 4, "cases_settled": 4},
    })
    figures.update(overrides)
    return figures


def test_given_27_2025_with_every_indicator_achieved_then_it_is_recognised_provisionally():
    result = evaluate(S27, score_sheet(S27, all_27_figures()), declarations={})
    assert result.recognised and result.provisional
    assert result.conditions[0].value == "14 of 14 achieved"


def test_given_27_2025_with_one_indicator_not_achieved_then_it_is_not_recognised_and_names_it():
    result = evaluate(S27, score_sheet(S27, all_27_figures(**{"C2.I3": {"provided": 3, "requested": 4}})),
                      declarations={})
    assert not result.recognised
    assert result.conditions[0].missing == "not achieved: C2.I3"


def test_given_a_result_then_to_dict_is_plain_json():
    result = evaluate(S25, sheet(S25, "10", "30", "7.25", "22.75", "15"), declarations=CLEAN_25)
    body = result.to_dict()
    assert body["recognised"] is False and body["basis"] == "criterion_points"
    assert body["conditions"][0] == {"id": "total", "name": "total score at least 80.00", "value": "85.00",
                                     "threshold": "80.00", "verdict": "met", "missing": None,
                                     "decisive": True, "provisional": False}

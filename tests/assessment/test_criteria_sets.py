"""Given/When/Then for criteria sets as versioned data: the built-in regimes and validation."""

import copy
import json
from decimal import Decimal

import pytest

from kernel.errors import NotFound, ValidationFailed
from rules.criteria import load_builtin_sets, parse_criteria_set, set_for_year
from rules.criteria.loader import DATA_DIR

SETS = load_builtin_sets()
S619, S25, S27 = SETS[("619-2017", 1)], SETS[("25-2021", 1)], SETS[("27-2025", 1)]


def document(key=("25-2021", 1)) -> dict:
    return copy.deepcopy(SETS[key].to_dict())


def problems_of(doc) -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        parse_criteria_set(doc)
    assert caught.value.code == "validation_failed"
    return caught.value.details["problems"]


def test_given_the_data_folder_when_loaded_then_the_three_regimes_are_there_in_their_versions():
    assert sorted(SETS) == [("25-2021", 1), ("25-2021", 2), ("27-2025", 1), ("27-2025", 2),
                            ("619-2017", 1)]
    assert sorted(p.name for p in DATA_DIR.glob("*.json")) == [
        "25-2021.v1.json", "25-2021.v2.json", "27-2025.v1.json", "27-2025.v2.json",
        "619-2017.v1.json"]


def test_given_619_when_loaded_then_the_confirmed_numbers_are_kept_exactly():
    assert S619.total_max == Decimal("100.00") and len(S619.indicator_ids()) == 25
    assert [c.max for c in S619.criteria] == [Decimal(v) for v in ("15", "30", "25", "10", "20")]
    confirmed = {"C1.I1": "4", "C2.I3": "10", "C2.I4": "2", "C2.I5": "12", "C3.I1": "2", "C5.I4": "4"}
    for indicator_id, points in confirmed.items():
        assert S619.indicator(indicator_id).max == Decimal(points)
    assert S619.indicator("C2.I3").rule.kind == "proportional"
    assert S619.indicator("C2.I4").not_arising == "full_points"
    penalty = S619.indicator("C2.I2").sub_items[-1]
    assert (penalty.rule.kind, penalty.rule.params["points"], penalty.provisional) == ("penalty", "0.25", False)


def test_given_619_when_loaded_then_the_recognition_rules_are_class_based_with_an_unconfirmed_satisfaction():
    rules = S619.recognition
    assert rules.class_thresholds == {"I": Decimal("90.00"), "II": Decimal("80.00"), "III": Decimal("70.00")}
    assert rules.total_threshold is None and rules.criterion_floor_ratio == Decimal("0.50")
    assert [c.id for c in rules.conditions] == ["no_official_disciplined"]
    assert "warning or heavier" in rules.conditions[0].wording
    assert rules.satisfaction_input and rules.satisfaction.provenance.provisional
    assert not rules.satisfaction.decisive and rules.satisfaction.min_percent is None


def test_given_25_2021_when_loaded_then_criterion_1_and_the_band_table_are_as_published():
    assert [c.max for c in S25.criteria] == [Decimal(v) for v in ("10", "30", "15", "25", "20")]
    assert len(S25.indicator_ids()) == 20
    assert [len(c.indicators) for c in S25.criteria] == [2, 6, 3, 5, 4]
    first = S25.indicator("C1.I1")
    assert (first.max, first.not_arising, first.provisional) == (Decimal("3.00"), "full_points", False)
    assert [s.max for s in first.sub_items] == [Decimal("1.00"), Decimal("2.00")]
    assert S25.indicator("C1.I2").max == Decimal("7.00")
    bands = S25.indicator("C2.I5").rule.params["bands"]
    assert [(b["from_percent"], b["points"]) for b in bands[1:]] == [("80", "1.00"), ("70", "0.50"), ("50", "0.25")]
    assert bands[0]["provisional"] is True and bands[0]["from_percent"] == "90"
    assert S25.recognition.total_threshold == Decimal("80.00")
    assert not S25.recognition.satisfaction_input


def test_given_27_2025_when_loaded_then_it_is_pass_fail_with_3_criteria_and_14_indicators():
    assert S27.pass_fail and S27.total_max is None and S27.provisional
    assert len(S27.criteria) == 3 and len(S27.indicator_ids()) == 14
    assert S27.recognition.all_indicators_achieved
    assert all(i.max is None for i in S27.indicators())


@pytest.mark.parametrize("criteria_set", [S619, S25, S27], ids=lambda s: s.id)
def test_given_a_built_in_set_when_exported_then_provisional_shows_at_every_level_it_applies(criteria_set):
    exported = criteria_set.to_dict()
    assert exported["provisional"] is True
    flags = [i["provisional"] for c in exported["criteria"] for i in c["indicators"]]
    assert all(isinstance(f, bool) for f in flags) and any(flags)
    for criterion in exported["criteria"]:
        for indicator in criterion["indicators"]:
            for sub in indicator.get("sub_items", []):
                assert isinstance(sub["provisional"], bool)
            if indicator["provisional"]:
                assert indicator.get("note"), f"{indicator['id']} is provisional without saying why"


@pytest.mark.parametrize("criteria_set", [S619, S25, S27], ids=lambda s: s.id)
def test_given_a_built_in_set_when_exported_and_published_back_then_it_is_the_same(criteria_set):
    assert parse_criteria_set(json.loads(json.dumps(criteria_set.to_dict()))) == criteria_set


def test_given_a_split_value_then_it_is_marked_provisional_with_a_note():
    split = S25.indicator("C3.I1")
    assert split.provisional and "split evenly pending the official annex" in split.provenance.note
    assert S619.indicator("C1.I2").provisional and S619.indicator("C1.I2").max == Decimal("5.50")


@pytest.mark.parametrize("year, set_id", [(2017, "619-2017"), (2021, "619-2017"), (2022, "25-2021"),
                                          (2024, "25-2021"), (2025, "27-2025"), (2031, "27-2025")])
def test_given_an_evaluation_year_when_asked_then_the_set_in_force_is_returned(year, set_id):
    assert set_for_year(year).id == set_id


def test_given_a_later_published_version_when_asked_for_a_year_then_the_latest_version_wins():
    v3 = document()
    v3["version"] = 3
    sets = {**SETS, ("25-2021", 3): parse_criteria_set(v3)}
    assert set_for_year(2023, sets).version == 3
    assert set_for_year(2023).version == 2


def test_given_a_year_before_the_standard_then_no_set_is_found():
    with pytest.raises(NotFound):
        set_for_year(2016)


def test_given_an_unknown_indicator_id_then_not_found_is_raised():
    with pytest.raises(NotFound):
        S25.indicator("C9.I9")
    with pytest.raises(NotFound):
        S25.criterion("C9")


def test_given_indicator_maxima_that_do_not_add_up_then_the_message_names_the_criterion():
    doc = document()
    doc["criteria"][2]["indicators"][0]["max"] = "6.00"
    problems = problems_of(doc)
    assert "C3: the indicator maxima add up to 16.00, not 15.00" in problems


def test_given_sub_item_and_criteria_sums_that_do_not_add_up_then_each_is_reported():
    doc = document()
    doc["criteria"][0]["indicators"][0]["sub_items"][1]["max"] = "2.50"
    doc["total_max"] = "99.00"
    problems = problems_of(doc)
    assert "C1.I1: the sub-item maxima add up to 3.50, not 3.00" in problems
    assert "total_max: the criteria maxima add up to 100.00, not 99.00" in problems


def test_given_a_duplicate_id_then_it_is_reported():
    doc = document()
    doc["criteria"][1]["indicators"][1]["id"] = "C2.I1"
    assert "C2.I1: the id is used more than once" in problems_of(doc)


def test_given_an_unknown_rule_kind_then_the_known_kinds_are_listed():
    doc = document()
    doc["criteria"][0]["indicators"][1]["rule"]["kind"] = "magic"
    [problem] = problems_of(doc)
    assert problem.startswith("C1.I2.rule.kind: unknown rule kind 'magic'; known kinds are fixed")


def test_given_an_unknown_field_then_its_path_is_reported():
    doc = document()
    doc["criteria"][1]["indicators"][0]["weight"] = 3
    doc["colour"] = "red"
    problems = problems_of(doc)
    assert "criteria[1] (C2).indicators[0] (C2.I1).weight: Unknown field." in problems
    assert "colour: Unknown field." in problems


def test_given_bad_rule_parameters_then_each_is_reported():
    doc = document()
    bands = doc["criteria"][1]["indicators"][4]["rule"]["params"]["bands"]
    bands[1]["points"] = "3.00"  # above the indicator's maximum
    doc["criteria"][0]["indicators"][1]["rule"]["params"]["scale"] = 2
    problems = problems_of(doc)
    assert any(p.startswith("C2.I5.rule.params.bands[1].points") for p in problems)
    assert "C1.I2.rule.params.scale: unknown parameter for a 'proportional' rule" in problems


def test_given_points_as_a_json_number_then_they_are_refused():
    doc = document()
    doc["criteria"][0]["max"] = 10.0
    problems = problems_of(doc)
    assert problems == ['criteria[0] (C1).max: Write points as a string with at most two decimals, e.g. "12.50".']


def test_given_a_set_claiming_not_provisional_when_items_are_then_it_is_refused():
    doc = document()
    doc["provisional"] = False
    [problem] = problems_of(doc)
    assert problem.startswith("provisional: the set says false but provisional items are: C1.I2")


def test_given_a_pass_fail_set_with_points_then_it_is_refused():
    doc = document(("27-2025", 1))
    doc["criteria"][0]["max"] = "10.00"
    doc["criteria"][0]["indicators"][0]["not_arising"] = "full_points"
    problems = problems_of(doc)
    assert "C1.max: a pass/fail set has no points (null)" in problems
    assert "C1.I1.not_arising: must be 'achieved' in this set" in problems


def test_given_a_penalty_on_an_indicator_then_it_is_refused():
    doc = document()
    doc["criteria"][0]["indicators"][1]["rule"] = {"kind": "penalty", "params": {"figure": "x", "points": "0.25"}}
    assert "C1.I2.rule: a penalty deducts from its indicator, so it must be a sub-item" in problems_of(doc)


def test_given_many_problems_then_the_message_lists_every_one_on_its_own_line():
    doc = document()
    doc["criteria"][0]["indicators"][1]["rule"]["kind"] = "magic"
    doc["criteria"][1]["indicators"][1]["id"] = "C2.I1"
    with pytest.raises(ValidationFailed) as caught:
        parse_criteria_set(doc)
    assert caught.value.message.splitlines()[0] == "Bộ tiêu chí 25-2021 v1 không hợp lệ:"
    lines = str(caught.value).splitlines()
    assert lines[0] == "The criteria set 25-2021 v1 is not valid:"
    assert len(lines) == 1 + len(caught.value.details["problems"]) >= 3


# -- 27/2025 version 2: the contents the sources name, the rest marked inferred ---------------
S27_2 = SETS[("27-2025", 2)]


def _contents(criteria_set):
    return [item for i in criteria_set.indicators() for item in (i.sub_items or (i,))]


def test_given_2026_then_the_set_in_force_is_27_2025_v2_and_v1_stays_readable_for_replay():
    assert set_for_year(2026).key == ("27-2025", 2) and S27.version == 1
    assert [len(c.indicators) for c in S27_2.criteria] == [3, 7, 4] and S27_2.pass_fail
    assert S27_2.recognition.all_indicators_achieved


def test_given_v2_then_no_placeholder_is_left_and_every_content_has_its_requirement():
    for item in _contents(S27_2):
        assert "Nội dung 1" not in item.name and "chưa có nội dung" not in item.name, item.id
        assert item.requirement and item.provenance.sources, item.id
        assert item.wording in ("secondary", "inferred"), item.id
    assert [s.name for s in S27_2.indicator("C2.I4").sub_items][2].startswith(
        "Tỷ lệ hoàn thành nhiệm vụ về phổ biến")
    mediation = S27_2.indicator("C3.I2").sub_items[1]
    assert mediation.rule.params["min_percent"] == "80"


def test_given_a_content_no_source_names_then_it_is_marked_inferred_with_a_vietnamese_note():
    inferred = [item for item in _contents(S27_2) if item.wording == "inferred"]
    assert {i.id for i in inferred} == {"C2.I6.a", "C2.I7.a", "C2.I7.b", "C2.I7.c",
                                        "C3.I4.a", "C3.I4.b", "C3.I4.d"}
    for item in inferred:
        assert item.provisional and item.provenance.note.startswith("Nội dung suy luận: nguồn không nêu tên")


def test_given_the_activity_list_indicators_then_they_list_the_activities_and_need_one():
    digital, mobilising = S27_2.indicator("C2.I5"), S27_2.indicator("C3.I3")
    assert len(digital.rule.params["activities"]) == 8 and len(mobilising.rule.params["activities"]) == 4
    assert digital.rule.kind == mobilising.rule.kind == "count_at_least"
    assert digital.rule.params["at_least"] == mobilising.rule.params["at_least"] == 1


def test_given_v2_when_exported_then_it_loads_back_identically():
    assert parse_criteria_set(S27_2.to_dict()) == S27_2


@pytest.mark.parametrize("activities, expected", [
    ([], "activities: a list of the activities' names"),
    (["Một", "một"], "activities: an activity is listed twice"),
])
def test_given_a_bad_activity_list_then_it_is_refused(activities, expected):
    doc = copy.deepcopy(S27_2.to_dict())
    doc["version"] = 9
    doc["criteria"][1]["indicators"][4]["rule"]["params"]["activities"] = activities
    assert any(p.endswith(expected) for p in problems_of(doc))


# -- survey-fed indicators: declared in the data ------------------------------------------------

def test_given_version_2_of_25_2021_then_c2_i4_is_fed_by_the_mau04_survey_and_marked_provisional():
    c2i4 = SETS[("25-2021", 2)].indicator("C2.I4")
    assert c2i4.survey.purpose == "dissemination_models" and c2i4.survey.provenance.provisional
    assert c2i4.survey.figures_from({"valid_answers": 30, "satisfied": 24}) == {
        "surveyed": 30, "rated_effective": 24}
    assert c2i4.rule.kind == "proportional" and c2i4.provisional
    assert SETS[("25-2021", 1)].indicator("C2.I4").survey is None  # version 1 replays unchanged
    assert SETS[("619-2017", 1)].indicator("C2.I5").survey.purpose == "satisfaction"
    again = parse_criteria_set(SETS[("25-2021", 2)].to_dict())  # exported, published back
    assert again.indicator("C2.I4").survey == c2i4.survey


def test_given_a_survey_feeding_a_figure_the_rules_do_not_read_then_the_set_is_refused():
    doc = document(("25-2021", 2))
    c2i4 = doc["criteria"][1]["indicators"][3]
    c2i4["survey"]["figures"] = {"answers": "valid_answers", "rated_effective": "satisfied"}
    found = problems_of(doc)
    assert any(p.startswith("C2.I4.survey.figures.answers: not a figure its rules read")
               for p in found)
    assert "C2.I4.survey.figures: nothing feeds surveyed" in found


def test_given_two_survey_fed_indicators_then_the_set_is_refused():
    doc = document(("25-2021", 2))
    c2 = doc["criteria"][1]["indicators"]
    c2[2]["rule"] = {"kind": "proportional", "params": {"numerator": "a", "denominator": "b"}}
    c2[2]["survey"] = {"purpose": "satisfaction", "figures": {"a": "satisfied", "b": "valid_answers"}}
    assert "survey: only one indicator may be fed by a survey (C2.I3, C2.I4)" in problems_of(doc)


def test_given_an_unknown_survey_purpose_or_count_then_the_schema_refuses_it():
    doc = document(("25-2021", 2))
    doc["criteria"][1]["indicators"][3]["survey"].update(
        purpose="kiosk", figures={"surveyed": "responses", "rated_effective": "satisfied"})
    found = " ".join(problems_of(doc))
    assert "C2.I4).survey.purpose" in found and "C2.I4).survey.figures" in found

"""The board's words without a platform: Vietnamese numbers and dates (kernel/vietnamese.py),
the unit terms of a year's regime, and why a commune is or is not recognised, from the
conditions the decision carries (rules/recognition.py)."""

from decimal import Decimal

import pytest

from gateway.board import number
from gateway.board.explain import explanation
from gateway.board.terms import unit_terms
from kernel import vietnamese as vi
from rules.criteria import load_builtin_sets
from rules.recognition import evaluate, public_explanation
from rules.scoring import ScoreSheet, appraised_sheet

SETS = load_builtin_sets()
S619, S27 = SETS[("619-2017", 1)], SETS[("27-2025", 1)]


@pytest.mark.parametrize("value, places, shown", [
    ("89.78", None, "89,78"), ("17.50", None, "17,5"), ("100.00", None, "100"),
    (12345, None, "12.345"), ("10599", None, "10.599"), ("1234567.5", None, "1.234.567,5"),
    ("17.5", 2, "17,50"), (Decimal("0.18"), None, "0,18"), ("-2.5", None, "-2,5"),
    (None, None, ""), ("không", None, "không"), (True, None, "True"),
])
def test_numbers_in_vietnamese_form(value, places, shown):
    assert vi.number(value, places) == shown
    assert number(value, places) == shown  # the board's filter is the same helper


def test_dates_moments_and_posting_forms():
    assert vi.day("2023-02-06") == "06/02/2023" and vi.day("quý 3") == "quý 3"
    assert vi.moment("2025-03-01T09:00:00.123+07:00") == "01/03/2025 09:00:00"
    assert vi.posting_channel("office") == "niêm yết tại trụ sở Ủy ban nhân dân cấp xã"
    assert vi.posting_channel("radio").startswith("thông báo trên hệ thống truyền thanh")


@pytest.mark.parametrize("year, words", [
    (2017, "xã, phường, thị trấn"), (2024, "xã, phường, thị trấn"),
    (2025, "xã, phường, đặc khu"), (2026, "xã, phường, đặc khu"), (None, "xã, phường, đặc khu"),
])
def test_unit_terms_follow_the_regime_of_the_year(year, words):
    assert unit_terms(year) == words
    assert unit_terms(year, capital=True) == words[0].upper() + words[1:]


def sheet(criteria_set, *points):
    return ScoreSheet.from_criterion_points(
        criteria_set, {c.id: p for c, p in zip(criteria_set.criteria, points, strict=True)})


def decided_year(carried, recognised=False, year=2020):
    return {"year": year, "decision": {"recognised": recognised, "recognition": carried},
            "scores": None, "revocation": None}


def test_89_78_with_every_floor_met_is_explained_by_the_class_threshold_of_90():
    appraised = sheet(S619, "15", "28.78", "21", "9", "16")
    result = evaluate(S619, appraised, commune_class="I",
                      declarations={"no_official_disciplined": True},
                      satisfaction_percent="91.5")
    carried = public_explanation(S619, appraised, result, "I")
    assert appraised.total == Decimal("89.78") and carried["recognised"] is False
    why = explanation(decided_year(carried))
    assert why["headline"] == "Không đạt chuẩn vì: tổng điểm 89,78 thấp hơn ngưỡng 90 của xã loại I."
    lines = {line["id"]: line for line in why["lines"]}
    assert (lines["total"]["value"], lines["total"]["threshold"]) == (
        "89,78/100 điểm", "tối thiểu 90 điểm (xã loại I)")
    assert all(lines[f"floor.C{n}"]["verdict"] == "met" for n in range(1, 6))
    assert lines["floor.C3"]["value"] == "21/25 điểm" and lines["floor.C3"]["threshold"] == \
        "điểm sàn 12,5 (50% điểm tối đa)"
    assert lines["no_official_disciplined"]["value"] == "Xã kê khai: bảo đảm"
    # satisfaction is shown where the regime uses it, and said not to decide
    assert lines["satisfaction"]["value"] == "91,5%" and not lines["satisfaction"]["decisive"]
    assert "chỉ ghi nhận" in lines["satisfaction"]["threshold"]


def test_the_declared_discipline_and_a_floor_are_named_when_they_fail():
    appraised = sheet(S619, "15", "30", "12", "10", "20")  # 87: C3 below its floor of 12,5
    result = evaluate(S619, appraised, commune_class="II",
                      declarations={"no_official_disciplined": False})
    why = explanation(decided_year(public_explanation(S619, appraised, result, "II")))
    assert [line["id"] for line in why["failed"]] == ["floor.C3", "no_official_disciplined"]
    assert "tiêu chí 3 đạt 12 điểm, dưới điểm sàn 12,5" in why["headline"]
    assert "xã đã kê khai không bảo đảm điều kiện “Trong năm không có cán bộ" in why["headline"]


def test_27_2025_names_the_indicators_not_achieved():
    indicators = [i.id for i in S27.indicators()]
    scores = {i: {"achieved": i not in indicators[:2]} for i in indicators}
    appraised = appraised_sheet(S27, {i: {"points": None, **v} for i, v in scores.items()})
    result = evaluate(S27, appraised, declarations={})
    why = explanation(decided_year(public_explanation(S27, appraised, result, None), year=2026))
    [line] = why["lines"]
    assert line["value"] == (f"{len(indicators) - 2}/{len(indicators)} chỉ tiêu đạt; "
                             f"không đạt: {indicators[0]}, {indicators[1]}")
    assert why["headline"] == (f"Không đạt chuẩn vì: chỉ tiêu không đạt: {indicators[0]}, "
                               f"{indicators[1]}.")


def test_a_decision_without_conditions_is_explained_by_its_criteria_and_says_so():
    year = {"year": 2022, "decision": {"recognised": False}, "revocation": None,
            "scores": {"criteria": [{"id": "C1", "name": "Ban hành", "points": "9.00",
                                     "max": "10.00", "floor": "5.00", "meets_floor": True}]}}
    why = explanation(year)
    assert not why["complete"] and why["lines"][0]["verdict"] == "met"
    assert "không hiển thị được" in why["headline"]
    assert explanation({"year": 2022, "decision": None, "scores": None}) is None


def test_a_recognition_the_conditions_do_not_support_says_so():
    appraised = sheet(S619, "15", "30", "12", "10", "20")
    result = evaluate(S619, appraised, commune_class="III",
                      declarations={"no_official_disciplined": True})
    why = explanation(decided_year(public_explanation(S619, appraised, result, "III"),
                                   recognised=True))
    assert why["disagrees"] and why["headline"].startswith(
        "Được công nhận đạt chuẩn theo quyết định của Chủ tịch")
    assert why["headline"].endswith("tiêu chí 3 đạt 12 điểm, dưới điểm sàn 12,5.")

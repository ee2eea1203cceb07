"""Given/When/Then for working days and the deadlines of each regime, with real holidays."""

import copy
from datetime import UTC, date, datetime, timedelta

import holidays
import pytest

from gateway.workspace.criteria_problems import in_vietnamese
from kernel.errors import ValidationFailed
from rules.criteria import load_builtin_sets, parse_criteria_set
from rules.deadlines import (
    CALENDAR,
    WORKING,
    add_working_days,
    as_vietnam_date,
    calendar_for,
    criteria_set_ids,
    is_working_day,
    working_days_between,
)


@pytest.mark.parametrize("day, name", [
    (date(2023, 1, 1), "New Year"), (date(2023, 1, 20), "29 Tết"), (date(2023, 1, 22), "Tết"),
    (date(2023, 1, 26), "5th day of Tết"), (date(2023, 4, 29), "Hùng Kings"),
    (date(2023, 4, 30), "30/4"), (date(2023, 5, 1), "1/5"), (date(2023, 9, 2), "2/9"),
    (date(2023, 9, 1), "second National Day"), (date(2023, 5, 2), "Hùng Kings observed"),
])
def test_given_the_package_then_every_legal_holiday_is_known(day, name):
    assert day in holidays.country_holidays("VN", years=day.year), name
    assert not is_working_day(day)


def test_given_a_saturday_worked_in_exchange_for_a_day_off_then_it_is_a_working_day():
    assert is_working_day(date(2025, 4, 26))  # worked for Friday 2/5/2025
    assert not is_working_day(date(2025, 5, 2))


def test_given_a_swap_decided_the_year_before_then_the_saturday_is_still_worked():
    assert add_working_days(date(2019, 1, 4), 1) == date(2019, 1, 5)


def test_given_a_weekend_when_adding_working_days_then_it_is_skipped():
    assert add_working_days(date(2023, 3, 10), 1) == date(2023, 3, 13)


def test_given_the_eve_of_tet_2023_when_adding_three_working_days_then_they_start_after_tet():
    assert add_working_days(date(2023, 1, 19), 3) == date(2023, 1, 31)


def test_given_the_day_before_30_4_2023_when_adding_three_working_days_then_the_break_is_skipped():
    assert add_working_days(date(2023, 4, 28), 3) == date(2023, 5, 8)


def test_given_national_day_2025_when_adding_a_working_day_then_it_lands_after_both_days():
    assert add_working_days(date(2025, 8, 29), 1) == date(2025, 9, 3)


def test_given_zero_days_then_the_date_is_unchanged_and_negative_counts_are_refused():
    assert add_working_days(date(2023, 1, 21), 0) == date(2023, 1, 21)
    with pytest.raises(ValidationFailed):
        add_working_days(date(2023, 1, 21), -1)


@pytest.mark.parametrize("a, b, expected", [
    (date(2023, 1, 19), date(2023, 1, 31), 3), (date(2023, 1, 19), date(2023, 1, 19), 0),
    (date(2023, 1, 31), date(2023, 1, 19), -3), (date(2023, 3, 10), date(2023, 3, 17), 5),
])
def test_working_days_between_counts_the_days_after_the_first_up_to_the_second(a, b, expected):
    assert working_days_between(a, b) == expected


def test_adding_and_counting_working_days_agree_across_a_year():
    start = date(2022, 12, 15)
    for n in range(0, 60):
        assert working_days_between(start, add_working_days(start, n)) == n


def test_given_a_time_in_another_zone_then_the_day_is_vietnams():
    assert as_vietnam_date(datetime(2023, 1, 9, 18, 0, tzinfo=UTC)) == date(2023, 1, 10)
    with pytest.raises(ValidationFailed, match="time zone"):
        as_vietnam_date(datetime(2023, 1, 9, 18, 0))


def test_given_619_when_posting_starts_on_a_monday_then_ten_working_days_span_a_weekend():
    assert calendar_for("619-2017").posting_minimum_end(date(2019, 11, 6)) == date(2019, 11, 19)


def test_given_619_when_posting_starts_on_a_saturday_then_the_count_starts_on_monday():
    assert calendar_for("619-2017").posting_minimum_end(date(2019, 11, 2)) == date(2019, 11, 15)


@pytest.mark.parametrize("regime", ["25-2021", "27-2025"])
def test_given_25_2021_or_27_2025_then_posting_lasts_five_calendar_days(regime):
    calendar = calendar_for(regime)
    assert (calendar.posting_minimum, calendar.posting_unit) == (5, CALENDAR)
    assert calendar.posting_minimum_end(date(2023, 1, 20)) == date(2023, 1, 24)


def test_given_619_then_posting_is_in_working_days_and_the_commune_clarifies_within_five():
    calendar = calendar_for("619-2017")
    assert (calendar.posting_minimum, calendar.posting_unit) == (10, WORKING)
    assert calendar.supplement_due(date(2019, 12, 27)) == date(2020, 1, 6)  # 1/1 skipped


def test_given_25_2021_when_a_supplement_is_requested_before_tet_then_it_is_due_after_tet():
    assert calendar_for("25-2021").supplement_due(date(2023, 1, 19)) == date(2023, 1, 31)


def test_given_a_year_then_the_dossier_and_decision_are_due_before_dates_of_the_next_year():
    calendar = calendar_for("25-2021")
    assert calendar.dossier_due(2022) == date(2023, 1, 10)
    assert calendar.decision_due(2022) == date(2023, 2, 10)


def test_given_a_decision_signed_on_the_eve_of_tet_2024_then_publication_is_due_after_tet():
    assert calendar_for("25-2021").publication_due(date(2024, 2, 7)) == date(2024, 2, 16)


def test_given_the_regimes_then_unconfirmed_deadlines_are_marked_provisional():
    assert calendar_for("25-2021").provisional == ()
    assert "dossier_due_before" in calendar_for("619-2017").provisional
    assert "posting_minimum" not in calendar_for("619-2017").provisional
    assert set(calendar_for("27-2025").provisional) >= {"posting_minimum", "supplement_working_days"}
    assert calendar_for("27-2025").to_dict()["dossier_due_before"] == "10/01"


def test_given_an_unknown_criteria_set_then_it_is_refused_naming_the_known_ones():
    assert criteria_set_ids() == ["25-2021", "27-2025", "619-2017"]
    with pytest.raises(ValidationFailed, match="619-2017") as refused:
        calendar_for("1723-2022")
    assert refused.value.details == {"criteria_set_id": "1723-2022"}


def test_every_day_of_tet_2024_is_a_day_off():
    tet = [date(2024, 2, 8) + timedelta(days=i) for i in range(7)]
    assert not any(is_working_day(day) for day in tet)


# -- deadlines as criteria-set data ----------------------------------------------------------
def _new_circular(**calendar) -> dict:
    """A new regime's set, as an administrator would publish it: its own calendar."""
    document = copy.deepcopy(load_builtin_sets()[("27-2025", 2)].to_dict())
    document.update(id="99-2030", version=1, applies_to={"first_year": 2030, "last_year": None})
    document["calendar"] = {**document["calendar"], **calendar}
    return document


def test_given_a_new_circulars_set_when_loaded_then_its_deadlines_come_with_it_without_code():
    new = parse_criteria_set(_new_circular(
        posting_minimum=7, posting_unit="working_days", dossier_due_before="15/01",
        provisional=[], reports=[{"id": "province_to_ministry", "name": "Báo cáo Bộ Tư pháp",
                                  "due_before": "28/02"}]))
    calendar = calendar_for("99-2030", sets={new.key: new})
    assert (calendar.posting_minimum, calendar.posting_unit, calendar.provisional) == (7, WORKING, ())
    assert calendar.posting_minimum_end(date(2030, 12, 2)) == date(2030, 12, 10)
    assert calendar.dossier_due(2030) == date(2031, 1, 15)
    assert calendar.report_due("province_to_ministry", 2030) == date(2031, 2, 28)
    with pytest.raises(ValidationFailed):
        calendar.report_due("district_to_province", 2030)


def test_given_25_2021_then_its_report_dates_are_data_before_15_02_and_20_02():
    calendar = calendar_for("25-2021")
    assert calendar.report_due("district_to_province", 2023) == date(2024, 2, 15)
    assert calendar.report_due("province_to_ministry", 2023) == date(2024, 2, 20)


@pytest.mark.parametrize("calendar, expected", [
    ({"dossier_due_before": "31/02"}, "calendar.dossier_due_before: 31/02 is not a day of the year"),
    ({"decision_due_before": "05/01"}, "calendar.decision_due_before: the decision is due after the dossier"),
    ({"dossier_due_before": "10-01"}, 'calendar.dossier_due_before: Write a day of the year as "dd/mm", e.g. "10/01".'),
    ({"posting_unit": "weeks"}, "calendar.posting_unit: Must be one of: working_days, calendar_days."),
    ({"provisional": ["posting_length"]}, "calendar.provisional[0]: Must be one of:"),
])
def test_given_a_bad_calendar_when_loaded_then_every_problem_is_listed_and_said_in_vietnamese(
        calendar, expected):
    with pytest.raises(ValidationFailed) as refused:
        parse_criteria_set(_new_circular(**calendar))
    problems = refused.value.details["problems"]
    assert any(p.startswith(expected) for p in problems), problems
    assert all(in_vietnamese(p) != p for p in problems)  # the workspace says each in Vietnamese


def test_given_a_version_published_before_calendars_were_data_then_it_keeps_its_regimes():
    document = copy.deepcopy(load_builtin_sets()[("25-2021", 1)].to_dict())
    del document["calendar"]
    document["version"] = 7
    assert parse_criteria_set(document).calendar == load_builtin_sets()[("25-2021", 1)].calendar
    document["id"] = "99-2030"
    with pytest.raises(ValidationFailed, match="calendar"):
        parse_criteria_set(document)

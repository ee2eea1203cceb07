"""Working days and the deadlines of each regime, counted in Vietnam's calendar.

Holidays come from the ``holidays`` package (Tết, Hùng Kings' day, 30/4, 1/5, 2/9, New
Year, the government's swapped days off and the Saturdays worked in exchange); nothing is
added by hand. Deadlines are data per criteria set so that a regime's numbers can be
corrected without touching the workflow; the ones no official text confirmed are listed
in ``RegimeCalendar.provisional``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from kernel.clock import VIETNAM
from kernel.errors import ValidationFailed

WORKING, CALENDAR = "working_days", "calendar_days"


def as_vietnam_date(value: date | datetime) -> date:
    """The day in Vietnam: a deadline is missed by the Hanoi clock, not the server's."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationFailed("date.time_zone_needed", {"value": value.isoformat()})
        return value.astimezone(VIETNAM).date()
    if isinstance(value, date):
        return value
    raise ValidationFailed("date.required", {"value": repr(value)})


@lru_cache(maxsize=64)
def _holidays_around(year: int) -> holidays.HolidayBase:
    # A swap decided in one year can move a working Saturday into the next (31/12/2018 off
    # for 05/01/2019 worked), so the neighbouring years are loaded too.
    return holidays.country_holidays("VN", years=(year - 1, year, year + 1))


def is_working_day(day: date) -> bool:
    return _holidays_around(day.year).is_working_day(day)


def add_working_days(day: date, n: int) -> date:
    """The n-th working day after ``day`` (``day`` itself never counts)."""
    if n < 0:
        raise ValidationFailed("date.negative_working_days", {"n": n})
    current = as_vietnam_date(day)
    while n:
        current += timedelta(days=1)
        if is_working_day(current):
            n -= 1
    return current


def working_days_between(a: date, b: date) -> int:
    """Working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``."""
    a, b = as_vietnam_date(a), as_vietnam_date(b)
    if b < a:
        return -working_days_between(b, a)
    # Counted from each year's running totals: every assessment shown counts the days left (or
    # late) of its deadlines, years back for old ones, so this must not walk day by day.
    full_years = sum(_working_days_so_far(year)[-1] for year in range(a.year, b.year))
    return (full_years + _working_days_so_far(b.year)[b.timetuple().tm_yday - 1]
            - _working_days_so_far(a.year)[a.timetuple().tm_yday - 1])


@lru_cache(maxsize=128)
def _working_days_so_far(year: int) -> tuple[int, ...]:
    """For each day of ``year``, the working days from 1 January up to it, inclusive."""
    counts, total, day = [], 0, date(year, 1, 1)
    while day.year == year:
        total += is_working_day(day)
        counts.append(total)
        day += timedelta(days=1)
    return tuple(counts)


@dataclass(frozen=True)
class RegimeCalendar:
    """The deadlines of one criteria set. ``*_before`` dates are exclusive ("trước ngày")."""

    criteria_set_id: str
    posting_minimum: int
    posting_unit: str
    supplement_working_days: int
    dossier_due_before: tuple[int, int]  # (day, month) of the year after the evaluation
    decision_due_before: tuple[int, int]
    publication_working_days: int
    provisional: tuple[str, ...] = ()

    def posting_minimum_end(self, start: date) -> date:
        """The last day the posting must still be up; the start day counts as the first."""
        start = as_vietnam_date(start)
        if self.posting_unit == CALENDAR:
            return start + timedelta(days=self.posting_minimum - 1)
        return add_working_days(start - timedelta(days=1), self.posting_minimum)

    def dossier_due(self, year: int) -> date:
        day, month = self.dossier_due_before
        return date(year + 1, month, day)

    def supplement_due(self, requested_on: date) -> date:
        return add_working_days(requested_on, self.supplement_working_days)

    def decision_due(self, year: int) -> date:
        day, month = self.decision_due_before
        return date(year + 1, month, day)

    def publication_due(self, signed_on: date) -> date:
        return add_working_days(signed_on, self.publication_working_days)

    def to_dict(self) -> dict:
        return {
            "criteria_set_id": self.criteria_set_id,
            "posting_minimum": self.posting_minimum, "posting_unit": self.posting_unit,
            "supplement_working_days": self.supplement_working_days,
            "dossier_due_before": _day_month(self.dossier_due_before),
            "decision_due_before": _day_month(self.decision_due_before),
            "publication_working_days": self.publication_working_days,
            "provisional": list(self.provisional),
        }


def _day_month(value: tuple[int, int]) -> str:
    return f"{value[0]:02d}/{value[1]:02d}"


_CALENDARS = {
    calendar.criteria_set_id: calendar for calendar in (
        # Decision 619/2017: posting and the 5-day clarification are in the decision; the
        # dates and publication delay were not found and follow 25/2021 until confirmed.
        RegimeCalendar("619-2017", 10, WORKING, 5, (10, 1), (10, 2), 2,
                       provisional=("dossier_due_before", "decision_due_before",
                                    "publication_working_days")),
        RegimeCalendar("25-2021", 5, CALENDAR, 3, (10, 1), (10, 2), 2),
        # Decision 27/2025's procedure text was not available: 25/2021's numbers are assumed.
        RegimeCalendar("27-2025", 5, CALENDAR, 3, (10, 1), (10, 2), 2,
                       provisional=("posting_minimum", "supplement_working_days",
                                    "dossier_due_before", "decision_due_before",
                                    "publication_working_days")),
    )
}


def calendar_for(criteria_set_id: str) -> RegimeCalendar:
    try:
        return _CALENDARS[criteria_set_id]
    except KeyError:
        raise ValidationFailed("deadlines.unknown_set", {"criteria_set_id": criteria_set_id},
                               {"known": sorted(_CALENDARS)}) from None


def criteria_set_ids() -> list[str]:
    return sorted(_CALENDARS)

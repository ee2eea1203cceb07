"""Working days and the deadlines of each regime, counted in Vietnam's calendar.

Holidays come from the ``holidays`` package (Tết, Hùng Kings' day, 30/4, 1/5, 2/9, New
Year, the government's swapped days off and the Saturdays worked in exchange); nothing is
added by hand. Deadlines are data: each criteria set's ``calendar`` section (a new circular
loaded through the API carries its own); the ones no official text confirmed are listed in
``RegimeCalendar.provisional``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays

from kernel.clock import VIETNAM
from kernel.errors import ValidationFailed
from rules.criteria import load_builtin_sets

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
    """The deadlines of one criteria set. ``*_before`` dates are exclusive ("trước ngày").

    Built from the set's ``calendar`` section (rules/criteria), so a regime's
    numbers are data: an assessment keeps the calendar it was opened with.
    """

    criteria_set_id: str
    posting_minimum: int
    posting_unit: str
    supplement_working_days: int
    dossier_due_before: tuple[int, int]  # (day, month) of the year after the evaluation
    decision_due_before: tuple[int, int]
    publication_working_days: int
    provisional: tuple[str, ...] = ()
    reports: tuple[dict, ...] = ()  # {"id", "name", "due_before": "dd/mm", "provisional"}

    @classmethod
    def from_dict(cls, criteria_set_id: str, data: dict) -> RegimeCalendar:
        """From a set's ``calendar`` section (or ``to_dict``), already validated by the schema."""
        return cls(criteria_set_id, data["posting_minimum"], data["posting_unit"],
                   data["supplement_working_days"], _parse_day_month(data["dossier_due_before"]),
                   _parse_day_month(data["decision_due_before"]), data["publication_working_days"],
                   tuple(data.get("provisional", ())),
                   tuple({"id": r["id"], "name": r["name"], "due_before": r["due_before"],
                          "provisional": bool(r.get("provisional"))} for r in data.get("reports", ())))

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

    def report_due(self, report_id: str, year: int) -> date:
        for report in self.reports:
            if report["id"] == report_id:
                day, month = _parse_day_month(report["due_before"])
                return date(year + 1, month, day)
        raise ValidationFailed("deadlines.unknown_report", {"report": report_id},
                               {"criteria_set_id": self.criteria_set_id,
                                "known": ", ".join(r["id"] for r in self.reports) or "—"})

    def to_dict(self) -> dict:
        return {
            "criteria_set_id": self.criteria_set_id,
            "posting_minimum": self.posting_minimum, "posting_unit": self.posting_unit,
            "supplement_working_days": self.supplement_working_days,
            "dossier_due_before": _day_month(self.dossier_due_before),
            "decision_due_before": _day_month(self.decision_due_before),
            "publication_working_days": self.publication_working_days,
            "reports": [dict(r) for r in self.reports],
            "provisional": list(self.provisional),
        }


def _day_month(value: tuple[int, int]) -> str:
    return f"{value[0]:02d}/{value[1]:02d}"


def _parse_day_month(text: str) -> tuple[int, int]:
    day, month = text.split("/")
    return (int(day), int(month))


def calendar_for(criteria_set_id: str, version: int | None = None, sets: dict | None = None) -> RegimeCalendar:
    """The calendar of a set: the given version or the latest, among ``sets`` (built-in by default)."""
    known = load_builtin_sets() if sets is None else sets
    versions = [v for (i, v) in known if i == criteria_set_id and (version is None or v == int(version))]
    if not versions:
        raise ValidationFailed("deadlines.unknown_set", {"criteria_set_id": criteria_set_id},
                               {"known": sorted({i for (i, _v) in known})})
    criteria_set = known[(criteria_set_id, max(versions))]
    return RegimeCalendar.from_dict(criteria_set.id, criteria_set.calendar.to_dict())


def calendar_of(identity: dict) -> RegimeCalendar:
    """The calendar an assessment was opened with; assessments opened before calendars were
    data carry none, and the built-in set of their regime has the very same numbers."""
    if identity.get("calendar"):
        return RegimeCalendar.from_dict(identity["criteria_set_id"], identity["calendar"])
    return calendar_for(identity["criteria_set_id"])


def criteria_set_ids() -> list[str]:
    return sorted({i for (i, _v) in load_builtin_sets()})

"""The reports a reviewing unit sends once a year's evaluation is decided, and whether each
was sent on time (docs/assessment-api.md, "Evaluation reports").

The year's criteria set lists them in its calendar (``calendar.reports``): under 25/2021 the
district people's committee reports its results (Mẫu 09, Mẫu 10) to the province before 15/02,
and the province to the Ministry of Justice before 20/02; under 27/2025 only the province's is
left. A report's id names who sends it: ``district_to_…`` a district, ``province_to_…`` a
province. ``due_before`` is exclusive ("trước ngày 15/02"), read as rules/deadlines.py reads
the dossier's and the decision's: a report sent on 15/02 is late, the last day on time is 14/02.

Which units owe a report follows the year: every district of a province whose communes the
districts reviewed that year (services/assessment/reviewing_levels.py; none from 2025), every
province; a year paused for the country or a province (rules/pauses.py) owes nothing there.

One stream per report, unit and year: ``evaluation-report-<year>-<report id>-<unit code>``.
Sending is recorded once; a mistake is corrected by an event that says why, never overwritten.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from contracts.assessment import ReportAlreadySent
from kernel.errors import DateInFuture, NotFound, ValidationFailed, YearPaused
from kernel.events import NewEvent, RecordedEvent
from reference import units
from rules.assessment.names import EVALUATION_REPORT_CORRECTED, EVALUATION_REPORT_SENT
from rules.deadlines import RegimeCalendar

EVENT_TYPES = (EVALUATION_REPORT_SENT, EVALUATION_REPORT_CORRECTED)
STREAM_PREFIX = "evaluation-report-"
LAST_DISTRICT_YEAR = 2024
MAX_NUMBER, MAX_REASON = 100, 2000
SENT, SENT_LATE, DUE, OVERDUE = "sent", "sent_late", "due", "overdue"
STATUSES = (SENT, SENT_LATE, DUE, OVERDUE)
STATUS_VI = {SENT: "Đã gửi", SENT_LATE: "Gửi muộn", DUE: "Chưa đến hạn", OVERDUE: "Quá hạn"}
LEVEL_VI = {"district": "cấp huyện", "province": "cấp tỉnh"}


def stream_name(year: int, report_id: str, unit_code: str) -> str:
    return f"{year_prefix(year)}{report_id}-{unit_code}"


def year_prefix(year: int) -> str:
    return f"{STREAM_PREFIX}{year}-"


def reporting_level(report_id: str) -> str | None:
    """Who sends the report, from its id: ``district_to_province`` → district."""
    level = report_id.split("_to_", 1)[0]
    return level if level in LEVEL_VI else None


def status(due_before: date, sent_on: date | None, as_of: date) -> str:
    """``sent`` before the due date, ``sent_late`` on or after it; unsent: ``due`` until the
    day before it, ``overdue`` from it. A report sent after ``as_of`` was not yet sent then."""
    if sent_on is not None and sent_on <= as_of:
        return SENT if sent_on < due_before else SENT_LATE
    return DUE if as_of < due_before else OVERDUE


def provinces_of_year(year: int) -> list[str]:
    """Province codes the reference data lists for the year (the roll-ups' units)."""
    if year > LAST_DISTRICT_YEAR:
        return [p.code for p in units.provinces()]
    from reference.legacy import installed_paths

    return [path.stem for path in installed_paths() if units.legacy_districts(path.stem, year)]


def province_name(code: str, year: int) -> str:
    found = units.province_in(code, year) or units.province(code)
    return found.name if found else f"Tỉnh {code}"


@dataclass(frozen=True)
class Unit:
    """A unit that owes a report: its level, code, name and province."""

    level: str
    code: str
    name: str
    province_code: str


def find_unit(code: str, year: int) -> Unit | None:
    """A province (two digits) or, up to 2024, a district (three) of the year."""
    if len(code) == 2 and units.province_known_in(code, year):
        return Unit("province", code, province_name(code, year), code)
    if len(code) == 3 and year <= LAST_DISTRICT_YEAR:
        for province in provinces_of_year(year):
            for district in units.legacy_districts(province, year):
                if district.code == code:
                    return Unit("district", code, district.name, province)
    return None


@dataclass
class EvaluationReport:
    """One unit's report of one year, folded from its stream."""

    year: int
    report_id: str
    unit_code: str
    version: int = 0
    sent: dict | None = None
    corrections: list[dict] = field(default_factory=list)

    @classmethod
    def from_events(cls, year: int, report_id: str, unit_code: str,
                    events: Iterable[RecordedEvent]) -> EvaluationReport:
        report = cls(year, report_id, unit_code)
        for event in events:
            report.version = event.version
            recorded = {"recorded_by": (event.metadata or {}).get("actor"),
                        "recorded_at": (event.metadata or {}).get("recorded_at")}
            if event.type == EVALUATION_REPORT_SENT:
                report.sent = {"sent_on": event.data["sent_on"],
                               "document_number": event.data.get("document_number"), **recorded}
            elif event.type == EVALUATION_REPORT_CORRECTED:
                report.corrections.append({**event.data, **recorded})
                report.sent = {**report.sent, "sent_on": event.data["sent_on"],
                               "document_number": event.data.get("document_number")}
        return report

    def send(self, calendar: RegimeCalendar, unit: Unit, sent_on: date, document_number,
             today: date, paused: dict | None, reviewing_level: str) -> list[NewEvent]:
        """The event recording that ``unit`` sent the report on ``sent_on``."""
        details = self._details()
        report = _owed(calendar, self.report_id, unit, self.year, paused, reviewing_level, details)
        if self.sent is not None:
            raise ReportAlreadySent("evaluation_report.already_sent", details,
                                    {"name": report["name"], "sent_on": _vi(self.sent["sent_on"])})
        sent_on = _sent_on(sent_on, self.year, today, details)
        due_before = calendar.report_due(self.report_id, self.year)
        return [NewEvent(EVALUATION_REPORT_SENT, {
            "report_id": self.report_id, "year": self.year, "level": unit.level,
            "unit_code": unit.code, "province_code": unit.province_code,
            "sent_on": sent_on.isoformat(), "due_before": due_before.isoformat(),
            "late": sent_on >= due_before,
            "document_number": _number(document_number, details)})]

    def correct(self, calendar: RegimeCalendar, sent_on: date, document_number, reason,
                today: date) -> list[NewEvent]:
        """A recorded sending corrected (the date or number was wrong): a new event with the
        reason; the first stays in the log."""
        details = self._details()
        if self.sent is None:
            raise NotFound("evaluation_report.not_sent", details)
        if not isinstance(reason, str) or not reason.strip() or len(reason) > MAX_REASON:
            raise ValidationFailed("evaluation_report.reason_needed", {**details, "field": "reason"},
                                   {"max": MAX_REASON})
        sent_on = _sent_on(sent_on, self.year, today, details)
        due_before = calendar.report_due(self.report_id, self.year)
        return [NewEvent(EVALUATION_REPORT_CORRECTED, {
            "report_id": self.report_id, "year": self.year, "unit_code": self.unit_code,
            "sent_on": sent_on.isoformat(), "due_before": due_before.isoformat(),
            "late": sent_on >= due_before,
            "document_number": _number(document_number, details),
            "previous": {"sent_on": self.sent["sent_on"],
                         "document_number": self.sent["document_number"]},
            "reason": reason.strip()})]

    def _details(self) -> dict:
        return {"report_id": self.report_id, "unit_code": self.unit_code, "year": self.year}


def _owed(calendar: RegimeCalendar, report_id: str, unit: Unit, year: int, paused: dict | None,
          reviewing_level: str, details: dict) -> dict:
    """The calendar's report, once it is sure ``unit`` owes it in ``year``."""
    report = next((r for r in calendar.reports if r["id"] == report_id), None)
    if report is None:
        raise NotFound("evaluation_report.unknown_report", details, {
            "criteria_set_id": calendar.criteria_set_id,
            "known": ", ".join(r["id"] for r in calendar.reports) or "không có báo cáo nào"})
    level = reporting_level(report_id)
    if level != unit.level:
        raise ValidationFailed("evaluation_report.wrong_level", {**details, "field": "unit_code"}, {
            "name": report["name"], "level": LEVEL_VI.get(level, level or "—"),
            "unit": unit.name, "unit_level": LEVEL_VI[unit.level]})
    if unit.level == "district" and reviewing_level != "district":
        raise ValidationFailed("evaluation_report.district_not_reviewing",
                               {**details, "field": "unit_code"},
                               {"unit": unit.name, "province": province_name(unit.province_code, year)})
    if paused is not None:
        raise YearPaused("evaluation_report.year_paused", details,
                         {"scope": paused["scope_vi"], "basis": paused["legal_basis"]})
    return report


def _sent_on(value: date, year: int, today: date, details: dict) -> date:
    if not isinstance(value, date):
        raise ValidationFailed("value.date_format", {**details, "field": "sent_on"},
                               {"field": "sent_on"})
    if value > today:
        raise DateInFuture("evaluation_report.sent_in_future", {**details, "field": "sent_on"},
                           {"today": _vi(today)})
    if value.year <= year:
        raise ValidationFailed("evaluation_report.sent_before_year_end",
                               {**details, "field": "sent_on"}, {"first": _vi(date(year + 1, 1, 1))})
    return value


def _number(value, details: dict) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value) > MAX_NUMBER:
        raise ValidationFailed("evaluation_report.number_invalid",
                               {**details, "field": "document_number"}, {"max": MAX_NUMBER})
    return value.strip()


def _vi(day) -> str:
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return day.strftime("%d/%m/%Y")


# -- the year's list ---------------------------------------------------------------------------
def year_reports(calendar: RegimeCalendar, year: int, events: Iterable[RecordedEvent],
                 level_of: Callable[[str], str], pause_for: Callable[[str], dict | None],
                 as_of: date, province: str | None = None, district: str | None = None) -> dict:
    """Every report every unit owes in ``year`` (of ``province``, of ``district``, or all),
    its due date and, as of ``as_of``, its status; counts per status."""
    by_stream: dict[str, list[RecordedEvent]] = {}
    for event in events:
        by_stream.setdefault(event.stream, []).append(event)
    provinces = [province] if province else provinces_of_year(year)
    reports, lines, skipped = [], [], []
    for report in calendar.reports:
        level = reporting_level(report["id"])
        due_before = calendar.report_due(report["id"], year)
        reports.append({"id": report["id"], "name": report["name"], "level": level,
                        "due_before": due_before.isoformat(),
                        "last_day": (due_before - timedelta(days=1)).isoformat(),
                        "provisional": report["provisional"]})
        for unit in _owing(level, year, provinces, district, level_of):
            paused = pause_for(unit.province_code)
            if paused is not None:
                skipped.append(unit.province_code)
                continue
            sent = EvaluationReport.from_events(year, report["id"], unit.code, by_stream.get(
                stream_name(year, report["id"], unit.code), ())).sent
            sent_on = date.fromisoformat(sent["sent_on"]) if sent else None
            found = status(due_before, sent_on, as_of)
            shown = sent if sent and sent_on <= as_of else None
            lines.append({
                "report_id": report["id"], "level": unit.level, "unit_code": unit.code,
                "unit_name": unit.name, "province_code": unit.province_code,
                "due_before": due_before.isoformat(),
                "last_day": (due_before - timedelta(days=1)).isoformat(),
                "sent_on": shown and shown["sent_on"],
                "document_number": shown and shown["document_number"],
                "recorded_by": shown and shown["recorded_by"],
                "status": found, "status_vi": STATUS_VI[found]})
    return {"year": year, "criteria_set_id": calendar.criteria_set_id, "as_of": as_of.isoformat(),
            "province_code": province, "district_code": district, "reports": reports,
            "lines": lines, "counts": {s: sum(1 for line in lines if line["status"] == s)
                                       for s in STATUSES},
            "paused_provinces": sorted(set(skipped))}


def _owing(level: str | None, year: int, provinces: list[str], district: str | None,
           level_of: Callable[[str], str]) -> list[Unit]:
    if level == "province":
        return [] if district else [Unit("province", p, province_name(p, year), p)
                                    for p in provinces]
    if level != "district" or year > LAST_DISTRICT_YEAR:
        return []
    return [Unit("district", d.code, d.name, p) for p in provinces if level_of(p) == "district"
            for d in units.legacy_districts(p, year) if district is None or d.code == district]

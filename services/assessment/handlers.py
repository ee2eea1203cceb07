"""Command handlers: load a commune's assessment, run one command, append its events.

Plain Python over the event store (no nameko), so tests drive them directly; the service's
RPCs are one line each on top. Commands arrive typed (services/assessment/commands.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

from sqlalchemy import Connection

from kernel import clock
from kernel.errors import ConcurrencyError, NotFound
from kernel.events import Metadata
from kernel.store import EventStore
from reference import units
from rules import pauses
from rules.assessment.names import RECOGNITION_DECIDED
from rules.deadlines import RegimeCalendar
from services.assessment import evaluation_reports as reports
from services.assessment import views
from services.assessment.aggregates import AggregateCache
from services.assessment.aggregates import of as aggregates_of
from services.assessment.commands import Command, Decide, parse_date
from services.assessment.reviewing_levels import LEVEL_SET, ReviewingLevel, default_level
from services.assessment.reviewing_levels import stream_name as level_stream
from services.assessment.satisfaction import applied_event_ids
from services.assessment.workflow import (
    CommuneAssessment,
    CriteriaCatalogue,
    next_steps,
    stream_name,
)


class AssessmentHandlers:
    def __init__(self, store: EventStore,
                 catalogue_for: Callable[[str, int], CriteriaCatalogue],
                 criteria_set_for_year: Callable[[int], tuple[str, int]],
                 today: Callable[[], date] | None = None,
                 survey_result_for: Callable[[Connection, str, int, str], dict | None] | None = None,
                 aggregates: AggregateCache | None = None):
        self.store = store
        # Folded assessments kept between commands (aggregates.py): the process's, by default.
        self.aggregates = aggregates if aggregates is not None else aggregates_of(store)
        # The survey results the assessment keeps (satisfaction.result_for, whose table the
        # service's subscription creates); None: an assessment opens without looking.
        self.survey_result_for = survey_result_for
        self.catalogue_for = catalogue_for
        self.criteria_set_for_year = criteria_set_for_year
        # No step may be dated after today in Vietnam; tests give a clock of their own.
        self.today = today or (lambda: clock.today())

    def load(self, commune_code: str, year: int) -> CommuneAssessment:
        return CommuneAssessment(self.aggregates.load(self.store, stream_name(commune_code, year)),
                                 today=self.today())

    def get(self, commune_code: str, year: int) -> CommuneAssessment:
        assessment = self.load(commune_code, year)
        if assessment.version == 0:
            raise NotFound("assessment.not_found", {"commune_code": commune_code, "year": year, "state": "new",
                            "next_steps": [next_steps.opening_step(commune_code)]})
        return assessment

    def open(self, commune_code: str, year: int, metadata: Metadata) -> CommuneAssessment:
        province_code, district_code = _jurisdiction_of(commune_code, year)
        level = ReviewingLevel.from_events(
            province_code, year, self.store.read_stream(level_stream(province_code, year))).level
        paused = self.year_pauses(year).pause_for(province_code)
        set_id, set_version = self.criteria_set_for_year(year)
        assessment = self.load(commune_code, year)
        catalogue = self.catalogue_for(set_id, set_version)
        new_events = assessment.open(commune_code, province_code,
                                     district_code if level == "district" else None, year,
                                     set_id, set_version, level,
                                     calendar=_calendar_of(catalogue),
                                     paused=pauses.public(paused) if paused else None)
        stream = stream_name(commune_code, year)
        with self.store.transaction() as conn:
            self.store.append(stream, assessment.version, new_events, metadata, conn=conn)
            opened = assessment.apply(new_events)
            # The survey result that arrived before the assessment existed, read after the
            # append took the log's lock (satisfaction.py takes it too: neither misses the other).
            feed = catalogue.survey_feed()
            result = (self.survey_result_for(conn, commune_code, year, feed.purpose)
                      if self.survey_result_for and feed else None)
            taken = opened.take_survey_result(result, catalogue) if result is not None else []
            if taken:
                taken = applied_event_ids(result["event_id"], stream, taken)
                self.store.append(stream, opened.version, taken, metadata, conn=conn)
        return opened.apply(taken)

    def year_pauses(self, year: int) -> pauses.YearPauses:
        return pauses.YearPauses.from_events(year, self.store.read_stream(pauses.stream_name(year)))

    def record_pause(self, year: int, province_code: str | None, legal_basis: str,
                     notice: str | None, decided_on: str | None, metadata: Metadata) -> dict:
        current = self.year_pauses(year)
        new_events = current.record(province_code, legal_basis, notice, decided_on)
        self.store.append(pauses.stream_name(year), current.version, new_events, metadata)
        return self.year_pauses(year).to_dict()

    def lift_pause(self, year: int, province_code: str | None, reason: str,
                   metadata: Metadata) -> dict:
        current = self.year_pauses(year)
        self.store.append(pauses.stream_name(year), current.version,
                          current.lift(province_code, reason), metadata)
        return self.year_pauses(year).to_dict()

    # -- the yearly reports of the reviewing units (evaluation_reports.py) -------------------
    def evaluation_report(self, year: int, report_id: str, unit_code: str) -> reports.EvaluationReport:
        return reports.EvaluationReport.from_events(
            year, report_id, unit_code,
            self.store.read_stream(reports.stream_name(year, report_id, unit_code)))

    def send_report(self, calendar: RegimeCalendar, year: int, report_id: str, unit_code: str,
                    sent_on: str, document_number: str | None, metadata: Metadata) -> dict:
        unit = reports.find_unit(unit_code, year)
        if unit is None:
            raise NotFound("place.unit_not_found_in_year", {"unit_code": unit_code, "year": year})
        current = self.evaluation_report(year, report_id, unit_code)
        level = ReviewingLevel.from_events(
            unit.province_code, year, self.store.read_stream(level_stream(unit.province_code, year))).level
        new_events = current.send(calendar, unit, parse_date(sent_on, "sent_on"), document_number,
                                  self.today(), self.year_pauses(year).pause_for(unit.province_code),
                                  level)
        self.store.append(reports.stream_name(year, report_id, unit_code), current.version,
                          new_events, metadata)
        return self._report_line(calendar, year, report_id, unit_code)

    def correct_report(self, calendar: RegimeCalendar, year: int, report_id: str, unit_code: str,
                       sent_on: str, document_number: str | None, reason: str,
                       metadata: Metadata) -> dict:
        current = self.evaluation_report(year, report_id, unit_code)
        new_events = current.correct(calendar, parse_date(sent_on, "sent_on"), document_number, reason,
                                     self.today())
        self.store.append(reports.stream_name(year, report_id, unit_code), current.version,
                          new_events, metadata)
        return self._report_line(calendar, year, report_id, unit_code)

    def _report_line(self, calendar, year, report_id, unit_code) -> dict:
        report = self.evaluation_report(year, report_id, unit_code)
        due_before = calendar.report_due(report_id, year)
        sent_on = date.fromisoformat(report.sent["sent_on"])
        found = reports.status(due_before, sent_on, self.today())
        return {"report_id": report_id, "year": year, "unit_code": unit_code,
                "due_before": due_before.isoformat(), **report.sent, "status": found,
                "status_vi": reports.STATUS_VI[found], "version": report.version,
                "corrections": report.corrections}

    def year_reports(self, calendar: RegimeCalendar, year: int, as_of: date | None,
                     province: str | None, district: str | None) -> dict:
        """The year's reports of every unit (or one province's, one district's) as of a day."""
        if province is not None and not units.province_known_in(province, year):
            raise NotFound("place.province_not_found_in_year", {"province_code": province, "year": year})
        sent = self.store.query(stream_prefix=reports.year_prefix(year), types=reports.EVENT_TYPES,
                                limit=1_000_000)
        # every configured reviewing level in one read, rather than one stream per province
        configured = {e.data["province_code"]: e.data["level"] for e in self.store.query(
            stream_prefix="reviewing-level-", types=(LEVEL_SET,), limit=1_000_000)
            if e.data["year"] == year}
        pauses_of_year = self.year_pauses(year)
        return reports.year_reports(
            calendar, year, sent, lambda p: configured.get(p, default_level(year)),
            pauses_of_year.pause_for, as_of or self.today(), province, district)

    def execute(self, commune_code: str, year: int, command: Command, metadata: Metadata,
                expected_version: int | None = None) -> CommuneAssessment:
        """Run one command (services/assessment/commands.py) on the opened assessment."""
        assessment = self._at_version(commune_code, year, expected_version)
        new_events = command.run(assessment, lambda: self._catalogue(assessment))
        if isinstance(command, Decide):
            new_events = self._explained(assessment, new_events)
        return self._append(assessment, new_events, metadata)

    def _explained(self, assessment: CommuneAssessment, new_events: list) -> list:
        """The decision's event carries the recognition rules applied to the council's sheet
        at that moment, condition by condition: what the public board shows as the reasons
        (the chairman decides; the rules' verdict is recorded beside the decision)."""
        criteria_set = getattr(self._catalogue(assessment), "criteria_set", None)
        if criteria_set is None:
            return new_events
        explanation = views.decision_explanation(criteria_set, assessment.to_dict())
        if explanation is None:
            return new_events
        return [dataclasses.replace(e, data={**e.data, "recognition": explanation})
                if e.type == RECOGNITION_DECIDED else e for e in new_events]

    # -- evidence files: RPCs of their own (the service checks the store first), not commands
    def attach_evidence(self, commune_code: str, year: int, indicator_id: str, file: dict,
                        metadata: Metadata, expected_version: int | None = None) -> CommuneAssessment:
        assessment = self._at_version(commune_code, year, expected_version)
        new_events = assessment.attach_evidence(indicator_id, file, self._catalogue(assessment),
                                                metadata.actor.subject, clock.now())
        return self._append(assessment, new_events, metadata)

    def remove_evidence(self, commune_code: str, year: int, indicator_id: str, sha256: str,
                        metadata: Metadata, expected_version: int | None = None) -> CommuneAssessment:
        assessment = self._at_version(commune_code, year, expected_version)
        return self._append(assessment, assessment.remove_evidence(indicator_id, sha256), metadata)

    def evidence_file(self, commune_code: str, year: int, indicator_id: str, sha256: str) -> dict:
        """The uploaded file backing the indicator, as the assessment recorded it."""
        for file in self.get(commune_code, year).to_dict()["evidence"].get(indicator_id, []):
            if file.get("sha256") == sha256:
                if "media_type" not in file:
                    raise NotFound("evidence.declared_only", {"indicator_id": indicator_id, "sha256": sha256})
                return file
        raise NotFound("evidence.not_found_in_dossier", {"indicator_id": indicator_id, "sha256": sha256})

    def _at_version(self, commune_code: str, year: int,
                    expected_version: int | None) -> CommuneAssessment:
        assessment = self.get(commune_code, year)
        if expected_version is not None and expected_version != assessment.version:
            raise ConcurrencyError.for_stream(assessment.stream, expected_version, assessment.version)
        return assessment

    def _catalogue(self, assessment: CommuneAssessment) -> CriteriaCatalogue:
        opened = assessment.to_dict()
        return self.catalogue_for(opened["criteria_set_id"], opened["criteria_set_version"])

    def _append(self, assessment: CommuneAssessment, new_events, metadata: Metadata) -> CommuneAssessment:
        try:
            recorded = self.store.append(assessment.stream, assessment.version, new_events,
                                         metadata)
        except Exception:
            # refused (another replica wrote first) or unknown: the next load folds what is stored
            self.aggregates.forget(assessment.stream)
            raise
        appended = assessment.apply(new_events)
        self.aggregates.store(assessment.stream, appended._s, recorded)
        return appended


def _jurisdiction_of(commune_code: str, year: int) -> tuple[str, str | None]:
    """The commune's province, and for years before July 2025 its district."""
    district = units.district_of_commune(commune_code, year)
    if district is not None:
        legacy = next(c for c in units.legacy_communes(district, year) if c.code == commune_code)
        return legacy.province_code, district
    commune = units.commune(commune_code)
    if commune is None:
        raise NotFound("place.commune_not_found_in_year", {"commune_code": commune_code, "year": year})
    return commune.province_code, None


def _calendar_of(catalogue) -> dict | None:
    """The version's deadlines; a catalogue that has none lets the workflow use the built-in set's."""
    calendar = getattr(catalogue, "calendar", None)
    return calendar() if callable(calendar) else None

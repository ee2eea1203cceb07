"""A criteria set: regime -> criteria -> indicators -> sub-items, with recognition rules.

Instances are built only by ``loader.parse_criteria_set``, which validates them; every
``to_dict`` returns the file format again, so an exported set can be published back.
Maxima are ``None`` in a pass/fail set. ``provisional`` on an item is about that item's own
values (maximum, rule); the set's flag is true when anything in it is provisional.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from kernel.errors import NotFound


def money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


@dataclass(frozen=True)
class Provenance:
    provisional: bool = False
    legal_basis: str | None = None
    sources: tuple[str, ...] = ()
    note: str | None = None

    def to_dict(self) -> dict:
        body = {"provisional": self.provisional, "legal_basis": self.legal_basis,
                "sources": list(self.sources), "note": self.note}
        return {k: v for k, v in body.items() if v not in (None, [])}


@dataclass(frozen=True)
class Rule:
    kind: str
    params: dict = field(default_factory=dict)  # JSON values exactly as published

    def to_dict(self) -> dict:
        return {"kind": self.kind, "params": self.params}


def _item_dict(item, extra: dict) -> dict:
    body = {"id": item.id, "name": item.name}
    if item.wording:
        body["wording"] = item.wording
    if item.requirement:
        body["requirement"] = item.requirement
    if item.name_en:
        body["name_en"] = item.name_en
    body["max"] = money(item.max)
    body.update(extra)
    if getattr(item, "not_arising", None):
        body["not_arising"] = item.not_arising
    body.update(item.provenance.to_dict())
    body.setdefault("provisional", False)
    return body


@dataclass(frozen=True)
class SubItem:
    id: str
    name: str
    max: Decimal | None
    rule: Rule
    not_arising: str | None = None  # "full_points" or "achieved"
    provenance: Provenance = Provenance()
    name_en: str | None = None
    wording: str | None = None  # "official", "secondary" or "inferred"
    requirement: str | None = None  # "mức độ đạt chuẩn" as the text words it

    @property
    def provisional(self) -> bool:
        return self.provenance.provisional

    def to_dict(self) -> dict:
        return _item_dict(self, {"rule": self.rule.to_dict()})


@dataclass(frozen=True)
class SurveyFeed:
    """An indicator scored from a closed survey campaign's result: which kind of survey
    (``purpose``: "satisfaction" or "dissemination_models", as the survey service names its
    questionnaires), which official form it is, and which figure slot takes which count of the
    result ("valid_answers" or "satisfied", the positive answers)."""

    purpose: str
    figures: dict  # figure slot -> result count
    form: str | None = None
    provenance: Provenance = Provenance()

    def figures_from(self, result: dict) -> dict:
        return {slot: result[count] for slot, count in self.figures.items()}

    def to_dict(self) -> dict:
        body = {"purpose": self.purpose, "figures": dict(self.figures)}
        if self.form:
            body["form"] = self.form
        body.update(self.provenance.to_dict())
        return body


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    max: Decimal | None
    rule: Rule | None  # None when the indicator is the sum (or all) of its sub-items
    sub_items: tuple[SubItem, ...] = ()
    not_arising: str | None = None
    provenance: Provenance = Provenance()
    name_en: str | None = None
    wording: str | None = None  # "official", "secondary" or "inferred"
    requirement: str | None = None  # "mức độ đạt chuẩn" as the text words it
    survey: SurveyFeed | None = None  # scored from a survey's result, not typed in

    @property
    def provisional(self) -> bool:
        return self.provenance.provisional or any(s.provisional for s in self.sub_items)

    def to_dict(self) -> dict:
        extra = ({"sub_items": [s.to_dict() for s in self.sub_items]} if self.sub_items
                 else {"rule": self.rule.to_dict()})
        if self.survey is not None:
            extra["survey"] = self.survey.to_dict()
        body = _item_dict(self, extra)
        body["provisional"] = self.provenance.provisional
        return body


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    max: Decimal | None
    indicators: tuple[Indicator, ...]
    provenance: Provenance = Provenance()
    name_en: str | None = None
    wording: str | None = None  # "official", "secondary" or "inferred"
    requirement: str | None = None  # "mức độ đạt chuẩn" as the text words it

    @property
    def provisional(self) -> bool:
        return self.provenance.provisional or any(i.provisional for i in self.indicators)

    def to_dict(self) -> dict:
        body = _item_dict(self, {"indicators": [i.to_dict() for i in self.indicators]})
        body["provisional"] = self.provenance.provisional
        return body


@dataclass(frozen=True)
class DeclaredCondition:
    """A fact the commune declares (e.g. nobody disciplined), worded as the regime words it."""

    id: str
    wording: str
    wording_vi: str
    provenance: Provenance = Provenance()

    @property
    def provisional(self) -> bool:
        return self.provenance.provisional

    def to_dict(self) -> dict:
        return {"id": self.id, "wording": self.wording, "wording_vi": self.wording_vi,
                **self.provenance.to_dict(), "provisional": self.provisional}


@dataclass(frozen=True)
class SatisfactionRule:
    """A survey satisfaction condition; ``decisive: False`` reports it without letting it decide."""

    min_percent: Decimal | None
    decisive: bool
    provenance: Provenance = Provenance()

    def to_dict(self) -> dict:
        return {"min_percent": money(self.min_percent), "decisive": self.decisive,
                **self.provenance.to_dict(), "provisional": self.provenance.provisional}


@dataclass(frozen=True)
class RecognitionRules:
    total_threshold: Decimal | None = None
    class_thresholds: dict[str, Decimal] = field(default_factory=dict)
    criterion_floor_ratio: Decimal | None = None
    conditions: tuple[DeclaredCondition, ...] = ()
    satisfaction: SatisfactionRule | None = None
    all_indicators_achieved: bool = False
    provenance: Provenance = Provenance()

    @property
    def satisfaction_input(self) -> bool:
        return self.satisfaction is not None

    @property
    def provisional(self) -> bool:
        return (self.provenance.provisional or any(c.provisional for c in self.conditions)
                or bool(self.satisfaction and self.satisfaction.provenance.provisional))

    def to_dict(self) -> dict:
        body = {
            "total_threshold": money(self.total_threshold),
            "class_thresholds": {k: money(v) for k, v in self.class_thresholds.items()},
            "criterion_floor_ratio": money(self.criterion_floor_ratio),
            "conditions": [c.to_dict() for c in self.conditions],
            "satisfaction": self.satisfaction.to_dict() if self.satisfaction else None,
            "all_indicators_achieved": self.all_indicators_achieved,
        }
        body.update(self.provenance.to_dict())
        body["provisional"] = self.provenance.provisional
        return body


DAY_MONTH = re.compile(r"^(\d{2})/(\d{2})$")
CALENDAR_VALUES = ("posting_minimum", "posting_unit", "supplement_working_days",
                   "dossier_due_before", "decision_due_before", "publication_working_days")


@dataclass(frozen=True)
class ReportDeadline:
    """A report a level sends up after the decisions (e.g. district to province "trước 15/02")."""

    id: str
    name: str
    due_before: str  # "dd/mm" of the year after the evaluation year; exclusive ("trước ngày")
    provenance: Provenance = Provenance()

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "due_before": self.due_before,
                **self.provenance.to_dict(), "provisional": self.provenance.provisional}


@dataclass(frozen=True)
class Calendar:
    """The regime's deadlines and periods, as its circular sets them.

    ``provisional`` names the values no official text confirmed (from ``CALENDAR_VALUES``);
    the workflow counts with them all the same and says which dates are provisional.
    """

    posting_minimum: int
    posting_unit: str  # "working_days" or "calendar_days"
    supplement_working_days: int
    dossier_due_before: str  # "dd/mm" of the year after the evaluation year
    decision_due_before: str
    publication_working_days: int
    reports: tuple[ReportDeadline, ...] = ()
    provisional: tuple[str, ...] = ()
    provenance: Provenance = Provenance()

    def to_dict(self) -> dict:
        body = {name: getattr(self, name) for name in CALENDAR_VALUES}
        body["reports"] = [r.to_dict() for r in self.reports]
        body["provisional"] = list(self.provisional)
        body.update({k: v for k, v in self.provenance.to_dict().items() if k != "provisional"})
        return body


@dataclass(frozen=True)
class CriteriaSet:
    id: str
    version: int
    regime: str
    title: str
    legal_basis: str
    first_year: int
    last_year: int | None
    total_max: Decimal | None
    pass_fail: bool
    provisional: bool
    criteria: tuple[Criterion, ...]
    recognition: RecognitionRules
    calendar: Calendar
    sources: tuple[str, ...] = ()
    notes: str | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    def covers(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise NotFound("criteria.no_criterion", {"set_id": self.id, "version": self.version, "criterion": criterion_id})

    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for c in self.criteria for i in c.indicators)

    def indicator_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.indicators())

    def indicator(self, indicator_id: str) -> Indicator:
        for indicator in self.indicators():
            if indicator.id == indicator_id:
                return indicator
        raise NotFound("criteria.no_indicator", {"set_id": self.id, "version": self.version, "indicator": indicator_id})

    def to_dict(self) -> dict:
        body = {
            "id": self.id, "version": self.version, "regime": self.regime, "title": self.title,
            "legal_basis": self.legal_basis,
            "applies_to": {"first_year": self.first_year, "last_year": self.last_year},
            "total_max": money(self.total_max), "pass_fail": self.pass_fail,
            "provisional": self.provisional,
            "sources": list(self.sources),
            "recognition": self.recognition.to_dict(),
            "calendar": self.calendar.to_dict(),
            "criteria": [c.to_dict() for c in self.criteria],
        }
        if self.notes:
            body["notes"] = self.notes
        return body

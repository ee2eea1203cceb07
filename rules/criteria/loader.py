"""Load and validate criteria sets: the built-in files and documents published by an administrator."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from pathlib import Path

from marshmallow import ValidationError

from kernel.errors import NotFound, ValidationFailed
from rules.criteria import checks
from rules.criteria.model import (
    Calendar,
    CriteriaSet,
    Criterion,
    DeclaredCondition,
    Indicator,
    Provenance,
    RecognitionRules,
    ReportDeadline,
    Rule,
    SatisfactionRule,
    SubItem,
    SurveyFeed,
)
from rules.criteria.schema import CriteriaSetSchema, error_lines

DATA_DIR = Path(__file__).parent / "data"
CENT = Decimal("0.01")


def parse_criteria_set(document: dict) -> CriteriaSet:
    """A validated set from a document in the file format; ``ValidationFailed`` lists every problem."""
    if not isinstance(document, dict):
        raise ValidationFailed("criteria.not_object", {"problems": ["document: not an object"]})
    document = _with_regime_calendar(document)
    try:
        data = CriteriaSetSchema().load(document)
    except ValidationError as error:
        _fail(document, error_lines(error.messages, document))
    criteria_set = _build(data)
    found = checks.problems(criteria_set, data["provisional"])
    if found:
        _fail(document, found)
    return criteria_set


def _with_regime_calendar(document: dict) -> dict:
    """A version of a built-in regime published without a ``calendar`` (as every version was
    before deadlines were data) keeps its regime's. The built-in files always carry their own
    (the schema requires it), so reading them never comes back here."""
    if "calendar" in document or document.get("id") in (None, ""):
        return document
    builtin = [s for (i, _v), s in _builtin().items() if i == document.get("id")]
    if not builtin:
        return document
    latest = max(builtin, key=lambda s: s.version)
    return {**document, "calendar": latest.calendar.to_dict()}


def load_file(path: Path) -> CriteriaSet:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValidationFailed("criteria.unreadable_file", {"file": path.name},
                               {"error": str(error)}) from error
    return parse_criteria_set(document)


def load_builtin_sets() -> dict[tuple[str, int], CriteriaSet]:
    """Every set shipped in ``criteria/data``, by (set id, version)."""
    return dict(_builtin())


@cache
def _builtin() -> dict[tuple[str, int], CriteriaSet]:
    sets = {}
    for path in sorted(DATA_DIR.glob("*.json")):
        criteria_set = load_file(path)
        if path.name != f"{criteria_set.id}.v{criteria_set.version}.json":
            raise ValidationFailed("criteria.file_misnamed", {"file": path.name},
                                   {"set_id": criteria_set.id, "version": criteria_set.version})
        sets[criteria_set.key] = criteria_set
    return sets


def set_for_year(year: int, sets: dict[tuple[str, int], CriteriaSet] | None = None) -> CriteriaSet:
    """The latest version of the set in force for an evaluation year (built-in sets by default).

    Pass ``sets`` to include versions published later by an administrator.
    """
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValidationFailed("criteria.year_not_integer", {"year": str(year)})
    # Each regime's years are its latest version's (a later version may close them: last_year).
    latest: dict[str, CriteriaSet] = {}
    for s in (load_builtin_sets() if sets is None else sets).values():
        if s.id not in latest or s.version > latest[s.id].version:
            latest[s.id] = s
    candidates = [s for s in latest.values() if s.covers(year)]
    if not candidates:
        raise NotFound("criteria.no_set_for_year", {"year": year})
    if len({s.id for s in candidates}) > 1:
        raise ValidationFailed("criteria.several_sets_for_year", {"year": year},
                               {"sets": sorted({s.id for s in candidates})})
    return candidates[0]


def _fail(document: dict, problems: list[str]):
    name = f"{document.get('id', '?')} v{document.get('version', '?')}"
    raise ValidationFailed("criteria.set_invalid", {"problems": problems},
                           {"name": name, **_listed(problems)})


def _listed(problems) -> dict:
    return {"list": "".join("\n- " + problem for problem in problems)}


def _points(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text).quantize(CENT)


def _provenance(data: dict) -> Provenance:
    return Provenance(data["provisional"], data["legal_basis"], tuple(data["sources"]), data["note"])


def _rule(data: dict | None) -> Rule | None:
    return None if data is None else Rule(data["kind"], data["params"])


def _sub_item(data: dict) -> SubItem:
    return SubItem(data["id"], data["name"], _points(data["max"]), _rule(data["rule"]),
                   data["not_arising"], _provenance(data), data["name_en"], data["wording"],
                   data["requirement"])


def _indicator(data: dict) -> Indicator:
    survey = data["survey"]
    return Indicator(data["id"], data["name"], _points(data["max"]), _rule(data["rule"]),
                     tuple(_sub_item(s) for s in data["sub_items"]), data["not_arising"],
                     _provenance(data), data["name_en"], data["wording"], data["requirement"],
                     None if survey is None else SurveyFeed(
                         survey["purpose"], dict(survey["figures"]), survey["form"],
                         _provenance(survey)))


def _criterion(data: dict) -> Criterion:
    return Criterion(data["id"], data["name"], _points(data["max"]),
                     tuple(_indicator(i) for i in data["indicators"]), _provenance(data), data["name_en"],
                     data["wording"], data["requirement"])


def _recognition(data: dict) -> RecognitionRules:
    satisfaction = data["satisfaction"]
    return RecognitionRules(
        total_threshold=_points(data["total_threshold"]),
        class_thresholds={k: _points(v) for k, v in data["class_thresholds"].items()},
        criterion_floor_ratio=_points(data["criterion_floor_ratio"]),
        conditions=tuple(DeclaredCondition(c["id"], c["wording"], c["wording_vi"], _provenance(c))
                         for c in data["conditions"]),
        satisfaction=None if satisfaction is None else SatisfactionRule(
            _points(satisfaction["min_percent"]), satisfaction["decisive"], _provenance(satisfaction)),
        all_indicators_achieved=data["all_indicators_achieved"],
        provenance=_provenance(data),
    )


def _calendar(data: dict) -> Calendar:
    return Calendar(
        posting_minimum=data["posting_minimum"], posting_unit=data["posting_unit"],
        supplement_working_days=data["supplement_working_days"],
        dossier_due_before=data["dossier_due_before"], decision_due_before=data["decision_due_before"],
        publication_working_days=data["publication_working_days"],
        reports=tuple(ReportDeadline(r["id"], r["name"], r["due_before"], _provenance(r))
                      for r in data["reports"]),
        provisional=tuple(data["provisional"]),
        provenance=Provenance(bool(data["provisional"]), data["legal_basis"],
                              tuple(data["sources"]), data["note"]))


def _build(data: dict) -> CriteriaSet:
    criteria = tuple(_criterion(c) for c in data["criteria"])
    recognition = _recognition(data["recognition"])
    provisional = any(c.provisional for c in criteria) or recognition.provisional
    return CriteriaSet(
        id=data["id"], version=data["version"], regime=data["regime"], title=data["title"],
        legal_basis=data["legal_basis"], first_year=data["applies_to"]["first_year"],
        last_year=data["applies_to"]["last_year"], total_max=_points(data["total_max"]),
        pass_fail=data["pass_fail"], provisional=provisional, criteria=criteria,
        recognition=recognition, calendar=_calendar(data["calendar"]), sources=tuple(data["sources"]), notes=data["notes"])

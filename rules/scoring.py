"""The scoring engine: a commune's raw figures per indicator -> points, criterion totals, total.

Arithmetic is Decimal, each indicator quantized to 0.01 with ROUND_HALF_UP (how published
scores such as 29.63 come about); floats are refused because 0.1 + 0.2 is not 0.3 in binary.
Every problem with the figures of a whole sheet is reported at once, named by its path
("C2.I3.received"), so a commune fixes its entries in one go.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from kernel.errors import NotFound, ValidationFailed
from kernel.messages import in_both
from rules.criteria import rules
from rules.criteria.model import CriteriaSet, Indicator, SubItem, money

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


def quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal:
    return quantize(Decimal(part) * HUNDRED / Decimal(whole))


def parse_points(value, path: str) -> Decimal:
    """Points given by a person ("2.50", 2 or a Decimal), refusing floats and a third decimal."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        kind = "a float" if isinstance(value, float) else type(value).__name__
        raise ValidationFailed("points.not_string", {"problems": [
            f"{path}: points must be a string, a whole number or a Decimal"]},
            {"path": path, "kind": kind})
    try:
        number = Decimal(value)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or number != number.quantize(CENT):
        raise ValidationFailed("points.not_two_decimals", {"problems": [
            f"{path}: not a number with at most two decimals"]}, {"path": path, "value": repr(value)})
    return quantize(number)


@dataclass(frozen=True)
class IndicatorScore:
    """The score of an indicator (or of one of its sub-items); ``points`` is None when pass/fail."""

    id: str
    points: Decimal | None
    max: Decimal | None
    explanation: str
    achieved: bool | None = None
    rate: Decimal | None = None  # percent, two decimals
    manual: bool = False
    not_arising: bool = False
    sub_items: tuple[IndicatorScore, ...] = ()

    def to_dict(self) -> dict:
        body = {"id": self.id, "points": money(self.points), "max": money(self.max),
                "achieved": self.achieved, "rate": money(self.rate), "manual": self.manual,
                "not_arising": self.not_arising, "explanation": self.explanation}
        if self.sub_items:
            body["sub_items"] = [s.to_dict() for s in self.sub_items]
        return body


@dataclass(frozen=True)
class CriterionScore:
    id: str
    number: int
    points: Decimal | None
    max: Decimal | None
    indicators: tuple[IndicatorScore, ...] = ()
    missing: tuple[str, ...] = ()  # indicators without figures yet
    achieved: bool | None = None  # pass/fail sets; None while undecided

    @property
    def percent_of_max(self) -> Decimal | None:
        if self.points is None or not self.max:
            return None
        return percent(self.points, self.max)

    def to_dict(self) -> dict:
        return {"id": self.id, "points": money(self.points), "max": money(self.max),
                "percent_of_max": money(self.percent_of_max), "achieved": self.achieved,
                "missing_indicators": list(self.missing),
                "indicators": [i.to_dict() for i in self.indicators]}


@dataclass(frozen=True)
class ScoreSheet:
    """Scores of one commune against one version of a criteria set.

    ``basis`` is "indicators" when computed from raw figures, "criterion_points" when only
    criterion totals were entered (reproducing a published result or an appraised sheet).
    """

    set_id: str
    set_version: int
    pass_fail: bool
    provisional: bool
    criteria: tuple[CriterionScore, ...]
    total_max: Decimal | None
    basis: str = "indicators"

    @property
    def total(self) -> Decimal | None:
        if self.pass_fail:
            return None
        return sum((c.points for c in self.criteria), ZERO)

    @property
    def missing_indicators(self) -> tuple[str, ...]:
        return tuple(i for c in self.criteria for i in c.missing)

    @property
    def manual(self) -> bool:
        return any(i.manual for c in self.criteria for i in c.indicators)

    def criterion(self, criterion_id: str) -> CriterionScore:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise NotFound("scoring.sheet_no_criterion", {"criterion": criterion_id})

    def to_dict(self) -> dict:
        return {"set_id": self.set_id, "set_version": self.set_version, "basis": self.basis,
                "pass_fail": self.pass_fail, "provisional": self.provisional,
                "total": money(self.total), "total_max": money(self.total_max),
                "manual": self.manual, "missing_indicators": list(self.missing_indicators),
                "criteria": [c.to_dict() for c in self.criteria]}

    @classmethod
    def from_criterion_points(cls, criteria_set: CriteriaSet, points_by_criterion: Mapping) -> ScoreSheet:
        """A sheet from criterion totals alone, e.g. {"C1": "15", "C2": "29.63", ...}; all criteria needed."""
        if criteria_set.pass_fail:
            raise ValidationFailed("scoring.pass_fail_no_points", {"set_id": criteria_set.id})
        if not isinstance(points_by_criterion, Mapping):
            raise ValidationFailed("scoring.criterion_points_object", {})
        known = {c.id for c in criteria_set.criteria}
        problems = [f"{k}: no such criterion in {criteria_set.id} v{criteria_set.version}"
                    for k in points_by_criterion if k not in known]
        problems += [f"{k}: points missing" for k in known if k not in points_by_criterion]
        scores = []
        for number, criterion in enumerate(criteria_set.criteria, 1):
            if criterion.id not in points_by_criterion:
                continue
            try:
                value = parse_points(points_by_criterion[criterion.id], criterion.id)
            except ValidationFailed as error:
                problems += error.details["problems"]
                continue
            if not ZERO <= value <= criterion.max:
                problems.append(f"{criterion.id}: {money(value)} is outside 0-{money(criterion.max)}")
            scores.append(CriterionScore(criterion.id, number, value, criterion.max))
        _raise_if(problems, in_both("Điểm tiêu chí", "The criterion points"))
        # only the criterion maxima matter here, not the provisional split below them
        provisional = any(c.provenance.provisional for c in criteria_set.criteria)
        return cls(criteria_set.id, criteria_set.version, False, provisional,
                   tuple(scores), criteria_set.total_max, "criterion_points")


def score_sheet(criteria_set: CriteriaSet, figures_by_indicator: Mapping) -> ScoreSheet:
    """Score every indicator that has figures; the others are listed as missing."""
    if not isinstance(figures_by_indicator, Mapping):
        raise ValidationFailed("scoring.figures_object", {})
    known = set(criteria_set.indicator_ids())
    problems = [f"{k}: no such indicator in {criteria_set.id} v{criteria_set.version}"
                for k in figures_by_indicator if k not in known]
    criteria = []
    for number, criterion in enumerate(criteria_set.criteria, 1):
        scored, missing = [], []
        for indicator in criterion.indicators:
            if indicator.id not in figures_by_indicator:
                missing.append(indicator.id)
                continue
            try:
                scored.append(score_indicator(indicator, figures_by_indicator[indicator.id]))
            except ValidationFailed as error:
                problems += error.details.get("problems", [error.message])
        if criteria_set.pass_fail:
            failed = any(not s.achieved for s in scored)
            achieved = False if failed else (None if missing else True)
            criteria.append(CriterionScore(criterion.id, number, None, None, tuple(scored), tuple(missing), achieved))
        else:
            points = sum((s.points for s in scored), ZERO)
            criteria.append(CriterionScore(criterion.id, number, points, criterion.max, tuple(scored), tuple(missing)))
    _raise_if(problems, in_both("Số liệu", "The figures"))
    return ScoreSheet(criteria_set.id, criteria_set.version, criteria_set.pass_fail,
                      criteria_set.provisional, tuple(criteria), criteria_set.total_max)


def appraised_sheet(criteria_set: CriteriaSet, scores_by_indicator: Mapping) -> ScoreSheet:
    """The evaluation council's sheet from the points it gave each indicator directly
    (``{"C1.I1": {"points": "2.50", "reason": "…"}}``, or ``"achieved": true`` in a pass/fail
    set), as recorded by ``IndicatorAppraised``. Indicators not appraised yet are missing."""
    if not isinstance(scores_by_indicator, Mapping):
        raise ValidationFailed("scoring.appraised_object", {})
    known = set(criteria_set.indicator_ids())
    problems = [f"{k}: no such indicator in {criteria_set.id} v{criteria_set.version}"
                for k in scores_by_indicator if k not in known]
    criteria = []
    for number, criterion in enumerate(criteria_set.criteria, 1):
        scored, missing = [], []
        for indicator in criterion.indicators:
            given = scores_by_indicator.get(indicator.id)
            if given is None:
                missing.append(indicator.id)
                continue
            reason = str(given.get("reason") or "")
            if indicator.max is None:
                achieved = given.get("achieved")
                if not isinstance(achieved, bool):
                    problems.append(f"{indicator.id}: achieved must be true or false")
                    continue
                scored.append(IndicatorScore(indicator.id, None, None, f"appraised: {reason}",
                                             achieved=achieved))
                continue
            try:
                points = parse_points(given.get("points"), indicator.id)
            except ValidationFailed as error:
                problems += error.details["problems"]
                continue
            if not ZERO <= points <= indicator.max:
                problems.append(f"{indicator.id}: {money(points)} is outside 0-{money(indicator.max)}")
                continue
            scored.append(IndicatorScore(indicator.id, points, indicator.max,
                                         f"appraised: {money(points)} — {reason}"))
        if criteria_set.pass_fail:
            failed = any(not s.achieved for s in scored)
            achieved = False if failed else (None if missing else True)
            criteria.append(CriterionScore(criterion.id, number, None, None, tuple(scored),
                                           tuple(missing), achieved))
        else:
            points = sum((s.points for s in scored), ZERO)
            criteria.append(CriterionScore(criterion.id, number, points, criterion.max,
                                           tuple(scored), tuple(missing)))
    _raise_if(problems, in_both("Điểm thẩm định", "The appraised scores"))
    return ScoreSheet(criteria_set.id, criteria_set.version, criteria_set.pass_fail,
                      criteria_set.provisional, tuple(criteria), criteria_set.total_max, "appraised")


# -- the two sheets of a commune-year, and which one is of record ------------------------------
SELF, APPRAISED = "self", "appraised"


def self_assessed_sheet(criteria_set: CriteriaSet, figures: Mapping | None) -> ScoreSheet | None:
    """The commune's own sheet from the figures it recorded; None before any figure."""
    return score_sheet(criteria_set, figures) if figures else None


def council_sheet(criteria_set: CriteriaSet, appraisal: Mapping | None, *,
                  completed_only: bool = False) -> ScoreSheet | None:
    """The evaluation council's sheet, once it has appraised any indicator (``completed_only``:
    once it completed the appraisal, as the public board shows it); None before."""
    if not appraisal or not appraisal.get("scores"):
        return None
    if completed_only and not appraisal.get("completed_on"):
        return None
    return appraised_sheet(criteria_set, appraisal["scores"])


def sheet_of_record(criteria_set: CriteriaSet, figures: Mapping | None, appraisal: Mapping | None,
                    *, completed_only: bool = False) -> tuple[str | None, ScoreSheet | None]:
    """The score that counts, with its basis: the council's appraised sheet (the score used to
    decide recognition, Circular 09/2021/TT-BTP Art. 2(2)), else the commune's own."""
    council = council_sheet(criteria_set, appraisal, completed_only=completed_only)
    if council is not None:
        return APPRAISED, council
    own = self_assessed_sheet(criteria_set, figures)
    return (SELF, own) if own is not None else (None, None)


def score_indicator(indicator: Indicator, figures: Mapping) -> IndicatorScore:
    """Score one indicator from its raw figures, e.g. {"numerator": 95, "denominator": 100}."""
    reader = _Figures(indicator.id, figures)
    score = reader.ok and _score(indicator, reader)
    _raise_if(reader.problems, in_both(f"Số liệu của chỉ tiêu {indicator.id}",
                                        f"The figures of {indicator.id}"))
    return score


def _raise_if(problems: list[str], what: dict):
    if problems:
        raise ValidationFailed("scoring.invalid", {"problems": problems}, {
            "what": what, "list": "".join("\n- " + problem for problem in problems)})


class _Figures:
    """Reads typed figures of one indicator and collects what is wrong with them."""

    def __init__(self, indicator_id: str, data):
        self.id, self.data, self.problems = indicator_id, data, []
        self.ok = isinstance(data, Mapping)
        if not self.ok:
            self.problems.append(f"{indicator_id}: figures must be an object, e.g. {{\"achieved\": true}}")

    def problem(self, key: str, message: str):
        self.problems.append(f"{self.id}.{key}: {message}")

    def count(self, key: str) -> int | None:
        value = self.data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, f"must be a whole number, not {_shown(value)}")
            return None
        if value < 0:
            self.problem(key, "cannot be negative")
            return None
        return value

    def flag(self, key: str) -> bool | None:
        value = self.data.get(key)
        if not isinstance(value, bool):
            self.problem(key, f"must be true or false, not {_shown(value)}")
            return None
        return value

    def rate(self, params: dict) -> tuple[int, int] | None:
        numerator_key, denominator_key = rules.figure(params, "numerator"), rules.figure(params, "denominator")
        numerator, denominator = self.count(numerator_key), self.count(denominator_key)
        if numerator is None or denominator is None:
            return None
        if numerator > denominator:
            self.problem(numerator_key, f"{numerator} is more than {denominator_key} ({denominator})")
            return None
        return numerator, denominator


def _shown(value) -> str:
    return "a float" if isinstance(value, float) else ("nothing" if value is None else repr(value))


def _score(indicator: Indicator, reader: _Figures) -> IndicatorScore | None:
    items = indicator.sub_items or (indicator,)
    not_arising = _not_arising(indicator, reader)
    if not_arising is True:
        return _full(indicator)
    allowed = {key for item in items for slot in rules.figure_slots(item.rule.kind, item.rule.params)
               for key in slot} | set(rules.RESERVED_KEYS)
    for key in sorted(set(reader.data) - allowed):
        reader.problem(key, f"unknown figure; {indicator.id} takes {', '.join(sorted(allowed - {'not_arising'}))}")
    scores = []
    for item in items:
        if item.id in not_arising:
            scores.append(_full(item))
        elif _has_figures(item, reader):
            scores.append(_score_item(item, reader))
    if reader.problems or None in scores:
        return None
    if not indicator.sub_items:
        return scores[0]
    explanation = "; ".join(f"{s.id}: {s.explanation}" for s in scores)
    if indicator.max is None:
        return IndicatorScore(indicator.id, None, None, explanation, achieved=all(s.achieved for s in scores),
                              **_combined(scores))
    raw = sum((s.points for s in scores), ZERO)
    if raw < 0:
        explanation += f" (total {money(raw)}, not below 0)"
    return IndicatorScore(indicator.id, max(raw, ZERO), indicator.max, explanation, **_combined(scores))


def _combined(scores: list[IndicatorScore]) -> dict:
    return {"manual": any(s.manual for s in scores), "not_arising": all(s.not_arising for s in scores),
            "sub_items": tuple(scores)}


def _not_arising(indicator: Indicator, reader: _Figures) -> bool | set[str]:
    """True when the whole indicator did not arise, else the ids of sub-items that did not."""
    if "not_arising" not in reader.data:
        return set()
    value = reader.data["not_arising"]
    if value is True:
        if not indicator.not_arising:
            reader.problem("not_arising", f"{indicator.id} has no not-arising rule; enter its figures")
        elif set(reader.data) != {"not_arising"}:
            reader.problem("not_arising", "give either not_arising or the figures, not both")
        return True
    if value is False:
        return set()
    if indicator.sub_items and isinstance(value, list) and all(isinstance(v, str) for v in value):
        own = {s.id: s for s in indicator.sub_items}
        for sub_id in value:
            if sub_id not in own:
                reader.problem("not_arising", f"{sub_id!r} is not a sub-item of {indicator.id}")
            elif not own[sub_id].not_arising:
                reader.problem("not_arising", f"{sub_id} has no not-arising rule")
        return set(value)
    wanted = "true or a list of sub-item ids" if indicator.sub_items else "true or false"
    reader.problem("not_arising", f"must be {wanted}, not {_shown(value)}")
    return set()


def _has_figures(item: Indicator | SubItem, reader: _Figures) -> bool:
    complete = True
    for slot in rules.figure_slots(item.rule.kind, item.rule.params):
        present = [key for key in slot if key in reader.data]
        if not present:
            reader.problem(slot[0], "missing" + (f" (or give {', '.join(slot[1:])})" if slot[1:] else ""))
            complete = False
        elif len(present) > 1:
            reader.problem(slot[0], f"give either {' or '.join(slot)}, not both")
            complete = False
    return complete


def _full(item: Indicator | SubItem) -> IndicatorScore:
    if item.max is None:
        return IndicatorScore(item.id, None, None, "not arising: achieved", achieved=True, not_arising=True)
    return IndicatorScore(item.id, item.max, item.max, f"not arising: full points ({money(item.max)})",
                          not_arising=True)


def _score_item(item: Indicator | SubItem, reader: _Figures) -> IndicatorScore | None:
    kind, params = item.rule.kind, item.rule.params
    if rules.is_rate(kind, params):
        rate = reader.rate(params)
        if rate is None:
            return None
        numerator, denominator = rate
        if denominator == 0:
            if item.not_arising:
                return _full(item)
            reader.problem(rules.figure(params, "denominator"),
                           f"is 0, and {item.id} has no not-arising rule to score 0 of 0")
            return None
        return _RATE_KINDS[kind](item, params, numerator, denominator)
    return _OTHER_KINDS[kind](item, params, reader)


def _scored(item, points: Decimal, explanation: str, **extra) -> IndicatorScore:
    return IndicatorScore(item.id, points, item.max, explanation, **extra)


def _of(numerator: int, denominator: int) -> str:
    return f"{numerator} of {denominator} ({money(percent(numerator, denominator))}%)"


def _proportional(item, params, numerator, denominator):
    points = quantize(item.max * Decimal(numerator) / Decimal(denominator))
    return _scored(item, points, f"{_of(numerator, denominator)} × {money(item.max)} = {money(points)}",
                   rate=percent(numerator, denominator))


def _banded(item, params, numerator, denominator):
    for low, points in rules.bands(params):
        # compared as integers so that 89.999% never rounds up into the 90% band
        if numerator * HUNDRED >= low * denominator:
            return _scored(item, quantize(points), f"{_of(numerator, denominator)}: band from {low}% "
                           f"gives {money(quantize(points))}", rate=percent(numerator, denominator))
    lowest = rules.bands(params)[-1][0]
    return _scored(item, ZERO, f"{_of(numerator, denominator)}: below the lowest band ({lowest}%): 0.00",
                   rate=percent(numerator, denominator))


def _pass_fail_rate(item, params, numerator, denominator):
    needed = Decimal(params["min_percent"])
    achieved = numerator * HUNDRED >= needed * denominator
    return IndicatorScore(item.id, None, None, f"{_of(numerator, denominator)}, at least {needed}% needed: "
                          f"{'achieved' if achieved else 'not achieved'}", achieved=achieved,
                          rate=percent(numerator, denominator))


def _fixed(item, params, reader):
    achieved = reader.flag(rules.figure(params, "figure"))
    if achieved is None:
        return None
    points = item.max if achieved else ZERO
    return _scored(item, points, f"{'achieved' if achieved else 'not achieved'}: {money(points)}")


def _pass_fail(item, params, reader):
    achieved = reader.flag(rules.figure(params, "figure"))
    if achieved is None:
        return None
    return IndicatorScore(item.id, None, None, "achieved" if achieved else "not achieved", achieved=achieved)


def _penalty(item, params, reader):
    key = rules.figure(params, "figure")
    applies = reader.flag(key)
    if applies is None:
        return None
    deduction = Decimal(params["points"])
    if applies:
        return _scored(item, -quantize(deduction), f"{key}: minus {money(quantize(deduction))}")
    return _scored(item, ZERO, f"{key} does not hold: no deduction")


def _count_at_least(item, params, reader):
    if "activities" in reader.data:
        activities = reader.data["activities"]
        if not (isinstance(activities, list) and all(isinstance(a, str) and a.strip() for a in activities)):
            reader.problem("activities", "must be a list of the activities' descriptions")
            return None
        if len({a.strip().casefold() for a in activities}) != len(activities):
            reader.problem("activities", "lists the same activity twice")
            return None
        count = len(activities)
    else:
        count = reader.count("count")
        if count is None:
            return None
    needed = params["at_least"]
    text = f"{count} activit{'y' if count == 1 else 'ies'} (at least {needed} needed)"
    if item.max is None:
        achieved = count >= needed
        return IndicatorScore(item.id, None, None, f"{text}: {'achieved' if achieved else 'not achieved'}",
                              achieved=achieved)
    if count >= needed:
        return _scored(item, item.max, f"{text}: {money(item.max)}")
    partial = Decimal(params.get("partial_per_activity", "0"))
    points = min(quantize(partial * count), item.max)
    return _scored(item, points, f"{text}: {count} × {money(quantize(partial))} = {money(points)}")


def _manual(item, params, reader):
    reason = reader.data.get("reason")
    if not (isinstance(reason, str) and reason.strip()):
        reader.problem("reason", "points entered by hand need a written reason")
        return None
    try:
        points = parse_points(reader.data.get("manual_points"), f"{item.id}.manual_points")
    except ValidationFailed as error:
        reader.problems += error.details["problems"]
        return None
    if not ZERO <= points <= item.max:
        reader.problem("manual_points", f"{money(points)} is outside 0-{money(item.max)}")
        return None
    return _scored(item, points, f"entered manually: {money(points)} — reason: {reason.strip()}", manual=True)


_RATE_KINDS = {"proportional": _proportional, "banded": _banded, "pass_fail": _pass_fail_rate}
_OTHER_KINDS = {"fixed": _fixed, "pass_fail": _pass_fail, "penalty": _penalty,
                "count_at_least": _count_at_least, "manual": _manual}

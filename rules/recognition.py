"""Recognition: does a commune meet the standard, and if not, what exactly is missing.

The score of record is the sheet passed in. For a decision that sheet must be the
evaluation council's appraised sheet (điểm thẩm định), not the commune's self-assessment;
evaluating the self-assessment is useful only as a preview for the commune.

A condition the regime's data marks non-decisive (619/2017's unconfirmed satisfaction
condition) is evaluated and shown but never decides alone: the law behind it is not
confirmed, so it must not turn a commune down, nor carry one that the confirmed conditions
turn down. A provisional but decisive condition (27/2025's "all indicators achieved") does
decide, and the result then says ``provisional: true``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from kernel.errors import ValidationFailed
from rules.criteria.model import CriteriaSet, money
from rules.scoring import ZERO, ScoreSheet, parse_points, quantize

MET, NOT_MET, MISSING_INPUT, UNCONFIRMED = "met", "not_met", "missing_input", "unconfirmed"


@dataclass(frozen=True)
class ConditionResult:
    id: str
    name: str
    verdict: str
    value: str | None = None
    threshold: str | None = None
    missing: str | None = None  # in words, when the verdict is not "met"
    decisive: bool = True
    provisional: bool = False

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "value": self.value, "threshold": self.threshold,
                "verdict": self.verdict, "missing": self.missing, "decisive": self.decisive,
                "provisional": self.provisional}


@dataclass(frozen=True)
class RecognitionResult:
    set_id: str
    set_version: int
    recognised: bool
    provisional: bool
    conditions: tuple[ConditionResult, ...]
    basis: str
    notes: tuple[str, ...] = ()

    @property
    def summary(self) -> str:
        if self.recognised:
            return "Recognised: every deciding condition is met."
        return "Not recognised: " + "; ".join(
            c.missing for c in self.conditions if c.decisive and c.verdict != MET) + "."

    def to_dict(self) -> dict:
        return {"set_id": self.set_id, "set_version": self.set_version, "recognised": self.recognised,
                "provisional": self.provisional, "basis": self.basis, "summary": self.summary,
                "conditions": [c.to_dict() for c in self.conditions], "notes": list(self.notes)}


def evaluate(criteria_set: CriteriaSet, sheet: ScoreSheet, *, commune_class: str | None = None,
             declarations: Mapping, satisfaction_percent: Decimal | str | None = None) -> RecognitionResult:
    """Whether ``sheet`` (the council's appraised sheet) meets the recognition rules of its set.

    ``declarations`` maps each declared condition id of the set (e.g. "no_head_disciplined")
    to True when the commune declares that it holds. ``commune_class`` ("I", "II", "III")
    matters only where thresholds depend on it.
    """
    if (sheet.set_id, sheet.set_version) != criteria_set.key:
        raise ValidationFailed("recognition.sheet_mismatch", {"set_id": criteria_set.id}, {
            "sheet": f"{sheet.set_id} v{sheet.set_version}",
            "expected": f"{criteria_set.id} v{criteria_set.version}"})
    rules = criteria_set.recognition
    satisfaction = _satisfaction_input(criteria_set, satisfaction_percent)
    conditions = []
    if criteria_set.pass_fail:
        conditions.append(_all_achieved(sheet, rules.provisional))
    else:
        conditions.append(_total(criteria_set, sheet, commune_class))
        if rules.criterion_floor_ratio is not None:
            conditions += [_floor(c, rules.criterion_floor_ratio, sheet) for c in sheet.criteria]
    conditions += _declared(criteria_set, declarations)
    notes = []
    if rules.satisfaction is not None:
        condition = _satisfaction(rules.satisfaction, satisfaction)
        conditions.append(condition)
        if not condition.decisive:
            notes.append("The satisfaction condition is not confirmed: the percentage is recorded "
                         "but does not decide recognition.")
    deciding = [c for c in conditions if c.decisive]
    return RecognitionResult(
        criteria_set.id, criteria_set.version, recognised=all(c.verdict == MET for c in deciding),
        provisional=sheet.provisional or any(c.provisional for c in deciding),
        conditions=tuple(conditions), basis=sheet.basis, notes=tuple(notes))


def _satisfaction_input(criteria_set: CriteriaSet, value) -> Decimal | None:
    if value is None:
        return None
    if criteria_set.recognition.satisfaction is None:
        raise ValidationFailed("recognition.no_satisfaction", {"set_id": criteria_set.id})
    number = parse_points(value, "satisfaction_percent")
    if not ZERO <= number <= 100:
        raise ValidationFailed("recognition.satisfaction_range", {"problems": ["satisfaction_percent: outside 0-100"]})
    return number


def _shortfall(subject: str, points: Decimal, threshold: Decimal, missing_ids, suffix: str = "") -> tuple[str, str | None]:
    """(verdict, words) for a score that must reach a threshold; indicators still to score can only add."""
    if points >= threshold:
        return MET, None
    words = f"{subject} needs {money(threshold - points)} more points{suffix}"
    if missing_ids:
        return MISSING_INPUT, f"{words}; not yet scored: {', '.join(missing_ids)}"
    return NOT_MET, words


def _total(criteria_set: CriteriaSet, sheet: ScoreSheet, commune_class: str | None) -> ConditionResult:
    rules, total = criteria_set.recognition, sheet.total
    if rules.class_thresholds:
        if commune_class is not None and commune_class not in rules.class_thresholds:
            raise ValidationFailed("recognition.commune_class",
                                   {"commune_class": str(commune_class)},
                                   {"classes": list(rules.class_thresholds)})
        if commune_class is None:
            return ConditionResult("total", "total score at least the threshold of the commune's class",
                                   MISSING_INPUT, money(total), None,
                                   "the commune class (I, II or III) is needed to know the total threshold")
        threshold, suffix = rules.class_thresholds[commune_class], f" for a class {commune_class} commune"
    else:
        threshold, suffix = rules.total_threshold, ""
    verdict, words = _shortfall("total", total, threshold, sheet.missing_indicators, suffix)
    return ConditionResult("total", f"total score at least {money(threshold)}{suffix}", verdict,
                           money(total), money(threshold), words)


def _floor(criterion, ratio: Decimal, sheet: ScoreSheet) -> ConditionResult:
    threshold = quantize(criterion.max * ratio)
    subject = f"criterion {criterion.number}"
    verdict, words = _shortfall(subject, criterion.points, threshold, criterion.missing)
    return ConditionResult(f"floor.{criterion.id}",
                           f"{subject} at least {(ratio * 100).normalize():f}% of its maximum ({money(criterion.max)})",
                           verdict, money(criterion.points), money(threshold), words)


def _all_achieved(sheet: ScoreSheet, provisional: bool) -> ConditionResult:
    scores = [i for c in sheet.criteria for i in c.indicators]
    failed = [i.id for i in scores if not i.achieved]
    total = len(scores) + len(sheet.missing_indicators)
    value = f"{len(scores) - len(failed)} of {total} achieved"
    if failed:
        verdict, words = NOT_MET, f"not achieved: {', '.join(failed)}"
    elif sheet.missing_indicators:
        verdict, words = MISSING_INPUT, f"not yet assessed: {', '.join(sheet.missing_indicators)}"
    else:
        verdict, words = MET, None
    return ConditionResult("all_indicators_achieved", "every indicator achieved", verdict, value,
                           f"{total} of {total}", words, provisional=provisional)


def _declared(criteria_set: CriteriaSet, declarations: Mapping) -> list[ConditionResult]:
    if not isinstance(declarations, Mapping):
        raise ValidationFailed("recognition.declarations_object", {})
    known = {c.id for c in criteria_set.recognition.conditions}
    problems = [f"{k}: not a declared condition of {criteria_set.id} (known: {', '.join(sorted(known)) or 'none'})"
                for k in declarations if k not in known]
    problems += [f"{k}: must be true or false" for k, v in declarations.items()
                 if k in known and not isinstance(v, bool)]
    if problems:
        raise ValidationFailed("recognition.declarations_invalid", {"problems": problems},
                               {"list": "".join("\n- " + problem for problem in problems)})
    results = []
    for condition in criteria_set.recognition.conditions:
        value = declarations.get(condition.id)
        if value is None:
            verdict, words = MISSING_INPUT, f"the commune has not declared whether: {condition.wording}"
        elif value:
            verdict, words = MET, None
        else:
            verdict, words = NOT_MET, f"the commune declared that this does not hold: {condition.wording}"
        results.append(ConditionResult(condition.id, condition.wording, verdict,
                                       None if value is None else str(value).lower(), "true", words,
                                       provisional=condition.provisional))
    return results


def _satisfaction(rule, value: Decimal | None) -> ConditionResult:
    threshold = money(rule.min_percent)
    provisional = rule.provenance.provisional
    name = "citizen satisfaction" + (f" at least {threshold}%" if threshold else "")
    shown = None if value is None else f"{money(value)}%"
    if value is None:
        verdict, words = MISSING_INPUT, "the satisfaction survey percentage is not given"
    elif rule.min_percent is None:
        verdict, words = UNCONFIRMED, "the satisfaction threshold is not confirmed; recorded only"
    elif value >= rule.min_percent:
        verdict, words = MET, None
    else:
        verdict, words = NOT_MET, f"satisfaction needs {money(rule.min_percent - value)} more percentage points"
    return ConditionResult("satisfaction", name, verdict, shown, threshold and f"{threshold}%", words,
                           decisive=rule.decisive, provisional=provisional)


# -- the explanation the chairman's decision carries to the public board ----------------------


def public_explanation(criteria_set: CriteriaSet, sheet: ScoreSheet, result: RecognitionResult,
                       commune_class: str | None) -> dict:
    """The recognition conditions as the board explains them, condition by condition, in
    Vietnamese names (the board formats the figures): carried on ``RecognitionDecided`` so
    that the public record says why without re-applying the rules it does not own.

    Values and thresholds are two-place strings ("89.78"), a declared condition's value
    "true"/"false" (None when undeclared)."""
    criteria = {c.id: c for c in criteria_set.criteria}
    scores = {c.id: c for c in sheet.criteria}
    wording_vi = {c.id: c.wording_vi for c in criteria_set.recognition.conditions}
    ratio = criteria_set.recognition.criterion_floor_ratio
    lines = []
    for condition in result.conditions:
        line = {"id": condition.id, "verdict": condition.verdict, "value": condition.value,
                "threshold": condition.threshold, "decisive": condition.decisive,
                "provisional": condition.provisional}
        if condition.id.startswith("floor."):
            criterion_id = condition.id.removeprefix("floor.")
            score = scores.get(criterion_id)
            line.update(kind="floor", criterion_id=criterion_id,
                        criterion_number=score.number if score else None,
                        name_vi=criteria[criterion_id].name if criterion_id in criteria else None,
                        max=money(score.max) if score else None,
                        ratio_percent=f"{(ratio * 100).normalize():f}" if ratio else None)
        elif condition.id == "total":
            line.update(kind="total", commune_class=commune_class,
                        total_max=money(sheet.total_max))
        elif condition.id == "all_indicators_achieved":
            indicators = [i for c in sheet.criteria for i in c.indicators]
            line.update(kind="indicators", value=None, threshold=None,
                        achieved=sum(1 for i in indicators if i.achieved),
                        count=len(indicators) + len(sheet.missing_indicators),
                        failed=[i.id for i in indicators if not i.achieved],
                        not_assessed=list(sheet.missing_indicators))
        elif condition.id == "satisfaction":
            line.update(kind="satisfaction",
                        value=condition.value and condition.value.rstrip("%"),
                        threshold=condition.threshold and condition.threshold.rstrip("%"))
        else:
            line.update(kind="declared", name_vi=wording_vi.get(condition.id, condition.name))
        lines.append(line)
    return {"recognised": result.recognised, "provisional": result.provisional,
            "commune_class": commune_class, "conditions": lines}

"""Cross checks of a built criteria set that a schema cannot express.

Each problem is one line naming the item it is about, so an administrator loading an
official annex sees every mistake at once instead of fixing them one per attempt.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from rules.criteria import rules
from rules.criteria.model import CriteriaSet, Indicator, money


def problems(cs: CriteriaSet, declared_provisional: bool | None) -> list[str]:
    found = _ids(cs) + _mode(cs) + _sums(cs) + _recognition(cs) + _calendar(cs) + _surveys(cs)
    for criterion in cs.criteria:
        for indicator in criterion.indicators:
            found += _indicator(indicator, cs.pass_fail)
    if cs.last_year is not None and cs.last_year < cs.first_year:
        found.append("applies_to: last_year is before first_year")
    if declared_provisional is not None and declared_provisional != cs.provisional:
        which = ", ".join(_provisional_ids(cs)) or "nothing"
        found.append(f"provisional: the set says {str(declared_provisional).lower()} but "
                     f"provisional items are: {which}")
    return found


def _provisional_ids(cs: CriteriaSet) -> list[str]:
    ids = [item.id for item in _items(cs) if item.provenance.provisional]
    return ids + (["recognition"] if cs.recognition.provisional else [])


def _items(cs: CriteriaSet):
    for criterion in cs.criteria:
        yield criterion
        for indicator in criterion.indicators:
            yield indicator
            yield from indicator.sub_items


def _ids(cs: CriteriaSet) -> list[str]:
    found, seen = [], set()
    for item in _items(cs):
        if item.id in seen:
            found.append(f"{item.id}: the id is used more than once")
        seen.add(item.id)
    for criterion in cs.criteria:
        if not re.fullmatch(r"C\d+", criterion.id):
            found.append(f"{criterion.id}: a criterion id looks like C1")
        for indicator in criterion.indicators:
            if not re.fullmatch(re.escape(criterion.id) + r"\.I\d+", indicator.id):
                found.append(f"{indicator.id}: an indicator id of {criterion.id} looks like {criterion.id}.I1")
            for sub in indicator.sub_items:
                if not re.fullmatch(re.escape(indicator.id) + r"\.[a-z0-9]+", sub.id):
                    found.append(f"{sub.id}: a sub-item id of {indicator.id} looks like {indicator.id}.a")
    conditions = [c.id for c in cs.recognition.conditions]
    found += [f"recognition.conditions: {c} is declared more than once"
              for c in sorted({c for c in conditions if conditions.count(c) > 1})]
    return found


def _mode(cs: CriteriaSet) -> list[str]:
    found = []
    if cs.pass_fail:
        if cs.total_max is not None:
            found.append("total_max: a pass/fail set has no total (null)")
        found += [f"{item.id}.max: a pass/fail set has no points (null)"
                  for item in _items(cs) if item.max is not None]
    else:
        if cs.total_max is None:
            found.append("total_max: a points set needs its total maximum")
        found += [f"{item.id}.max: a points set needs a maximum here"
                  for item in _items(cs) if item.max is None]
    return found


def _sums(cs: CriteriaSet) -> list[str]:
    if cs.pass_fail:
        return []
    found = []

    def add_up(parts, whole, what: str, label: str):
        values = [p.max for p in parts]
        if whole is None or None in values:
            return
        total = sum(values, Decimal("0.00"))
        if total != whole:
            found.append(f"{label}: the {what} maxima add up to {money(total)}, not {money(whole)}")

    add_up(cs.criteria, cs.total_max, "criteria", "total_max")
    for criterion in cs.criteria:
        add_up(criterion.indicators, criterion.max, "indicator", criterion.id)
        for indicator in criterion.indicators:
            if indicator.sub_items:
                add_up(indicator.sub_items, indicator.max, "sub-item", indicator.id)
    return found


def _indicator(indicator: Indicator, pass_fail: bool) -> list[str]:
    found = []
    if bool(indicator.rule) == bool(indicator.sub_items):
        found.append(f"{indicator.id}: give either a rule or sub-items (an indicator with "
                     "sub-items is their sum, or in a pass/fail set achieved when all are)")
    kinds = rules.PASS_FAIL_KINDS if pass_fail else rules.POINTS_KINDS
    wanted = "achieved" if pass_fail else "full_points"
    for item in (indicator, *indicator.sub_items):
        if item.rule is None:
            continue
        where = f"{item.id}.rule"
        found += rules.check(item.rule.kind, item.rule.params, item.max, where)
        if item.rule.kind in rules.KINDS and item.rule.kind not in kinds:
            found.append(f"{where}.kind: {item.rule.kind!r} is not used in a "
                         f"{'pass/fail' if pass_fail else 'points'} set")
        if item.not_arising and item.not_arising != wanted:
            found.append(f"{item.id}.not_arising: must be {wanted!r} in this set")
        if item.rule.kind == "penalty":
            if item is indicator:
                found.append(f"{where}: a penalty deducts from its indicator, so it must be a sub-item")
            if item.max != Decimal("0.00") or item.not_arising:
                found.append(f"{item.id}: a penalty sub-item has max \"0\" and no not-arising rule")
    return found


def _surveys(cs: CriteriaSet) -> list[str]:
    """A survey feeds figures the indicator's rules read, and one indicator of a set at most:
    an assessment takes one survey result for its year (workflow/survey_steps.py)."""
    found, fed = [], []
    for indicator in cs.indicators():
        if indicator.survey is None:
            continue
        fed.append(indicator.id)
        slots = {key for item in (indicator, *indicator.sub_items) if item.rule is not None
                 for slot in rules.figure_slots(item.rule.kind, item.rule.params) for key in slot}
        found += [f"{indicator.id}.survey.figures.{name}: not a figure its rules read "
                  f"({', '.join(sorted(slots)) or 'none'})"
                  for name in sorted(set(indicator.survey.figures) - slots)]
        missing = [slot for item in (indicator, *indicator.sub_items) if item.rule is not None
                   for slot in rules.figure_slots(item.rule.kind, item.rule.params)
                   if not set(slot) & set(indicator.survey.figures)]
        found += [f"{indicator.id}.survey.figures: nothing feeds {' or '.join(slot)}"
                  for slot in missing]
    if len(fed) > 1:
        found.append(f"survey: only one indicator may be fed by a survey ({', '.join(fed)})")
    return found


def _recognition(cs: CriteriaSet) -> list[str]:
    r, found = cs.recognition, []
    if cs.pass_fail:
        if not r.all_indicators_achieved:
            found.append("recognition.all_indicators_achieved: a pass/fail set is recognised on its indicators")
        if r.total_threshold is not None or r.class_thresholds or r.criterion_floor_ratio is not None:
            found.append("recognition: a pass/fail set has no point thresholds")
        return found
    if (r.total_threshold is None) == (not r.class_thresholds):
        found.append("recognition: give either total_threshold or class_thresholds")
    for label, value in [("total_threshold", r.total_threshold),
                         *[(f"class_thresholds.{k}", v) for k, v in r.class_thresholds.items()]]:
        if value is not None and cs.total_max is not None and value > cs.total_max:
            found.append(f"recognition.{label}: {money(value)} is above the total maximum")
    ratio = r.criterion_floor_ratio
    if ratio is not None and not Decimal(0) < ratio <= Decimal(1):
        found.append("recognition.criterion_floor_ratio: a ratio above 0 and at most 1, e.g. \"0.50\"")
    if r.all_indicators_achieved:
        found.append("recognition.all_indicators_achieved: only for a pass/fail set")
    if r.satisfaction and r.satisfaction.min_percent is not None and r.satisfaction.min_percent > 100:
        found.append("recognition.satisfaction.min_percent: at most 100")
    return found


def _calendar(cs: CriteriaSet) -> list[str]:
    """Days that exist, reports named once, no value marked provisional twice."""
    calendar, found = cs.calendar, []
    dated = [("dossier_due_before", calendar.dossier_due_before),
             ("decision_due_before", calendar.decision_due_before),
             *[(f"reports.{r.id}.due_before", r.due_before) for r in calendar.reports]]
    for where, text in dated:
        if _day_of_year(text) is None:
            found.append(f"calendar.{where}: {text} is not a day of the year")
    dossier, decision = _day_of_year(calendar.dossier_due_before), _day_of_year(calendar.decision_due_before)
    if dossier and decision and decision <= dossier:
        found.append("calendar.decision_due_before: the decision is due after the dossier")
    ids = [r.id for r in calendar.reports]
    found += [f"calendar.reports: {i} is declared more than once" for i in sorted({i for i in ids if ids.count(i) > 1})]
    marked = list(calendar.provisional)
    found += [f"calendar.provisional: {m} is listed more than once" for m in sorted({m for m in marked if marked.count(m) > 1})]
    return found


def _day_of_year(text: str) -> tuple[int, int] | None:
    """(month, day) of "dd/mm"; None when no such day (29/02 is refused: not every year has it)."""
    try:
        day, month = (int(part) for part in text.split("/"))
        date(2023, month, day)
    except ValueError:
        return None
    return (month, day)

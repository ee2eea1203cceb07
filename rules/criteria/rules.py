"""Scoring rule kinds: which parameters each takes and which raw figures it reads.

Both the loader (to reject a set with a bad rule) and the scoring engine (to check a
commune's figures) need this, and the criteria model must not depend on the engine.
Figures of one indicator form one flat dict; rules name the keys they read, so sub-items
may share a figure (25/2021 C1.I1 reads "issued" both as a numerator and a denominator).
"""

from __future__ import annotations

import re
from decimal import Decimal

POINTS_KINDS = ("fixed", "proportional", "banded", "count_at_least", "penalty", "manual")
PASS_FAIL_KINDS = ("pass_fail", "count_at_least")
KINDS = tuple(dict.fromkeys(POINTS_KINDS + PASS_FAIL_KINDS))

DECIMAL_TEXT = re.compile(r"^-?\d+(\.\d{1,2})?$")
FIGURE_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
RESERVED_KEYS = ("not_arising",)

_PARAMS = {
    "fixed": {"figure"},
    "proportional": {"numerator", "denominator"},
    "banded": {"numerator", "denominator", "bands"},
    "count_at_least": {"at_least", "partial_per_activity", "activities"},
    "pass_fail": {"figure", "numerator", "denominator", "min_percent"},
    "penalty": {"figure", "points"},
    "manual": set(),
}


def figure(params: dict, name: str) -> str:
    """The figure key a parameter names; by default the parameter's own name."""
    defaults = {"figure": "achieved"}
    return params.get(name, defaults.get(name, name))


def is_rate(kind: str, params: dict) -> bool:
    return kind in ("proportional", "banded") or (kind == "pass_fail" and "min_percent" in params)


def figure_slots(kind: str, params: dict) -> tuple[tuple[str, ...], ...]:
    """The figures a rule needs: one slot per figure, each slot listing accepted alternatives."""
    if is_rate(kind, params):
        return ((figure(params, "numerator"),), (figure(params, "denominator"),))
    if kind in ("fixed", "pass_fail", "penalty"):
        return ((figure(params, "figure"),),)
    if kind == "count_at_least":
        return (("activities", "count"),)
    if kind == "manual":
        return (("manual_points",), ("reason",))
    return ()


def bands(params: dict) -> list[tuple[Decimal, Decimal]]:
    """(from percent, points), highest band first."""
    return [(Decimal(b["from_percent"]), Decimal(b["points"])) for b in params["bands"]]


def check(kind: str, params: dict, item_max: Decimal | None, path: str) -> list[str]:
    """Problems with a rule's parameters, each prefixed with the rule's path."""
    if kind not in KINDS:
        return [f"{path}.kind: unknown rule kind {kind!r}; known kinds are {', '.join(KINDS)}"]
    problems = [f"{path}.params.{name}: unknown parameter for a {kind!r} rule"
                for name in sorted(set(params) - _PARAMS[kind])]
    for name in ("figure", "numerator", "denominator"):
        if name in params and not (isinstance(params[name], str) and FIGURE_KEY.match(params[name])
                                   and params[name] not in RESERVED_KEYS):
            problems.append(f"{path}.params.{name}: must name a figure in lower_snake_case")
    if is_rate(kind, params) and figure(params, "numerator") == figure(params, "denominator"):
        problems.append(f"{path}.params: the numerator and the denominator must be different figures")
    checker = _CHECKS.get(kind)
    if checker:
        problems.extend(f"{path}.params.{p}" for p in checker(params, item_max))
    return problems


def _decimal(value, *, minimum=Decimal(0), maximum=None) -> Decimal | None:
    if not (isinstance(value, str) and DECIMAL_TEXT.match(value)):
        return None
    number = Decimal(value)
    if number < minimum or (maximum is not None and number > maximum):
        return None
    return number


def _check_banded(params: dict, item_max) -> list[str]:
    rows = params.get("bands")
    if not isinstance(rows, list) or not rows:
        return ["bands: a banded rule needs a non-empty list of bands"]
    problems, previous = [], None
    for index, row in enumerate(rows):
        where = f"bands[{index}]"
        if not isinstance(row, dict) or set(row) - {"from_percent", "points", "provisional", "note"}:
            problems.append(f"{where}: a band has from_percent, points and optionally provisional, note")
            continue
        low = _decimal(row.get("from_percent"), maximum=Decimal(100))
        points = _decimal(row.get("points"), maximum=item_max)
        if low is None:
            problems.append(f"{where}.from_percent: a percentage between 0 and 100 as a string")
        if points is None:
            problems.append(f"{where}.points: points between 0 and the item's maximum ({item_max}) as a string")
        if "provisional" in row and not isinstance(row["provisional"], bool):
            problems.append(f"{where}.provisional: must be true or false")
        if low is not None and points is not None:
            if previous and not (low < previous[0] and points <= previous[1]):
                problems.append(f"{where}: bands must go from the highest rate down, "
                                "each giving no more points than the one above")
            previous = (low, points)
    return problems


def _check_count(params: dict, item_max) -> list[str]:
    problems = []
    at_least = params.get("at_least")
    if not (isinstance(at_least, int) and not isinstance(at_least, bool) and at_least >= 1):
        problems.append("at_least: a whole number of activities, at least 1")
    if "partial_per_activity" in params:
        if item_max is None:
            problems.append("partial_per_activity: a pass/fail item has no points to give")
        elif _decimal(params["partial_per_activity"], maximum=item_max) is None:
            problems.append(f"partial_per_activity: points between 0 and {item_max} as a string")
    if "activities" in params:  # the activities the text lists; the commune ticks those done
        listed = params["activities"]
        if not (isinstance(listed, list) and listed
                and all(isinstance(a, str) and a.strip() for a in listed)):
            problems.append("activities: a list of the activities' names")
        elif len({a.strip().casefold() for a in listed}) != len(listed):
            problems.append("activities: an activity is listed twice")
    return problems


def _check_pass_fail(params: dict, item_max) -> list[str]:
    rate_keys = {"numerator", "denominator"} & set(params)
    if rate_keys and "min_percent" not in params:
        return ["min_percent: needed when a pass/fail rule reads a numerator and denominator"]
    if "min_percent" in params:
        problems = [] if "figure" not in params else ["figure: a rate rule reads numerator/denominator, not figure"]
        if _decimal(params["min_percent"], maximum=Decimal(100)) is None:
            problems.append("min_percent: a percentage between 0 and 100 as a string")
        return problems
    return []


def _check_penalty(params: dict, item_max) -> list[str]:
    if _decimal(params.get("points")) in (None, Decimal(0)):
        return ["points: the deduction, a positive number of points as a string (e.g. \"0.25\")"]
    return []


_CHECKS = {"banded": _check_banded, "count_at_least": _check_count,
           "pass_fail": _check_pass_fail, "penalty": _check_penalty}

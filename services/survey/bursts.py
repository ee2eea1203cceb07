"""Bursts: days on which one kiosk recorded more responses than a one-stop desk serves.

The rate limits stop a script at the door; what a patient stuffer gets through within them
still shows in the counts. The log keeps only the day of a response (docs/survey.md,
"Privacy"), so the unit here is a kiosk-day: the responses one kiosk recorded for a campaign
on one day, counted by the results read model from the log. A kiosk-day is flagged when

- it holds more than ``kiosk_day_max`` responses (no desk serves that many in a day), or
- it holds at least ``min_responses`` and more than ``factor`` times the median of the
  campaign's other kiosk-days (an unusual share: forty on one day where the others have
  two or three).

A flag does not change the rate: it tells whoever reads the results where to look.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

OVER_DAY_MAX, UNUSUAL_DAY = "over_day_max", "unusual_day"


@dataclass(frozen=True)
class BurstRule:
    kiosk_day_max: int = 50
    factor: int = 5
    min_responses: int = 10

    def to_dict(self) -> dict:
        return asdict(self)


DEFAULT_RULE = BurstRule()


@dataclass(frozen=True)
class KioskDay:
    kiosk_id: str
    day: str  # ISO date
    responses: int


def flags(kiosk_days: list[KioskDay], rule: BurstRule, total: int) -> list[dict]:
    """The flagged kiosk-days, by day then kiosk; ``total`` is the campaign's counted
    responses (each flag says what share of them the kiosk-day holds)."""
    found = []
    counts = sorted(c.responses for c in kiosk_days)
    for cell in sorted(kiosk_days, key=lambda c: (c.day, c.kiosk_id)):
        reasons = []
        if cell.responses > rule.kiosk_day_max:
            reasons.append(OVER_DAY_MAX)
        typical = _median_without(counts, cell.responses)
        if (typical is not None and cell.responses >= rule.min_responses
                and cell.responses > rule.factor * typical):
            reasons.append(UNUSUAL_DAY)
        if reasons:
            found.append({
                "kiosk_id": cell.kiosk_id, "day": cell.day, "responses": cell.responses,
                "share_percent": _percent(cell.responses, total),
                "median_other_kiosk_days": None if typical is None else str(typical),
                "reasons": reasons})
    return found


def _median_without(counts: list[int], value: int) -> Decimal | None:
    """The median of sorted ``counts`` with one ``value`` left out (the kiosk-day judged),
    without copying the list: a year of kiosk-days is thousands of them."""
    left_out, remaining = bisect_left(counts, value), len(counts) - 1
    if remaining < 1:
        return None

    def at(k: int) -> int:
        return counts[k if k < left_out else k + 1]

    middle = remaining // 2
    if remaining % 2:
        return Decimal(at(middle))
    return (Decimal(at(middle - 1)) + Decimal(at(middle))) / 2


def _percent(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP))

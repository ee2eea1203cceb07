"""Evaluation years paused for the whole country or for one province, as events.

The 2025 evaluation was paused ("tạm dừng") while the two-tier local government and the new
regime (Decision 27/2025/QĐ-TTg) came in: provinces announced it by notice. A pause is a
fact with a legal basis, recorded by an administrator (the country) or a province's
department of justice (its province), so that the board says why a year has no results and
no assessment is opened for it. A pause recorded by mistake is lifted by a second event,
never erased. One stream per evaluation year: ``evaluation-pauses-<year>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kernel.errors import Conflict, NotFound, ValidationFailed
from kernel.events import NewEvent
from reference import units

PAUSE_RECORDED = "EvaluationPauseRecorded"
PAUSE_LIFTED = "EvaluationPauseLifted"
EVENT_TYPES = (PAUSE_RECORDED, PAUSE_LIFTED)
STREAM_PREFIX = "evaluation-pauses-"
NATIONAL = "national"
FIRST_YEAR, LAST_YEAR = 2017, 2100
MAX_TEXT = 2000


def stream_name(year: int) -> str:
    return f"{STREAM_PREFIX}{year}"


def scope_key(province_code: str | None) -> str:
    return NATIONAL if province_code is None else province_code


def scope_vi(province_code: str | None) -> str:
    if province_code is None:
        return "toàn quốc"
    province = units.province(province_code)
    return province.name if province else f"tỉnh {province_code}"


def summary_vi(pause: dict) -> str:
    """What the board and the API say: "Năm 2025: tạm dừng đánh giá theo <basis>"."""
    where = "" if pause["province_code"] is None else f" tại {pause['scope_vi']}"
    return f"Năm {pause['year']}: tạm dừng đánh giá{where} theo {pause['legal_basis']}."


@dataclass
class YearPauses:
    """The pauses in force for one evaluation year, by scope ("national" or a province code)."""

    year: int
    version: int = 0
    pauses: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def from_events(cls, year: int, events) -> YearPauses:
        pauses = cls(year)
        for event in events:
            pauses.version += 1
            key = scope_key(event.data["province_code"])
            if event.type == PAUSE_RECORDED:
                pauses.pauses[key] = {**event.data, "scope_vi": scope_vi(event.data["province_code"]),
                                      "recorded_at": event.metadata.get("recorded_at")}
            elif event.type == PAUSE_LIFTED:
                pauses.pauses.pop(key, None)
        return pauses

    def pause_for(self, province_code: str | None) -> dict | None:
        """The pause that stops the province's year: the country's first, else its own."""
        return self.pauses.get(NATIONAL) or (self.pauses.get(province_code) if province_code else None)

    def record(self, province_code: str | None, legal_basis: str, notice: str | None,
               decided_on: str | None) -> list[NewEvent]:
        details = {"year": self.year, "province_code": province_code}
        _check_year(self.year)
        if province_code is not None and not units.province_known_in(province_code, self.year):
            raise NotFound("place.province_not_found_in_year", details)
        basis = _text(legal_basis, "legal_basis", details, required=True)
        notice = _text(notice, "notice", details, required=False)
        decided = _day(decided_on, details)
        if scope_key(province_code) in self.pauses:
            raise Conflict("pause.already_recorded", details,
                           {"year": self.year, "scope": scope_vi(province_code)})
        return [NewEvent(PAUSE_RECORDED, {"year": self.year, "province_code": province_code,
                                          "legal_basis": basis, "notice": notice,
                                          "decided_on": decided})]

    def lift(self, province_code: str | None, reason: str) -> list[NewEvent]:
        details = {"year": self.year, "province_code": province_code}
        if scope_key(province_code) not in self.pauses:
            raise NotFound("pause.not_recorded", details,
                           {"year": self.year, "scope": scope_vi(province_code)})
        return [NewEvent(PAUSE_LIFTED, {"year": self.year, "province_code": province_code,
                                        "reason": _text(reason, "reason", details, required=True)})]

    def to_dict(self) -> dict:
        return {"year": self.year, "pauses": [public(p) for _k, p in sorted(self.pauses.items())]}


def public(pause: dict) -> dict:
    return {"year": pause["year"], "province_code": pause["province_code"],
            "scope": NATIONAL if pause["province_code"] is None else "province",
            "scope_vi": pause["scope_vi"], "legal_basis": pause["legal_basis"],
            "notice": pause.get("notice"), "decided_on": pause.get("decided_on"),
            "summary_vi": summary_vi(pause)}


def _check_year(year) -> None:
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed("value.year_range", {"field": "year"},
                               {"first": FIRST_YEAR, "last": LAST_YEAR})


def _text(value, name: str, details: dict, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationFailed("pause.text_needed", {**details, "field": name})
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValidationFailed("pause.text_invalid", {**details, "field": name}, {"max": MAX_TEXT})
    return value.strip()


def _day(value, details: dict) -> str | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise ValidationFailed("pause.date_invalid", {**details, "field": "decided_on"}) from None

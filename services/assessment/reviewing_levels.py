"""Which level reviews a province's communes for an evaluation year.

Districts reviewed and decided until the 2024 evaluation; since 1 July 2025 there are no
districts, so from the 2025 evaluation the province does (Decision 27/2025/QĐ-TTg).
A province may still be configured explicitly, e.g. for a pre-2025 year it ran itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from kernel.errors import ValidationFailed
from kernel.events import NewEvent, RecordedEvent

LEVELS = ("district", "province")
FIRST_YEAR, LAST_YEAR = 2017, 2100
LAST_DISTRICT_YEAR = 2024
LEVEL_SET = "ReviewingLevelSet"


def stream_name(province_code: str, year: int) -> str:
    return f"reviewing-level-{province_code}-{year}"


def default_level(year: int) -> str:
    return "district" if year <= LAST_DISTRICT_YEAR else "province"


@dataclass(frozen=True)
class ReviewingLevel:
    province_code: str
    year: int
    level: str
    version: int = 0

    @property
    def source(self) -> str:
        return "configured" if self.version else "default"

    @classmethod
    def from_events(cls, province_code: str, year: int, events: list[RecordedEvent]) -> ReviewingLevel:
        state = cls(province_code, year, default_level(year))
        for event in events:
            if event.type == LEVEL_SET:
                state = cls(province_code, year, event.data["level"], event.version)
        return state

    def set(self, level: str) -> list[NewEvent]:
        """The events that set the level; none when it already is that level."""
        if level not in LEVELS:
            raise ValidationFailed("level.one_of", {"level": level}, {"levels": LEVELS})
        if not FIRST_YEAR <= self.year <= LAST_YEAR:
            raise ValidationFailed("value.year_range", {"year": self.year},
                                   {"first": FIRST_YEAR, "last": LAST_YEAR})
        if level == "district" and self.year > LAST_DISTRICT_YEAR:
            raise ValidationFailed("assessment.no_districts_from_2025", {"year": self.year, "level": level})
        if self.version and level == self.level:
            return []
        return [NewEvent(LEVEL_SET, {"province_code": self.province_code, "year": self.year,
                                     "level": level})]

    def to_dict(self) -> dict:
        return {"province_code": self.province_code, "year": self.year, "level": self.level,
                "version": self.version, "source": self.source}

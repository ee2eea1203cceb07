"""What the workflow needs to know about a criteria set, and nothing more.

The criteria-set objects of ``rules.criteria`` are meant to satisfy this
protocol; the workflow never imports them, so either side can change on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol, runtime_checkable


@runtime_checkable
class CriteriaCatalogue(Protocol):
    def indicator_ids(self) -> Iterable[str]:
        """Every indicator of the set version the assessment was opened with."""

    def validate_figures(self, indicator_id: str, figures: dict) -> None:
        """Raise ``kernel.errors.ValidationFailed`` when the raw figures cannot be scored."""

    def indicator_max(self, indicator_id: str) -> Decimal:
        """The most points the council may appraise for the indicator."""

    def survey_feed(self) -> SurveyFeed | None:
        """The indicator a closed survey campaign's result scores, if the set has one."""


class SurveyFeed(Protocol):
    indicator_id: str
    purpose: str  # the kind of survey whose results it takes ("satisfaction", ...)

    def figures_from(self, result: dict) -> dict | None:
        """The indicator's figures from a result; None when it cannot score anything."""

"""The words for commune-level units in the regime of a year: before the 2025 arrangement
(Decision 619/2017, 25/2021) "xã, phường, thị trấn"; from 2025 (two-level local government,
Decision 27/2025) "xã, phường, đặc khu"."""

from __future__ import annotations

FIRST_YEAR_WITHOUT_TOWNS = 2025
BEFORE, AFTER = "xã, phường, thị trấn", "xã, phường, đặc khu"


def unit_terms(year, capital: bool = False) -> str:
    """The generic unit words for ``year`` (None: today's regime)."""
    try:
        words = BEFORE if year is not None and int(year) < FIRST_YEAR_WITHOUT_TOWNS else AFTER
    except (TypeError, ValueError):
        words = AFTER
    return words[:1].upper() + words[1:] if capital else words

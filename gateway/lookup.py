"""Administrative units from the ``reference`` package, or not_found."""

from __future__ import annotations

from kernel.errors import NotFound
from reference import units


def province(code: str):
    found = units.province(code)
    if found is None:
        raise NotFound("place.province_not_found", {"province_code": code})
    return found


def require_province_in(code: str, year: int) -> None:
    if not units.province_known_in(code, year):
        raise NotFound("place.province_not_found_in_year", {"province_code": code, "year": year})


def commune(code: str):
    found = units.commune(code)
    if found is None:
        raise NotFound("place.commune_not_found", {"commune_code": code})
    return found


def provinces():
    return units.provinces()


def communes_of(province_code: str):
    return units.communes(province(province_code).code)


def province_in(code: str, year: int):
    """The province as it was in evaluation ``year`` (a pre-2025 one up to 2024), or not_found."""
    found = units.province_in(code, year)
    if found is None:
        raise NotFound(f"There is no province with code {code} in {year}.",
                       {"province_code": code, "year": year})
    return found


def communes_in(province_code: str, year: int):
    return units.communes_in(province_in(province_code, year).code, year)

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

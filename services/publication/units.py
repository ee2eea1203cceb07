"""Names of the units a commune-year belongs to, as they were in the evaluation year."""

from __future__ import annotations

from functools import lru_cache

from reference import units
from reference.legacy import legacy_file_info
from reference.text import fold

LAST_DISTRICT_YEAR = 2024


@lru_cache(maxsize=4096)
def names_of(commune_code: str, year: int, province_code: str) -> dict:
    """{commune_name, district_code, district_name, province_name}: the legacy district and
    commune names for years up to 2024 where the reference data knows them, else today's."""
    district_code = district_name = commune_name = None
    if year <= LAST_DISTRICT_YEAR:
        district_code = units.district_of_commune(commune_code, year)
        if district_code is not None:
            district = next((d for d in units.legacy_districts(province_code, year)
                             if d.code == district_code), None)
            district_name = district.name if district else None
            commune = next((c for c in units.legacy_communes(district_code, year)
                            if c.code == commune_code), None)
            commune_name = commune.name if commune else None
    if commune_name is None:
        current = units.commune(commune_code)
        commune_name = current.name if current else None
    return {"commune_name": commune_name, "district_code": district_code,
            "district_name": district_name, "province_name": province_name(province_code)}


@lru_cache(maxsize=256)
def province_name(province_code: str) -> str | None:
    found = units.province(province_code)
    if found:
        return found.name
    legacy = legacy_file_info(province_code)
    return legacy["province_name"] if legacy else None  # with its prefix: "Tỉnh Bình Dương"


def search_text(commune_code: str, names: dict, province_code: str) -> str:
    """What a query is matched against: folded names and the codes."""
    parts = [names["commune_name"] or "", commune_code, names["district_name"] or "",
             names["district_code"] or "", province_code]
    return " | ".join(fold(p) for p in parts)


@lru_cache(maxsize=1024)
def units_of_year(province_code: str, year: int) -> tuple[dict, dict]:
    """(commune code -> district code or None, district code -> name) of the province in the
    year: the legacy districts' communes up to 2024 (where the data has them), today's
    communes from 2025. Reference data: cached, so callers must not change what it returns."""
    if year <= LAST_DISTRICT_YEAR:
        districts = units.legacy_districts(province_code, year)
        members = {c.code: d.code for d in districts for c in units.legacy_communes(d.code, year)}
        return members, {d.code: d.name for d in districts}
    return {c.code: None for c in units.communes(province_code)}, {}


def provinces_of_year(year: int) -> list[str]:
    """Province codes the reference data lists for the year."""
    if year > LAST_DISTRICT_YEAR:
        return [p.code for p in units.provinces()]
    from reference.legacy import installed_paths

    return [path.stem for path in installed_paths() if units.legacy_districts(path.stem, year)]

"""Vietnam's administrative units: the 34 provinces and 3,321 communes in force since
1 July 2025 (from the pinned vietnam-provinces package), and the pre-2025 district level that
historical evaluation years were reviewed by (from reference/data/legacy, see reference.legacy).

Codes are GSO codes as zero-padded strings: provinces "01", communes "00070", districts "719".
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# The legacy lookups are part of this module's API; they live in reference.legacy.
from reference.legacy import (
    district_of_commune,
    legacy_communes,
    legacy_districts,
    legacy_file_info,
)
from reference.models import Commune, District, Province

__all__ = [
    "Commune",
    "District",
    "Province",
    "commune",
    "communes",
    "communes_in",
    "district_of_commune",
    "legacy_communes",
    "legacy_districts",
    "province",
    "province_in",
    "province_of_commune",
    "provinces",
]

_PROVINCE_PREFIXES = ("Thành phố ", "Tỉnh ")
# The last evaluation year with districts: a unit belongs to year Y if it existed on
# 31 December of Y, and districts were abolished on 1 July 2025.
LAST_DISTRICT_YEAR = 2024


@dataclass(frozen=True)
class _Index:
    provinces: tuple[Province, ...]
    province_by_code: dict[str, Province]
    communes_by_province: dict[str, tuple[Commune, ...]]
    commune_by_code: dict[str, Commune]


def _official_name(name: str, division_type: str) -> str:
    # The package names provinces "Lai Châu" but cities "Thành phố Hà Nội"; the official
    # name of a province carries "Tỉnh" just as a city's carries "Thành phố".
    if division_type == "tỉnh" and not name.startswith("Tỉnh "):
        return f"Tỉnh {name}"
    return name


def _short_name(name: str) -> str:
    for prefix in _PROVINCE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def divisions_json() -> Path:
    """The package's nested-divisions.json (its NESTED_DIVISIONS_JSON_PATH)."""
    # Found without importing vietnam_provinces: its __init__ builds a 3,321-member code enum
    # and its lookup module 3,321 objects, ~0.2 s that every process would pay for a JSON file
    # that parses in milliseconds.
    spec = importlib.util.find_spec("vietnam_provinces")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "nested-divisions.json"


@lru_cache(maxsize=1)
def _index() -> _Index:
    raw = json.loads(divisions_json().read_text(encoding="utf-8"))
    provinces, communes_by_province, commune_by_code = [], {}, {}
    for entry in raw:
        code = f"{entry['code']:02d}"
        name = _official_name(entry["name"], entry["division_type"])
        provinces.append(Province(code=code, name=name, short_name=_short_name(name)))
        members = sorted(
            (Commune(code=f"{ward['code']:05d}", name=ward["name"], province_code=code,
                     district_code=None, division_type=ward["division_type"])
             for ward in entry["wards"]),
            key=lambda item: item.code)
        communes_by_province[code] = tuple(members)
        commune_by_code.update((item.code, item) for item in members)
    provinces.sort(key=lambda item: item.code)
    return _Index(provinces=tuple(provinces),
                  province_by_code={item.code: item for item in provinces},
                  communes_by_province=communes_by_province,
                  commune_by_code=commune_by_code)


def provinces() -> list[Province]:
    """The 34 provinces and centrally-run cities, sorted by code."""
    return list(_index().provinces)


def province(code: str) -> Province | None:
    return _index().province_by_code.get(code)


def communes(province_code: str) -> list[Commune]:
    """The province's communes sorted by code; empty for an unknown province."""
    return list(_index().communes_by_province.get(province_code, ()))


def commune(code: str) -> Commune | None:
    return _index().commune_by_code.get(code)


def province_of_commune(code: str) -> str | None:
    found = commune(code)
    return found.province_code if found else None



def province_known_in(code: str, year: int) -> bool:
    """A current province, or for an evaluation year before July 2025 one the legacy data
    knows then (Bình Dương, 74, reviewed its communes until 2024 and is part of 79 since)."""
    return province(code) is not None or bool(legacy_districts(code, year))


def province_in(code: str, year: int) -> Province | None:
    """The province as it was in evaluation ``year``: up to 2024 the pre-2025 province of
    the legacy data (63 of them, e.g. Tỉnh Bình Dương, 74), from 2025 a current one."""
    if year > LAST_DISTRICT_YEAR:
        return province(code)
    info = legacy_file_info(code)
    if info is None or not legacy_districts(code, year):
        return None
    return Province(code=code, name=info["province_name"], short_name=_short_name(info["province_name"]))


def communes_in(province_code: str, year: int) -> list[Commune]:
    """The commune-level units of the province that existed on 31 December of ``year``
    (up to 2024 with their district codes), sorted by code; empty for an unknown province
    or a year the data does not cover."""
    if year > LAST_DISTRICT_YEAR:
        return communes(province_code)
    return sorted((member for district in legacy_districts(province_code, year)
                   for member in legacy_communes(district.code, year)), key=lambda c: c.code)

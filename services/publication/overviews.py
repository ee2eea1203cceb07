"""Counts for the board: a province's year by district, and the whole country's year.

``communes`` counts every commune of the province in the year from the reference data (plus
any published commune the data does not list); ``assessed`` the public commune-years;
``decided`` those with the chairman's decision (a revoked recognition counts as decided and
not recognised); ``rate_percent`` is the recognition rate: recognised ÷ every commune-level
unit of the year (``communes``), the rate of Mẫu 09 and of the assessment's roll-up
(``recognition_rate``), one definition stated on the board's methodology page. ``pause`` is the notice that paused
the year (the country's, else the province's), so that an empty year says why.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from kernel.errors import NotFound
from reference import units
from services.publication.record import commune_years, pause_for, pauses_of
from services.publication.units import province_name, provinces_of_year, units_of_year

DECIDED = ("recognised", "not_recognised", "revoked")


def rate(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP))


def _rows(conn, year: int, province_code: str | None = None):
    query = select(commune_years.c.commune_code, commune_years.c.province_code,
                   commune_years.c.district_code, commune_years.c.status).where(
        commune_years.c.public.is_(True), commune_years.c.year == year)
    if province_code is not None:
        query = query.where(commune_years.c.province_code == province_code)
    return list(conn.execute(query))


def _counts(members, rows) -> dict:
    """``members``: a set (or a dict's keys) of the communes the reference data lists."""
    decided = [r for r in rows if r.status in DECIDED]
    recognised = sum(1 for r in decided if r.status == "recognised")
    outside = {r.commune_code for r in rows if r.commune_code not in members}
    return {"communes": len(members) + len(outside), "assessed": len(rows),
            "decided": len(decided), "recognised": recognised,
            "not_recognised": len(decided) - recognised,
            "rate_percent": rate(recognised, len(members) + len(outside))}


def province_overview(engine, province_code: str, year: int) -> dict:
    year = int(year)
    name = province_name(province_code)
    if name is None and not units.province_known_in(province_code, year):
        raise NotFound("place.province_not_found_in_year", {"province_code": province_code, "year": year})
    members, district_names = units_of_year(province_code, year)
    with engine.connect() as conn:
        rows = _rows(conn, year, province_code)
        pause = pause_for(conn, year, province_code)
    totals = _counts(set(members), rows)
    districts = []
    by_district: dict[str, set[str]] = {code: set() for code in district_names}
    for commune_code, district_code in members.items():
        if district_code is not None:
            by_district.setdefault(district_code, set()).add(commune_code)
    for row in rows:
        if row.district_code is not None:
            by_district.setdefault(row.district_code, set())
    for code in sorted(by_district):
        counted = _counts(by_district[code], [r for r in rows if r.district_code == code])
        districts.append({"district_code": code, "district_name": district_names.get(code),
                          "communes": counted["communes"], "decided": counted["decided"],
                          "recognised": counted["recognised"],
                          "rate_percent": counted["rate_percent"]})
    return {"province": {"code": province_code, "name": name}, "year": year, **totals,
            "districts": districts, "pause": pause}


def national_overview(engine, year: int) -> dict:
    year = int(year)
    with engine.connect() as conn:
        rows = _rows(conn, year)
        year_pauses = pauses_of(conn, year)
    national = next((p for p in year_pauses if p["province_code"] is None), None)
    by_scope = {p["province_code"]: p for p in year_pauses if p["province_code"] is not None}
    by_province: dict[str, list] = {}
    for row in rows:
        by_province.setdefault(row.province_code, []).append(row)
    codes = sorted(set(provinces_of_year(year)) | set(by_province))
    provinces, all_members = [], set()
    for code in codes:
        members, _ = units_of_year(code, year)
        all_members.update(members)
        counted = _counts(members.keys(), by_province.get(code, []))
        provinces.append({"province_code": code, "province_name": province_name(code),
                          "communes": counted["communes"], "decided": counted["decided"],
                          "recognised": counted["recognised"],
                          "rate_percent": counted["rate_percent"],
                          "pause": national or by_scope.get(code)})
    totals = _counts(all_members, rows)
    return {"year": year, "provinces": provinces, "pause": national,
            "totals": {key: totals[key] for key in ("communes", "decided", "recognised",
                                                    "rate_percent")}}

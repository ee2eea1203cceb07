"""Searching the public record: communes by folded name or code, provinces, districts and
communes by a forgiving name search (unit_search.py), and the decision's lists."""

from __future__ import annotations

import threading
import time
import weakref

from sqlalchemy import func, or_, select

from kernel.errors import ValidationFailed
from reference.text import fold
from rules import pauses as year_pauses
from services.publication.record import commune_years, pauses, search_item
from services.publication.scores import STATUSES
from services.publication.unit_search import NameIndex

MAX_LIMIT = 200
MAX_UNITS = 50
# How often (seconds) a search may ask whether the public record names new units; between
# two looks the index in memory answers alone. Rebuilding it for the whole country costs
# about 0.5-0.75 s: a unit that has just become public is found by name within a minute (its
# results are listed at once by the word search).
INDEX_CHECK_SECONDS = 60.0


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_communes(engine, query: str = "", province_code: str | None = None,
                    year: int | None = None, status: str | None = None, limit: int = 50,
                    offset: int = 0) -> dict:
    """One item per public commune-year, newest year first. ``query`` matches the folded
    commune or district name ("Dong Quang" finds "Đông Quang") or a code; every word of it must
    appear. When no commune-year has them all, the units the forgiving name search ranks best
    are listed instead (one typo away, or the province or district so named)."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed("publication.status", {"status": status, "allowed": list(STATUSES)})
    try:
        limit = max(1, min(int(limit), MAX_LIMIT))
        offset = max(0, int(offset))
        year = None if year in (None, "") else int(year)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("publication.whole_numbers", {}) from exc
    public = commune_years.c.public.is_(True)
    words = [commune_years.c.search_text.like(f"%{_escape(word)}%", escape="\\")
             for word in fold(query or "").split()]
    filters = []
    if province_code:
        filters.append(commune_years.c.province_code == province_code)
    if year is not None:
        filters.append(commune_years.c.year == year)
    if status:
        filters.append(commune_years.c.status == status)
    conditions = [public, *words, *filters]
    found = _page(engine, conditions, limit, offset)
    if not found["total"] and words:
        # No name holds every word: the units the forgiving search ranks best (one typo away,
        # or a province or district so named) stand for the words, so "Dong Quagn" still lists
        # Đông Quang's years. (Asked after the first connection is closed: SQLite's readers
        # here take the database's lock.)
        near = _near_units(engine, query)
        if near is not None:
            found = _page(engine, [public, near, *filters], limit, offset)
    return found


def _page(engine, conditions, limit: int, offset: int) -> dict:
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(commune_years)
                             .where(*conditions)).scalar()
        rows = conn.execute(select(commune_years).where(*conditions).order_by(
            commune_years.c.year.desc(), commune_years.c.province_code,
            commune_years.c.commune_code).limit(limit).offset(offset))
        return {"total": total, "items": [search_item(r) for r in rows]}


def search_units(engine, query: str = "", limit: int = 20) -> dict:
    """Provinces, districts and communes of the public record whose name matches ``query``
    forgivingly (see unit_search.py), best first, each with the latest year it has results
    under that name: ``{"items": [{kind, code, name, province_code, …, year, match}]}``."""
    try:
        limit = max(1, min(int(limit), MAX_UNITS))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("publication.whole_numbers", {}) from exc
    return {"items": name_index(engine).find(query or "", limit)}


def _near_units(engine, query: str):
    """The condition "one of the units the forgiving search ranks best", or None."""
    found = name_index(engine).find(query, MAX_UNITS)
    if not found:
        return None
    best = found[0]["match"]
    codes = {kind: {u["code"] for u in found if u["kind"] == kind and u["match"] == best}
             for kind in ("province", "district", "commune")}
    parts = [column.in_(sorted(codes[kind])) for kind, column in (
        ("province", commune_years.c.province_code), ("district", commune_years.c.district_code),
        ("commune", commune_years.c.commune_code)) if codes[kind]]
    return or_(*parts)


# -- the name index, kept per engine --------------------------------------------------------------
_INDEXES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine → (checked, signature, index)
_INDEX_LOCK = threading.Lock()


def name_index(engine) -> NameIndex:
    """The index of the units the public record names, rebuilt when that list may have changed:
    at most every INDEX_CHECK_SECONDS a search compares the record's count of public rows and
    of their names' letters with those the index was built from (one scan, no rows read)."""
    kept = _INDEXES.get(engine)
    now = time.monotonic()
    if kept is not None and now - kept[0] < INDEX_CHECK_SECONDS:
        return kept[2]
    with _INDEX_LOCK:
        kept = _INDEXES.get(engine)
        if kept is not None and now - kept[0] < INDEX_CHECK_SECONDS:
            return kept[2]
        public = commune_years.c.public.is_(True)
        with engine.connect() as conn:
            signature = tuple(conn.execute(select(
                func.count(), func.coalesce(func.sum(
                    func.length(func.coalesce(commune_years.c.commune_name, ""))
                    + func.length(func.coalesce(commune_years.c.district_name, ""))
                    + func.length(func.coalesce(commune_years.c.province_name, ""))), 0))
                .where(public)).one())
            if kept is not None and kept[1] == signature:
                index = kept[2]
            else:
                c = commune_years.c
                index = NameIndex.build(conn.execute(
                    select(c.province_code, c.province_name, c.district_code, c.district_name,
                           c.commune_code, c.commune_name, func.max(c.year))
                    .where(public)
                    .group_by(c.province_code, c.province_name, c.district_code,
                              c.district_name, c.commune_code, c.commune_name)).all())
        _INDEXES[engine] = (time.monotonic(), signature, index)
        return index


def decisions(engine, province_code: str, year: int) -> dict:
    """The decision's lists: recognised, and not recognised (a revoked recognition included)."""
    with engine.connect() as conn:
        rows = list(conn.execute(select(commune_years).where(
            commune_years.c.public.is_(True), commune_years.c.province_code == province_code,
            commune_years.c.year == int(year),
            or_(commune_years.c.status == "recognised",
                commune_years.c.status == "not_recognised",
                commune_years.c.status == "revoked"))
            .order_by(commune_years.c.district_code, commune_years.c.commune_code)))
    return {"recognised": [search_item(r) for r in rows if r.status == "recognised"],
            "not_recognised": [search_item(r) for r in rows if r.status != "recognised"]}


def years(engine) -> list[int]:
    """The years with public results, and the years paused nationwide: their page says why
    they have none, so the board's year links lead there too."""
    with engine.connect() as conn:
        public = set(conn.execute(select(commune_years.c.year).where(
            commune_years.c.public.is_(True)).distinct()).scalars())
        paused = set(conn.execute(select(pauses.c.year).where(
            pauses.c.scope == year_pauses.NATIONAL)).scalars())
    return sorted(public | paused)


def public_provinces(engine) -> list[dict]:
    """The provinces with public results, as the results name them: before 1 July 2025 that
    may be one that no longer exists (Bình Dương, 74), which today's list does not have."""
    with engine.connect() as conn:
        rows = conn.execute(select(commune_years.c.province_code, commune_years.c.province_name)
                            .where(commune_years.c.public.is_(True)).distinct()).all()
    names = {}
    for code, name in rows:
        names[code] = names.get(code) or name
    return [{"province_code": code, "province_name": names[code]} for code in sorted(names)]

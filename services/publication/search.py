"""Searching the public record: communes by folded name or code, and the decision's lists."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from kernel.errors import ValidationFailed
from reference.text import fold
from services.assessment import pauses as year_pauses
from services.publication.record import commune_years, pauses, search_item
from services.publication.scores import STATUSES

MAX_LIMIT = 200


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_communes(engine, query: str = "", province_code: str | None = None,
                    year: int | None = None, status: str | None = None, limit: int = 50,
                    offset: int = 0) -> dict:
    """One item per public commune-year, newest year first. ``query`` matches the folded
    commune or district name ("Dong Quang" finds "Đông Quang") or a code; every word of it must
    appear."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed("publication.status", {"status": status, "allowed": list(STATUSES)})
    try:
        limit = max(1, min(int(limit), MAX_LIMIT))
        offset = max(0, int(offset))
        year = None if year in (None, "") else int(year)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("publication.whole_numbers", {}) from exc
    conditions = [commune_years.c.public.is_(True)]
    for word in fold(query or "").split():
        conditions.append(commune_years.c.search_text.like(f"%{_escape(word)}%", escape="\\"))
    if province_code:
        conditions.append(commune_years.c.province_code == province_code)
    if year is not None:
        conditions.append(commune_years.c.year == year)
    if status:
        conditions.append(commune_years.c.status == status)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(commune_years)
                             .where(*conditions)).scalar()
        rows = conn.execute(select(commune_years).where(*conditions).order_by(
            commune_years.c.year.desc(), commune_years.c.province_code,
            commune_years.c.commune_code).limit(limit).offset(offset))
        return {"total": total, "items": [search_item(r) for r in rows]}


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

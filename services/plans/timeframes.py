"""Timeframes as officials write them, structured, with the due dates they imply.

Kinds: ``quarters`` ("Quý III, Quý IV/2021"), ``years`` ("Năm 2021", "Năm 2022 - 2025"),
``yearly`` ("Hằng năm"), ``from`` ("Từ quý III năm 2021", "Từ năm 2022"), ``date``
("trước ngày 20/02/2022"), ``as_guided`` ("Theo hướng dẫn của Bộ Tư pháp": no date),
``occasional`` ("Định kỳ hoặc đột xuất"), ``composite`` (several parts, one a line) and
``unknown`` (kept verbatim, reported for review).
"""

from __future__ import annotations

import re
from datetime import date

from reference.text import fold

ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
_YEAR = r"(20\d\d)"
_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(20\d\d)")
_QUARTER = re.compile(r"quy\s+(iv|iii|ii|i|[1-4])\b")


def _quarter_number(token: str) -> int:
    return int(token) if token.isdigit() else ROMAN[token]


def quarter_end(year: int, quarter: int) -> date:
    month, day = _QUARTER_END[quarter]
    return date(year, month, day)


def parse(text: str, default_year: int | None = None) -> dict:
    """The structured timeframe of ``text`` (see the module's docstring)."""
    raw = " ".join(text.split()).strip(" .;")
    folded = fold(raw)
    base = {"text": raw}
    if not folded:
        return {**base, "kind": "unknown"}
    guided = re.search(r"theo huong dan(?: cua)? (bo tu phap|trung uong|bo[^,;.]*)", folded)
    years = [int(y) for y in re.findall(_YEAR, folded)]
    if guided and not re.match(r"nam\s+20\d\d\s*:", folded):
        by = raw[guided.start(1):guided.end(1)]
        return {**base, "kind": "as_guided", "guided_by": by[0].upper() + by[1:]}
    dated = _DATE.search(folded)
    if dated and re.search(r"truoc|den|han|ngay", folded):
        day, month, year = (int(g) for g in dated.groups())
        return {**base, "kind": "date", "date": date(year, month, day).isoformat()}
    if folded.startswith("tu "):
        quarter = _QUARTER.search(folded)
        if quarter and years:
            q = _quarter_number(quarter.group(1))
            return {**base, "kind": "from", "start": date(years[0], 3 * q - 2, 1).isoformat()}
        if years:
            return {**base, "kind": "from", "start": date(years[0], 1, 1).isoformat()}
    if re.search(r"\bh[ae]ng nam\b", folded):
        return {**base, "kind": "yearly"}
    quarters = [_quarter_number(q) for q in _QUARTER.findall(folded)]
    if quarters:
        year = years[-1] if years else default_year
        if year is None:
            return {**base, "kind": "unknown"}
        return {**base, "kind": "quarters", "year": year, "quarters": sorted(set(quarters))}
    if years and re.search(r"\bnam\b", folded):
        span = re.search(r"(20\d\d)\s*-\s*(20\d\d)", folded)
        listed = list(range(int(span.group(1)), int(span.group(2)) + 1)) if span else sorted(set(years))
        return {**base, "kind": "years", "years": listed}
    if re.search(r"dinh ky|dot xuat|thuong xuyen", folded):
        return {**base, "kind": "occasional"}
    return {**base, "kind": "unknown"}


def parse_parts(lines: list[str], default_year: int | None = None) -> dict:
    """A timeframe written over several lines ("+ Năm 2022: ...", "+ Các năm tiếp theo: ...")."""
    if len(lines) == 1:
        return parse(lines[0], default_year)
    parts = []
    for line in lines:
        label, _, rest = line.partition(":")
        folded = fold(label)
        year = re.search(_YEAR, folded)
        if rest and year:
            part = parse(rest, int(year.group(1)))
            if part["kind"] in ("as_guided", "yearly", "occasional", "unknown"):
                part = {**part, "year": int(year.group(1))}
            parts.append({**part, "text": line.strip()})
        elif rest and "nam tiep theo" in folded:
            after = max((p.get("year") or 0 for p in parts), default=default_year or 0) + 1
            parts.append({"text": line.strip(), "kind": "from",
                          "start": date(after, 1, 1).isoformat(), "yearly": True})
        else:
            parts.append(parse(line, default_year))
    return {"text": " ".join(p["text"] for p in parts), "kind": "composite", "parts": parts}


def due_dates(timeframe: dict | None, first_year: int, last_year: int) -> list[str]:
    """The ISO due dates a timeframe implies within the plan's span of years."""
    if not timeframe:
        return []
    kind = timeframe["kind"]
    if kind == "quarters":
        return [quarter_end(timeframe["year"], max(timeframe["quarters"])).isoformat()]
    if kind == "years":
        return [date(y, 12, 31).isoformat() for y in timeframe["years"]]
    if kind == "yearly":
        return [date(y, 12, 31).isoformat() for y in range(first_year, last_year + 1)]
    if kind == "date":
        return [timeframe["date"]]
    if kind == "as_guided" and timeframe.get("year"):
        return [date(timeframe["year"], 12, 31).isoformat()]
    if kind == "from" and timeframe.get("yearly"):
        start = int(timeframe["start"][:4])
        return [date(y, 12, 31).isoformat() for y in range(start, last_year + 1)]
    if kind == "composite":
        return sorted({d for part in timeframe["parts"]
                       for d in due_dates(part, first_year, last_year)})
    return []


def years_named(timeframe: dict | None) -> list[int]:
    if not timeframe:
        return []
    found = [int(y) for y in re.findall(_YEAR, timeframe.get("text", ""))]
    for part in timeframe.get("parts", []):
        found += years_named(part)
    return found

"""Timeframes as officials write them, structured, with the due dates they imply.

Kinds: ``quarters`` ("Quý III, Quý IV/2021"), ``years`` ("Năm 2021", "Năm 2022 - 2025"),
``yearly`` ("Hằng năm"; "trước ngày 15/11 hằng năm", "Quý I hằng năm": ``on`` that day of
each year), ``from`` ("Từ quý III năm 2021", "Từ năm 2022"), ``date``
("trước ngày 20/02/2022"), ``as_guided`` ("Theo hướng dẫn của Bộ Tư pháp": no date),
``as_required`` ("Theo quy định", "Khi có yêu cầu": no date), ``occasional`` ("Định kỳ hoặc
đột xuất"), ``composite`` (several parts: one a line, or one line naming several periods such
as "Quý I và cả năm 2021", each part keeping its due date) and ``unknown`` (kept verbatim,
reported for review).

Quarters are read however they are spaced ("QuýI", "Quý  II", "Quý I, II"). A timeframe that
names a period and an undated form at once ("Theo hướng dẫn, trong Quý II") keeps the period
and is marked ``ambiguous`` so the review asks about it.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from reference.text import fold

ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_QUARTER_END = {1: (3, 31), 2: (6, 30), 3: (9, 30), 4: (12, 31)}
_YEAR = r"(20\d\d)"
_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(20\d\d)")
_Q = r"(?:iv|iii|ii|i|[1-4])(?![a-z0-9])"
# "Quý I", "QuýI", "Quý  II", and the quarters listed after one "Quý" ("Quý I, II và III").
_QUARTER = re.compile(rf"\bquy\s*({_Q}(?:\s*(?:,|va|-|den)\s*(?:quy\s*)?{_Q})*)")
_QUARTER_TOKEN = re.compile(_Q)
# Undated forms: done as someone guides, or as the rules or a request require.
_GUIDED = re.compile(r"theo (?:huong dan|chi dao)(?: cua)?\s*(?P<by>[^,;.()]*)")
_REQUIRED = re.compile(r"^(?:theo (?:quy dinh|yeu cau|ke hoach|thong bao|lich)|khi co (?:yeu cau|van ban|chi dao)"
                       r"|ngay sau khi|sau khi|kip thoi|lien tuc|trong suot)")
_HALF = re.compile(r"\b6 thang (dau|cuoi) nam\b")


def _quarter_number(token: str) -> int:
    return int(token) if token.isdigit() else ROMAN[token]


def quarters_named(folded: str) -> list[int]:
    """Every quarter a folded timeframe names, in order, once each."""
    found: list[int] = []
    for group in _QUARTER.findall(folded):
        for token in _QUARTER_TOKEN.findall(re.sub(r"\b(?:va|den|quy)\b", " ", group)):
            if _quarter_number(token) not in found:
                found.append(_quarter_number(token))
    return found


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
    years = [int(y) for y in re.findall(_YEAR, folded)]
    dated = _DATE.search(folded)
    periods = bool(dated or years or quarters_named(folded) or _HALF.search(folded)
                   or re.search(r"\bh[ae]ng nam\b", folded))
    guided = _GUIDED.search(folded)
    required = _REQUIRED.search(folded)
    labelled_year = re.match(r"nam\s+20\d\d\s*:", folded)
    if (guided or required) and not periods:
        if guided:
            by = raw[guided.start("by"):guided.end("by")].strip()
            return {**base, "kind": "as_guided", "guided_by": by[0].upper() + by[1:] if by else None}
        return {**base, "kind": "as_required"}
    parsed = _periods(raw, folded, years, dated, default_year)
    if (guided or required) and not labelled_year and parsed["kind"] != "unknown":
        parsed["ambiguous"] = True  # a period and "as guided" at once: which one holds?
    return parsed


def _month_end(year: int, month: int) -> date:
    return date(year, 12, 31) if month == 12 else date(year, month + 1, 1) - timedelta(days=1)


def _quarter_years(folded: str, default_year: int | None) -> list[tuple[int, int]]:
    """(year, quarter) pairs: each "Quý …" takes the year written after it, before the next
    "Quý" ("Quý IV/2021 và Quý I/2022"), else the next year written, else ``default_year``."""
    pairs: list[tuple[int, int]] = []
    matches = list(_QUARTER.finditer(folded))
    for i, match in enumerate(matches):
        stop = matches[i + 1].start() if i + 1 < len(matches) else len(folded)
        own = re.search(_YEAR, folded[match.end():stop]) or re.search(_YEAR, folded[match.end():])
        year = int(own.group(1)) if own else default_year
        for token in _QUARTER_TOKEN.findall(re.sub(r"\b(?:va|den|quy)\b", " ", match.group(1))):
            pairs.append((year, _quarter_number(token)))
    return pairs


def _periods(raw: str, folded: str, years: list[int], dated, default_year: int | None) -> dict:
    base = {"text": raw}
    if dated and re.search(r"truoc|den|han|ngay", folded):
        day, month, year = (int(g) for g in dated.groups())
        return {**base, "kind": "date", "date": date(year, month, day).isoformat()}
    month = re.search(r"\bthang\s+(\d{1,2})\b", folded)
    day_month = re.search(r"\b(\d{1,2})\s*[/.-]\s*(\d{1,2})\b(?!\s*[/.-]\s*\d)", folded)
    if folded.startswith("tu "):
        quarter = quarters_named(folded)
        if quarter and years:
            return {**base, "kind": "from", "start": date(years[0], 3 * quarter[0] - 2, 1).isoformat()}
        if month and years and 1 <= int(month.group(1)) <= 12:
            return {**base, "kind": "from", "start": date(years[0], int(month.group(1)), 1).isoformat()}
        if years:
            return {**base, "kind": "from", "start": date(years[0], 1, 1).isoformat()}
    if re.search(r"\bh[ae]ng nam\b", folded):
        # "Hằng năm", or a day of each year: "trước ngày 15/11 hằng năm", "Quý I hằng năm".
        on = None
        if day_month and not years:
            on = (int(day_month.group(2)), int(day_month.group(1)))
        elif quarters_named(folded):
            end = quarter_end(2001, max(quarters_named(folded)))
            on = (end.month, end.day)
        elif month and 1 <= int(month.group(1)) <= 12:
            end = _month_end(2001, int(month.group(1)))
            on = (end.month, end.day)
        return {**base, "kind": "yearly", **({"on": f"{on[0]:02d}-{on[1]:02d}"} if on and on != (12, 31) else {})}
    if years and re.search(r"\bcac nam tiep theo\b", folded):
        # "Năm 2021 và các năm tiếp theo": every year from the first on.
        return {**base, "kind": "from", "start": date(min(years), 1, 1).isoformat(), "yearly": True}
    pairs = _quarter_years(folded, default_year)
    half = _HALF.search(folded)
    if half:
        year = years[-1] if years else default_year
        pairs += [(year, q) for q in ((1, 2) if half.group(1) == "dau" else (3, 4))]
    if pairs:
        if any(year is None for year, _ in pairs):
            return {**base, "kind": "unknown"}
        spans = [{**base, "kind": "quarters", "year": year,
                  "quarters": sorted({q for y, q in pairs if y == year})}
                 for year in sorted({y for y, _ in pairs})]
        if re.search(r"\bca nam\b", folded) and max(spans[-1]["quarters"]) < 4:
            # "Quý I và cả năm 2021": a report for the quarter and one for the year.
            spans.append({**base, "kind": "years", "years": [spans[-1]["year"]]})
        return spans[0] if len(spans) == 1 else {**base, "kind": "composite", "parts": spans}
    if month and 1 <= int(month.group(1)) <= 12 and (years or default_year):
        # "Tháng 3/2021", "trong tháng 12 năm 2021": the end of the (last) month named.
        months = [int(m) for m in re.findall(r"\bthang\s+(\d{1,2})\b", folded) if 1 <= int(m) <= 12]
        year = years[-1] if years else default_year
        return {**base, "kind": "date", "date": _month_end(year, months[-1]).isoformat()}
    if day_month and not years and default_year and re.search(r"truoc|den|han|ngay", folded):
        day, month_of = int(day_month.group(1)), int(day_month.group(2))
        try:  # "trước ngày 15/12": that day of the plan's year
            return {**base, "kind": "date", "date": date(default_year, month_of, day).isoformat()}
        except ValueError:
            return {**base, "kind": "unknown"}
    if years and re.search(r"\bnam\b|giai doan", folded):
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
            if part["kind"] in ("as_guided", "as_required", "yearly", "occasional", "unknown"):
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
    if kind == "yearly":  # no year for the plan (a doubt already): no due date to guess
        month, day = (int(n) for n in timeframe.get("on", "12-31").split("-"))
        return [date(y, month, day).isoformat() for y in range(first_year, last_year + 1)] if first_year else []
    if kind == "date":
        return [timeframe["date"]]
    if kind in ("as_guided", "as_required") and timeframe.get("year"):
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

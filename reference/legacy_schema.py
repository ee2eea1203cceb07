"""The legacy-divisions file format (docs/reference-data.md): a marshmallow schema for its
shape, then the checks that span entries (year ranges, duplicate codes). Every problem is
reported with its JSON path, and all of them at once, so a file can be fixed in one pass.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

FORMAT = 1
# GSO's code list dates from Decision 124/2004/QĐ-TTg; nothing older can carry its codes.
FIRST_YEAR = 2004
# A unit belongs to year Y if it existed on 31 December of Y. Districts were abolished on
# 1 July 2025, so 2024 is the last year that had any, and 30 June 2025 their last day.
LAST_YEAR = 2024
LAST_DAY = date(2025, 6, 30)
DIVISION_TYPES = ("xã", "phường", "thị trấn")
STATUSES = ("confirmed", "unconfirmed")
COVERAGES = ("complete", "partial")


class LegacyFileError(ValueError):
    """A legacy-divisions file that cannot be used, with every problem found in it."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        return f"{self.source} is not a valid legacy divisions file:\n{lines}"


@dataclass(frozen=True)
class LegacyCommune:
    code: str
    name: str
    division_type: str
    valid_from: int
    valid_until: int
    note: str | None
    successors: tuple[str, ...] | None = None  # None: not given
    successors_inferred: bool = False


@dataclass(frozen=True)
class LegacyDistrict:
    code: str
    name: str
    valid_from: int
    valid_until: int
    last_day: date
    note: str | None
    communes: tuple[LegacyCommune, ...]


@dataclass(frozen=True)
class LegacyFile:
    province_code: str
    province_name: str
    valid_from: int
    valid_until: int
    status: str
    coverage: str
    source: str
    notes: tuple[str, ...]
    districts: tuple[LegacyDistrict, ...]

    @property
    def commune_count(self) -> int:
        return sum(len(district.communes) for district in self.districts)


def _code(digits: int, what: str, example: str) -> fields.String:
    return fields.String(required=True, validate=validate.Regexp(
        rf"^\d{{{digits}}}$", error=f"must be a {digits}-digit GSO {what} code as a string, e.g. {example!r}"))


def _year(required: bool = False) -> fields.Integer:
    return fields.Integer(strict=True, required=required, validate=validate.Range(
        FIRST_YEAR, LAST_YEAR, error=f"must be a year from {FIRST_YEAR} to {LAST_YEAR}"))


_NAME = {"required": True, "validate": validate.Length(min=1, error="must not be empty")}


class _StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class CommuneSchema(_StrictSchema):
    code = _code(5, "commune", "03403")
    name = fields.String(**_NAME)
    division_type = fields.String(validate=validate.OneOf(DIVISION_TYPES))
    valid_from = _year()
    valid_until = _year()
    note = fields.String()
    successors = fields.List(_code(5, "commune", "03403"))
    successors_inferred = fields.Boolean()


class DistrictSchema(_StrictSchema):
    code = _code(3, "district", "719")
    name = fields.String(**_NAME)
    valid_from = _year()
    valid_until = _year()
    last_day = fields.Date()
    note = fields.String()
    communes = fields.List(fields.Nested(CommuneSchema), required=True,
                           validate=validate.Length(min=1, error="must list at least one commune"))


class ProvinceSchema(_StrictSchema):
    code = _code(2, "province", "12")
    name = fields.String(**_NAME)


class LegacyFileSchema(_StrictSchema):
    format = fields.Integer(strict=True, required=True, validate=validate.Equal(
        FORMAT, error=f"must be {FORMAT}, the only format this code reads"))
    province = fields.Nested(ProvinceSchema, required=True)
    valid_from = _year(required=True)
    valid_until = _year(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    coverage = fields.String(required=True, validate=validate.OneOf(COVERAGES))
    source = fields.String(**_NAME)
    notes = fields.List(fields.String())
    districts = fields.List(fields.Nested(DistrictSchema), required=True,
                            validate=validate.Length(min=1, error="must list at least one district"))


def _flatten(messages: Any, path: str = "") -> Iterable[str]:
    if isinstance(messages, dict):
        for key, value in messages.items():
            if key == "_schema":
                yield from _flatten(value, path)
            elif isinstance(key, int):
                yield from _flatten(value, f"{path}[{key}]")
            else:
                yield from _flatten(value, f"{path}.{key}" if path else str(key))
    elif isinstance(messages, list):
        for message in messages:
            yield from _flatten(message, path)
    else:
        yield f"{path or '(file)'}: {messages}"


def _division_type(name: str) -> str | None:
    lowered = name.lower()
    for kind in DIVISION_TYPES:
        if lowered.startswith(kind + " "):
            return kind
    return None


def _years(label: str, entry: dict, parent: tuple[int, int], problems: list[str]) -> tuple[int, int]:
    """An entry's years: its own, else its parent's. They must lie within the parent's."""
    start = entry.get("valid_from", parent[0])
    end = entry.get("valid_until", parent[1])
    if parent[0] > parent[1]:
        return start, end  # reported on the parent; its children would only repeat it
    if start > end:
        problems.append(f"{label}: valid_from {start} is after valid_until {end}")
    elif not (parent[0] <= start and end <= parent[1]):
        problems.append(f"{label}: years {start}-{end} fall outside the enclosing {parent[0]}-{parent[1]}")
    return start, end


def _last_day(label: str, entry: dict, end: int, problems: list[str]) -> date:
    year_end = date(end, 12, 31)
    last_day = entry.get("last_day", year_end)
    # Existing on 31 December of valid_until, gone by 31 December of the year after.
    if not year_end <= last_day < date(end + 1, 12, 31):
        problems.append(f"{label}: last_day {last_day.isoformat()} contradicts valid_until {end}: it "
                        f"must fall between {year_end.isoformat()} and {date(end + 1, 12, 30).isoformat()}")
    elif last_day > LAST_DAY:
        problems.append(f"{label}: last_day {last_day.isoformat()} is after {LAST_DAY.isoformat()}, "
                        "when districts were abolished")
    return last_day


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def duplicate_problems(entries: list[tuple[str, str, tuple[int, int]]], kind: str) -> list[str]:
    """``entries`` are (code, label, years). A code may recur only in years that do not
    overlap: a unit re-formed or moved under the same code is two entries, one after the other."""
    problems, by_code = [], defaultdict(list)
    for code, label, years in entries:
        for other_label, other_years in by_code[code]:
            if _overlaps(years, other_years):
                start, end = max(years[0], other_years[0]), min(years[1], other_years[1])
                problems.append(f"{label}: duplicate {kind} code {code!r}, also at {other_label}, "
                                f"both valid in {start}-{end}")
        by_code[code].append((label, years))
    return problems


def _successor_problems(districts: list[LegacyDistrict], last_year: int) -> list[str]:
    """A commune whose code ends before the file does must name its successors: the units of
    the next year that took in its area. Each must exist in that year. An empty list (a
    commune level abolished, e.g. in an island district) needs a note saying so."""
    valid_in: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for district in districts:
        for commune in district.communes:
            valid_in[commune.code].append((commune.valid_from, commune.valid_until))

    def exists(code: str, year: int) -> bool:
        return any(start <= year <= end for start, end in valid_in.get(code, ()))

    problems = []
    for d_index, district in enumerate(districts):
        for c_index, commune in enumerate(district.communes):
            label = f"districts[{d_index}].communes[{c_index}]"
            following = commune.valid_until + 1
            if commune.valid_until >= last_year or exists(commune.code, following):
                if commune.successors is not None:
                    problems.append(f"{label}: successors given, but code {commune.code} "
                                    f"continues in {following}" if commune.valid_until < last_year
                                    else f"{label}: successors given for a unit that lasts "
                                    f"to the file's last year {last_year}")
                continue
            if commune.successors is None:
                problems.append(f"{label}: {commune.name} ({commune.code}) ends in "
                                f"{commune.valid_until}; give its successors (the units of "
                                f"{following} that took in its area)")
            elif not commune.successors and not commune.note:
                problems.append(f"{label}.successors: empty; say in a note why it has none")
            for successor in commune.successors or ():
                if not exists(successor, following):
                    problems.append(f"{label}.successors: {successor} is not a commune of this "
                                    f"file in {following}")
    return problems


def _build(data: dict, problems: list[str]) -> LegacyFile:
    file_years = (data["valid_from"], data["valid_until"])
    if file_years[0] > file_years[1]:
        problems.append(f"valid_from: {file_years[0]} is after valid_until {file_years[1]}")
    districts, district_entries, commune_entries = [], [], []
    for d_index, district in enumerate(data["districts"]):
        d_label = f"districts[{d_index}]"
        d_years = _years(d_label, district, file_years, problems)
        last_day = _last_day(d_label, district, d_years[1], problems)
        district_entries.append((district["code"], d_label, d_years))
        communes = []
        for c_index, commune in enumerate(district["communes"]):
            c_label = f"{d_label}.communes[{c_index}]"
            c_years = _years(c_label, commune, d_years, problems)
            commune_entries.append((commune["code"], c_label, c_years))
            from_name = _division_type(commune["name"])
            kind = commune.get("division_type", from_name)
            if kind is None:
                problems.append(f"{c_label}.division_type: the name {commune['name']!r} does not start "
                                f"with one of {', '.join(DIVISION_TYPES)}; give division_type")
            elif from_name and kind != from_name:
                problems.append(f"{c_label}.division_type: {kind!r} contradicts the name {commune['name']!r}")
            if commune.get("successors_inferred") and not commune.get("successors"):
                problems.append(f"{c_label}.successors_inferred: given without successors")
            communes.append(LegacyCommune(code=commune["code"], name=commune["name"],
                                          division_type=kind or "", valid_from=c_years[0],
                                          valid_until=c_years[1], note=commune.get("note"),
                                          successors=(tuple(commune["successors"])
                                                      if "successors" in commune else None),
                                          successors_inferred=commune.get("successors_inferred", False)))
        districts.append(LegacyDistrict(code=district["code"], name=district["name"],
                                        valid_from=d_years[0], valid_until=d_years[1],
                                        last_day=last_day, note=district.get("note"),
                                        communes=tuple(communes)))
    problems += duplicate_problems(district_entries, "district")
    problems += duplicate_problems(commune_entries, "commune")
    problems += _successor_problems(districts, file_years[1])
    return LegacyFile(province_code=data["province"]["code"], province_name=data["province"]["name"],
                      valid_from=file_years[0], valid_until=file_years[1], status=data["status"],
                      coverage=data["coverage"], source=data["source"],
                      notes=tuple(data.get("notes", ())), districts=tuple(districts))


def parse(document: Any, source: str) -> LegacyFile:
    """Validate a decoded legacy-divisions document; raise LegacyFileError listing every problem."""
    try:
        data = LegacyFileSchema().load(document)
    except ValidationError as exc:
        raise LegacyFileError(source, list(_flatten(exc.messages))) from None
    problems: list[str] = []
    legacy_file = _build(data, problems)
    if problems:
        raise LegacyFileError(source, problems)
    return legacy_file


def read(path: Path) -> tuple[Any, LegacyFile]:
    """The decoded document at ``path`` and what it describes."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LegacyFileError(str(path), [f"cannot be read: {exc.strerror or exc}"]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LegacyFileError(str(path), [f"is not UTF-8 JSON: {exc}"]) from None
    return document, parse(document, str(path))


def _plausible(document: Any) -> bool:
    """The types the schema would give, checked quickly: codes, names, years, lists."""
    def code(value: Any, digits: int) -> bool:
        return isinstance(value, str) and len(value) == digits and value.isdigit()

    def years(entry: dict) -> bool:
        return all(type(entry.get(key, FIRST_YEAR)) is int for key in ("valid_from", "valid_until"))

    def names(entry: dict) -> bool:
        return isinstance(entry.get("name"), str) and bool(entry["name"])

    return (isinstance(document, dict) and document.get("format") == FORMAT
            and code(document["province"]["code"], 2) and years(document)
            and "valid_from" in document and "valid_until" in document
            and all(code(d["code"], 3) and names(d) and years(d) and d["communes"]
                    and all(code(c["code"], 5) and names(c) and years(c)
                            and all(code(s, 5) for s in c.get("successors", ()))
                            for c in d["communes"])
                    for d in document["districts"]))


def read_installed(path: Path) -> LegacyFile:
    """An installed file, which the importer or builder validated when writing it: the
    cross-entry checks run again, the schema pass does not (it takes seconds for all 63
    provinces, and a service must not stall on its first lookup). A file whose shape is off
    falls back to the full check, which names the problems."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if not _plausible(document):
            raise ValueError("not the shape the schema gives")
        data = dict(document, districts=[
            dict(district, last_day=date.fromisoformat(district["last_day"]))
            if "last_day" in district else district for district in document["districts"]])
        problems: list[str] = []
        legacy_file = _build(data, problems)
    except (KeyError, TypeError, ValueError, AttributeError, OSError):
        return read(path)[1]
    if problems:
        raise LegacyFileError(str(path), problems)
    return legacy_file

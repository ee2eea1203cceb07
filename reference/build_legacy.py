"""Build the legacy-divisions files of all 63 pre-2025 provinces, every year 2017-2024.

    python -m reference.build_legacy                  # pip-downloads the pinned releases
    python -m reference.build_legacy --from /tmp/vp   # wheels already downloaded there
    python -m reference.build_legacy --check          # build and validate, write nothing
    python -m reference.build_legacy --counts         # also print the counts table (markdown)

The sources are four GSO lists, as carried by releases of the ``vietnam-provinces`` package
(each release's ``data/nested-divisions.json``; the wheels' SHA-256 are pinned below). Each
evaluation year takes the units of one list (``YEAR_LIST``), except where a change's
effective date is known (``KNOWN_DATES``), and the hand-checked districts of
``reference/legacy_curated`` replace the generated ones for the years they cover. Every
commune whose code ends before 2024 gets successors, inferred from the lists when no
hand-checked file records them. The result is validated (reference.legacy_schema, plus codes
unique across provinces) before anything is written. docs/reference-data.md explains what is
exact and what is inferred.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from reference.legacy import DATA_DIR
from reference.legacy_schema import LegacyFileError, duplicate_problems, parse

PACKAGE = "vietnam-provinces"
CURATED_DIR = Path(__file__).parent / "legacy_curated"
FIRST_YEAR, LAST_YEAR = 2017, 2024
YEARS = range(FIRST_YEAR, LAST_YEAR + 1)


@dataclass(frozen=True)
class Release:
    version: str
    list_date: str  # the date of the GSO export the release's data was built from
    sha256: str  # of the wheel on PyPI


# Releases with distinct data. 0.2.1/0.2.2 repeat 0.2's data, 0.4.x repeat 0.3.0's, and 0.5.8
# already carries 0.6.0's (2025-01-04). From 2025.x the package has only the 34-province tree.
RELEASES = {
    "0.2": Release("0.2", "2020-02-25",
                   "c0e9d318c14f7e5f3d531ede9a0ae67c80d46faab12b69d203481917e90d85c5"),
    "0.3.0": Release("0.3.0", "2021-02-03",
                     "ed8d7e9f7d661669a568809443226e3d232b030a758d9174385cbaa556dd6f31"),
    "0.5.0": Release("0.5.0", "2023-05-07",
                     "c56acf6c4ad3b4275b77ebf00903d862f04a389e385813c7df9a89b6490dbdfc"),
    "0.6.0": Release("0.6.0", "2025-01-04",
                     "4b5772870efdcb7c58a64fbdc0e0c9ce497e67017a0c189dff99582ddadb7815"),
}

# Which list stands for 31 December of each year, when no better date is known:
# - 2017-2019: the earliest list (2020-02-25). Units dissolved before it are in no list.
# - 2020-2022: the 2021-02-03 list; the changes between the first two lists are the 2020 part
#   of the 2019-2021 arrangement, taken to be in force by 31 December 2020.
# - 2023: the 2023-05-07 list (its few changes since 2021-02-03 are dated 2023 unless known).
# - 2024: the 2025-01-04 list; the 2023-2025 arrangement took effect from late 2024, and the
#   parts known to take effect on 1 January 2025 are dated so in KNOWN_DATES.
YEAR_LIST = {2017: "0.2", 2018: "0.2", 2019: "0.2", 2020: "0.3.0", 2021: "0.3.0",
             2022: "0.3.0", 2023: "0.5.0", 2024: "0.6.0"}


@dataclass(frozen=True)
class KnownDate:
    """The changes between lists ``early`` and ``late`` touching ``districts`` (and every
    district exchanging communes with them) are in force from ``first_year`` on."""
    districts: frozenset[str]
    early: str
    late: str
    first_year: int
    why: str


KNOWN_DATES = (
    KnownDate(frozenset({"762", "763", "769"}), "0.2", "0.3.0", 2021,
              "Thành phố Thủ Đức (769) was formed from Quận 2, Quận 9 and Quận Thủ Đức under "
              "Resolution 1111/NQ-UBTVQH14, in force from 1 January 2021: 2020 keeps the three "
              "districts."),
    KnownDate(frozenset({"474"}), "0.3.0", "0.5.0", 2021,
              "Thành phố Huế (474) took in communes of Phú Vang, Hương Thủy and Hương Trà under "
              "Resolution 1264/NQ-UBTVQH14, in force from 1 July 2021: from 2021."),
    KnownDate(frozenset({"405", "380"}), "0.5.0", "0.6.0", 2025,
              "Huyện Đông Sơn (405) was merged into Thành phố Thanh Hóa (380) on 1 January 2025 "
              "(hand-checked): 2024 keeps both as in the 2023-05-07 list."),
    KnownDate(frozenset({"474", "475"}), "0.5.0", "0.6.0", 2025,
              "Thừa Thiên Huế became Thành phố Huế, whose Thành phố Huế (474) was split into "
              "Quận Thuận Hóa (474) and Quận Phú Xuân (475), on 1 January 2025 (Resolution "
              "1314/NQ-UBTVQH15): 2024 keeps them as in the 2023-05-07 list."),
)


@dataclass(frozen=True)
class Snapshot:
    provinces: dict[str, str]  # code -> name
    districts: dict[str, tuple[str, str]]  # code -> (name, province code)
    communes: dict[str, tuple[str, str]]  # code -> (name, district code)


def _wheel_name(version: str) -> str:
    return f"vietnam_provinces-{version}-py3-none-any.whl"


def download(target: Path) -> None:
    """pip-download the pinned wheels (no dependencies, nothing installed)."""
    for version in RELEASES:
        if not (target / _wheel_name(version)).exists():
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary",
                            ":all:", f"{PACKAGE}=={version}", "-d", str(target), "-q"], check=True)


def load_snapshot(source: Path, release: Release) -> Snapshot:
    found = sorted(source.rglob(_wheel_name(release.version)))
    if not found:
        raise SystemExit(f"{_wheel_name(release.version)} not found under {source}")
    payload = found[0].read_bytes()
    digest = hashlib.sha256(payload).hexdigest()
    if digest != release.sha256:
        raise SystemExit(f"{found[0]}: SHA-256 {digest}, expected {release.sha256}")
    with zipfile.ZipFile(found[0]) as wheel:
        data = json.loads(wheel.read("vietnam_provinces/data/nested-divisions.json"))
    provinces, districts, communes = {}, {}, {}
    for province in data:
        p_code = f"{province['code']:02d}"
        provinces[p_code] = province["name"]
        for district in province["districts"]:
            d_code = f"{district['code']:03d}"
            districts[d_code] = (district["name"], p_code)
            for ward in district["wards"]:
                communes[f"{ward['code']:05d}"] = (ward["name"], d_code)
    return Snapshot(provinces, districts, communes)


@dataclass
class YearState:
    districts: dict[str, tuple[str, str]]  # code -> (name, province code)
    communes: dict[str, tuple[str, str]]  # code -> (name, district code)


def closure(known: KnownDate, lists: dict[str, Snapshot]) -> set[str]:
    """The districts of a dated change: its own and any exchanging communes with them."""
    early, late = lists[known.early], lists[known.late]
    scope, grown = set(known.districts), True
    while grown:
        grown = False
        for code in early.communes.keys() & late.communes.keys():
            pair = {early.communes[code][1], late.communes[code][1]}
            if pair & scope and not pair <= scope:
                scope |= pair
                grown = True
    return scope


def year_states(lists: dict[str, Snapshot]) -> dict[int, YearState]:
    scopes = [(known, closure(known, lists)) for known in KNOWN_DATES]
    states = {}
    for year in YEARS:
        default = YEAR_LIST[year]
        base = lists[default]
        districts, communes = dict(base.districts), dict(base.communes)
        for known, scope in scopes:
            if default not in (known.early, known.late):
                continue
            chosen = known.late if year >= known.first_year else known.early
            if chosen == default:
                continue
            other = lists[chosen]
            districts = {c: v for c, v in districts.items() if c not in scope}
            districts.update({c: v for c, v in other.districts.items() if c in scope})
            communes = {c: v for c, v in communes.items() if v[1] not in scope}
            communes.update({c: v for c, v in other.communes.items() if v[1] in scope})
        states[year] = YearState(districts, communes)
    return states


@dataclass
class Curated:
    document: dict
    districts: dict[str, list[dict]]  # code -> its entries, with their years filled in


def load_curated(directory: Path) -> dict[str, Curated]:
    curated = {}
    for path in sorted(directory.glob("[0-9][0-9].json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        by_code: dict[str, list[dict]] = defaultdict(list)
        for district in document["districts"]:
            d_years = (district.get("valid_from", document["valid_from"]),
                       district.get("valid_until", document["valid_until"]))
            communes = [dict(c, valid_from=c.get("valid_from", d_years[0]),
                             valid_until=c.get("valid_until", d_years[1]))
                        for c in district["communes"]]
            by_code[district["code"]].append(dict(district, valid_from=d_years[0],
                                                  valid_until=d_years[1], communes=communes))
        curated[document["province"]["code"]] = Curated(document, dict(by_code))
    return curated


def apply_curated(states: dict[int, YearState], curated: dict[str, Curated]) -> dict:
    """Replace generated districts by hand-checked ones in the years these cover. Returns
    what the files need beyond the state: {(district code, year): entry} and commune facts."""
    entries, commune_facts = {}, {}
    for province_code, item in curated.items():
        for d_code, d_entries in item.districts.items():
            for entry in d_entries:
                for year in range(entry["valid_from"], entry["valid_until"] + 1):
                    state = states[year]
                    members = [c for c in entry["communes"]
                               if c["valid_from"] <= year <= c["valid_until"]]
                    codes = {c["code"] for c in members}
                    state.communes = {code: value for code, value in state.communes.items()
                                      if value[1] != d_code and code not in codes}
                    state.districts[d_code] = (entry["name"], province_code)
                    for commune in members:
                        state.communes[commune["code"]] = (commune["name"], d_code)
                        commune_facts[(commune["code"], d_code, commune["name"], year)] = commune
                    entries[(d_code, year)] = entry
    return {"districts": entries, "communes": commune_facts}


def _runs(years_values: list[tuple[int, object]]) -> list[tuple[int, int, object]]:
    """Consecutive years with the same value, as (first, last, value)."""
    runs: list[list] = []
    for year, value in sorted(years_values, key=lambda pair: pair[0]):
        if runs and runs[-1][1] == year - 1 and runs[-1][2] == value:
            runs[-1][1] = year
        else:
            runs.append([year, year, value])
    return [tuple(run) for run in runs]


def infer_successor(code: str, year: int, states: dict[int, YearState]) -> tuple[str, str] | None:
    """The unit of ``year + 1`` most likely to have taken in commune ``code`` of ``year``, and
    why: one of the same name in its district (or where its district's communes went), else
    the nearest code among the units of that area that changed (renamed, new or moved in),
    else the nearest code of the area."""
    before, after = states[year], states[year + 1]
    name, district = before.communes[code]
    # Where the district's communes are the year after: the area that can have absorbed it.
    areas = {after.communes[c][1] for c, (_, d) in before.communes.items()
             if d == district and c in after.communes}
    candidates = [c for c, (_, d) in after.communes.items() if d in areas]
    if not candidates:
        if district in after.districts:
            return "", (f"none: its district has no commune level in {year + 1} (it is governed "
                        "directly by the district)")
        return None
    same_name = [c for c in candidates if after.communes[c][0] == name]
    if same_name:
        return min(same_name, key=lambda c: abs(int(c) - int(code))), "a unit of the same name"
    changed = [c for c in candidates if c not in before.communes
               or before.communes[c] != after.communes[c]]

    def nearest(candidate: str) -> tuple[int, str]:
        return abs(int(candidate) - int(code)), candidate

    if len(changed) == 1:
        return changed[0], "the only unit of its area that changed (renamed, new or moved)"
    if changed:
        return min(changed, key=nearest), "the nearest code among the units of its area that changed"
    return min(candidates, key=nearest), "the nearest code in its area (no unit there changed)"


def province_documents(lists: dict[str, Snapshot], curated: dict[str, Curated]) -> dict[str, dict]:
    states = year_states(lists)
    facts = apply_curated(states, curated)
    last_list = lists["0.6.0"]
    names = lists["0.5.0"].provinces  # no province was renamed before 2025 (Huế: 1 January 2025)
    scopes = [(known, closure(known, lists)) for known in KNOWN_DATES]

    presence: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for year, state in states.items():
        for d_code, (d_name, p_code) in state.districts.items():
            presence[p_code][d_code].append((year, d_name))
    members: dict[str, list] = defaultdict(list)  # district code -> (year, (code, name))
    for year, state in states.items():
        for c_code, (c_name, d_code) in state.communes.items():
            members[d_code].append((year, (c_code, c_name)))

    documents = {}
    for p_code in sorted(presence):
        districts, successor_count, inferred_count = [], 0, 0
        for d_code in sorted(presence[p_code]):
            # A district without communes (an island district governed directly) has nothing
            # to evaluate: its years without communes are left out.
            with_communes = {year for year, _ in members[d_code]}
            for first, last, d_name in _runs([(year, name) for year, name in presence[p_code][d_code]
                                               if year in with_communes]):
                curated_entry = facts["districts"].get((d_code, last))
                district = {"code": d_code, "name": d_name, "valid_from": first, "valid_until": last}
                if curated_entry and "last_day" in curated_entry:
                    district["last_day"] = curated_entry["last_day"]
                elif last == LAST_YEAR and last_list.districts.get(d_code, ("",))[0] == d_name:
                    district["last_day"] = "2025-06-30"
                if curated_entry and curated_entry.get("note"):
                    district["note"] = curated_entry["note"]
                by_code = defaultdict(list)
                for year, (c_code, c_name) in members[d_code]:
                    if first <= year <= last:
                        by_code[c_code].append((year, c_name))
                communes = []
                for c_code in sorted(by_code):
                    for c_first, c_last, c_name in _runs(by_code[c_code]):
                        commune = {"code": c_code, "name": c_name,
                                   "valid_from": c_first, "valid_until": c_last}
                        fact = facts["communes"].get((c_code, d_code, c_name, c_last), {})
                        if fact.get("note"):
                            commune["note"] = fact["note"]
                        if c_last < LAST_YEAR and c_code not in states[c_last + 1].communes:
                            successor_count += 1
                            if fact.get("successors"):
                                commune["successors"] = list(fact["successors"])
                            else:
                                found = infer_successor(c_code, c_last, states)
                                if found is None:
                                    raise SystemExit(f"no successor can be inferred for {c_code} "
                                                     f"({c_name}) after {c_last}")
                                commune["successors"] = [found[0]] if found[0] else []
                                if found[0]:
                                    commune["successors_inferred"] = True
                                inferred_count += 1
                                why = (f"Code not in use in {c_last + 1}; successor "
                                       f"inferred: {found[1]}.")
                                commune["note"] = f"{commune['note']} {why}" if "note" in commune else why
                        communes.append(commune)
                district["communes"] = communes
                # Drop years equal to the file's, for short files.
                if district["valid_from"] == FIRST_YEAR:
                    del district["valid_from"]
                if district["valid_until"] == LAST_YEAR:
                    del district["valid_until"]
                for commune in communes:
                    if commune["valid_from"] == first:
                        del commune["valid_from"]
                    if commune["valid_until"] == last:
                        del commune["valid_until"]
                districts.append(district)
        documents[p_code] = _document(p_code, names[p_code], districts, curated.get(p_code),
                                      [known for known, scope in scopes
                                       if any(d in scope for d in presence[p_code])],
                                      successor_count, inferred_count)
    return documents


def _document(p_code: str, name: str, districts: list, curated: Curated | None,
              known_dates: list[KnownDate], successors: int, inferred: int) -> dict:
    lists = ", ".join(f"{r.list_date} (release {r.version})" for r in RELEASES.values())
    notes = [
        "Built by reference/build_legacy.py from the GSO lists of " + lists + ". Codes and "
        "names are as in those lists; the year a change took effect is inferred from the "
        "lists' dates unless stated below.",
        "2017-2019 are taken to be as in the 2020-02-25 list: units merged away by the "
        "2019-2021 arrangement before that date are in no list and are missing, and their "
        "successors are listed from 2017. Changes between the 2020-02-25 and 2021-02-03 lists "
        "are taken to be in force by 31 December 2020, those up to the 2023-05-07 list from "
        "2023, those up to the 2025-01-04 list (the 2023-2025 arrangement) by 31 December 2024.",
        f"{successors} units end before 2024 without their code going on; {inferred} of their "
        "successors are inferred from the lists (successors_inferred, with the reason in the "
        "note).",
    ]
    notes += [f"Known date: {known.why}" for known in known_dates]
    source = f"GSO (Tổng cục Thống kê) code lists exported on {lists}, as carried by the " \
             f"{PACKAGE} package's data/nested-divisions.json."
    status = "unconfirmed"
    if curated is not None:
        cur = curated.document
        whole = cur["coverage"] == "complete" and (cur["valid_from"], cur["valid_until"]) == (
            FIRST_YEAR, LAST_YEAR)
        covered = ", ".join(sorted(curated.districts))
        source += f" Hand-checked districts ({covered}): {cur['source']}"
        if (cur["valid_from"], cur["valid_until"]) != (FIRST_YEAR, LAST_YEAR):
            notes.append(f"The hand-checked file covers {cur['valid_from']}-{cur['valid_until']}; "
                         "the other years of these districts come from the lists like the rest "
                         "(so its notes' 'not covered' is superseded by the inferred data).")
        notes += [f"Hand-checked ({covered}): {note}" for note in cur.get("notes", ())]
        if whole and cur["status"] == "confirmed":  # inferred successors are in the notes
            status = "confirmed"
    return {"format": 1, "province": {"code": p_code, "name": name},
            "valid_from": FIRST_YEAR, "valid_until": LAST_YEAR, "status": status,
            "coverage": "complete", "source": source, "notes": notes, "districts": districts}


def validate(documents: dict[str, dict]) -> list:
    """Every file on its own, then codes unique across provinces in every year."""
    problems, parsed = [], []
    for p_code, document in documents.items():
        try:
            parsed.append(parse(document, f"{p_code}.json"))
        except LegacyFileError as exc:
            problems += [f"{p_code}.json: {problem}" for problem in exc.problems]
    entries = {"district": [], "commune": []}
    for legacy_file in parsed:
        for district in legacy_file.districts:
            entries["district"].append((district.code, f"{legacy_file.province_code}.json "
                                        f"district {district.code}",
                                        (district.valid_from, district.valid_until)))
            entries["commune"] += [(c.code, f"{legacy_file.province_code}.json commune {c.code}",
                                    (c.valid_from, c.valid_until)) for c in district.communes]
    problems += duplicate_problems(entries["district"], "district")
    problems += duplicate_problems(entries["commune"], "commune")
    if problems:
        raise LegacyFileError("the built files", problems)
    return parsed


def counts_table(parsed: list) -> str:
    """Markdown: communes (and districts) per province and year, and the national totals."""
    header = "| province | " + " | ".join(str(y) for y in YEARS) + " |"
    lines = [header, "| --- |" + " ---: |" * len(YEARS)]
    totals, district_totals = Counter(), Counter()
    for legacy_file in sorted(parsed, key=lambda f: f.province_code):
        cells = []
        for year in YEARS:
            districts = [d for d in legacy_file.districts if d.valid_from <= year <= d.valid_until]
            communes = sum(1 for d in districts for c in d.communes
                           if c.valid_from <= year <= c.valid_until)
            totals[year] += communes
            district_totals[year] += len(districts)
            cells.append(f"{communes} ({len(districts)})")
        lines.append(f"| {legacy_file.province_code} {legacy_file.province_name} | "
                     + " | ".join(cells) + " |")
    lines.append("| **all 63 provinces** | " + " | ".join(
        f"**{totals[y]} ({district_totals[y]})**" for y in YEARS) + " |")
    return "\n".join(lines)


def write(documents: dict[str, dict], target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for p_code, document in documents.items():
        path = target / f"{p_code}.json"
        handle, temporary = tempfile.mkstemp(dir=target, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference.build_legacy", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="source", default=None,
                        help="a directory holding the pinned wheels (default: pip-download them)")
    parser.add_argument("--out", default=str(DATA_DIR), help=f"where to write (default {DATA_DIR})")
    parser.add_argument("--curated", default=str(CURATED_DIR), help="the hand-checked files")
    parser.add_argument("--check", action="store_true", help="validate only, write nothing")
    parser.add_argument("--counts", action="store_true", help="print the counts table")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(args.source) if args.source else Path(scratch)
        if args.source is None:
            download(source)
        lists = {version: load_snapshot(source, release) for version, release in RELEASES.items()}
    documents = province_documents(lists, load_curated(Path(args.curated)))
    try:
        parsed = validate(documents)
    except LegacyFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not args.check:
        write(documents, Path(args.out))
    total = sum(f.commune_count for f in parsed)
    print(f"{len(parsed)} provinces, {total} commune entries: valid"
          + ("" if args.check else f", written to {args.out}"))
    if args.counts:
        print(counts_table(parsed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

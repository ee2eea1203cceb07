"""A whole evaluation year of a province, every commune of it, through the gateway.

The real stack (bench/stack.py) on a throwaway vhost. Every commune of the province as it
was that year (the legacy units before 2025) is taken from an empty year to the chairman's
decision by the people who take each step, over HTTP with their own tokens, by
``--clients`` concurrent clients — the steps and the figures are those of the demo
(scripts/demo_cycle.py): most communes report good figures, every 13th declares its head
disciplined and every 17th misses criterion 3's floor, so both lists are long.

Then the year is read back the ways officials and citizens read it, and they must agree:
the province's roll-up (API), Mẫu 08 (recognised and not-recognised lists) and Mẫu 09
(counts per district) as downloaded, and the public board's province page — every commune
of the year counted, each decided commune on the right list. A disagreement fails the run.

    .venv/bin/python -m bench.cycle [--province 38 ...|all] [--year 2022] [--clients 16]
                                    [--limit N]

``--year 2026 --province all`` is the national run: every current commune (3,321) under
27/2025, reviewed by its province, decided by the latest calendar ending by today.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import queue
import sys
import threading
import time

from bench.stack import SECRET, stack
from bench.survey_submissions import _cpu_seconds

PROFILE_EVERY = {"disciplined": 13, "weak_criterion_3": 17}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def stories(provinces: list[str], year: int, limit: int | None = None) -> list:
    """One demo story per commune of each of ``provinces`` in ``year``: the legacy units,
    reviewed by their district, before 2025; today's units, reviewed by the province, under
    27/2025 from 2026. Decided in the regime's calendar (for the running year: the latest
    calendar ending by today, as the demo's)."""
    from datetime import date

    from kernel import clock
    from reference import legacy, units
    from scripts import demo_cycle as demo

    found = []
    for province in provinces:
        province_name = units.province_in(province, year).name
        if year < 2025:
            dates = {k: v.replace("2022", str(year)).replace("2023", str(year + 1))
                     for k, v in demo.DATES_2022.items()}
            areas = [(district.code, district.name,
                      legacy.legacy_communes(district.code, year))
                     for district in legacy.legacy_districts(province, year)]
        else:
            dates = demo.schedule(min(clock.today(), date(year + 1, 2, 9)))
            areas = [(None, province_name, units.communes_in(province, year))]
        for district, where, communes in areas:
            jurisdiction = {"province": province, **({"district": district} if district else {})}
            reviewers = demo._reviewers(f"{province}.{district or 'tinh'}", where, **jurisdiction)
            for commune in communes:
                n = len(found) + 1
                profile = next((p for p, every in PROFILE_EVERY.items() if n % every == 0),
                               "good")
                found.append(demo.Story(
                    commune.code, commune.name, year, _criteria_set_of(year), profile,
                    "recognised", demo._officer(commune.code, commune.name, **jurisdiction),
                    reviewers, dates, f"{n}/QĐ-UBND"))
    print(f"{len(found)} communes of {len(provinces)} province(s) in {year}", file=sys.stderr,
          flush=True)
    return found[:limit] if limit else found


def _criteria_set_of(year: int) -> tuple[str, int]:
    from rules.criteria import load_builtin_sets, set_for_year

    return set_for_year(year, load_builtin_sets()).key


def _token(official) -> str:
    from gateway.auth import issue_token

    return issue_token(SECRET, official.sub, official.role, official.jurisdiction, official.name)


def _client(base: str, work: queue.Queue, sets, out: list, failures: list) -> None:
    from scripts import demo_cycle as demo

    gateway = demo.Gateway(base)
    while True:
        try:
            story = work.get_nowait()
        except queue.Empty:
            break
        started = time.perf_counter()
        try:
            view, writes = demo.advance(gateway, story, sets[story.criteria_set], _token)
        except Exception as error:  # a run with a failed commune reports it, then fails
            failures.append((story.commune, str(error)[:300]))
            continue
        out.append((story.commune, view["state"], writes, time.perf_counter() - started))
    gateway.http.close()


def _admin_token() -> str:
    from gateway.auth import issue_token

    return issue_token(SECRET, "bench-admin", "administrator")


def _reader(province: str):
    from gateway.auth import issue_token

    return issue_token(SECRET, f"bench.tuphap.{province}", "justice_officer",
                       {"province": province})


def _agreement(base: str, province: str, year: int, decided: dict[str, str]) -> dict:
    """The roll-up, Mẫu 08, Mẫu 09 and the board's province page, checked against each other
    and against what the clients decided; raises AssertionError at the first disagreement."""
    import openpyxl
    import requests

    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {_reader(province)}"

    def get(path):
        answer = http.get(base + path, timeout=120)
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:300]}"
        return answer

    recognised = {c for c, state in decided.items() if state == "recognised"}
    not_recognised = {c for c, state in decided.items() if state == "not_recognised"}
    units_of_year = {c.code for c in _units(province, year)}
    rollup_path = f"/api/v1/provinces/{province}/assessments?year={year}"
    deadline = time.monotonic() + 120
    while True:  # the roll-up follows the events: wait until it has every decision
        rollup = get(rollup_path).json()
        if rollup["totals"]["decided"] == len(decided) or time.monotonic() > deadline:
            break
        time.sleep(1)
    totals = rollup["totals"]
    lines = {line["commune_code"]: line for line in rollup["communes"]}
    assert totals["communes"] == len(units_of_year), (totals["communes"], len(units_of_year))
    assert set(lines) == units_of_year
    assert totals["recognised"] == len(recognised), (totals, len(recognised))
    assert totals["not_recognised"] == len(not_recognised)
    assert {c for c, line in lines.items() if line["recognised"] is True} == recognised
    assert {c for c, line in lines.items() if line["recognised"] is False} == not_recognised

    forms = f"/api/v1/provinces/{province}/assessments/forms"
    form_08 = openpyxl.load_workbook(io.BytesIO(get(f"{forms}/08.xlsx?year={year}").content))
    names = {line["commune_name"] for line in rollup["communes"]}
    for sheet, wanted in (("Đạt chuẩn", recognised), ("Chưa đạt chuẩn", not_recognised)):
        rows = _table(form_08[sheet])
        assert len(rows) == len(wanted), (sheet, len(rows), len(wanted))
        assert {row[1] for row in rows} <= names
    form_09 = openpyxl.load_workbook(io.BytesIO(get(f"{forms}/09.xlsx?year={year}").content))
    rows = _table(form_09.active)
    assert rows[-1][2:7] == (totals["communes"], totals["recognised"],
                             float(totals["recognised_of_all"]), totals["not_recognised"],
                             totals["undecided"]), (rows[-1], totals)
    assert len(rows) == len(rollup["districts"]) + 1
    if rollup["districts"]:
        assert sum(row[2] for row in rows[:-1]) == totals["communes"]

    board = {}
    deadline = time.monotonic() + 120
    for name, wanted in (("dat", recognised), ("khong-dat", not_recognised)):
        while True:  # the board follows publication's events
            listed = get(f"/ket-qua/tinh/{province}/{year}.json?list={name}").json()
            if listed["count"] == len(wanted) or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert listed["count"] == len(wanted), (name, listed["count"], len(wanted))
        board[name] = listed["count"]
    http.close()
    return {"units": len(units_of_year), "recognised": len(recognised),
            "not_recognised": len(not_recognised), "districts": len(rollup["districts"]),
            "recognition_rate": totals.get("recognition_rate"),
            "recognised_of_all": totals.get("recognised_of_all"), "board": board}


def _units(province: str, year: int) -> list:
    from reference import legacy, units

    if year < 2025:
        return [c for d in legacy.legacy_districts(province, year)
                for c in legacy.legacy_communes(d.code, year)]
    return units.communes_in(province, year)


def _table(ws) -> list[tuple]:
    rows = list(ws.iter_rows(values_only=True))
    return rows[next(i for i, row in enumerate(rows) if row[0] == "STT") + 1:]


def run(amqp_base: str = "amqp://guest:guest@127.0.0.1:5672/", provinces: list[str] | None = None,
        year: int = 2022, clients: int = 16, limit: int | None = None) -> dict:
    """``provinces``: the provinces whose communes are taken through the year (Thanh Hóa by
    default; every province of the year with ``["all"]``)."""
    import requests

    from reference import units
    from rules.criteria import load_builtin_sets

    if not provinces:
        provinces = ["38"]
    elif provinces == ["all"]:
        provinces = [code for code in (f"{n:02d}" for n in range(1, 100))
                     if units.province_in(code, year) is not None]
    sets = load_builtin_sets()
    work_list = stories(provinces, year, limit)
    with stack(amqp_base, max_workers=max(20, clients * 2),
               prefix="tcpl-bench-cycle-") as (base, _, pids, _tmp):
        for province in provinces if year < 2025 else ():  # reviewed by the district then
            level = requests.put(f"{base}/api/v1/provinces/{province}/reviewing-levels/{year}",
                                 json={"level": "district"}, timeout=60,
                                 headers={"Authorization": f"Bearer {_admin_token()}"})
            assert level.status_code == 200, level.text
        work: queue.Queue = queue.Queue()
        for story in work_list:
            work.put(story)
        out: list = []
        failures: list = []
        cpu_before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
        started = time.perf_counter()
        threads = [threading.Thread(target=_client, args=(base, work, sets, out, failures))
                   for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        cpu = {name: _cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        if failures:
            raise RuntimeError(f"{len(failures)} communes failed, e.g. {failures[:3]}")
        checking = time.perf_counter()
        decided = {c: state for c, state, _, _ in out}
        per_province = [_agreement(base, province, year, {
            c.code: decided[c.code] for c in _units(province, year) if c.code in decided})
            for province in provinces]
        checked = time.perf_counter() - checking
    agreement = {key: sum(a[key] for a in per_province)
                 for key in ("units", "recognised", "not_recognised", "districts")}
    agreement["board"] = {name: sum(a["board"][name] for a in per_province)
                          for name in ("dat", "khong-dat")}
    agreement["recognised_of_all"] = (per_province[0]["recognised_of_all"]
                                      if len(per_province) == 1 else
                                      f"{100 * agreement['recognised'] / agreement['units']:.2f}")
    requests_made = sum(w for _, _, w, _ in out) + len(out)  # the writes and each first GET
    per_commune = sorted(t for _, _, _, t in out)
    return {"provinces": provinces, "year": year, "communes": len(out), "clients": clients,
            "wall_seconds": wall, "requests": requests_made, "requests_per_second":
            requests_made / wall, "cpu_seconds": cpu,
            "cpu_per_commune_ms": {k: v * 1000 / len(out) for k, v in cpu.items()},
            "commune_p50_s": per_commune[len(per_commune) // 2],
            "commune_max_s": per_commune[-1], "agreement": agreement,
            "agreement_seconds": checked, "cores": os.cpu_count()}


def report(results: dict, machine: str) -> str:
    a = results["agreement"]
    cpu = ", ".join(f"{k} {v:,.0f}" for k, v in results["cpu_per_commune_ms"].items())
    total_cpu = sum(v for k, v in results["cpu_per_commune_ms"].items() if k != "rabbitmq")
    return "\n".join([
        "## A province's whole year",
        "",
        f"Measured {machine}. Every commune of {_where(results)} in {results['year']} "
        f"({a['units']:,} communes{_districts(results)}), each taken from an empty year to the chairman's decision through "
        f"the gateway's API by the people who take each step, {results['clients']} clients at "
        "once; the real stack (gateway; accounts; assessment + survey + plans; publication; "
        "SQLite stores; RabbitMQ on loopback).",
        "",
        "| communes | requests | wall s | requests/s | s per commune p50 | "
        "CPU ms per commune (services) |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {results['communes']:,} | {results['requests']:,} | {results['wall_seconds']:,.0f} | "
        f"{results['requests_per_second']:,.0f} | {results['commune_p50_s']:.1f} | "
        f"{total_cpu:,.0f} |",
        "",
        f"CPU per commune by process (ms): {cpu}.",
        "",
        f"**Agreement** (checked, the run fails otherwise): the roll-up counts all "
        f"{a['units']:,} communes of the year; {a['recognised']:,} recognised and "
        f"{a['not_recognised']:,} not recognised in the roll-up, on Mẫu 08's two lists, in "
        f"Mẫu 09's totals row (recognised {a['recognised_of_all']} % of all communes) and on "
        f"the board's province page ({a['board']['dat']:,} / {a['board']['khong-dat']:,}).",
        "",
    ])


def _where(results: dict) -> str:
    provinces = results["provinces"]
    return (f"province {provinces[0]}" if len(provinces) == 1
            else f"{len(provinces)} provinces")


def _districts(results: dict) -> str:
    a = results["agreement"]
    return (f" in {a['districts']} districts, the legacy units of that year, reviewed by their "
            "districts" if results["year"] < 2025 else ", today's units, reviewed by the province")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--province", action="append", dest="provinces",
                        help="a province's code (repeatable; 'all': every province of the year); "
                             "default: 38, Thanh Hóa")
    parser.add_argument("--year", type=int, default=2022)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--limit", type=int, default=None, help="only the first N communes")
    parser.add_argument("--amqp-uri", default=os.environ.get(
        "AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    args = parser.parse_args()
    results = run(args.amqp_uri, args.provinces, args.year, args.clients, args.limit)
    print(json.dumps(results, indent=1, default=str))
    print(report(results, f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores"))


if __name__ == "__main__":
    main()

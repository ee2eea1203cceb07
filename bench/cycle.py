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

    .venv/bin/python -m bench.cycle [--province 38] [--year 2022] [--clients 16] [--limit N]
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


def stories(province: str, year: int, limit: int | None = None) -> list:
    """One demo story per commune of ``province`` in ``year``, reviewed by its district
    (before 2025) or by the province, decided in the regime's calendar."""
    from reference import legacy, units
    from scripts import demo_cycle as demo

    if year >= 2025:
        raise SystemExit("only pre-2025 years for now: the 2026 cycle is issue 17's national run")
    found = []
    province_name = units.province_in(province, year).name
    for district in legacy.legacy_districts(province, year):
        reviewers = demo._reviewers(f"{province}.{district.code}", district.name,
                                    province=province, district=district.code)
        for commune in legacy.legacy_communes(district.code, year):
            n = len(found) + 1
            profile = next((p for p, every in PROFILE_EVERY.items() if n % every == 0), "good")
            dates = {k: v.replace("2022", str(year)).replace("2023", str(year + 1))
                     for k, v in demo.DATES_2022.items()}
            found.append(demo.Story(
                commune.code, commune.name, year, _criteria_set_of(year), profile, "recognised",
                demo._officer(commune.code, commune.name, province=province,
                              district=district.code),
                reviewers, dates, f"{n}/QĐ-UBND"))
    print(f"{len(found)} communes of {province_name} in {year}", file=sys.stderr, flush=True)
    return found[:limit] if limit else found


def _criteria_set_of(year: int) -> tuple[str, int]:
    return ("25-2021", 1) if year >= 2022 else ("619-2017", 1)


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

    from reference import legacy

    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {_reader(province)}"

    def get(path):
        answer = http.get(base + path, timeout=120)
        assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:300]}"
        return answer

    recognised = {c for c, state in decided.items() if state == "recognised"}
    not_recognised = {c for c, state in decided.items() if state == "not_recognised"}
    units_of_year = {c.code for d in legacy.legacy_districts(province, year)
                     for c in legacy.legacy_communes(d.code, year)}
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


def _table(ws) -> list[tuple]:
    rows = list(ws.iter_rows(values_only=True))
    return rows[next(i for i, row in enumerate(rows) if row[0] == "STT") + 1:]


def run(amqp_base: str = "amqp://guest:guest@127.0.0.1:5672/", province: str = "38",
        year: int = 2022, clients: int = 16, limit: int | None = None) -> dict:
    import requests

    from rules.criteria import load_builtin_sets

    sets = load_builtin_sets()
    work_list = stories(province, year, limit)
    with stack(amqp_base, max_workers=max(20, clients * 2),
               prefix="tcpl-bench-cycle-") as (base, _, pids, _tmp):
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
        agreement = _agreement(base, province, year, {c: s for c, s, _, _ in out})
        checked = time.perf_counter() - checking
    requests_made = sum(w for _, _, w, _ in out) + len(out)  # the writes and each first GET
    per_commune = sorted(t for _, _, _, t in out)
    return {"province": province, "year": year, "communes": len(out), "clients": clients,
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
        f"Measured {machine}. Every commune of province {results['province']} in "
        f"{results['year']} ({a['units']:,} communes in {a['districts']} districts, the legacy "
        "units of that year), each taken from an empty year to the chairman's decision through "
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--province", default="38")
    parser.add_argument("--year", type=int, default=2022)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--limit", type=int, default=None, help="only the first N communes")
    parser.add_argument("--amqp-uri", default=os.environ.get(
        "AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    args = parser.parse_args()
    results = run(args.amqp_uri, args.province, args.year, args.clients, args.limit)
    print(json.dumps(results, indent=1, default=str))
    print(report(results, f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores"))


if __name__ == "__main__":
    main()

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
                                    [--limit N] [--postgresql] [--freshness-every 5]
                                    [--hello-seconds 5]

``--year 2026 --province all`` is the national run (`make bench`'s "national" section, 32
clients): every current commune (3,321) under 27/2025, reviewed by its province, decided by
the latest calendar ending by today; ``--limit N`` takes the first N communes only (the
country's wall time is then projected). Besides the wall time, requests/s and the CPU
seconds of each process per commune, it reports how soon a decision reaches the board
(every ``--freshness-every``-th commune's client polls its board page from the moment the
decision was answered, as bench/board.py does), the hello-world rate of the same gateway
with as many clients (``GET /bench/hello``, measured first), and each process's peak RSS.
``--postgresql``: a PostgreSQL database for each store (``--pg-admin-url``, default
``TCPL_TEST_PG_ADMIN_URL``) instead of SQLite files; the server's CPU is counted too.
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

from bench.board import shown_after
from bench.stack import SECRET, stack
from bench.survey_submissions import _cpu_seconds
from scripts import demo_cycle as demo

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


def _client(base: str, work: queue.Queue, sets, out: list, failures: list,
            fresh_every: int, freshness: list) -> None:
    gateway = TimedGateway(base)
    while True:
        try:
            story = work.get_nowait()
        except queue.Empty:
            break
        started, sent = time.perf_counter(), gateway.sent
        try:
            view, _ = demo.advance(gateway, story, sets[story.criteria_set], _token)
        except Exception as error:  # a run with a failed commune reports it, then fails
            failures.append((story.commune, str(error)[:300]))
            continue
        out.append((story.commune, view["state"], gateway.sent - sent,
                    time.perf_counter() - started))
        if fresh_every and int(story.decision_number.split("/")[0]) % fresh_every == 0:
            freshness.append((story.commune, shown_after(
                gateway.public, base, story.commune, story.decision_number,
                gateway.decided_at, every=0.01)))
    gateway.http.close()
    gateway.public.close()


class TimedGateway(demo.Gateway):
    """The demo's client, noting when the chairman's decision was answered: from then on the
    decision is recorded, and its way to the board is timed from that moment."""

    def __init__(self, url: str):
        import requests

        super().__init__(url)
        self.public = requests.Session()  # the board, asked as a citizen would
        self.decided_at: float | None = None

    def request(self, method, path, token, body=None):
        response = super().request(method, path, token, body)
        if method == "POST" and path.endswith("/decision"):
            self.decided_at = time.perf_counter()
        return response


def _hello(base: str, clients: int, seconds: float) -> dict:
    """``GET /bench/hello`` on the same gateway from as many client threads as the cycle's, a
    closed loop for ``seconds``: what the gateway and this client answer with no work."""
    import requests

    counts = [0] * clients
    deadline = time.perf_counter() + seconds

    def loop(i):
        http = requests.Session()
        while time.perf_counter() < deadline:
            if http.get(base + "/bench/hello", timeout=30).status_code == 200:
                counts[i] += 1
        http.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"requests": sum(counts), "rate": sum(counts) / (time.perf_counter() - started)}


def _rss_mb(pid: int | None, field: str = "VmHWM") -> float | None:
    """The process's resident set from /proc: its peak (VmHWM) or now (VmRSS)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except (OSError, TypeError):
        return None
    return None


def _postgres_cpu() -> float:
    """CPU seconds of the PostgreSQL server's processes now on this machine (a backend that
    ended meanwhile is not counted: the services keep their pooled connections)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() != "postgres":
                        continue
            except OSError:
                continue
            total += _cpu_seconds(int(entry))
    return total


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
        year: int = 2022, clients: int = 16, limit: int | None = None,
        pg_admin_url: str | None = None, fresh_every: int = 0, hello_seconds: float = 0) -> dict:
    """``provinces``: the provinces whose communes are taken through the year (Thanh Hóa by
    default; every province of the year with ``["all"]``). ``pg_admin_url``: PostgreSQL
    stores (a database each) instead of SQLite files. ``fresh_every``: every so many
    communes, the client times its decision's way to the board page (0: none).
    ``hello_seconds``: the hello-world rate measured first, for so long (0: not)."""
    if not pg_admin_url:
        return _run(amqp_base, provinces, year, clients, limit, None, fresh_every, hello_seconds)
    from bench.stack import postgres_databases

    with postgres_databases(pg_admin_url, "bench_cycle") as databases:
        return _run(amqp_base, provinces, year, clients, limit, databases, fresh_every,
                    hello_seconds)


def _run(amqp_base, provinces, year, clients, limit, databases, fresh_every, hello_seconds):
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
    workers = max(20, clients * 2)
    # The gateway lets as many calls wait on a service as there are clients: the bench
    # measures throughput, not the refusal of an overload (gateway/bulkheads.py).
    settings = {"BULKHEAD_CALLS": {service: max(16, clients)
                                   for service in ("assessment", "publication", "plans")}}
    with stack(amqp_base, max_workers=workers, databases=databases, settings=settings,
               prefix="tcpl-bench-cycle-") as (base, _, pids, _tmp):
        for province in provinces if year < 2025 else ():  # reviewed by the district then
            level = requests.put(f"{base}/api/v1/provinces/{province}/reviewing-levels/{year}",
                                 json={"level": "district"}, timeout=60,
                                 headers={"Authorization": f"Bearer {_admin_token()}"})
            assert level.status_code == 200, level.text
        hello = _hello(base, clients, hello_seconds) if hello_seconds else None
        work: queue.Queue = queue.Queue()
        for story in work_list:
            work.put(story)
        out: list = []
        failures: list = []
        freshness: list = []
        cpu_before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
        cpu_before["postgresql"] = _postgres_cpu() if databases else 0.0
        driver_before = time.process_time()
        started = time.perf_counter()
        threads = [threading.Thread(target=_client, args=(base, work, sets, out, failures,
                                                          fresh_every, freshness))
                   for _ in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
        cpu = {name: _cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        if databases:
            cpu["postgresql"] = _postgres_cpu() - cpu_before["postgresql"]
        cpu["clients"] = time.process_time() - driver_before
        if failures:
            raise RuntimeError(f"{len(failures)} communes failed, e.g. {failures[:3]}")
        checking = time.perf_counter()
        decided = {c: state for c, state, _, _ in out}
        per_province = [_agreement(base, province, year, {
            c.code: decided[c.code] for c in _units(province, year) if c.code in decided})
            for province in provinces]
        checked = time.perf_counter() - checking
        rss = {name: _rss_mb(pid) for name, pid in pids.items()}
        rss_now = {name: _rss_mb(pid, "VmRSS") for name, pid in pids.items()}
    agreement = {key: sum(a[key] for a in per_province)
                 for key in ("units", "recognised", "not_recognised", "districts")}
    agreement["board"] = {name: sum(a["board"][name] for a in per_province)
                          for name in ("dat", "khong-dat")}
    agreement["recognised_of_all"] = (per_province[0]["recognised_of_all"]
                                      if len(per_province) == 1 else
                                      f"{100 * agreement['recognised'] / agreement['units']:.2f}")
    requests_made = sum(r for _, _, r, _ in out)
    per_commune = sorted(t for _, _, _, t in out)
    delays = sorted(d for _, d in freshness if d is not None)
    return {"provinces": provinces, "year": year, "communes": len(out), "clients": clients,
            "database": "postgresql" if databases else "sqlite",
            "wall_seconds": wall, "requests": requests_made, "requests_per_second":
            requests_made / wall, "cpu_seconds": cpu,
            "cpu_per_commune_ms": {k: v * 1000 / len(out) for k, v in cpu.items()},
            "commune_p50_s": per_commune[len(per_commune) // 2],
            "commune_max_s": per_commune[-1], "agreement": agreement,
            "agreement_seconds": checked, "cores": os.cpu_count(), "hello": hello,
            "freshness": {"timed": len(freshness), "seen": len(delays),
                          "missed": [c for c, d in freshness if d is None],
                          "p50_ms": _pct(delays, 0.50), "p99_ms": _pct(delays, 0.99),
                          "max_ms": delays[-1] * 1000 if delays else None},
            "max_rss_mb": rss, "rss_at_end_mb": rss_now}


def _pct(values: list[float], p: float) -> float | None:
    return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else None


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


NATIONAL_COMMUNES = 3321  # the current communes, from 1 July 2025
TARGET_WALL_S = {"sqlite": 120, "postgresql": 240}
TARGET_FRESH_P99_MS = 1000
TARGET_RSS_MB = 150
SERVICES = ("gateway", "accounts", "assessment", "publication")


def national_report(runs: list[dict], machine: str) -> str:
    """The national cycle's section: one row per database, each run of ``run(provinces=
    ["all"], year=2026, ...)``."""
    def ms(value):
        return "—" if value is None else f"{value:,.0f}"

    def met(ok):
        return "met" if ok else "missed"

    first = runs[0]
    lines = [
        "## The whole country's year",
        "",
        f"Measured {machine}. The current communes of every province (3,321 from 1 July "
        f"2025) taken through the {first['year']} cycle (27/2025, reviewed by the province) "
        "from an empty year to the chairman's decision, through the gateway's API, by the "
        "people who take each step with their own tokens, "
        f"{first['clients']} clients at once in one driver process (scripts/demo_cycle.py: a "
        "criterion's figures in one request, the council's scores of every indicator in one, "
        "a write's answer read for its version and state, the assessment read where the next "
        "steps depend on it). The real stack: gateway; accounts; assessment + survey + plans; "
        "publication; RabbitMQ on loopback; each process's bulkhead raised to the clients' "
        "number. Afterwards every province's roll-up, Mẫu 08, Mẫu 09 and board page must "
        "agree with the decisions (the run fails otherwise).",
        "",
        "| stores | communes | requests | wall s | requests/s | hello world/s | "
        f"wall for {NATIONAL_COMMUNES:,} communes (projected) | board p50 / p99 ms | "
        "CPU ms per commune (services) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        f, hello = r["freshness"], r["hello"]
        services = sum(v for k, v in r["cpu_per_commune_ms"].items() if k in SERVICES)
        projected = r["wall_seconds"] * NATIONAL_COMMUNES / r["communes"]
        lines.append(
            f"| {r['database']} | {r['communes']:,} | {r['requests']:,} | "
            f"{r['wall_seconds']:,.0f} | {r['requests_per_second']:,.0f} | "
            f"{ms(hello and hello['rate'])} | {projected:,.0f} s | {ms(f['p50_ms'])} / "
            f"{ms(f['p99_ms'])} | {services:,.0f} |")
    lines.append("")
    for r in runs:
        cpu = ", ".join(f"{k} {v:,.0f}" for k, v in r["cpu_per_commune_ms"].items())
        rss = ", ".join(f"{k} {v:,.0f} ({r['rss_at_end_mb'][k] or 0:,.0f} at the end)"
                        for k, v in r["max_rss_mb"].items() if v is not None and k in SERVICES)
        f = r["freshness"]
        lines += [
            f"**{r['database']}** — CPU per commune by process (ms): {cpu}. Peak RSS (MB): "
            f"{rss}. Board: {f['seen']} of {f['timed']} timed decisions seen on the "
            f"commune's board page (polled every 10 ms from the decision's answer; "
            f"{len(f['missed'])} not within 10 s), max {ms(f['max_ms'])} ms. Agreement "
            f"checked: {r['agreement']['recognised']:,} recognised, "
            f"{r['agreement']['not_recognised']:,} not recognised, on the roll-ups, Mẫu 08, "
            f"Mẫu 09 and the board ({r['agreement_seconds']:.0f} s).",
            "",
        ]
    targets = []
    for r in runs:
        projected = r["wall_seconds"] * NATIONAL_COMMUNES / r["communes"]
        target = TARGET_WALL_S[r["database"]]
        p99 = r["freshness"]["p99_ms"]
        rss = max((v for k, v in r["max_rss_mb"].items() if v is not None and k in SERVICES),
                  default=None)
        targets.append(
            f"{r['database']}: the country ≤ {target // 60} min "
            f"({met(projected <= target)}{'' if r['communes'] >= NATIONAL_COMMUNES else ', projected'}: "
            f"{projected / 60:.1f} min), board p99 ≤ 1 s ({met(p99 is not None and p99 <= TARGET_FRESH_P99_MS and not r['freshness']['missed'])}), "
            f"every service < {TARGET_RSS_MB} MB ({met(rss is not None and rss < TARGET_RSS_MB)}"
            f"{'' if r['communes'] >= NATIONAL_COMMUNES else ', with ' + format(r['communes'], ',') + ' communes loaded'})")
    lines += ["Targets — " + "; ".join(targets) + ".", ""]
    return "\n".join(lines)


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
    parser.add_argument("--postgresql", action="store_true",
                        help="PostgreSQL stores (a database each, made with "
                             "--pg-admin-url) instead of SQLite files")
    parser.add_argument("--pg-admin-url", default=os.environ.get("TCPL_TEST_PG_ADMIN_URL"))
    parser.add_argument("--freshness-every", type=int, default=5,
                        help="time the way to the board of every Nth commune's decision (0: none)")
    parser.add_argument("--hello-seconds", type=float, default=5,
                        help="GET /bench/hello first, for so long (0: not)")
    parser.add_argument("--amqp-uri", default=os.environ.get(
        "AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    args = parser.parse_args()
    if args.postgresql and not args.pg_admin_url:
        parser.error("--postgresql needs --pg-admin-url or TCPL_TEST_PG_ADMIN_URL")
    results = run(args.amqp_uri, args.provinces, args.year, args.clients, args.limit,
                  args.pg_admin_url if args.postgresql else None, args.freshness_every,
                  args.hello_seconds)
    print(json.dumps(results, indent=1, default=str))
    machine = f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores"
    if args.provinces == ["all"]:
        print(national_report([results], machine))
    else:
        print(report(results, machine))


if __name__ == "__main__":
    main()

"""The public results board: page throughput, and how soon a decision reaches the board.

The real stack on a throwaway RabbitMQ vhost, each in its own process as in production: the
gateway, the publication service, and the assessment and survey services (SQLite stores) —
and a second gateway with its page cache turned off (``BOARD_CACHE_SECONDS`` = 0), to
measure the miss path.

1. **Seeding** (not measured): the assessments of ``--communes`` communes of Hà Nội for 2025
   are taken, over RPC, through the whole workflow up to the council's completed appraisal.
2. **Cold throughput** (the miss path): load processes, each with threads holding one
   keep-alive connection to 127.0.0.1, request a round-robin mix of board pages (search with
   and without diacritics, commune pages, the province and national overviews, a CSV export)
   from the gateway *without* the page cache, for at most ``-n`` requests or ``--seconds``:
   every request asks the publication service and renders its page.
3. **Freshness**: for each commune in turn, the chairman's decision is recorded
   (``assessment.run_command(..., "decide", ...)``) and, from the moment that call returns
   (the event is committed), the commune's board page ``/ket-qua/xa/<code>`` on the gateway
   *with* the cache is polled every 5 ms until it shows the decision number. Target: p99 < 1 s.
4. **Warm throughput** (as deployed): the same mix from the gateway with the cache, after one
   warm-up pass: the cache's hit path (the share of ``X-Cache: hit`` answers is reported).
   Target: ≥ 200 requests/s with p99 < 100 ms.

Every client accepts gzip, as browsers do; "bytes" are the decoded page, "on the wire" the
body as sent.

    .venv/bin/python -m bench.board [-n 4000] [--communes 60] [--clients 8] [--seconds 60]

(``-n 1000 --communes 10`` is a quick check of about a minute.)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from urllib.parse import quote, urlsplit

from bench.survey_submissions import _broker_pid, _cpu_seconds, _free_port, _rabbitmqctl

HANOI, YEAR = "01", 2025
SECRET = "bench-secret-0123456789abcdef0123456789"
PROCESSES = 2
CONTEXT = {"actor": {"subject": "bench@board", "role": "administrator",
                     "jurisdiction": {"province": None, "district": None, "commune": None}}}


# -- the stack under test ------------------------------------------------------------------
def _serve(config: dict, services: tuple[str, ...], ready, stop) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import eventlet
    eventlet.monkey_patch()
    import logging

    logging.basicConfig(level=logging.WARNING)
    from nameko.runners import ServiceRunner

    classes = []
    for service in services:
        if service == "gateway":
            from gateway.service import GatewayService as cls
        elif service == "publication":
            from services.publication.service import PublicationService as cls
        elif service == "assessment":
            from services.assessment.service import AssessmentService as cls
        elif service == "survey":
            from services.survey.service import SurveyService as cls
        else:
            from tests.gateway.peers import PlansPeer as cls
        classes.append(cls)
    runner = ServiceRunner(config)
    for cls in classes:
        runner.add_service(cls)
    runner.start()
    ready.set()
    while not stop.is_set():
        eventlet.sleep(0.1)
    runner.stop()


# -- seeding and freshness (the driver process: plain threads, no eventlet) -----------------
def _walk(amqp_uri: str, communes: list[str], criteria_set) -> None:
    from nameko.standalone.rpc import ClusterRpcProxy

    from tests.support.assessment_figures import full_figures

    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=60) as proxy:
        assessment = proxy.assessment
        for commune in communes:
            def run(command, commune=commune, **arguments):
                return assessment.run_command(commune, YEAR, command, arguments, None, CONTEXT)

            assessment.open_assessment(commune, YEAR, CONTEXT)
            for indicator in criteria_set.indicators():
                run("record_figures", indicator_id=indicator.id, figures=full_figures(indicator))
            if criteria_set.recognition.conditions:
                run("declare_conditions", declarations={
                    c.id: True for c in criteria_set.recognition.conditions})
            run("submit_self_assessment")
            run("start_posting", start=f"{YEAR}-12-15", channel="portal")
            run("end_posting", today=f"{YEAR}-12-21")
            run("submit_dossier", submitted_on=f"{YEAR}-12-28")
            run("pass_check", checked_on=f"{YEAR + 1}-01-03")
            run("start_appraisal", started_on=f"{YEAR + 1}-01-05", council_size=1,
                method="written")
            run("record_opinion", member_name="A", role="chair", opinion="agree",
                given_by="writing")
            for indicator in criteria_set.indicators():
                if criteria_set.pass_fail:
                    run("appraise_indicator", indicator_id=indicator.id, points=None,
                        achieved=True, reason="checked")
                else:
                    run("appraise_indicator", indicator_id=indicator.id,
                        points=format(indicator.max, "f"), reason="checked")
            run("complete_appraisal", completed_on=f"{YEAR + 1}-01-10")


def _freshness(amqp_uri: str, base: str, communes: list[str], deadline: float) -> dict:
    import requests
    from nameko.standalone.rpc import ClusterRpcProxy

    from kernel import clock

    session = requests.Session()
    decided_on = (clock.now().date() - timedelta(days=1)).isoformat()
    delays, rpc_times, missed = [], [], []
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=60) as proxy:
        for i, commune in enumerate(communes):
            if time.time() > deadline:
                break
            number = f"{i + 1}/QĐ-UBND-BENCH"
            started = time.perf_counter()
            proxy.assessment.run_command(commune, YEAR, "decide", {
                "recognised": i % 4 != 3, "decision_number": number,
                "decision_date": decided_on}, None, CONTEXT)
            recorded = time.perf_counter()
            rpc_times.append(recorded - started)
            delay = shown_after(session, base, commune, number, recorded)
            if delay is None:
                missed.append(commune)
            else:
                delays.append(delay)
    session.close()
    delays.sort()
    return {"decisions": len(rpc_times), "seen": len(delays), "missed": missed,
            "p50_ms": _pct(delays, 0.50), "p99_ms": _pct(delays, 0.99),
            "max_ms": delays[-1] * 1000 if delays else None,
            "decide_rpc_p50_ms": _pct(sorted(rpc_times), 0.50)}


def shown_after(session, base: str, commune: str, decision_number: str, recorded: float,
                give_up: float = 10.0, every: float = 0.005) -> float | None:
    """Seconds from ``recorded`` (``time.perf_counter()`` when the decision's write returned)
    until the commune's board page ``/ket-qua/xa/<code>`` first shows ``decision_number``,
    polled every ``every`` seconds; None if not within ``give_up`` seconds."""
    while True:
        page = session.get(f"{base}/ket-qua/xa/{commune}", timeout=30)
        if page.status_code == 200 and decision_number in page.text:
            return time.perf_counter() - recorded
        if time.perf_counter() - recorded > give_up:
            return None
        time.sleep(every)


def _pct(values: list[float], p: float) -> float | None:
    return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else None


# -- throughput ------------------------------------------------------------------------------
def _urls(communes: list[str]) -> list[tuple[str, str]]:
    urls = [("search", "/ket-qua"), ("search", "/ket-qua?q=Phuong+Ba+Dinh"),
            ("search", "/ket-qua?q=Ph%C6%B0%E1%BB%9Dng&nam=2025&trang_thai=recognised"),
            ("province", f"/ket-qua/tinh/{HANOI}/{YEAR}"),
            ("national", f"/ket-qua/toan-quoc/{YEAR}"),
            ("export", f"/ket-qua/tinh/{HANOI}/{YEAR}.csv?list=dat")]
    urls += [("commune", f"/ket-qua/xa/{code}") for code in communes[:20]]
    return urls


def _client(base: str, urls: list, count: int, offset: int, deadline: float, out: list) -> None:
    import requests

    session = requests.Session()
    for i in range(count):
        if time.time() > deadline:
            break
        kind, path = urls[(offset + i) % len(urls)]
        started = time.perf_counter()
        response = session.get(base + path, timeout=30)
        out.append((kind, time.perf_counter() - started, response.status_code == 200,
                    response.status_code, len(response.content),
                    int(response.headers.get("Content-Length") or len(response.content)),
                    response.headers.get("X-Cache")))
    session.close()


def _load_process(base: str, urls: list, clients: int, per_client: int, first: int,
                  start_at: float, seconds: float, results) -> None:
    while time.time() < start_at:
        time.sleep(0.001)
    cpu_at_start = time.process_time()  # the process's start-up is not load
    outs = [[] for _ in range(clients)]
    threads = [threading.Thread(target=_client, args=(base, urls, per_client,
                                                      (first + i) * 7, start_at + seconds,
                                                      outs[i]))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put({"rows": [row for out in outs for row in out], "cpu": time.process_time() - cpu_at_start})


def _throughput(ctx, base: str, urls: list, n: int, clients: int, seconds: float,
                pids: dict) -> dict:
    cpu_before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
    results = ctx.Queue()
    per_process = [clients // PROCESSES + (1 if i < clients % PROCESSES else 0)
                   for i in range(PROCESSES)]
    per_client = max(1, n // clients)
    start_at = time.time() + 1.0
    procs, first = [], 0
    for count in per_process:
        if count:
            procs.append(ctx.Process(target=_load_process, args=(
                base, urls, count, per_client, first, start_at, seconds, results)))
            first += count
    for p in procs:
        p.start()
    batches = [results.get(timeout=seconds + 120) for _ in procs]
    elapsed = time.time() - start_at
    for p in procs:
        p.join()
    cpu = {name: _cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
    cpu["load generators"] = sum(b["cpu"] for b in batches)
    rows = [row for b in batches for row in b["rows"]]
    ok = sorted(r[1] for r in rows if r[2])
    failures: dict = {}
    for row in rows:
        if not row[2]:
            failures[row[3]] = failures.get(row[3], 0) + 1
    kinds = {}
    for kind in dict.fromkeys(r[0] for r in rows):
        times = sorted(r[1] for r in rows if r[0] == kind and r[2])
        sizes = [r[4] for r in rows if r[0] == kind and r[2]]
        wire = [r[5] for r in rows if r[0] == kind and r[2]]
        kinds[kind] = {"ok": len(times), "p50_ms": _pct(times, 0.5), "p99_ms": _pct(times, 0.99),
                       "bytes": round(sum(sizes) / len(sizes)) if sizes else 0,
                       "wire_bytes": round(sum(wire) / len(wire)) if wire else 0}
    cache: dict = {}
    for row in rows:
        cache[row[6] or "none"] = cache.get(row[6] or "none", 0) + 1
    return {"requests": len(rows), "ok": len(ok), "failures": failures, "cpu": cpu,
            "seconds": elapsed, "rate": len(ok) / elapsed, "clients": clients,
            "p50_ms": _pct(ok, 0.5), "p99_ms": _pct(ok, 0.99),
            "max_ms": ok[-1] * 1000 if ok else None, "kinds": kinds, "x_cache": cache}


def run(amqp_base: str = "amqp://guest:guest@127.0.0.1:5672/", n: int = 4000,
        communes: int = 60, clients: int = 8, seconds: float = 60.0) -> dict:
    import requests

    from reference import units
    from rules.criteria import set_for_year

    ctx = mp.get_context("spawn")
    vhost = f"tcpl-bench-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    amqp_uri = urlsplit(amqp_base)._replace(path="/" + quote(vhost, safe="")).geturl()
    port, cold_port = _free_port(), _free_port()
    base, cold_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{cold_port}"
    codes = [c.code for c in units.communes(HANOI)][:communes]
    criteria_set = set_for_year(YEAR)
    with tempfile.TemporaryDirectory(prefix="tcpl-bench-board-") as tmp:
        config = {"AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
                  "JWT_SECRET": SECRET, "RPC_TIMEOUT": 30, "RETRY_DELAY_MS": 200,
                  "max_workers": max(10, clients * 2),
                  "DATABASES": {name: f"sqlite:///{tmp}/{name}.sqlite"
                                for name in ("assessment", "survey", "publication")}}
        cold_config = {**config, "WEB_SERVER_ADDRESS": f"127.0.0.1:{cold_port}",
                       "BOARD_CACHE_SECONDS": 0}
        stop = ctx.Event()
        servers = {}
        groups = {"assessment": (config, ("assessment", "survey", "plans")),
                  "publication": (config, ("publication",)), "gateway": (config, ("gateway",)),
                  "gateway without cache": (cold_config, ("gateway",))}
        try:
            for name, (group_config, services) in groups.items():
                ready = ctx.Event()
                servers[name] = ctx.Process(target=_serve,
                                            args=(group_config, services, ready, stop))
                servers[name].start()
                if not ready.wait(60):
                    raise RuntimeError(f"the {name} process did not start")
            pids = {name: proc.pid for name, proc in servers.items()}
            pids["rabbitmq"] = _broker_pid()
            seeding = time.time()
            print(f"seeding {len(codes)} communes", file=sys.stderr, flush=True)
            _walk(amqp_uri, codes, criteria_set)
            seeded = time.time() - seeding
            print(f"seeded in {seeded:.1f} s", file=sys.stderr, flush=True)
            # the board has every commune (posted, so public) before anything is measured
            # (asked of the gateway without cache: the other one has seen no request yet)
            for _ in range(600):
                total = requests.get(cold_base + "/ket-qua.json", params={"nam": YEAR},
                                     timeout=30).json()["total"]
                if total >= len(codes):
                    break
                time.sleep(0.1)
            urls = _urls(codes)
            cold_pids = {k: v for k, v in pids.items() if k != "gateway"}
            _throughput(ctx, cold_base, urls, clients * 5, clients, seconds, {})  # warm-up
            cold = _throughput(ctx, cold_base, urls, n, clients, seconds, cold_pids)
            print("cold throughput", json.dumps(cold), file=sys.stderr, flush=True)
            fresh = _freshness(amqp_uri, base, codes, time.time() + seconds)
            print("freshness", json.dumps(fresh), file=sys.stderr, flush=True)
            warm_pids = {k: v for k, v in pids.items() if k != "gateway without cache"}
            _throughput(ctx, base, urls, len(urls) * clients, clients, seconds, {})  # warm-up
            load = _throughput(ctx, base, urls, n, clients, seconds, warm_pids)
            print("warm throughput", json.dumps(load), file=sys.stderr, flush=True)
        finally:
            stop.set()
            for proc in servers.values():
                proc.join(60)
                if proc.is_alive():
                    proc.kill()
            _rabbitmqctl("delete_vhost", vhost)
    return {"communes": len(codes), "seeding_seconds": seeded, "freshness": fresh,
            "throughput": load, "cold": cold, "criteria_set": f"{criteria_set.id} v{criteria_set.version}",
            "cores": os.cpu_count()}


def report(results: dict, machine: str) -> str:
    f, t, c = results["freshness"], results["throughput"], results["cold"]
    met = (t["rate"] >= 200, t["p99_ms"] is not None and t["p99_ms"] < 100,
           f["p99_ms"] is not None and f["p99_ms"] < 1000 and not f["missed"])
    cold_met = (c["rate"] >= 200, c["p99_ms"] is not None and c["p99_ms"] < 100)

    def failures(row):
        return ", ".join(f"{k}: {v}" for k, v in sorted(row["failures"].items())) or "none"

    def hits(row):
        counted = row.get("x_cache") or {}
        return f"{100 * counted.get('hit', 0) / max(1, sum(counted.values())):.0f} %"

    def cpu(row):
        per = {k: v * 1000 / max(row["ok"], 1) for k, v in row["cpu"].items()}
        return ", ".join(f"{k} {v:.1f}" for k, v in per.items()) + f"; total {sum(per.values()):.1f}"

    lines = [
        "## Public results board",
        "",
        f"Measured {machine}. Real services, each group in its own process: gateway (page cache "
        "on, as deployed); a second gateway with the page cache off; publication; assessment + "
        "survey (SQLite stores); RabbitMQ on loopback. "
        f"{results['communes']} communes of Hà Nội taken through the {YEAR} workflow "
        f"({results['criteria_set']}) over RPC first ({results['seeding_seconds']:.0f} s, not "
        "measured).",
        "",
        "**Freshness** — a decision recorded in assessment appears on the board (the gateway "
        "with the page cache): from the return of `assessment.run_command(…, \"decide\", …)` "
        "until `GET /ket-qua/xa/<code>` first shows the decision number (polled every 5 ms), "
        "one decision at a time:",
        "",
        "| decisions | seen | p50 ms | p99 ms | max ms | not seen within 10 s |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {f['decisions']} | {f['seen']} | {f['p50_ms']:.0f} | {f['p99_ms']:.0f} | "
        f"{f['max_ms']:.0f} | {len(f['missed'])} |",
        "",
        f"**Throughput** — a closed loop of {t['clients']} clients (keep-alive, {PROCESSES} "
        f"load processes, accepting gzip like browsers), a round-robin mix of "
        f"{len(_urls(['x'] * 20))} URLs. *Warm*: the gateway as deployed, after one warm-up pass "
        "over the mix, so every page is kept: the cache's hit path (nothing changes meanwhile). "
        "*Cold*: the gateway with the cache off — every request asks the publication service "
        "and renders: the miss path, which is what a page costs after each change. In a closed "
        "loop p99 ≈ clients ÷ throughput plus scheduling noise.",
        "",
        "| gateway | ok | requests/s | p50 ms | p99 ms | max ms | X-Cache hit | failures |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
        f"| warm (page cache on) | {t['ok']:,} | {t['rate']:,.0f} | {t['p50_ms']:.1f} | "
        f"{t['p99_ms']:.1f} | {t['max_ms']:.1f} | {hits(t)} | {failures(t)} |",
        f"| cold (page cache off) | {c['ok']:,} | {c['rate']:,.0f} | {c['p50_ms']:.1f} | "
        f"{c['p99_ms']:.1f} | {c['max_ms']:.1f} | — | {failures(c)} |",
        "",
        "| page | warm p50 ms | warm p99 ms | cold p50 ms | cold p99 ms | bytes | on the wire |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, k in t["kinds"].items():
        o = c["kinds"].get(kind) or {"p50_ms": float("nan"), "p99_ms": float("nan")}
        lines.append(f"| {kind} | {k['p50_ms']:.1f} | {k['p99_ms']:.1f} | {o['p50_ms']:.1f} | "
                     f"{o['p99_ms']:.1f} | {k['bytes']:,} | {k['wire_bytes']:,} |")
    lines += [
        "",
        "CPU per page (ms, user + system, from /proc) — warm: " + cpu(t) + ". Cold: " + cpu(c)
        + ".",
        "",
        "Targets (the warm row): ≥ 200 pages/s " + ("(met)" if met[0] else "(missed)") +
        ", p99 < 100 ms " + ("(met)" if met[1] else "(missed)") +
        ", decision on the board within 1 s at p99 " + ("(met)" if met[2] else "(missed)") +
        ". The miss path alone (cold row): ≥ 200 pages/s " +
        ("met" if cold_met[0] else "missed") + ", p99 < 100 ms " +
        ("met" if cold_met[1] else "missed") + ".",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=4000, help="page requests in the load phase")
    parser.add_argument("--communes", type=int, default=60,
                        help="communes seeded, and decisions timed")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0, help="bound of each phase")
    parser.add_argument("--amqp-uri", default=os.environ.get(
        "AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    args = parser.parse_args()
    results = run(args.amqp_uri, args.n, args.communes, args.clients, args.seconds)
    print(json.dumps(results, indent=1, default=str))
    print(report(results, f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores"))


if __name__ == "__main__":
    main()

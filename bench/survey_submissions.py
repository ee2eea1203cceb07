"""Survey submissions through the gateway, from 50 concurrent kiosks, against a hello-world
route on the same stack in the same run.

The gateway and the survey service (nameko under eventlet, SQLite store, both with
``max_workers`` = the number of kiosks) run in two processes on a throwaway RabbitMQ vhost;
load comes from separate processes, each driving some kiosks in threads, every kiosk with
its own keep-alive HTTP connection to 127.0.0.1.

- **Capacity** (closed loop): each kiosk sends its next request as soon as the last one is
  answered: ``POST /api/v1/kiosk/responses`` (a new UUID each), and in the same way
  ``GET /bench/hello``. Submission and hello-world rounds alternate (``--rounds``) and the
  medians are reported, because other work on a shared 2-core VM moves single rounds.
  Latency here is queueing: with 50 kiosks always waiting, mean latency = 50 ÷ rate.
- **Latency at the target rate** (open loop): the kiosks together send ``--rate`` responses
  per second on a fixed schedule, and each latency is measured from the moment the request
  was due, so a stall counts for every request it delayed (no coordinated omission). The
  schedule starts once every kiosk has connected, so the load generator's own start-up
  (50 threads starting while the first requests fall due) is not counted as the stack's.

Afterwards the results endpoint must count every accepted response exactly once.

    .venv/bin/python -m bench.survey_submissions [-n 3000] [--kiosks 50] [--rounds 5]
        [--rate 500] [--profile FILE]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from urllib.parse import quote, urlsplit

COMMUNES = ("00004", "00008", "00025", "00070", "00073")  # Hà Nội
PERIOD = "2025-bench"
QUESTIONS = ("cong-khai", "thai-do", "thoi-gian", "pho-bien", "chung")
SECRET = "bench-secret-0123456789abcdef0123456789"
PROCESSES = 5
# The latency phase: 20 s at 500/s, long enough that rare pauses (a full garbage collection
# every few seconds, say) land in it several times.
PACED_N = 10_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


# -- the stack under test ------------------------------------------------------------------
def _serve(config: dict, service: str, ready, stop, profile: str | None) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import eventlet
    eventlet.monkey_patch()
    import logging

    logging.basicConfig(level=logging.WARNING)
    from nameko.runners import ServiceRunner

    if service == "gateway":
        from gateway.service import GatewayService as service_cls
    else:
        from services.survey.service import SurveyService as service_cls

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    runner = ServiceRunner(config)
    runner.add_service(service_cls)
    runner.start()
    ready.set()
    if profiler:
        profiler.enable()
    while not stop.is_set():
        eventlet.sleep(0.1)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    runner.stop()


# -- load ----------------------------------------------------------------------------------
class _RequestsClient:
    """``requests`` with a keep-alive session: what a Python integration would use."""

    def __init__(self, base: str):
        import requests

        self.base, self.session = base, requests.Session()

    def connect(self) -> None:
        pass  # a session connects on its first request

    def send(self, method: str, path: str, body: dict | None, headers: dict) -> int:
        return self.session.request(method, self.base + path, json=body, headers=headers,
                                    timeout=30).status_code

    def close(self) -> None:
        self.session.close()


class _PlainClient:
    """The standard library's http.client on one keep-alive connection: a few times cheaper
    per request than requests, so less of the 2 cores goes to generating the load."""

    def __init__(self, base: str):
        import http.client

        self.connection = http.client.HTTPConnection(urlsplit(base).netloc, timeout=30)

    def connect(self) -> None:
        self.connection.connect()

    def send(self, method: str, path: str, body: dict | None, headers: dict) -> int:
        if body is not None:
            headers = {**headers, "Content-Type": "application/json"}
            body = json.dumps(body).encode()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        response.read()
        return response.status

    def close(self) -> None:
        self.connection.close()


CLIENTS = {"requests": _RequestsClient, "http.client": _PlainClient}


def _kiosk(base: str, kind: str, token: str | None, campaign: dict | None, count: int,
           out: list, ready: threading.Barrier, schedule: dict, offset: float,
           interval: float | None = None, client: str = "requests") -> None:
    http = CLIENTS[client](base)
    http.connect()
    ready.wait()  # every kiosk connected: the schedule starts
    ready.wait()
    deadline = schedule["deadline"]
    first_at = None if interval is None else schedule["start"] + interval * offset
    headers = {"Authorization": f"Kiosk {token}"} if token else {}
    for i in range(count):
        if time.time() > deadline:
            break
        started = time.perf_counter()
        if interval is not None:  # open loop: the request is due at its slot, ready or not
            due = first_at + i * interval
            if due > started:
                time.sleep(due - started)
            started = due
        if kind == "submit":
            body = {"response_id": str(uuid.uuid4()), "campaign_id": campaign["campaign_id"],
                    "questionnaire_id": campaign["questionnaire_id"],
                    "questionnaire_version": campaign["questionnaire_version"],
                    "answers": {q: 1 + (i + len(out)) % 5 for q in QUESTIONS}}
            status = http.send("POST", "/api/v1/kiosk/responses", body, headers)
            ok = status == 201
        else:
            status = http.send("GET", "/bench/hello", None, {})
            ok = status == 200
        out.append((time.perf_counter() - started, ok, status))
    http.close()


def _load_process(base: str, kind: str, kiosks: list, per_kiosk: int, start_at: float,
                  seconds: float, results, interval: float | None = None,
                  client: str = "requests") -> None:
    outs = [[] for _ in kiosks]
    # The kiosks connect first, and the clock starts when all have: a load generator still
    # starting its threads would otherwise count its own start-up as the stack's latency.
    ready, schedule = threading.Barrier(len(kiosks) + 1, timeout=60), {}
    threads = [threading.Thread(target=_kiosk, args=(
        base, kind, k.get("token"), k.get("campaign"), per_kiosk, outs[i], ready, schedule,
        k["offset"], interval, client)) for i, k in enumerate(kiosks)]
    for t in threads:
        t.start()
    ready.wait()
    while time.time() < start_at:  # the same start in every load process
        time.sleep(0.001)
    cpu_at_start = time.process_time()  # the process's start-up is not load
    # Open loop: kiosk k's requests are due every ``interval`` from its own offset, so that
    # together the kiosks send at an even rate.
    schedule.update(start=time.perf_counter(), deadline=start_at + seconds)
    ready.wait()
    for t in threads:
        t.join()
    results.put({"rows": [row for out in outs for row in out], "cpu": time.process_time() - cpu_at_start})


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _broker_pid() -> int | None:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as f:
                    if f.read().strip() == "beam.smp":
                        return int(entry)
            except OSError:
                continue
    return None


def _phase(ctx, base: str, kind: str, kiosks: list, per_kiosk: int, seconds: float,
           pids: dict | None = None, rate: float | None = None,
           client: str = "requests") -> dict:
    pids = pids or {}
    cpu_before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
    results = ctx.Queue()
    interval = None if rate is None else len(kiosks) / rate
    kiosks = [{**k, "offset": i / len(kiosks)} for i, k in enumerate(kiosks)]
    groups = [kiosks[i::PROCESSES] for i in range(PROCESSES)]
    start_at = time.time() + 1.0
    procs = [ctx.Process(target=_load_process,
                         args=(base, kind, group, per_kiosk, start_at, seconds, results, interval,
                               client))
             for group in groups if group]
    for p in procs:
        p.start()
    batches = [results.get(timeout=seconds + 120) for _ in procs]
    elapsed = time.time() - start_at
    cpu = {name: _cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
    cpu["load generators"] = sum(b["cpu"] for b in batches)
    rows = [row for b in batches for row in b["rows"]]
    for p in procs:
        p.join()
    latencies = sorted(r[0] for r in rows if r[1])
    failures = {}
    for _, ok, status in rows:
        if not ok:
            failures[status] = failures.get(status, 0) + 1

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else None

    # The rate counts from the first request to the last answer, not the processes' start-up.
    return {"requests": len(rows), "ok": len(latencies), "failures": failures, "cpu": cpu,
            "seconds": elapsed, "rate": len(latencies) / elapsed, "offered": rate,
            "p50_ms": pct(0.50), "p99_ms": pct(0.99), "max_ms": latencies[-1] * 1000 if latencies else None}


def run(amqp_base: str = "amqp://guest:guest@127.0.0.1:5672/", n: int = 3000, kiosks: int = 50,
        seconds: float = 60.0, profile: str | None = None, rounds: int = 5,
        rate: float = 500.0, settings: dict | None = None, paced_n: int | None = None) -> dict:
    import requests

    from gateway.auth import issue_token
    from kernel import clock
    from services.survey.ratelimit import SETTINGS as RATE_SETTINGS

    ctx = mp.get_context("spawn")
    vhost = f"tcpl-bench-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    amqp_uri = urlsplit(amqp_base)._replace(path="/" + quote(vhost, safe="")).geturl()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="tcpl-bench-survey-") as tmp:
        config = {"AMQP_URI": amqp_uri, "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
                  "JWT_SECRET": SECRET, "RPC_TIMEOUT": 30, "max_workers": kiosks,
                  # every kiosk waiting on the survey service holds a place in its bulkhead
                  "BULKHEAD_CALLS": {"survey": max(64, kiosks)},
                  "DATABASES": {"survey": f"sqlite:///{tmp}/survey.sqlite"},
                  # Every limit is counted (the cost is measured) but none is reached.
                  **{name: 10**9 for name, _, _ in RATE_SETTINGS}, **(settings or {})}
        stop = ctx.Event()
        servers = {}
        for service in ("survey", "gateway"):
            ready = ctx.Event()
            prof = f"{profile}.{service}" if profile else None
            servers[service] = ctx.Process(target=_serve,
                                           args=(config, service, ready, stop, prof))
            servers[service].start()
            if not ready.wait(60):
                raise RuntimeError(f"the {service} service did not start")
        pids = {name: proc.pid for name, proc in servers.items()}
        pids["rabbitmq"] = _broker_pid()
        try:
            admin = {"Authorization": "Bearer " + issue_token(SECRET, "bench@admin",
                                                               "administrator")}
            today = clock.now().date()
            campaigns = {}
            for commune in COMMUNES:
                response = requests.post(base + "/api/v1/survey/campaigns", headers=admin, json={
                    "commune_code": commune, "period": PERIOD, "target_sample": 10,
                    "opens_on": (today - timedelta(days=1)).isoformat(),
                    "closes_on": (today + timedelta(days=1)).isoformat()}, timeout=30)
                response.raise_for_status()
                campaigns[commune] = response.json()
            devices = []
            for i in range(kiosks):
                commune = COMMUNES[i % len(COMMUNES)]
                response = requests.post(base + "/api/v1/survey/kiosks", headers=admin, json={
                    "commune_code": commune, "label": f"bench {i}"}, timeout=30)
                response.raise_for_status()
                devices.append({"token": response.json()["token"], "campaign": campaigns[commune]})
            per_kiosk = max(1, n // kiosks)
            _phase(ctx, base, "hello", devices, 5, seconds)  # warm-up: connections, workers
            capacity = {client: {"submit": [], "hello": []} for client in CLIENTS}
            for _ in range(rounds):
                for client, found in capacity.items():
                    for kind in ("submit", "hello"):
                        found[kind].append(_phase(ctx, base, kind, devices, per_kiosk, seconds,
                                                  pids, client=client))
                        print(client, kind, json.dumps(found[kind][-1]), file=sys.stderr,
                              flush=True)
            # At the target rate, from the cheap client:
            # the latency of the stack, not of a load generator short of CPU.
            paced_per_kiosk = max(1, paced_n // kiosks) if paced_n else per_kiosk
            paced = _phase(ctx, base, "submit", devices, paced_per_kiosk,
                           seconds + paced_per_kiosk * kiosks / rate, pids, rate=rate,
                           client="http.client")
            print("paced", json.dumps(paced), file=sys.stderr, flush=True)
            accepted = paced["ok"] + sum(r["ok"] for found in capacity.values()
                                         for r in found["submit"])
            counted = sum(requests.get(
                base + f"/api/v1/survey/campaigns/{c['campaign_id']}/results", headers=admin,
                timeout=180).json()["responses"] for c in campaigns.values())
        finally:
            stop.set()
            for proc in servers.values():
                proc.join(60)
                if proc.is_alive():
                    proc.kill()
            _rabbitmqctl("delete_vhost", vhost)
    return {"kiosks": kiosks, "n": per_kiosk * kiosks, "rounds": rounds,
            "capacity": {client: {"submit": _median(found["submit"]),
                                  "hello": _median(found["hello"]),
                                  "rounds": list(zip(found["submit"], found["hello"],
                                                     strict=True))}
                         for client, found in capacity.items()},
            "paced": paced, "accepted": accepted, "counted": counted, "cores": os.cpu_count()}


def _median(rounds: list[dict]) -> dict:
    """The round with the median rate (all its figures from that one round)."""
    return sorted(rounds, key=lambda r: r["rate"])[len(rounds) // 2]


def _cpu_row(label: str, r: dict) -> str:
    per = {k: v * 1000 / max(r["ok"], 1) for k, v in r["cpu"].items()}
    return (f"| {label} | " + " | ".join(f"{v:.1f}" for v in per.values()) +
            f" | {sum(per.values()):.1f} |")


def report(results: dict, machine: str) -> str:
    capacity, paced = results["capacity"], results["paced"]

    def ratio(client):
        found = capacity[client]
        return found["submit"]["rate"] / found["hello"]["rate"] if found["hello"]["rate"] else 0.0

    def row(label, r):
        failures = ", ".join(f"{k}: {v}" for k, v in sorted(r["failures"].items())) or "none"
        return (f"| {label} | {r['ok']:,} | {r['rate']:,.0f} | {r['p50_ms']:.1f} | "
                f"{r['p99_ms']:.1f} | {r['max_ms']:.1f} | {failures} |")

    best_rate = max(found["submit"]["rate"] for found in capacity.values())
    paced_ok = (paced["p99_ms"] < 100 and not paced["failures"]
                and paced["rate"] >= 0.97 * paced["offered"])
    ratios = {client: ratio(client) for client in capacity}
    lines = [
        "## Survey submissions through the gateway",
        "",
        f"Measured {machine}; {results['kiosks']} concurrent kiosks (5 load processes, one "
        "thread and one keep-alive connection per kiosk, loopback), "
        f"{results['n']:,} requests per round. Stack: gateway → nameko RPC → survey service "
        "(SQLite store, outbox relay, results read model following the log) in two processes as in production, "
        "`max_workers` = kiosks. Concurrent submissions share one `survey.submit_many` call "
        "and one transaction (group commit, gateway/submissions.py); each request still gets "
        "its own verdict. The hello-world row is `GET /bench/hello` on the same gateway.",
        "",
        "Two load generators, because on 2 cores the load generator's own CPU is a large part "
        "of each request: `requests` (a keep-alive session, what a Python integration would "
        "use) and the standard library's `http.client` (a few times cheaper per request).",
        "",
        "**Capacity** — closed loop, every kiosk sending again as soon as it is answered; "
        f"{results['rounds']} rounds alternating submissions and hello world, the median round "
        f"shown. Latency here is queueing: mean = {results['kiosks']} ÷ rate.",
        "",
        "| client | path | ok | requests/s | p50 ms | p99 ms | max ms | failures |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for client, found in capacity.items():
        lines.append(f"| {client} " + row("POST /api/v1/kiosk/responses", found["submit"]))
        lines.append(f"| {client} " + row("GET /bench/hello", found["hello"]))
    lines += [
        "",
        "Submissions ÷ hello world: " + "; ".join(
            f"{ratios[c]:.2f} with {c} (rounds: " + ", ".join(
                f"{a['rate']:,.0f} / {b['rate']:,.0f}" for a, b in capacity[c]["rounds"]) + ")"
            for c in capacity) + ".",
        "",
        f"**Latency at {paced['offered']:,.0f} responses/s** — open loop with http.client: the "
        f"kiosks together send {paced['offered']:,.0f} responses per second on a fixed "
        "schedule, starting once every kiosk has connected; each latency runs from the "
        "moment the request was due, so a stall counts for every request it delayed.",
        "",
        "| path | ok | achieved/s | p50 ms | p99 ms | max ms | failures |",
        "|---|---:|---:|---:|---:|---:|---|",
        row("POST /api/v1/kiosk/responses", paced),
        "",
        f"Responses counted by the results endpoint afterwards: {results['counted']:,} "
        f"(accepted over all rounds: {results['accepted']:,}).",
        "",
        "CPU per request (ms, user + system, from /proc; median rounds) — what the run is "
        "bound by:",
        "",
        "| client | path | " + " | ".join(paced["cpu"]) + " | total |",
        "|---|---|" + "---:|" * (len(paced["cpu"]) + 1),
    ]
    for client, found in capacity.items():
        lines.append(f"| {client} " + _cpu_row("submission", found["submit"]))
        lines.append(f"| {client} " + _cpu_row("hello world", found["hello"]))
    lines += [
        "| http.client " + _cpu_row(f"submission at {paced['offered']:,.0f}/s", paced),
        "",
        f"Targets: ≥ 500 responses/s ({'met' if best_rate >= 500 else 'missed'}: "
        f"{best_rate:,.0f}), p99 < 100 ms at {paced['offered']:,.0f}/s "
        f"({'met' if paced_ok else 'missed'}: {paced['p99_ms']:.0f} ms), ≥ 0.5 × hello world ("
        + "; ".join(f"{'met' if ratios[c] >= 0.5 else 'missed'} with {c}" for c in capacity)
        + ").",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=3000)
    parser.add_argument("--kiosks", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--amqp-uri", default=os.environ.get(
        "AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rate", type=float, default=500.0,
                        help="responses per second offered in the latency phase")
    parser.add_argument("--paced-n", type=int, default=PACED_N,
                        help="requests in the latency phase")
    parser.add_argument("--profile", help="write the server process's cProfile stats here")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a config setting for the services, e.g. KIOSK_GROUP_LINGER_MS=5")
    args = parser.parse_args()
    settings = dict(item.split("=", 1) for item in args.set)
    results = run(args.amqp_uri, args.n, args.kiosks, args.seconds, args.profile, args.rounds,
                  args.rate, settings, args.paced_n)
    print(json.dumps(results, indent=1))
    print(report(results, f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores"))


if __name__ == "__main__":
    main()

"""The officials' workspace under 50 signed-in officials at once.

The real stack on a throwaway RabbitMQ vhost, each group in its own process as in production:
the gateway; the accounts service; the assessment, survey and plans services; the publication
service (SQLite stores).

1. **Seeding** (not measured): accounts for ``--officials`` officials, most of them commune
   justice officers of Hà Nội communes (each with the commune's 2026 year opened), the rest
   justice officers, council secretaries, chairmen, auditors and administrators of the same
   province, made through the accounts API with the service's own argon2 parameters; each
   official signs in through the sign-in form (CSRF token and all) and keeps its session.
2. **Working officials**: each official is a thread with its own keep-alive connection and
   session cookie that opens one of its role's pages (``PAGES``), reads it for a while (a
   think time drawn uniformly from ``--think`` seconds) and opens the next, for ``--seconds``.
   Every page checks the session with the accounts service and reads what it shows from the
   services, as a real visit does. Target: p99 < 150 ms.
3. **Capacity** (for scale): the same officials with no think time at all, a closed loop:
   the most pages a second the stack serves, and the latency then.

    .venv/bin/python -m bench.workspace [--officials 50] [--seconds 60] [--think 1 5]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import sys
import threading
import time

from bench.stack import SECRET, stack
from bench.survey_submissions import _cpu_seconds

HANOI, YEAR = "01", 2026
PROCESSES = 2
CONTEXT = {"actor": {"subject": "bench@workspace", "role": "administrator",
                     "jurisdiction": {"province": None, "district": None, "commune": None}}}
PASSWORD = "mật khẩu đo hiệu năng đủ dài"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

# What each role opens, in turn ({commune} and {year} filled for the official). Pages of a
# role's own area come first; every official also looks at the home page and their account.
PAGES = {
    "commune_officer": ["/can-bo/", "/can-bo/xa/{commune}/{year}", "/can-bo/tai-khoan-cua-toi"],
    "justice_officer": ["/can-bo/", "/can-bo/tai-khoan-cua-toi"],
    "council_secretary": ["/can-bo/", "/can-bo/tai-khoan-cua-toi"],
    "chairman": ["/can-bo/", "/can-bo/tai-khoan-cua-toi"],
    "auditor": ["/can-bo/", "/can-bo/tai-khoan-cua-toi"],
    "administrator": ["/can-bo/", "/can-bo/quan-ly-tai-khoan", "/can-bo/tai-khoan-cua-toi"],
}
OTHERS = ("justice_officer", "council_secretary", "chairman", "auditor", "administrator")


# -- seeding (the driver process: plain threads, no eventlet) --------------------------------
def _officials(count: int, communes: list[str]) -> list[dict]:
    """Nine commune officers out of ten; the tenth a province office, in turn."""
    officials = []
    for i in range(count):
        if i % 10 != 9:
            commune = communes[i - i // 10]
            officials.append({"username": f"bench.xa.{commune}", "role": "commune_officer",
                              "jurisdiction": {"province": HANOI, "commune": commune},
                              "commune": commune})
        else:
            role = OTHERS[i // 10 % len(OTHERS)]
            where = {} if role in ("auditor", "administrator") else {"province": HANOI}
            officials.append({"username": f"bench.{role}.{i}", "role": role,
                              "jurisdiction": where, "commune": communes[0]})
    return officials


def _seed(base: str, amqp_uri: str, officials: list[dict]) -> None:
    import requests
    from nameko.standalone.rpc import ClusterRpcProxy

    from gateway.auth import issue_token

    admin = issue_token(SECRET, "bench-admin", "administrator")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {admin}"
    for official in officials:
        made = session.post(f"{base}/api/v1/accounts", timeout=60, json={
            "username": official["username"], "role": official["role"],
            "display_name": f"Cán bộ {official['username']}",
            "jurisdiction": official["jurisdiction"], "password": PASSWORD})
        if made.status_code != 201:
            raise RuntimeError(f"account {official['username']}: {made.status_code} {made.text}")
    session.close()
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=60) as proxy:
        for commune in sorted({o["commune"] for o in officials if o["role"] == "commune_officer"}):
            proxy.assessment.open_assessment(commune, YEAR, CONTEXT)


def sign_in(base: str, username: str):
    import requests

    session = requests.Session()
    form = session.get(f"{base}/can-bo/dang-nhap", timeout=30)
    done = session.post(f"{base}/can-bo/dang-nhap", allow_redirects=False, timeout=60, data={
        "csrf_token": CSRF.search(form.text).group(1), "username": username,
        "password": PASSWORD})
    if done.status_code != 303 or "tcpl_session" not in session.cookies:
        raise RuntimeError(f"{username} could not sign in: {done.status_code}")
    return session


# -- the officials at work -------------------------------------------------------------------
def _official(base: str, official: dict, think: tuple[float, float], deadline: float,
              seed: int, out: list) -> None:
    import requests

    rng = random.Random(seed)
    session = requests.Session()
    session.cookies.update(official["cookies"])
    pages = [p.format(commune=official["commune"], year=YEAR) for p in PAGES[official["role"]]]
    turn = rng.randrange(len(pages))
    if think[1] > 0:  # people do not all click at the same instant
        time.sleep(rng.uniform(0, think[1]))
    while time.time() < deadline:
        path = pages[turn % len(pages)]
        turn += 1
        started = time.perf_counter()
        response = session.get(base + path, allow_redirects=False, timeout=30)
        out.append((path.split("/")[2] or "home", official["role"],
                    time.perf_counter() - started, response.status_code))
        if think[1] > 0:
            time.sleep(rng.uniform(*think))
    session.close()


def _load_process(base: str, officials: list[dict], think, start_at: float, seconds: float,
                  first: int, results) -> None:
    outs = [[] for _ in officials]
    threads = [threading.Thread(target=_official, args=(
        base, official, think, start_at + seconds, first + i, outs[i]))
        for i, official in enumerate(officials)]
    while time.time() < start_at - 0.5:
        time.sleep(0.01)
    cpu_at_start = time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put({"rows": [row for out in outs for row in out],
                 "cpu": time.process_time() - cpu_at_start})


def _pct(values: list[float], p: float) -> float | None:
    return values[min(len(values) - 1, int(len(values) * p))] * 1000 if values else None


def _phase(ctx, base: str, officials: list[dict], think, seconds: float, pids: dict) -> dict:
    cpu_before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
    results = ctx.Queue()
    start_at = time.time() + 3.0
    groups = [officials[i::PROCESSES] for i in range(PROCESSES)]
    procs = [ctx.Process(target=_load_process, args=(base, group, think, start_at, seconds,
                                                     i * 1000, results))
             for i, group in enumerate(groups) if group]
    for p in procs:
        p.start()
    batches = [results.get(timeout=seconds + 180) for _ in procs]
    for p in procs:
        p.join()
    cpu = {name: _cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
    rows = [row for b in batches for row in b["rows"]]
    ok = sorted(r[2] for r in rows if r[3] == 200)
    failures: dict = {}
    for row in rows:
        if row[3] != 200:
            failures[row[3]] = failures.get(row[3], 0) + 1
    kinds = {}
    for kind in dict.fromkeys(r[0] for r in rows):
        times = sorted(r[2] for r in rows if r[0] == kind and r[3] == 200)
        kinds[kind] = {"ok": len(times), "p50_ms": _pct(times, 0.5), "p99_ms": _pct(times, 0.99)}
    return {"officials": len(officials), "requests": len(rows), "ok": len(ok),
            "failures": failures, "rate": len(ok) / seconds, "seconds": seconds,
            "p50_ms": _pct(ok, 0.5), "p95_ms": _pct(ok, 0.95), "p99_ms": _pct(ok, 0.99),
            "max_ms": ok[-1] * 1000 if ok else None, "kinds": kinds, "cpu": cpu,
            "think": list(think)}


def run(amqp_base: str = "amqp://guest:guest@127.0.0.1:5672/", officials: int = 50,
        seconds: float = 60.0, think: tuple[float, float] = (1.0, 5.0)) -> dict:
    from reference import units

    ctx = mp.get_context("spawn")
    communes = [c.code for c in units.communes(HANOI)][:officials]
    people = _officials(officials, communes)
    with stack(amqp_base, max_workers=max(10, officials * 2),
               prefix="tcpl-bench-workspace-") as (base, amqp_uri, pids, _):
        seeding = time.time()
        _seed(base, amqp_uri, people)
        seeded = time.time() - seeding
        print(f"seeded {len(people)} officials in {seeded:.1f} s", file=sys.stderr,
              flush=True)
        # Everyone signs in first, one after another (an argon2 check each, ~0.1 s of
        # the accounts service's CPU): what is measured is officials at work, signed in.
        signing_in = time.time()
        for person in people:
            session = sign_in(base, person["username"])
            person["cookies"] = session.cookies.get_dict()
            session.close()
        signed_in = time.time() - signing_in
        _phase(ctx, base, people, (0.2, 0.5), 10, {})  # warm-up
        working = _phase(ctx, base, people, think, seconds, pids)
        print("working", json.dumps(working), file=sys.stderr, flush=True)
        capacity = _phase(ctx, base, people, (0.0, 0.0), min(seconds, 30), pids)
        print("capacity", json.dumps(capacity), file=sys.stderr, flush=True)
    roles: dict = {}
    for person in people:
        roles[person["role"]] = roles.get(person["role"], 0) + 1
    return {"officials": len(people), "roles": roles, "seeding_seconds": seeded,
            "sign_in_ms": signed_in * 1000 / len(people),
            "working": working, "capacity": capacity, "cores": os.cpu_count()}


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def report(results: dict, machine: str) -> str:
    w, c = results["working"], results["capacity"]
    met = w["p99_ms"] is not None and w["p99_ms"] < 150 and not w["failures"]

    def failures(row):
        return ", ".join(f"{k}: {v}" for k, v in sorted(row["failures"].items())) or "none"

    def cpu(row):
        per = {k: v * 1000 / max(row["ok"], 1) for k, v in row["cpu"].items()}
        return ", ".join(f"{k} {v:.1f}" for k, v in per.items()) + f"; total {sum(per.values()):.1f}"

    roles = ", ".join(f"{n} {role}" for role, n in results["roles"].items())
    lines = [
        "## Officials' workspace",
        "",
        f"Measured {machine}. Real services, each group in its own process: gateway; accounts; "
        "assessment + survey + plans; publication (SQLite stores); RabbitMQ on loopback. "
        f"{results['officials']} officials ({roles}), each signed in through the sign-in form "
        f"beforehand (one after another: {results['sign_in_ms']:.0f} ms per sign-in, the "
        "argon2 check included), then at work with its own session cookie and keep-alive "
        "connection. Every page checks the session with the accounts service and reads what it "
        "shows from the services.",
        "",
        f"**Working** — each official opens one of its role's pages, reads it for "
        f"{w['think'][0]:g}–{w['think'][1]:g} s, opens the next. **Capacity** — the same "
        "officials with no pause at all (a closed loop): the most the stack serves.",
        "",
        "| phase | pages | pages/s | p50 ms | p95 ms | p99 ms | max ms | failures |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label, row in (("working", w), ("capacity", c)):
        lines.append(f"| {label} | {row['ok']:,} | {row['rate']:,.1f} | {_ms(row['p50_ms'])} | "
                     f"{_ms(row['p95_ms'])} | {_ms(row['p99_ms'])} | {_ms(row['max_ms'])} | "
                     f"{failures(row)} |")
    lines += ["", "| page | working p50 ms | working p99 ms | capacity p50 ms | capacity p99 ms |",
              "|---|---:|---:|---:|---:|"]
    for kind, k in w["kinds"].items():
        o = c["kinds"].get(kind) or {}
        lines.append(f"| {kind} | {_ms(k.get('p50_ms'))} | {_ms(k.get('p99_ms'))} | "
                     f"{_ms(o.get('p50_ms'))} | {_ms(o.get('p99_ms'))} |")
    lines += [
        "",
        "CPU per page (ms, user + system, from /proc) — working: " + cpu(w) + ". Capacity: "
        + cpu(c) + ".",
        "",
        f"Target: {results['officials']} signed-in officials at work, p99 < 150 ms "
        + ("(met)." if met else "(missed)."),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--officials", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 5.0))
    parser.add_argument("--amqp-uri", default=os.environ.get(
        "AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    args = parser.parse_args()
    results = run(args.amqp_uri, args.officials, args.seconds, tuple(args.think))
    print(json.dumps(results, indent=1, default=str))
    print(report(results, f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores"))


if __name__ == "__main__":
    main()

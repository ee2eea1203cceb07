"""`make bench`: runs the benchmarks and rewrites their section of docs/benchmarks.md.

Each benchmark module has ``run(...) -> dict`` and ``report(results) -> str`` (Markdown);
sections in docs/benchmarks.md are delimited by ``<!-- bench:NAME -->`` markers so that
each benchmark replaces only its own.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import time
from datetime import datetime
from pathlib import Path

SECTIONS = ("kernel", "appends", "cluster", "survey", "board", "signing", "workspace",
            "province-year", "national", "rebuild")
DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Run with `make bench` (it rewrites the sections below). Figures are from the machine named in
each section; on a 2-core VM the broker, producer and consumer compete for CPU, so compare
ratios measured in the same run rather than absolute rates across runs. The machine's speed
at the time is in each section's first line: the time of a fixed pure-Python loop (lower is
faster), and the share of CPU time the hypervisor gave to other guests while the section ran
(steal, from /proc/stat): with much steal, every figure of that section is low.
"""


def machine(since: tuple[int, int] | None = None) -> str:
    """The machine and its state; ``since``: cpu_ticks() when the section started."""
    cpu = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    broker = subprocess.run(["rabbitmqctl", "-q", "version"], capture_output=True, text=True).stdout.strip()
    steal = ""
    if since is not None:
        stolen, total = (now - then for now, then in zip(cpu_ticks(), since, strict=True))
        if total > 0:
            steal = f", {100 * stolen / total:.0f} % steal"
    return (f"{datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, {cpu} cores "
            f"(reference loop {reference_loop_ms():.0f} ms{steal}), "
            f"Python {platform.python_version()}, RabbitMQ {broker or 'unknown'}")


def cpu_ticks() -> tuple[int, int]:
    """(stolen, all) CPU time since boot, in clock ticks, from /proc/stat; zeros where there
    is none."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            ticks = [int(field) for field in f.readline().split()[1:9]]
    except (OSError, ValueError):
        return 0, 0
    return (ticks[7] if len(ticks) == 8 else 0), sum(ticks)


def reference_loop_ms(n: int = 2_000_000) -> float:
    """The best of three runs of a plain Python loop: how fast this machine was at the time.
    A shared VM's speed changes by a factor of two or more from one hour to the next, so
    absolute figures from two runs compare only through this."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for i in range(n):
            total += i
        best = min(best, time.perf_counter() - start)
    return best * 1000


def kernel_report(results: dict, n: int, since: tuple[int, int] | None = None) -> str:
    raw = results["raw_no_confirms"]["rate"]
    lines = [
        "## Kernel path vs raw kombu",
        "",
        f"Measured {machine(since)}; N = {n} per row. Kernel path: append → outbox (same transaction)"
        " → relay publishing with batched publisher confirms → durable queue → idempotent"
        " projection (stream checkpoints in the read model's transaction)."
        " Raw kombu: persistent messages to a durable queue, consumer prefetch 10, one ack each.",
        "",
        "| path | events/s end to end | append rate/s | × raw kombu without confirms |",
        "|---|---:|---:|---:|",
    ]
    labels = {
        "raw_no_confirms": "raw kombu, no confirms",
        "raw_confirms": "raw kombu, a confirm per message",
        "kernel_sqlite_1": "kernel, SQLite, 1 event per append",
        "kernel_sqlite_10": "kernel, SQLite, 10 events per append",
        "kernel_postgresql_1": "kernel, PostgreSQL, 1 event per append",
        "kernel_postgresql_10": "kernel, PostgreSQL, 10 events per append",
    }
    for key, label in labels.items():
        if key in results:
            r = results[key]
            append = f"{r['append_rate']:,.0f}" if "append_rate" in r else "—"
            lines.append(f"| {label} | {r['rate']:,.0f} | {append} | {r['rate'] / raw:.2f} |")
    lines += ["", "Target: kernel path ≥ 0.5 × raw kombu without confirms."]
    return "\n".join(lines) + "\n"


def write_section(name: str, body: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else HEADER
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body}{end}"
    if start in text:
        text = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=int(os.environ.get("BENCH_N", 10000)))
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    parser.add_argument("--pg-admin-url", default=os.environ.get("TCPL_TEST_PG_ADMIN_URL"))
    parser.add_argument("--only", choices=SECTIONS, action="append",
                        help="run only this section (repeatable); default: all of them")
    parser.add_argument("--survey-n", type=int, default=int(os.environ.get("BENCH_SURVEY_N", 3000)),
                        help="survey submissions per run (and as many hello-world requests)")
    parser.add_argument("--board-n", type=int, default=int(os.environ.get("BENCH_BOARD_N", 4000)),
                        help="board page requests in the load phase")
    parser.add_argument("--board-communes", type=int,
                        default=int(os.environ.get("BENCH_BOARD_COMMUNES", 60)),
                        help="communes seeded for the board, and decisions timed")
    parser.add_argument("--signing-n", type=int, default=int(os.environ.get("BENCH_SIGNING_N", 20000)),
                        help="events in the signed log")
    parser.add_argument("--officials", type=int,
                        default=int(os.environ.get("BENCH_OFFICIALS", 50)),
                        help="officials signed in to the workspace at once")
    parser.add_argument("--cycle-province", default=os.environ.get("BENCH_CYCLE_PROVINCE", "38"),
                        help="the province whose whole year is taken through the gateway")
    parser.add_argument("--cycle-year", type=int,
                        default=int(os.environ.get("BENCH_CYCLE_YEAR", 2022)))
    parser.add_argument("--cycle-clients", type=int,
                        default=int(os.environ.get("BENCH_CYCLE_CLIENTS", 16)))
    parser.add_argument("--national-limit", type=int,
                        default=int(os.environ.get("BENCH_NATIONAL_LIMIT", 0)) or None,
                        help="only the first N communes of the national cycle (default: all "
                             "3,321; the wall time for the country is then projected)")
    parser.add_argument("--national-clients", type=int,
                        default=int(os.environ.get("BENCH_NATIONAL_CLIENTS", 32)))
    parser.add_argument("--rebuild-communes", type=int,
                        default=int(os.environ.get("BENCH_REBUILD_COMMUNES", 60)),
                        help="commune-years in the assessment log the read models are rebuilt from")
    args = parser.parse_args()
    # Imported here, not at the top: a benchmark's service processes are spawned, and a
    # spawned child imports the main module (this one) before its target monkey-patches for
    # eventlet; a kernel module imported then keeps a real lock where a green one is needed
    # (the store's migration lock: two stores of one process migrating on PostgreSQL
    # deadlocked the process at start).
    from bench import (
        board,
        chain_signing,
        cluster,
        cycle,
        kernel_path,
        pg_appends,
        rebuild,
        survey_submissions,
        workspace,
    )

    only = args.only or SECTIONS
    if "kernel" in only:
        since = cpu_ticks()
        results = kernel_path.run(args.amqp_uri, args.n, args.pg_admin_url)
        report = kernel_report(results, args.n, since)
        print(report)
        write_section("kernel", report)
    if "appends" in only:
        since = cpu_ticks()
        results = pg_appends.run(args.pg_admin_url)
        report = pg_appends.report(results, machine(since))
        print(report)
        write_section("appends", report)
    if "cluster" in only:
        since = cpu_ticks()
        results = cluster.run(args.amqp_uri, args.n, args.pg_admin_url)
        report = cluster.report(results, args.n, machine(since))
        print(report)
        write_section("cluster", report)
    if "survey" in only:
        since = cpu_ticks()
        results = survey_submissions.run(args.amqp_uri, args.survey_n,
                                         paced_n=survey_submissions.PACED_N)
        report = survey_submissions.report(results, machine(since))
        print(report)
        write_section("survey", report)
    if "board" in only:
        since = cpu_ticks()
        results = board.run(args.amqp_uri, args.board_n, args.board_communes)
        report = board.report(results, machine(since))
        print(report)
        write_section("board", report)
    if "signing" in only:
        since = cpu_ticks()
        results = chain_signing.run(args.signing_n, args.pg_admin_url)
        report = chain_signing.report(results, machine(since))
        print(report)
        write_section("signing", report)
    if "workspace" in only:
        since = cpu_ticks()
        results = workspace.run(args.amqp_uri, args.officials)
        report = workspace.report(results, machine(since))
        print(report)
        write_section("workspace", report)
    if "province-year" in only:
        since = cpu_ticks()
        results = cycle.run(args.amqp_uri, [args.cycle_province], args.cycle_year,
                            args.cycle_clients)
        report = cycle.report(results, machine(since))
        print(report)
        write_section("province-year", report)
    if "national" in only:
        since, runs = cpu_ticks(), []
        for pg in (None, *([args.pg_admin_url] if args.pg_admin_url else [])):
            runs.append(cycle.run(args.amqp_uri, ["all"], 2026, args.national_clients,
                                  args.national_limit, pg_admin_url=pg, fresh_every=5,
                                  hello_seconds=5))
            report = cycle.national_report(runs, machine(since))  # kept run by run
            write_section("national", report)
        print(report)
    if "rebuild" in only:
        since = cpu_ticks()
        results = rebuild.run(args.rebuild_communes, pg_admin_url=args.pg_admin_url)
        report = rebuild.report(results, machine(since))
        print(report)
        write_section("rebuild", report)


if __name__ == "__main__":
    main()

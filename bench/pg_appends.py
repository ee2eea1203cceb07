"""Single-event appends per second, 1 and 8 concurrent writers (threads of one process, each
appending one event at a time to a stream of its own), on SQLite and PostgreSQL.

The figure issue 17 asks of PostgreSQL: >= 3,000 appends/s with 8 writers. Concurrent
appends of one process share a transaction (group commit, kernel/group_commit.py), so
8 writers pay for one commit, not eight; on PostgreSQL a group of appends to distinct
streams is one statement and one round trip (``append_events``, migration 0008).
"""

from __future__ import annotations

import tempfile
import threading
import time
import uuid

from bench.kernel_path import PAYLOAD, _databases

WRITERS = (1, 8)


def appends_per_second(url: str, writers: int, seconds: float) -> dict:
    from kernel.events import Actor, Metadata, NewEvent
    from kernel.store import EventStore

    store = EventStore(url, "bench")
    store.migrate()
    meta = Metadata(Actor("bench", "system"))
    counts = [0] * writers
    go, stop = threading.Event(), threading.Event()

    def writer(index: int) -> None:
        stream, version = f"writer-{index}-{uuid.uuid4().hex[:6]}", 0
        go.wait()
        while not stop.is_set():
            store.append(stream, version, [NewEvent("FigureRecorded", PAYLOAD)], meta)
            version += 1
            counts[index] += 1

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    go.set()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    report = store.verify_chain()
    store.dispose()
    if not report.ok:
        raise RuntimeError("the chain does not verify after the benchmark")
    return {"writers": writers, "appends": sum(counts), "seconds": elapsed,
            "rate": sum(counts) / elapsed}


def run(pg_admin_url: str | None, seconds: float = 5.0) -> dict:
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        backends = ["sqlite"] + (["postgresql"] if pg_admin_url else [])
        for backend in backends:
            for writers in WRITERS:
                source = f"bench{uuid.uuid4().hex[:6]}"
                urls, cleanup = _databases(backend, workdir, source, pg_admin_url)
                try:
                    results[f"{backend}_{writers}"] = appends_per_second(urls[0], writers, seconds)
                finally:
                    cleanup()
    return results


def report(results: dict, machine: str) -> str:
    lines = [
        "## Single-event appends, concurrent writers",
        "",
        f"Measured {machine}. Threads of one process, each appending one event at a time to a"
        " stream of its own for 5 s (a version check on every append); the chain is verified"
        " afterwards.",
        "",
        "| database | writers | appends | appends/s |",
        "|---|---:|---:|---:|",
    ]
    for key, r in results.items():
        database = "PostgreSQL" if key.startswith("postgresql") else "SQLite"
        lines.append(f"| {database} | {r['writers']} | {r['appends']:,} | {r['rate']:,.0f} |")
    lines += ["", "Target: ≥ 3,000 appends/s with 8 writers on PostgreSQL."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import json
    import os

    print(json.dumps(run(os.environ.get("TCPL_TEST_PG_ADMIN_URL"),
                         float(os.environ.get("BENCH_SECONDS", "5"))), indent=2))

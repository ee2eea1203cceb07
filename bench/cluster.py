"""The kernel path on a three-node RabbitMQ cluster with quorum queues, against the single
broker with classic queues, in the same run (issue 17, deliverable 5).

The cluster is this machine's own (tests/support/rabbitmq_cluster.py: other ports, its own
data directories; the broker on 5672 is never touched), as `make cluster-test` starts it.
The producer connects to the first node and the consumer to the second, so every message
crosses nodes as it would with services on different machines; a quorum queue's leader
starts on the node of the client that declared it (the consumer's), and each message is
replicated to the two other members before it is confirmed. Everything shares the 2 cores:
the three nodes' Erlang VMs, the producer and the consumer.

    .venv/bin/python -m bench.cluster [-n 5000]
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench import kernel_path

LABELS = {
    "single_raw": "one broker, classic queue: raw kombu, no confirms",
    "single_kernel_sqlite_10": "one broker, classic queues: kernel, SQLite, 10 events per append",
    "cluster_raw": "cluster, quorum queue: raw kombu, no confirms",
    "cluster_raw_confirms": "cluster, quorum queue: raw kombu, a confirm per message",
    "cluster_kernel_sqlite_1": "cluster, quorum queues: kernel, SQLite, 1 event per append",
    "cluster_kernel_sqlite_10": "cluster, quorum queues: kernel, SQLite, 10 events per append",
    "cluster_kernel_postgresql_10": "cluster, quorum queues: kernel, PostgreSQL, 10 events per append",
}


def run(amqp_uri: str, n: int, pg_admin_url: str | None) -> dict:
    from tests.support.rabbitmq_cluster import Cluster

    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="tcpl-bench-cluster-") as workdir:
        results["single_raw"] = kernel_path.raw_kombu(amqp_uri, n, confirms=False)
        results["single_kernel_sqlite_10"] = kernel_path.kernel_path(amqp_uri, n, 10, "sqlite",
                                                                     workdir)
        started = time.monotonic()
        cluster = Cluster.create(Path(workdir) / "rabbitmq")
        try:
            cluster.start()
            results["cluster_start_seconds"] = time.monotonic() - started
            producer, consumer = cluster.amqp_uri(first=0), cluster.amqp_uri(first=1)
            results["cluster_raw"] = kernel_path.raw_kombu(
                cluster.nodes[0].uri, n, confirms=False, consumer_uri=cluster.nodes[1].uri,
                queue_type="quorum")
            results["cluster_raw_confirms"] = kernel_path.raw_kombu(
                cluster.nodes[0].uri, n, confirms=True, consumer_uri=cluster.nodes[1].uri,
                queue_type="quorum")
            for per_append in (1, 10):
                results[f"cluster_kernel_sqlite_{per_append}"] = kernel_path.kernel_path(
                    producer, n, per_append, "sqlite", workdir, consumer_uri=consumer,
                    queue_type="quorum")
            if pg_admin_url:
                results["cluster_kernel_postgresql_10"] = kernel_path.kernel_path(
                    producer, n, 10, "postgresql", workdir, pg_admin_url, consumer_uri=consumer,
                    queue_type="quorum")
        finally:
            cluster.stop()
    return results


def report(results: dict, n: int, machine: str) -> str:
    single, cluster = results["single_raw"]["rate"], results["cluster_raw"]["rate"]
    lines = [
        "## Three RabbitMQ nodes, quorum queues",
        "",
        f"Measured {machine}; N = {n} per row. A three-node cluster of this machine "
        f"(bench/cluster.py; started in {results['cluster_start_seconds']:.0f} s, not counted), "
        "the producer connected to node 1 and the consumer to node 2, every queue a quorum "
        "queue of three members; beside it, in the same run, the single broker on loopback "
        "with classic queues. The kernel path is the one of \"Kernel path vs raw kombu\" "
        "(relay with batched confirms, idempotent projection). All of it (three Erlang VMs, "
        "producer, consumer, databases) shares the 2 cores, so the cluster rows measure the "
        "replication's cost on one machine, not what three machines give.",
        "",
        "| path | events/s end to end | × raw kombu of the same brokers | × one broker's raw kombu |",
        "|---|---:|---:|---:|",
    ]
    for key, label in LABELS.items():
        if key in results:
            rate = results[key]["rate"]
            same = single if key.startswith("single") else cluster
            lines.append(f"| {label} | {rate:,.0f} | {rate / same:.2f} | {rate / single:.2f} |")
    lines += ["", "That nothing is lost or applied twice when a node is killed mid-load is "
              "`make cluster-test`'s (tests/kernel/test_cluster.py)."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=5000)
    args = parser.parse_args()
    found = run(os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"), args.n,
                os.environ.get("TCPL_TEST_PG_ADMIN_URL"))
    print(report(found, args.n, "by hand"))

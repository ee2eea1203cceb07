"""Kernel path vs raw kombu on the same broker, in the same run.

Kernel path: a producer process appends N events to an event store (SQLite or PostgreSQL)
while its outbox relay publishes them with batched confirms; a consumer process applies them
through an idempotent projection into its own database. The clock runs from the first append
to the last event applied.

Raw kombu: a producer process publishes N persistent messages to a durable queue (with and
without publisher confirms); a consumer process (prefetch 10) acks each. The clock runs from
the first publish to the last ack.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import tempfile
import threading
import time
import uuid

PAYLOAD = {"commune_code": "25544", "criterion": "C2", "points": "29.63", "note": "x" * 40}


# -- kernel path ---------------------------------------------------------------------------
class CountingProjection:
    """The smallest real read model: one upserted counter row per stream."""

    def __init__(self, source):
        self.name = "bench"
        self.sources = [source]

    def handles(self, event):
        return True

    def apply(self, conn, event):
        from sqlalchemy import text
        conn.execute(text("INSERT INTO bench_counts (stream, n) VALUES (:s, 1) "
                          "ON CONFLICT (stream) DO UPDATE SET n = bench_counts.n + 1"),
                     {"s": event.stream})

    def reset(self, conn):
        from sqlalchemy import text
        conn.execute(text("DELETE FROM bench_counts"))

    def migrate(self, engine):
        from sqlalchemy import text
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE IF NOT EXISTS bench_counts "
                              "(stream VARCHAR(200) PRIMARY KEY, n INTEGER NOT NULL)"))


def _kernel_producer(store_url, amqp_uri, source, n, per_append, queue_type, ready, go,
                     done_appending):
    from kernel.events import Actor, Metadata, NewEvent
    from kernel.relay import OutboxRelay
    from kernel.store import EventStore

    store = EventStore(store_url, source)
    store.migrate()
    relay = OutboxRelay(store, amqp_uri, batch_size=1000, queue_type=queue_type)
    stop = threading.Event()
    relay_thread = threading.Thread(target=relay.run, args=(stop.is_set,))
    ready.set()
    go.wait()
    relay_thread.start()
    meta = Metadata(Actor("bench", "system"))
    versions: dict[str, int] = {}
    for i in range(0, n, per_append):
        stream = f"commune-{(i // per_append) % 200}"
        batch = [NewEvent("FigureRecorded", PAYLOAD) for _ in range(min(per_append, n - i))]
        store.append(stream, versions.get(stream, 0), batch, meta)
        versions[stream] = versions.get(stream, 0) + len(batch)
        relay.wake.set()
    done_appending.value = time.time()
    while store.outbox_size():
        time.sleep(0.005)
    stop.set()
    relay.wake.set()
    relay_thread.join()


def _kernel_consumer(store_url, source_url, amqp_uri, source, n, queue_type, ready, finished_at):
    from kernel.projection import ProjectionProcessor, StoreSource
    from kernel.store import EventStore
    from kernel.subscriber import Subscriber

    store = EventStore(store_url, "bench-consumer")
    store.migrate()
    projection = CountingProjection(source)
    projection.migrate(store.engine)
    # The producer's log, read directly: it confirms events verification cannot link
    # (in a service it is read over RPC).
    processor = ProjectionProcessor(store, projection,
                                    {source: StoreSource(EventStore(source_url, source))})
    subscriber = Subscriber(amqp_uri, f"bench.{source}", [source], processor.process,
                            prefetch=1000, max_batch=1000, queue_type=queue_type)
    subscriber.declare()
    ready.set()
    subscriber.run(lambda: processor.applied >= n)
    finished_at.value = time.time()


def kernel_path(amqp_uri: str, n: int, per_append: int, backend: str, workdir: str,
                pg_admin_url: str | None = None, consumer_uri: str | None = None,
                queue_type: str = "classic") -> dict:
    """``consumer_uri``: where the consumer connects, if not where the producer does (another
    node of a cluster); ``queue_type``: the subscription's queues (kernel/messaging.py)."""
    source = f"bench{uuid.uuid4().hex[:6]}"
    consumer_uri = consumer_uri or amqp_uri
    urls, cleanup = _databases(backend, workdir, source, pg_admin_url)
    try:
        started, finished, appended = _race(
            _kernel_consumer, (urls[1], urls[0], consumer_uri, source, n, queue_type),
            _kernel_producer, (urls[0], amqp_uri, source, n, per_append, queue_type))
        elapsed = finished - started
        _delete_queue(consumer_uri, f"bench.{source}")
        return {"events": n, "per_append": per_append, "backend": backend,
                "seconds": elapsed, "rate": n / elapsed,
                "append_rate": n / (appended - started)}
    finally:
        cleanup()


def _databases(backend, workdir, source, pg_admin_url):
    if backend == "sqlite":
        return (f"sqlite:///{workdir}/{source}-producer.sqlite",
                f"sqlite:///{workdir}/{source}-consumer.sqlite"), (lambda: None)
    import psycopg
    from sqlalchemy.engine import make_url

    names = [f"{source}_producer", f"{source}_consumer"]
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')

    def cleanup():
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    base = make_url(pg_admin_url)
    return tuple(base.set(database=name).render_as_string(hide_password=False)
                 for name in names), cleanup


# -- raw kombu -----------------------------------------------------------------------------
def _kombu_queue(queue, queue_type):
    from kombu import Exchange, Queue

    return Queue(queue, Exchange("bench.raw", "direct", durable=True), routing_key=queue,
                 durable=True,
                 queue_arguments={"x-queue-type": queue_type} if queue_type == "quorum" else None)


def _kombu_producer(amqp_uri, queue, n, confirms, queue_type, ready, go, done_at):
    import json

    from kombu import Connection, Producer

    body = json.dumps({"id": str(uuid.uuid4()), "data": PAYLOAD})
    with Connection(amqp_uri, transport_options={"confirm_publish": confirms}) as conn:
        channel = conn.channel()
        q = _kombu_queue(queue, queue_type)
        q(channel).declare()
        producer = Producer(channel, exchange=q.exchange, routing_key=queue)
        ready.set()
        go.wait()
        for _ in range(n):
            producer.publish(body, delivery_mode=2, content_type="application/json")
        done_at.value = time.time()


def _kombu_consumer(amqp_uri, queue, n, queue_type, ready, finished_at):
    from kombu import Connection, Consumer

    count = [0]

    def on_message(body, message):
        message.ack()
        count[0] += 1

    with Connection(amqp_uri) as conn:
        channel = conn.channel()
        q = _kombu_queue(queue, queue_type)
        with Consumer(channel, [q], callbacks=[on_message], prefetch_count=10):
            ready.set()
            while count[0] < n:
                conn.drain_events(timeout=60)
        finished_at.value = time.time()
        q(channel).delete()


def raw_kombu(amqp_uri: str, n: int, confirms: bool, consumer_uri: str | None = None,
              queue_type: str = "classic") -> dict:
    queue = f"bench.raw.{uuid.uuid4().hex[:6]}"
    started, finished, _ = _race(_kombu_consumer, (consumer_uri or amqp_uri, queue, n, queue_type),
                                 _kombu_producer, (amqp_uri, queue, n, confirms, queue_type))
    elapsed = finished - started
    return {"messages": n, "confirms": confirms, "seconds": elapsed, "rate": n / elapsed}


def _race(consumer, consumer_args, producer, producer_args) -> tuple[float, float, float]:
    """Start the consumer, then the producer, release the producer and wait for both.
    Returns when the producer was released, when the consumer finished and when the
    producer finished producing."""
    ctx = mp.get_context("spawn")
    consumer_ready, producer_ready, go = ctx.Event(), ctx.Event(), ctx.Event()
    finished, produced = ctx.Value("d", 0.0), ctx.Value("d", 0.0)
    consuming = ctx.Process(target=consumer, args=(*consumer_args, consumer_ready, finished))
    consuming.start()
    consumer_ready.wait(60)
    producing = ctx.Process(target=producer,
                            args=(*producer_args, producer_ready, go, produced))
    producing.start()
    producer_ready.wait(60)
    started = time.time()
    go.set()
    producing.join(600)
    consuming.join(600)
    if consuming.exitcode != 0 or producing.exitcode != 0:
        raise RuntimeError("a benchmark process failed")
    return started, finished.value, produced.value


def _delete_queue(amqp_uri, queue):
    from kernel import messaging

    conn = messaging.connect(amqp_uri)
    try:
        channel = conn.channel()
        for name in (queue, messaging.retry_queue(queue), messaging.dead_letter_queue(queue)):
            channel.queue_delete(name)
    finally:
        conn.close()


def run(amqp_uri: str, n: int, pg_admin_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as workdir:
        results = {
            "raw_no_confirms": raw_kombu(amqp_uri, n, confirms=False),
            "raw_confirms": raw_kombu(amqp_uri, n, confirms=True),
            "kernel_sqlite_1": kernel_path(amqp_uri, n, 1, "sqlite", workdir),
            "kernel_sqlite_10": kernel_path(amqp_uri, n, 10, "sqlite", workdir),
        }
        if pg_admin_url:
            results["kernel_postgresql_1"] = kernel_path(amqp_uri, n, 1, "postgresql", workdir,
                                                         pg_admin_url)
            results["kernel_postgresql_10"] = kernel_path(amqp_uri, n, 10, "postgresql", workdir,
                                                          pg_admin_url)
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run(os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"),
                         int(os.environ.get("N", "5000")), os.environ.get("PG")), indent=2))

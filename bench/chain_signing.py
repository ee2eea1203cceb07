"""What signed chain heads cost: signing, verifying, proving (kernel/integrity.py).

On a store of N events (survey-response-sized data, appended 10 per transaction) on SQLite and,
when an admin URL is given, PostgreSQL:

- Ed25519 alone: signatures and verifications per second (the ``cryptography`` package);
- signing a head that covers one new event (what the signer does after each commit under
  light load: read the newest head, check its signature, read the new links, extend the
  Merkle tree, sign, insert): heads per second;
- signing after a burst: the signer extends over 1,000 new events at a time: events per second;
- ``verify_chain`` against a signed head every 100 events (recompute every hash, the chain as
  signed and its Merkle tree, check every signature): events per second; and the plain chain
  check without heads, for comparison;
- inclusion proofs for 500 positions spread over the log (one pass over its hashes): seconds.
"""

from __future__ import annotations

import tempfile
import time
import uuid

PAYLOAD = {"campaign_id": "16426-2025", "kiosk_id": "k-01",
           "answers": {"q1": 4, "q2": 5, "q3": 3, "q4": 4, "q5": 5}, "note": "x" * 40}


def _store(url: str):
    from kernel.store import EventStore

    store = EventStore(url, "bench")
    store.migrate()
    return store


def _append(store, count: int, per_append: int = 10) -> None:
    from kernel.events import Actor, Metadata, NewEvent

    meta = Metadata(Actor.system("bench"))
    for start in range(0, count, per_append):
        size = min(per_append, count - start)
        store.append(f"s-{uuid.uuid4().hex[:12]}", 0,
                     [NewEvent("Answered", dict(PAYLOAD, n=start + i)) for i in range(size)], meta)


def _ed25519(rounds: int = 2000) -> dict:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kernel.signing import SigningKey

    key = SigningKey(Ed25519PrivateKey.generate())
    payload = b'{"format":"tcpl-signed-head/1","head_hash":"' + b"a" * 64 + b'"}'
    started = time.perf_counter()
    signatures = [key.sign(payload) for _ in range(rounds)]
    signed = rounds / (time.perf_counter() - started)
    started = time.perf_counter()
    assert all(key.public.verify(s, payload) for s in signatures)
    return {"sign_per_s": signed, "verify_per_s": rounds / (time.perf_counter() - started)}


def _backend(url: str, n: int) -> dict:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from kernel.integrity import HeadSigner, inclusion_proofs
    from kernel.signing import Keyring, SigningKey

    store = _store(url)
    key = SigningKey(Ed25519PrivateKey.generate())
    keyring = Keyring([("bench", key.public)])
    signer = HeadSigner(store, key)
    results = {}
    try:
        # a log of n events, a head every 100
        for _ in range(n // 100):
            _append(store, 100)
            signer.sign_if_due()
        # one new event per head
        heads = 300
        spent = 0.0
        for _ in range(heads):
            _append(store, 1, 1)
            started = time.perf_counter()
            signer.sign_if_due()
            spent += time.perf_counter() - started
        results["heads_per_s"] = heads / spent
        # a burst: 1,000 new events per head
        spent = 0.0
        for _ in range(5):
            _append(store, 1000)
            started = time.perf_counter()
            signer.sign_if_due()
            spent += time.perf_counter() - started
        results["burst_events_per_s"] = 5000 / spent
        total = store.head_position()
        results["events"] = total
        results["heads"] = len(store.signed_heads_between(0))
        started = time.perf_counter()
        report = store.verify_chain(keyring)
        results["verify_events_per_s"] = total / (time.perf_counter() - started)
        assert report.ok and report.heads_checked == results["heads"]
        started = time.perf_counter()
        assert store.verify_chain().ok
        results["plain_events_per_s"] = total / (time.perf_counter() - started)
        positions = [1 + i * (total // 500) for i in range(500)]
        started = time.perf_counter()
        inclusion_proofs(store, positions)
        results["proofs_seconds"] = time.perf_counter() - started
    finally:
        store.dispose()
    return results


def run(n: int, pg_admin_url: str | None) -> dict:
    results = {"n": n, "ed25519": _ed25519()}
    with tempfile.TemporaryDirectory() as workdir:
        results["sqlite"] = _backend(f"sqlite:///{workdir}/bench.sqlite", n)
    if pg_admin_url:
        import psycopg
        from sqlalchemy.engine import make_url

        name = f"tcpl_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
            results["postgresql"] = _backend(url, n)
        finally:
            with psycopg.connect(pg_admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


def report(results: dict, machine: str) -> str:
    e = results["ed25519"]
    lines = [
        "## Signed chain heads",
        "",
        f"Measured {machine}. A log of about {results['n']:,} survey-sized events (10 per "
        "append) with a signed head every 100, then 300 heads of one new event each and five "
        "of 1,000 (bench/chain_signing.py).",
        "",
        f"Ed25519 alone: {e['sign_per_s']:,.0f} signatures/s, {e['verify_per_s']:,.0f} "
        "verifications/s.",
        "",
        "| store | heads/s (1 new event each) | signing after a burst, events/s | "
        "verify_chain with heads, events/s | plain chain check, events/s | "
        "500 inclusion proofs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for backend in ("sqlite", "postgresql"):
        if backend in results:
            r = results[backend]
            lines.append(f"| {backend} ({r['events']:,} events, {r['heads']:,} heads) | "
                         f"{r['heads_per_s']:,.0f} | {r['burst_events_per_s']:,.0f} | "
                         f"{r['verify_events_per_s']:,.0f} | {r['plain_events_per_s']:,.0f} | "
                         f"{r['proofs_seconds']:.2f} s |")
    lines += ["", "The signer runs at most once a second (`SIGNING_MIN_INTERVAL_SECONDS`), so "
              "its cost under load is one head per second plus the links it reads; the "
              "background verifier recomputes each new event's hash once, and sweeps at "
              "`CHAIN_VERIFY_DUTY` of one core."]
    return "\n".join(lines) + "\n"

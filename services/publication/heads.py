"""Copies of the other services' signed chain heads, verified before they are kept.

Someone who edits a service's database can delete that service's signed heads (then recompute
its hashes and let it sign again) but not the copies kept here, in another database: the
audit route checks each service's chain against them, the board shows them, and the
publication service checks that each log still ends the way its heads say
(``HeadCopier.check``).

A head is kept only when its signature verifies with the key pinned for its source in the
publication service's own keyring (``SIGNING_KEYRING``), never with a key the source
offers. A head that does not verify, names another source or is malformed is refused: it
is kept apart, with the reason, and reported (health, the board's signatures page).

Plain Python: ``fetch(source, method, *args)`` does the RPC (service.py).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from kernel import clock
from kernel.signing import Keyring, SignedHead

log = logging.getLogger(__name__)

metadata = MetaData()

copies = Table(
    "publication_signed_heads", metadata,
    Column("source", String(40), primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("signed_at", String(40), primary_key=True),
    Column("head_hash", String(64), nullable=False),
    Column("merkle_root", String(64), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("received_at", String(40), nullable=False),
)

refused = Table(
    "publication_refused_heads", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(40), nullable=False),
    Column("position", BigInteger),
    Column("signed_at", String(40)),
    Column("key_id", String(64)),
    Column("reason", Text, nullable=False),
    Column("head", Text, nullable=False),
    Column("received_at", String(40), nullable=False),
)

PAGE = 200  # heads fetched per call
CHECKED_PER_POLL = 50  # copies whose position is checked against the source's log per poll
SHOWN = 10


def create_tables(engine) -> None:
    metadata.create_all(engine)


def keep(engine, source: str, bodies: list[dict], keyring: Keyring) -> tuple[int, list[dict]]:
    """Verify and keep ``bodies`` (heads as ``source`` served them); returns how many were
    new, and the refused ones with their reasons."""
    kept, refusals = 0, []
    now = clock.now().isoformat(timespec="seconds")
    with engine.begin() as conn:
        for body in bodies:
            reason, head = None, None
            try:
                head = SignedHead.from_dict(body)
            except ValueError as exc:
                reason = f"malformed: {exc}"
            if head is not None and head.source != source:
                reason = f"served by {source} but names {head.source}"
            elif head is not None:
                problem = keyring.problem(head)
                reason = None if problem is None else problem[1]
            if reason is not None:
                refusal = {"source": source, "position": getattr(head, "position", None),
                           "signed_at": getattr(head, "signed_at", None),
                           "key_id": getattr(head, "key_id", None), "reason": reason,
                           "head": json.dumps(body, ensure_ascii=False, default=str)[:4000],
                           "received_at": now}
                conn.execute(insert(refused).values(**refusal))
                refusals.append(refusal)
                log.error("refused a signed head of %s: %s", source, reason)
                continue
            try:
                with conn.begin_nested():
                    conn.execute(insert(copies).values(
                        source=source, position=head.position, signed_at=head.signed_at,
                        head_hash=head.head_hash, merkle_root=head.merkle_root,
                        key_id=head.key_id, signature=head.signature, received_at=now))
                kept += 1
            except IntegrityError:  # a replica kept it first
                pass
    return kept, refusals


def cursor(engine, source: str) -> tuple[int, str | None]:
    """Where fetching resumes: the newest (position, signed_at) kept or refused."""
    with engine.connect() as conn:
        found = [conn.execute(select(table.c.position, table.c.signed_at)
                              .where(table.c.source == source, table.c.position.is_not(None))
                              .order_by(table.c.position.desc(), table.c.signed_at.desc())
                              .limit(1)).first() for table in (copies, refused)]
    found = [tuple(row) for row in found if row is not None]
    return max(found) if found else (0, None)


def _head(row) -> SignedHead:
    return SignedHead(source=row.source, position=row.position, head_hash=row.head_hash,
                      merkle_root=row.merkle_root, signed_at=row.signed_at, key_id=row.key_id,
                      signature=row.signature)


def latest(engine, source: str, limit: int = SHOWN) -> list[SignedHead]:
    with engine.connect() as conn:
        return [_head(row) for row in conn.execute(
            select(copies).where(copies.c.source == source)
            .order_by(copies.c.position.desc(), copies.c.signed_at.desc()).limit(limit))]


def for_audit(engine, source: str, max_heads: int = 1000) -> list[SignedHead]:
    """The copies to check ``source``'s chain against: all of them, or ``max_heads`` spread
    evenly over the log (the first and the newest included) when there are more. Fewer heads
    only widen the reported ranges; any of them catches a rewrite before it."""
    with engine.connect() as conn:
        keys = list(conn.execute(select(copies.c.position, copies.c.signed_at)
                                 .where(copies.c.source == source)
                                 .order_by(copies.c.position, copies.c.signed_at)))
        if len(keys) > max_heads:
            step = (len(keys) - 1) / (max_heads - 1)
            keys = [keys[round(i * step)] for i in range(max_heads)]
        chosen = set(map(tuple, keys))
        rows = conn.execute(select(copies).where(copies.c.source == source)
                            .order_by(copies.c.position, copies.c.signed_at))
        return [_head(row) for row in rows if (row.position, row.signed_at) in chosen]


def counts(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        kept = dict(conn.execute(select(copies.c.source, func.count()).group_by(copies.c.source)).all())
        bad = dict(conn.execute(select(refused.c.source, func.count()).group_by(refused.c.source)).all())
    return {source: {"copies": kept.get(source, 0), "refused": bad.get(source, 0)}
            for source in set(kept) | set(bad)}


def refusals(engine, source: str, limit: int = SHOWN) -> list[dict]:
    with engine.connect() as conn:
        return [{"position": r.position, "signed_at": r.signed_at, "key_id": r.key_id,
                 "reason": r.reason, "received_at": r.received_at}
                for r in conn.execute(select(refused).where(refused.c.source == source)
                                      .order_by(refused.c.id.desc()).limit(limit))]


def _checked_slice(engine, source: str, after: tuple, limit: int) -> list[SignedHead]:
    position, signed_at = after
    with engine.connect() as conn:
        rows = conn.execute(
            select(copies).where(copies.c.source == source,
                                 (copies.c.position > position)
                                 | ((copies.c.position == position)
                                    & (copies.c.signed_at > (signed_at or ""))))
            .order_by(copies.c.position, copies.c.signed_at).limit(limit))
        return [_head(row) for row in rows]


class HeadCopier:
    """Fetches, verifies and keeps the signed heads of ``sources``; checks their logs against
    the copies; keeps a status per source (``ok``, ``failed`` with what does not match, or
    ``unknown`` while a source cannot be reached or nothing is copied yet)."""

    def __init__(self, engine, keyring: Keyring, sources: list[str],
                 fetch: Callable[..., dict]):
        self.engine = engine
        self.keyring = keyring
        self.sources = sources
        self.fetch = fetch
        self._lock = threading.Lock()
        self._state = {source: {"error": None, "polled_at": None, "mismatches": {},
                                "check_after": (0, "")} for source in sources}

    def poll(self) -> None:
        for source in self.sources:
            state = self._state[source]
            try:
                self.copy(source)
                self.check(source)
                state["error"] = None
            except Exception as exc:  # the source may be down or starting: say so, go on
                state["error"] = f"{type(exc).__name__}: {exc}"
            state["polled_at"] = clock.now().isoformat(timespec="seconds")

    def copy(self, source: str) -> int:
        kept = 0
        while True:
            position, signed_at = cursor(self.engine, source)
            page = self.fetch(source, "signed_heads_after", position, signed_at, PAGE)
            new, _ = keep(self.engine, source, page["heads"], self.keyring)
            kept += new
            if page["complete"] or not page["heads"]:
                return kept

    def check(self, source: str) -> None:
        """Ask ``source`` for its stored hash at the positions of the newest copy and of the
        next copies in turn (all of them, over successive polls): a log rewritten under a
        signed head, or cut short, no longer has the signed hash there, even when the
        source's own signed heads were deleted."""
        state = self._state[source]
        newest = latest(self.engine, source, 1)
        batch = _checked_slice(self.engine, source, state["check_after"], CHECKED_PER_POLL)
        if len(batch) < CHECKED_PER_POLL:
            state["check_after"] = (0, "")  # round again from the start next time
        else:
            state["check_after"] = (batch[-1].position, batch[-1].signed_at)
        heads = {(h.position, h.signed_at): h for h in newest + batch}
        if not heads:
            return
        answer = self.fetch(source, "event_hashes", sorted({p for p, _ in heads}))
        stored = {row["position"]: row["hash"] for row in answer}
        with self._lock:
            for (position, signed_at), head in heads.items():
                found = stored.get(position)
                if found == head.head_hash:
                    state["mismatches"].pop((position, signed_at), None)
                    continue
                what = "no event" if found is None else f"hash {found[:12]}…"
                state["mismatches"][(position, signed_at)] = {
                    "kind": "signed_head", "position": position, "to_position": position,
                    "signed_head": head.ref(),
                    "reason": f"{source} now has {what} at position {position}, where the head "
                              f"signed at {signed_at} has {head.head_hash[:12]}…: its log was "
                              "changed after it was signed"}

    def status(self) -> dict:
        found = counts(self.engine)
        body = {}
        with self._lock:
            for source in self.sources:
                state = self._state[source]
                newest = latest(self.engine, source, 1)
                mismatches = sorted(state["mismatches"].values(), key=lambda m: m["position"])
                tally = found.get(source, {"copies": 0, "refused": 0})
                if mismatches:
                    status = "failed"
                elif state["error"] is not None or not newest:
                    status = "unknown"
                else:
                    status = "ok"
                body[source] = {"status": status, **tally,
                                "latest": newest[0].ref() if newest else None,
                                "broken": mismatches[:20], "error": state["error"],
                                "polled_at": state["polled_at"]}
        return body

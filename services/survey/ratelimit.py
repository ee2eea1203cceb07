"""Rate limits on what could stuff a survey, kept in the survey service's database.

A limit is "at most ``count`` in any ``window_seconds``" for one key: a kiosk, a campaign
(every kiosk of its commune together), or one person's single-use codes for a campaign.
Each key has one row (``survey_rate_counters``) holding, for each of its windows, the
counts of the last 60 slots of window/60 seconds (a minute by the second, an hour by the
minute): a fixed, small row whatever the limit, read and written in the transaction that
records what it counts. So the count is exact to a slot, survives restarts, holds across
replicas sharing a PostgreSQL database (the rows are locked, in key order, until the
commit), and counts only what was stored: a refused or rolled-back submission counts for
nothing.

Time is the wall clock (replicas must agree on it, as NTP keeps them): a kiosk's window
must not start again when the process does.
"""

from __future__ import annotations

import math
import struct
import time
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Column, LargeBinary, MetaData, String, Table, bindparam, select, text
from sqlalchemy.dialects import postgresql, sqlite

from contracts.survey import TooManyRequests
from kernel.db import is_postgres
from kernel.messages import in_both

SLOTS = 60
KIOSK, CAMPAIGN, ISSUER, CODES = "kiosk", "campaign", "issuer", "codes"

metadata = MetaData()
rate_counters = Table(
    "survey_rate_counters", metadata,
    Column("key", String(250), primary_key=True),
    # Per window: its length, the newest slot's number and SLOTS counts — see _Windows.
    Column("state", LargeBinary, nullable=False),
)


@dataclass(frozen=True)
class Limit:
    count: int
    window_seconds: int

    def __post_init__(self):
        if self.count < 1 or self.window_seconds < SLOTS or self.window_seconds % SLOTS:
            raise ValueError(f"A limit is at least 1 in a window of a multiple of {SLOTS} "
                             f"seconds, not {self.count} in {self.window_seconds}")


# What each scope may do, by default (docs/survey.md, "Rate limits").
DEFAULT_LIMITS: dict[str, tuple[Limit, ...]] = {
    KIOSK: (Limit(10, 60), Limit(60, 3600)),
    CAMPAIGN: (Limit(20, 60), Limit(200, 3600)),
    ISSUER: (Limit(20, 3600),),
    CODES: (Limit(500, 86400),),
}
# Nameko config keys, per scope and window.
SETTINGS = (
    ("SURVEY_KIOSK_RATE_PER_MINUTE", KIOSK, 60), ("SURVEY_KIOSK_RATE_PER_HOUR", KIOSK, 3600),
    ("SURVEY_CAMPAIGN_RATE_PER_MINUTE", CAMPAIGN, 60),
    ("SURVEY_CAMPAIGN_RATE_PER_HOUR", CAMPAIGN, 3600),
    ("SURVEY_ISSUER_RATE_PER_HOUR", ISSUER, 3600),
    ("SURVEY_CODES_PER_ISSUER_PER_DAY", CODES, 86400),
)
# What a refusal tells the person or device refused, per scope.
_REFUSALS = {KIOSK: "rate.kiosk", CAMPAIGN: "rate.campaign", ISSUER: "rate.issuer",
             CODES: "rate.codes"}  # kernel/messages.py


def limits_from_config(config: Mapping) -> dict[str, tuple[Limit, ...]]:
    """The default limits with those the nameko config sets."""
    limits = {scope: {limit.window_seconds: limit for limit in found}
              for scope, found in DEFAULT_LIMITS.items()}
    for name, scope, window in SETTINGS:
        if config.get(name) is not None:
            limits[scope][window] = Limit(int(config[name]), window)
    return {scope: tuple(by_window.values()) for scope, by_window in limits.items()}


def key(scope: str, *parts: str) -> str:
    return ":".join((scope, *parts))


class _Windows:
    """One key's counts: for each window, SLOTS counts ending at the newest slot. Moved on to
    ``now`` once when loaded (slots that fell out become zeros), with a running total.
    Stored per window as its length (uint32), the newest slot (int64), the width of a count
    (uint8: 2 bytes while every count fits, else 4) and the counts, oldest first."""

    _HEAD = struct.Struct("<IqB")
    _TYPECODES = {2: "H", 4: "I"}

    def __init__(self, state: bytes | None, now: float):
        self.now = now
        self.windows: dict[int, list] = {}  # window -> [newest slot, counts, total]
        offset, state = 0, state or b""
        while offset + self._HEAD.size <= len(state):
            window, newest, width = self._HEAD.unpack_from(state, offset)
            offset += self._HEAD.size
            counts = array("I", array(self._TYPECODES[width],
                                      state[offset:offset + width * SLOTS]))
            offset += width * SLOTS
            slot = int(now // (window // SLOTS))
            shift = min(max(slot - newest, 0), SLOTS)
            if shift:
                counts = counts[shift:] + array("I", bytes(4 * shift))
            self.windows[window] = [max(slot, newest), counts, sum(counts)]

    def to_bytes(self) -> bytes:
        out = []
        for window, (newest, counts, _) in sorted(self.windows.items()):
            width = 2 if max(counts) < 1 << 16 else 4
            out += [self._HEAD.pack(window, newest, width),
                    (array("H", counts) if width == 2 else counts).tobytes()]
        return b"".join(out)

    def _window(self, window: int) -> list:
        found = self.windows.get(window)
        if found is None:
            found = self.windows[window] = [int(self.now // (window // SLOTS)),
                                            array("I", bytes(4 * SLOTS)), 0]
        return found

    def wait(self, limit: Limit, n: int) -> int | None:
        """Seconds until ``n`` more fit under ``limit``; None if they fit now."""
        slot, counts, total = self._window(limit.window_seconds)
        excess = total + n - limit.count
        if excess <= 0:
            return None
        if n > limit.count:
            return limit.window_seconds
        width = limit.window_seconds // SLOTS
        for index, count in enumerate(counts):  # oldest first: they leave first
            excess -= count
            if excess <= 0:
                # this slot leaves the window when the slot SLOTS after it begins
                leaves_at = (slot - (SLOTS - 1) + index + SLOTS) * width
                return max(1, math.ceil(leaves_at - self.now))
        return limit.window_seconds

    def add(self, limit: Limit, n: int) -> None:
        found = self._window(limit.window_seconds)
        found[1][-1] += n
        found[2] += n


@dataclass(frozen=True)
class Demand:
    """What one submission (or issuance) would add: ``n`` on each key, by scope."""

    keys: Mapping[str, str]  # scope -> key
    n: int = 1


class RateLimiter:
    """``limits``: per scope, the limits every key of that scope has (limits_from_config)."""

    def __init__(self, limits: Mapping[str, Sequence[Limit]] | None = None,
                 clock: Callable[[], float] = time.time):
        self.limits = {scope: tuple(found) for scope, found in
                       (limits if limits is not None else DEFAULT_LIMITS).items()}
        self.clock = clock
        self._statements: dict[str, tuple] = {}

    @staticmethod
    def migrate(engine) -> None:
        with engine.begin() as conn:
            if is_postgres(engine):  # replicas starting together create it once
                conn.execute(text("SELECT pg_advisory_xact_lock(8785003)"))
            metadata.create_all(conn)

    def take(self, conn, demand: Demand) -> None:
        """Count ``demand`` in ``conn``'s transaction, or raise TooManyRequests."""
        [refusal] = self.take_each(conn, [demand])
        if refusal is not None:
            raise refusal

    def take_each(self, conn, demands: Sequence[Demand]) -> list[TooManyRequests | None]:
        """Judge ``demands`` in order, each against what the ones before it took: None for
        each counted, the refusal for each that would exceed a limit (and counted nothing).
        Everything is written in ``conn``'s transaction, so it counts only if that commits."""
        keys = sorted({k for demand in demands for k in demand.keys.values()})
        if not keys:
            return [None] * len(demands)
        lock_missing, read, write = self._statements_for(conn)
        if lock_missing is not None:  # PostgreSQL: rows to lock, created in key order
            conn.execute(lock_missing, [{"key": k, "state": b""} for k in keys])
        now = self.clock()
        rows = {row.key: _Windows(row.state, now)
                for row in conn.execute(read, {"keys": keys})}
        state = {k: rows.get(k) or _Windows(None, now) for k in keys}
        verdicts: list[TooManyRequests | None] = []
        for demand in demands:
            refusal = None
            for scope, k in demand.keys.items():
                for limit in self.limits.get(scope, ()):
                    wait = state[k].wait(limit, demand.n)
                    if wait is not None and (refusal is None
                                             or wait > refusal.details["retry_after_seconds"]):
                        refusal = _refusal(scope, limit, wait)
            if refusal is None:
                for scope, k in demand.keys.items():
                    for limit in self.limits.get(scope, ()):
                        state[k].add(limit, demand.n)
            verdicts.append(refusal)
        conn.execute(write, [{"key": k, "state": windows.to_bytes()}
                             for k, windows in state.items()])
        return verdicts

    def _statements_for(self, conn) -> tuple:
        found = self._statements.get(conn.dialect.name)
        if found is None:
            postgres = is_postgres(conn)
            dialect = postgresql if postgres else sqlite
            read = select(rate_counters).where(
                rate_counters.c.key.in_(bindparam("keys", expanding=True)))
            lock_missing = None
            if postgres:
                # SQLite's BEGIN IMMEDIATE already holds the only write lock.
                lock_missing = dialect.insert(rate_counters).on_conflict_do_nothing()
                read = read.order_by(rate_counters.c.key).with_for_update()
            write = dialect.insert(rate_counters)
            write = write.on_conflict_do_update(index_elements=[rate_counters.c.key],
                                                set_={"state": write.excluded.state})
            found = self._statements[conn.dialect.name] = (lock_missing, read, write)
        return found


def _refusal(scope: str, limit: Limit, wait: int) -> TooManyRequests:
    window = limit.window_seconds
    span = {60: in_both("1 phút", "1 minute"), 3600: in_both("1 giờ", "1 hour"),
            86400: in_both("24 giờ", "24 hours")}.get(window, in_both(f"{window} giây",
                                                                     f"{window} s"))
    return TooManyRequests(_REFUSALS[scope],
                           {"scope": scope, "limit": limit.count, "window_seconds": window,
                            "retry_after_seconds": wait}, {"span": span})

"""Signing in: throttling and lock-out, and the events that record each attempt.

Failures are counted per account name (as typed, whether or not such an account exists) and
per client address, in the accounts database (``accounts_sign_in_counters``), so a restart or
another replica does not forget them. ``max_failures`` failures within ``window_seconds``
lock the name (or the address) for ``lockout_seconds``: while locked, no password is even
checked, the right one included. A name that does not exist locks like one that does, and
the messages are the same, so neither the answers nor their timing say whether an account
exists (passwords.Hasher verifies a stand-in hash for a missing one).

Every attempt is an event (docs/accounts.md, "What the log records"): ``SignedIn``,
``SignInFailed`` and ``SignInLockedOut`` on the account's ``sign-ins-<username>`` stream, or,
for a name that is no account, on ``sign-ins-unknown`` without the name (people type their
password into the name field; the log keeps what it is given for ever); ``SignedOut`` and
``SessionsEnded`` when sessions end. Attempts refused while locked are not events: the
lock-out is, and it bounds how many failures an address can write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite

from kernel.db import is_postgres
from kernel.events import NewEvent

SIGNED_IN = "SignedIn"
SIGN_IN_FAILED = "SignInFailed"
SIGN_IN_LOCKED_OUT = "SignInLockedOut"
SIGNED_OUT = "SignedOut"
SESSIONS_ENDED = "SessionsEnded"
SIGN_IN_TYPES = (SIGNED_IN, SIGN_IN_FAILED, SIGN_IN_LOCKED_OUT, SIGNED_OUT, SESSIONS_ENDED)
UNKNOWN_STREAM = "sign-ins-unknown"
ACCOUNT, ADDRESS = "account", "address"

metadata = MetaData()
counters = Table(
    "accounts_sign_in_counters", metadata,
    Column("key", String(250), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_started", Float, nullable=False),  # epoch seconds
    Column("locked_until", Float, nullable=False),  # epoch seconds; 0: not locked
)


def stream_name(username: str) -> str:
    return f"sign-ins-{username}"


def session_ref(session_hash: str) -> str:
    """How events name a session: the start of its hash, enough to match a sign-out to its
    sign-in, useless to take the session over."""
    return session_hash[:16]


@dataclass(frozen=True)
class Rule:
    max_failures: int
    window_seconds: float
    lockout_seconds: float

    def __post_init__(self):
        if self.max_failures < 1 or self.window_seconds <= 0 or self.lockout_seconds <= 0:
            raise ValueError(f"a sign-in rule needs positive numbers, not {self}")


DEFAULT_RULES = {ACCOUNT: Rule(5, 900, 900), ADDRESS: Rule(20, 900, 900)}
SETTINGS = (("SIGN_IN_MAX_FAILURES", ACCOUNT, "max_failures"),
            ("SIGN_IN_ADDRESS_MAX_FAILURES", ADDRESS, "max_failures"),
            ("SIGN_IN_WINDOW_SECONDS", None, "window_seconds"),
            ("SIGN_IN_LOCKOUT_SECONDS", None, "lockout_seconds"))


def rules_from_config(config) -> dict[str, Rule]:
    values = {scope: dict(vars(rule)) for scope, rule in DEFAULT_RULES.items()}
    for name, scope, attribute in SETTINGS:
        if config.get(name) not in (None, ""):
            for each in ((scope,) if scope else (ACCOUNT, ADDRESS)):
                values[each][attribute] = type(values[each][attribute])(config[name])
    return {scope: Rule(**found) for scope, found in values.items()}


@dataclass(frozen=True)
class Counter:
    failures: int = 0
    window_started: float = 0.0
    locked_until: float = 0.0

    def locked(self, now: float) -> float | None:
        """Seconds the lock-out still lasts, or None."""
        return self.locked_until - now if self.locked_until > now else None

    def after_failure(self, rule: Rule, now: float) -> tuple[Counter, bool]:
        """The counter after one more failure, and whether that locked it."""
        failures, started = self.failures, self.window_started
        if now - started > rule.window_seconds:
            failures, started = 0, now
        failures += 1
        if failures >= rule.max_failures:
            return Counter(0, now, now + rule.lockout_seconds), True
        return Counter(failures, started, self.locked_until), False


def account_key(name: str) -> str:
    """The counter of an account's name: hashed, as a name typed at the sign-in form may be
    anything (a password typed in the wrong field)."""
    return f"{ACCOUNT}:{hashlib.sha256(name.encode('utf-8')).hexdigest()}"


def address_key(address: str) -> str:
    return f"{ADDRESS}:{address}"[:250]


class Throttle:
    def __init__(self, rules: dict[str, Rule] | None = None):
        self.rules = rules or dict(DEFAULT_RULES)

    @staticmethod
    def migrate(conn) -> None:
        metadata.create_all(conn)

    def locked(self, conn, keys: dict[str, str], now: float) -> float | None:
        """The longest lock-out among ``keys`` (scope → key) still running, in seconds."""
        rows = {row.key: Counter(row.failures, row.window_started, row.locked_until)
                for row in conn.execute(select(counters).where(
                    counters.c.key.in_(list(keys.values()))))}
        waits = [wait for k in keys.values() if (wait := rows.get(k, Counter()).locked(now))]
        return max(waits) if waits else None

    def fail(self, conn, keys: dict[str, str], now: float) -> list[tuple[str, float]]:
        """Count a failure on every key, in ``conn``'s transaction (its rows locked until the
        commit on PostgreSQL; SQLite's writer lock does that). Returns (scope, locked until)
        for each key this failure locked."""
        ordered = sorted(keys.items(), key=lambda item: item[1])
        found = conn.execute(_locked_read(conn, [k for _, k in ordered])).all()
        rows = {row.key: Counter(row.failures, row.window_started, row.locked_until)
                for row in found}
        locked, written = [], []
        for scope, k in ordered:
            counter, now_locked = rows.get(k, Counter()).after_failure(self.rules[scope], now)
            if now_locked:
                locked.append((scope, counter.locked_until))
            written.append({"key": k, "failures": counter.failures,
                            "window_started": counter.window_started,
                            "locked_until": counter.locked_until})
        conn.execute(_upsert(conn), written)
        return locked

    @staticmethod
    def forget(conn, keys: Sequence[str]) -> None:
        """A successful sign-in clears its account's count (never the address's: one good
        account must not reset the count of an address guessing at others)."""
        conn.execute(counters.delete().where(counters.c.key.in_(list(keys))))


def _locked_read(conn, keys):
    query = select(counters).where(counters.c.key.in_(keys)).order_by(counters.c.key)
    return query.with_for_update() if is_postgres(conn) else query


def _upsert(conn):
    dialect = postgresql if is_postgres(conn) else sqlite
    statement = dialect.insert(counters)
    return statement.on_conflict_do_update(
        index_elements=[counters.c.key],
        set_={name: statement.excluded[name]
              for name in ("failures", "window_started", "locked_until")})


# -- the events --------------------------------------------------------------------------
def signed_in(username: str, session_hash: str, client_address: str, user_agent: str
              ) -> NewEvent:
    return NewEvent(SIGNED_IN, {"username": username, "session": session_ref(session_hash),
                                "client_address": client_address,
                                "user_agent": (user_agent or "")[:200]})


def sign_in_failed(username: str | None, reason: str, client_address: str) -> NewEvent:
    """``reason``: ``wrong_password``, ``unknown_account`` (``username`` None) or
    ``account_disabled`` (the right password for a disabled account)."""
    return NewEvent(SIGN_IN_FAILED, {"username": username, "reason": reason,
                                     "client_address": client_address})


def locked_out(username: str | None, scope: str, client_address: str, until: str,
               rule: Rule) -> NewEvent:
    return NewEvent(SIGN_IN_LOCKED_OUT, {
        "username": username, "scope": scope, "client_address": client_address,
        "locked_until": until, "failures": rule.max_failures,
        "window_seconds": rule.window_seconds})


def signed_out(username: str, session_hash: str) -> NewEvent:
    return NewEvent(SIGNED_OUT, {"username": username, "session": session_ref(session_hash)})


def sessions_ended(username: str, sessions: list[str], reason: str) -> NewEvent:
    """``reason``: ``password_changed``, ``password_reset``, ``account_disabled``."""
    return NewEvent(SESSIONS_ENDED, {"username": username, "reason": reason,
                                     "sessions": [session_ref(s) for s in sessions]})

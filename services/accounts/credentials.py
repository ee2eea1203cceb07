"""What proves who someone is, kept outside the event log, in the accounts database.

- ``accounts_passwords``: each account's Argon2id hash (services/accounts/passwords.py).
- ``accounts_sessions``: signed-in browser sessions. The gateway makes the session id (32
  random bytes, the cookie's value) and sends only its SHA-256 here, so neither this table
  nor the broker carries an id that could be replayed. A session ends by sign-out, by idle or
  absolute expiry, by a password change or reset (the others), or when the account is
  disabled; an ended row stays, with when and why, until pruned.
- ``accounts_tokens``: personal API tokens. A token is ``tcpl_pat_<id>_<secret>``: the id
  (16 hex digits) finds the row, and only the SHA-256 of the secret (32 random bytes) is
  stored, which is enough for a secret no one can guess and lets a token be checked without
  Argon2's deliberate cost on every API call.

Every write here happens in the transaction of the command that records its event, so a
disabling ends the sessions and tokens in the same commit that records it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Float,
    Index,
    MetaData,
    String,
    Table,
    and_,
    delete,
    insert,
    select,
    update,
)

from kernel.errors import ValidationFailed

TOKEN_PREFIX = "tcpl_pat_"
TOKEN_ID = re.compile(r"^[0-9a-f]{16}$")
HEX_256 = re.compile(r"^[0-9a-f]{64}$")

metadata = MetaData()
passwords = Table(
    "accounts_passwords", metadata,
    Column("username", String(64), primary_key=True),
    Column("hash", String(255), nullable=False),
    Column("set_at", Float, nullable=False),
)
sessions = Table(
    "accounts_sessions", metadata,
    Column("session_hash", String(64), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("last_seen_at", Float, nullable=False),
    Column("ended_at", Float),
    Column("end_reason", String(32)),
    Column("client_address", String(64), nullable=False),
    Column("user_agent", String(200), nullable=False),
    Index("ix_accounts_sessions_username", "username"),
)
tokens = Table(
    "accounts_tokens", metadata,
    Column("token_id", String(16), primary_key=True),
    Column("username", String(64), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("name", String(100), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("last_used_at", Float),
    Column("revoked_at", Float),
    Index("ix_accounts_tokens_username", "username"),
)


def migrate(conn) -> None:
    metadata.create_all(conn)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_hash(value, name: str = "session") -> str:
    if not isinstance(value, str) or not HEX_256.match(value):
        raise ValidationFailed("account.session_id_invalid", {name: ["Phải là 64 chữ số thập lục phân."]})
    return value


# -- passwords -------------------------------------------------------------------------------
def password_hash(conn, username: str) -> str | None:
    return conn.execute(select(passwords.c.hash).where(passwords.c.username == username)
                        ).scalar_one_or_none()


def set_password_hash(conn, username: str, hashed: str, now: float) -> None:
    changed = conn.execute(update(passwords).where(passwords.c.username == username)
                           .values(hash=hashed, set_at=now)).rowcount
    if not changed:
        conn.execute(insert(passwords).values(username=username, hash=hashed, set_at=now))


# -- sessions --------------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionRules:
    idle_seconds: float = 1800.0
    max_seconds: float = 12 * 3600.0

    @property
    def touch_seconds(self) -> float:
        """How stale ``last_seen_at`` may be before a request writes it again: idle expiry
        is exact to this, and most requests write nothing."""
        return min(60.0, self.idle_seconds / 10)

    @classmethod
    def from_config(cls, config) -> SessionRules:
        return cls(float(config.get("SESSION_IDLE_SECONDS") or cls.idle_seconds),
                   float(config.get("SESSION_MAX_SECONDS") or cls.max_seconds))

    def expired(self, created_at: float, last_seen_at: float, now: float) -> bool:
        return now - last_seen_at > self.idle_seconds or now - created_at > self.max_seconds

    def expiry(self, created_at: float, last_seen_at: float) -> dict:
        return {"idle_expires_at": last_seen_at + self.idle_seconds,
                "expires_at": created_at + self.max_seconds}


def start_session(conn, session_hash: str, username: str, now: float, client_address: str,
                  user_agent: str) -> None:
    conn.execute(insert(sessions).values(
        session_hash=session_hash, username=username, created_at=now, last_seen_at=now,
        client_address=client_address[:64], user_agent=(user_agent or "")[:200]))


def session(conn, session_hash: str):
    return conn.execute(select(sessions).where(sessions.c.session_hash == session_hash)).first()


def end_session(conn, session_hash: str, now: float, reason: str) -> bool:
    return bool(conn.execute(update(sessions).where(
        sessions.c.session_hash == session_hash, sessions.c.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)).rowcount)


def end_sessions(conn, username: str, now: float, reason: str,
                 keep: str | None = None) -> list[str]:
    """End every open session of the account but ``keep``; returns their hashes."""
    condition = and_(sessions.c.username == username, sessions.c.ended_at.is_(None))
    if keep is not None:
        condition = and_(condition, sessions.c.session_hash != keep)
    ended = list(conn.execute(select(sessions.c.session_hash).where(condition)).scalars())
    if ended:
        conn.execute(update(sessions).where(condition).values(ended_at=now, end_reason=reason))
    return ended


def touch_session(conn, session_hash: str, now: float) -> None:
    conn.execute(update(sessions).where(sessions.c.session_hash == session_hash)
                 .values(last_seen_at=now))


def prune_sessions(conn, before: float) -> int:
    """Forget sessions that ended (or could only have expired) before ``before``."""
    return conn.execute(delete(sessions).where(
        (sessions.c.ended_at < before) | (sessions.c.last_seen_at < before))).rowcount


# -- personal tokens -------------------------------------------------------------------------
def new_token() -> tuple[str, str, str]:
    """(token id, the token to show once, the hash to store)."""
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return token_id, f"{TOKEN_PREFIX}{token_id}_{secret}", sha256(secret)


def store_token(conn, token_id: str, username: str, secret_hash: str, name: str, now: float,
                expires_at: float) -> None:
    conn.execute(insert(tokens).values(
        token_id=token_id, username=username, secret_hash=secret_hash, name=name,
        created_at=now, expires_at=expires_at))


def token_row(conn, token_id: str):
    return conn.execute(select(tokens).where(tokens.c.token_id == token_id)).first()


def token_matches(row, secret_hash: str) -> bool:
    return row is not None and hmac.compare_digest(row.secret_hash, secret_hash)


def revoke_tokens(conn, username: str, token_ids: list[str], now: float) -> None:
    if token_ids:
        conn.execute(update(tokens).where(tokens.c.username == username,
                                          tokens.c.token_id.in_(token_ids),
                                          tokens.c.revoked_at.is_(None))
                     .values(revoked_at=now))


def touch_token(conn, token_id: str, now: float) -> None:
    conn.execute(update(tokens).where(tokens.c.token_id == token_id).values(last_used_at=now))


def tokens_of(conn, username: str) -> list:
    return list(conn.execute(select(tokens).where(tokens.c.username == username)
                             .order_by(tokens.c.created_at.desc())))

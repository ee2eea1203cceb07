"""The accounts service's use cases: read the account, let the domain decide, append with the
version read, and write the credentials in the same unit of work.

Plain Python over an event store, so the store-backed tests run exactly what the nameko
entrypoints run; ``service.py`` only unpacks RPC arguments. Argon2 runs through ``run``
(eventlet's tpool in the service: an OS thread) and always before the command's first write,
so no lock is held while a password is hashed.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import text

from contracts.accounts import TooManyAttempts
from kernel import clock
from kernel.db import is_postgres
from kernel.errors import (
    ConcurrencyError,
    Conflict,
    Forbidden,
    KernelError,
    Unauthorised,
    ValidationFailed,
)
from kernel.events import Actor as EventActor
from kernel.events import Metadata
from kernel.follower import LogFollower
from kernel.store import ANY_VERSION, NO_STREAM
from services.accounts import accounts, credentials, jurisdictions, projections, signins
from services.accounts.accounts import Account, Actor, check_username, normalise_username
from services.accounts.passwords import Hasher, Policy
from services.accounts.schemas import (
    AccountChangesSchema,
    NewAccountSchema,
    NewTokenSchema,
    load,
)
from services.accounts.signins import ACCOUNT, ADDRESS, Throttle

MIGRATION_LOCK = 8785010
TOUCH_TOKEN_SECONDS = 60.0
MAX_PAGE = 200
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper


def migrate(engine) -> None:
    """The tables outside the log: credentials and sign-in counters."""
    with engine.begin() as conn:
        if is_postgres(engine):  # replicas starting together create them once
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        credentials.migrate(conn)
        Throttle.migrate(conn)


def generated_password() -> str:
    """Four groups of four (about 79 bits), easy to read out and type: a first password
    an administrator hands over."""
    raw = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, clock.VIETNAM).isoformat(timespec="seconds")


def metadata_for(context: dict | None, actor: EventActor | None = None) -> Metadata:
    """The events' metadata: the caller of the context (or ``actor``), its correlation id and
    idempotency key."""
    context = context or {}
    given = context.get("actor") or {}
    if actor is None:
        actor = EventActor(str(given.get("subject") or "system:accounts"),
                           str(given.get("role") or "system"),
                           dict(given.get("jurisdiction") or {}))
    kwargs = {}
    if context.get("correlation_id"):
        kwargs["correlation_id"] = str(context["correlation_id"])
    keyed = context.get("idempotency")
    if isinstance(keyed, dict) and keyed.get("key"):
        kwargs["idempotency_key"] = str(keyed["key"])
    return Metadata(actor=actor, **kwargs)


class AccountsApp:
    """``processor`` follows the log into the directory; without it (tests, tools) one is made
    and the tables created here (service.py does both once per container)."""

    def __init__(self, store, processor: LogFollower | None = None, hasher: Hasher | None = None,
                 policy: Policy | None = None, throttle: Throttle | None = None,
                 session_rules: credentials.SessionRules | None = None,
                 now: Callable[[], float] = time.time, run: Callable = None):
        self.store = store
        if processor is None:
            processor = LogFollower(store, projections.AccountsDirectory())
            processor.prepare()
            migrate(store.engine)
        self.processor = processor
        self.hasher = hasher or Hasher()
        self.policy = policy or Policy()
        self.throttle = throttle or Throttle()
        self.sessions = session_rules or credentials.SessionRules()
        self.now = now
        self.run = run or (lambda function, *args: function(*args))

    # -- reading -----------------------------------------------------------------------------
    def account(self, username: str) -> Account:
        return Account.from_events(username, self.store.read_stream(accounts.stream_name(username)))

    def _directory(self):
        """A connection to read the directory with, once it has every committed event (a
        directory that cannot catch up fails the read: never an old role)."""
        self.processor.follow()
        return self.store.reader.connect()

    def get_account(self, username: str) -> dict:
        username = normalise_username(username)
        with self._directory() as conn:
            row = projections.entry(conn, username)
        if row is None:
            Account(username).require_exists()
        return projections.view(row)

    def list_accounts(self, filters: dict | None, actor: dict | None, limit: int = 50,
                      offset: int = 0) -> dict:
        """Accounts matching ``filters`` (``query``, ``role``, ``province``, ``state``) among
        those ``actor`` administers: every account for an administrator, its province's
        district and commune accounts for a province's justice department."""
        who = Actor.from_context({"actor": actor})
        if who.role == "administrator":
            within = None
        elif jurisdictions.is_province_department(who.role, who.jurisdiction):
            within = who.jurisdiction.get("province")
        else:
            raise Forbidden("account.list_admins_only", {"rule": "account_admin"})
        filters = filters or {}
        limit, offset = max(1, min(int(limit), MAX_PAGE)), max(0, int(offset))
        with self._directory() as conn:
            rows, total = projections.search(
                conn, query=filters.get("query"), role=filters.get("role"),
                province=filters.get("province"), state=filters.get("state"),
                within_province=within, limit=limit, offset=offset)
        return {"accounts": [projections.view(row) for row in rows], "total": total,
                "limit": limit, "offset": offset}

    def history(self, username: str, limit: int = 50) -> dict:
        """The account's events and its sign-ins', newest first: what an administrator sees."""
        username = normalise_username(username)
        account = self.account(username).require_exists()
        found = [*self.store.read_stream(accounts.stream_name(username)),
                 *self.store.read_stream(signins.stream_name(username))]
        found.sort(key=lambda event: event.position, reverse=True)
        return {"username": account.username, "events": [{
            "type": e.type, "recorded_at": e.metadata.get("recorded_at"),
            "actor": e.metadata.get("actor"), "role": e.metadata.get("role"),
            "data": e.data, "position": e.position} for e in found[:max(1, min(limit, 500))]]}

    # -- administration ------------------------------------------------------------------------
    def create_account(self, payload: dict, context: dict | None) -> dict:
        given = load(NewAccountSchema, payload, "Tài khoản")
        username = check_username(given["username"])
        actor = Actor.from_context(context)
        current = self.account(username)
        new_events = current.create(actor, given["display_name"], given["role"],
                                    given["jurisdiction"], given["agency"])
        password = given["password"]
        made = password is None
        if made:
            password = generated_password()
        self._check_password(password, username, new_events[0].data["display_name"])
        hashed = self.run(self.hasher.hash, password)
        new_events += current.set_password(actor, "created")
        try:
            self.store.append(accounts.stream_name(username), NO_STREAM, new_events,
                              metadata_for(context))
        except ConcurrencyError:
            raise Conflict("account.username_taken", {
                "username": ["Tên đăng nhập này đã được dùng; chọn tên khác."]},
                {"username": username}) from None
        with self.store.transaction() as conn:
            credentials.set_password_hash(conn, username, hashed, self.now())
        return {"username": username, "account": self.account(username).to_dict(),
                "password": password if made else None}

    def change_account(self, username: str, changes: dict, expected_version: int | None,
                       context: dict | None) -> dict:
        given = load(AccountChangesSchema, changes, "Thay đổi")
        current = self.account(normalise_username(username))
        self._expect(current, expected_version)
        new_events = current.change(Actor.from_context(context), given)
        if new_events:
            self.store.append(accounts.stream_name(current.username), current.version,
                              new_events, metadata_for(context))
        return self.account(current.username).to_dict()

    def disable_account(self, username: str, reason: str, context: dict | None) -> dict:
        current = self.account(normalise_username(username))
        new_events = current.disable(Actor.from_context(context), reason)
        metadata = metadata_for(context)
        self.store.append(accounts.stream_name(current.username), current.version, new_events,
                          metadata)
        now = self.now()
        with self.store.transaction() as conn:
            ended = credentials.end_sessions(conn, current.username, now, "account_disabled")
            credentials.revoke_tokens(conn, current.username,
                                      new_events[0].data["tokens_revoked"], now)
        if ended:
            self.store.append(signins.stream_name(current.username), ANY_VERSION,
                              [signins.sessions_ended(current.username, ended,
                                                      "account_disabled")], metadata)
        return self.account(current.username).to_dict()

    def enable_account(self, username: str, context: dict | None) -> dict:
        current = self.account(normalise_username(username))
        new_events = current.enable(Actor.from_context(context))
        self.store.append(accounts.stream_name(current.username), current.version, new_events,
                          metadata_for(context))
        return self.account(current.username).to_dict()

    def reset_password(self, username: str, password: str | None, context: dict | None) -> dict:
        """An administrator gives a new password (or has one made): every session ends, and
        a lock-out of the account's name is lifted."""
        current = self.account(normalise_username(username))
        new_events = current.set_password(Actor.from_context(context), "reset")
        made = password is None
        if made:
            password = generated_password()
        self._check_password(password, current.username, current.display_name)
        hashed = self.run(self.hasher.hash, password)
        metadata = metadata_for(context)
        self.store.append(accounts.stream_name(current.username), current.version, new_events,
                          metadata)
        now = self.now()
        with self.store.transaction() as conn:
            credentials.set_password_hash(conn, current.username, hashed, now)
            ended = credentials.end_sessions(conn, current.username, now, "password_reset")
            Throttle.forget(conn, [signins.account_key(current.username)])
        if ended:
            self.store.append(signins.stream_name(current.username), ANY_VERSION,
                              [signins.sessions_ended(current.username, ended, "password_reset")],
                              metadata)
        return {"account": self.account(current.username).to_dict(),
                "password": password if made else None}

    # -- the person's own account --------------------------------------------------------------
    def change_password(self, username: str, current_password, new_password,
                        keep_session: str | None, context: dict | None) -> dict:
        """The person changes their own password, giving the current one; their other
        sessions end. A wrong current password counts as a failed sign-in."""
        account = self.account(normalise_username(username))
        new_events = account.change_password(Actor.from_context(context))
        keys = {ACCOUNT: signins.account_key(account.username)}
        now = self.now()
        with self.store.reader.connect() as conn:
            wait = self.throttle.locked(conn, keys, now)
            stored = credentials.password_hash(conn, account.username)
        if wait is not None:
            raise _locked(wait)
        if not isinstance(current_password, str) or not self.run(
                self.hasher.verify, stored, current_password):
            # Counted and recorded on their own: the refusal below rolls the command back.
            with self.store.engine.begin() as conn:
                locked = self.throttle.fail(conn, keys, now)
                self.store.append(signins.stream_name(account.username), ANY_VERSION, [
                    signins.sign_in_failed(account.username, "wrong_current_password",
                                           _address(context))], metadata_for(context), conn=conn)
            if locked:
                raise _locked(locked[0][1] - now)
            raise ValidationFailed("account.password_wrong", {"current_password": ["Mật khẩu hiện tại không đúng."]})
        if not isinstance(new_password, str) or new_password == current_password:
            raise ValidationFailed("account.new_password_weak", {"new_password": [
                "Mật khẩu mới phải khác mật khẩu hiện tại."]})
        self._check_password(new_password, account.username, account.display_name,
                             field="new_password")
        hashed = self.run(self.hasher.hash, new_password)
        metadata = metadata_for(context)
        self.store.append(accounts.stream_name(account.username), account.version, new_events,
                          metadata)
        with self.store.transaction() as conn:
            credentials.set_password_hash(conn, account.username, hashed, now)
            ended = credentials.end_sessions(conn, account.username, now, "password_changed",
                                             keep=keep_session)
        if ended:
            self.store.append(signins.stream_name(account.username), ANY_VERSION,
                              [signins.sessions_ended(account.username, ended,
                                                      "password_changed")], metadata)
        return {"username": account.username, "sessions_ended": len(ended)}

    def create_token(self, username: str, request: dict, context: dict | None) -> dict:
        given = load(NewTokenSchema, request, "Mã truy cập")
        account = self.account(normalise_username(username))
        token_id, token, secret_hash = credentials.new_token()
        expires_on = (datetime.fromtimestamp(self.now(), clock.VIETNAM).date()
                      + timedelta(days=given["expires_in_days"]))
        new_events = account.create_token(Actor.from_context(context), token_id, given["name"],
                                          expires_on.isoformat())
        self.store.append(accounts.stream_name(account.username), account.version, new_events,
                          metadata_for(context))
        # Valid through its last day, Vietnam's time.
        end = datetime.combine(expires_on + timedelta(days=1), datetime.min.time(),
                               tzinfo=clock.VIETNAM).timestamp()
        with self.store.transaction() as conn:
            credentials.store_token(conn, token_id, account.username, secret_hash,
                                    new_events[0].data["name"], self.now(), end)
        return {"token": token, **self._token_view(account.username, token_id)}

    def revoke_token(self, username: str, token_id: str, context: dict | None) -> dict:
        account = self.account(normalise_username(username))
        new_events = account.revoke_token(Actor.from_context(context), token_id)
        self.store.append(accounts.stream_name(account.username), account.version, new_events,
                          metadata_for(context))
        with self.store.transaction() as conn:
            credentials.revoke_tokens(conn, account.username, [token_id], self.now())
        return self._token_view(account.username, token_id)

    def list_tokens(self, username: str) -> dict:
        username = normalise_username(username)
        self.account(username).require_exists()
        with self.store.reader.connect() as conn:
            rows = credentials.tokens_of(conn, username)
        return {"username": username, "tokens": [self._token_dict(row) for row in rows]}

    def _token_view(self, username: str, token_id: str) -> dict:
        with self.store.reader.connect() as conn:
            return self._token_dict(credentials.token_row(conn, token_id))

    def _token_dict(self, row) -> dict:
        now = self.now()
        state = ("revoked" if row.revoked_at is not None
                 else "expired" if row.expires_at <= now else "active")
        return {"token_id": row.token_id, "name": row.name, "created_at": iso(row.created_at),
                "expires_at": iso(row.expires_at), "last_used_at": iso(row.last_used_at),
                "revoked_at": iso(row.revoked_at), "state": state}

    # -- signing in ----------------------------------------------------------------------------
    def sign_in(self, username, password, session_hash: str, client_address: str,
                user_agent: str, context: dict | None) -> dict:
        """``{"outcome": "signed_in", "principal", "session"}``, or ``refused`` (wrong name or
        password: one answer for both), ``locked`` (with ``retry_after_seconds``) or
        ``disabled`` (the right password of a disabled account). Never raises for a wrong
        password: the failure is counted and recorded, and that must commit."""
        credentials.check_hash(session_hash)
        name = normalise_username(username)
        address = (client_address or "unknown")[:64]
        keys = {ACCOUNT: signins.account_key(name), ADDRESS: signins.address_key(address)}
        now = self.now()
        with self.store.reader.connect() as conn:
            wait = self.throttle.locked(conn, keys, now)
            stored = credentials.password_hash(conn, name) if accounts.USERNAME.match(name) else None
        if wait is not None:
            return {"outcome": "locked", "retry_after_seconds": _minutes_up(wait)}
        account = self.account(name) if stored is not None else Account(name)
        matched = self.run(self.hasher.verify, stored, password if isinstance(password, str) else "")
        if matched and account.exists and not account.disabled:
            return self._signed_in(account, stored, password, session_hash, address, user_agent,
                                   context, now)
        person = _person(account) if account.exists else EventActor("anonymous", "anonymous")
        metadata = metadata_for(context, person)
        stream = signins.stream_name(name) if account.exists else signins.UNKNOWN_STREAM
        if matched:  # the right password, but the account is disabled: not a guess
            self.store.append(stream, ANY_VERSION, [signins.sign_in_failed(
                name, "account_disabled", address)], metadata)
            return {"outcome": "disabled"}
        recorded = [signins.sign_in_failed(name if account.exists else None,
                                           "wrong_password" if account.exists else "unknown_account",
                                           address)]
        with self.store.transaction() as conn:
            locked = self.throttle.fail(conn, keys, now)
        recorded += [signins.locked_out(name if account.exists else None, scope, address,
                                        iso(until), self.throttle.rules[scope])
                     for scope, until in locked]
        self.store.append(stream, ANY_VERSION, recorded, metadata)
        if locked:
            return {"outcome": "locked",
                    "retry_after_seconds": _minutes_up(max(u for _, u in locked) - now)}
        return {"outcome": "refused"}

    def _signed_in(self, account: Account, stored: str, password: str, session_hash: str,
                   address: str, user_agent: str, context, now: float) -> dict:
        rehashed = (self.run(self.hasher.hash, password) if self.hasher.needs_rehash(stored)
                    else None)
        with self.store.transaction() as conn:
            credentials.start_session(conn, session_hash, account.username, now, address,
                                      user_agent)
            Throttle.forget(conn, [signins.account_key(account.username)])
            if rehashed is not None:  # the parameters were raised since it was made
                credentials.set_password_hash(conn, account.username, rehashed, now)
        self.store.append(signins.stream_name(account.username), ANY_VERSION, [
            signins.signed_in(account.username, session_hash, address, user_agent)],
            metadata_for(context, _person(account)))
        return {"outcome": "signed_in", "principal": account.principal(),
                "session": {"created_at": iso(now), **{
                    name: iso(value) for name, value in self.sessions.expiry(now, now).items()}}}

    def sign_out(self, session_hash: str, context: dict | None) -> dict:
        credentials.check_hash(session_hash)
        with self.store.reader.connect() as conn:
            row = credentials.session(conn, session_hash)
        if row is None or row.ended_at is not None:
            return {"signed_out": False}
        with self.store.transaction() as conn:
            ended = credentials.end_session(conn, session_hash, self.now(), "signed_out")
        if ended:
            account = self.account(row.username)
            self.store.append(signins.stream_name(row.username), ANY_VERSION,
                              [signins.signed_out(row.username, session_hash)],
                              metadata_for(context, _person(account)))
        return {"signed_out": ended}

    def authenticate_session(self, session_hash: str) -> dict:
        """Who the session stands for, now: its account's current role and jurisdiction.
        Unauthorised (``details.reason``: ``unknown``, ``ended``, ``expired``, ``disabled``)
        when it no longer stands for anyone."""
        credentials.check_hash(session_hash)
        now = self.now()
        with self._directory() as conn:
            row = credentials.session(conn, session_hash)
            entry = projections.entry(conn, row.username) if row is not None else None
        if row is None:
            raise _unauthorised("unknown")
        if row.ended_at is not None:
            raise _unauthorised("disabled" if row.end_reason == "account_disabled" else "ended")
        if entry is None or entry.disabled:
            raise _unauthorised("disabled")
        if self.sessions.expired(row.created_at, row.last_seen_at, now):
            with self.store.engine.begin() as conn:
                credentials.end_session(conn, session_hash, now, "expired")
            raise _unauthorised("expired")
        seen = row.last_seen_at
        if now - seen > self.sessions.touch_seconds:
            seen = now
            with self.store.engine.begin() as conn:
                credentials.touch_session(conn, session_hash, now)
        return {"principal": projections.principal(entry), "session": {
            "created_at": iso(row.created_at), "last_seen_at": iso(seen),
            **{name: iso(value) for name, value in self.sessions.expiry(row.created_at,
                                                                          seen).items()}}}

    def authenticate_token(self, token_id: str, secret_hash: str) -> dict:
        """Who a personal token stands for, now; Unauthorised (``details.reason``:
        ``unknown``, ``revoked``, ``expired``, ``disabled``) otherwise."""
        if not isinstance(token_id, str) or not credentials.TOKEN_ID.match(token_id):
            raise _unauthorised("unknown", token=True)
        credentials.check_hash(secret_hash, "token")
        now = self.now()
        with self._directory() as conn:
            row = credentials.token_row(conn, token_id)
            entry = projections.entry(conn, row.username) if row is not None else None
        if not credentials.token_matches(row, secret_hash):
            raise _unauthorised("unknown", token=True)
        if row.revoked_at is not None:
            raise _unauthorised("revoked", token=True)
        if row.expires_at <= now:
            raise _unauthorised("expired", token=True)
        if entry is None or entry.disabled:
            raise _unauthorised("disabled", token=True)
        if row.last_used_at is None or now - row.last_used_at > TOUCH_TOKEN_SECONDS:
            with self.store.engine.begin() as conn:
                credentials.touch_token(conn, token_id, now)
        return {"principal": projections.principal(entry),
                "token": {"token_id": row.token_id, "name": row.name}}

    def prune_sessions(self, keep_days: float = 30) -> int:
        with self.store.engine.begin() as conn:
            return credentials.prune_sessions(conn, self.now() - keep_days * 86400)

    # -- helpers -------------------------------------------------------------------------------
    def _check_password(self, password, username: str, display_name: str | None,
                        field: str = "password") -> None:
        problems = self.policy.problems(password, username, display_name or "")
        if problems:
            raise ValidationFailed("account.password_weak", {field: problems})

    @staticmethod
    def _expect(account: Account, expected_version: int | None) -> None:
        account.require_exists()
        if expected_version is not None and account.version != expected_version:
            raise ConcurrencyError("account.changed_meanwhile", {"username": account.username,
                                  "expected_version": expected_version,
                                  "current_version": account.version})


def _person(account: Account) -> EventActor:
    return EventActor(account.username, account.role or "unknown", dict(account.jurisdiction))


def _address(context: dict | None) -> str:
    return str((context or {}).get("client_address") or "unknown")[:64]


def _minutes_up(seconds: float) -> int:
    return max(1, int(seconds + 0.999))


def _locked(wait: float) -> KernelError:
    minutes = max(1, int((wait + 59) // 60))
    return TooManyAttempts("account.locked_out", {"retry_after_seconds": _minutes_up(wait)},
                           {"minutes": minutes})


def _unauthorised(reason: str, token: bool = False) -> Unauthorised:
    key = ("account.disabled" if reason == "disabled"
           else f"{'personal_token' if token else 'session'}.{reason}")
    return Unauthorised(key, {"reason": reason})

"""An account: who a person is to the platform, over time.

Each account is the stream ``account-<username>``. Its events say who created it, who changed
its name, role, jurisdiction or agency (before and after), who disabled and re-enabled it,
when its password was set or changed and its personal tokens created and revoked, so that
"who could do what, and when" is read from the log. No event holds a password, a hash of
one or a token: those live in the credentials tables (services/accounts/credentials.py),
outside the log, which can therefore be shown to auditors whole.

Decisions are plain Python: each method checks the actor and the state and returns the new
events, or raises a kernel error with a Vietnamese message.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from kernel.errors import Conflict, Forbidden, IllegalTransition, NotFound, ValidationFailed
from kernel.events import NewEvent, RecordedEvent
from services.accounts import jurisdictions

ACCOUNT_CREATED = "AccountCreated"
ACCOUNT_CHANGED = "AccountChanged"
ACCOUNT_DISABLED = "AccountDisabled"
ACCOUNT_ENABLED = "AccountEnabled"
PASSWORD_SET = "PasswordSet"  # by an administrator: at creation, or a reset
PASSWORD_CHANGED = "PasswordChanged"  # by the person, who gave the old one
TOKEN_CREATED = "PersonalTokenCreated"
TOKEN_REVOKED = "PersonalTokenRevoked"
ACCOUNT_TYPES = (ACCOUNT_CREATED, ACCOUNT_CHANGED, ACCOUNT_DISABLED, ACCOUNT_ENABLED,
                 PASSWORD_SET, PASSWORD_CHANGED, TOKEN_CREATED, TOKEN_REVOKED)

USERNAME = re.compile(r"^[a-z0-9](?:[a-z0-9._@-]{1,62})[a-z0-9]$")
MAX_NAME = 100
MAX_REASON = 500
MAX_TOKENS = 20  # live tokens per account: enough for every client a person runs
CHANGEABLE = ("display_name", "role", "jurisdiction", "agency")


def stream_name(username: str) -> str:
    return f"account-{username}"


def normalise_username(text) -> str:
    """Usernames are compared as typed but for case, surrounding spaces and Unicode form."""
    if not isinstance(text, str):
        return ""
    return unicodedata.normalize("NFC", text).strip().lower()


def check_username(text) -> str:
    username = normalise_username(text)
    if not USERNAME.match(username):
        raise ValidationFailed("account.username_invalid", {"username": [
            "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch "
            "ngang, gạch dưới hoặc @; bắt đầu và kết thúc bằng chữ hoặc số."]})
    return username


def check_display_name(text) -> str:
    name = unicodedata.normalize("NFC", text).strip() if isinstance(text, str) else ""
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed("account.name_invalid", {"display_name": [
            f"Nhập họ tên (tối đa {MAX_NAME} ký tự)."]})
    if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name):
        raise ValidationFailed("account.name_invalid", {"display_name": [
            "Họ tên không được chứa ký tự điều khiển."]})
    return name


@dataclass(frozen=True)
class Actor:
    """Who asks: the caller's subject, role and jurisdiction (from the gateway's context)."""

    subject: str
    role: str
    jurisdiction: dict = field(default_factory=dict)

    @classmethod
    def from_context(cls, context: dict | None) -> Actor:
        actor = (context or {}).get("actor") or {}
        return cls(str(actor.get("subject") or ""), str(actor.get("role") or ""),
                   dict(actor.get("jurisdiction") or {}))


@dataclass(frozen=True)
class Token:
    token_id: str
    name: str
    created_at: str
    expires_on: str | None
    revoked_at: str | None = None

    def to_dict(self) -> dict:
        return {"token_id": self.token_id, "name": self.name, "created_at": self.created_at,
                "expires_on": self.expires_on, "revoked_at": self.revoked_at}


@dataclass(frozen=True)
class Account:
    username: str
    version: int = 0
    display_name: str | None = None
    role: str | None = None
    jurisdiction: dict = field(default_factory=lambda: dict(jurisdictions.EMPTY))
    agency: str | None = None
    disabled: bool = False
    disabled_reason: str | None = None
    created_at: str | None = None
    changed_at: str | None = None
    password_set_at: str | None = None
    tokens: tuple[Token, ...] = ()

    @property
    def exists(self) -> bool:
        return self.version > 0

    @classmethod
    def from_events(cls, username: str, events: list[RecordedEvent]) -> Account:
        state = cls(username)
        for event in events:
            state = state.apply(event)
        return state

    def apply(self, event: RecordedEvent) -> Account:
        data, at = event.data, (event.metadata or {}).get("recorded_at")
        state = replace(self, version=event.version, changed_at=at)
        if event.type == ACCOUNT_CREATED:
            state = replace(state, display_name=data["display_name"], role=data["role"],
                            jurisdiction=dict(data["jurisdiction"]), agency=data["agency"],
                            created_at=at)
        elif event.type == ACCOUNT_CHANGED:
            after = data["after"]
            state = replace(state, **{name: (dict(after[name]) if name == "jurisdiction"
                                             else after[name]) for name in after})
        elif event.type == ACCOUNT_DISABLED:
            revoked = set(data.get("tokens_revoked", ()))
            state = replace(state, disabled=True, disabled_reason=data["reason"], tokens=tuple(
                replace(t, revoked_at=at) if t.token_id in revoked else t for t in state.tokens))
        elif event.type == ACCOUNT_ENABLED:
            state = replace(state, disabled=False, disabled_reason=None)
        elif event.type in (PASSWORD_SET, PASSWORD_CHANGED):
            state = replace(state, password_set_at=at)
        elif event.type == TOKEN_CREATED:
            state = replace(state, tokens=(*state.tokens, Token(
                data["token_id"], data["name"], at, data["expires_on"])))
        elif event.type == TOKEN_REVOKED:
            state = replace(state, tokens=tuple(
                replace(t, revoked_at=at) if t.token_id == data["token_id"] else t
                for t in state.tokens))
        return state

    # -- checks --------------------------------------------------------------------------
    def require_exists(self) -> Account:
        if not self.exists:
            raise NotFound("account.not_found", {"username": self.username})
        return self

    def _require_administered_by(self, actor: Actor) -> None:
        if not jurisdictions.administers(actor.role, actor.jurisdiction, self.role,
                                         self.jurisdiction):
            raise _outside(actor, self.username)

    # -- decisions -----------------------------------------------------------------------
    def create(self, actor: Actor, display_name, role, jurisdiction, agency) -> list[NewEvent]:
        if self.exists:
            raise Conflict("account.username_taken",
                           {"username": ["Tên đăng nhập này đã được dùng; chọn tên khác."]},
                           {"username": self.username})
        name = check_display_name(display_name)
        where, agency = jurisdictions.checked(role, jurisdiction, agency)
        if not jurisdictions.administers(actor.role, actor.jurisdiction, role, where):
            raise _outside(actor, self.username)
        return [NewEvent(ACCOUNT_CREATED, {
            "username": self.username, "display_name": name, "role": role,
            "jurisdiction": where, "agency": agency})]

    def change(self, actor: Actor, changes: dict) -> list[NewEvent]:
        self.require_exists()._require_administered_by(actor)
        if not isinstance(changes, dict) or not changes:
            raise ValidationFailed("account.nothing_to_change", {"changes": ["Nêu ít nhất một thay đổi."]})
        unknown = sorted(set(changes) - set(CHANGEABLE))
        if unknown:
            raise ValidationFailed("account.field_not_changeable", {name: ["Không thay đổi được trường này."] for name in unknown})
        wanted = {"display_name": self.display_name, "role": self.role,
                  "jurisdiction": self.jurisdiction, "agency": self.agency}
        if "display_name" in changes:
            wanted["display_name"] = check_display_name(changes["display_name"])
        for name in ("role", "jurisdiction", "agency"):
            if name in changes:
                wanted[name] = changes[name]
        if "role" in changes and "agency" not in changes and wanted["role"] != "agency_officer":
            wanted["agency"] = None  # an agency goes with the agency officer's role
        wanted["jurisdiction"], wanted["agency"] = jurisdictions.checked(
            wanted["role"], wanted["jurisdiction"], wanted["agency"])
        if actor.subject == self.username and (wanted["role"], wanted["jurisdiction"],
                                               wanted["agency"]) != (
                self.role, self.jurisdiction, self.agency):
            raise Forbidden("account.not_own_role", {"username": self.username})
        if not jurisdictions.administers(actor.role, actor.jurisdiction, wanted["role"],
                                         wanted["jurisdiction"]):
            raise _outside(actor, self.username, granting=True)
        before = {"display_name": self.display_name, "role": self.role,
                  "jurisdiction": self.jurisdiction, "agency": self.agency}
        changed = [name for name in CHANGEABLE if wanted[name] != before[name]]
        if not changed:
            return []
        return [NewEvent(ACCOUNT_CHANGED, {
            "username": self.username, "before": {name: before[name] for name in changed},
            "after": {name: wanted[name] for name in changed}})]

    def disable(self, actor: Actor, reason) -> list[NewEvent]:
        self.require_exists()._require_administered_by(actor)
        reason = _reason(reason)
        if actor.subject == self.username:
            raise Forbidden("account.not_own_disabling", {"username": self.username})
        if self.disabled:
            raise IllegalTransition("account.already_disabled", {"username": self.username})
        return [NewEvent(ACCOUNT_DISABLED, {
            "username": self.username, "reason": reason,
            "tokens_revoked": [t.token_id for t in self.live_tokens()]})]

    def enable(self, actor: Actor) -> list[NewEvent]:
        self.require_exists()._require_administered_by(actor)
        if not self.disabled:
            raise IllegalTransition("account.already_enabled", {"username": self.username})
        return [NewEvent(ACCOUNT_ENABLED, {"username": self.username})]

    def set_password(self, actor: Actor, reason: str) -> list[NewEvent]:
        """An administrator sets it: at creation (``created``) or when the person has lost
        it (``reset``). The password itself is the credentials table's."""
        if reason == "reset":
            self.require_exists()._require_administered_by(actor)
        return [NewEvent(PASSWORD_SET, {"username": self.username, "reason": reason})]

    def change_password(self, actor: Actor) -> list[NewEvent]:
        self._require_self(actor)
        return [NewEvent(PASSWORD_CHANGED, {"username": self.username})]

    def create_token(self, actor: Actor, token_id: str, name, expires_on: str | None
                     ) -> list[NewEvent]:
        self._require_self(actor)
        label = unicodedata.normalize("NFC", name).strip() if isinstance(name, str) else ""
        if not label or len(label) > MAX_NAME:
            raise ValidationFailed("account.token_name_invalid", {"name": [
                f"Đặt tên cho mã (tối đa {MAX_NAME} ký tự), ví dụ tên phần mềm sẽ dùng nó."]})
        if len(self.live_tokens()) >= MAX_TOKENS:
            raise Conflict("account.too_many_tokens", {"limit": MAX_TOKENS})
        return [NewEvent(TOKEN_CREATED, {"username": self.username, "token_id": token_id,
                                         "name": label, "expires_on": expires_on})]

    def revoke_token(self, actor: Actor, token_id: str) -> list[NewEvent]:
        self._require_self(actor)
        token = next((t for t in self.tokens if t.token_id == token_id), None)
        if token is None:
            raise NotFound("account.token_not_found", {"token_id": token_id})
        if token.revoked_at is not None:
            raise IllegalTransition("account.token_already_revoked", {"token_id": token_id})
        return [NewEvent(TOKEN_REVOKED, {"username": self.username, "token_id": token_id})]

    def _require_self(self, actor: Actor) -> None:
        self.require_exists()
        if actor.subject != self.username:
            raise Forbidden("account.own_only", {"username": self.username})
        if self.disabled:
            raise Forbidden("account.disabled", {"username": self.username})

    # -- views ---------------------------------------------------------------------------
    def live_tokens(self) -> list[Token]:
        return [t for t in self.tokens if t.revoked_at is None]

    def principal(self) -> dict:
        """What the gateway needs to act for the person."""
        return {"sub": self.username, "role": self.role, "jurisdiction": dict(self.jurisdiction),
                "name": self.display_name, "agency": self.agency}

    def to_dict(self) -> dict:
        self.require_exists()
        return {"username": self.username, "display_name": self.display_name,
                "role": self.role, "jurisdiction": dict(self.jurisdiction),
                "agency": self.agency, "state": "disabled" if self.disabled else "active",
                "disabled_reason": self.disabled_reason, "created_at": self.created_at,
                "changed_at": self.changed_at, "password_set_at": self.password_set_at,
                "version": self.version}


def _reason(text) -> str:
    reason = unicodedata.normalize("NFC", text).strip() if isinstance(text, str) else ""
    if not reason or len(reason) > MAX_REASON:
        raise ValidationFailed("account.reason_needed", {"reason": [
            f"Nêu lý do (tối đa {MAX_REASON} ký tự): lý do được ghi vào nhật ký."]})
    return reason


def _outside(actor: Actor, username: str, granting: bool = False) -> Forbidden:
    if jurisdictions.is_province_department(actor.role, actor.jurisdiction):
        message = ("account.department_scope_granting" if granting
                   else "account.department_scope")
    else:
        message = "account.admins_only"
    return Forbidden(message, {"rule": "account_admin", "username": username,
                               "jurisdiction": dict(actor.jurisdiction)})

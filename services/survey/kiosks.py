"""Kiosks and single-use codes.

A kiosk's token is ``<kiosk id>.<secret>``: the id finds the kiosk's stream without an index,
and only the token's SHA-256 is stored, so neither the log nor a backup can impersonate a
kiosk. A single-use code has a stream of its own (issued, then redeemed), so redeeming it is
an append with an expected version: two kiosks racing for one code cannot both win.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, replace
from datetime import date

from contracts.survey import CodeInvalid, CodeUsed, KioskRevoked
from kernel.errors import Forbidden, IllegalTransition, NotFound, Unauthorised, ValidationFailed
from kernel.events import NewEvent, RecordedEvent

KIOSK_REGISTERED = "KioskRegistered"
KIOSK_REVOKED = "KioskRevoked"
CODE_ISSUED = "SingleUseCodeIssued"
CODE_REDEEMED = "SingleUseCodeRedeemed"

# No 0/O, 1/I/L: codes are read aloud and typed from paper at the one-stop desk.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # ~59 bits: the stored hash is unsalted, so it must resist brute force
MAX_CODES_PER_CALL = 500
KIOSK_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


def kiosk_stream(kiosk_id: str) -> str:
    return f"kiosk-{kiosk_id}"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_kiosk_id() -> str:
    return secrets.token_hex(16)


def new_token(kiosk_id: str) -> str:
    return f"{kiosk_id}.{secrets.token_urlsafe(32)}"


def kiosk_id_of(token: str) -> str:
    kiosk_id = (token or "").partition(".")[0]
    if not isinstance(token, str) or not KIOSK_ID_PATTERN.match(kiosk_id):
        raise Unauthorised("kiosk.not_a_token")
    return kiosk_id


@dataclass(frozen=True)
class Kiosk:
    kiosk_id: str
    version: int = 0
    commune_code: str | None = None
    label: str | None = None
    token_sha256: str | None = None
    registered_on: str | None = None
    revoked_on: str | None = None
    revoked_reason: str | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_on is not None

    @classmethod
    def from_events(cls, kiosk_id: str, events: list[RecordedEvent]) -> Kiosk:
        state = cls(kiosk_id)
        for event in events:
            data = event.data
            if event.type == KIOSK_REGISTERED:
                state = replace(state, commune_code=data["commune_code"], label=data["label"],
                                token_sha256=data["token_sha256"],
                                registered_on=data["registered_on"])
            elif event.type == KIOSK_REVOKED:
                state = replace(state, revoked_on=data["revoked_on"], revoked_reason=data["reason"])
            state = replace(state, version=event.version)
        return state

    def register(self, commune_code: str, label: str, token: str, today: date) -> list[NewEvent]:
        if self.version:
            raise IllegalTransition("kiosk.already_registered", {"kiosk_id": self.kiosk_id})
        problems = {}
        if not re.match(r"^\d{5}$", commune_code or ""):
            problems["commune_code"] = "A commune code has five digits."
        if not (label or "").strip() or len(label) > 100:
            problems["label"] = "The label must have 1-100 characters."
        if problems:
            raise ValidationFailed("kiosk.cannot_register", problems)
        return [NewEvent(KIOSK_REGISTERED, {
            "kiosk_id": self.kiosk_id, "commune_code": commune_code, "label": label.strip(),
            "token_sha256": sha256(token), "registered_on": today.isoformat()})]

    def revoke(self, reason: str, today: date) -> list[NewEvent]:
        self.require_exists()
        if self.revoked:
            raise IllegalTransition("kiosk.already_revoked", {"kiosk_id": self.kiosk_id, "revoked_on": self.revoked_on})
        return [NewEvent(KIOSK_REVOKED, {"kiosk_id": self.kiosk_id,
                                         "reason": (reason or "").strip()[:200],
                                         "revoked_on": today.isoformat()})]

    def authenticate(self, token: str) -> Kiosk:
        # One message for an unknown kiosk and a wrong secret: no probing for kiosk ids.
        if not self.version or not hmac.compare_digest(self.token_sha256, sha256(token)):
            raise Unauthorised("kiosk.token_not_valid")
        if self.revoked:
            raise KioskRevoked("kiosk.revoked", {"kiosk_id": self.kiosk_id, "revoked_on": self.revoked_on})
        return self

    def check_commune(self, commune_code: str) -> None:
        if commune_code != self.commune_code:
            raise Forbidden("kiosk.other_commune", {"kiosk_id": self.kiosk_id,
                                                 "kiosk_commune": self.commune_code,
                                                 "campaign_commune": commune_code})

    def require_exists(self) -> None:
        if not self.version:
            raise NotFound("kiosk.not_found", {"kiosk_id": self.kiosk_id})

    def to_dict(self) -> dict:
        self.require_exists()
        return {"kiosk_id": self.kiosk_id, "commune_code": self.commune_code,
                "label": self.label, "registered_on": self.registered_on,
                "state": "revoked" if self.revoked else "active",
                "revoked_on": self.revoked_on, "revoked_reason": self.revoked_reason}


# -- single-use codes ---------------------------------------------------------------------
def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def code_hash(code: str) -> str:
    return sha256(normalise_code(code))


def code_stream(code: str) -> str:
    return f"code-{code_hash(code)}"


def issue_events(campaign_id: str, codes: list[str], today: date) -> list[tuple[str, NewEvent]]:
    """(stream, event) for each code: every code is a stream of its own."""
    return [(code_stream(code), NewEvent(CODE_ISSUED, {
        "campaign_id": campaign_id, "code_sha256": code_hash(code),
        "issued_on": today.isoformat()})) for code in codes]


@dataclass(frozen=True)
class SingleUseCode:
    code_sha256: str
    version: int = 0
    campaign_id: str | None = None
    response_id: str | None = None
    issued_by: str | None = None  # who issued it (the actor of its issue): rate-limited too

    @classmethod
    def from_events(cls, code: str, events: list[RecordedEvent]) -> SingleUseCode:
        state = cls(code_hash(code))
        for event in events:
            if event.type == CODE_ISSUED:
                state = replace(state, campaign_id=event.data["campaign_id"],
                                issued_by=(event.metadata or {}).get("actor"))
            elif event.type == CODE_REDEEMED:
                state = replace(state, response_id=event.data["response_id"])
            state = replace(state, version=event.version)
        return state

    def check(self, campaign_id: str) -> None:
        if not self.version or self.campaign_id != campaign_id:
            raise CodeInvalid("survey.code_not_issued", {"campaign_id": campaign_id})
        if self.response_id is not None:
            raise CodeUsed("survey.code_already_used", {"campaign_id": campaign_id})

    def redeem(self, campaign_id: str, response_id: str, today: date) -> list[NewEvent]:
        self.check(campaign_id)
        return [NewEvent(CODE_REDEEMED, {"campaign_id": campaign_id,
                                         "code_sha256": self.code_sha256,
                                         "response_id": response_id,
                                         "used_on": today.isoformat()})]

"""Idempotency keys at the gateway: the header, the request's fingerprint, the answer key.

Every state-changing request of a signed-in caller (POST, PUT, PATCH, DELETE on a route
with roles) gets a key: its ``Idempotency-Key`` header, or a new UUID. The gateway sends it
to the service in ``context["idempotency"]`` (gateway.http.Call.context) with

- ``fingerprint``: SHA-256 of the method, the path and the query and body *as validated*,
  sealed with a key derived from ``JWT_SECRET`` (HMAC), so the stored value reveals nothing
  of the body (some carry passwords) to whoever reads the service's database.
  "The same body" is the same request after validation: key order, white space, a field
  sent with its default value or left out, a decimal written 1.5 or 1.50 do not change it;
  any other difference does.
- ``answer_key``: the key the service seals the stored answer with, derived from the
  gateway's ``JWT_SECRET``, the caller's subject and the key: the database never holds it.

The service keeps the key scoped to the caller (the token's subject), so two callers' keys
never meet. Its answer comes back wrapped (kernel/idempotency.py); ``unwrap`` takes it out
and says whether it was replayed. Every response to a keyed request carries the key in
``Idempotency-Key`` (errors included, so a client whose request timed out can retry with
the key the gateway made), and a replayed answer ``Idempotent-Replayed: true``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from nameko.extensions import DependencyProvider

from gateway.auth import DEFAULT_SECRET
from kernel import idempotency as kernel_idempotency
from kernel.errors import KernelError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_LENGTH = kernel_idempotency.MAX_KEY_LENGTH
_ANSWER_KEY_LABEL = b"tcpl/idempotency/answer-key/v1"


class InvalidIdempotencyKey(KernelError):
    code, http_status = "invalid_idempotency_key", 400


@dataclass(frozen=True)
class RequestKey:
    """A write request's key and what the service needs with it."""

    key: str
    fingerprint: str
    answer_key: str

    def context(self) -> dict:
        return {"key": self.key, "fingerprint": self.fingerprint, "answer_key": self.answer_key}


def keyed(method: str, roles) -> bool:
    """Whether a request by ``method`` to a route open to ``roles`` carries a key: writes of
    signed-in callers. (Kiosks' submissions are deduplicated by their response id.)"""
    return method.upper() in WRITE_METHODS and roles is not None


def key_from(request) -> str:
    """The request's ``Idempotency-Key``, or a new UUID if it sent none; 400 if malformed."""
    given = request.headers.get(HEADER)
    if given is None:
        return str(uuid.uuid4())
    if not kernel_idempotency.KEY_PATTERN.fullmatch(given):
        raise InvalidIdempotencyKey("idempotency.key_malformed",
                                    {"header": HEADER, "max_length": MAX_LENGTH})
    return given


def fingerprint(method: str, path: str, query: dict, body) -> str:
    """SHA-256 (hex) of what the request asks, as validated (module docstring)."""
    asked = {"method": method.upper(), "path": path, "query": query, "body": body}
    text = json.dumps(asked, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_json_value)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _json_value(value):
    if isinstance(value, Decimal):
        # 1.5 and 1.50 are the same number; normalize() alone would write 100 as 1E+2
        return format(value.normalize(), "f")
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(f"{type(value).__name__} cannot be fingerprinted")


class AnswerKeys:
    def __init__(self, secret: str):
        # A key of its own, derived once: the JWT secret itself never signs anything else.
        self._key = hmac.new(secret.encode("utf-8"), _ANSWER_KEY_LABEL, hashlib.sha256).digest()

    def for_request(self, subject: str, key: str) -> str:
        message = subject.encode("utf-8") + b"\0" + key.encode("ascii")
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def sealed_fingerprint(self, plain: str) -> str:
        """The fingerprint the service keeps: keyed, so that its table cannot be used to
        guess what a request carried (a password given to an account, say) by hashing
        guesses; equal for equal requests all the same."""
        return hmac.new(self._key, b"fingerprint\0" + plain.encode("ascii"),
                        hashlib.sha256).hexdigest()


class IdempotencySecret(DependencyProvider):
    """The gateway's answer keys, from ``JWT_SECRET``: rotating that secret makes the
    answers stored in the last ``IDEMPOTENCY_KEEP_DAYS`` unreadable (a retry is then told
    so with 409 ``idempotency_answer_unreadable``, and nothing runs twice)."""

    def setup(self):
        self.keys = AnswerKeys(self.container.config.get("JWT_SECRET") or DEFAULT_SECRET)

    def get_dependency(self, worker_ctx):
        return self.keys


def request_key(request, keys: AnswerKeys, subject: str, query: dict, body) -> RequestKey:
    key = key_from(request)
    return RequestKey(key=key, fingerprint=keys.sealed_fingerprint(
        fingerprint(request.method, request.path, query, body)),
        answer_key=keys.for_request(subject, key))


def unwrap(body, key: str) -> tuple[object, bool]:
    """(the answer, replayed?) from what a keyed write RPC answered. Anything that is not
    the service's wrapping of this very key (a service without @idempotent, say) passes as
    it is, not replayed."""
    if (isinstance(body, dict) and body.keys() == {kernel_idempotency.ANSWER,
                                                   kernel_idempotency.KEY,
                                                   kernel_idempotency.REPLAYED}
            and body[kernel_idempotency.KEY] == key):
        return body[kernel_idempotency.ANSWER], bool(body[kernel_idempotency.REPLAYED])
    return body, False


def headers(key: str | None, replayed: bool = False) -> dict:
    if key is None:
        return {}
    return {HEADER: key, **({REPLAYED_HEADER: "true"} if replayed else {})}

"""The gateway's side of accounts: who a personal API token or a workspace session stands for.

Both are asked of the accounts service on every request (``authenticate_token``,
``authenticate_session``), through its bulkhead like any call, and nothing is kept between
requests: a disabled account, a revoked token or an ended session is refused at the next
request. Only hashes cross the broker: the SHA-256 of a token's secret and of a session id.

A personal token is ``tcpl_pat_<16 hex digits>_<secret>`` (services/accounts/credentials.py
makes them); anything else after ``Bearer`` is a JWT (gateway/auth.py).
"""

from __future__ import annotations

import hashlib
import re

from gateway.auth import Principal, normalise_jurisdiction
from kernel.errors import Unauthorised

TOKEN_PREFIX = "tcpl_pat_"
_TOKEN = re.compile(r"^tcpl_pat_([0-9a-f]{16})_([A-Za-z0-9_-]{20,100})$")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_personal_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX)


def split_token(token: str) -> tuple[str, str] | None:
    """(token id, SHA-256 of the secret) of a well-formed personal token, else None."""
    found = _TOKEN.match(token or "")
    return None if found is None else (found.group(1), sha256(found.group(2)))


def principal_from(answer: dict, via: str) -> Principal:
    """The Principal of an ``authenticate_*`` answer."""
    found = answer["principal"]
    return Principal(sub=found["sub"], role=found["role"],
                     jurisdiction=normalise_jurisdiction(found.get("jurisdiction")),
                     name=found.get("name") or found["sub"], agency=found.get("agency"),
                     via=via)


def token_principal(backends, token: str) -> Principal:
    """Who the personal token stands for now; Unauthorised if nobody (401)."""
    parts = split_token(token)
    if parts is None:
        raise Unauthorised("personal_token.malformed", {"reason": "malformed"})
    return principal_from(backends.call("accounts", "authenticate_token", *parts),
                          "personal_token")

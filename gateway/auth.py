"""Bearer tokens: who is calling, in which role, and over which administrative units.

Tokens are HS256 JWTs signed with the platform's secret. Citizens never hold one: whatever
a citizen may do is public. A jurisdiction names at most one unit per level; the most
specific level it names is the one it covers. Which role and jurisdiction each operation
needs is gateway/permissions.py's table.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

import jwt

from kernel.errors import Unauthorised
from kernel.events import Actor
from kernel.roles import LEVELS, NATIONWIDE_ROLES, ROLES  # noqa: F401 (imported from here too)

ALGORITHM = "HS256"
DEFAULT_SECRET = "dev-only-secret-change-me-in-production"
REQUIRED_CLAIMS = ["sub", "role", "iat", "exp"]


@dataclass(frozen=True)
class Principal:
    sub: str
    role: str
    jurisdiction: dict = field(default_factory=dict)
    name: str = ""
    #: an agency officer's agency (services/plans/data/agencies.json id, e.g. "12:so-tu-phap")
    agency: str | None = None
    #: how the caller proved who they are: "jwt", "personal_token" or "session" (an account's
    #: personal token or its signed-in session, checked by the accounts service every time)
    via: str = "jwt"

    def to_actor(self) -> Actor:
        return Actor(subject=self.sub, role=self.role, jurisdiction=dict(self.jurisdiction))


def normalise_jurisdiction(jurisdiction: dict | None) -> dict:
    """Every level present, each a non-empty code string or None."""
    jurisdiction = jurisdiction or {}
    if not isinstance(jurisdiction, dict):
        raise ValueError("jurisdiction must be an object")
    unknown = set(jurisdiction) - set(LEVELS)
    if unknown:
        raise ValueError(f"unknown jurisdiction levels: {', '.join(sorted(unknown))}")
    result = {}
    for level in LEVELS:
        code = jurisdiction.get(level) or None
        if code is not None and not isinstance(code, str):
            raise ValueError(f"jurisdiction {level} must be a code string")
        result[level] = code
    return result


def issue_token(secret: str, sub: str, role: str, jurisdiction: dict | None = None,
                name: str | None = None, ttl: timedelta | float = timedelta(hours=12),
                now: float | None = None, agency: str | None = None) -> str:
    """A signed token; ``ttl`` is a timedelta or seconds (negative ones make expired tokens)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")
    if not sub:
        raise ValueError("sub must not be empty")
    issued_at = int(time.time() if now is None else now)
    seconds = ttl.total_seconds() if isinstance(ttl, timedelta) else float(ttl)
    claims = {
        "sub": sub,
        "role": role,
        "jurisdiction": normalise_jurisdiction(jurisdiction),
        "name": name or sub,
        "iat": issued_at,
        "exp": issued_at + int(seconds),
    }
    if agency:
        claims["agency"] = agency
    if role == "agency_officer" and not agency:
        raise ValueError("an agency_officer token needs its agency")
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def authenticate(request, secret: str) -> Principal:
    """The principal behind the request's bearer token, or Unauthorised."""
    return principal_from_token(bearer_token(request), secret)


def bearer_token(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorised("auth.bearer_needed")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorised("auth.bearer_malformed")
    return token.strip()


def principal_from_token(token: str, secret: str) -> Principal:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"require": REQUIRED_CLAIMS})
    except jwt.ExpiredSignatureError:
        raise Unauthorised("auth.token_expired", {"reason": "expired"}) from None
    except jwt.InvalidTokenError as exc:
        raise Unauthorised("auth.token_invalid", {"reason": str(exc)}) from None
    if claims["role"] not in ROLES:
        raise Unauthorised("auth.token_role_unknown", {"reason": "unknown role"})
    try:
        jurisdiction = normalise_jurisdiction(claims.get("jurisdiction"))
    except ValueError as exc:
        raise Unauthorised("auth.token_jurisdiction_malformed", {"reason": str(exc)}) from None
    agency = claims.get("agency")
    if agency is not None and not isinstance(agency, str):
        raise Unauthorised("auth.token_agency_malformed", {"reason": "agency"})
    return Principal(sub=claims["sub"], role=claims["role"], jurisdiction=jurisdiction,
                     name=claims.get("name") or claims["sub"], agency=agency or None)


def covers(principal: Principal, province: str | None = None, district: str | None = None,
           commune: str | None = None) -> bool:
    """Whether the principal's jurisdiction holds the unit, given where the unit lies (the
    caller resolves that, for the year that matters: gateway/permissions.py).

    The most specific level the jurisdiction names decides, and a commune officer covers
    only their own commune, whatever else their token names: a commune officer's token that
    names a province but no commune covers nothing."""
    if principal.role in NATIONWIDE_ROLES:
        return True
    own = principal.jurisdiction
    if principal.role == "commune_officer" or own.get("commune"):
        return commune is not None and own.get("commune") == commune
    if own.get("district"):
        return district is not None and own["district"] == district
    if own.get("province"):
        return province is not None and own["province"] == province
    return False

"""The workspace's cookies: the session, and the sign-in form's own, with their CSRF tokens.

- ``tcpl_session``: the session id, 32 random bytes made here at each sign-in (so a session
  id fixed before sign-in is never adopted). Only its SHA-256 leaves the gateway: the accounts
  service keeps the record (who, since when, last seen) under it, and is asked on every
  request (gateway/accounts.py's contract). ``HttpOnly`` (no script reads it),
  ``SameSite=Lax``, ``Path=/can-bo``, no ``Max-Age`` (it ends with the browser; the server's
  idle and absolute expiry end it sooner), and ``Secure`` when the request came over TLS
  (the WSGI scheme, or ``X-Forwarded-Proto: https`` from the proxy in front) or the config
  says so (``SESSION_COOKIE_SECURE``).

  Lax rather than Strict: an official who follows a link to a workspace page from an e-mail
  or the ministry's portal arrives signed in (Strict would drop the cookie on that first
  navigation and show the sign-in form to someone already signed in), while the browser still
  withholds the cookie from other sites' POSTs, images and frames. Pages change nothing on
  GET, and every POST also needs the session's CSRF token, so Lax gives up nothing.
- ``tcpl_sign_in``: a random value for the sign-in form only (``Path=/can-bo/dang-nhap``, one
  hour), so that form has a CSRF token too before there is a session (a forged sign-in would
  put the victim in the attacker's account).

A CSRF token is HMAC-SHA-256 of a fixed label keyed with the cookie's value: tied to the
session, unguessable without the cookie, and nothing to store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SESSION_COOKIE = "tcpl_session"
SIGN_IN_COOKIE = "tcpl_sign_in"
PATH = "/can-bo"
SIGN_IN_PATH = "/can-bo/dang-nhap"
CSRF_FIELD = "csrf_token"
_SESSION_LABEL = b"tcpl/csrf/session/v1"
_SIGN_IN_LABEL = b"tcpl/csrf/sign-in/v1"


def new_id() -> str:
    return secrets.token_urlsafe(32)


def id_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def well_formed(value: str | None) -> bool:
    return bool(value) and 40 <= len(value) <= 64 and all(
        c.isalnum() or c in "-_" for c in value)


def _token(key: str, label: bytes) -> str:
    digest = hmac.new(key.encode("utf-8"), label, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def csrf_token(session_id: str) -> str:
    """The session's CSRF token (what every workspace form carries in ``csrf_token``)."""
    return _token(session_id, _SESSION_LABEL)


def sign_in_csrf_token(form_id: str) -> str:
    return _token(form_id, _SIGN_IN_LABEL)


def csrf_matches(expected: str, given) -> bool:
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())


def over_tls(request, always: bool = False) -> bool:
    """Whether the cookie must be ``Secure``. Trusting ``X-Forwarded-Proto`` is safe here: a
    forged one can only make the cookie stricter."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return always or request.scheme == "https" or forwarded == "https"


def client_address(request, trusted_proxy_hops: int = 0) -> str:
    """The client's address: the connection's, or behind ``trusted_proxy_hops`` proxies the
    entry that many places from the end of ``X-Forwarded-For`` (earlier entries are the
    client's own word)."""
    if trusted_proxy_hops > 0:
        hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",")
                if h.strip()]
        if len(hops) >= trusted_proxy_hops:
            return hops[-trusted_proxy_hops][:64]
    return (request.remote_addr or "unknown")[:64]


def set_session(response, session_id: str, secure: bool) -> None:
    response.set_cookie(SESSION_COOKIE, session_id, path=PATH, httponly=True, samesite="Lax",
                        secure=secure)


def clear_session(response, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path=PATH, httponly=True, samesite="Lax",
                           secure=secure)


def set_sign_in(response, form_id: str, secure: bool) -> None:
    response.set_cookie(SIGN_IN_COOKIE, form_id, path=SIGN_IN_PATH, max_age=3600,
                        httponly=True, samesite="Lax", secure=secure)


def clear_sign_in(response, secure: bool) -> None:
    response.delete_cookie(SIGN_IN_COOKIE, path=SIGN_IN_PATH, httponly=True, samesite="Lax",
                           secure=secure)


def local_path(value: str | None, default: str = "/can-bo/") -> str:
    """``value`` if it is a path of the workspace (where to go after signing in), else
    ``default``: never another site (``//evil``, ``https://…``, ``/\\evil``)."""
    if (isinstance(value, str) and value.startswith(PATH + "/") and "//" not in value
            and "\\" not in value and len(value) <= 500 and value.isprintable()
            and not value.startswith(SIGN_IN_PATH)):
        return value
    return default

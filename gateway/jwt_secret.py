"""The secret that signs bearer tokens: never a published one, unless in a development run.

Anyone who knows the signing secret can mint an administrator's token. The development secret
is printed in this repository, so a gateway (or the token CLI) that fell back to it silently
would accept tokens from anyone: both refuse to start without a secret of their own, of at
least 32 bytes (HS256 wants a key as long as its hash), unless the run is declared a
development run (``TCPL_DEVELOPMENT=1``, config ``DEVELOPMENT``). ``make run`` makes a random
secret under ``var/`` instead (scripts/run.sh), so even the demo does not use a public one.
"""

from __future__ import annotations

import logging

from gateway.auth import DEFAULT_SECRET

log = logging.getLogger(__name__)

SECRET_ENV = "TCPL_JWT_SECRET"
DEVELOPMENT_ENV = "TCPL_DEVELOPMENT"
MIN_SECRET_BYTES = 32
# Secrets anyone can read: the development default, and deploy/.env.example's placeholder.
PUBLISHED_SECRETS = frozenset({DEFAULT_SECRET, "change-me-to-a-long-random-string"})
HOW_TO_FIX = (f"set {SECRET_ENV} (config JWT_SECRET) to a random secret of "
              f"{MIN_SECRET_BYTES} bytes or more, for example the output of "
              "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`, or declare a "
              f"development run with {DEVELOPMENT_ENV}=1 (config DEVELOPMENT: true)")


class SecretRefused(Exception):
    """The configured signing secret may not be used outside a development run."""


def is_development(value) -> bool:
    """Whether a setting (config value or environment string) declares a development run."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value == 1
    return str(value or "").strip().lower() in ("1", "true", "yes", "on")


def weakness(secret) -> str | None:
    """Why ``secret`` must not sign production tokens, or None when it may."""
    if not secret:
        return "no JWT secret is configured"
    if str(secret) in PUBLISHED_SECRETS:
        return "the JWT secret is a published one (the development secret or the example's)"
    size = len(str(secret).encode("utf-8"))
    if size < MIN_SECRET_BYTES:
        return f"the JWT secret is {size} bytes long, shorter than {MIN_SECRET_BYTES}"
    return None


def signing_secret(configured, development: bool) -> str:
    """The secret to sign and check tokens with; raises SecretRefused, saying why and what to
    do, when it is missing, published or short and this is not a development run."""
    problem = weakness(configured)
    if problem is None:
        return str(configured)
    if not development:
        raise SecretRefused(f"{problem}; {HOW_TO_FIX}")
    log.warning("development run: %s; tokens signed with it are not safe anywhere else", problem)
    return str(configured) if configured else DEFAULT_SECRET

"""The kiosk page (gateway/static/kiosk/): plain HTML, CSS and JavaScript, no CDN, no build.

The device token a kiosk sends is ``Authorization: Kiosk <token>``, not a JWT: kiosks are
devices registered to one commune, and the survey service checks the token (only its
SHA-256 is stored). ``kiosk_token`` reads it from a request.
"""

from __future__ import annotations

from importlib import resources

from werkzeug.exceptions import NotFound as WerkzeugNotFound
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Response

from gateway.errors import route_not_found
from kernel.errors import Unauthorised

SCHEME = "Kiosk"
ASSET_MAX_AGE = 300  # short: a kiosk left running picks up a new version within minutes
MAX_TOKEN_LENGTH = 200


def _directory():
    return resources.files("gateway") / "static" / "kiosk"


def page() -> Response:
    html = (_directory() / "index.html").read_text(encoding="utf-8")
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def asset(request, filename: str) -> Response:
    if filename == "index.html":
        raise route_not_found(request.path)
    try:
        return send_from_directory(str(_directory()), filename, request.environ,
                                   max_age=ASSET_MAX_AGE)
    except WerkzeugNotFound:
        raise route_not_found(request.path) from None


def kiosk_token(request) -> str:
    """The device token of ``Authorization: Kiosk <token>``, or Unauthorised."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthorised("This endpoint needs the kiosk's device token: send "
                           "'Authorization: Kiosk <token>'.")
    token = token.strip()
    if scheme.lower() != SCHEME.lower() or not token or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorised("The Authorization header must be 'Kiosk <token>' with the token "
                           "given when the kiosk was registered.")
    return token

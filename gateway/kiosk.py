"""The kiosk page (gateway/static/kiosk/): plain HTML, CSS and JavaScript, no CDN, no build.

The device token a kiosk sends is ``Authorization: Kiosk <token>``, not a JWT: kiosks are
devices registered to one commune, and the survey service checks the token (only its
SHA-256 is stored). ``kiosk_token`` reads it from a request.

The service worker (``sw.js``, served as ``/kiosk/sw.js`` by ``service_worker``) lets a
kiosk reload the page while offline. Its cache is named after a hash of the kiosk's files,
filled in when it is served, so any change to them installs a new worker and drops the
old cache; it is not served under /kiosk/assets/ (it would only control that folder).
"""

from __future__ import annotations

import hashlib
import posixpath
from importlib import resources

from werkzeug.exceptions import NotFound as WerkzeugNotFound
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Response

from gateway.errors import route_not_found
from kernel.errors import Unauthorised

SCHEME = "Kiosk"
ASSET_MAX_AGE = 300  # short: a kiosk left running picks up a new version within minutes
MAX_TOKEN_LENGTH = 200
WORKER = "sw.js"
WORKER_SCOPE = "/kiosk"  # the page is /kiosk, outside the default scope of /kiosk/sw.js
VERSION_PLACEHOLDER = "__KIOSK_VERSION__"
NOT_ASSETS = ("index.html", WORKER)  # served by their own routes


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


def version() -> str:
    """A hash of every file of the kiosk page: it changes whenever one of them does."""
    digest = hashlib.sha256()
    files = sorted((f for f in _directory().iterdir() if f.is_file()), key=lambda f: f.name)
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def service_worker() -> Response:
    script = (_directory() / WORKER).read_text(encoding="utf-8")
    response = Response(script.replace(VERSION_PLACEHOLDER, version()),
                        mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = WORKER_SCOPE
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = "default-src 'self'"
    return response


def asset(request, filename: str) -> Response:
    if posixpath.normpath(filename) in NOT_ASSETS:
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
        raise Unauthorised("kiosk.token_needed")
    token = token.strip()
    if scheme.lower() != SCHEME.lower() or not token or len(token) > MAX_TOKEN_LENGTH:
        raise Unauthorised("kiosk.header_malformed")
    return token

"""The browsable API docs: a Swagger UI page served from the installed swagger_ui_bundle.

The assets come from the Python package rather than a CDN, so the docs work offline and the
UI's version is pinned with the other dependencies.
"""

from __future__ import annotations

from importlib import resources

from swagger_ui_bundle import swagger_ui_path
from werkzeug.exceptions import NotFound as WerkzeugNotFound
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Response

from gateway.errors import route_not_found

ASSET_MAX_AGE = 24 * 3600


def page() -> Response:
    html = (resources.files("gateway") / "static" / "docs.html").read_text(encoding="utf-8")
    return Response(html, mimetype="text/html")


def asset(request, filename: str) -> Response:
    try:
        return send_from_directory(str(swagger_ui_path), filename, request.environ,
                                   max_age=ASSET_MAX_AGE)
    except WerkzeugNotFound:
        raise route_not_found(request.path) from None

"""Rendering workspace pages: Jinja2 templates in gateway/workspace/templates, in the results
board's look (its stylesheet, plus workspace.css), with the headers every page carries."""

from __future__ import annotations

from importlib import resources

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Response

from gateway.board import date_vi, datetime_vi, number
from gateway.workspace import labels

# As the board's, with no inline script or style at all.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")


def _environment() -> Environment:
    directory = resources.files("gateway") / "workspace" / "templates"
    env = Environment(loader=FileSystemLoader(str(directory)),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters.update(date_vi=date_vi, datetime_vi=datetime_vi, number=number,
                       role_label=lambda role: labels.ROLE_LABELS.get(role, role or ""),
                       state_label=lambda state: labels.STATE_LABELS.get(state, state or ""),
                       token_state_label=lambda s: labels.TOKEN_STATE_LABELS.get(s, s or ""),
                       jurisdiction_label=labels.jurisdiction_label)
    env.globals.update(ROLE_LABELS=labels.ROLE_LABELS, STATE_LABELS=labels.STATE_LABELS)
    return env


ENV = _environment()


def html(template: str, status: int = 200, **context) -> Response:
    response = Response(ENV.get_template(template).render(**context), status=status,
                        mimetype="text/html")
    secure_headers(response)
    return response


def secure_headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    # Pages show one person's data (and, once, a new password or token): never kept.
    response.headers["Cache-Control"] = "no-store"
    return response

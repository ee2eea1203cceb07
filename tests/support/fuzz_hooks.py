"""Schemathesis hooks for the fuzz run: besides the values the schemas describe, some requests
carry what a hostile or careless client sends.

Issue 14's auditor got 500s from exactly these: text no store can keep (half a UTF-16
surrogate pair, NUL), integers beyond anything the domain or RFC 8785 holds, and nesting
deeper than any document. Each generated body, query and path has a small chance of having
one value replaced by one of them, chosen by Hypothesis (so the run's seed reproduces it).
Only JSON a client can send is produced: the deepest nesting stays within what the client's
own encoder writes.
"""

import atexit
import json
import os
import threading

import schemathesis
from hypothesis import strategies as st

HOSTILE_TEXT = ("\ud800", "ke-hoach-\udfff.docx", "a\x00b", "\x00", "\udc80\ud800")
URL_HOSTILE_TEXT = ("\x00", "00004\x00", "a\x00b")  # a URL carries UTF-8: no surrogates
HOSTILE_NUMBERS = (2 ** 31, 2 ** 53, 2 ** 59, 2 ** 63, -(2 ** 63), 10 ** 30, 1e308, -1e308)
# Deeper than the gateway's 32 levels; not so deep that schemathesis's own reports recurse out.
DEPTHS = (33, 150)
CHANCE = 10  # one request in CHANCE carries a hostile value
# Every answer's status, by operation: schemathesis reports failures, not what it called.
TALLY_PATH = os.environ.get("TCPL_FUZZ_TALLY")
_tally: dict[str, dict[str, int]] = {}
_tally_lock = threading.Lock()


def _nested(depth: int) -> list:
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


HOSTILE_VALUES = st.one_of(st.sampled_from(HOSTILE_TEXT), st.sampled_from(HOSTILE_NUMBERS),
                           st.sampled_from([_nested(depth) for depth in DEPTHS]))


def _replaced(value: dict, path: tuple, new) -> dict:
    if len(path) == 1:
        return {**value, path[0]: new}
    return {**value, path[0]: _replaced(value[path[0]], path[1:], new)}


def _paths(value: dict, prefix=()):
    """Every key path into nested objects, up to three levels."""
    for key, child in value.items():
        yield (*prefix, key)
        if isinstance(child, dict) and len(prefix) < 2:
            yield from _paths(child, (*prefix, key))


@st.composite
def _sometimes_hostile(draw, value, choices, replacements):
    """``value`` as it is, or (one time in CHANCE) with one place replaced. Hypothesis draws
    the choice, so a run's seed reproduces it; named functions, not lambdas, because
    Hypothesis parses a lambda's source to describe it, which fails in worker threads."""
    if draw(st.integers(1, CHANCE)) != 1:
        return value
    return _replaced(value, draw(st.sampled_from(choices)), draw(replacements))


# A form's fields travel as UTF-8 like a URL: half a surrogate pair cannot be sent in one.
FORM_HOSTILE_VALUES = st.one_of(st.sampled_from(URL_HOSTILE_TEXT), st.sampled_from(HOSTILE_NUMBERS))


def _multipart(context) -> bool:
    operation = getattr(context, "operation", None)
    return operation is not None and "multipart/form-data" in (
        operation.get_request_payload_content_types() or [])


@schemathesis.hook
def flatmap_body(context, body):
    if not isinstance(body, dict) or not body:
        return st.just(body)
    hostile = FORM_HOSTILE_VALUES if _multipart(context) else HOSTILE_VALUES
    return _sometimes_hostile(body, sorted(_paths(body), key=repr), hostile)


def _in_url(values):
    names = sorted((name,) for name, value in (values or {}).items() if isinstance(value, str))
    if not names:
        return st.just(values)
    return _sometimes_hostile(values, names, st.sampled_from(URL_HOSTILE_TEXT))


@schemathesis.hook
def flatmap_query(context, query):
    return _in_url(query)


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    return _in_url(path_parameters)


@schemathesis.hook
def after_call(context, case, response):
    label = f"{case.operation.method.upper()} {case.operation.path}"
    with _tally_lock:
        by_status = _tally.setdefault(label, {})
        status = str(response.status_code)
        by_status[status] = by_status.get(status, 0) + 1


@atexit.register
def _write_tally():
    if TALLY_PATH:
        with _tally_lock, open(TALLY_PATH, "w", encoding="utf-8") as out:
            json.dump(_tally, out, indent=1, sort_keys=True)

"""What every request's input must be before any schema reads it.

A body is I-JSON (RFC 7493): UTF-8, no member name twice in one object, numbers a double
holds exactly (integers within ±(2**53 − 1), the range RFC 8785 can hash in event data; no
NaN, no Infinity) and text made of Unicode characters, never half a UTF-16 surrogate pair.
Two limits of our own come on top: objects and arrays nest at most ``MAX_DEPTH`` deep, and no
text holds NUL, which PostgreSQL cannot store. Path and query values follow the same text
rule. Whatever breaks a rule is refused here, once for every route, so that no schema can
forget it and nothing reaches a service that it could not store or hash.
"""

from __future__ import annotations

import json
import math
import re

from gateway.errors import InvalidJson
from kernel.errors import ValidationFailed
from kernel.messages import DEFAULT_LANGUAGE, render

MAX_DEPTH = 32
MAX_SAFE_INTEGER = 2 ** 53 - 1
MAX_PROBLEMS = 20  # text problems listed in one answer; the first ones are enough to fix
INVALID_REQUEST = "request.invalid"  # kernel/messages.py
UNSTORABLE_TEXT = render("field.unstorable_text", DEFAULT_LANGUAGE)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class _Refused(Exception):
    """Raised by the parser's hooks; parse_body turns it into InvalidJson."""

    def __init__(self, message: str, details: dict, params: dict | None = None):
        super().__init__(message)
        self.message, self.details, self.params = message, details, params


def parse_body(raw: bytes):
    """The JSON value of a request body, or InvalidJson / ValidationFailed saying why not."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidJson("request.not_utf8") from None
    try:
        value = json.loads(text, object_pairs_hook=_object, parse_int=_integer,
                           parse_float=_float, parse_constant=_constant)
    except _Refused as refused:
        raise InvalidJson(refused.message, refused.details, refused.params) from None
    except RecursionError:  # the parser's own limit, far deeper than ours
        raise _too_deep() from None
    except json.JSONDecodeError as exc:
        raise InvalidJson("request.not_json", {"line": exc.lineno, "column": exc.colno},
                          {"reason": exc.msg}) from None
    # NUL and surrogates can only arrive escaped (raw control characters are not JSON, and
    # UTF-8 cannot carry a surrogate), and fewer brackets than the limit cannot nest past it:
    # a kiosk's answers, like most bodies, need no walk at all.
    if "\\u" in text or text.count("[") + text.count("{") > MAX_DEPTH:
        problems = _walk(value)
        if problems:
            raise ValidationFailed(INVALID_REQUEST, problems)
    return value


def check_parameters(pairs) -> None:
    """Refuse a path or query parameter (name or value) holding unstorable text."""
    problems = {}
    for name, value in pairs:
        if _unstorable(name) or (isinstance(value, str) and _unstorable(value)):
            problems[shown(name)] = [UNSTORABLE_TEXT]
    if problems:
        raise ValidationFailed(INVALID_REQUEST, problems)


def shown(text: str) -> str:
    """``text`` safe to put in an answer: unstorable characters become U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def _unstorable(text: str) -> bool:
    # Nearly all text is ASCII without NUL, which needs no search.
    return (not text.isascii() or "\x00" in text) and _UNSTORABLE.search(text) is not None


def _walk(value) -> dict:
    """Text problems by dotted path (``figures.ghi chú.1``), after checking the depth."""
    problems: dict[str, list[str]] = {}
    todo = [(value, 0, "")]
    while todo:
        item, depth, path = todo.pop()
        if type(item) is str:
            if _unstorable(item) and len(problems) < MAX_PROBLEMS:
                problems[path or "_schema"] = [UNSTORABLE_TEXT]
        elif type(item) is dict or type(item) is list:
            if depth >= MAX_DEPTH:
                raise _too_deep()
            if type(item) is dict:
                for key, child in item.items():
                    if _unstorable(key):  # the key cannot be shown: its object is named
                        if len(problems) < MAX_PROBLEMS:
                            problems[path or "_schema"] = [UNSTORABLE_TEXT]
                        continue
                    todo.append((child, depth + 1, f"{path}.{key}" if path else key))
            else:
                todo.extend((child, depth + 1, f"{path}.{index}" if path else str(index))
                            for index, child in enumerate(item))
    return dict(sorted(problems.items()))


def _too_deep() -> InvalidJson:
    return InvalidJson("request.too_deep", {"reason": "too_deep", "max_depth": MAX_DEPTH})


def _object(pairs: list) -> dict:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen = set()
        key = next(key for key, _ in pairs if key in seen or seen.add(key))
        raise _Refused("request.duplicate_key", {"reason": "duplicate_key", "key": shown(key)})
    return found


def _out_of_range(literal: str) -> _Refused:
    shown_literal = literal if len(literal) <= 24 else literal[:20] + "…"
    return _Refused("request.number_out_of_range", {"reason": "number_out_of_range"},
                    {"number": shown_literal})


def _integer(literal: str) -> int:
    # Checked on the digits: int() itself refuses more than 4,300 of them with a ValueError.
    if len(literal.lstrip("-")) > 16 or abs(int(literal)) > MAX_SAFE_INTEGER:
        raise _out_of_range(literal)
    return int(literal)


def _float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise _out_of_range(literal)
    return value


def _constant(literal: str):
    raise _Refused("request.not_a_number", {"reason": "not_a_number", "value": literal})

"""Canonical JSON (RFC 8785) and the values allowed inside event data.

Event data must hash the same on every machine and in every database, so it is limited to
JSON values; Decimals (scores) travel as strings with their exact digits, never as floats.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import rfc8785

_PLAIN = frozenset({str, int, bool, type(None)})


def to_json_value(value):
    """Return ``value`` as plain JSON data: Decimal, UUID, date and datetime become strings."""
    # Exact types first: every event is walked on append and again for its hash, and nearly
    # everything in it is a str, an int, a dict or a list.
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {k if type(k) is str else str(k): to_json_value(v) for k, v in value.items()}
    if kind is list:
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (UUID, date, datetime)):
        return value.isoformat() if not isinstance(value, UUID) else str(value)
    if isinstance(value, float):
        raise TypeError("floats are not allowed in event data; use Decimal or a string")
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"{type(value).__name__} is not allowed in event data")


# For JSON without floats, RFC 8785 output equals sorted-key compact json.dumps except where
# UTF-16 key order differs from code-point order (characters beyond the BMP) or integers
# exceed the IEEE-754 safe range; such values take the reference implementation. The fast
# path is 5x quicker, and tests/kernel/test_canonical.py checks the two agree.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                            allow_nan=False)
# Separate searches, each starting with a character class the regex engine skips ahead on:
# one alternation tried at every position cost more than the encoding itself. An integer
# in compact JSON starts the text or follows ":", "," or "["; with 16 digits or more it
# may exceed 2**53. A string that happens to match only takes the slower path.
_BEYOND_BMP = re.compile("[\ud800-\udfff\U00010000-\U0010ffff]")
_LONG_INTEGER = re.compile("-?[0-9]{16}")
_LONG_INTEGER_INSIDE = re.compile("[:,\\[]-?[0-9]{16}")


def canonical_bytes(value) -> bytes:
    text = _ENCODER.encode(value)
    if ((not text.isascii() and _BEYOND_BMP.search(text))
            or _LONG_INTEGER_INSIDE.search(text) or _LONG_INTEGER.match(text)):
        return rfc8785.dumps(value)
    return text.encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

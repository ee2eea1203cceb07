"""Canonical JSON (RFC 8785) and the values allowed inside event data.

Event data must hash the same on every machine and in every database, so it is limited to
JSON values; Decimals (scores) travel as strings with their exact digits, never as floats.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import rfc8785


def to_json_value(value):
    """Return ``value`` as plain JSON data: Decimal, UUID, date and datetime become strings."""
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


def canonical_bytes(value) -> bytes:
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

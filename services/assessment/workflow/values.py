"""Checks on the values a command receives, turning bad input into ``ValidationFailed``."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from kernel.canonical import to_json_value
from kernel.errors import ValidationFailed
from kernel.messages import in_both
from rules.deadlines import as_vietnam_date
from storage.filetypes import MEDIA_TYPES, PDF

TWO_PLACES = Decimal("0.01")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_FILE_NAME = 255


def _named(field: str) -> dict:
    return in_both(field, field.replace("_", " "))


def required_text(value, field: str, details: dict) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed("value.empty", {**details, "field": field}, {"field": _named(field)})
    return value.strip()


def one_of(value, choices: tuple[str, ...], field: str, details: dict) -> str:
    if value not in choices:
        raise ValidationFailed("value.one_of", {**details, "field": field, "value": value},
                               {"choices": choices, "field": _named(field)})
    return value


def day(value: date | datetime, field: str, details: dict) -> date:
    try:
        return as_vietnam_date(value)
    except ValidationFailed as error:
        raise ValidationFailed(error.key or error.message,
                               {**details, **error.details, "field": field}, error.params) from None


def points(value, field: str, details: dict) -> Decimal:
    """Points are exact decimals with at most two places; floats would round silently."""
    if isinstance(value, (float, bool)) or not isinstance(value, (Decimal, int, str)):
        raise ValidationFailed("points.float", {**details, "field": field, "value": repr(value)})
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValidationFailed("points.number", {**details, "field": field,
                                                            "value": str(value)}) from None
    if not number.is_finite() or number != number.quantize(TWO_PLACES):
        raise ValidationFailed("points.two_places", {**details, "field": field, "value": str(value)})
    return number.quantize(TWO_PLACES)


def json_figures(figures, details: dict) -> dict:
    if not isinstance(figures, dict):
        raise ValidationFailed("figures.mapping", details)
    try:
        return to_json_value(figures)
    except TypeError as error:
        raise ValidationFailed("figures.unstorable", details, {"error": str(error)}) from None


def evidence_file(file, details: dict) -> dict:
    """An uploaded file as the gateway describes it: its name as given, the media type and
    size it found, the SHA-256 the store computed, and for a PDF its signature report."""
    if not isinstance(file, dict):
        raise ValidationFailed("evidence.description", {**details, "field": "file"})
    sha256 = file.get("sha256")
    if not isinstance(sha256, str) or not _SHA256.match(sha256):
        raise ValidationFailed("evidence.sha256", {**details, "field": "sha256"})
    size = file.get("size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValidationFailed("evidence.size", {**details, "field": "size"})
    media_type = file.get("media_type")
    if not isinstance(media_type, str) or media_type not in MEDIA_TYPES:
        raise ValidationFailed("evidence.media_type", {**details, "field": "media_type",
                                                       "allowed": sorted(MEDIA_TYPES)},
                               {"media_type": repr(media_type)})
    name = file.get("file_name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_FILE_NAME \
            or any(c in name for c in "/\\"):
        raise ValidationFailed("evidence.file_name", {**details, "field": "file_name"},
                               {"max": MAX_FILE_NAME})
    signatures = file.get("signatures")
    if (media_type == PDF.media_type) != isinstance(signatures, dict):
        raise ValidationFailed("evidence.signatures", {**details, "field": "signatures"})
    try:
        signatures = to_json_value(signatures)
    except TypeError as error:
        raise ValidationFailed("evidence.signatures_unstorable",
                               {**details, "field": "signatures"}, {"error": str(error)}) from None
    return {"file_name": name.strip(), "media_type": media_type, "size": size,
            "sha256": sha256, "signatures": signatures}

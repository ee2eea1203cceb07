"""Checks on the values a command receives, turning bad input into ``ValidationFailed``."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from kernel.canonical import to_json_value
from kernel.errors import ValidationFailed
from services.assessment.deadlines import as_vietnam_date

TWO_PLACES = Decimal("0.01")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def required_text(value, field: str, details: dict) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(f"The {field.replace('_', ' ')} must not be empty.",
                               {**details, "field": field})
    return value.strip()


def one_of(value, choices: tuple[str, ...], field: str, details: dict) -> str:
    if value not in choices:
        raise ValidationFailed(f"The {field.replace('_', ' ')} must be one of {', '.join(choices)}.",
                               {**details, "field": field, "value": value})
    return value


def day(value: date | datetime, field: str, details: dict) -> date:
    try:
        return as_vietnam_date(value)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, {**details, **error.details, "field": field}) from None


def points(value, field: str, details: dict) -> Decimal:
    """Points are exact decimals with at most two places; floats would round silently."""
    if isinstance(value, (float, bool)) or not isinstance(value, (Decimal, int, str)):
        raise ValidationFailed("Points must be given as a Decimal (or its string), never a float.",
                               {**details, "field": field, "value": repr(value)})
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValidationFailed("Points must be a number.", {**details, "field": field,
                                                            "value": str(value)}) from None
    if not number.is_finite() or number != number.quantize(TWO_PLACES):
        raise ValidationFailed("Points have at most two decimal places.",
                               {**details, "field": field, "value": str(value)})
    return number.quantize(TWO_PLACES)


def json_figures(figures, details: dict) -> dict:
    if not isinstance(figures, dict):
        raise ValidationFailed("The figures must be a mapping of names to values.", details)
    try:
        return to_json_value(figures)
    except TypeError as error:
        raise ValidationFailed(f"The figures cannot be stored: {error}.", details) from None


def evidence_files(files, details: dict) -> list[dict]:
    checked = []
    for position, file in enumerate(files):
        where = {**details, "evidence_index": position}
        if not isinstance(file, dict):
            raise ValidationFailed("Each evidence file is described by a mapping.", where)
        sha256 = file.get("sha256")
        if not isinstance(sha256, str) or not _SHA256.match(sha256):
            raise ValidationFailed("An evidence file's SHA-256 must be 64 lowercase hex digits.",
                                   {**where, "sha256": sha256})
        size = file.get("size")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValidationFailed("An evidence file's size is a whole number of bytes.",
                                   {**where, "size": repr(size)})
        checked.append({"file_name": required_text(file.get("file_name"), "file_name", where),
                        "sha256": sha256, "size": size,
                        "uploaded_by": required_text(file.get("uploaded_by"), "uploaded_by", where)})
    return checked

"""The board's lists as spreadsheets (.xlsx): the rows and Vietnamese headers of the CSV export,
with each column's values typed, so that a citizen's spreadsheet can sum and sort them.

One sheet, the header row first (frozen, repeated on every printed page), then the rows; no
title block, so that the workbook holds exactly what the CSV holds (tests/gateway compares
them). Points and rates are numbers shown with two decimals, counts and years whole numbers,
decision dates dates (dd/mm/yyyy), the moment a head was signed a date and time; yes/no is
written "Có"/"Không" as in the CSV. Text that looks like a formula stays text.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from kernel.printing import print_on_a4

MIME_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DECIMAL_FORMAT = "0.00"
INTEGER_FORMAT = "0"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm:ss"
# The type of each column of the board's lists (gateway/board/__init__.py), by its key; a key
# not named here is text.
DECIMALS = frozenset({"total", "total_max", "points", "max", "floor", "rate_percent"})
INTEGERS = frozenset({"year", "communes", "decided", "recognised", "position"})
DATES = frozenset({"decision_date"})
DATETIMES = frozenset({"signed_at"})
MAX_WIDTH = 60
SHEET_NAME_LENGTH = 31  # Excel's limit
_BOLD = Font(bold=True)
_HEADER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def workbook(name: str, columns, rows: list[dict]) -> bytes:
    """The list ``rows`` under ``columns`` (``Column(key, label)``) as .xlsx bytes."""
    book = Workbook()
    ws = book.active
    ws.title = _sheet_name(name)
    for number, column in enumerate(columns, 1):
        cell = ws.cell(1, number, column.label)
        cell.font = _BOLD
        cell.alignment = _HEADER
    widths = [len(column.label) for column in columns]
    for row_number, row in enumerate(rows, 2):
        for number, column in enumerate(columns, 1):
            value, number_format = typed(column.key, row.get(column.key))
            cell = ws.cell(row_number, number, value)
            if isinstance(value, str):
                cell.data_type = "s"  # "=1+1" in a name is text, never a formula
            if number_format:
                cell.number_format = number_format
            widths[number - 1] = max(widths[number - 1], len(_shown(value)))
    for number, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(number)].width = min(MAX_WIDTH, width + 2)
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    print_on_a4(ws, header_row=1)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def typed(key: str, value):
    """(the cell's value, its number format) for a value of column ``key``."""
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return ("Có" if value else "Không"), None
    if key in DECIMALS:
        found = _decimal(value)
        if found is not None:
            return found, DECIMAL_FORMAT
    elif key in INTEGERS:
        found = _decimal(value)
        if found is not None and found == found.to_integral_value():
            return int(found), INTEGER_FORMAT
    elif key in DATES:
        try:
            return date.fromisoformat(str(value)[:10]), DATE_FORMAT
        except ValueError:
            pass
    elif key in DATETIMES:
        try:
            # Excel has no time zones: the wall-clock time as the CSV writes it
            return datetime.fromisoformat(str(value)).replace(tzinfo=None), DATETIME_FORMAT
        except ValueError:
            pass
    return ILLEGAL_CHARACTERS_RE.sub("", str(value)), None


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _shown(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return "00/00/0000 00:00:00"
    if isinstance(value, date):
        return "00/00/0000"
    return "" if value is None else str(value)


def _sheet_name(name: str) -> str:
    cleaned = "".join("-" if ch in "[]:*?/\\" else ch for ch in name)
    return cleaned[:SHEET_NAME_LENGTH] or "Danh sách"

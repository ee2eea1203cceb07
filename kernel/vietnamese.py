"""Numbers, dates and shared words in Vietnamese form, for every text people read.

Shared by the services that write public text (the publication record's entries) and the
gateway's pages, so that the board shows one form everywhere: "1.234,5" (thousands grouped
with dots, a decimal comma), "89,78", "06/02/2023", "06/02/2023 09:00:00".
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

# The forms of posting a self-assessment's results (RULES.md: at the commune's office, on its
# web portal, over its loudspeaker system), as a sentence names them.
POSTING_CHANNELS = {"office": "niêm yết tại trụ sở Ủy ban nhân dân cấp xã",
                    "portal": "đăng trên cổng (trang) thông tin điện tử",
                    "radio": "thông báo trên hệ thống truyền thanh"}


def as_decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        return None
    return found if found.is_finite() else None


def number(value, places: int | None = None) -> str:
    """12345 → "12.345"; "89.78" → "89,78"; "17.50" → "17,5" (``places`` keeps that many
    decimals: number("17.5", 2) → "17,50"); blank for None; anything not a number as it is."""
    found = as_decimal(value)
    if found is None:
        return "" if value is None else str(value)
    if places is not None:
        found = found.quantize(Decimal(1).scaleb(-places))
        text = f"{found:f}"
    elif found == found.to_integral():
        text = f"{found.to_integral():f}"
    else:
        text = f"{found:f}".rstrip("0")
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return sign + grouped + ("," + fraction if fraction else "")


def day(value) -> str:
    """"2025-12-20" (or a date) → "20/12/2025"; anything else as it is."""
    if isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y")
    text = "" if value is None else str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit():
        return f"{text[8:10]}/{text[5:7]}/{text[0:4]}"
    return text


def moment(value) -> str:
    """"2025-03-01T09:00:00.123456+07:00" → "01/03/2025 09:00:00"; a day as ``day``."""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    text = "" if value is None else str(value)
    if len(text) >= 19 and text[10] in "T ":
        return f"{day(text[:10])} {text[11:19]}"
    return day(text)


def posting_channel(channel) -> str:
    """A posting form in words: "office" → "niêm yết tại trụ sở Ủy ban nhân dân cấp xã"."""
    return POSTING_CHANNELS.get(channel, "" if channel is None else str(channel))

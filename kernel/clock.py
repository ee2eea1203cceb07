"""Time as the programme counts it: Vietnam's time zone (UTC+7, no DST)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def now() -> datetime:
    return datetime.now(VIETNAM)


def today() -> date:
    """The day it is in Vietnam."""
    return now().date()

"""Builders for the accounts tests: actors, and events as the store would hand them back."""

import itertools

from kernel.events import RecordedEvent
from services.accounts.accounts import Account, Actor, stream_name

_positions = itertools.count(1)

ADMIN = Actor("quantri", "administrator", {})
THANH_HOA = Actor("sotuphap.thanhhoa", "justice_officer", {"province": "38"})
HA_NOI = Actor("sotuphap.hanoi", "justice_officer", {"province": "01"})
DONG_SON = Actor("tuphap.dongson", "justice_officer", {"province": "38", "district": "405"})
DONG_QUANG = {"province": "38", "district": "405", "commune": "16426"}  # 2022, Đông Sơn


def recorded(stream, new_events, first_version=1):
    return [RecordedEvent(source="accounts", position=next(_positions), id=new.id,
                          stream=stream, version=first_version + offset, type=new.type,
                          schema_version=new.schema_version, data=new.data,
                          metadata={"recorded_at": "2025-06-15T09:00:00+07:00"},
                          prev_hash="0" * 64, hash="0" * 64)
            for offset, new in enumerate(new_events)]


def given(username, *event_lists):
    """The account after ``event_lists`` (each what one decision returned)."""
    events, version = [], 1
    for new_events in event_lists:
        events += recorded(stream_name(username), new_events, version)
        version += len(new_events)
    return Account.from_events(username, events)


def officer(username="congchuc.dongquang", by=ADMIN, where=None):
    """The events creating a commune officer of Đông Quang."""
    return Account(username).create(by, "Nguyễn Thị Lan", "commune_officer",
                                    where or DONG_QUANG, None)

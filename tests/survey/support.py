"""Builders for the survey tests: domain events as the store would hand them back."""

import itertools
import uuid
from datetime import date

from kernel.events import RecordedEvent

_positions = itertools.count(1)
TODAY = date(2025, 6, 15)


def recorded(stream, new_events, first_version=1, position=None):
    """RecordedEvents for NewEvents, as if appended to ``stream`` at ``first_version``."""
    out = []
    for offset, new in enumerate(new_events):
        out.append(RecordedEvent(
            source="survey", position=position if position is not None else next(_positions),
            id=new.id, stream=stream, version=first_version + offset, type=new.type,
            schema_version=new.schema_version, data=new.data, metadata={},
            prev_hash="0" * 64, hash="0" * 64))
    return out


def new_id():
    return str(uuid.uuid4())


def full_answers(level=5, text=None):
    answers = {q: level for q in ("cong-khai", "thai-do", "thoi-gian", "pho-bien", "chung")}
    if text is not None:
        answers["gop-y"] = text
    return answers

"""Builders for the survey tests: domain events as the store would hand them back."""

import itertools
import uuid
from datetime import date

from kernel.events import RecordedEvent
from services.survey.ratelimit import SETTINGS, RateLimiter, limits_from_config

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


def limiter(kiosk_per_minute=1000, **settings):
    """A rate limiter that holds a kiosk to ``kiosk_per_minute`` and, unless ``settings``
    say otherwise, nothing else to speak of."""
    config = {name: 10**6 for name, _, _ in SETTINGS}
    return RateLimiter(limits_from_config(
        {**config, "SURVEY_KIOSK_RATE_PER_MINUTE": kiosk_per_minute, **settings}))

"""Responses: one citizen's answers, from one kiosk, to one campaign's questionnaire version.

Each response is its own stream, ``response-<client uuid>``, appended with NO_STREAM and with
the client's uuid as the event id. So responses from many kiosks never contend for one
stream's version, and a replayed submission finds its original instead of adding a second.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from kernel.canonical import canonical_bytes, sha256_hex, to_json_value
from kernel.errors import ValidationFailed
from kernel.events import Actor, Metadata, NewEvent, RecordedEvent
from services.survey.errors import ResponseConflict
from services.survey.questionnaires import SCALE, SCALE_LABELS, QuestionnaireVersion

RESPONSE_SUBMITTED = "ResponseSubmitted"
MAX_FREE_TEXT = 500

# Free text is where personal data would creep in: refuse what looks like an email address
# or a phone / citizen-ID number (9+ digits, however they are spaced) rather than store it.
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_LONG_NUMBER = re.compile(r"(?:\d[\s.\-]?){9,}")


def stream_name(response_id: str) -> str:
    return f"response-{response_id}"


@dataclass(frozen=True)
class Submission:
    """What a kiosk sent, after the schema checked its shape."""

    response_id: str
    campaign_id: str
    questionnaire_id: str
    questionnaire_version: int
    answers: dict
    code: str | None = None

    def fingerprint(self, kiosk_id: str) -> str:
        """Identifies the content, so a replay can be told from a different response that
        reuses the id. The code is inside: the same answers with another code differ."""
        content = {"kiosk_id": kiosk_id, "campaign_id": self.campaign_id,
                   "questionnaire_id": self.questionnaire_id,
                   "questionnaire_version": self.questionnaire_version,
                   "answers": self.answers, "code": self.code}
        return sha256_hex(canonical_bytes(to_json_value(content)))


def check_answers(questionnaire: QuestionnaireVersion, answers: dict) -> dict:
    """The answers to store, or ValidationFailed naming each question that is wrong."""
    problems, checked = {}, {}
    for qid in answers:
        if questionnaire.question(qid) is None:
            problems[qid] = "This questionnaire has no such question."
    for question in questionnaire.questions:
        value = answers.get(question.id)
        if isinstance(value, str):
            value = value.strip() or None
        if value is None:
            if question.required:
                problems[question.id] = "An answer is required."
            continue
        if question.kind == SCALE:
            if isinstance(value, bool) or not isinstance(value, int) or value not in SCALE_LABELS:
                problems[question.id] = "The answer is a level from 1 to 5."
                continue
        else:
            if not isinstance(value, str):
                problems[question.id] = "The answer is text."
                continue
            if len(value) > MAX_FREE_TEXT:
                problems[question.id] = f"Free text is limited to {MAX_FREE_TEXT} characters."
                continue
            if _EMAIL.search(value) or _LONG_NUMBER.search(value):
                problems[question.id] = ("Please leave out personal data (email addresses, "
                                         "phone or ID numbers).")
                continue
        checked[question.id] = value
    if problems:
        raise ValidationFailed("Some answers are not valid.", {"answers": problems})
    return checked


def response_event(submission: Submission, *, kiosk_id: str, commune_code: str, period: str,
                   answers: dict, fingerprint: str, received_on: date,
                   with_code: bool) -> NewEvent:
    # Only the day: a precise time, next to the kiosk and the desk's queue, could say who
    # answered. The kiosk id stays: it is a device, and it is what stuffing is traced by.
    return NewEvent(RESPONSE_SUBMITTED, {
        "response_id": submission.response_id, "campaign_id": submission.campaign_id,
        "commune_code": commune_code, "period": period,
        "questionnaire_id": submission.questionnaire_id,
        "questionnaire_version": submission.questionnaire_version,
        "kiosk_id": kiosk_id, "answers": answers, "with_code": with_code,
        "received_on": received_on.isoformat(), "fingerprint": fingerprint,
    }, id=submission.response_id)


def acceptance(recorded: RecordedEvent, result: str) -> dict:
    """What the kiosk is told: the same for the first submission and every replay of it."""
    data = recorded.data
    return {"result": result, "response_id": data["response_id"],
            "campaign_id": data["campaign_id"], "questionnaire_id": data["questionnaire_id"],
            "questionnaire_version": data["questionnaire_version"],
            "received_on": data["received_on"], "position": recorded.position}


def replay(recorded: RecordedEvent, fingerprint: str) -> dict:
    if recorded.type != RESPONSE_SUBMITTED or recorded.data.get("fingerprint") != fingerprint:
        raise ResponseConflict(
            f"Response {recorded.data.get('response_id', recorded.id)} was already submitted "
            "with different content; a new response needs a new id.",
            {"response_id": recorded.data.get("response_id", recorded.id)})
    return acceptance(recorded, "duplicate")


class DayMetadata(Metadata):
    """Metadata whose recorded_at keeps only the day (see docs/survey.md, "Privacy")."""

    def to_dict(self, recorded_at: str) -> dict:
        return super().to_dict(recorded_at[:10])


def day_precision(metadata: Metadata) -> DayMetadata:
    if isinstance(metadata, DayMetadata):
        return metadata
    return DayMetadata(actor=metadata.actor, correlation_id=metadata.correlation_id,
                       causation_id=metadata.causation_id,
                       idempotency_key=metadata.idempotency_key)


def private_metadata(kiosk_id: str, commune_code: str) -> DayMetadata:
    """The kiosk is the actor; the caller's correlation id is left out because the gateway's
    logs pair it with a precise time. A fresh one still groups the response's events."""
    return DayMetadata(actor=Actor(subject=f"kiosk:{kiosk_id}", role="kiosk",
                                   jurisdiction={"commune": commune_code}),
                       correlation_id=str(uuid.uuid4()))

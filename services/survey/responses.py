"""Responses: one citizen's answers, from one kiosk, to one campaign's questionnaire version.

Each response is its own stream, ``response-<client uuid>``, appended with NO_STREAM and with
the client's uuid as the event id. So responses from many kiosks never contend for one
stream's version, and a replayed submission finds its original instead of adding a second.

Free text never enters the log in clear (schema version 2): the scale answers stay in
``answers``, the text answers are sealed with the campaign's key (textkeys.py) in
``sealed_text``, and the fingerprint covers which questions have text, not the text itself,
so nothing in the log can confirm a guess at an erased comment.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from contracts.survey import ResponseConflict
from kernel.canonical import canonical_bytes, sha256_hex, to_json_value
from kernel.errors import ValidationFailed
from kernel.events import Actor, Metadata, NewEvent, RecordedEvent
from kernel.upcasting import registry as upcasters
from services.survey import screening
from services.survey.questionnaires import SCALE, SCALE_LABELS, QuestionnaireVersion

RESPONSE_SUBMITTED = "ResponseSubmitted"
SCHEMA_VERSION = 2
MAX_FREE_TEXT = 500


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

    def texts(self) -> dict[str, str]:
        """The free-text answers as they are stored: normalised, blank ones left out."""
        return {qid: text for qid, value in self.answers.items()
                if isinstance(value, str) and (text := screening.normalise(value))}

    def fingerprint(self, kiosk_id: str) -> str:
        """Identifies the content, so a replay can be told from a different response that
        reuses the id. The code is inside: the same answers with another code differ.
        The text is not (only which questions have some): a replay's text is compared with
        the sealed one while its key exists (see ``replay``)."""
        content = {"kiosk_id": kiosk_id, "campaign_id": self.campaign_id,
                   "questionnaire_id": self.questionnaire_id,
                   "questionnaire_version": self.questionnaire_version,
                   "answers": {qid: value for qid, value in self.answers.items()
                               if not isinstance(value, str)},
                   "texts": sorted(self.texts()), "code": self.code}
        return sha256_hex(canonical_bytes(to_json_value(content)))

    def legacy_fingerprint(self, kiosk_id: str) -> str:
        """The fingerprint of schema version 1 (text included), for replays of responses
        recorded before text was sealed."""
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
            value = screening.normalise(value) or None
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
            refusal = screening.refusal(value)
            if refusal:
                problems[question.id] = refusal
                continue
        checked[question.id] = value
    if problems:
        raise ValidationFailed("survey.answers_invalid", {"answers": problems})
    return checked


def response_event(submission: Submission, *, kiosk_id: str, commune_code: str, period: str,
                   answers: dict, fingerprint: str, received_on: date,
                   with_code: bool, sealed_text: dict | None = None) -> NewEvent:
    """``answers``: the checked answers; their text must come sealed (``sealed_text``)."""
    if sealed_text is None and any(isinstance(v, str) for v in answers.values()):
        raise ValueError("free text must be sealed before it is recorded")
    # Only the day: a precise time, next to the kiosk and the desk's queue, could say who
    # answered. The kiosk id stays: it is a device, and it is what stuffing is traced by.
    return NewEvent(RESPONSE_SUBMITTED, {
        "response_id": submission.response_id, "campaign_id": submission.campaign_id,
        "commune_code": commune_code, "period": period,
        "questionnaire_id": submission.questionnaire_id,
        "questionnaire_version": submission.questionnaire_version,
        "kiosk_id": kiosk_id,
        "answers": {qid: value for qid, value in answers.items() if not isinstance(value, str)},
        "sealed_text": sealed_text, "with_code": with_code,
        "received_on": received_on.isoformat(), "fingerprint": fingerprint,
    }, schema_version=SCHEMA_VERSION, id=submission.response_id)


def acceptance(recorded: RecordedEvent, result: str) -> dict:
    """What the kiosk is told: the same for the first submission and every replay of it."""
    data = recorded.data
    return {"result": result, "response_id": data["response_id"],
            "campaign_id": data["campaign_id"], "questionnaire_id": data["questionnaire_id"],
            "questionnaire_version": data["questionnaire_version"],
            "received_on": data["received_on"], "position": recorded.position}


def replay(recorded: RecordedEvent, fingerprint: str,
           same_text: Callable[[RecordedEvent], bool] | None = None) -> dict:
    """The acceptance again if ``recorded`` is this submission (its fingerprint, and its
    text when ``same_text`` can tell), else ResponseConflict."""
    if (recorded.type != RESPONSE_SUBMITTED or recorded.data.get("fingerprint") != fingerprint
            or (same_text is not None and not same_text(recorded))):
        raise ResponseConflict("survey.response_resubmitted", {"response_id": recorded.data.get("response_id", recorded.id)})
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


@upcasters.register(RESPONSE_SUBMITTED, 1)
def _text_apart(data: dict) -> dict:
    """Version 1 kept free text in ``answers``, in clear: it stays so in the log (it cannot be
    erased), and is read as ``legacy_text`` beside the scale answers. (The registry is the
    platform's: data of this name without answers is left as it is.)"""
    answers = data.get("answers")
    if not isinstance(answers, dict):
        return data
    texts = {qid: value for qid, value in answers.items() if isinstance(value, str)}
    return {**data, "answers": {qid: value for qid, value in answers.items()
                                if not isinstance(value, str)},
            "sealed_text": None, "legacy_text": texts or None}

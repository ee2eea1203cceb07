"""Given/When/Then: a response's answers, its content fingerprint and its privacy."""

import pytest

from contracts.survey import ResponseConflict
from kernel.errors import ValidationFailed
from services.survey.questionnaires import DEFAULT_ID, Questionnaire, default_publication
from services.survey.questionnaires import stream_name as questionnaire_stream
from services.survey.responses import (
    MAX_FREE_TEXT,
    RESPONSE_SUBMITTED,
    DayMetadata,
    Submission,
    check_answers,
    private_metadata,
    replay,
    response_event,
    stream_name,
)
from tests.survey.support import TODAY, full_answers, new_id, recorded

QUESTIONNAIRE = Questionnaire.from_events(
    DEFAULT_ID, recorded(questionnaire_stream(DEFAULT_ID), default_publication(TODAY))).get()


def submission(answers=None, code=None, rid=None):
    return Submission(rid or new_id(), "00004-2025", DEFAULT_ID, 1,
                      answers if answers is not None else full_answers(), code)


def test_valid_answers_are_kept_and_blank_optional_text_dropped():
    assert check_answers(QUESTIONNAIRE, full_answers(4, "  ")) == full_answers(4)
    kept = check_answers(QUESTIONNAIRE, full_answers(4, " Cán bộ rất nhiệt tình. "))
    assert kept["gop-y"] == "Cán bộ rất nhiệt tình."


@pytest.mark.parametrize("change, question", [
    ({"cong-khai": 6}, "cong-khai"),
    ({"cong-khai": 0}, "cong-khai"),
    ({"cong-khai": True}, "cong-khai"),
    ({"cong-khai": "5"}, "cong-khai"),
    ({"gop-y": 5}, "gop-y"),
    ({"gop-y": "x" * (MAX_FREE_TEXT + 1)}, "gop-y"),
    ({"gop-y": "Gọi tôi: 0912 345 678"}, "gop-y"),
    ({"gop-y": "email an.nguyen@example.vn nhé"}, "gop-y"),
    ({"gop-y": "CCCD 001234567890"}, "gop-y"),
    ({"ho-ten": "Nguyễn Văn An"}, "ho-ten"),
])
def test_invalid_answers_are_refused_per_question(change, question):
    with pytest.raises(ValidationFailed) as refused:
        check_answers(QUESTIONNAIRE, {**full_answers(), **change})
    assert question in refused.value.details["answers"]


def test_a_missing_required_answer_is_refused():
    answers = full_answers()
    del answers["chung"]
    with pytest.raises(ValidationFailed) as refused:
        check_answers(QUESTIONNAIRE, answers)
    assert refused.value.details["answers"] == {"chung": "An answer is required."}


def test_the_event_uses_the_client_uuid_and_records_the_questionnaire_and_only_the_day():
    sub = submission()
    event = response_event(sub, kiosk_id="k", commune_code="00004", period="2025",
                           answers=sub.answers, fingerprint=sub.fingerprint("k"),
                           received_on=TODAY, with_code=False)
    assert event.id == sub.response_id and event.type == RESPONSE_SUBMITTED
    assert stream_name(sub.response_id) == f"response-{sub.response_id}"
    assert (event.data["questionnaire_id"], event.data["questionnaire_version"]) == (DEFAULT_ID, 1)
    assert event.data["received_on"] == "2025-06-15"
    assert not {"name", "phone", "ip", "time"} & set(event.data)


def test_the_fingerprint_tells_a_replay_from_a_different_response():
    rid = new_id()
    first = submission(rid=rid)
    assert submission(rid=rid).fingerprint("k") == first.fingerprint("k")
    assert submission(full_answers(1), rid=rid).fingerprint("k") != first.fingerprint("k")
    assert submission(code="ABCD", rid=rid).fingerprint("k") != first.fingerprint("k")
    assert first.fingerprint("other") != first.fingerprint("k")


def test_given_a_stored_response_when_replayed_then_the_original_acceptance_or_a_conflict():
    sub = submission()
    event = response_event(sub, kiosk_id="k", commune_code="00004", period="2025",
                           answers=sub.answers, fingerprint=sub.fingerprint("k"),
                           received_on=TODAY, with_code=False)
    [stored] = recorded(stream_name(sub.response_id), [event], position=7)
    assert replay(stored, sub.fingerprint("k")) == {
        "result": "duplicate", "response_id": sub.response_id, "campaign_id": "00004-2025",
        "questionnaire_id": DEFAULT_ID, "questionnaire_version": 1,
        "received_on": "2025-06-15", "position": 7}
    with pytest.raises(ResponseConflict) as refused:
        replay(stored, "another fingerprint")
    assert (refused.value.code, refused.value.http_status) == ("response_conflict", 409)


def test_response_metadata_keeps_the_day_only_and_names_the_kiosk():
    meta = private_metadata("k1", "00004")
    assert isinstance(meta, DayMetadata)
    stamped = meta.to_dict("2025-06-15T09:41:27.123456+07:00")
    assert stamped["recorded_at"] == "2025-06-15"
    assert (stamped["actor"], stamped["role"]) == ("kiosk:k1", "kiosk")
    assert private_metadata("k1", "00004").correlation_id != meta.correlation_id

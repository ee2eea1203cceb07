"""Given/When/Then: questionnaires are versioned, and a version never changes."""

import pytest

from kernel.errors import NotFound, ValidationFailed
from services.survey.questionnaires import (
    DEFAULT_ID,
    DEFAULT_QUESTIONS,
    QUESTIONNAIRE_PUBLISHED,
    SCALE_LABELS,
    Questionnaire,
    default_publication,
    stream_name,
)
from tests.survey.support import TODAY, recorded

QUESTIONS = [{"id": "a", "text": "Ông/Bà hài lòng không?", "kind": "scale5", "required": True},
             {"id": "b", "text": "Góp ý khác", "kind": "text", "required": False}]


def given(*event_lists, qid="mau-04"):
    events, version = [], 1
    for new_events in event_lists:
        events += recorded(stream_name(qid), new_events, version)
        version += len(new_events)
    return Questionnaire.from_events(qid, events)


def test_the_scale_labels_are_the_five_levels_of_the_programme():
    assert SCALE_LABELS == {1: "Rất không hài lòng", 2: "Không hài lòng", 3: "Bình thường",
                            4: "Hài lòng", 5: "Rất hài lòng"}


def test_given_nothing_when_published_then_it_is_version_1():
    [event] = given().publish("Phiếu khảo sát", QUESTIONS, TODAY)
    assert event.type == QUESTIONNAIRE_PUBLISHED
    assert event.data["version"] == 1
    assert event.data["questions"] == QUESTIONS
    assert event.data["published_on"] == "2025-06-15"


def test_given_a_version_when_a_changed_one_is_published_then_the_old_stays_as_it_was():
    first = given().publish("Phiếu khảo sát", QUESTIONS, TODAY)
    changed = [dict(QUESTIONS[0], text="Mức độ hài lòng của Ông/Bà?"), QUESTIONS[1]]
    second = given(first).publish("Phiếu khảo sát", changed, TODAY)
    state = given(first, second)
    assert state.get(1).questions[0].text == "Ông/Bà hài lòng không?"
    assert state.get(2).questions[0].text == "Mức độ hài lòng của Ông/Bà?"
    assert state.get().version == 2


def test_given_a_version_when_the_same_content_is_published_then_nothing_happens():
    first = given().publish("Phiếu khảo sát", QUESTIONS, TODAY)
    assert given(first).publish("Phiếu khảo sát", QUESTIONS, TODAY) == []


def test_given_versions_when_an_unknown_version_is_asked_for_then_not_found():
    with pytest.raises(NotFound):
        given(given().publish("Phiếu", QUESTIONS, TODAY)).get(2)
    with pytest.raises(NotFound):
        given().get()


@pytest.mark.parametrize("questions, field", [
    ([], "questions"),
    ([dict(QUESTIONS[0], id="A B")], "questions.0"),
    ([QUESTIONS[0], dict(QUESTIONS[0])], "questions.1"),
    ([dict(QUESTIONS[0], kind="stars")], "questions.0"),
    ([dict(QUESTIONS[0], text="  ")], "questions.0"),
    ([QUESTIONS[1]], "questions"),  # no five-level question
])
def test_invalid_questions_are_refused_naming_the_question(questions, field):
    with pytest.raises(ValidationFailed) as refused:
        given().publish("Phiếu", questions, TODAY)
    assert field in refused.value.details


def test_the_built_in_questionnaire_is_vietnamese_and_asks_4_to_6_questions():
    [event] = default_publication(TODAY)
    state = Questionnaire.from_events(DEFAULT_ID, recorded(stream_name(DEFAULT_ID), [event]))
    version = state.get()
    assert 4 <= len(version.questions) <= 6 == len(DEFAULT_QUESTIONS)
    assert len(version.scale_questions) >= 4
    assert all("Ông/Bà" in q.text for q in version.questions)
    assert [q.kind for q in version.questions if not q.required] == ["text"]
    # a fixed event id: seeding twice is a duplicate the store refuses, never a second version
    assert default_publication(TODAY)[0].id == event.id

"""Given/When/Then: a questionnaire's purpose — citizens' satisfaction, or Form 04 of Circular
09/2021/TT-BTP on the effectiveness of legal dissemination (Decision 25/2021, C2.I4) — names
its scale's labels, the campaign's id (one per commune, period and purpose) and is carried to
the result event the assessment service scores from."""

from datetime import date

import pytest

from kernel.errors import IllegalTransition, ValidationFailed
from kernel.events import Actor, Metadata
from services.survey.application import SurveyApp
from services.survey.campaigns import (
    CAMPAIGN_OPENED,
    RESULT_COMPUTED,
    Campaign,
    campaign_id,
    commune_prefix,
    stream_name,
)
from services.survey.questionnaires import (
    DEFAULT_ID,
    DISSEMINATION_MODELS,
    MAU04_EVENT_ID,
    MAU04_ID,
    MAU04_QUESTIONS,
    MAU04_TITLE,
    QUESTIONNAIRE_PUBLISHED,
    SATISFACTION,
    SCALE_LABELS,
    Questionnaire,
    default_publication,
    mau04_publication,
    scale_labels,
)
from services.survey.questionnaires import stream_name as questionnaire_stream
from services.survey.results import compute, event_data, pooled_satisfied
from tests.support.stores import open_store
from tests.survey.support import TODAY, limiter, new_id, recorded

EFFECTIVENESS = {1: "Rất không hiệu quả", 2: "Không hiệu quả", 3: "Bình thường",
                 4: "Hiệu quả", 5: "Rất hiệu quả"}
QUESTIONS = [{"id": "a", "text": "Ông/Bà thấy loa truyền thanh hiệu quả không?",
              "kind": "scale5", "required": True}]


def questionnaire(qid, *event_lists):
    events, version = [], 1
    for new_events in event_lists:
        events += recorded(questionnaire_stream(qid), new_events, version)
        version += len(new_events)
    return Questionnaire.from_events(qid, events)


MAU04 = questionnaire(MAU04_ID, mau04_publication(TODAY)).get()
DEFAULT = questionnaire(DEFAULT_ID, default_publication(TODAY)).get()


def opened(cid, purpose=None, period="2025", questionnaire_id=MAU04_ID):
    extra = {} if purpose is None else {"purpose": purpose}
    new_events = Campaign(cid).open(
        commune_code="00004", period=period, questionnaire_id=questionnaire_id,
        questionnaire_version=1, opens_on=date(2025, 6, 1), closes_on=date(2025, 6, 30),
        target_sample=3, **extra)
    return Campaign.from_events(cid, recorded(stream_name(cid), new_events)), new_events


# -- purposes and labels ----------------------------------------------------------------------
def test_each_purpose_has_its_labels_and_none_means_satisfaction():
    assert scale_labels(SATISFACTION) == SCALE_LABELS == scale_labels(None)
    assert scale_labels(DISSEMINATION_MODELS) == EFFECTIVENESS


def test_given_a_version_published_before_purposes_when_read_then_it_is_about_satisfaction():
    [event] = default_publication(TODAY)
    assert "purpose" not in event.data  # the fixed event is what earlier releases wrote
    body = DEFAULT.to_dict()
    assert body["purpose"] == SATISFACTION
    assert [s["label"] for s in body["scale"]] == list(SCALE_LABELS.values())


def test_given_nothing_when_a_form_04_questionnaire_is_published_then_its_event_says_so():
    [event] = questionnaire("mau-moi").publish("Phiếu", QUESTIONS, TODAY,
                                               purpose=DISSEMINATION_MODELS)
    assert event.type == QUESTIONNAIRE_PUBLISHED and event.data["purpose"] == DISSEMINATION_MODELS
    version = questionnaire("mau-moi", [event]).get()
    assert version.purpose == DISSEMINATION_MODELS
    assert [s["label"] for s in version.to_dict()["scale"]] == list(EFFECTIVENESS.values())


def test_an_unknown_purpose_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        questionnaire("mau-moi").publish("Phiếu", QUESTIONS, TODAY, purpose="happiness")
    assert refused.value.key == "questionnaire.purpose"


def test_given_a_version_when_the_next_changes_the_purpose_then_it_is_refused():
    first = questionnaire("mau-moi").publish("Phiếu", QUESTIONS, TODAY)
    with pytest.raises(ValidationFailed) as refused:
        questionnaire("mau-moi", first).publish("Phiếu", QUESTIONS, TODAY,
                                                purpose=DISSEMINATION_MODELS)
    assert refused.value.key == "questionnaire.purpose_changed"
    # the same content and purpose again: no new version, as before
    assert questionnaire("mau-moi", first).publish("Phiếu", QUESTIONS, TODAY) == []


def test_the_built_in_form_04_questionnaire():
    [event] = mau04_publication(TODAY)
    assert (event.id, MAU04_ID) == (MAU04_EVENT_ID, "mau-04-pbgdpl")
    assert mau04_publication(TODAY)[0].id == event.id  # a fixed id: seeding is idempotent
    assert "Mẫu 04" in MAU04_TITLE and "09/2021/TT-BTP" in MAU04_TITLE
    assert MAU04.purpose == DISSEMINATION_MODELS and MAU04.title == MAU04_TITLE
    kinds = [q.kind for q in MAU04.questions]
    assert kinds[-1] == "text" and not MAU04.questions[-1].required
    assert kinds.count("text") == 1 and 6 <= len(MAU04.scale_questions) <= 7
    assert MAU04.scale_questions[-1].id == "chung"  # the overall question
    texts = " ".join(q["text"] for q in MAU04_QUESTIONS).lower()
    for form in ("tủ sách pháp luật", "loa truyền thanh", "ngày pháp luật",
                 "câu lạc bộ pháp luật", "zalo"):
        assert form in texts
    assert all("Ông/Bà" in q.text for q in MAU04.questions)


# -- campaign ids -----------------------------------------------------------------------------
def test_a_campaign_id_names_the_commune_period_and_purpose():
    assert campaign_id("00004", "2025") == "00004-2025"  # as before purposes
    assert campaign_id("00004", "2025", SATISFACTION) == "00004-2025"
    assert campaign_id("00004", "2025", DISSEMINATION_MODELS) == "00004-2025-mau04"
    assert campaign_id("00004", "2025-q3", DISSEMINATION_MODELS) == "00004-2025-q3-mau04"
    for cid in ("00004-2025", "00004-2025-mau04", "00004-2025-q3-mau04"):
        assert cid.startswith(commune_prefix("00004"))


def test_given_a_form_04_campaign_when_opened_then_its_events_and_state_carry_the_purpose():
    campaign, [event] = opened("00004-2025-mau04", DISSEMINATION_MODELS)
    assert event.type == CAMPAIGN_OPENED and event.data["purpose"] == DISSEMINATION_MODELS
    assert campaign.purpose == DISSEMINATION_MODELS
    assert campaign.to_dict(TODAY)["purpose"] == DISSEMINATION_MODELS


def test_given_a_satisfaction_campaign_when_opened_then_its_event_is_as_before():
    campaign, [event] = opened("00004-2025", questionnaire_id=DEFAULT_ID)
    assert "purpose" not in event.data
    assert campaign.purpose == SATISFACTION and campaign.to_dict(TODAY)["purpose"] == SATISFACTION


@pytest.mark.parametrize("cid, purpose, period, field", [
    ("00004-2025", DISSEMINATION_MODELS, "2025", "campaign_id"),  # Form 04 on the other id
    ("00004-2025-mau04", SATISFACTION, "2025", "campaign_id"),
    ("00004-2025-mau04", SATISFACTION, "2025-mau04", "period"),  # would pose as Form 04's
    ("00004-2025-mau04", "happiness", "2025", "purpose"),
])
def test_a_campaign_opens_only_on_its_own_id(cid, purpose, period, field):
    with pytest.raises(ValidationFailed) as refused:
        Campaign(cid).open(commune_code="00004", period=period, questionnaire_id=MAU04_ID,
                           questionnaire_version=1, opens_on=date(2025, 6, 1),
                           closes_on=date(2025, 6, 30), target_sample=3, purpose=purpose)
    assert field in refused.value.details


# -- results and the result event ---------------------------------------------------------------
def test_given_a_closed_form_04_campaign_then_the_result_event_carries_its_purpose():
    campaign, _ = opened("00004-2025-mau04", DISSEMINATION_MODELS)
    counts = {q.id: {5: 2, 4: 1, 1: 1} for q in MAU04.scale_questions}
    result = compute(campaign, MAU04, 4, counts, min_answers=3)
    assert result["purpose"] == DISSEMINATION_MODELS
    assert (result["overall"]["satisfied"], result["overall"]["rate_percent"]) == (21, "75.00")
    data = event_data(result, pooled_satisfied(MAU04, counts))
    assert data["purpose"] == DISSEMINATION_MODELS
    assert (data["campaign_id"], data["commune_code"], data["period"]) == (
        "00004-2025-mau04", "00004", "2025")
    assert (data["questionnaire_id"], data["satisfied"], data["valid_answers"]) == (
        MAU04_ID, 21, 28)
    assert data["rate_percent"] == "75.00" and data["published"] is True


def test_given_a_satisfaction_campaign_then_the_result_event_names_no_purpose():
    campaign, _ = opened("00004-2025", questionnaire_id=DEFAULT_ID)
    counts = {q.id: {5: 3} for q in DEFAULT.scale_questions}
    result = compute(campaign, DEFAULT, 3, counts, min_answers=3)
    assert result["purpose"] == SATISFACTION
    assert "purpose" not in event_data(result, pooled_satisfied(DEFAULT, counts))


def test_a_form_04_campaign_without_answers_has_no_effectiveness_rate():
    campaign, _ = opened("00004-2025-mau04", DISSEMINATION_MODELS)
    result = compute(campaign, MAU04, 0, {})
    assert result["no_data"] and "effective" in result["overall"]["reason"]


def test_a_form_04_campaign_closes_like_any_other():
    campaign, _ = opened("00004-2025-mau04", DISSEMINATION_MODELS)
    with pytest.raises(IllegalTransition):
        campaign.record_result({})


# -- on a real store: seeding, opening both kinds, the kiosk, closing ---------------------------
META = Metadata(actor=Actor("tuphap@test", "justice_officer", {"province": "01"}))


@pytest.fixture
def app(database_url):
    store = open_store(database_url, source="survey")
    yield SurveyApp(store, limiter=limiter(), min_answers=3, today=lambda: TODAY), store
    store.dispose()


def window(**extra):
    return {"commune_code": "00004", "period": "2025", "target_sample": 3,
            "opens_on": "2025-06-01", "closes_on": "2025-06-30", **extra}


def test_the_form_04_questionnaire_is_seeded_once_by_its_fixed_event(app):
    app, store = app
    first = app.get_questionnaire(MAU04_ID, None)
    assert (first["version"], first["purpose"]) == (1, DISSEMINATION_MODELS)
    assert first["scale"][3] == {"value": 4, "label": "Hiệu quả"}
    app.get_questionnaire(MAU04_ID, None)
    [event] = store.read_stream(questionnaire_stream(MAU04_ID))
    assert event.id == MAU04_EVENT_ID
    # a new version through the API keeps the purpose, or is refused
    with pytest.raises(ValidationFailed):
        app.publish_questionnaire({"questionnaire_id": MAU04_ID, "title": "Phiếu",
                                   "questions": QUESTIONS}, META)
    again = app.publish_questionnaire({"questionnaire_id": MAU04_ID, "title": "Phiếu",
                                       "questions": QUESTIONS,
                                       "purpose": DISSEMINATION_MODELS}, META)
    assert (again["version"], again["purpose"]) == (2, DISSEMINATION_MODELS)


def test_a_commune_has_one_campaign_per_period_and_purpose_and_a_kiosk_finds_them(app):
    app, store = app
    satisfaction = app.open_campaign(window(), META)
    form_04 = app.open_campaign(window(questionnaire_id=MAU04_ID), META)
    assert (satisfaction["campaign_id"], satisfaction["purpose"]) == ("00004-2025", SATISFACTION)
    assert (form_04["campaign_id"], form_04["purpose"]) == ("00004-2025-mau04",
                                                            DISSEMINATION_MODELS)
    assert form_04["questionnaire"]["scale"][0]["label"] == "Rất không hiệu quả"
    with pytest.raises(IllegalTransition):
        app.open_campaign(window(questionnaire_id=MAU04_ID), META)
    with pytest.raises(ValidationFailed):
        app.open_campaign(window(period="2025-mau04"), META)

    kiosk = app.register_kiosk({"commune_code": "00004", "label": "Nhà văn hóa"}, META)
    shown = app.kiosk_campaign(kiosk["token"])["campaign"]  # the one opened last
    assert shown["campaign_id"] == "00004-2025-mau04"
    for level in (5, 4, 2):
        answers = {q.id: level for q in MAU04.scale_questions}
        assert app.submit(kiosk["token"], {
            "response_id": new_id(), "campaign_id": shown["campaign_id"],
            "questionnaire_id": MAU04_ID, "questionnaire_version": 1,
            "answers": answers})["result"] == "accepted"
    app.close_campaign("00004-2025", META)  # the satisfaction one: no answers, its own result
    closed = app.close_campaign("00004-2025-mau04", META)
    assert closed["result"]["purpose"] == DISSEMINATION_MODELS
    assert closed["result"]["overall"]["rate_percent"] == "66.67"
    [result] = [e for e in store.read_stream(stream_name("00004-2025-mau04"))
                if e.type == RESULT_COMPUTED]
    assert result.data["purpose"] == DISSEMINATION_MODELS and result.data["satisfied"] == 14
    [other] = [e for e in store.read_stream(stream_name("00004-2025"))
               if e.type == RESULT_COMPUTED]
    assert "purpose" not in other.data and other.data["rate_percent"] is None

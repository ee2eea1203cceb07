"""A commune's satisfaction survey feeds its assessment in one path: the survey service's
result event reaches the assessment service over the broker, verified, and scores 619/2017's
satisfaction indicator as an event of the assessment; a campaign closed again replaces it,
explicitly; a redelivery changes nothing and a forgery is parked."""

import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from kernel import clock
from kernel.errors import ValidationFailed
from kernel.events import RecordedEvent
from rules.criteria import load_builtin_sets
from services.assessment.service import AssessmentService
from services.publication.service import PublicationService
from services.survey.questionnaires import DEFAULT_ID
from services.survey.service import SurveyService
from tests.support import forgery
from tests.support.assessment_figures import full_figures
from tests.support.assessment_platform import wait_for
from tests.survey.support import full_answers, new_id

pytestmark = pytest.mark.broker
LAI_UYEN = "25822"  # Bàu Bàng, Bình Dương: a 619/2017 commune in 2017
OFFICER = {"actor": {"subject": "officer@lai-uyen", "role": "commune_officer",
                     "jurisdiction": {"province": "74", "district": "719", "commune": LAI_UYEN}},
           "correlation_id": "3f1b5c56-0d0e-4c1c-9d1e-0a6d6b7b2c11"}
QUEUE = "assessment.satisfaction_results"


@pytest.fixture
def services(runner_factory, own_amqp_uri, tmp_path):
    # A vhost of its own: the test publishes to the assessment's queue and counts what it parks.
    config = {"AMQP_URI": own_amqp_uri,
              "DATABASES": {"survey": f"sqlite:///{tmp_path}/survey.sqlite",
                            "assessment": f"sqlite:///{tmp_path}/assessment.sqlite"},
              "SURVEY_KIOSK_RATE_PER_MINUTE": 100, "SURVEY_MIN_ANSWERS": 5}
    runner_factory(config, SurveyService, AssessmentService).start()
    with ClusterRpcProxy({"AMQP_URI": own_amqp_uri}, timeout=30) as proxy:
        yield own_amqp_uri, proxy.survey, proxy.assessment


def survey_fed(assessment, count):
    """The assessment's survey events once there are ``count`` of them."""
    events = [e for e in assessment.assessment_events(LAI_UYEN, 2017)
              if e["type"].startswith("SatisfactionResult")]
    return events if len(events) >= count else None


def i5_points(body) -> Decimal:
    [c2] = [c for c in body["self_score"]["criteria"] if c["id"] == "C2"]
    [i5] = [i for i in c2["indicators"] if i["id"] == "C2.I5"]
    return Decimal(i5["points"])


def respond(survey, kiosk, campaign_id, levels):
    for level in levels:
        survey.submit_response(kiosk["token"], {
            "response_id": new_id(), "campaign_id": campaign_id, "questionnaire_id": DEFAULT_ID,
            "questionnaire_version": 1, "answers": full_answers(level)})


def test_a_closed_survey_scores_the_satisfaction_indicator_in_one_path(services):
    amqp_uri, survey, assessment = services
    assessment.open_assessment(LAI_UYEN, 2017, OFFICER)
    opened = assessment.get_assessment(LAI_UYEN, 2017)
    assert opened["criteria_set_id"] == "619-2017" and opened["satisfaction"] is None

    today = clock.now().date()
    kiosk = survey.register_kiosk({"commune_code": LAI_UYEN, "label": "Bộ phận một cửa"}, OFFICER)
    survey.open_campaign({"commune_code": LAI_UYEN, "period": "2017", "target_sample": 8,
                          "opens_on": (today - timedelta(days=1)).isoformat(),
                          "closes_on": (today + timedelta(days=30)).isoformat()}, OFFICER)
    campaign_id = f"{LAI_UYEN}-2017"
    respond(survey, kiosk, campaign_id, (5, 5, 4, 4, 5, 4, 5, 2))
    closed = survey.close_campaign(campaign_id, OFFICER)
    assert closed["result"]["overall"]["published"] is True

    # Given a closed campaign, the indicator is scored with no step of anyone's
    [applied] = wait_for(lambda: survey_fed(assessment, 1), timeout=30) or [None]
    assert applied and applied["type"] == "SatisfactionResultApplied", "never scored"
    scored = assessment.get_assessment(LAI_UYEN, 2017)
    # pooled over the questionnaire's five questions: 40 answers, 35 satisfied
    assert scored["figures"]["C2.I5"] == {"surveyed": 40, "satisfied_with_result": 35,
                                          "satisfied_with_conduct": 35}
    assert i5_points(scored) == Decimal("10.50")  # 12 × 35/40
    assert scored["survey_result"]["result"]["campaign_id"] == campaign_id
    # and nobody types over it
    with pytest.raises(ValidationFailed) as refused:
        assessment.record_figures(LAI_UYEN, 2017, {
            "indicator_id": "C2.I5", "figures": {"surveyed": 8, "satisfied_with_result": 8,
                                                 "satisfied_with_conduct": 8}}, None, OFFICER)
    assert refused.value.details["campaign_id"] == campaign_id

    # When the campaign is reopened and closed again, the new result replaces the old, saying so
    survey.reopen_campaign(campaign_id, "Thiết bị hỏng tuần cuối", today.isoformat(), OFFICER)
    respond(survey, kiosk, campaign_id, (5, 5))
    survey.close_campaign(campaign_id, OFFICER)
    events = wait_for(lambda: survey_fed(assessment, 2), timeout=30)
    assert events, "the second result never reached the assessment"
    replaced = events[1]
    assert replaced["type"] == "SatisfactionResultReplaced"
    assert (replaced["data"]["previous"]["result"]["rate_percent"],
            replaced["data"]["result"]["rate_percent"]) == ("87.50", "90.00")
    assert "Thiết bị hỏng tuần cuối" in replaced["data"]["why"]
    assert i5_points(assessment.get_assessment(LAI_UYEN, 2017)) == Decimal("10.80")

    # The same result delivered again is applied once
    results = [RecordedEvent.from_message(m) for m in survey.stream_events(f"campaign-{campaign_id}")
               if m["type"] == "SatisfactionResultComputed"]
    genuine = results[-1]
    forgery.publish(amqp_uri, [genuine], "survey.SatisfactionResultComputed")
    time.sleep(1.5)
    assert len(survey_fed(assessment, 0)) == 2
    # and a forged one (a better rate, a correct hash of its own) is parked, changing nothing
    forged = forgery.rehashed(genuine, id=str(uuid.uuid4()), position=genuine.position + 1,
                              version=genuine.version + 1, prev_hash="f" * 64,
                              data={**genuine.data, "satisfied": 10, "rate_percent": "100.00"})
    forgery.publish(amqp_uri, [forged], "survey.SatisfactionResultComputed")
    parked = wait_for(lambda: assessment.health()["subscriptions"][QUEUE]["dead_letters"] == 1)
    assert parked, assessment.health()["subscriptions"][QUEUE]
    assert [(letter["event_id"], letter["rejected"]) for letter in assessment.dead_letters(QUEUE)] \
        == [(forged.id, "not_in_log")]
    assert len(survey_fed(assessment, 0)) == 2
    assert assessment.get_assessment(LAI_UYEN, 2017)["figures"]["C2.I5"]["surveyed"] == 50


def test_a_survey_result_does_not_disturb_a_regime_without_satisfaction(services):
    """27/2025 takes no satisfaction input: a closed survey must not break its assessment."""
    _, survey, assessment = services
    commune = "00004"
    assessment.open_assessment(commune, 2025, OFFICER)
    criteria_set = load_builtin_sets()[("27-2025", 2)]
    first = criteria_set.indicators()[0]
    assessment.record_figures(commune, 2025,
                              {"indicator_id": first.id, "figures": full_figures(first)}, None, OFFICER)
    today = clock.now().date()
    kiosk = survey.register_kiosk({"commune_code": commune, "label": "Một cửa"}, OFFICER)
    survey.open_campaign({"commune_code": commune, "period": "2025", "target_sample": 5,
                          "opens_on": (today - timedelta(days=1)).isoformat(),
                          "closes_on": (today + timedelta(days=30)).isoformat()}, OFFICER)
    for level in (5, 4, 5, 4, 5):
        survey.submit_response(kiosk["token"], {
            "response_id": new_id(), "campaign_id": f"{commune}-2025",
            "questionnaire_id": DEFAULT_ID, "questionnaire_version": 1,
            "answers": full_answers(level)})
    survey.close_campaign(f"{commune}-2025", OFFICER)
    deadline = time.monotonic() + 30
    while assessment.get_assessment(commune, 2025)["satisfaction"] is None:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    current = assessment.get_assessment(commune, 2025)
    assert current["state"] == "drafting" and current["recognition_preview"] is not None


@pytest.fixture
def with_publication(runner_factory, own_amqp_uri, tmp_path):
    # A vhost of its own: the session's holds the queues, and the messages in them, of every
    # earlier test's services, whose events this publication service rightly refuses.
    config = {"AMQP_URI": own_amqp_uri,
              "DATABASES": {name: f"sqlite:///{tmp_path}/{name}.sqlite"
                            for name in ("survey", "assessment", "publication")},
              "SURVEY_MIN_ANSWERS": 5}
    runner_factory(config, SurveyService, AssessmentService, PublicationService).start()
    with ClusterRpcProxy({"AMQP_URI": own_amqp_uri}, timeout=30) as proxy:
        yield proxy.survey, proxy.assessment, proxy.publication


def test_a_campaign_closed_without_answers_reaches_assessment_and_board_as_no_data(
        with_publication):
    """It was dead-lettered: the assessment's table wanted a rate (rate_percent NOT NULL)."""
    survey, assessment, publication = with_publication
    assessment.open_assessment(LAI_UYEN, 2017, OFFICER)
    changes = publication.changes_after()
    today = clock.now().date()
    survey.open_campaign({"commune_code": LAI_UYEN, "period": "2017", "target_sample": 8,
                          "opens_on": (today - timedelta(days=1)).isoformat(),
                          "closes_on": (today + timedelta(days=30)).isoformat()}, OFFICER)
    result = survey.close_campaign(f"{LAI_UYEN}-2017", OFFICER)["result"]
    assert (result["responses"], result["no_data"], result["overall"]["rate_percent"]) == (
        0, True, None)

    deadline = time.monotonic() + 30
    while (satisfaction := assessment.get_assessment(LAI_UYEN, 2017)["satisfaction"]) is None:
        assert time.monotonic() < deadline, "the empty result never reached the assessment"
        time.sleep(0.2)
    assert (satisfaction["status"], satisfaction["rate_percent"], satisfaction["published"]) == (
        "no_data", None, False)
    # the indicator scored from the survey has nothing to score from: no figures, not 0 %
    events = wait_for(lambda: survey_fed(assessment, 1), timeout=30)
    assert events and events[0]["data"]["figures"] is None
    assert "C2.I5" not in assessment.get_assessment(LAI_UYEN, 2017)["figures"]

    # the publication service took it too (its change log names the commune)
    while not any(c["commune_code"] == LAI_UYEN for c in publication.changes_after(
            changes["head"], changes["epoch"])["changes"]):
        assert time.monotonic() < deadline, "the empty result never reached the publication"
        time.sleep(0.2)
    assert assessment.dead_letters("assessment.satisfaction_results") == []
    assert publication.dead_letters("publication.publication_record") == []
    assert assessment.health()["status"] == "up"

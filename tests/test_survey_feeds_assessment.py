"""A commune's satisfaction survey feeds its assessment: the survey service's result event
reaches the assessment service over the broker and scores 619/2017's satisfaction indicator."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from kernel import clock
from kernel.errors import ValidationFailed
from services.assessment.criteria import load_builtin_sets
from services.assessment.service import AssessmentService
from services.publication.service import PublicationService
from services.survey.questionnaires import DEFAULT_ID
from services.survey.service import SurveyService
from tests.support.assessment_figures import full_figures
from tests.survey.support import full_answers, new_id

pytestmark = pytest.mark.broker
LAI_UYEN = "25822"  # Bàu Bàng, Bình Dương: a 619/2017 commune in 2017
OFFICER = {"actor": {"subject": "officer@lai-uyen", "role": "commune_officer",
                     "jurisdiction": {"province": "74", "district": "719", "commune": LAI_UYEN}},
           "correlation_id": "3f1b5c56-0d0e-4c1c-9d1e-0a6d6b7b2c11"}


@pytest.fixture
def services(runner_factory, amqp_uri, tmp_path):
    config = {"AMQP_URI": amqp_uri,
              "DATABASES": {"survey": f"sqlite:///{tmp_path}/survey.sqlite",
                            "assessment": f"sqlite:///{tmp_path}/assessment.sqlite"},
              "SURVEY_KIOSK_RATE_PER_MINUTE": 100, "SURVEY_MIN_ANSWERS": 5}
    runner_factory(config, SurveyService, AssessmentService).start()
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as proxy:
        yield proxy.survey, proxy.assessment


def test_a_closed_survey_scores_the_satisfaction_indicator(services):
    survey, assessment = services
    opened = assessment.open_assessment(LAI_UYEN, 2017, OFFICER)
    assert opened["criteria_set_id"] == "619-2017" and opened["satisfaction"] is None

    today = clock.now().date()
    kiosk = survey.register_kiosk({"commune_code": LAI_UYEN, "label": "Bộ phận một cửa"}, OFFICER)
    survey.open_campaign({"commune_code": LAI_UYEN, "period": "2017", "target_sample": 8,
                          "opens_on": (today - timedelta(days=1)).isoformat(),
                          "closes_on": (today + timedelta(days=30)).isoformat()}, OFFICER)
    campaign_id = f"{LAI_UYEN}-2017"
    for level in (5, 5, 4, 4, 5, 4, 5, 2):
        survey.submit_response(kiosk["token"], {
            "response_id": new_id(), "campaign_id": campaign_id, "questionnaire_id": DEFAULT_ID,
            "questionnaire_version": 1, "answers": full_answers(level)})
    closed = survey.close_campaign(campaign_id, OFFICER)
    assert closed["result"]["overall"]["published"] is True

    deadline = time.monotonic() + 30
    while assessment.get_assessment(LAI_UYEN, 2017)["satisfaction"] is None:
        assert time.monotonic() < deadline, "the survey result never reached the assessment"
        time.sleep(0.2)

    scored = assessment.use_survey_result(LAI_UYEN, 2017, "C2.I5", None, OFFICER)
    satisfaction = scored["satisfaction"]
    assert satisfaction["campaign_id"] == campaign_id and satisfaction["target_met"] is True
    rate = Decimal(satisfaction["rate_percent"])
    assert rate == Decimal(satisfaction["satisfied"] * 100) / satisfaction["valid_answers"]
    [c2] = [c for c in scored["self_score"]["criteria"] if c["id"] == "C2"]
    [i5] = [i for i in c2["indicators"] if i["id"] == "C2.I5"]
    assert Decimal(i5["points"]) == (Decimal(12) * rate / 100).quantize(Decimal("0.01"))
    assert scored["figures"]["C2.I5"]["surveyed"] == satisfaction["valid_answers"]


def test_a_survey_result_does_not_disturb_a_regime_without_satisfaction(services):
    """27/2025 takes no satisfaction input: a closed survey must not break its assessment."""
    survey, assessment = services
    commune = "00004"
    assessment.open_assessment(commune, 2025, OFFICER)
    criteria_set = load_builtin_sets()[("27-2025", 2)]
    first = criteria_set.indicators()[0]
    assessment.run_command(commune, 2025, "record_figures",
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
    # the indicator scored from the survey says there is nothing to score from
    with pytest.raises(ValidationFailed) as refused:
        assessment.use_survey_result(LAI_UYEN, 2017, "C2.I5", None, OFFICER)
    assert refused.value.details["status"] == "no_data"
    assert "không có câu trả lời hợp lệ" in refused.value.message
    assert "no data" in str(refused.value)  # in English too

    # the publication service took it too (its change log names the commune)
    while not any(c["commune_code"] == LAI_UYEN for c in publication.changes_after(
            changes["head"], changes["epoch"])["changes"]):
        assert time.monotonic() < deadline, "the empty result never reached the publication"
        time.sleep(0.2)
    assert assessment.dead_letters("assessment.satisfaction_results") == []
    assert publication.dead_letters("publication.publication_record") == []
    assert assessment.health()["status"] == "up"

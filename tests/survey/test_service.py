"""The survey service as it runs: a nameko container on the real broker, called over RPC."""

import time
from datetime import timedelta

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from contracts.survey import (
    CampaignClosed,
    CodeUsed,
    KioskRevoked,
    ResponseConflict,
    TooManyRequests,
)
from kernel import clock
from kernel.errors import Forbidden, IllegalTransition, ValidationFailed
from services.survey.questionnaires import DEFAULT_ID
from services.survey.service import SurveyService
from tests.survey.support import full_answers, new_id

pytestmark = pytest.mark.broker
CONTEXT = {"actor": {"subject": "officer@test", "role": "commune_officer",
                     "jurisdiction": {"commune": "00004"}}, "correlation_id": "corr-1"}


@pytest.fixture
def survey(runner_factory, amqp_uri, tmp_path):
    config = {"AMQP_URI": amqp_uri, "DATABASES": {"survey": f"sqlite:///{tmp_path}/survey.sqlite"},
              "SURVEY_KIOSK_RATE_PER_MINUTE": 6, "SURVEY_MIN_ANSWERS": 3}
    runner_factory(config, SurveyService).start()
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as proxy:
        yield proxy.survey


def response(level=5, **extra):
    return {"response_id": new_id(), "campaign_id": "00004-2025", "questionnaire_id": DEFAULT_ID,
            "questionnaire_version": 1, "answers": full_answers(level), **extra}


def test_a_survey_from_kiosks_to_the_result_event(survey):
    assert survey.health()["status"] == "up"
    today = clock.now().date()
    kiosk = survey.register_kiosk({"commune_code": "00004", "label": "Quầy số 1"}, CONTEXT)
    spare = survey.register_kiosk({"commune_code": "00004", "label": "Quầy số 2"}, CONTEXT)
    token = kiosk["token"]
    assert "token" not in survey.get_kiosk(kiosk["kiosk_id"])
    campaign = survey.open_campaign({
        "commune_code": "00004", "period": "2025", "last_year_cases": 20,
        "opens_on": (today - timedelta(days=1)).isoformat(),
        "closes_on": (today + timedelta(days=30)).isoformat()}, CONTEXT)
    assert (campaign["target_sample"], campaign["accepting"]) == (3, True)
    assert survey.get_campaign("00004-2025")["questionnaire"]["questions"][0]["id"] == "cong-khai"

    # one response, its replay, and a conflicting replay
    first = response()
    accepted = survey.submit_response(token, first, CONTEXT)
    assert accepted["result"] == "accepted"
    assert survey.submit_response(token, first, CONTEXT) == {**accepted, "result": "duplicate"}
    with pytest.raises(ResponseConflict) as refused:
        survey.submit_response(token, {**first, "answers": full_answers(1)}, CONTEXT)
    assert refused.value.code == "response_conflict"
    with pytest.raises(ValidationFailed) as refused:
        survey.submit_response(token, {**response(), "name": "Nguyễn Văn An"}, CONTEXT)
    assert refused.value.details["fields"]["name"] == ["Unknown field."]

    # a single-use code binds one response; reusing it is refused
    [code] = survey.issue_codes("00004-2025", 1, CONTEXT)["codes"]
    assert survey.submit_response(token, response(level=4, code=code))["result"] == "accepted"
    with pytest.raises(CodeUsed):
        survey.submit_response(token, response(code=code))

    # a kiosk's offline queue in one call
    batch = survey.submit_batch(token, [response(level=2), first,
                                        {**first, "answers": full_answers(3)},
                                        {**response(), "answers": {"cong-khai": 7}}], CONTEXT)
    assert [r["result"] for r in batch["results"]] == ["accepted", "duplicate", "conflict",
                                                       "refused"]
    assert batch["summary"] == {"accepted": 1, "duplicate": 1, "conflict": 1, "refused": 1}

    # stuffing: the kiosk may add 6 responses a minute, replays do not count
    survey.submit_response(token, response(level=5))
    survey.submit_response(token, response(level=1))
    survey.submit_response(token, response(level=5))
    with pytest.raises(TooManyRequests) as refused:
        survey.submit_response(token, response())
    assert (refused.value.code, refused.value.details["limit"]) == ("rate_limited", 6)
    assert survey.submit_response(token, first)["result"] == "duplicate"

    # a revoked kiosk is refused
    survey.revoke_kiosk(spare["kiosk_id"], "Thiết bị bị mất", CONTEXT)
    with pytest.raises(KioskRevoked) as refused:
        survey.submit_response(spare["token"], response())
    assert isinstance(refused.value, Forbidden)

    live = survey.get_results("00004-2025")
    assert (live["final"], live["responses"]) == (False, 6)

    closed = survey.close_campaign("00004-2025", CONTEXT)
    result = closed["result"]
    assert closed["campaign"]["state"] == "closed" and result["final"] is True
    # levels 5, 4, 2, 5, 1, 5 on five questions: 20 of 30 answers satisfied
    assert result["overall"] == {"valid_answers": 30, "satisfied": 20, "rate_percent": "66.67",
                                 "counts": {"1": 5, "2": 5, "3": 0, "4": 5, "5": 15},
                                 "published": True, "reason": None}
    assert (result["target_sample"], result["target_met"]) == (3, True)
    with pytest.raises(IllegalTransition):
        survey.close_campaign("00004-2025", CONTEXT)
    with pytest.raises(CampaignClosed) as refused:
        survey.submit_response(kiosk["token"], response())
    assert refused.value.code == "campaign_closed"

    log = survey.events_after(0, 1000)["events"]
    [computed] = [e for e in log if e["type"] == "SatisfactionResultComputed"]
    assert computed["data"]["rate_percent"] == "66.67"
    assert computed["data"]["published"] is True
    assert computed["metadata"]["correlation_id"] == "corr-1"
    responses = [e for e in log if e["type"] == "ResponseSubmitted"]
    assert len(responses) == 6
    assert all(len(e["metadata"]["recorded_at"]) == 10 for e in log)  # every event: the day only
    assert all(e["id"] == e["data"]["response_id"] for e in responses)

    assert survey.rebuild("survey_results") >= 6
    assert survey.get_results("00004-2025") == result
    assert survey.verify_chain()["ok"] is True


def test_results_follow_the_log_and_the_old_broker_queue_is_removed(runner_factory, own_amqp_uri,
                                                                     tmp_path):
    import amqp

    from kernel import messaging

    # What an earlier release left: the projection's durable queue, bound and holding events.
    connection = messaging.connect(own_amqp_uri)
    try:
        messaging.declare_subscription_queues(connection, "survey.survey_results",
                                              ["survey"], 1000)
        messaging.ConfirmingChannel(connection).publish_all(
            [(amqp.Message("[]"), "", "survey.survey_results")])
    finally:
        connection.close()
    # And another service's queue taking everything the survey publishes.
    connection = messaging.connect(own_amqp_uri)
    try:
        messaging.declare_subscription_queues(connection, "other.everything",
                                              ["survey"], 1000)
    finally:
        connection.close()
    config = {"AMQP_URI": own_amqp_uri, "SURVEY_MIN_ANSWERS": 1,
              "DATABASES": {"survey": f"sqlite:///{tmp_path}/survey.sqlite"}}
    runner_factory(config, SurveyService).start()
    today = clock.now().date()
    with ClusterRpcProxy({"AMQP_URI": own_amqp_uri}, timeout=30) as proxy:
        survey = proxy.survey
        health = survey.health()
        token = survey.register_kiosk({"commune_code": "00004", "label": "Quầy 1"}, CONTEXT)["token"]
        survey.open_campaign({"commune_code": "00004", "period": "2025", "target_sample": 1,
                              "opens_on": (today - timedelta(days=1)).isoformat(),
                              "closes_on": (today + timedelta(days=1)).isoformat()}, CONTEXT)
        survey.submit_response(token, response(), CONTEXT)
        closed = survey.close_campaign("00004-2025", CONTEXT)
        assert closed["result"]["responses"] == 1
        results_only = survey.events_after(0, 100, ["SatisfactionResultComputed"])["events"]
    assert [e["type"] for e in results_only] == ["SatisfactionResultComputed"]
    assert health["status"] == "up"
    assert health["projection_errors"] == {"survey_results": None}
    connection = messaging.connect(own_amqp_uri)
    try:
        for queue in ("survey.survey_results", "survey.survey_results.retry",
                      "survey.survey_results.dlq"):
            with pytest.raises(amqp.exceptions.NotFound):
                connection.channel().queue_declare(queue, passive=True)
        # the relay publishes after the commit, on its own: wait for the close's events
        channel, published, deadline = connection.channel(), [], time.monotonic() + 10
        while "SatisfactionResultComputed" not in published and time.monotonic() < deadline:
            message = channel.basic_get("other.everything", no_ack=True)
            if message is None:
                time.sleep(0.05)
                continue
            published += [e["type"] for e in messaging.decode(message)]
    finally:
        connection.close()
    # The response stayed in the survey's log, and so did the kiosk's registration: only
    # the campaign stream's events, which other services subscribe to, were published.
    assert set(published) == {"CampaignOpened", "CampaignClosed", "SatisfactionResultComputed"}


def test_a_restarted_service_holds_the_kiosks_count_and_seals_text_in_its_key_store(
        runner_factory, own_amqp_uri, tmp_path):
    """The in-memory limit of earlier releases started again with the process."""
    config = {"AMQP_URI": own_amqp_uri, "SURVEY_MIN_ANSWERS": 1,
              "DATABASES": {"survey": f"sqlite:///{tmp_path}/survey.sqlite"},
              "SURVEY_KEYS_URL": f"sqlite:///{tmp_path}/survey-keys.sqlite",
              "SURVEY_KIOSK_RATE_PER_MINUTE": 3}
    today = clock.now().date()
    first = runner_factory(config, SurveyService)
    first.start()
    with ClusterRpcProxy({"AMQP_URI": own_amqp_uri}, timeout=30) as proxy:
        token = proxy.survey.register_kiosk({"commune_code": "00004", "label": "Quầy 1"},
                                            CONTEXT)["token"]
        proxy.survey.open_campaign({
            "commune_code": "00004", "period": "2025", "target_sample": 1,
            "opens_on": (today - timedelta(days=1)).isoformat(),
            "closes_on": (today + timedelta(days=1)).isoformat()}, CONTEXT)
        for text in ("Chị Lan ở thôn 3 rất tận tình", None, None):
            body = response()
            if text:
                body["answers"]["gop-y"] = text
            proxy.survey.submit_response(token, body)
    first.stop()
    second = runner_factory(config, SurveyService)
    second.start()
    with ClusterRpcProxy({"AMQP_URI": own_amqp_uri}, timeout=30) as proxy:
        with pytest.raises(TooManyRequests) as refused:
            proxy.survey.submit_response(token, response())
        assert refused.value.details["scope"] == "kiosk"
        assert [c["text"] for c in proxy.survey.get_comments("00004-2025")["comments"]] == [
            "Chị [họ tên] ở [địa chỉ] rất tận tình"]
        erased = proxy.survey.erase_free_text("00004-2025", "Yêu cầu xóa dữ liệu", CONTEXT)
        assert erased["erased_keys"] == 1
        assert proxy.survey.get_comments("00004-2025")["unreadable"] == 1
        assert proxy.survey.verify_chain()["ok"] is True

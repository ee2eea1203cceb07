"""An auditor follows actions through several services with the real gateway and the real
assessment, survey and publication services. The publication records each public entry as
an ``EntryPublished`` event caused by what it publishes (``metadata_caused_by``), so its
events keep the action's correlation id and name their cause.

1. A commune officer closes a survey campaign with a known ``X-Correlation-Id``; the survey
   records the closing and the result, the publication posts the result on its board, and
   ``/api/v1/audit/correlations/<id>`` finds all three in two services, with the cause.
2. An auditor reads one commune's year, from the first figure to the decision and its board
   entry, through ``/api/v1/audit/events?commune=…`` across services.
"""

import contextlib
import subprocess
import time
import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest
from nameko.runners import ServiceRunner
from nameko.standalone.rpc import ClusterRpcProxy

from gateway.service import GatewayService
from kernel import clock
from services.accounts.service import AccountsService
from services.assessment.service import AssessmentService
from services.plans.service import PlansService
from services.publication.service import PublicationService
from services.survey.questionnaires import DEFAULT_ID
from services.survey.service import SurveyService
from tests.conftest import BROKER_HOST
from tests.gateway.conftest import Platform, gateway_config
from tests.support.assessment_platform import send, token
from tests.survey.support import full_answers, new_id
from tests.test_province_cycle import Year

pytestmark = [pytest.mark.broker, pytest.mark.slow]
BA_DINH = "00004"  # Phường Ba Đình, Hà Nội: a province-reviewed 27/2025 year
HOAN_KIEM = "00070"
def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def trail(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audit-trail")
    vhost = f"tcpl-test-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    config = gateway_config(f"amqp://guest:guest@{BROKER_HOST}/{quote(vhost, safe='')}")
    config.update(RPC_TIMEOUT=15, RETRY_DELAY_MS=200, SURVEY_KIOSK_RATE_PER_MINUTE=100,
                  SURVEY_MIN_ANSWERS=5,
                  DATABASES={name: f"sqlite:///{folder}/{name}.sqlite"
                             for name in ("assessment", "plans", "publication", "survey", "accounts")})
    runner = ServiceRunner(config)
    for service_cls in (GatewayService, AssessmentService, SurveyService, PublicationService,
                        PlansService, AccountsService):
        runner.add_service(service_cls)
    runner.start()
    client = Platform(url="http://" + config["WEB_SERVER_ADDRESS"])
    try:
        with ClusterRpcProxy({"AMQP_URI": config["AMQP_URI"]}, timeout=30) as proxy:
            yield client, proxy.survey
    finally:
        client.session.close()
        runner.kill()
        with contextlib.suppress(Exception):
            _rabbitmqctl("delete_vhost", vhost)


AUDITOR = token("auditor", sub="auditor@test")


def is_decision_posting(event):
    return event["type"] == "EntryPublished" and event["data"]["kind"] == "decision"


def audit(client, path, **params):
    answer = client.get(path, AUDITOR, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def eventually(check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_one_request_followed_through_two_services(trail):
    client, survey = trail
    # Campaigns are set up by the justice office over the commune (docs/gateway.md, "Who may do what").
    officer = token("justice_officer", "01", None, None, sub="sotuphap.hanoi")
    today = clock.now().date()
    opened = send(client, "POST", "/api/v1/survey/campaigns", officer, {
        "commune_code": HOAN_KIEM, "period": "2025", "target_sample": 8,
        "opens_on": (today - timedelta(days=1)).isoformat(),
        "closes_on": (today + timedelta(days=30)).isoformat()})
    assert opened.status_code == 201, opened.text
    kiosk = survey.register_kiosk({"commune_code": HOAN_KIEM, "label": "Một cửa"},
                                  {"actor": {"subject": "admin@test", "role": "administrator"}})
    campaign_id = f"{HOAN_KIEM}-2025"
    for level in (5, 5, 4, 4, 5, 4, 5, 2):
        survey.submit_response(kiosk["token"], {
            "response_id": new_id(), "campaign_id": campaign_id, "questionnaire_id": DEFAULT_ID,
            "questionnaire_version": 1, "answers": full_answers(level)})

    correlation = str(uuid.uuid4())
    closed = client.request("POST", f"/api/v1/survey/campaigns/{campaign_id}/close", officer,
                            headers={"X-Correlation-Id": correlation})
    assert closed.status_code == 200, closed.text
    assert closed.headers["X-Correlation-Id"] == correlation

    path = f"/api/v1/audit/correlations/{correlation}"
    trace = eventually(lambda: (lambda body: body if len(body["sources"]) > 1 else None)(
        audit(client, path)))
    assert trace, "the publication never reacted to the survey's result"
    assert trace["sources"] == ["publication", "survey"]
    by_type = {e["type"]: e for e in trace["events"]}
    assert {"CampaignClosed", "SatisfactionResultComputed", "EntryPublished"} <= set(by_type)
    assert {e["metadata"]["correlation_id"] for e in trace["events"]} == {correlation}
    result, posted = by_type["SatisfactionResultComputed"], by_type["EntryPublished"]
    assert posted["data"]["kind"] == "satisfaction"
    assert posted["source"] == "publication" and posted["metadata"]["actor"] == "system:publication"
    assert {"event_id": posted["id"], "source": "publication", "causation_id": result["id"],
            "cause_source": "survey"} in trace["links"]
    [node] = [n for n in trace["tree"] if n["event_id"] == result["id"]]
    assert [child["event_id"] for child in node["caused"]] == [posted["id"]]
    closing = [e for e in trace["events"] if e["type"] == "CampaignClosed"]
    assert closing and all(e["metadata"]["actor"] == "sotuphap.hanoi" for e in closing)


def test_a_communes_year_from_first_figure_to_decision(trail):
    client, _ = trail
    year = Year(client, 2025, "01", None, ("27-2025", 2))
    started = clock.now().date().isoformat()
    today = clock.now().date()
    campaign = send(client, "POST", "/api/v1/survey/campaigns", year.justice, {
        "commune_code": BA_DINH, "period": "2025", "target_sample": 8,
        "opens_on": today.isoformat(), "closes_on": (today + timedelta(days=30)).isoformat()})
    assert campaign.status_code == 201, campaign.text
    year.self_assess(BA_DINH)
    decided = year.review(BA_DINH)
    assert decided["state"] == "recognised"

    def whole_year():
        events, cursor = [], None
        while True:  # small pages: the cursor carries the reader across services
            params = {"commune": BA_DINH, "from": started, "limit": "7"}
            body = audit(client, "/api/v1/audit/events", **(params | ({"cursor": cursor} if cursor else {})))
            events += body["events"]
            cursor = body["next_cursor"]
            if cursor is None:
                return events if any(is_decision_posting(e) for e in events) else None

    events = eventually(whole_year)
    assert events, "the decision never reached the board"
    assert {e["source"] for e in events} == {"assessment", "survey", "publication"}
    assert len({(e["source"], e["id"]) for e in events}) == len(events)  # no page repeats one
    assessment = [e for e in events if e["source"] == "assessment"]
    assert assessment[0]["type"] == "AssessmentOpened"
    first_figure = next(i for i, e in enumerate(events) if e["type"] == "FiguresRecorded")
    decision = next(i for i, e in enumerate(events) if e["type"] == "RecognitionDecided")
    posting = next(i for i, e in enumerate(events) if is_decision_posting(e))
    assert first_figure < decision < posting
    assert events == sorted(events, key=lambda e: (e["metadata"]["recorded_at"], e["source"],
                                                   e["position"]))
    assert events[decision]["metadata"]["actor"] == "chutich.01.None"
    # the decision's own correlation reaches the board too
    trace = audit(client, f"/api/v1/audit/correlations/{events[decision]['metadata']['correlation_id']}")
    assert [e["type"] for e in trace["events"]] == ["RecognitionDecided", "EntryPublished"]
    assert trace["tree"][0]["caused"][0]["source"] == "publication"

    # and every chain is intact
    chains = audit(client, "/api/v1/audit/chains")
    assert chains["ok"] is True, chains["broken"]
    assert all(report["checked"] > 0 for name, report in chains["services"].items()
               if name not in ("plans", "accounts"))  # nobody wrote a plan or an account here

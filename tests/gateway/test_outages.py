"""Backing services that are not running: each start here has only the peers it names."""

import time

import eventlet
import pytest

from gateway.service import GatewayService
from tests.gateway import peers
from tests.gateway.conftest import HEALTH_TIMEOUT, RPC_TIMEOUT, Platform, gateway_config

pytestmark = pytest.mark.broker

# The deadline of the gateways whose calls are meant to time out here: shorter than the
# suite's, so that each wait costs less.
SHORT_RPC_TIMEOUT = 1.0


def test_a_write_to_a_service_that_is_not_running_is_503(start_platform, token):
    gateway = start_platform(peers.PlansPeer)
    response = gateway.put("/api/v1/provinces/01/reviewing-levels/2024", token("administrator"),
                           json={"level": "district"})
    assert response.status_code == 503
    assert response.json()["error"] == "service_unavailable"
    assert response.json()["details"] == {"service": "assessment"}


def test_reading_the_log_of_a_service_that_is_not_running_is_503(start_platform, token):
    gateway = start_platform(peers.AssessmentPeer)
    response = gateway.get("/api/v1/events?source=survey", token("auditor"))
    assert response.status_code == 503
    assert response.json()["error"] == "service_unavailable"


def test_health_names_the_services_that_are_down(start_platform):
    gateway = start_platform(peers.AssessmentPeer, peers.SurveyPeer)
    started = time.monotonic()
    response = gateway.get("/health")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "degraded"
    assert report["services"]["assessment"]["status"] == "up"
    assert report["services"]["survey"]["status"] == "up"
    for name in ("plans", "publication"):
        assert report["services"][name]["status"] == "down"
        assert name in report["services"][name]["error"]
    # The services are asked at once: two silent ones cost one deadline, not two.
    assert elapsed < 2 * HEALTH_TIMEOUT


def test_health_with_no_service_answering_is_down(start_platform):
    gateway = start_platform()
    response = gateway.get("/health")
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "down"
    assert {s["status"] for s in report["services"].values()} == {"down"}
    assert report["gateway"]["broker"]["ok"] is True


def test_a_write_that_timed_out_is_not_carried_out_when_the_service_returns(
        runner_factory, container_factory, amqp_uri, token):
    assessment = container_factory(peers.AssessmentPeer, {"AMQP_URI": amqp_uri})
    assessment.start()
    config = {**gateway_config(amqp_uri), "RPC_TIMEOUT": SHORT_RPC_TIMEOUT}
    runner_factory(config, GatewayService).start()
    gateway = Platform(url="http://" + config["WEB_SERVER_ADDRESS"])
    assessment.stop()  # its queue stays, so the request waits there instead of failing fast
    response = gateway.put("/api/v1/provinces/01/reviewing-levels/2024", token("administrator"),
                           json={"level": "district"})
    assert response.status_code == 503
    assert "không trả lời trong" in response.json()["message"]

    eventlet.sleep(0.5)  # the request expired with the gateway's deadline
    returned = container_factory(peers.AssessmentPeer, {"AMQP_URI": amqp_uri})
    returned.start()
    eventlet.sleep(1.0)
    assert peers.AssessmentPeer.calls == []


def timed(request):
    started = time.monotonic()
    response = request()
    return response, time.monotonic() - started


def test_repeated_timeouts_open_the_breaker_until_the_service_answers_again(
        runner_factory, container_factory, amqp_uri, token):
    """Fail fast replaces waiting: after BREAKER_FAILURES calls in a row without an answer, a
    call is refused at once (503, Retry-After) until, after the cool-down, one probe finds the
    service answering again."""
    assessment = container_factory(peers.AssessmentPeer, {"AMQP_URI": amqp_uri})
    assessment.start()
    config = {**gateway_config(amqp_uri), "RPC_TIMEOUT": SHORT_RPC_TIMEOUT, "BREAKER_FAILURES": 3,
              "BREAKER_COOLDOWN_SECONDS": 1}
    runner_factory(config, GatewayService).start()
    gateway = Platform(url="http://" + config["WEB_SERVER_ADDRESS"])
    assessment.stop()  # its queue stays: calls wait for their deadline
    url, admin = "/api/v1/provinces/01/reviewing-levels/2024", token("administrator")

    pool = eventlet.GreenPool()
    timed_out = list(pool.imap(lambda _: gateway.get(url, admin), range(3)))
    assert all("không trả lời trong" in r.json()["message"] for r in timed_out)
    refused, seconds = timed(lambda: gateway.get(url, admin))
    assert seconds < SHORT_RPC_TIMEOUT / 2 and refused.status_code == 503
    assert refused.json()["error"] == "service_unavailable"
    assert refused.json()["details"] == {"service": "assessment", "reason": "circuit_open",
                                         "retry_after": 1}
    assert refused.headers["Retry-After"] == "1"
    assert refused.json()["message"].startswith("Dịch vụ assessment liên tục không trả lời")
    english = gateway.get(url, admin, headers={"Accept-Language": "en"})
    assert english.json()["message"].startswith("The assessment service failed repeatedly")
    assert english.headers["Content-Language"] == "en"
    breaker = gateway.get("/health").json()["gateway"]["services"]["assessment"]
    assert breaker["breaker"] in ("open", "half_open") and breaker["consecutive_failures"] == 3

    returned = container_factory(peers.AssessmentPeer, {"AMQP_URI": amqp_uri})
    returned.start()
    eventlet.sleep(1.1)  # the cool-down: the next call is the probe
    assert gateway.get(url, admin).status_code == 200
    breaker = gateway.get("/health").json()["gateway"]["services"]["assessment"]
    assert breaker["breaker"] == "closed" and breaker["times_opened"] == 1


def test_a_full_bulkhead_refuses_at_once_and_leaves_the_other_routes_free(
        runner_factory, amqp_uri, token):
    config = {**gateway_config(amqp_uri), "BULKHEAD_CALLS": {"assessment": 2}}
    runner_factory(config, GatewayService, peers.AssessmentPeer).start()
    gateway = Platform(url="http://" + config["WEB_SERVER_ADDRESS"])
    slow = f"/api/v1/provinces/01/reviewing-levels/{peers.SLOW_YEAR}"
    admin = token("administrator")
    waiting = [eventlet.spawn(gateway.get, slow, admin) for _ in range(2)]
    eventlet.sleep(0.3)  # both wait on the assessment service now
    busy, seconds = timed(lambda: gateway.get("/api/v1/provinces/01/reviewing-levels/2024",
                                              admin))
    assert seconds < RPC_TIMEOUT / 2 and busy.status_code == 503
    assert busy.json()["details"]["reason"] == "too_many_calls"
    assert busy.headers["Retry-After"] == "1"
    assert gateway.get("/api/v1/units/provinces/01").status_code == 200
    health = gateway.get("/health").json()["gateway"]["services"]["assessment"]
    assert health["in_flight"] == 2 and health["rejected"] >= 1
    assert [w.wait().status_code for w in waiting] == [503, 503]  # their deadline
    assert gateway.get("/api/v1/provinces/01/reviewing-levels/2024", admin).status_code == 200

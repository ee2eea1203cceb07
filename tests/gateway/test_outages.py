"""Backing services that are not running: each start here has only the peers it names."""

import time

import eventlet
import pytest

from tests.gateway import peers
from tests.gateway.conftest import HEALTH_TIMEOUT

pytestmark = pytest.mark.broker


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
        start_platform, container_factory, amqp_uri, token):
    assessment = container_factory(peers.AssessmentPeer, {"AMQP_URI": amqp_uri})
    assessment.start()
    gateway = start_platform()
    assessment.stop()  # its queue stays, so the request waits there instead of failing fast
    response = gateway.put("/api/v1/provinces/01/reviewing-levels/2024", token("administrator"),
                           json={"level": "district"})
    assert response.status_code == 503
    assert "did not answer within" in response.json()["message"]

    eventlet.sleep(0.5)  # the request expired with the gateway's deadline
    returned = container_factory(peers.AssessmentPeer, {"AMQP_URI": amqp_uri})
    returned.start()
    eventlet.sleep(1.0)
    assert peers.AssessmentPeer.calls == []

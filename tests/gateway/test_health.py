"""/health with every service answering, and the rules that sum the reports up."""

import pytest

from gateway.dependencies import BrokerProbe
from gateway.health import overall_status
from gateway.schemas import BACKING_SERVICES
from tests.gateway import peers


@pytest.mark.broker
def test_all_services_up_is_200_up(platform):
    response = platform.get("/health")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "up"
    assert set(report["services"]) == set(BACKING_SERVICES)
    assert report["services"]["plans"] == peers.health_report("plans")
    gateway = report["gateway"]
    assert gateway["broker"] == {"ok": True}
    # what the gateway itself sees: every breaker closed, nothing waiting, the board idle
    assert set(gateway["services"]) == set(BACKING_SERVICES)
    assert gateway["services"]["publication"] == {
        "breaker": "closed", "consecutive_failures": 0, "times_opened": 0, "in_flight": 0,
        "limit": 16, "rejected": 0}
    assert gateway["services"]["survey"]["limit"] == 64
    assert gateway["board"]["status"] in ("idle", "fresh")


@pytest.mark.broker
def test_a_degraded_service_makes_the_platform_degraded_and_503(platform):
    peers.PlansPeer.health_status = "degraded"
    response = platform.get("/health")
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "degraded"
    assert report["services"]["plans"]["status"] == "degraded"
    assert report["services"]["assessment"]["status"] == "up"


def test_the_overall_status():
    up, degraded, down = {"status": "up"}, {"status": "degraded"}, {"status": "down"}
    assert overall_status({"a": up, "b": up}, broker_ok=True) == "up"
    assert overall_status({"a": up, "b": degraded}, broker_ok=True) == "degraded"
    assert overall_status({"a": up, "b": down}, broker_ok=True) == "degraded"
    assert overall_status({"a": down, "b": down}, broker_ok=True) == "down"
    assert overall_status({"a": up, "b": up}, broker_ok=False) == "down"


def test_the_broker_probe_reports_an_unreachable_broker():
    probe = BrokerProbe()
    probe.amqp_uri, probe.ssl, probe.login_method, probe.timeout = (
        "amqp://guest:guest@127.0.0.1:1/", None, None, 1.0)
    result = probe.check()
    assert result["ok"] is False and result["error"]

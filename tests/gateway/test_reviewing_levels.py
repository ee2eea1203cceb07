"""The write path end to end: token → validation → RPC with context → the service's answer."""

import uuid

import pytest

from tests.gateway import peers
from tests.gateway.conftest import BA_DINH, HANOI

pytestmark = pytest.mark.broker

URL = "/api/v1/provinces/01/reviewing-levels/2024"


def test_an_administrator_sets_a_level_and_anyone_signed_in_reads_it(platform, token):
    written = platform.put(URL, token("administrator"), json={"level": "district"})
    assert written.status_code == 200
    assert written.json() == {"province_code": "01", "year": 2024, "level": "district",
                              "version": 1, "source": "configured"}
    read = platform.get(URL, token("commune_officer", province=HANOI, commune=BA_DINH))
    assert read.status_code == 200 and read.json() == written.json()


def test_an_unconfigured_year_reads_as_the_default(platform, token):
    response = platform.get("/api/v1/provinces/79/reviewing-levels/2025", token("auditor"))
    assert response.json() == {"province_code": "79", "year": 2025, "level": "province",
                               "version": 0, "source": "default"}
    assert peers.AssessmentPeer.calls == [("get_reviewing_level", "79", 2025)]


def test_the_write_carries_the_actor_the_callers_correlation_id_and_idempotency_key(
        platform, token):
    correlation_id = str(uuid.uuid4())
    admin = token("administrator", province=HANOI, sub="admin@test")
    response = platform.put(URL, admin, json={"level": "province", "expected_version": 0},
                            headers={"X-Correlation-Id": correlation_id.upper(),
                                     "Idempotency-Key": "level-01-2024-a"})
    assert response.status_code == 200
    assert response.headers["X-Correlation-Id"] == correlation_id
    [(*arguments, context)] = peers.AssessmentPeer.calls
    assert arguments == ["set_reviewing_level", "01", 2024, "province", 0]
    keyed = context.pop("idempotency")
    assert context == {"actor": {"subject": "admin@test", "role": "administrator",
                                 "jurisdiction": {"province": HANOI, "district": None,
                                                  "commune": None}},
                       "correlation_id": correlation_id}
    assert keyed["key"] == "level-01-2024-a"
    assert len(keyed["fingerprint"]) == len(keyed["answer_key"]) == 64


@pytest.mark.parametrize("header", [None, "", "not-a-uuid", "123"])
def test_without_a_valid_correlation_id_the_gateway_makes_one(platform, token, header):
    headers = {} if header is None else {"X-Correlation-Id": header}
    response = platform.put(URL, token("administrator"), json={"level": "district"},
                            headers=headers)
    made = response.headers["X-Correlation-Id"]
    assert uuid.UUID(made).version == 4
    assert peers.AssessmentPeer.calls[-1][-1]["correlation_id"] == made


def test_expected_version_guards_against_lost_updates(platform, token):
    admin = token("administrator")
    first = platform.put(URL, admin, json={"level": "district", "expected_version": 0})
    assert first.json()["version"] == 1
    second = platform.put(URL, admin, json={"level": "province", "expected_version": 1})
    assert second.json()["version"] == 2
    stale = platform.put(URL, admin, json={"level": "district", "expected_version": 1})
    assert stale.status_code == 409 and stale.json()["error"] == "version_conflict"
    assert platform.get(URL, admin).json()["level"] == "province"


def test_errors_echo_the_correlation_id_too(platform):
    correlation_id = str(uuid.uuid4())
    response = platform.get(URL, headers={"X-Correlation-Id": correlation_id})
    assert response.status_code == 401
    assert response.headers["X-Correlation-Id"] == correlation_id


def test_an_auditor_reads_a_services_event_log(platform, token):
    response = platform.get("/api/v1/events?source=plans&after=1&limit=5", token("auditor"))
    assert response.status_code == 200
    page = response.json()
    assert page["head_position"] == 3 and page["source"] == "plans"
    assert [event["position"] for event in page["events"]] == [2, 3]
    assert peers.PlansPeer.calls == [("events_after", 1, 5)]


def test_the_event_log_query_has_defaults(platform, token):
    platform.get("/api/v1/events?source=survey", token("auditor"))
    assert peers.SurveyPeer.calls == [("events_after", 0, 100)]

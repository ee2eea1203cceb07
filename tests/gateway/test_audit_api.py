"""The audit routes against real event stores: four small services with the kernel's RPCs
(query_events, verify_chain…) over SQLite files this module fills with a known history."""

import base64
import contextlib
import csv
import io
import json
import subprocess
import uuid
from unittest import mock
from urllib.parse import quote

import pytest
from nameko.runners import ServiceRunner
from sqlalchemy import text

from gateway.service import GatewayService
from kernel.events import Actor, Metadata, NewEvent
from kernel.nameko import EventSourcedService, EventStoreProvider, metadata_caused_by
from kernel.schema import events as events_table
from kernel.store import ANY_VERSION, EventStore
from tests.conftest import BROKER_HOST
from tests.gateway.conftest import Platform, gateway_config

pytestmark = pytest.mark.broker
SERVICES = ("assessment", "plans", "publication", "survey", "accounts")
OFFICER = Actor("congchuc.00004", "commune_officer", {"commune": "00004"})
CHAIRMAN = Actor("chutich.01", "chairman", {"province": "01"})
C_OPEN, C_FIGURES, C_DECIDE = (str(uuid.uuid4()) for _ in range(3))


def log_service(service_name):
    return type(f"{service_name.title()}Log", (EventSourcedService,),
                {"name": service_name, "store": EventStoreProvider()})


class DayOnly(Metadata):
    def to_dict(self, recorded_at):
        return super().to_dict(recorded_at[:10])


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def seed(stores):
    """A commune's spring in four services; returns the recorded events by a short name."""
    recorded = {}

    def at(name, service, when, stream, type_, data, metadata):
        with mock.patch("kernel.store.recorded_at_now", lambda: when):
            [recorded[name]] = stores[service].append(stream, ANY_VERSION, [NewEvent(type_, data)],
                                                      metadata)

    system = Metadata(Actor.system("plans"))
    at("plan", "plans", "2025-02-01T08:00:00.000000+07:00", "plan-01-2025", "PlanAdopted",
       {"province_code": "01", "title": "Kế hoạch năm 2025"}, system)
    at("signed_in", "accounts", "2025-03-01T08:55:00.000000+07:00", "sign-ins-congchuc.00004",
       "SignedIn", {"username": "congchuc.00004", "session": "ab12cd34ef56ab12",
                    "client_address": "10.0.0.1", "user_agent": "Chromium"}, Metadata(OFFICER))
    at("opened", "assessment", "2025-03-01T09:00:00.000000+07:00", "assessment-00004-2025",
       "AssessmentOpened", {"commune_code": "00004", "year": 2025},
       Metadata(OFFICER, correlation_id=C_OPEN))
    at("campaign", "survey", "2025-03-01T09:00:01.000000+07:00", "campaign-00004-2025",
       "CampaignOpened", {"commune_code": "00004", "period": "2025"},
       DayOnly(OFFICER, correlation_id=C_OPEN, causation_id=recorded["opened"].id))
    at("figures", "assessment", "2025-03-01T09:05:00.000000+07:00", "assessment-00004-2025",
       "FiguresRecorded", {"indicator_id": "1.1", "note": "Đủ hồ sơ; \"trích dẫn\", dấu phẩy"},
       Metadata(OFFICER, correlation_id=C_FIGURES))
    at("other", "assessment", "2025-03-02T10:00:00.000000+07:00", "assessment-00070-2025",
       "AssessmentOpened", {"commune_code": "00070", "year": 2025},
       Metadata(Actor("congchuc.00070", "commune_officer")))
    at("result", "survey", "2025-03-04T16:00:00.000000+07:00", "campaign-00004-2025",
       "SatisfactionResultComputed", {"commune_code": "00004", "rate_percent": "87.50"},
       DayOnly(Actor.system("survey")))
    at("decided", "assessment", "2025-03-05T10:00:00.000000+07:00", "assessment-00004-2025",
       "RecognitionDecided", {"recognised": True}, Metadata(CHAIRMAN, correlation_id=C_DECIDE))
    at("posted", "publication", "2025-03-05T10:00:01.000000+07:00", "board-00004-2025",
       "BoardEntryPosted", {"commune_code": "00004", "recognised": True},
       metadata_caused_by(recorded["decided"], Actor.system("publication")))
    return recorded


# the merged order: recorded_at, then source; a day-only stamp sorts before its day's times
ALL_IN_ORDER = ["plan", "campaign", "signed_in", "opened", "figures", "other", "result",
                "decided", "posted"]


@pytest.fixture(scope="module")
def audit(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audit")
    urls = {name: f"sqlite:///{folder}/{name}.sqlite" for name in SERVICES}
    stores = {}
    for name, url in urls.items():
        stores[name] = EventStore(url, name)
        stores[name].migrate()
    recorded = seed(stores)
    vhost = f"tcpl-test-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    config = gateway_config(f"amqp://guest:guest@{BROKER_HOST}/{quote(vhost, safe='')}")
    config.update(RPC_TIMEOUT=10, DATABASES=urls)
    runner = ServiceRunner(config)
    for service_cls in (GatewayService, *(log_service(name) for name in SERVICES)):
        runner.add_service(service_cls)
    runner.start()
    client = Platform(url="http://" + config["WEB_SERVER_ADDRESS"])
    try:
        client.amqp_uri = config["AMQP_URI"]
        yield client, stores, recorded
    finally:
        client.session.close()
        runner.kill()
        for store in stores.values():
            store.dispose()
        with contextlib.suppress(Exception):
            _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def api(audit, token):
    client, _, _ = audit
    auditor = token("auditor", sub="auditor@test")

    def get(path, **params):
        answer = client.get(path, auditor, params=params)
        return answer

    return get


def names(audit, events):
    _, _, recorded = audit
    by_id = {r.id: name for name, r in recorded.items()}
    return [by_id[e["id"]] for e in events]


def ok(answer):
    assert answer.status_code == 200, answer.text
    return answer.json()


# -- who may ask -----------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/v1/audit/events", f"/api/v1/audit/correlations/{C_OPEN}",
                                  "/api/v1/audit/chains"])
def test_only_auditors_may_ask(audit, token, path):
    client, _, _ = audit
    assert client.get(path).status_code == 401
    assert client.get(path, "garbage").status_code == 401
    for role in ("administrator", "commune_officer", "chairman"):
        answer = client.get(path, token(role, "01", commune="00004"))
        assert answer.status_code == 403, role
        assert answer.json()["details"]["allowed_roles"] == ["auditor"]


@pytest.mark.parametrize("params, field", [
    ({"comune": "00004"}, "comune"),
    ({"commune": "4"}, "commune"),
    ({"source": "kitchen"}, "source"),
    ({"from": "yesterday"}, "from"),
    ({"to": "2025-13-01"}, "to"),
    ({"type": "Not A Type"}, "type"),
    ({"limit": "0"}, "limit"),
    ({"limit": "1001"}, "limit"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"cursor": base64.urlsafe_b64encode(b'{"v":1,"p":{"kitchen":1}}').decode()}, "cursor"),
    ({"format": "xlsx"}, "format"),
    ({"correlation_id": "a b"}, "correlation_id"),
])
def test_bad_filters_are_refused_by_name(api, params, field):
    answer = api("/api/v1/audit/events", **params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "validation_failed"
    assert field in answer.json()["details"]


def test_a_second_bad_type_value_is_refused_too(api):
    answer = api("/api/v1/audit/events", type=["AssessmentOpened", "no good"])
    assert answer.status_code == 400 and "type" in answer.json()["details"]


def test_other_routes_refuse_unknown_parameters(api):
    assert api("/api/v1/audit/chains", verbose="1").status_code == 400
    assert api(f"/api/v1/audit/correlations/{C_OPEN}", source="survey").status_code == 400
    assert api("/api/v1/audit/correlations/has%20space").status_code == 400


# -- the events ----------------------------------------------------------------------------------
def test_every_service_merged_in_time_order(audit, api):
    body = ok(api("/api/v1/audit/events"))
    assert names(audit, body["events"]) == ALL_IN_ORDER
    assert body["next_cursor"] is None and body["sources"] == list(SERVICES)
    assert {e["source"] for e in body["events"]} == set(SERVICES)
    first = body["events"][0]
    assert first["source"] == "plans" and first["metadata"]["actor"] == "system:plans"
    assert set(first) >= {"position", "id", "stream", "version", "type", "data", "metadata", "hash"}


def test_one_communes_events_across_services(audit, api):
    body = ok(api("/api/v1/audit/events", commune="00004"))
    assert names(audit, body["events"]) == ["campaign", "opened", "figures", "result", "decided", "posted"]
    assert names(audit, ok(api("/api/v1/audit/events", commune="00070"))["events"]) == ["other"]


@pytest.mark.parametrize("params, expected", [
    ({"source": "survey"}, ["campaign", "result"]),
    ({"source": "assessment", "stream": "assessment-00004-2025"}, ["opened", "figures", "decided"]),
    ({"stream_prefix": "campaign-"}, ["campaign", "result"]),
    ({"actor": "congchuc.00004"}, ["campaign", "signed_in", "opened", "figures"]),
    ({"source": "accounts"}, ["signed_in"]),  # who signed in, from where, when
    ({"type": "AssessmentOpened,BoardEntryPosted"}, ["opened", "other", "posted"]),
    ({"type": ["AssessmentOpened", "PlanAdopted"]}, ["plan", "opened", "other"]),
    ({"correlation_id": C_OPEN}, ["campaign", "opened"]),
    ({"from": "2025-03-02", "to": "2025-03-04"}, ["other", "result"]),
    # 03:00Z is 10:00 in Vietnam: the decision (10:00:00) is in, the posting (10:00:01) not;
    # the day-only campaign stamp overlaps 2025-03-01 09:01 and is in
    ({"from": "2025-03-01T09:01:00+07:00", "to": "2025-03-05T03:00:00Z"},
     ["campaign", "figures", "other", "result", "decided"]),
    ({"commune": "00004", "from": "2025-03-05"}, ["decided", "posted"]),
])
def test_filters(audit, api, params, expected):
    assert names(audit, ok(api("/api/v1/audit/events", **params))["events"]) == expected


def test_paging_across_services_with_a_cursor(audit, api):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": "3"} | ({"cursor": cursor} if cursor else {})
        body = ok(api("/api/v1/audit/events", **params))
        assert len(body["events"]) <= 3
        seen.extend(body["events"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert names(audit, seen) == ALL_IN_ORDER and pages == 3
    # the cursor keeps the filters' meaning: the same filters page the same result
    first = ok(api("/api/v1/audit/events", commune="00004", limit="4"))
    rest = ok(api("/api/v1/audit/events", commune="00004", cursor=first["next_cursor"]))
    assert names(audit, first["events"] + rest["events"]) == [
        "campaign", "opened", "figures", "result", "decided", "posted"]
    assert rest["next_cursor"] is None


def test_export_as_csv_with_a_bom(audit, api):
    answer = api("/api/v1/audit/events", commune="00004", format="csv", limit="1")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert answer.headers["Content-Disposition"].startswith('attachment; filename="tcpl-audit-events-')
    assert answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert len(rows) == 6 and answer.headers["X-Exported-Count"] == "6"  # the whole result
    assert [r["source"] for r in rows] == ["survey", "assessment", "assessment", "survey",
                                           "assessment", "publication"]
    figures = rows[2]
    assert figures["type"] == "FiguresRecorded" and figures["actor"] == "congchuc.00004"
    assert json.loads(figures["data"])["note"] == "Đủ hồ sơ; \"trích dẫn\", dấu phẩy"
    assert figures["correlation_id"] == C_FIGURES and figures["recorded_at"].endswith("+07:00")


def test_export_as_json(audit, api):
    answer = api("/api/v1/audit/events", source="assessment", format="json")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    body = answer.json()
    assert body["count"] == 4 and body["next_cursor"] is None
    assert names(audit, body["events"]) == ["opened", "figures", "other", "decided"]
    assert body["filters"] == {"source": "assessment"}


# -- one action through the services ---------------------------------------------------------------
def test_a_correlation_with_its_causation_tree(audit, api):
    _, _, recorded = audit
    body = ok(api(f"/api/v1/audit/correlations/{C_OPEN}"))
    assert names(audit, body["events"]) == ["campaign", "opened"]
    assert body["sources"] == ["assessment", "survey"]
    assert body["links"] == [{"event_id": recorded["campaign"].id, "source": "survey",
                              "causation_id": recorded["opened"].id, "cause_source": "assessment"}]
    [root] = body["tree"]
    assert root["event_id"] == recorded["opened"].id and root["source"] == "assessment"
    assert [child["event_id"] for child in root["caused"]] == [recorded["campaign"].id]

    decided = ok(api(f"/api/v1/audit/correlations/{C_DECIDE}"))
    assert names(audit, decided["events"]) == ["decided", "posted"]
    assert decided["tree"][0]["caused"][0]["source"] == "publication"

    assert ok(api(f"/api/v1/audit/correlations/{uuid.uuid4()}"))["events"] == []
    exported = api(f"/api/v1/audit/correlations/{C_DECIDE}", format="csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r["type"] for r in rows] == ["RecognitionDecided", "BoardEntryPosted"]
    assert rows[1]["causation_id"] == recorded["decided"].id


# -- the RPC behind the routes -------------------------------------------------------------------
def test_the_query_events_rpc_validates_its_filters(audit):
    from nameko.standalone.rpc import ClusterRpcProxy

    from kernel.errors import ValidationFailed

    client, _, recorded = audit
    with ClusterRpcProxy({"AMQP_URI": client.amqp_uri}, timeout=10) as proxy:
        page = proxy.assessment.query_events({"commune": "00004", "types": ["FiguresRecorded"]})
        assert [e["id"] for e in page["events"]] == [recorded["figures"].id]
        assert page["complete"] is True and page["last_position"] == recorded["figures"].position
        page = proxy.assessment.query_events({}, 0, 1)
        assert len(page["events"]) == 1 and page["complete"] is False
        for filters in ({"colour": "red"}, {"types": []}, {"actor": 7}, {"commune": "00%"},
                        {"recorded_from": "soon"}):
            with pytest.raises(ValidationFailed) as raised:
                proxy.assessment.query_events(filters)
            assert set(raised.value.details) == set(filters)
        with pytest.raises(ValidationFailed):
            proxy.assessment.query_events({}, -1)


# -- the hash chains (the tampering test goes last: it breaks the survey's chain) -----------------
def test_every_chain_is_intact(api):
    body = ok(api("/api/v1/audit/chains"))
    assert body["ok"] is True and body["broken"] == []
    assert set(body["services"]) == set(SERVICES)
    assert body["services"]["assessment"]["checked"] == 4


def test_a_tampered_event_is_named(audit, api):
    _, stores, recorded = audit
    target = recorded["result"]
    with stores["survey"].engine.begin() as conn:
        conn.execute(text("DROP TRIGGER events_no_update"))
        conn.execute(events_table.update().where(events_table.c.position == target.position)
                     .values(data={"commune_code": "00004", "rate_percent": "99.00"}))
    body = ok(api("/api/v1/audit/chains"))
    assert body["ok"] is False
    [broken] = body["broken"]
    assert broken["source"] == "survey"
    assert broken["first_broken"]["event_id"] == target.id
    assert broken["first_broken"]["position"] == target.position
    assert "edited" in broken["first_broken"]["reason"]
    assert body["services"]["assessment"]["ok"] is True


AUDIT_OPERATIONS = {("/api/v1/audit/events", "get"),
                    ("/api/v1/audit/correlations/{correlation_id}", "get"),
                    ("/api/v1/audit/chains", "get")}

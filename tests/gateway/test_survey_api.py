"""Survey and kiosk routes: the real gateway in front of the real survey service (SQLite), on
the session's throwaway vhost. Replays, conflicts and stuffing attempts end to end."""

import uuid
from datetime import timedelta

import pytest
from nameko.runners import ServiceRunner

from gateway.routes.survey_schemas import (
    SurveyCommentsSchema,
    SurveyResultsSchema,
    TextErasedSchema,
)
from gateway.service import GatewayService
from kernel import clock
from kernel.store import EventStore
from services.survey.service import SurveyService
from tests.gateway import peers
from tests.gateway.conftest import BA_DINH, HANOI, HOAN_KIEM, Platform, gateway_config

pytestmark = pytest.mark.broker

RATE_PER_MINUTE = 6
QUESTIONS = ("cong-khai", "thai-do", "thoi-gian", "pho-bien", "chung")
SURVEY_OPERATIONS = {
    ("/api/v1/survey/questionnaires", "post"),
    ("/api/v1/survey/questionnaires/{questionnaire_id}", "get"),
    ("/api/v1/survey/campaigns", "post"),
    ("/api/v1/survey/campaigns/{campaign_id}", "get"),
    ("/api/v1/survey/campaigns/{campaign_id}/close", "post"),
    ("/api/v1/survey/campaigns/{campaign_id}/reopen", "post"),
    ("/api/v1/survey/campaigns/{campaign_id}/results", "get"),
    ("/api/v1/survey/campaigns/{campaign_id}/comments", "get"),
    ("/api/v1/survey/campaigns/{campaign_id}/free-text/erase", "post"),
    ("/api/v1/survey/campaigns/{campaign_id}/codes", "post"),
    ("/api/v1/survey/kiosks", "post"),
    ("/api/v1/survey/kiosks/{kiosk_id}", "get"),
    ("/api/v1/survey/kiosks/{kiosk_id}/revoke", "post"),
    ("/api/v1/kiosk/campaign", "get"),
    ("/api/v1/kiosk/responses", "post"),
    ("/api/v1/kiosk/responses/batch", "post"),
}
# Routes that need a bearer token (the kiosk's own routes take the device token instead).
SURVEY_SECURED = {op for op in SURVEY_OPERATIONS if not op[0].startswith("/api/v1/kiosk/")}


def start_survey_platform(amqp_uri, database_dir, rate_per_minute=RATE_PER_MINUTE,
                          min_answers=3):
    """The gateway, the real survey service and peers for the other three services."""
    config = {**gateway_config(amqp_uri),
              "DATABASES": {"survey": f"sqlite:///{database_dir}/survey.sqlite"},
              "SURVEY_KIOSK_RATE_PER_MINUTE": rate_per_minute,
              # room for every kiosk of the commune (the campaign's own limit)
              "SURVEY_CAMPAIGN_RATE_PER_MINUTE": 10 * rate_per_minute,
              "SURVEY_MIN_ANSWERS": min_answers,
              "RPC_TIMEOUT": 10.0}
    runner = ServiceRunner(config)
    for service_cls in (GatewayService, SurveyService, peers.AssessmentPeer, peers.PlansPeer,
                        peers.PublicationPeer):
        runner.add_service(service_cls)
    runner.start()
    return runner, Platform(url="http://" + config["WEB_SERVER_ADDRESS"])


@pytest.fixture(scope="module")
def survey_database(tmp_path_factory):
    return tmp_path_factory.mktemp("survey")


@pytest.fixture(scope="module")
def survey_platform(amqp_uri, survey_database):
    runner, client = start_survey_platform(amqp_uri, survey_database)
    yield client
    client.session.close()
    runner.kill()


@pytest.fixture
def admin(token):
    return token("administrator")


def kiosk_headers(kiosk_token):
    return {"Authorization": f"Kiosk {kiosk_token}"}


def open_campaign(client, admin_token, period, commune=BA_DINH, **extra):
    today = clock.now().date()
    body = {"commune_code": commune, "period": period, "target_sample": 3,
            "opens_on": (today - timedelta(days=1)).isoformat(),
            "closes_on": (today + timedelta(days=30)).isoformat(), **extra}
    response = client.request("POST", "/api/v1/survey/campaigns", admin_token, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def register_kiosk(client, admin_token, commune=BA_DINH, label="Quầy số 1"):
    response = client.request("POST", "/api/v1/survey/kiosks", admin_token,
                              json={"commune_code": commune, "label": label})
    assert response.status_code == 201, response.text
    return response.json()


def answer(campaign, level=5, **extra):
    return {"response_id": str(uuid.uuid4()), "campaign_id": campaign["campaign_id"],
            "questionnaire_id": campaign["questionnaire_id"],
            "questionnaire_version": campaign["questionnaire_version"],
            "answers": {q: level for q in QUESTIONS}, **extra}


def submit(client, kiosk_token, body):
    return client.request("POST", "/api/v1/kiosk/responses", headers=kiosk_headers(kiosk_token),
                          json=body)


def test_a_kiosk_answers_and_replays_are_counted_once(survey_platform, admin, token):
    client = survey_platform
    campaign = open_campaign(client, admin, "2025-r1")
    assert campaign["accepting"] is True
    kiosk = register_kiosk(client, admin)
    headers = kiosk_headers(kiosk["token"])

    current = client.get("/api/v1/kiosk/campaign", headers=headers)
    assert current.status_code == 200, current.text
    body = current.json()
    assert body["kiosk"]["kiosk_id"] == kiosk["kiosk_id"] and "token" not in body["kiosk"]
    assert body["campaign"]["questionnaire"]["questions"][0]["id"] == "cong-khai"
    assert body["campaign"]["questionnaire"]["scale"][4] == {"value": 5, "label": "Rất hài lòng"}

    first = answer(body["campaign"])
    accepted = submit(client, kiosk["token"], first)
    assert accepted.status_code == 201 and accepted.json()["result"] == "accepted"
    replay = submit(client, kiosk["token"], first)
    assert replay.status_code == 200
    assert replay.json() == {**accepted.json(), "result": "duplicate"}

    conflicting = submit(client, kiosk["token"], {**first, "answers": {q: 1 for q in QUESTIONS}})
    assert conflicting.status_code == 409
    assert conflicting.json()["error"] == "response_conflict"
    assert "X-Correlation-Id" in conflicting.headers

    results = client.get(f"/api/v1/survey/campaigns/{campaign['campaign_id']}/results",
                         token("auditor"))
    assert results.status_code == 200
    assert (results.json()["responses"], results.json()["final"]) == (1, False)


def test_unknown_fields_and_malformed_answers_are_refused(survey_platform, admin):
    client = survey_platform
    campaign = open_campaign(client, admin, "2025-r2")
    kiosk = register_kiosk(client, admin)
    personal = submit(client, kiosk["token"], {**answer(campaign), "phone": "0912345678"})
    assert personal.status_code == 400
    assert personal.json()["error"] == "validation_failed"
    assert "phone" in personal.json()["details"]
    nested = submit(client, kiosk["token"], answer(campaign, level=True))
    assert nested.status_code == 400
    out_of_scale = submit(client, kiosk["token"], answer(campaign, level=9))
    assert out_of_scale.status_code == 400
    assert out_of_scale.json()["error"] == "validation_failed"
    leaking = answer(campaign)
    leaking["answers"]["gop-y"] = "Gọi tôi: 0912 345 678"
    assert submit(client, kiosk["token"], leaking).status_code == 400
    batch = client.request("POST", "/api/v1/kiosk/responses/batch",
                           headers=kiosk_headers(kiosk["token"]),
                           json={"responses": [answer(campaign)], "kiosk_name": "x"})
    assert batch.status_code == 400 and "kiosk_name" in batch.json()["details"]
    officer = client.request("POST", "/api/v1/survey/kiosks", admin,
                             json={"commune_code": BA_DINH, "label": "x", "owner": "A"})
    assert officer.status_code == 400 and "owner" in officer.json()["details"]


def test_a_kiosk_must_show_its_device_token(survey_platform, admin, token):
    client = survey_platform
    campaign = open_campaign(client, admin, "2025-r3")
    for headers in ({}, {"Authorization": f"Bearer {admin}"},
                    {"Authorization": "Kiosk " + "0" * 32 + ".wrong-secret"},
                    {"Authorization": "Kiosk not-a-token"}):
        response = client.request("POST", "/api/v1/kiosk/responses", headers=headers,
                                  json=answer(campaign))
        assert response.status_code == 401, headers
        assert response.json()["error"] == "unauthorised"
        assert response.headers["WWW-Authenticate"].startswith("Kiosk")
    assert client.get("/api/v1/kiosk/campaign").status_code == 401


def test_stuffing_one_kiosk_is_rate_limited(survey_platform, admin):
    client = survey_platform
    campaign = open_campaign(client, admin, "2025-r4")
    kiosk = register_kiosk(client, admin)
    sent = [answer(campaign) for _ in range(RATE_PER_MINUTE)]
    for body in sent:
        assert submit(client, kiosk["token"], body).status_code == 201
    refused = submit(client, kiosk["token"], answer(campaign))
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert refused.json()["message"].startswith(f"Thiết bị này đã gửi quá {RATE_PER_MINUTE} phiếu "
                                                "trong 1 phút")
    english = client.request("POST", "/api/v1/kiosk/responses", json=answer(campaign), headers={
        **kiosk_headers(kiosk["token"]), "Accept-Language": "en"})
    assert english.status_code == 429 and english.headers["Content-Language"] == "en"
    assert english.json()["message"].startswith(
        f"This kiosk sent more than {RATE_PER_MINUTE} responses in 1 minute")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    # a replay is still answered: the kiosk learns its earlier response went through
    assert submit(client, kiosk["token"], sent[0]).json()["result"] == "duplicate"
    # a batch keeps the rate-limited items for later and says when to come back
    batch = client.request("POST", "/api/v1/kiosk/responses/batch",
                           headers=kiosk_headers(kiosk["token"]),
                           json={"responses": [sent[1], answer(campaign)]})
    assert batch.status_code == 200
    assert [r["result"] for r in batch.json()["results"]] == ["duplicate", "refused"]
    assert batch.json()["results"][1]["error"] == "rate_limited"
    assert int(batch.headers["Retry-After"]) >= 1
    # another kiosk of the same commune is not held back by the first
    other = register_kiosk(client, admin, label="Quầy số 2")
    assert submit(client, other["token"], answer(campaign)).status_code == 201


def test_a_single_use_code_binds_one_response(survey_platform, admin, token):
    client = survey_platform
    campaign = open_campaign(client, admin, "2025-r5", require_code=True)
    kiosk = register_kiosk(client, admin)
    justice = token("justice_officer", province=HANOI)  # the Sở Tư pháp issues the codes
    issued = client.request("POST", f"/api/v1/survey/campaigns/{campaign['campaign_id']}/codes",
                            justice, json={"count": 2})
    assert issued.status_code == 201, issued.text
    first, second = issued.json()["codes"]
    assert submit(client, kiosk["token"], answer(campaign, code=first)).status_code == 201
    reused = submit(client, kiosk["token"], answer(campaign, code=first))
    assert (reused.status_code, reused.json()["error"]) == (409, "code_used")
    missing = submit(client, kiosk["token"], answer(campaign))
    assert (missing.status_code, missing.json()["error"]) == (403, "code_invalid")
    typed = second.lower().replace("-", " ")
    assert submit(client, kiosk["token"], answer(campaign, code=typed)).status_code == 201
    for officer in (token("commune_officer", commune=HOAN_KIEM),
                    token("commune_officer", commune=BA_DINH)):  # not even the commune's own
        refused = client.request("POST",
                                 f"/api/v1/survey/campaigns/{campaign['campaign_id']}/codes",
                                 officer, json={"count": 1})
        assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")


def test_a_revoked_kiosk_is_refused(survey_platform, admin, token):
    client = survey_platform
    campaign = open_campaign(client, admin, "2025-r6")
    kiosk = register_kiosk(client, admin)
    sent = answer(campaign)
    assert submit(client, kiosk["token"], sent).status_code == 201
    for officer in (token("commune_officer", commune=HOAN_KIEM),
                    token("commune_officer", commune=BA_DINH),
                    token("justice_officer", province="79")):
        refused = client.request("POST", f"/api/v1/survey/kiosks/{kiosk['kiosk_id']}/revoke",
                                 officer, json={})
        assert refused.status_code == 403
    revoked = client.request("POST", f"/api/v1/survey/kiosks/{kiosk['kiosk_id']}/revoke",
                             token("justice_officer", province=HANOI),
                             json={"reason": "Thiết bị bị mất"})
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    for response in (submit(client, kiosk["token"], answer(campaign)),
                     submit(client, kiosk["token"], sent),
                     client.get("/api/v1/kiosk/campaign", headers=kiosk_headers(kiosk["token"]))):
        assert (response.status_code, response.json()["error"]) == (403, "kiosk_revoked")
    again = client.request("POST", f"/api/v1/survey/kiosks/{kiosk['kiosk_id']}/revoke", admin,
                           json={})
    assert (again.status_code, again.json()["error"]) == (409, "illegal_transition")


def test_a_closed_campaign_takes_no_more_responses(survey_platform, admin, token):
    client = survey_platform
    campaign = open_campaign(client, admin, "2025-r7")
    kiosk = register_kiosk(client, admin)
    sent = [answer(campaign, level) for level in (5, 4, 2)]
    for body in sent:
        assert submit(client, kiosk["token"], body).status_code == 201
    cid = campaign["campaign_id"]
    assert client.request("POST", f"/api/v1/survey/campaigns/{cid}/close",
                          token("commune_officer", commune=HOAN_KIEM)).status_code == 403
    closed = client.request("POST", f"/api/v1/survey/campaigns/{cid}/close", admin)
    assert closed.status_code == 200, closed.text
    result = closed.json()["result"]
    assert (result["final"], result["responses"], result["overall"]["rate_percent"]) == (
        True, 3, "66.67")
    late = submit(client, kiosk["token"], answer(campaign))
    assert (late.status_code, late.json()["error"]) == (409, "campaign_closed")
    assert submit(client, kiosk["token"], sent[0]).json()["result"] == "duplicate"
    again = client.request("POST", f"/api/v1/survey/campaigns/{cid}/close", admin)
    assert (again.status_code, again.json()["error"]) == (409, "illegal_transition")
    assert client.request("POST", f"/api/v1/survey/campaigns/{cid}/codes", admin,
                          json={"count": 1}).json()["error"] == "campaign_closed"

    # Reopened, with a reason and a new closing day, it takes responses again; closing it
    # again records a new result, which names the reopening.
    reopen = f"/api/v1/survey/campaigns/{cid}/reopen"
    today = clock.today()
    assert client.request("POST", reopen, token("commune_officer", commune=HOAN_KIEM), json={
        "reason": "Thiết bị hỏng", "closes_on": today.isoformat()}).status_code == 403
    for bad in ({"reason": "", "closes_on": today.isoformat()},
                {"reason": "Thiết bị hỏng", "closes_on": (today - timedelta(days=1)).isoformat()}):
        refused = client.request("POST", reopen, admin, json=bad)
        assert (refused.status_code, refused.json()["error"]) == (400, "validation_failed")
    reopened = client.request("POST", reopen, admin, json={
        "reason": "Thiết bị hỏng tuần cuối", "closes_on": today.isoformat()})
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["state"], reopened.json()["reopening"]["reason"]) == (
        "open", "Thiết bị hỏng tuần cuối")
    assert submit(client, kiosk["token"], answer(campaign, 5)).status_code == 201
    closed = client.request("POST", f"/api/v1/survey/campaigns/{cid}/close", admin).json()
    assert (closed["result"]["responses"], closed["result"]["overall"]["rate_percent"]) == (
        4, "75.00")
    late = client.request("POST", reopen, admin, json={"reason": "Lần nữa", "closes_on": "2025-01-01"})
    assert (late.status_code, late.json()["error"]) == (400, "validation_failed")


def test_results_are_read_within_jurisdiction(survey_platform, admin, token):
    client = survey_platform
    campaign = open_campaign(client, admin, "2025-r8")
    path = f"/api/v1/survey/campaigns/{campaign['campaign_id']}/results"
    for allowed in (admin, token("auditor"), token("justice_officer", province=HANOI),
                    token("commune_officer", commune=BA_DINH), token("chairman", province=HANOI)):
        assert client.get(path, allowed).status_code == 200
    for refused in (token("commune_officer", commune=HOAN_KIEM),
                    token("justice_officer", province="79")):
        response = client.get(path, refused)
        assert (response.status_code, response.json()["error"]) == (403, "forbidden")
    assert client.get(path).status_code == 401
    assert client.get(f"/api/v1/survey/campaigns/{campaign['campaign_id']}",
                      token("auditor")).json()["state"] == "open"
    assert client.get("/api/v1/survey/campaigns/00004-1999/results", admin).status_code == 404


def test_who_may_set_up_surveys(survey_platform, admin, token):
    """The justice office over the commune sets a survey up; the commune it measures reads it."""
    client = survey_platform
    own = token("commune_officer", province=HANOI, commune=HOAN_KIEM)
    today = clock.now().date().isoformat()
    campaign = {"commune_code": HOAN_KIEM, "period": "2025-r9", "target_sample": 1,
                "opens_on": today, "closes_on": today}
    for refused in (own, token("commune_officer", province=HANOI),  # issue 14's token
                    token("justice_officer", province="79")):
        for path, body in (("/api/v1/survey/campaigns", campaign),
                           ("/api/v1/survey/kiosks", {"commune_code": HOAN_KIEM, "label": "x"})):
            answer = client.request("POST", path, refused, json=body)
            assert (answer.status_code, answer.json()["error"]) == (403, "forbidden"), path
    justice = token("justice_officer", province=HANOI)
    opened = open_campaign(client, justice, "2025-r9", commune=HOAN_KIEM)
    kiosk = register_kiosk(client, justice, commune=HOAN_KIEM)
    for reader in (own, justice):
        assert client.get(f"/api/v1/survey/kiosks/{kiosk['kiosk_id']}", reader).status_code == 200
        assert client.get(f"/api/v1/survey/campaigns/{opened['campaign_id']}/results",
                          reader).status_code == 200
    # The commune's own officer adds no counted response: no kiosk, no code, no campaign.
    assert client.request("POST", f"/api/v1/survey/campaigns/{opened['campaign_id']}/codes",
                          own, json={"count": 40}).status_code == 403
    assert client.get(f"/api/v1/survey/campaigns/{opened['campaign_id']}/results",
                      own).json()["responses"] == 0
    auditor = client.request("POST", "/api/v1/survey/kiosks", token("auditor"),
                             json={"commune_code": BA_DINH, "label": "x"})
    assert (auditor.status_code, auditor.json()["details"]["role"]) == (403, "auditor")
    unknown = client.request("POST", "/api/v1/survey/kiosks", admin,
                             json={"commune_code": "99999", "label": "x"})
    assert unknown.status_code == 404
    published = client.request("POST", "/api/v1/survey/questionnaires", admin, json={
        "questionnaire_id": "thu-nghiem", "title": "Thử nghiệm",
        "questions": [{"id": "chung", "text": "Ông/bà hài lòng không?", "kind": "scale5"}]})
    assert published.status_code == 200 and published.json()["version"] == 1
    for refused in (own, justice):
        assert client.request("POST", "/api/v1/survey/questionnaires", refused, json={
            "questionnaire_id": "x", "title": "x", "questions": []}).status_code == 403
    read = client.get("/api/v1/survey/questionnaires/thu-nghiem?version=1", own)
    assert read.status_code == 200 and read.json()["title"] == "Thử nghiệm"


def test_the_kiosk_without_an_open_campaign(survey_platform, admin):
    kiosk = register_kiosk(survey_platform, admin, commune="00008")
    response = survey_platform.get("/api/v1/kiosk/campaign", headers=kiosk_headers(kiosk["token"]))
    assert (response.status_code, response.json()["error"]) == (404, "not_found")


def test_a_batch_is_judged_item_by_item(survey_platform, admin):
    client = survey_platform
    campaign = open_campaign(client, admin, "2025-r10")
    kiosk = register_kiosk(client, admin)
    first = answer(campaign)
    assert submit(client, kiosk["token"], first).status_code == 201
    batch = client.request("POST", "/api/v1/kiosk/responses/batch",
                           headers=kiosk_headers(kiosk["token"]), json={"responses": [
                               answer(campaign, 3), first, {**first, "answers": {"chung": 1}},
                               {**answer(campaign), "name": "Nguyễn Văn An"}]})
    assert batch.status_code == 200, batch.text
    assert [r["result"] for r in batch.json()["results"]] == ["accepted", "duplicate",
                                                              "conflict", "refused"]
    assert batch.json()["results"][2]["error"] == "response_conflict"
    assert "Retry-After" not in batch.headers
    empty = client.request("POST", "/api/v1/kiosk/responses/batch",
                           headers=kiosk_headers(kiosk["token"]), json={"responses": []})
    assert empty.status_code == 400


def test_comments_are_shown_screened_and_erased_only_by_an_administrator(survey_platform, admin,
                                                                       token):
    client = survey_platform
    campaign = open_campaign(client, admin, "2025-r11")
    kiosk = register_kiosk(client, admin)
    commented = answer(campaign)
    commented["answers"]["gop-y"] = ("Cán bộ Nguyễn Văn An nhiệt tình, nhà tôi ở số 12 ngõ 34 "
                                     "phố Huế")
    for body in (commented, answer(campaign, 4), answer(campaign, 2)):
        assert submit(client, kiosk["token"], body).status_code == 201
    path = f"/api/v1/survey/campaigns/{campaign['campaign_id']}"
    officer = token("commune_officer", commune=BA_DINH)
    comments = client.get(path + "/comments", officer)
    assert comments.status_code == 200, comments.text
    assert comments.json()["comments"] == [{
        "question_id": "gop-y", "text": "Cán bộ [họ tên] nhiệt tình, nhà tôi ở [địa chỉ]",
        "redacted": ["name", "address"]}]
    assert client.get(path + "/comments", token("commune_officer", commune=HOAN_KIEM)
                      ).status_code == 403
    results = client.get(path + "/results", officer).json()
    assert (results["no_data"], results["flags"]) == (False, [])
    assert results["burst_rule"]["kiosk_day_max"] == 50
    # as documented
    assert SurveyResultsSchema().validate(results) == {}
    assert SurveyCommentsSchema().validate(comments.json()) == {}

    erase = path + "/free-text/erase"
    refused = client.request("POST", erase, officer, json={"reason": "yêu cầu"})
    assert refused.status_code == 403
    assert client.request("POST", erase, admin, json={}).status_code == 400
    erased = client.request("POST", erase, admin,
                            json={"reason": "Người dân yêu cầu xóa dữ liệu cá nhân"})
    assert erased.status_code == 200, erased.text
    assert erased.json()["erased_keys"] == 1
    assert TextErasedSchema().validate(erased.json()) == {}
    after = client.get(path + "/comments", officer).json()
    assert (after["erased"], after["unreadable"], after["comments"]) == (True, 1, [])
    assert client.request("POST", "/api/v1/survey/campaigns/00004-1999/free-text/erase", admin,
                          json={"reason": "x"}).status_code == 404


def test_a_form_04_campaign_from_opening_to_its_result_event(survey_platform, survey_database,
                                                            admin, token):
    """Mẫu 04 of Circular 09/2021/TT-BTP (Decision 25/2021, C2.I4): its built-in questionnaire,
    its own campaign beside the commune's satisfaction survey, its labels, and the result
    event the assessment service scores from, which says what it measured."""
    client = survey_platform
    commune = "00103"  # Phường Tây Hồ, Hà Nội: no other test's campaigns
    questionnaire = client.get("/api/v1/survey/questionnaires/mau-04-pbgdpl", admin).json()
    assert questionnaire["purpose"] == "dissemination_models"
    assert [s["label"] for s in questionnaire["scale"]] == [
        "Rất không hiệu quả", "Không hiệu quả", "Bình thường", "Hiệu quả", "Rất hiệu quả"]
    satisfaction = open_campaign(client, admin, "2026", commune=commune)
    campaign = open_campaign(client, admin, "2026", commune=commune,
                             questionnaire_id="mau-04-pbgdpl")
    assert (satisfaction["campaign_id"], satisfaction["purpose"]) == (f"{commune}-2026",
                                                                      "satisfaction")
    cid = campaign["campaign_id"]
    assert (cid, campaign["purpose"]) == (f"{commune}-2026-mau04", "dissemination_models")
    twice = client.request("POST", "/api/v1/survey/campaigns", admin, json={
        "commune_code": commune, "period": "2026", "target_sample": 3,
        "questionnaire_id": "mau-04-pbgdpl", "opens_on": campaign["opens_on"],
        "closes_on": campaign["closes_on"]})
    assert twice.status_code == 409
    # read within the commune's jurisdiction, like any campaign
    assert client.get(f"/api/v1/survey/campaigns/{cid}",
                      token("commune_officer", commune=HOAN_KIEM)).status_code == 403

    kiosk = register_kiosk(client, admin, commune=commune, label="Nhà văn hóa thôn 1")
    shown = client.get("/api/v1/kiosk/campaign", headers=kiosk_headers(kiosk["token"])).json()
    assert shown["campaign"]["campaign_id"] == cid  # the one opened last
    assert shown["campaign"]["questionnaire"]["scale"][4]["label"] == "Rất hiệu quả"
    scale = [q["id"] for q in shown["campaign"]["questionnaire"]["questions"]
             if q["kind"] == "scale5"]
    for level in (5, 4, 1):
        body = {**answer(campaign, level), "answers": {q: level for q in scale}}
        assert submit(client, kiosk["token"], body).status_code == 201

    closed = client.request("POST", f"/api/v1/survey/campaigns/{cid}/close", admin)
    assert closed.status_code == 200, closed.text
    result = closed.json()["result"]
    assert (result["purpose"], result["overall"]["rate_percent"]) == ("dissemination_models",
                                                                      "66.67")
    store = EventStore(f"sqlite:///{survey_database}/survey.sqlite", "survey")
    try:
        [event] = [e for e in store.read_stream(f"campaign-{cid}")
                   if e.type == "SatisfactionResultComputed"]
    finally:
        store.dispose()
    assert event.data["purpose"] == "dissemination_models"
    assert (event.data["campaign_id"], event.data["commune_code"], event.data["period"]) == (
        cid, commune, "2026")
    assert (event.data["satisfied"], event.data["valid_answers"]) == (2 * len(scale),
                                                                      3 * len(scale))


def test_the_kiosk_page_and_its_assets(survey_platform):
    page = survey_platform.get("/kiosk")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert '<html lang="vi">' in page.text and "Khảo sát mức độ hài lòng" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    for asset, kind in (("kiosk.js", "javascript"), ("kiosk.css", "text/css")):
        response = survey_platform.get(f"/kiosk/assets/{asset}")
        assert response.status_code == 200 and kind in response.headers["Content-Type"]
    for path in ("/kiosk/assets/nothing.js", "/kiosk/assets/../kiosk.py",
                 "/kiosk/assets/%2e%2e/__init__.py"):
        assert survey_platform.get(path).status_code == 404, path


def test_the_benchmark_baseline(survey_platform):
    response = survey_platform.get("/bench/hello")
    assert response.status_code == 200 and response.json() == {"hello": "world"}


def test_concurrent_kiosks_share_survey_calls_and_each_gets_its_own_verdict(
        own_amqp_uri, tmp_path, token):
    """Requests that arrive while a group is being written go together in the next call
    (gateway/submissions.py), yet each request hears its own outcome."""
    import eventlet
    import requests

    runner, client = start_survey_platform(own_amqp_uri, tmp_path, rate_per_minute=1000)
    try:
        admin = token("administrator")
        campaign = open_campaign(client, admin, "2025-groups")
        kiosks = [register_kiosk(client, admin, label=f"Quầy {n}") for n in range(8)]
        revoked = register_kiosk(client, admin, label="Quầy đã thu hồi")
        assert client.request("POST", f"/api/v1/survey/kiosks/{revoked['kiosk_id']}/revoke",
                              admin, json={"reason": "mất"}).status_code == 200
        sends = []
        for n in range(60):
            body = answer(campaign, level=1 + n % 5)
            device = kiosks[n % len(kiosks)]["token"]
            sends += [(device, body, 201), (device, body, "again")]  # a retry racing the first
        clash = answer(campaign)
        sends += [(kiosks[0]["token"], clash, "clash"),
                  (kiosks[1]["token"], {**clash, "answers": {q: 1 for q in QUESTIONS}}, "clash"),
                  (revoked["token"], answer(campaign), 403)]

        def send(item):
            device, body, _ = item
            response = requests.post(client.url + "/api/v1/kiosk/responses", json=body,
                                     headers=kiosk_headers(device), timeout=30)
            return response.status_code, response.json()

        results = list(eventlet.GreenPool(40).imap(send, sends))
        by_id = {}
        for (_, body, expected), (status, reply) in zip(sends, results, strict=True):
            if expected == 403:
                assert (status, reply["error"]) == (403, "kiosk_revoked")
                continue
            by_id.setdefault(body["response_id"], []).append((status, reply))
        for response_id, replies in by_id.items():
            statuses = sorted(status for status, _ in replies)
            if response_id == clash["response_id"]:
                assert statuses == [201, 409]
                assert [r["error"] for s, r in replies if s == 409] == ["response_conflict"]
            else:  # one acceptance and one duplicate, naming the same stored event
                assert statuses == [200, 201]
                assert len({r["position"] for _, r in replies}) == 1
        counted = client.get(f"/api/v1/survey/campaigns/{campaign['campaign_id']}/results",
                             admin).json()
        assert counted["responses"] == 61
        gateway = next(c for c in runner.containers if c.service_cls is GatewayService)
        groups = next(d for d in gateway.dependencies if d.attr_name == "kiosk_groups").groups
        assert groups.sent >= len(sends) and groups.calls < groups.sent
    finally:
        client.session.close()
        runner.kill()

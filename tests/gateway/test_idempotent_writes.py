"""Idempotency keys end to end: the real gateway and the real assessment service, on SQLite
and PostgreSQL. A repeated write is answered from the first and recorded once; a key reused
for something else is refused; a refused write stores nothing."""

import contextlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from kernel import clock
from kernel.schema import idempotency_keys
from kernel.store import EventStore
from rules.criteria import load_builtin_sets
from tests.support import databases
from tests.support.assessment_figures import full_figures
from tests.support.assessment_platform import assessment_platform, send, token

pytestmark = pytest.mark.broker

DONG_QUANG, YEAR = "16426", 2022  # Đông Sơn (405), Thanh Hóa (38)
URL = f"/api/v1/communes/{DONG_QUANG}/assessments/{YEAR}"
SET = load_builtin_sets()[("25-2021", 2)]
OFFICER = token("commune_officer", "38", "405", DONG_QUANG, sub="congchuc.dongquang@test")
DEPUTY = token("commune_officer", "38", "405", DONG_QUANG, sub="phocongchuc.dongquang@test")
ADMIN = token("administrator", sub="admin@test")
AUDITOR = token("auditor")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request, tmp_path_factory):
    if request.param == "sqlite":
        database = contextlib.nullcontext(
            f"sqlite:///{tmp_path_factory.mktemp('idempotent-writes')}/assessment.sqlite")
    else:
        database = databases.fresh_postgres_database()
    with database as url, assessment_platform(url) as client:
        yield client


def keyed(api, method, path, who, body=None, key=None):
    headers = {} if key is None else {"Idempotency-Key": key}
    return api.request(method, path, who, headers=headers,
                       **({} if body is None else {"json": body}))


def events_of(api, event_type):
    return [e for e in send(api, "GET", URL + "/events", AUDITOR).json()["events"]
            if e["type"] == event_type]


def figures(indicator_id, scale=1):
    found = full_figures(SET.indicator(indicator_id))
    return {"figures": {name: (value * scale if type(value) is int else value)
                        for name, value in found.items()}}


def test_a_repeated_open_and_figures_put_are_answered_from_the_first_and_recorded_once(api):
    opened = keyed(api, "POST", URL, OFFICER, key="mo-ho-so-2022")
    again = keyed(api, "POST", URL, OFFICER, key="mo-ho-so-2022")
    assert opened.status_code == again.status_code == 201, opened.text
    assert again.json() == opened.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in opened.headers

    path = f"{URL}/figures/C1.I1"
    first = keyed(api, "PUT", path, OFFICER, figures("C1.I1"), key="so-lieu-C1.I1")
    second = keyed(api, "PUT", path, OFFICER, figures("C1.I1"), key="so-lieu-C1.I1")
    assert first.status_code == second.status_code == 200, first.text
    assert second.json() == first.json() and second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Idempotency-Key"] == "so-lieu-C1.I1"
    recorded = [e for e in events_of(api, "FiguresRecorded")
                if e["metadata"].get("idempotency_key") == "so-lieu-C1.I1"]
    assert len(recorded) == 1 and recorded[0]["metadata"]["actor"] == "congchuc.dongquang@test"
    assert len(events_of(api, "AssessmentOpened")) == 1


def test_the_same_key_with_other_figures_is_refused_and_changes_nothing(api):
    path = f"{URL}/figures/C1.I2"
    assert keyed(api, "PUT", path, OFFICER, figures("C1.I2"), key="so-lieu-C1.I2").ok
    before = send(api, "GET", URL, AUDITOR).json()["version"]
    refused = keyed(api, "PUT", path, OFFICER, figures("C1.I2", scale=2), key="so-lieu-C1.I2")
    assert refused.status_code == 409
    assert refused.json()["error"] == "idempotency_key_reused"
    assert "khóa mới" in refused.json()["message"]
    english = api.request("PUT", path, OFFICER, json=figures("C1.I2", scale=2), headers={
        "Idempotency-Key": "so-lieu-C1.I2", "Accept-Language": "en"})
    assert english.status_code == 409 and english.json()["error"] == "idempotency_key_reused"
    assert "Use a new key for each new request" in english.json()["message"]
    assert refused.headers["Idempotency-Key"] == "so-lieu-C1.I2"
    # nor may the key be spent on another route
    other_route = keyed(api, "PUT", f"{URL}/figures/C2.I4", OFFICER, figures("C2.I4"),
                        key="so-lieu-C1.I2")
    assert other_route.status_code == 409
    assert send(api, "GET", URL, AUDITOR).json()["version"] == before


def test_another_caller_may_use_the_same_key(api):
    path = f"{URL}/figures/C2.I1"
    keyed(api, "PUT", path, OFFICER, figures("C2.I1"), key="cung-khoa")
    theirs = keyed(api, "PUT", path, DEPUTY, figures("C2.I1"), key="cung-khoa")
    assert theirs.status_code == 200 and "Idempotent-Replayed" not in theirs.headers
    keys = [e["metadata"].get("idempotency_key") for e in events_of(api, "FiguresRecorded")]
    assert keys.count("cung-khoa") == 2


def test_the_key_the_gateway_makes_is_on_the_event(api):
    answer = keyed(api, "PUT", f"{URL}/figures/C2.I2", OFFICER, figures("C2.I2"))
    assert answer.status_code == 200, answer.text
    made = answer.headers["Idempotency-Key"]
    assert events_of(api, "FiguresRecorded")[-1]["metadata"]["idempotency_key"] == made


def test_a_refused_write_stores_nothing_and_its_key_can_be_used_again(api):
    path = f"{URL}/figures/C2.I3"
    before = send(api, "GET", URL, AUDITOR).json()["version"]
    wrong = keyed(api, "PUT", path, OFFICER, {"figures": {"colour": 1}}, key="thu-lai")
    assert wrong.status_code == 400 and wrong.json()["error"] == "validation_failed"
    assert send(api, "GET", URL, AUDITOR).json()["version"] == before
    right = keyed(api, "PUT", path, OFFICER, figures("C2.I3"), key="thu-lai")
    assert right.status_code == 200 and "Idempotent-Replayed" not in right.headers


def test_a_reviewing_level_put_twice_with_one_key_is_set_once(api):
    url = "/api/v1/provinces/38/reviewing-levels/2023"
    first = keyed(api, "PUT", url, ADMIN, {"level": "province"}, key="cap-38-2023")
    again = keyed(api, "PUT", url, ADMIN, {"level": "province", "expected_version": None},
                  key="cap-38-2023")
    assert first.status_code == again.status_code == 200, first.text
    assert again.json() == first.json() == {
        "province_code": "38", "year": 2023, "level": "province", "version": 1,
        "source": "configured"}
    assert again.headers["Idempotent-Replayed"] == "true"


@pytest.fixture(scope="module")
def survey_api(amqp_uri, tmp_path_factory):
    from tests.gateway.test_survey_api import start_survey_platform

    database_dir = tmp_path_factory.mktemp("idempotent-survey")
    runner, client = start_survey_platform(amqp_uri, database_dir)
    yield client, EventStore(f"sqlite:///{database_dir}/survey.sqlite", "survey")
    client.session.close()
    runner.kill()


def test_a_kiosk_and_codes_sent_twice_exist_once_and_their_secrets_come_back_sealed(survey_api):
    """A kiosk's token and single-use codes are kept in the log as hashes only: a retry must
    get them back, yet the stored answer must not show them."""
    client, store = survey_api
    kiosk = {"commune_code": "00004", "label": "Quầy một cửa số 1"}
    registered = keyed(client, "POST", "/api/v1/survey/kiosks", ADMIN, kiosk, key="thiet-bi-1")
    again = keyed(client, "POST", "/api/v1/survey/kiosks", ADMIN, kiosk, key="thiet-bi-1")
    assert registered.status_code == again.status_code == 201, registered.text
    assert again.json() == registered.json() and again.headers["Idempotent-Replayed"] == "true"

    today = clock.now().date()
    campaign = keyed(client, "POST", "/api/v1/survey/campaigns", ADMIN, {
        "commune_code": "00004", "period": f"{today.year}-khoa", "target_sample": 3,
        "opens_on": (today - timedelta(days=1)).isoformat(),
        "closes_on": (today + timedelta(days=30)).isoformat()}, key="dot-khao-sat").json()
    codes_url = f"/api/v1/survey/campaigns/{campaign['campaign_id']}/codes"
    codes = keyed(client, "POST", codes_url, ADMIN, {"count": 3}, key="ma-dot-khao-sat")
    codes_again = keyed(client, "POST", codes_url, ADMIN, {"count": 3}, key="ma-dot-khao-sat")
    assert codes.status_code == codes_again.status_code == 201, codes.text
    assert codes_again.json()["codes"] == codes.json()["codes"]

    logged = store.read_all(limit=10_000)
    assert [e.type for e in logged].count("KioskRegistered") == 1
    assert [e.type for e in logged].count("SingleUseCodeIssued") == 3
    secrets = [registered.json()["token"], *codes.json()["codes"]]
    with store.engine.connect() as conn:
        answers = b"".join(conn.execute(select(idempotency_keys.c.answer)).scalars())
    assert not any(secret.encode() in answers for secret in secrets)

"""Hostile and careless input through the real gateway and the four real services: every
class of request that once answered 500 (issue 14) now answers a 4xx with a stable code and a
message in Vietnamese, and changes nothing (no service's log grows).

The platform runs once on SQLite and once on PostgreSQL, which refuses NUL in text."""

import base64
import contextlib
import io
import json
import zipfile
from datetime import timedelta

import pytest

from gateway.auth import issue_token
from tests.gateway.conftest import JWT_SECRET
from tests.support import databases
from tests.support.full_platform import SERVICES, full_platform

pytestmark = pytest.mark.broker

BA_DINH = "00004"  # Phường Ba Đình, Hà Nội
SOURCES = tuple(service.name for service in SERVICES)
PLAN_TEXT = "KẾ HOẠCH\nnăm 2025\n\nII. NỘI DUNG\n\n1. Tuyên truyền.\n- Đơn vị chủ trì: Sở Tư pháp.\n"


def _token(role, **jurisdiction):
    return issue_token(JWT_SECRET, f"{role}@hostile", role, jurisdiction,
                       ttl=timedelta(hours=1))


ADMIN = _token("administrator")
AUDITOR = _token("auditor")
OFFICER = _token("commune_officer", province="01", commune=BA_DINH)
JUSTICE = _token("justice_officer", province="01")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def platform(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    with contextlib.ExitStack() as stack:
        settings = {}
        if request.param == "postgresql":
            settings["DATABASES"] = {name: stack.enter_context(databases.fresh_postgres_database())
                                     for name in SOURCES}
        yield stack.enter_context(full_platform(folder, **settings))


@pytest.fixture
def unchanged(platform):
    """Asserts, after the test, that no service recorded an event during it."""
    def heads():
        return {source: platform.get(f"/api/v1/events?source={source}&limit=1", AUDITOR)
                .json()["head_position"] for source in SOURCES}

    before = heads()
    yield
    assert heads() == before


def assert_refused(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == code, body
    assert body["message"] and "Traceback" not in response.text
    return body


def raw(platform, method, path, token, data: bytes | str):
    return platform.request(method, path, token, data=data,
                            headers={"Content-Type": "application/json"})


# -- plan documents ---------------------------------------------------------------------------
def plan(content, encoding="base64", file_name="ke-hoach.docx"):
    return {"province_code": "01", "content": content, "encoding": encoding, "file_name": file_name}


def docx_bomb() -> str:
    """A small .docx whose document part inflates to far more than any plan."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", b"<" + b" " * (200 * 1024 * 1024))
    return base64.b64encode(out.getvalue()).decode("ascii")


@pytest.mark.parametrize("content", [
    "0",  # one character: not base64 at all
    "QUJD=ZZ",  # padding in the middle
    "S+Ết-hoạch",  # non-ASCII
    base64.b64encode(b"\xff\xfe\xfd not UTF-8 and not .docx").decode(),
    base64.b64encode(b"PK\x03\x04 a zip header and nothing else").decode(),
    base64.b64encode(b"PK\x05\x06" + b"\0" * 18).decode(),  # an empty zip: no document in it
])
def test_a_plan_document_that_cannot_be_read_is_refused(platform, unchanged, content):
    body = assert_refused(platform.request("POST", "/api/v1/plans", JUSTICE, json=plan(content)),
                          400, "validation_failed")
    assert list(body["details"]) == ["content"]


def test_a_docx_that_inflates_beyond_any_plan_is_refused(platform, unchanged):
    body = assert_refused(platform.request("POST", "/api/v1/plans", JUSTICE,
                                           json=plan(docx_bomb())), 400, "validation_failed")
    assert list(body["details"]) == ["content"]


def test_a_plain_text_plan_still_imports(platform):
    response = platform.request("POST", "/api/v1/plans", JUSTICE,
                                json=plan(PLAN_TEXT, encoding="text", file_name="ke-hoach.txt"))
    assert response.status_code == 201, response.text


# -- numbers ----------------------------------------------------------------------------------
def campaign(**changes):
    return {"commune_code": BA_DINH, "period": "2025-q4", "opens_on": "2025-10-01",
            "closes_on": "2025-12-31", "target_sample": 50, **changes}


@pytest.mark.parametrize("field, value", [
    ("target_sample", 10 ** 9),
    ("last_year_cases", 10 ** 12),
    ("questionnaire_version", 2 ** 40),
])
def test_integers_beyond_any_sane_range_are_refused(platform, unchanged, field, value):
    body = campaign(**{field: value})
    if field == "last_year_cases":
        del body["target_sample"]
    refused = assert_refused(platform.request("POST", "/api/v1/survey/campaigns", ADMIN,
                                              json=body), 400, "validation_failed")
    assert list(refused["details"]) == [field]


@pytest.mark.parametrize("literal", [
    str(2 ** 59), str(2 ** 53), "-" + str(2 ** 62), "1" * 5000, "1e400", "-1e400", "2e308",
])
def test_numbers_no_client_can_mean_are_invalid_json(platform, unchanged, literal):
    data = '{"commune_code": "00004", "period": "2025", "opens_on": "2025-10-01", ' \
           f'"closes_on": "2025-12-31", "target_sample": {literal}}}'
    body = assert_refused(raw(platform, "POST", "/api/v1/survey/campaigns", ADMIN, data),
                          400, "invalid_json")
    assert body["details"]["reason"] == "number_out_of_range"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_invalid_json(platform, unchanged, literal):
    data = f'{{"level": "province", "expected_version": {literal}}}'
    body = assert_refused(raw(platform, "PUT", "/api/v1/provinces/01/reviewing-levels/2025",
                              ADMIN, data), 400, "invalid_json")
    assert body["details"]["reason"] == "not_a_number"


@pytest.mark.parametrize("path", [
    "/api/v1/criteria-sets/27-2025/versions/99999999999999999999999",
    "/api/v1/events?source=survey&after=99999999999999999999999",
    "/api/v1/survey/questionnaires/hai-long-tiep-can-phap-luat?version=99999999999999999999",
])
def test_positions_and_versions_beyond_any_log_are_refused(platform, path):
    token = AUDITOR if path.startswith("/api/v1/events") else ADMIN
    assert_refused(platform.get(path, token), 400, "validation_failed")


def test_an_audit_cursor_beyond_any_log_is_refused(platform):
    cursor = base64.urlsafe_b64encode(json.dumps({"v": 1, "p": {"survey": 2 ** 70}}).encode())
    response = platform.get("/api/v1/audit/events?cursor=" + cursor.decode().rstrip("="), AUDITOR)
    body = assert_refused(response, 400, "validation_failed")
    assert list(body["details"]) == ["cursor"]


@pytest.mark.parametrize("field, value", [
    ("opens_on", "0417-12-03"), ("closes_on", "9999-12-31"), ("period", "5301"),
])
def test_days_and_periods_outside_the_programme_are_refused(platform, unchanged, field, value):
    body = assert_refused(platform.request("POST", "/api/v1/survey/campaigns", ADMIN,
                                           json=campaign(**{field: value})), 400, "validation_failed")
    assert list(body["details"]) == [field]


# -- structure --------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [40, 5000, 200_000])
def test_deeply_nested_json_is_invalid_json(platform, unchanged, depth):
    data = '{"changes": {"title": ' + "[" * depth + "]" * depth + "}}"
    plan_id = "0" * 32
    body = assert_refused(raw(platform, "PATCH", f"/api/v1/plans/{plan_id}", JUSTICE, data),
                          400, "invalid_json")
    assert body["details"]["reason"] == "too_deep"


def test_nesting_within_the_limit_reaches_the_service(platform):
    data = {"figures": {"issued": 3, "notes": [[["ba lớp"]]]}}
    response = platform.request(
        "PUT", f"/api/v1/communes/{BA_DINH}/assessments/2025/figures/C1.I1", OFFICER, json=data)
    assert response.status_code != 400 or response.json()["error"] != "invalid_json", response.text


def test_duplicate_keys_are_invalid_json(platform, unchanged):
    data = '{"level": "district", "level": "province"}'
    body = assert_refused(raw(platform, "PUT", "/api/v1/provinces/01/reviewing-levels/2024",
                              ADMIN, data), 400, "invalid_json")
    assert body["details"] == {"reason": "duplicate_key", "key": "level"}


# -- text -------------------------------------------------------------------------------------
@pytest.mark.parametrize("file_name", ["ke-hoach-\ud800.txt", "ke-hoach-\udfff", "ke\x00hoach"])
def test_unencodable_text_in_a_body_is_refused(platform, unchanged, file_name):
    data = json.dumps(plan(PLAN_TEXT, encoding="text", file_name=file_name))  # ASCII, escaped
    body = assert_refused(raw(platform, "POST", "/api/v1/plans", JUSTICE, data),
                          400, "validation_failed")
    assert list(body["details"]) == ["file_name"]


def test_unencodable_text_deep_in_a_body_is_refused_with_its_place(platform, unchanged):
    data = json.dumps({"figures": {"ghi chú": ["đúng", "sai \udc80"]}})
    body = assert_refused(raw(platform, "PUT",
                              f"/api/v1/communes/{BA_DINH}/assessments/2025/figures/C1.I1",
                              OFFICER, data), 400, "validation_failed")
    assert list(body["details"]) == ["figures.ghi chú.1"]


def test_unencodable_text_in_a_key_is_refused(platform, unchanged):
    data = json.dumps({"figures": {"\ud83d": 1}})
    body = assert_refused(raw(platform, "PUT",
                              f"/api/v1/communes/{BA_DINH}/assessments/2025/figures/C1.I1",
                              OFFICER, data), 400, "validation_failed")
    assert list(body["details"]) == ["figures"]


@pytest.mark.parametrize("path, token, field", [
    ("/api/v1/survey/campaigns/00004-2025%00", ADMIN, "campaign_id"),
    ("/api/v1/audit/events?actor=a%00b", AUDITOR, "actor"),
    ("/api/v1/agencies/01%00so-tu-phap/tasks", ADMIN, "agency_id"),
    ("/api/v1/units/communes/0000%00", None, "code"),
])
def test_nul_in_a_path_or_query_is_refused(platform, path, token, field):
    body = assert_refused(platform.get(path, token), 400, "validation_failed")
    assert list(body["details"]) == [field]


def test_a_body_that_is_not_utf8_is_invalid_json(platform, unchanged):
    data = b'{"level": "province", "x": "' + b"\xed\xa0\x80" + b'"}'
    assert_refused(raw(platform, "PUT", "/api/v1/provinces/01/reviewing-levels/2024", ADMIN,
                       data), 400, "invalid_json")


def test_messages_people_read_are_vietnamese(platform):
    data = json.dumps({"level": "province", "expected_version": 1, "x": "\ud800"})
    body = platform.request("PUT", "/api/v1/provinces/01/reviewing-levels/2024", ADMIN,
                            data=data, headers={"Content-Type": "application/json"}).json()
    assert "ký tự" in json.dumps(body["details"], ensure_ascii=False)
    deep = raw(platform, "PUT", "/api/v1/provinces/01/reviewing-levels/2024", ADMIN,
               "[" * 100 + "]" * 100).json()
    assert "lồng" in deep["message"]


def test_a_well_formed_campaign_still_opens(platform):
    response = platform.request("POST", "/api/v1/survey/campaigns", ADMIN,
                                json=campaign(period="2025-q1", target_sample=2 ** 10))
    assert response.status_code == 201, response.text


def test_a_url_longer_than_the_server_reads_is_refused_as_documented(platform):
    response = platform.get("/api/v1/audit/events?cursor=" + "A" * 9000, AUDITOR)
    assert response.status_code == 414
    documented = platform.get("/openapi.json").json()["paths"]["/api/v1/audit/events"]["get"]
    assert "414" in documented["responses"]


def test_a_deeply_nested_audit_cursor_is_refused(platform):
    cursor = base64.urlsafe_b64encode(b"[" * 1400).decode().rstrip("=")
    body = assert_refused(platform.get("/api/v1/audit/events?cursor=" + cursor, AUDITOR),
                          400, "validation_failed")
    assert list(body["details"]) == ["cursor"]

"""Every error the gateway answers, through the real service on the real broker."""

import time
import uuid

import pytest
from nameko.exceptions import registry

from gateway.http import MAX_BODY_BYTES
from kernel.errors import all_error_classes
from tests.gateway import peers
from tests.gateway.conftest import JWT_SECRET, RPC_TIMEOUT

pytestmark = pytest.mark.broker

LEVEL_2024 = "/api/v1/provinces/01/reviewing-levels/2024"
EN = {"Accept-Language": "en"}


def assert_error(response, status, code):
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == code
    assert isinstance(body["message"], str) and body["message"].endswith(".")
    assert "Traceback" not in response.text
    uuid.UUID(response.headers["X-Correlation-Id"])
    return body


@pytest.fixture
def admin(token):
    return token("administrator")


# -- the request itself ---------------------------------------------------------------------
@pytest.mark.parametrize("data", ['{"level": "district",', "level=district", b"\xff\xfe{}"])
def test_a_body_that_is_not_json_is_invalid_json(platform, admin, data):
    response = platform.put(LEVEL_2024, admin, data=data,
                            headers={"Content-Type": "application/json"})
    assert_error(response, 400, "invalid_json")


def test_an_empty_body_is_invalid_json(platform, admin):
    assert_error(platform.put(LEVEL_2024, admin), 400, "invalid_json")


def test_an_oversized_body_is_refused(platform, admin):
    response = platform.put(LEVEL_2024, admin, data=b" " * (MAX_BODY_BYTES + 1))
    assert_error(response, 413, "payload_too_large")


def test_unknown_fields_are_refused_by_name(platform, admin):
    response = platform.put(LEVEL_2024, admin, json={"level": "district", "colour": "red"})
    body = assert_error(response, 400, "validation_failed")
    assert body["details"] == {"colour": [
        "Trường này không được nhận: địa chỉ này không dùng trường này."]}
    english = platform.put(LEVEL_2024, admin, json={"level": "district", "colour": "red"},
                           headers=EN)
    assert english.json()["details"] == {"colour": [
        "Unknown field: this endpoint does not accept it."]}


@pytest.mark.parametrize("payload, field", [
    ({"level": 3}, "level"),
    ({"level": "district", "expected_version": "3"}, "expected_version"),
    ({"level": "district", "expected_version": True}, "expected_version"),
    ({"level": "district", "expected_version": -1}, "expected_version"),
    ({"level": "commune"}, "level"),
    ({}, "level"),
    (["district"], "_schema"),
])
def test_wrong_types_bad_enums_and_missing_fields_are_validation_failures(
        platform, admin, payload, field):
    body = assert_error(platform.put(LEVEL_2024, admin, json=payload), 400, "validation_failed")
    assert list(body["details"]) == [field]
    assert all(isinstance(message, str) for message in body["details"][field])


@pytest.mark.parametrize("year", [2016, 2101])
def test_years_outside_the_programme_are_validation_failures(platform, admin, year):
    for method in ("GET", "PUT"):
        response = platform.request(method, f"/api/v1/provinces/01/reviewing-levels/{year}",
                                    admin, json={"level": "province"})
        body = assert_error(response, 400, "validation_failed")
        assert body["details"] == {"year": ["Phải lớn hơn hoặc bằng 2017 và nhỏ hơn hoặc bằng 2100."]}


def test_an_unknown_province_is_not_found(platform, admin):
    body = assert_error(platform.put("/api/v1/provinces/99/reviewing-levels/2024", admin,
                                     json={"level": "district"}), 404, "not_found")
    assert body["details"] == {"province_code": "99", "year": 2024}
    assert peers.AssessmentPeer.calls == []


def test_a_province_merged_away_in_2025_exists_only_for_earlier_years(platform, admin):
    # Bình Dương (74) reviewed its communes until 2024; since July 2025 it is part of 79.
    earlier = platform.put("/api/v1/provinces/74/reviewing-levels/2017", admin,
                           json={"level": "district"})
    assert earlier.status_code == 200 and earlier.json()["province_code"] == "74"
    later = platform.get("/api/v1/provinces/74/reviewing-levels/2025", admin)
    assert_error(later, 404, "not_found")


@pytest.mark.parametrize("query, field", [
    ("", "source"),
    ("?source=ledger", "source"),
    ("?source=plans&limit=0", "limit"),
    ("?source=plans&after=-1", "after"),
    ("?source=plans&after=x", "after"),
    ("?source=plans&page=2", "page"),
])
def test_query_strings_are_validated(platform, token, query, field):
    body = assert_error(platform.get(f"/api/v1/events{query}", token("auditor")),
                        400, "validation_failed")
    assert field in body["details"]


# -- who is asking --------------------------------------------------------------------------
def test_a_missing_token_is_unauthorised(platform):
    response = platform.put(LEVEL_2024, json={"level": "district"})
    assert_error(response, 401, "unauthorised")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_anonymous_callers_learn_nothing_from_validation(platform):
    assert_error(platform.put(LEVEL_2024, data="{nonsense"), 401, "unauthorised")


@pytest.mark.parametrize("make_token, reason", [
    (lambda token: token("administrator", ttl_seconds=-5), "hết hạn"),
    (lambda token: "eyJhbGciOiJIUzI1NiJ9.garbled.garbled", "không hợp lệ"),
    (lambda token: token("administrator", secret="not-" + JWT_SECRET), "không hợp lệ"),
])
def test_expired_garbled_and_forged_tokens_are_unauthorised(platform, token, make_token, reason):
    body = assert_error(platform.get(LEVEL_2024, make_token(token)), 401, "unauthorised")
    assert reason in body["message"]


@pytest.mark.parametrize("role", ["commune_officer", "justice_officer", "council_secretary",
                                  "chairman", "auditor"])
def test_only_administrators_set_reviewing_levels(platform, token, role):
    body = assert_error(platform.put(LEVEL_2024, token(role, province="01"),
                                     json={"level": "district"}), 403, "forbidden")
    assert body["details"] == {"role": role, "allowed_roles": ["administrator"]}
    assert peers.AssessmentPeer.calls == []


def test_only_auditors_read_the_event_logs(platform, token):
    assert_error(platform.get("/api/v1/events?source=plans", token("administrator")),
                 403, "forbidden")


def test_a_service_refusing_in_its_own_jurisdiction_rules_is_forbidden(platform, admin):
    response = platform.put(f"/api/v1/provinces/01/reviewing-levels/{peers.FORBIDDEN_YEAR}",
                            admin, json={"level": "province"})
    body = assert_error(response, 403, "forbidden")
    # Said in English only: English callers read it, others the code's own message.
    assert body["message"] == "Bạn không có quyền thực hiện việc này."
    assert list(body["details"]) == ["year"]
    english = platform.put(f"/api/v1/provinces/01/reviewing-levels/{peers.FORBIDDEN_YEAR}",
                           admin, json={"level": "province"}, headers=EN)
    assert english.json()["message"] == "Reviewing levels of that year are closed."


# -- routing ----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/nowhere", "/api/v1/provinces/01/reviewing-levels/next",
                                  "/api/v2/units/provinces", "/docs/"])
def test_unknown_routes_are_not_found_in_json(platform, path):
    body = assert_error(platform.get(path), 404, "not_found")
    assert body["details"] == {"path": path}


def test_a_wrong_method_is_405_with_the_allowed_ones(platform, admin):
    response = platform.request("DELETE", LEVEL_2024, admin)
    body = assert_error(response, 405, "method_not_allowed")
    assert set(body["details"]["allowed_methods"]) == {"GET", "HEAD", "PUT"}
    assert "PUT" in response.headers["Allow"]


# -- what the services answer -----------------------------------------------------------------
def test_a_version_conflict_is_409_with_its_details(platform, admin):
    assert platform.put(LEVEL_2024, admin, json={"level": "district"}).status_code == 200
    response = platform.put(LEVEL_2024, admin, json={"level": "province", "expected_version": 0})
    body = assert_error(response, 409, "version_conflict")
    assert "không phải phiên bản 0" in body["message"]
    assert set(body["details"]) == {"stream", "expected_version", "current_version"}


def test_error_details_keep_their_json_types_across_rpc(platform, admin):
    platform.put(LEVEL_2024, admin, json={"level": "district"})
    response = platform.put(LEVEL_2024, admin, json={"level": "province", "expected_version": 0})
    assert response.json()["details"] == {"stream": "reviewing-level-01-2024",
                                          "expected_version": 0, "current_version": 1}


def test_an_unregistered_kernel_error_still_maps_by_its_type_name(platform, admin, monkeypatch):
    for cls in all_error_classes():
        monkeypatch.delitem(registry, f"{cls.__module__}.{cls.__name__}", raising=False)
    platform.put(LEVEL_2024, admin, json={"level": "district"})
    response = platform.put(LEVEL_2024, admin, json={"level": "province", "expected_version": 7},
                            headers=EN)
    body = assert_error(response, 409, "version_conflict")
    # Only the text crossed: English, as str() of the error gives it.
    assert "not the expected 7" in body["message"]


def test_an_unexpected_service_failure_is_500_and_leaks_nothing(platform, admin):
    correlation_id = str(uuid.uuid4())
    response = platform.put(f"/api/v1/provinces/01/reviewing-levels/{peers.CRASH_YEAR}", admin,
                            json={"level": "province"},
                            headers={"X-Correlation-Id": correlation_id})
    body = assert_error(response, 500, "internal_error")
    assert peers.SECRET_IN_CRASH not in response.text and "RuntimeError" not in response.text
    assert body["details"] == {"correlation_id": correlation_id}


def test_a_service_that_does_not_answer_in_time_is_503(platform, token):
    started = time.monotonic()
    response = platform.get(f"/api/v1/provinces/01/reviewing-levels/{peers.SLOW_YEAR}",
                            token("chairman", province="01"))
    elapsed = time.monotonic() - started
    body = assert_error(response, 503, "service_unavailable")
    assert "không trả lời trong" in body["message"]
    assert RPC_TIMEOUT <= elapsed < RPC_TIMEOUT + 1.5


# -- the language of the answer ---------------------------------------------------------------
def _answers(platform, request, headers):
    method, path, who, body = request
    return platform.request(method, path, who, headers=headers,
                            **({} if body is None else {"json": body}))


@pytest.mark.parametrize("make, status, code, vi, en", [
    (lambda t: ("PUT", LEVEL_2024, t("administrator"), {"level": 3}), 400, "validation_failed",
     ("Yêu cầu không hợp lệ", {"level": ["Không phải một chuỗi ký tự."]}),
     ("The request is not valid", {"level": ["Not a valid string."]})),
    (lambda t: ("PUT", LEVEL_2024, t("administrator"), {}), 400, "validation_failed",
     ("Yêu cầu không hợp lệ", {"level": ["Trường này là bắt buộc."]}),
     ("The request is not valid", {"level": ["Missing data for required field."]})),
    (lambda t: ("PUT", "/api/v1/provinces/99/reviewing-levels/2024", t("administrator"),
                {"level": "district"}), 404, "not_found",
     ("Năm 2024 không có tỉnh mã 99.", None), ("There is no province with code 99 in 2024.", None)),
    (lambda t: ("PUT", LEVEL_2024, t("chairman", province="01"), {"level": "district"}), 403,
     "forbidden", ("không", None), ("not", None)),
    (lambda t: ("GET", "/nowhere", None, None), 404, "not_found",
     ("Không có địa chỉ /nowhere", None), ("There is no route /nowhere", None)),
    (lambda t: ("PUT", LEVEL_2024, t("administrator"), None), 400, "invalid_json",
     ("Nội dung yêu cầu trống", None), ("The request body is empty", None)),
])
def test_errors_are_in_vietnamese_unless_english_is_preferred(platform, token, make, status,
                                                              code, vi, en):
    request = make(token)
    for headers, language in (({}, "vi"), ({"Accept-Language": "vi-VN,vi;q=0.9"}, "vi"),
                              ({"Accept-Language": "en, vi"}, "vi"), ({"Accept-Language": "*"}, "vi"),
                              ({"Accept-Language": "da, en-GB;q=0.8"}, "en"),
                              ({"Accept-Language": "fr-FR, en;q=0.8, vi;q=0.5"}, "en"),
                              (EN, "en")):
        message, details = vi if language == "vi" else en
        response = _answers(platform, request, headers)
        body = assert_error(response, status, code)
        assert message in body["message"], (headers, body)
        if details is not None:
            assert body["details"] == details
        assert response.headers["Content-Language"] == language
        assert "Accept-Language" in response.headers["Vary"]


def test_a_service_away_is_said_in_either_language(platform, token):
    path = f"/api/v1/provinces/01/reviewing-levels/{peers.SLOW_YEAR}"
    chairman = token("chairman", province="01")
    vietnamese = assert_error(platform.get(path, chairman), 503, "service_unavailable")
    english = assert_error(platform.get(path, chairman, headers=EN), 503, "service_unavailable")
    assert vietnamese["message"].startswith("Dịch vụ assessment không trả lời trong")
    assert english["message"].startswith("The assessment service did not answer within")


def test_a_conflict_with_the_stream_is_explained_in_both_languages(platform, admin):
    platform.put(LEVEL_2024, admin, json={"level": "district"})
    stale = {"level": "province", "expected_version": 0}
    vietnamese = platform.put(LEVEL_2024, admin, json=stale).json()
    english = platform.put(LEVEL_2024, admin, json=stale, headers=EN).json()
    assert vietnamese["error"] == english["error"] == "version_conflict"
    assert vietnamese["details"] == english["details"]
    assert "đang ở phiên bản" in vietnamese["message"] and "nothing was written" in english["message"]

"""The OpenAPI document: generated from the routes and schemas, complete and self-consistent."""

import re
from datetime import timedelta

import pytest
from marshmallow import fields, validate

import reference.legacy_schema  # noqa: F401 (its CommuneSchema must not capture the gateway's)
from gateway import openapi
from gateway.schemas import FIRST_DAY, LAST_DAY, Day, StrictSchema
from gateway.service import GatewayService
from tests.gateway.test_accounts_api import ACCOUNTS_OPERATIONS, ACCOUNTS_SECURED
from tests.gateway.test_assessment_api import ASSESSMENT_OPERATIONS, ASSESSMENT_SECURED
from tests.gateway.test_audit_api import AUDIT_OPERATIONS
from tests.gateway.test_plans_api import PLANS_OPERATIONS, PLANS_SECURED
from tests.gateway.test_survey_api import SURVEY_OPERATIONS, SURVEY_SECURED

EXPECTED_OPERATIONS = {
    ("/health", "get"),
    ("/api/v1/units/provinces", "get"),
    ("/api/v1/units/provinces/{code}", "get"),
    ("/api/v1/units/provinces/{code}/communes", "get"),
    ("/api/v1/units/communes/{code}", "get"),
    ("/api/v1/provinces/{province_code}/reviewing-levels/{year}", "get"),
    ("/api/v1/provinces/{province_code}/reviewing-levels/{year}", "put"),
    ("/api/v1/events", "get"),
} | SURVEY_OPERATIONS | ASSESSMENT_OPERATIONS | AUDIT_OPERATIONS | PLANS_OPERATIONS \
    | ACCOUNTS_OPERATIONS


@pytest.fixture(scope="module")
def document():
    return openapi.build(GatewayService)


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_api_route_is_documented_and_nothing_else(document):
    assert document["openapi"].startswith("3.")
    assert {(path, method) for path, method, _ in operations(document)} == EXPECTED_OPERATIONS


def test_the_components(document):
    components = document["components"]
    assert components["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert set(components["schemas"]["Error"]["required"]) == {"error", "message"}
    update = components["schemas"]["ReviewingLevelUpdate"]
    assert update["additionalProperties"] is False
    assert update["properties"]["level"]["enum"] == ["district", "province"]
    assert {"ReviewingLevel", "Province", "Commune", "Health", "EventsPage"} <= set(components["schemas"])


def test_security_follows_the_routes_roles(document):
    secured = {(path, method) for path, method, op in operations(document) if op.get("security")}
    assert secured == {
        ("/api/v1/provinces/{province_code}/reviewing-levels/{year}", "get"),
        ("/api/v1/provinces/{province_code}/reviewing-levels/{year}", "put"),
        ("/api/v1/events", "get"),
    } | SURVEY_SECURED | ASSESSMENT_SECURED | AUDIT_OPERATIONS | PLANS_SECURED | ACCOUNTS_SECURED
    for path, method in secured:
        responses = document["paths"][path][method]["responses"]
        assert {"401", "500"} <= set(responses)


def test_parameters_and_bodies_come_from_the_schemas(document):
    put = document["paths"]["/api/v1/provinces/{province_code}/reviewing-levels/{year}"]["put"]
    year = next(p for p in put["parameters"] if p["name"] == "year")
    assert year["in"] == "path" and year["required"] is True
    assert (year["schema"]["minimum"], year["schema"]["maximum"]) == (2017, 2100)
    assert put["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ReviewingLevelUpdate"}
    assert {"400", "403", "404", "409", "503"} <= set(put["responses"])
    events = document["paths"]["/api/v1/events"]["get"]
    assert {p["name"]: p["in"] for p in events["parameters"]} == {
        "source": "query", "after": "query", "limit": "query", "Accept-Language": "header"}


def test_every_operation_takes_a_language_and_says_which_it_answered_in(document):
    for _path, _method, operation in operations(document):
        assert any(p["name"] == "Accept-Language" and p["in"] == "header"
                   for p in operation["parameters"])
    error = document["components"]["responses"]["Error"]
    assert error["headers"]["Content-Language"]["schema"]["enum"] == ["vi", "en"]


def test_every_path_parameter_is_declared(document):
    for path, method, operation in operations(document):
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"{([^}]+)}", path)), (path, method)


def test_every_reference_resolves(document):
    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(document):
        target = document
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]


def test_summaries_are_in_vietnamese(document):
    summaries = [op["summary"] for _, _, op in operations(document)]
    assert all(summaries)
    assert "Tình trạng hệ thống" in summaries


@pytest.mark.broker
def test_the_gateway_serves_the_document(platform, document):
    response = platform.get("/openapi.json")
    assert response.status_code == 200
    assert response.json() == document


def test_every_operation_has_a_declared_tag(document):
    declared = [tag["name"] for tag in document["tags"]]
    assert declared[0] == "Hệ thống"
    for path, method, operation in operations(document):
        assert operation["tags"] and set(operation["tags"]) <= set(declared), (path, method)


def test_every_status_the_gateway_itself_answers_is_documented(document):
    # 400: path and query text is checked on every route (gateway/inputs.py); 414: eventlet
    # refuses a request line over 8 KiB; 404: a path value its converter refuses matches no
    # route; 413: a body over the limit.
    for path, method, operation in operations(document):
        responses = set(operation["responses"])
        assert {"400", "414", "500"} <= responses, (path, method)
        if "{" in path:
            assert "404" in responses, (path, method)
        if "requestBody" in operation:
            assert "413" in responses, (path, method)


def test_integers_and_days_in_requests_are_bounded(document):
    campaign = document["components"]["schemas"]["CampaignInput"]["properties"]
    assert campaign["target_sample"]["maximum"] == 100_000
    assert campaign["questionnaire_version"]["maximum"] == 2 ** 31 - 1
    unbounded = [f"{cls.__name__}.{name}" for cls in _subclasses(StrictSchema)
                 for name, field in cls._declared_fields.items()
                 if isinstance(field, fields.Integer) and not any(
                     isinstance(check, validate.Range) and check.max is not None
                     for check in field.validators)]
    assert unbounded == []
    undated = [f"{cls.__name__}.{name}" for cls in _subclasses(StrictSchema)
               for name, field in cls._declared_fields.items()
               if isinstance(field, fields.Date) and not isinstance(field, Day)]
    assert undated == []


def test_the_documented_day_pattern_states_the_days_allowed():
    pattern = re.compile(Day.PATTERN)
    assert pattern.match(FIRST_DAY.isoformat()) and pattern.match(LAST_DAY.isoformat())
    assert not pattern.match((FIRST_DAY - timedelta(days=1)).isoformat())
    assert not pattern.match((LAST_DAY + timedelta(days=1)).isoformat())


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_survey_results_are_documented_as_they_are_answered(document):
    results = document["components"]["schemas"]["SurveyResults"]["properties"]
    assert results["questions"]["type"] == "array"
    rate = document["components"]["schemas"]["Rate"]["properties"]
    assert rate["satisfied"]["nullable"] is True and rate["counts"]["nullable"] is True


def test_a_creation_links_to_the_operations_on_what_it_created(document):
    links = document["paths"]["/api/v1/plans"]["post"]["responses"]["201"]["links"]
    assert set(links) == {"get_plan", "edit_plan", "review_plan", "issue_plan", "plan_summary",
                          "plan_overdue"}
    assert links["get_plan"] == {"operationId": "get_plan",
                                 "parameters": {"plan_id": "$response.body#/plan_id"}}
    kiosk = document["paths"]["/api/v1/survey/kiosks"]["post"]["responses"]["201"]["links"]
    assert set(kiosk) == {"get_kiosk", "revoke_kiosk"}
    operation_ids = {op["operationId"] for _, _, op in operations(document)}
    for _, _, op in operations(document):
        for link in op["responses"].get("201", {}).get("links", {}).values():
            assert link["operationId"] in operation_ids

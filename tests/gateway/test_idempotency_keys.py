"""The gateway's part of idempotency: every write of a signed-in caller carries a key (the
client's Idempotency-Key or a new UUID) and a fingerprint of what it asks to the service,
and the key comes back on the response, errors included."""

import uuid

import pytest

from gateway.idempotency import AnswerKeys, fingerprint, unwrap
from tests.gateway import peers
from tests.gateway.conftest import HANOI

pytestmark = pytest.mark.broker

URL = "/api/v1/provinces/01/reviewing-levels/2024"


def sent_idempotency():
    return peers.AssessmentPeer.calls[-1][-1]["idempotency"]


def test_a_write_without_a_key_gets_one_made_by_the_gateway(platform, token):
    response = platform.put(URL, token("administrator"), json={"level": "district"})
    assert response.status_code == 200
    made = response.headers["Idempotency-Key"]
    assert uuid.UUID(made).version == 4
    sent = sent_idempotency()
    assert sent["key"] == made
    assert len(sent["fingerprint"]) == 64 and len(sent["answer_key"]) == 64
    assert "Idempotent-Replayed" not in response.headers
    # a service that does not wrap its answer (this peer) is answered as it is
    assert response.json()["level"] == "district"


def test_the_clients_key_is_sent_and_echoed(platform, token):
    response = platform.put(URL, token("administrator"), json={"level": "district"},
                            headers={"Idempotency-Key": "cap-tham-dinh:01/2024#1"})
    assert response.headers["Idempotency-Key"] == "cap-tham-dinh:01/2024#1"
    assert sent_idempotency()["key"] == "cap-tham-dinh:01/2024#1"


@pytest.mark.parametrize("key", ["", "has space", "k" * 256, "khóa"])
def test_a_malformed_key_is_refused_before_anything_is_sent(platform, token, key):
    response = platform.put(URL, token("administrator"), json={"level": "district"},
                            headers={"Idempotency-Key": key.encode("latin-1")})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_idempotency_key"
    assert "Idempotency-Key" in body["message"] and "ký tự" in body["message"]
    assert body["details"] == {"header": "Idempotency-Key", "max_length": 255}
    assert "Idempotency-Key" not in response.headers
    assert peers.AssessmentPeer.calls == []


def test_the_longest_key_is_accepted(platform, token):
    response = platform.put(URL, token("administrator"), json={"level": "district"},
                            headers={"Idempotency-Key": "k" * 255})
    assert response.status_code == 200 and sent_idempotency()["key"] == "k" * 255


def test_the_same_request_written_differently_has_the_same_fingerprint(platform, token):
    admin = token("administrator")
    bodies = ['{"level": "district"}', '{ "level" :"district" ,"expected_version":null}',
              '{"expected_version": null, "level": "district"}']
    prints = set()
    for body in bodies:
        platform.put(URL, admin, data=body, headers={"Content-Type": "application/json"})
        prints.add(sent_idempotency()["fingerprint"])
    assert len(prints) == 1
    platform.put(URL, admin, json={"level": "province"})
    other_body = sent_idempotency()["fingerprint"]
    platform.put(URL.replace("/01/", "/79/"), admin, json={"level": "district"})
    other_path = sent_idempotency()["fingerprint"]
    assert len(prints | {other_body, other_path}) == 3


def test_the_fingerprint_counts_a_decimal_by_its_value():
    from decimal import Decimal

    assert (fingerprint("PUT", "/x", {}, {"points": Decimal("1.5")})
            == fingerprint("put", "/x", {}, {"points": Decimal("1.50")})
            != fingerprint("PUT", "/x", {}, {"points": Decimal("15")}))
    assert fingerprint("PUT", "/x", {}, {"n": Decimal("100")}) != fingerprint(
        "PUT", "/x", {}, {"n": Decimal("1")})


def test_errors_carry_the_key_so_the_client_can_retry_with_it(platform, token):
    response = platform.put(URL.replace("2024", str(peers.FORBIDDEN_YEAR)),
                            token("administrator"), json={"level": "district"})
    assert response.status_code == 403
    assert response.headers["Idempotency-Key"] == sent_idempotency()["key"]


def test_reads_and_anonymous_callers_carry_no_key(platform, token):
    read = platform.get(URL, token("commune_officer", province=HANOI),
                        headers={"Idempotency-Key": "ignored on reads"})
    assert read.status_code == 200 and "Idempotency-Key" not in read.headers
    anonymous = platform.put(URL, json={"level": "district"})
    assert anonymous.status_code == 401 and "Idempotency-Key" not in anonymous.headers


def test_answer_keys_are_per_caller_and_key_and_hidden_behind_the_secret():
    keys = AnswerKeys("secret-one")
    assert keys.for_request("a@test", "k") == keys.for_request("a@test", "k")
    assert len({keys.for_request("a@test", "k"), keys.for_request("b@test", "k"),
                keys.for_request("a@test", "k2"),
                AnswerKeys("secret-two").for_request("a@test", "k")}) == 4


def test_only_the_services_wrapping_of_this_key_is_unwrapped():
    wrapped = {"idempotent_answer": {"level": "district"}, "idempotency_key": "k",
               "replayed": True}
    assert unwrap(wrapped, "k") == ({"level": "district"}, True)
    assert unwrap(wrapped, "other") == (wrapped, False)
    assert unwrap({"level": "district"}, "k") == ({"level": "district"}, False)


def test_every_write_documents_the_key_and_no_read_does(platform):
    document = platform.get("/openapi.json").json()
    writes = others = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            names = [p.get("name") for p in operation.get("parameters", [])]
            if method in ("post", "put", "patch", "delete") and "security" in operation:
                writes += 1
                assert "Idempotency-Key" in names, (method, path)
                assert {"400", "409"} <= set(operation["responses"]), (method, path)
                success = [r for code, r in operation["responses"].items()
                           if code.startswith("2")]
                assert all({"Idempotency-Key", "Idempotent-Replayed"} <= set(r["headers"])
                           for r in success), (method, path)
            else:  # reads, and the kiosks' submissions (deduplicated by response id)
                others += 1
                assert "Idempotency-Key" not in names, (method, path)
    assert writes >= 30 and others >= 30


# Kiosks send no context worth keying: a response is deduplicated by its response_id.
NOT_KEYED = {("survey", "submit_response"), ("survey", "submit_batch")}


def test_every_write_rpc_taking_a_context_is_carried_out_once_per_key():
    import inspect

    from services.accounts.service import AccountsService
    from services.assessment.service import AssessmentService
    from services.plans.service import PlansService
    from services.survey.service import SurveyService

    writes = []
    for service in (AssessmentService, PlansService, SurveyService, AccountsService):
        for name, method in inspect.getmembers(service, inspect.isfunction):
            if (getattr(method, "nameko_entrypoints", None)
                    and "context" in inspect.signature(method).parameters
                    and (service.name, name) not in NOT_KEYED):
                writes.append((service.name, name, getattr(method, "idempotent", False)))
    assert len(writes) >= 30
    assert [w for w in writes if not w[2]] == []

"""No command applied twice: the assessment service killed (SIGKILL) in the middle of a
`PUT …/figures/…`, restarted, and the request redelivered by the broker and retried by the
client with the same Idempotency-Key, on SQLite and PostgreSQL.

Issue 14 found the figures stored twice (two events, same data) after `kill -9` between the
append and the reply: the RPC was redelivered and ran again. The service runs as a real
process (`nameko run`) and dies exactly where the failpoint says (kernel/failpoints.py); the
gateway runs in this process with stand-ins for the other services.
"""

import eventlet
import pytest
from nameko.runners import ServiceRunner
from sqlalchemy import select

from kernel.schema import idempotency_keys
from kernel.store import EventStore
from rules.criteria import load_builtin_sets
from services.assessment.service import AssessmentService
from tests.gateway import peers
from tests.gateway.conftest import start_gateway
from tests.support.assessment_figures import full_figures
from tests.support.assessment_platform import token
from tests.support.processes import ServiceProcess

pytestmark = [pytest.mark.broker, pytest.mark.slow]

DONG_QUANG, YEAR = "16426", 2022  # Đông Sơn (405), Thanh Hóa (38)
URL = f"/api/v1/communes/{DONG_QUANG}/assessments/{YEAR}"
FIGURES_URL = f"{URL}/figures/C1.I1"
FIGURES = {"figures": full_figures(load_builtin_sets()[("25-2021", 2)].indicator("C1.I1"))}
OFFICER = token("commune_officer", "38", "405", DONG_QUANG, sub="congchuc.dongquang@test")
KEY = "so-lieu-C1.I1-lan-1"
# Long enough for the service to come back while the gateway still waits: the redelivered
# request then answers the very call that was cut off.
RPC_TIMEOUT = 45


@pytest.fixture
def deployment(request, own_amqp_uri, database_url, tmp_path):
    """The gateway (RPC_TIMEOUT, or the test's indirect parameter), the assessment store, and
    ``assessment(failpoint)`` to start the service; the commune's assessment is open."""
    runner, client = start_gateway(own_amqp_uri, peers.PlansPeer, peers.PublicationPeer,
                                   peers.SurveyPeer,
                                   RPC_TIMEOUT=getattr(request, "param", RPC_TIMEOUT))
    store = EventStore(database_url, "assessment")
    started = []

    def assessment(failpoint=None):
        env = {"AMQP_URI": own_amqp_uri, "ASSESSMENT_DB_URL": database_url,
               "TCPL_FAILPOINTS": failpoint or ""}
        process = ServiceProcess("services.assessment.service:AssessmentService", "assessment",
                                 env, tmp_path / "assessment.log").start()
        started.append(process)
        process.wait_ready()
        return process

    # The assessment opened by the real service run in this process (no process start to
    # wait for); the processes the tests kill and restart are started afterwards.
    opening = ServiceRunner({"AMQP_URI": own_amqp_uri, "EVIDENCE_STORE": str(tmp_path / "evidence"),
                             "DATABASES": {"assessment": database_url}})
    opening.add_service(AssessmentService)
    opening.start()
    try:
        assert send(client, "POST", URL).status_code == 201
    finally:
        opening.stop()
    yield client, store, assessment
    for process in started:  # the test is over: nothing left to answer or to keep
        process.kill()
    client.session.close()
    runner.kill()
    store.dispose()


def send(client, method, path, body=None, key=None):
    headers = {"Authorization": f"Bearer {OFFICER}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.session.request(method, client.url + path, headers=headers, json=body,
                                  timeout=RPC_TIMEOUT + 15)


def figures_recorded(store):
    return [e for e in store.read_all(limit=10_000) if e.type == "FiguresRecorded"]


def stored_keys(store):
    with store.engine.connect() as conn:
        return [row.key for row in conn.execute(select(idempotency_keys.c.key))]


def died(process, timeout=RPC_TIMEOUT):
    process.process.wait(timeout)
    return process.process.returncode


def test_killed_between_commit_and_reply_the_redelivered_and_the_retried_put_record_once(
        deployment):
    client, store, assessment = deployment
    doomed = assessment("write.after_commit:kill")
    cut_off = eventlet.spawn(send, client, "PUT", FIGURES_URL, FIGURES, KEY)
    assert died(doomed) == -9  # SIGKILL, after the commit, before the reply
    [recorded] = figures_recorded(store)  # the events, the answer and the key committed
    assert recorded.metadata["idempotency_key"] == KEY and KEY in stored_keys(store)

    assessment()  # the broker redelivers the unacknowledged request to the new process
    first = cut_off.wait()
    assert first.status_code == 200, first.text
    assert first.headers["Idempotent-Replayed"] == "true"  # answered from the stored answer
    retried = send(client, "PUT", FIGURES_URL, FIGURES, KEY)
    assert retried.status_code == 200 and retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json() == first.json()
    assert retried.json()["version"] == recorded.version
    assert len(figures_recorded(store)) == 1
    assert store.verify_chain().ok


def test_killed_between_append_and_commit_nothing_is_stored_and_the_retry_stores_once(
        deployment):
    client, store, assessment = deployment
    doomed = assessment("write.before_commit:kill")
    cut_off = eventlet.spawn(send, client, "PUT", FIGURES_URL, FIGURES, KEY)
    assert died(doomed) == -9  # appended and answered, not committed
    assert figures_recorded(store) == [] and KEY not in stored_keys(store)

    assessment()  # the redelivered request runs, this time to the end
    first = cut_off.wait()
    assert first.status_code == 200, first.text
    assert "Idempotent-Replayed" not in first.headers
    retried = send(client, "PUT", FIGURES_URL, FIGURES, KEY)
    assert retried.status_code == 200 and retried.headers["Idempotent-Replayed"] == "true"
    assert retried.json() == first.json()
    [recorded] = figures_recorded(store)
    assert recorded.metadata["idempotency_key"] == KEY
    assert store.verify_chain().ok


@pytest.mark.parametrize("deployment", [4], indirect=True)  # s: the gateway's deadline
def test_without_the_answer_from_the_cut_off_call_the_client_retries_with_the_key_it_got(
        deployment):
    """The gateway gave up on the call (its deadline passed while the service was down): the
    client got 503 with the key the gateway made, retries with it, and nothing runs twice."""
    client, store, assessment = deployment
    doomed = assessment("write.after_commit:kill")
    cut_off = eventlet.spawn(send, client, "PUT", FIGURES_URL, FIGURES)
    assert died(doomed) == -9
    given_up = cut_off.wait()  # nothing answers until the deadline
    assert given_up.status_code == 503
    made = given_up.headers["Idempotency-Key"]
    assert [e.metadata["idempotency_key"] for e in figures_recorded(store)] == [made]

    assessment()
    retried = send(client, "PUT", FIGURES_URL, FIGURES, made)
    assert retried.status_code == 200 and retried.headers["Idempotent-Replayed"] == "true"
    assert len(figures_recorded(store)) == 1

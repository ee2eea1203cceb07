"""The real services: a decision made in the assessment service reaches the public record
over the broker within seconds, and a survey result joins it."""

import subprocess
import time
import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from kernel import clock
from kernel.errors import NotFound
from rules.criteria import load_builtin_sets
from services.assessment.service import AssessmentService
from services.publication.service import PublicationService
from services.survey.service import SurveyService
from tests.conftest import BROKER_HOST
from tests.support.assessment_figures import full_figures

pytestmark = pytest.mark.broker
DONG_QUANG, YEAR = "16426", 2022
CONTEXT = {"actor": {"subject": "officer@dong-quang", "role": "commune_officer",
                     "jurisdiction": {"province": "38", "district": "405", "commune": DONG_QUANG}}}


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@pytest.fixture
def own_vhost(amqp_uri):
    """A vhost of its own (next to the session's): the assessment service's durable queues
    must not hold another module's events, nor be declared with other settings."""
    vhost = f"tcpl-test-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield f"amqp://guest:guest@{BROKER_HOST}/{quote(vhost, safe='')}"
    _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def services(own_vhost, runner_factory, tmp_path):
    amqp_uri = own_vhost
    config = {"AMQP_URI": amqp_uri,
              "DATABASES": {name: f"sqlite:///{tmp_path}/{name}.sqlite"
                            for name in ("assessment", "survey", "publication")}}
    runner_factory(config, AssessmentService, SurveyService, PublicationService).start()
    with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=30) as proxy:
        yield proxy.assessment, proxy.publication


def wait_for(check, timeout):
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except NotFound:
            found = None
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_decision_appears_in_the_commune_record_within_seconds(services):
    assessment, publication = services
    criteria_set = load_builtin_sets()[("25-2021", 2)]

    def run(command, **arguments):
        return assessment.run_command(DONG_QUANG, YEAR, command, arguments, None, CONTEXT)

    assessment.open_assessment(DONG_QUANG, YEAR, CONTEXT)
    for indicator in criteria_set.indicators():
        run("record_figures", indicator_id=indicator.id, figures=full_figures(indicator))
    run("declare_conditions", declarations={"no_head_disciplined": True})
    run("submit_self_assessment")
    run("start_posting", start=f"{YEAR}-12-15", channel="portal")
    posted = wait_for(lambda: publication.commune_record(DONG_QUANG), 15)
    assert posted and posted["years"][0]["scores"]["basis"] == "self"
    run("end_posting", today=f"{YEAR}-12-21")
    run("submit_dossier", submitted_on=f"{YEAR}-12-28")
    run("pass_check", checked_on=f"{YEAR + 1}-01-03")
    run("start_appraisal", started_on=f"{YEAR + 1}-01-05", council_size=1, method="written")
    run("record_opinion", member_name="A", role="chair", opinion="agree", given_by="writing")
    for indicator in criteria_set.indicators():
        run("appraise_indicator", indicator_id=indicator.id, points=format(indicator.max, "f"),
            reason="checked")
    run("complete_appraisal", completed_on=f"{YEAR + 1}-01-10")
    decided_on = clock.now().date() - timedelta(days=1)
    run("decide", recognised=True, decision_number="123/QĐ-UBND", decision_date=decided_on.isoformat())
    started = time.monotonic()

    def decided():
        year = publication.commune_record(DONG_QUANG)["years"][0]
        return year if year["decision"] else None

    year = wait_for(decided, 10)
    assert year is not None, "the decision never reached the public record"
    assert time.monotonic() - started < 10
    assert year["status"] == "recognised" and year["decision"]["decision_number"] == "123/QĐ-UBND"
    assert year["scores"]["basis"] == "appraised" and year["scores"]["total"] == "100.00"
    assert year["decision"]["late_publication"] is False
    found = publication.search_communes("Dong Quang")
    assert found["total"] == 1 and found["items"][0]["status"] == "recognised"
    assert publication.years() == [YEAR]
    assert publication.province_overview("38", YEAR)["recognised"] == 1
    assert publication.decisions("38", YEAR)["recognised"][0]["commune_code"] == DONG_QUANG
    bundle = publication.export_bundle("38", YEAR)
    assert len(bundle["events"]) == assessment.assessment_events(DONG_QUANG, YEAR).__len__()
    # a rebuild from the services' logs over RPC gives the same record
    before = publication.commune_record(DONG_QUANG)
    assert publication.rebuild("publication_record") > 0
    assert publication.commune_record(DONG_QUANG) == before

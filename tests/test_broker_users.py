"""The broker refuses forgers in the first place: every process has its own RabbitMQ user,
whose permissions and topic permissions (kernel/broker_access.py) let it publish its own
events, reach its own queues and answer calls, and nothing else. The users are created on
a throwaway vhost from the same definitions `make run` and the compose file load, with
names of the test's own (users are global to the broker), and deleted afterwards."""

import json
import stat
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

import amqp
import eventlet
import pytest
import requests
from nameko.standalone.rpc import ClusterRpcProxy

from gateway.service import GatewayService
from kernel import broker_access, clock, messaging
from kernel.events import RecordedEvent
from services.accounts.service import AccountsService
from services.assessment.service import AssessmentService
from services.publication.service import PublicationService
from services.survey.service import SurveyService
from tests.gateway.conftest import gateway_config
from tests.support import forgery
from tests.support.cycle import appraise

pytestmark = pytest.mark.broker
ROOT = Path(__file__).resolve().parents[1]
DONG_QUANG, YEAR = "16426", 2022
CONTEXT = {"actor": {"subject": "officer@dong-quang", "role": "commune_officer",
                     "jurisdiction": {"province": "38", "district": "405", "commune": DONG_QUANG}}}


def _rabbitmqctl(*args, stdin=None):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60,
                   stdin=stdin)


def _delete_users(prefix, check=True):
    """Every process's user, with one rabbitmqctl each, all at once (each takes a second)."""
    deleting = [subprocess.Popen(["rabbitmqctl", "-q", "delete_user",
                                  broker_access.user_name(process, prefix)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for process in broker_access.PROCESSES]
    failed = []
    for command in deleting:
        _out, err = command.communicate(timeout=60)
        if command.returncode:
            failed.append(f"{command.args[-1]}: {err.decode(errors='replace').strip()}")
    assert not (check and failed), failed


@pytest.fixture
def users(own_amqp_uri, tmp_path):
    """{process: its AMQP URI} for users made from the definitions, on the test's vhost."""
    prefix = f"tcpl-t{uuid.uuid4().hex[:8]}-"
    passwords = broker_access.new_passwords()
    vhost = unquote(urlsplit(own_amqp_uri).path[1:])
    path = tmp_path / "definitions.json"
    broker_access.write_file(path, json.dumps(broker_access.definitions(passwords, vhost, prefix)))
    with path.open("rb") as definitions:  # read by us: rabbitmqctl may run as the broker's user
        _rabbitmqctl("import_definitions", "--format", "json", stdin=definitions)
    try:
        yield {process: broker_access.uri_for(own_amqp_uri, process, password, prefix)
               for process, password in passwords.items()}
    finally:
        _delete_users(prefix)


def refused(uri, attempt) -> str:
    """Run ``attempt(channel)`` as the user of ``uri``; the broker must refuse it (it closes
    the channel with 403 ACCESS_REFUSED). Returns the broker's reason."""
    connection = messaging.connect(uri)
    try:
        channel = connection.channel()
        channel.confirm_select()
        with pytest.raises(amqp.exceptions.AccessRefused) as caught:
            attempt(channel)
            channel.basic_qos(0, 1, False)  # a round trip: a refused publish closes the channel
        return str(caught.value)
    finally:
        connection.close()


def allowed(uri, attempt) -> None:
    connection = messaging.connect(uri)
    try:
        channel = connection.channel()
        channel.confirm_select()
        attempt(channel)
        channel.basic_qos(0, 1, False)
    finally:
        connection.close()


def publish(exchange, key):
    return lambda channel: channel.basic_publish(amqp.Message("{}"), exchange, key)


def own_queue(name, exchange, key):
    def attempt(channel):
        channel.queue_declare(name, durable=False, auto_delete=True)
        channel.queue_bind(name, exchange, key)
    return attempt


def test_given_a_services_user_then_it_reaches_its_own_names_only(users):
    survey = users["survey"]
    allowed(survey, publish(messaging.EVENTS_EXCHANGE, "survey.CampaignOpened"))
    allowed(survey, own_queue("survey.probe", messaging.EVENTS_EXCHANGE, "assessment.#"))
    # Another service's events, on the exchange or around it.
    assert "ACCESS_REFUSED" in refused(
        survey, publish(messaging.EVENTS_EXCHANGE, "assessment.RecognitionDecided"))
    refused(survey, publish("", "publication.publication_record"))
    refused(survey, publish(messaging.QUEUES_EXCHANGE, "publication.publication_record"))
    refused(survey, own_queue("survey.tap", messaging.QUEUES_EXCHANGE,
                              "publication.publication_record"))
    refused(survey, lambda channel: channel.basic_consume("publication.publication_record"))
    # The shared exchanges: recreated as another type, one would route without topic checks.
    refused(survey, lambda channel: channel.exchange_delete(messaging.EVENTS_EXCHANGE))
    refused(survey, lambda channel: channel.exchange_declare(
        messaging.EVENTS_EXCHANGE, "topic", durable=True, auto_delete=False,
        arguments={"alternate-exchange": messaging.UNROUTED_EXCHANGE}))
    # RPC: another service's commands, and calls meant for another service.
    allowed(survey, publish(broker_access.RPC_EXCHANGE, "assessment.event_hashes"))
    refused(survey, publish(broker_access.RPC_EXCHANGE, "assessment.run_command"))
    refused(survey, own_queue("rpc-survey", broker_access.RPC_EXCHANGE, "assessment.*"))
    # The accounts service: its own events; nobody but the gateway may ask it who a session
    # is, or sign anyone in.
    allowed(users["accounts"], publish(messaging.EVENTS_EXCHANGE, "accounts.SignedIn"))
    refused(users["accounts"], publish(broker_access.RPC_EXCHANGE, "assessment.run_command"))
    refused(survey, publish(broker_access.RPC_EXCHANGE, "accounts.authenticate_session"))
    refused(survey, publish(broker_access.RPC_EXCHANGE, "accounts.sign_in"))
    # The gateway calls anyone, and publishes no event.
    allowed(users["gateway"], publish(broker_access.RPC_EXCHANGE, "assessment.run_command"))
    allowed(users["gateway"], publish(broker_access.RPC_EXCHANGE, "accounts.authenticate_session"))
    refused(users["gateway"], publish(messaging.EVENTS_EXCHANGE, "gateway.Anything"))


@pytest.fixture
def platform(users, own_amqp_uri, runner_factory, tmp_path):
    """The assessment, survey, publication and accounts services and the gateway, each as its
    own user."""
    runners = [runner_factory({"AMQP_URI": users[service.name], "RETRY_DELAY_MS": 200,
                               "DATABASES": {service.name: f"sqlite:///{tmp_path}/{service.name}.sqlite"}},
                              service)
               for service in (AssessmentService, SurveyService, PublicationService,
                               AccountsService)]
    gateway = gateway_config(users["gateway"])
    runners.append(runner_factory(gateway, GatewayService))
    for runner in runners:
        runner.start()
    # The test itself calls as an operator would, with the vhost's administrator.
    with ClusterRpcProxy({"AMQP_URI": own_amqp_uri}, timeout=30) as proxy:
        yield proxy, "http://" + gateway["WEB_SERVER_ADDRESS"]
    # before their users are deleted; at once, as each takes a second or more
    for stopping in [eventlet.spawn(runner.stop) for runner in runners]:
        stopping.wait()


def wait_for(check, timeout=15):
    deadline = time.monotonic() + timeout
    while not (found := check()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found


def test_given_a_user_per_process_then_the_platform_works_and_forgers_are_refused(users, platform):
    proxy, gateway = platform
    run = appraise(proxy.assessment, DONG_QUANG, YEAR, CONTEXT)
    last = RecordedEvent.from_message(proxy.assessment.assessment_events(DONG_QUANG, YEAR)[-1])
    assert wait_for(lambda: proxy.publication.search_communes("Dong Quang")["total"] == 1)
    before = proxy.publication.commune_record(DONG_QUANG)

    # The forgery verification alone could not tell: the stream's next event, linked to the
    # last one, with a correct hash. Only the assessment service's user may publish it.
    linked = forgery.rehashed(last, id=str(uuid.uuid4()), type="RecognitionDecided",
                              version=last.version + 1, position=last.position + 1,
                              prev_hash=last.hash, data={"recognised": True})
    for process in ("survey", "publication", "plans", "gateway"):
        refused(users[process], lambda channel: channel.basic_publish(
            messaging.events_message([linked.to_message()]), messaging.EVENTS_EXCHANGE,
            "assessment.RecognitionDecided"))
    # Publication's own credential reaches its own queue, but not as an event of the
    # exchange: the event is re-read from the assessment log, and refused.
    forgery.publish(users["publication"], [linked], "publication.publication_record",
                    exchange=messaging.QUEUES_EXCHANGE)
    letters = wait_for(lambda: proxy.publication.dead_letters("publication.publication_record"))
    assert [letter["rejected"] for letter in letters] == ["not_in_log"]
    assert proxy.publication.commune_record(DONG_QUANG) == before

    # Meanwhile everything genuine works: commands, events, re-reads over RPC, the gateway.
    run("decide", recognised=True, decision_number="123/QĐ-UBND",
        decision_date=(clock.now().date() - timedelta(days=1)).isoformat())
    assert wait_for(lambda: proxy.publication.commune_record(DONG_QUANG)["years"][0]["decision"])
    health = requests.get(f"{gateway}/health", timeout=10).json()
    services = health["services"]
    assert services["assessment"]["status"] == "up" and services["survey"]["status"] == "up"
    assert services["accounts"]["status"] == "up"
    assert services["publication"]["subscriptions"]["publication.publication_record"][
        "dead_letters"] == 1  # the forgery, parked


def test_make_run_keeps_the_passwords_private_and_starts_each_process_as_its_user(own_amqp_uri,
                                                                                  tmp_path):
    """What scripts/run.sh does: scripts/broker_users.py, then rabbitmqctl import_definitions."""
    prefix = f"tcpl-t{uuid.uuid4().hex[:8]}-"
    command = [sys.executable, "-m", "scripts.broker_users", "--var", str(tmp_path),
               "--amqp-uri", own_amqp_uri, "--user-prefix", prefix]
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=60, cwd=ROOT)
        passwords = (tmp_path / "broker-passwords.json").read_text()
        subprocess.run(command, check=True, capture_output=True, timeout=60, cwd=ROOT)
        assert (tmp_path / "broker-passwords.json").read_text() == passwords  # kept, not remade
        for name in ("broker-passwords.json", "broker-definitions.json", "amqp-uris"):
            assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name
        with (tmp_path / "broker-definitions.json").open("rb") as definitions:
            _rabbitmqctl("import_definitions", "--format", "json", stdin=definitions)
        uris = dict(line.split(" ", 1) for line in
                    (tmp_path / "amqp-uris").read_text().splitlines())
        assert set(uris) == set(broker_access.PROCESSES)
        for process in broker_access.SERVICES:
            assert urlsplit(uris[process]).username == f"{prefix}{process}"
            assert urlsplit(uris[process]).path == urlsplit(own_amqp_uri).path
            allowed(uris[process], publish(messaging.EVENTS_EXCHANGE, f"{process}.Something"))
            refused(uris[process], publish(messaging.EVENTS_EXCHANGE, "other.Something"))
    finally:
        _delete_users(prefix, check=False)  # (those the test did not get to create)

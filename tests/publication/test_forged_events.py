"""The attack of issue 14: someone who can publish to RabbitMQ sends the publication service a
``RecognitionDecided`` the assessment service never recorded. The real services run; the
forgeries go straight to ``tcpl.events`` with py-amqp. None may change the public record:
each lands in the dead-letter queue with its reason and ``health`` says so, while genuine
events keep flowing and are applied exactly once."""

import time
import uuid
from datetime import timedelta

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from kernel import clock
from kernel.errors import NotFound
from kernel.events import RecordedEvent
from services.assessment.service import AssessmentService
from services.publication.service import PublicationService
from services.survey.service import SurveyService
from tests.support import forgery
from tests.support.cycle import appraise

pytestmark = pytest.mark.broker
DONG_QUANG, YEAR = "16426", 2022
QUEUE = "publication.publication_record"
CONTEXT = {"actor": {"subject": "officer@dong-quang", "role": "commune_officer",
                     "jurisdiction": {"province": "38", "district": "405", "commune": DONG_QUANG}}}


@pytest.fixture
def platform(own_amqp_uri, runner_factory, tmp_path, database_url):
    """The publication record on each database; its sources on SQLite files."""
    config = {"AMQP_URI": own_amqp_uri, "RETRY_DELAY_MS": 200,
              "DATABASES": {"assessment": f"sqlite:///{tmp_path}/assessment.sqlite",
                            "survey": f"sqlite:///{tmp_path}/survey.sqlite",
                            "publication": database_url}}
    runner_factory(config, AssessmentService, SurveyService, PublicationService).start()
    with ClusterRpcProxy({"AMQP_URI": own_amqp_uri}, timeout=30) as proxy:
        yield own_amqp_uri, proxy.assessment, proxy.publication


def wait_for(check, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except NotFound:
            found = None
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def genuine_events(assessment) -> list[RecordedEvent]:
    return [RecordedEvent.from_message(m) for m in assessment.assessment_events(DONG_QUANG, YEAR)]


def published_entries(publication) -> list[dict]:
    """The publication service's own log: an EntryPublished for every public entry."""
    return publication.events_after(0, 5000)["events"]


def test_forged_decisions_change_nothing_and_are_parked_with_their_reason(platform):
    amqp_uri, assessment, publication = platform
    run = appraise(assessment, DONG_QUANG, YEAR, CONTEXT)
    last = genuine_events(assessment)[-1]
    assert last.type == "AppraisalCompleted"
    assert wait_for(lambda: publication.commune_record(DONG_QUANG)["years"][0]["scores"]["basis"]
                    == "appraised")
    record_before = publication.commune_record(DONG_QUANG)
    entries_before = published_entries(publication)

    decision = {"recognised": True, "decision_number": "99/QĐ-UBND",
                "decision_date": f"{YEAR + 1}-01-20", "due_before": f"{YEAR + 1}-02-01",
                "late": False, "publication_due": f"{YEAR + 1}-01-27"}
    next_event = {"id": str(uuid.uuid4()), "type": "RecognitionDecided", "data": decision,
                  "version": last.version + 1, "position": last.position + 1}
    # 1. The attack as it was seen: the next event of the stream, with a made-up hash.
    made_up = forgery.edited(last, **next_event, prev_hash=last.hash, hash="ab" * 32)
    # 2. A correct hash of the forger's own content: the assessment log has no such event.
    not_in_log = forgery.rehashed(last, **next_event, prev_hash="f" * 64)
    # 3. A genuine event with an edited body, under its original hash.
    edited = forgery.edited(last, data={**last.data, "total": "100.00", "present": 9})
    # 4. An assessment event sent under a routing key of the survey, which publication reads.
    other_route = forgery.rehashed(last, **next_event, prev_hash="e" * 64)
    for event, key in ((made_up, "assessment.RecognitionDecided"),
                       (not_in_log, "assessment.RecognitionDecided"),
                       (edited, "assessment.AppraisalCompleted"),
                       (other_route, "survey.SatisfactionResultComputed")):
        forgery.publish(amqp_uri, [event], key)

    def parked():
        report = publication.health()["subscriptions"][QUEUE]
        return report if report["dead_letters"] == 4 else None

    report = wait_for(parked)
    assert report, publication.health()
    assert report["rejected"] == 4
    assert report["last_rejected"]["reason"] in {"hash_mismatch", "not_in_log", "wrong_route"}
    assert report["last_rejected"]["source"] == "assessment"
    health = publication.health()
    assert health["status"] == "degraded"

    letters = publication.dead_letters(QUEUE)
    assert sorted((letter["event_id"], letter["rejected"]) for letter in letters) == sorted([
        (made_up.id, "hash_mismatch"), (not_in_log.id, "not_in_log"),
        (edited.id, "hash_mismatch"), (other_route.id, "wrong_route")])
    assert all(letter["attempts"] == 1 and letter["error"].startswith("UnverifiedEvent: ")
               for letter in letters)
    # Nothing changed: no decision, no entry published, not even a note in the change log.
    assert publication.commune_record(DONG_QUANG) == record_before
    assert published_entries(publication) == entries_before
    assert publication.search_communes("Dong Quang")["items"][0]["status"] != "recognised"

    # The genuine decision still flows, and is applied once.
    decided_on = clock.now().date() - timedelta(days=1)
    run("decide", recognised=True, decision_number="123/QĐ-UBND",
        decision_date=decided_on.isoformat())

    def decided():
        year = publication.commune_record(DONG_QUANG)["years"][0]
        return year if year["decision"] else None

    year = wait_for(decided)
    assert year and year["status"] == "recognised"
    assert year["decision"]["decision_number"] == "123/QĐ-UBND"
    genuine_decision = genuine_events(assessment)[-1]
    assert genuine_decision.type == "RecognitionDecided"

    # A redelivered genuine event is verified (re-read: it does not link) and skipped.
    entries = published_entries(publication)
    forgery.publish(amqp_uri, [genuine_decision], "assessment.RecognitionDecided")
    time.sleep(1.5)
    assert published_entries(publication) == entries
    assert publication.commune_record(DONG_QUANG)["years"][0] == year
    assert publication.health()["subscriptions"][QUEUE]["dead_letters"] == 4
    decisions = [e for e in entries if e["type"] == "EntryPublished"
                 and e["data"]["source"]["event_id"] == genuine_decision.id]
    assert len(decisions) == 1
    assert not any(e["data"]["source"]["event_id"] in {made_up.id, not_in_log.id, other_route.id}
                   for e in entries)

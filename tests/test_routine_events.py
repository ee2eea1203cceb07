"""No routine event lands in ``tcpl.unrouted`` (issue 14: it grew to 400+ messages in one
afternoon): a service publishes only the event types other services subscribe to, and a
normal cycle of every service leaves the queue empty."""

import time
from datetime import timedelta
from pathlib import Path

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from kernel import clock, messaging
from kernel.errors import NotFound
from kernel.nameko import EventStoreProvider, Subscription
from kernel.projection import event_types_of
from services.assessment.service import AssessmentService
from services.plans.service import PlansService
from services.publication.service import PublicationService
from services.survey.questionnaires import DEFAULT_ID
from services.survey.service import SurveyService
from tests.support.cycle import appraise
from tests.survey.support import full_answers, new_id

SERVICES = (AssessmentService, PlansService, PublicationService, SurveyService)
DONG_QUANG, YEAR = "16426", 2022
OFFICER = {"actor": {"subject": "officer@dong-quang", "role": "commune_officer",
                     "jurisdiction": {"province": "38", "district": "405", "commune": DONG_QUANG}}}
JUSTICE = {"actor": {"subject": "tuphap@lai-chau", "role": "justice_officer",
                     "jurisdiction": {"province": "12"}}}
LAI_CHAU_PLAN = Path("/work/shared/seeds/lai-chau-2021-plan.md")


def declared(service_cls, kind):
    return [value for value in vars(service_cls).values() if isinstance(value, kind)]


def test_every_type_a_subscription_binds_is_published_by_its_source():
    published = {cls.name: declared(cls, EventStoreProvider)[0].published_types
                 for cls in SERVICES}
    for cls in SERVICES:
        for subscription in declared(cls, Subscription):
            projection = subscription.projection
            for source in projection.sources:
                types = event_types_of(projection, source)
                if published[source] is None:
                    continue
                assert types is not None, f"{projection.name} takes all of {source}'s events"
                assert set(types) <= set(published[source]), (projection.name, source)


@pytest.mark.broker
def test_a_normal_cycle_leaves_tcpl_unrouted_empty(own_amqp_uri, runner_factory, tmp_path):
    config = {"AMQP_URI": own_amqp_uri, "SURVEY_MIN_ANSWERS": 1,
              "DATABASES": {cls.name: f"sqlite:///{tmp_path}/{cls.name}.sqlite"
                            for cls in SERVICES}}
    runner_factory(config, *SERVICES).start()
    today = clock.now().date()
    with ClusterRpcProxy({"AMQP_URI": own_amqp_uri}, timeout=30) as proxy:
        # The survey: a kiosk, a campaign, codes, answers, the result.
        kiosk = proxy.survey.register_kiosk({"commune_code": DONG_QUANG, "label": "Một cửa"},
                                            OFFICER)
        campaign_id = f"{DONG_QUANG}-{YEAR}"
        proxy.survey.open_campaign({"commune_code": DONG_QUANG, "period": str(YEAR),
                                    "target_sample": 3,
                                    "opens_on": (today - timedelta(days=1)).isoformat(),
                                    "closes_on": (today + timedelta(days=30)).isoformat()},
                                   OFFICER)
        [code] = proxy.survey.issue_codes(campaign_id, 1, OFFICER)["codes"]
        for level, with_code in ((5, code), (4, None), (2, None)):
            proxy.survey.submit_response(kiosk["token"], {
                "response_id": new_id(), "campaign_id": campaign_id, "code": with_code,
                "questionnaire_id": DEFAULT_ID, "questionnaire_version": 1,
                "answers": full_answers(level)})
        proxy.survey.close_campaign(campaign_id, OFFICER)
        # The assessment, to the chairman's decision, which publication publishes.
        run = appraise(proxy.assessment, DONG_QUANG, YEAR, OFFICER)
        run("decide", recognised=True, decision_number="1/QĐ-UBND",
            decision_date=(today - timedelta(days=1)).isoformat())
        # A plan, from its draft to progress on a task linked to the assessment.
        plan = proxy.plans.import_plan(LAI_CHAU_PLAN.read_text(encoding="utf-8"), "lai-chau.md",
                                       {"province": "12"}, "text", JUSTICE)
        plan_id = plan["plan_id"]
        proxy.plans.review_plan(plan_id, "Đã rà soát", None, JUSTICE)
        proxy.plans.issue_plan(plan_id, "1234/KH-UBND", "2021-09-10", None, JUSTICE)
        proxy.plans.report_progress(plan_id, "1.1", None, "in_progress", 40, "Đang soạn", None,
                                    JUSTICE)
        proxy.plans.link_task(plan_id, "1.1", "12", None, 2021, "decided", JUSTICE)

        def settled():
            try:
                year = proxy.publication.commune_record(DONG_QUANG)["years"][0]
            except NotFound:  # the publication has not applied the posting yet
                return False
            healths = [getattr(proxy, cls.name).health() for cls in SERVICES]
            return (year["decision"] and year["satisfaction"]
                    and all(h["outbox_pending"] == 0 for h in healths))

        deadline = time.monotonic() + 30
        while not settled():
            assert time.monotonic() < deadline, "the cycle never settled"
            time.sleep(0.2)
        published = proxy.publication.events_after(0, 100)["events"]
    assert any(e["type"] == "EntryPublished" for e in published)
    connection = messaging.connect(own_amqp_uri)
    try:
        unrouted = connection.channel().queue_declare(messaging.UNROUTED_QUEUE, passive=True)
    finally:
        connection.close()
    assert unrouted.message_count == 0

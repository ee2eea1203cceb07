"""The survey's use cases on a real store, SQLite and PostgreSQL: idempotent and
conflicting submissions, codes, and the result computed at closing."""

import re
from datetime import date

import eventlet
import pytest

from contracts.survey import (
    CampaignClosed,
    CodeInvalid,
    CodeUsed,
    KioskRevoked,
    ResponseConflict,
    TooManyRequests,
)
from kernel.errors import Forbidden, IllegalTransition, NotFound, Unauthorised, ValidationFailed
from kernel.events import Actor, Metadata
from services.survey.application import SurveyApp
from services.survey.campaigns import RESULT_COMPUTED
from services.survey.kiosks import CODE_REDEEMED
from services.survey.questionnaires import DEFAULT_ID
from services.survey.responses import RESPONSE_SUBMITTED
from services.survey.responses import stream_name as response_stream
from tests.support.stores import open_store
from tests.survey.support import full_answers, limiter, new_id

TODAY = date(2025, 6, 15)
META = Metadata(actor=Actor("officer@test", "commune_officer", {"commune": "00004"}))


@pytest.fixture
def store(database_url):
    store = open_store(database_url, source="survey")
    yield store
    store.dispose()


@pytest.fixture
def app(store):
    return SurveyApp(store, limiter=limiter(), min_answers=30, today=lambda: TODAY)


@pytest.fixture
def kiosk(app):
    return app.register_kiosk({"commune_code": "00004", "label": "Quầy Một cửa số 1"}, META)


@pytest.fixture
def campaign(app):
    return app.open_campaign({"commune_code": "00004", "period": "2025",
                              "last_year_cases": 200, "opens_on": "2025-06-01",
                              "closes_on": "2025-06-30"}, META)


def response(rid=None, level=5, **extra):
    return {"response_id": rid or new_id(), "campaign_id": "00004-2025",
            "questionnaire_id": DEFAULT_ID, "questionnaire_version": 1,
            "answers": full_answers(level), **extra}


def test_a_campaign_uses_the_built_in_questionnaire_and_15_percent_of_last_year(campaign):
    assert campaign["questionnaire_id"] == DEFAULT_ID and campaign["questionnaire_version"] == 1
    assert campaign["target_sample"] == 30 and campaign["state"] == "open"
    assert campaign["accepting"] is True
    assert campaign["questionnaire"]["scale"][0] == {"value": 1, "label": "Rất không hài lòng"}


def test_publishing_a_new_version_leaves_the_campaigns_version_alone(app, campaign):
    app.publish_questionnaire({"questionnaire_id": DEFAULT_ID, "title": "Phiếu mới",
                               "questions": [{"id": "chung", "text": "Ông/Bà hài lòng không?",
                                              "kind": "scale5"}]}, META)
    assert app.get_questionnaire(DEFAULT_ID, None)["version"] == 2
    assert app.get_campaign("00004-2025")["questionnaire"]["version"] == 1
    assert len(app.get_questionnaire(DEFAULT_ID, 1)["questions"]) == 6


def test_same_id_and_content_is_accepted_once_and_answered_alike(app, store, kiosk, campaign):
    body = response()
    first = app.submit(kiosk["token"], body)
    again = app.submit(kiosk["token"], dict(body))
    assert first["result"] == "accepted" and again["result"] == "duplicate"
    assert {**again, "result": "accepted"} == first
    [event] = store.read_stream(response_stream(body["response_id"]))
    assert event.id == body["response_id"] and event.type == RESPONSE_SUBMITTED
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", event.metadata["recorded_at"])  # the day only
    assert app.results("00004-2025")["responses"] == 1


def test_same_id_and_other_content_is_a_conflict(app, store, kiosk, campaign):
    body = response()
    app.submit(kiosk["token"], body)
    with pytest.raises(ResponseConflict) as refused:
        app.submit(kiosk["token"], {**body, "answers": full_answers(1)})
    assert (refused.value.code, refused.value.http_status) == ("response_conflict", 409)
    assert len(store.read_stream(response_stream(body["response_id"]))) == 1


def test_a_race_between_two_deliveries_of_one_response_ends_in_one_event(
        app, store, kiosk, campaign, monkeypatch):
    body = response()
    app.submit(kiosk["token"], body)
    # The second delivery read the stream before the first committed: it finds out on append.
    real = store.read_stream
    calls = []

    def read_stream(stream, *args, **kwargs):
        if stream == response_stream(body["response_id"]) and not calls:
            calls.append(stream)
            return []
        return real(stream, *args, **kwargs)

    monkeypatch.setattr(store, "read_stream", read_stream)
    assert app.submit(kiosk["token"], body)["result"] == "duplicate"
    calls.clear()
    with pytest.raises(ResponseConflict):
        app.submit(kiosk["token"], {**body, "answers": full_answers(2)})


def test_unknown_fields_and_personal_data_are_refused(app, kiosk, campaign):
    with pytest.raises(ValidationFailed) as refused:
        app.submit(kiosk["token"], response(phone="0912345678"))
    assert refused.value.details["fields"] == {"phone": ["Unknown field."]}
    with pytest.raises(ValidationFailed):
        app.submit(kiosk["token"], {**response(), "answers": {**full_answers(), "gop-y": "x" * 501}})


def test_kiosks_are_checked(app, kiosk, campaign):
    other = app.register_kiosk({"commune_code": "00070", "label": "Phường khác"}, META)
    with pytest.raises(Forbidden):
        app.submit(other["token"], response())
    with pytest.raises(Unauthorised):
        app.submit(kiosk["token"][:-2] + "xx", response())
    app.revoke_kiosk(kiosk["kiosk_id"], "Thiết bị bị mất", META)
    with pytest.raises(KioskRevoked):
        app.submit(kiosk["token"], response())
    assert app.kiosk(kiosk["kiosk_id"]).to_dict()["state"] == "revoked"
    assert "token" not in app.kiosk(kiosk["kiosk_id"]).to_dict()


def test_a_single_use_code_binds_exactly_one_response(app, store, kiosk):
    app.open_campaign({"commune_code": "00004", "period": "2025", "target_sample": 1,
                       "require_code": True, "opens_on": "2025-06-01",
                       "closes_on": "2025-06-30"}, META)
    [code] = app.issue_codes("00004-2025", 1, META)["codes"]
    with pytest.raises(CodeInvalid):
        app.submit(kiosk["token"], response())
    with pytest.raises(CodeInvalid):
        app.submit(kiosk["token"], response(code="AAAA-BBBB-CCCC"))
    first = response(code=code.lower())
    assert app.submit(kiosk["token"], first)["result"] == "accepted"
    assert app.submit(kiosk["token"], first)["result"] == "duplicate"
    with pytest.raises(CodeUsed):
        app.submit(kiosk["token"], response(code=code))


def test_two_responses_racing_for_one_code_leave_one_response(app, store, kiosk, monkeypatch):
    app.open_campaign({"commune_code": "00004", "period": "2025", "target_sample": 1,
                       "opens_on": "2025-06-01", "closes_on": "2025-06-30"}, META)
    [code] = app.issue_codes("00004-2025", 1, META)["codes"]
    app.submit(kiosk["token"], response(code=code))
    real = store.read_stream

    def stale(stream, *args, **kwargs):  # the loser read the code before the winner's commit
        events = real(stream, *args, **kwargs)
        return [e for e in events if e.type != CODE_REDEEMED]

    monkeypatch.setattr(store, "read_stream", stale)
    loser = response(code=code)
    with pytest.raises(CodeUsed):
        app.submit(kiosk["token"], loser)
    monkeypatch.undo()
    assert store.read_stream(response_stream(loser["response_id"])) == []


def test_the_rate_limit_refuses_new_responses_but_not_replays(store, kiosk, campaign):
    app = SurveyApp(store, limiter=limiter(2), today=lambda: TODAY)
    body = response()
    app.submit(kiosk["token"], body)
    app.submit(kiosk["token"], response())
    assert app.submit(kiosk["token"], body)["result"] == "duplicate"
    with pytest.raises(TooManyRequests):
        app.submit(kiosk["token"], response())


def test_a_batch_reports_each_item(app, kiosk, campaign):
    accepted = response()
    app.submit(kiosk["token"], accepted)
    conflicting = {**accepted, "answers": full_answers(3)}
    fresh, invalid = response(), {**response(), "answers": {"cong-khai": 9}}
    outcome = app.submit_batch(kiosk["token"], [fresh, accepted, conflicting, invalid, "junk"])
    assert [r["result"] for r in outcome["results"]] == [
        "accepted", "duplicate", "conflict", "refused", "refused"]
    assert outcome["results"][2]["error"] == "response_conflict"
    assert outcome["results"][3]["error"] == "validation_failed"
    assert outcome["results"][3]["response_id"] == invalid["response_id"]
    assert outcome["summary"] == {"accepted": 1, "duplicate": 1, "conflict": 1, "refused": 2}
    with pytest.raises(ValidationFailed):
        app.submit_batch(kiosk["token"], [])


def test_closing_computes_the_result_once_from_responses_before_the_close(
        app, store, kiosk, campaign):
    levels = [5] * 25 + [4] * 4 + [2] * 2 + [1]  # 32 responses, 29 satisfied each question
    for level in levels:
        app.submit(kiosk["token"], response(level=level))
    live = app.results("00004-2025")
    assert (live["final"], live["responses"], live["overall"]["published"]) == (False, 32, True)

    closed = app.close_campaign("00004-2025", META)
    result = closed["result"]
    assert closed["campaign"]["state"] == "closed"
    assert result["overall"]["rate_percent"] == "90.63"  # 145 / 160
    assert result["questions"][0]["counts"] == {"1": 1, "2": 2, "3": 0, "4": 4, "5": 25}
    assert (result["target_sample"], result["target_met"]) == (30, True)

    [event] = store.read_all(types=[RESULT_COMPUTED])
    assert event.data == {
        "campaign_id": "00004-2025", "commune_code": "00004", "period": "2025",
        "questionnaire_id": DEFAULT_ID, "questionnaire_version": 1, "responses": 32,
        "valid_answers": 160, "satisfied": 145, "rate_percent": "90.63", "target_sample": 30,
        "target_met": True, "min_answers": 30, "published": True, "reason": None,
        "flags": [], "burst_rule": {"kiosk_day_max": 50, "factor": 5, "min_responses": 10}}

    with pytest.raises(IllegalTransition):
        app.close_campaign("00004-2025", META)
    with pytest.raises(CampaignClosed):
        app.submit(kiosk["token"], response())
    app.record_result("00004-2025", META)  # completing a close again records nothing new
    assert len(store.read_all(types=[RESULT_COMPUTED])) == 1


def test_the_read_model_rebuilds_to_the_same_result(app, store, kiosk, campaign):
    for level in [5, 4, 3, 2, 1] * 7:
        app.submit(kiosk["token"], response(level=level))
    app.close_campaign("00004-2025", META)
    before = app.results("00004-2025")
    assert app.processor.rebuild() >= 35
    assert app.results("00004-2025") == before
    assert before["overall"]["rate_percent"] == "40.00"


def test_a_response_that_commits_after_the_close_is_not_counted(app, store, kiosk, campaign):
    for _ in range(3):
        app.submit(kiosk["token"], response())
    late = response()
    # It passed the open check just before the close committed, and was appended after it.
    real_campaign = app.campaign
    open_state = real_campaign("00004-2025")
    app.close_campaign("00004-2025", META)
    app.campaign = lambda cid: open_state
    app.submit(kiosk["token"], late)
    app.campaign = real_campaign
    result = app.results("00004-2025")
    assert (result["responses"], result["late_responses"]) == (3, 1)


def test_unknown_things_are_not_found(app):
    for call in (lambda: app.get_campaign("00004-2030"), lambda: app.results("x"),
                 lambda: app.get_questionnaire("khong-co", None), lambda: app.kiosk("0" * 32).to_dict()):
        with pytest.raises(NotFound):
            call()


def test_many_kiosks_at_once_with_redeliveries_record_each_response_once(app, store, campaign):
    kiosks = [app.register_kiosk({"commune_code": "00004", "label": f"Quầy {n}"}, META)
              for n in range(4)]
    bodies = [(kiosk["token"], response(level=1 + n % 5)) for kiosk in kiosks for n in range(10)]
    # every response is delivered twice, interleaved, from concurrent workers
    deliveries = bodies + bodies[::-1]
    pool = eventlet.GreenPool(12)
    outcomes = list(pool.imap(lambda item: app.submit(*item)["result"], deliveries))
    assert outcomes.count("accepted") == 40 and outcomes.count("duplicate") == 40
    assert len(store.read_all(types=[RESPONSE_SUBMITTED])) == 40
    assert app.results("00004-2025")["responses"] == 40


# -- submissions gathered from many kiosks (the gateway's group commit) ---------------------
def outcome_of(outcome):
    return outcome["result"] if isinstance(outcome, dict) else outcome.code


def test_a_group_from_many_kiosks_is_judged_item_by_item_like_single_submissions(
        app, store, kiosk, campaign):
    other = app.register_kiosk({"commune_code": "00004", "label": "Quầy 2"}, META)
    elsewhere = app.register_kiosk({"commune_code": "00008", "label": "Quầy xã khác"}, META)
    revoked = app.register_kiosk({"commune_code": "00004", "label": "Quầy cũ"}, META)
    app.revoke_kiosk(revoked["kiosk_id"], "hỏng", META)
    [code] = app.issue_codes("00004-2025", 1, META)["codes"]
    earlier = response()
    app.submit(kiosk["token"], earlier)
    twice, clash = response(), response()
    items = [
        (kiosk["token"], response(level=1)),                        # accepted
        (other["token"], response(level=4)),                        # accepted
        (kiosk["token"], earlier),                                  # a replay
        (kiosk["token"], {**earlier, "answers": full_answers(2)}),  # same id, other content
        (other["token"], twice), (other["token"], twice),           # sent twice in one group
        (kiosk["token"], clash), (kiosk["token"], {**clash, "answers": full_answers(1)}),
        (elsewhere["token"], response()),                           # another commune's kiosk
        (revoked["token"], response()),
        (kiosk["kiosk_id"] + ".wrong-secret", response()),
        ("not a token", response()),
        (kiosk["token"], {**response(), "answers": {"cong-khai": 9}}),
        (kiosk["token"], response(code=code)),                      # redeems the code
        (other["token"], response(code=code)),                      # the code is spent
        (kiosk["token"], {**response(), "campaign_id": "00004-1999"}),
    ]
    outcomes = app.submit_many([{"kiosk_token": t, "response": r} for t, r in items])
    assert [outcome_of(o) for o in outcomes] == [
        "accepted", "accepted", "duplicate", "response_conflict", "accepted", "duplicate",
        "accepted", "response_conflict", "forbidden", "kiosk_revoked", "unauthorised",
        "unauthorised", "validation_failed", "accepted", "code_used", "not_found"]
    assert outcomes[0]["response_id"] == items[0][1]["response_id"]
    assert outcomes[4]["position"] == outcomes[5]["position"]
    stored = store.read_all(types=[RESPONSE_SUBMITTED])
    assert len(stored) == 1 + 5
    assert len({e.stream for e in stored}) == 6
    assert len(store.read_all(types=[CODE_REDEEMED])) == 1
    assert store.verify_chain().ok
    assert app.results("00004-2025")["responses"] == 6
    with pytest.raises(ValidationFailed):
        app.submit_many([])
    assert isinstance(app.submit_many(["junk"])[0], ValidationFailed)


def test_a_kiosk_revoked_or_a_campaign_closed_between_groups_is_seen_at_once(
        app, kiosk, campaign):
    def send():
        return outcome_of(app.submit_many([{"kiosk_token": kiosk["token"],
                                             "response": response()}])[0])

    assert send() == "accepted"  # kiosk and campaign are now kept between groups
    app.close_campaign("00004-2025", META)
    assert send() == "campaign_closed"
    app.revoke_kiosk(kiosk["kiosk_id"], "mất thiết bị", META)
    assert send() == "kiosk_revoked"


def test_a_group_that_loses_a_race_for_a_stream_judges_each_item_again(
        app, store, kiosk, campaign, monkeypatch):
    raced, fresh = response(), response()
    real = store.stream_versions

    def stale(streams):  # the group read versions before another replica's commit
        found = real(streams)
        if response_stream(raced["response_id"]) in found:
            return {s: v for s, v in found.items() if s != response_stream(raced["response_id"])}
        app.submit(kiosk["token"], raced)  # that replica's commit
        return found

    monkeypatch.setattr(store, "stream_versions", stale)
    outcomes = app.submit_many([{"kiosk_token": kiosk["token"], "response": r}
                                for r in (fresh, raced, {**raced, "answers": full_answers(1)})])
    assert [outcome_of(o) for o in outcomes] == ["accepted", "duplicate", "response_conflict"]
    assert len(store.read_all(types=[RESPONSE_SUBMITTED])) == 2

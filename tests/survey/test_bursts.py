"""Bursts in the results, and campaigns with no data: the rule (Given/When/Then) and the
figures as the survey computes them from its log, on SQLite and PostgreSQL."""

from datetime import date, timedelta

import pytest

from services.survey.application import SurveyApp
from services.survey.bursts import BurstRule, KioskDay, flags
from services.survey.campaigns import RESULT_COMPUTED
from tests.support.stores import open_store
from tests.survey.support import limiter
from tests.survey.test_store import META, response

RULE = BurstRule(kiosk_day_max=50, factor=5, min_responses=10)


def days(*counts, kiosk="k1"):
    return [KioskDay(kiosk, (date(2025, 6, 1) + timedelta(days=n)).isoformat(), count)
            for n, count in enumerate(counts)]


def test_given_ordinary_days_then_nothing_is_flagged():
    assert flags(days(3, 2, 4, 9, 3, 1), RULE, 22) == []


def test_given_one_day_far_above_the_others_then_it_is_flagged_with_its_share():
    [flag] = flags(days(2, 3, 40, 2, 3), RULE, 50)
    assert flag == {"kiosk_id": "k1", "day": "2025-06-03", "responses": 40,
                    "share_percent": "80.00", "median_other_kiosk_days": "2.5",
                    "reasons": ["unusual_day"]}


def test_given_more_than_a_desk_serves_in_a_day_then_it_is_flagged_alone():
    [flag] = flags(days(51), RULE, 51)
    assert (flag["reasons"], flag["median_other_kiosk_days"]) == (["over_day_max"], None)
    [flag] = flags(days(2, 60), RULE, 62)
    assert flag["reasons"] == ["over_day_max", "unusual_day"]


def test_small_days_are_never_unusual_and_other_kiosks_count_as_others():
    assert flags(days(1, 9), RULE, 10) == []  # 9 < min_responses
    [flag] = flags(days(2, 2, kiosk="k1") + days(12, kiosk="k2"), RULE, 16)
    assert (flag["kiosk_id"], flag["day"]) == ("k2", "2025-06-01")


# -- from the log ---------------------------------------------------------------------------
@pytest.fixture
def store(database_url):
    store = open_store(database_url, source="survey")
    yield store
    store.dispose()


def test_results_flag_a_kiosk_that_recorded_a_burst_from_the_log(store):
    today = [date(2025, 6, 2)]
    app = SurveyApp(store, limiter=limiter(), min_answers=5, today=lambda: today[0])
    app.open_campaign({"commune_code": "00004", "period": "2025", "target_sample": 5,
                       "opens_on": "2025-06-01", "closes_on": "2025-06-30"}, META)
    desk, stuffer = (app.register_kiosk({"commune_code": "00004", "label": label}, META)["token"]
                     for label in ("Quầy 1", "Quầy 2"))
    for day, count in ((2, 3), (3, 2), (4, 3)):
        today[0] = date(2025, 6, day)
        for _ in range(count):
            app.submit(desk, response())
    today[0] = date(2025, 6, 5)
    app.submit_many([{"kiosk_token": stuffer, "response": response()} for _ in range(18)])
    app.submit(desk, response())

    live = app.results("00004-2025")
    [flag] = live["flags"]
    assert flag["day"] == "2025-06-05" and flag["responses"] == 18
    assert flag["reasons"] == ["unusual_day"] and flag["share_percent"] == "66.67"
    assert live["burst_rule"] == {"kiosk_day_max": 50, "factor": 5, "min_responses": 10}
    assert live["overall"]["published"] is True  # a flag does not change the rate

    closed = app.close_campaign("00004-2025", META)["result"]
    [event] = store.read_all(types=[RESULT_COMPUTED])
    assert event.data["flags"] == closed["flags"] == live["flags"]
    # the recorded rule stands, whatever the setting later
    later = SurveyApp(store, limiter=limiter(), min_answers=5, today=lambda: today[0],
                      burst_rule=BurstRule(kiosk_day_max=1000, factor=1000, min_responses=1000))
    assert later.results("00004-2025")["flags"] == closed["flags"]
    assert app.processor.rebuild() > 0
    assert app.results("00004-2025") == closed


def test_a_campaign_closed_without_answers_has_no_data_not_a_rate(store):
    app = SurveyApp(store, limiter=limiter(), min_answers=0, today=lambda: date(2025, 6, 15))
    app.open_campaign({"commune_code": "00004", "period": "2025", "target_sample": 30,
                       "opens_on": "2025-06-01", "closes_on": "2025-06-30"}, META)
    result = app.close_campaign("00004-2025", META)["result"]
    assert (result["responses"], result["no_data"], result["flags"]) == (0, True, [])
    assert result["overall"] == {
        "valid_answers": 0, "satisfied": None, "rate_percent": None, "counts": None,
        "published": False,
        "reason": "No valid answers: there is no satisfaction rate (no data)."}
    [event] = store.read_all(types=[RESULT_COMPUTED])
    assert (event.data["rate_percent"], event.data["published"], event.data["valid_answers"]) == (
        None, False, 0)


def test_a_read_model_kept_before_kiosk_days_is_counted_again_from_the_log(store):
    from sqlalchemy import select, text, update

    from kernel.schema import consumer_positions, store_head
    from services.survey.projections import campaign_kiosk_days, responses_with_text

    app = SurveyApp(store, limiter=limiter(), min_answers=1, today=lambda: date(2025, 6, 2))
    app.open_campaign({"commune_code": "00004", "period": "2025", "target_sample": 1,
                       "opens_on": "2025-06-01", "closes_on": "2025-06-30"}, META)
    token = app.register_kiosk({"commune_code": "00004", "label": "Quầy 1"}, META)["token"]
    for _ in range(3):
        app.submit(token, response())
    expected = app.results("00004-2025")
    with store.transaction() as conn:  # the release before: totals only, at the log's head
        for table in ("survey_kiosk_days", "survey_text_answers"):
            conn.execute(text(f"DROP TABLE {table}"))
        head = conn.execute(select(store_head.c.position)).scalar_one()
        conn.execute(update(consumer_positions).values(position=head)
                     .where(consumer_positions.c.consumer == "survey_results"))
    upgraded = SurveyApp(store, limiter=limiter(), min_answers=1, today=lambda: date(2025, 6, 2))
    assert upgraded.results("00004-2025") == expected  # counted once, not twice
    with store.reader.connect() as conn:
        [day] = campaign_kiosk_days(conn, "00004-2025")
        assert (day.day, day.responses) == ("2025-06-02", 3)
        assert responses_with_text(conn, "00004-2025") == []

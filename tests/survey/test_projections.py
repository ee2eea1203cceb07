"""The results read model (running totals) on SQLite and PostgreSQL: the same log gives the
same totals however it is cut into batches, and an earlier release's row-per-response read
model is replaced by totals counted again from the log."""

import pytest
from sqlalchemy import inspect, select, text, update

from kernel.db import make_engine
from kernel.events import NewEvent
from kernel.schema import consumer_positions, store_head
from services.survey.application import SurveyApp
from services.survey.campaigns import CAMPAIGN_CLOSED, CAMPAIGN_REOPENED
from services.survey.projections import ResultsProjection, counts
from services.survey.responses import RESPONSE_SUBMITTED
from tests.support.stores import open_store
from tests.survey.support import TODAY, full_answers, limiter, new_id, recorded
from tests.survey.test_store import META, response


def _response(campaign_id, level, position):
    rid = new_id()
    answers = {**full_answers(level), "y-kien": "Cán bộ tận tình"}
    return recorded(f"response-{rid}", [NewEvent(RESPONSE_SUBMITTED, {
        "response_id": rid, "campaign_id": campaign_id, "answers": answers,
        "kiosk_id": "k1", "received_on": TODAY.isoformat()})],
        position=position)[0]


def _close(campaign_id, position):
    return recorded(f"campaign-{campaign_id}", [NewEvent(CAMPAIGN_CLOSED, {
        "campaign_id": campaign_id, "closed_on": TODAY.isoformat()})],
        first_version=2, position=position)[0]


def _log():
    """Two campaigns; one response to A arrives after A's close."""
    return [_response("A", 5, 1), _response("A", 4, 2), _response("B", 1, 3), _close("A", 4),
            _response("A", 2, 5), _response("B", 2, 6), _close("B", 7), _response("B", 5, 8)]


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    ResultsProjection().migrate(engine)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("cuts", [(), (1, 2, 3, 4, 5, 6, 7), (3,), (4,), (3, 5), (6, 7)],
                         ids=lambda cuts: "cut at " + ",".join(map(str, cuts)) if cuts else "one batch")
def test_given_a_log_when_applied_in_any_batches_then_the_totals_are_the_same(engine, cuts):
    log, projection = _log(), ResultsProjection()
    bounds = [0, *cuts, len(log)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        with engine.begin() as conn:
            projection.apply_many(conn, log[start:end])
    with engine.connect() as conn:
        assert counts(conn, "A") == (2, {q: {5: 1, 4: 1} for q in full_answers()}, 1)
        assert counts(conn, "B") == (2, {q: {1: 1, 2: 1} for q in full_answers()}, 1)
        assert counts(conn, "C") == (0, {}, 0)


def _reopen(campaign_id, position):
    return recorded(f"campaign-{campaign_id}", [NewEvent(CAMPAIGN_REOPENED, {
        "campaign_id": campaign_id, "reason": "Thiết bị hỏng", "reopened_on": TODAY.isoformat(),
        "closes_on": TODAY.isoformat()})], first_version=4, position=position)[0]


@pytest.mark.parametrize("cuts", [(), (5,), (6,), (4, 6)],
                         ids=lambda cuts: "cut at " + ",".join(map(str, cuts)) if cuts else "one batch")
def test_given_a_reopened_campaign_then_its_new_responses_count_until_it_closes_again(engine,
                                                                                      cuts):
    log = [_response("A", 5, 1), _close("A", 2), _response("A", 4, 3), _reopen("A", 4),
           _response("A", 3, 5), _close("A", 6), _response("A", 1, 7)]
    projection, bounds = ResultsProjection(), [0, *cuts, len(log)]
    for start, end in zip(bounds, bounds[1:], strict=False):
        with engine.begin() as conn:
            projection.apply_many(conn, log[start:end])
    with engine.connect() as conn:  # the one between close and reopening stays late
        assert counts(conn, "A") == (2, {q: {5: 1, 3: 1} for q in full_answers()}, 2)


def test_when_a_batch_rolls_back_then_nothing_of_it_is_counted(engine):
    projection = ResultsProjection()
    with engine.begin() as conn:
        projection.apply_many(conn, _log()[:2])
    with pytest.raises(RuntimeError), engine.begin() as conn:
        projection.apply_many(conn, _log()[2:])
        raise RuntimeError("the append failed")
    with engine.connect() as conn:
        assert counts(conn, "A") == (2, {q: {5: 1, 4: 1} for q in full_answers()}, 0)
        assert counts(conn, "B") == (0, {}, 0)


def test_given_the_earlier_row_per_response_read_model_then_it_is_replaced_by_totals(
        database_url):
    store = open_store(database_url, source="survey")
    try:
        app = SurveyApp(store, limiter=limiter(), min_answers=1,
                        today=lambda: TODAY)
        token = app.register_kiosk({"commune_code": "00004", "label": "Quầy 1"}, META)["token"]
        app.open_campaign({"commune_code": "00004", "period": "2025", "opens_on": "2025-06-01",
                           "closes_on": "2025-06-30", "target_sample": 2}, META)
        for level in (5, 4, 1):
            app.submit(token, response(level=level))
        expected = app.close_campaign("00004-2025", META)["result"]

        # What the earlier release left: its tables, and its position at the log's head.
        with store.transaction() as conn:
            for table in ("survey_question_totals", "survey_campaign_totals"):
                conn.execute(text(f"DROP TABLE {table}"))
            conn.execute(text("CREATE TABLE survey_responses (response_id VARCHAR(36) "
                              "PRIMARY KEY, campaign_id VARCHAR(100), position BIGINT)"))
            conn.execute(text("CREATE TABLE survey_answers (response_id VARCHAR(36), "
                              "question_id VARCHAR(32), level INTEGER)"))
            head = conn.execute(select(store_head.c.position)).scalar_one()
            conn.execute(update(consumer_positions).values(position=head)
                         .where(consumer_positions.c.consumer == "survey_results"))

        upgraded = SurveyApp(store, min_answers=1, today=lambda: TODAY)
        assert upgraded.results("00004-2025") == expected
        assert expected["responses"] == 3 and expected["overall"]["valid_answers"] == 15
        tables = set(inspect(store.engine).get_table_names())
        assert not tables & {"survey_responses", "survey_answers"}
        # Starting again finds nothing to replace and counts nothing twice.
        assert SurveyApp(store, min_answers=1, today=lambda: TODAY).results(
            "00004-2025") == expected
    finally:
        store.dispose()

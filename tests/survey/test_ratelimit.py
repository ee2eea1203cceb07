"""Durable rate limits on SQLite and PostgreSQL: counted in the survey's database, in the
transaction that records, so they survive a restart, hold across replicas, and count only
what was stored; per kiosk, per campaign (every kiosk of the commune) and per person
issuing single-use codes."""

import eventlet
import pytest

from contracts.survey import TooManyRequests
from kernel.db import make_engine
from kernel.events import Actor, Metadata
from services.survey.application import SurveyApp
from services.survey.kiosks import code_stream
from services.survey.ratelimit import (
    DEFAULT_LIMITS,
    KIOSK,
    Demand,
    Limit,
    RateLimiter,
    key,
    limits_from_config,
)
from services.survey.responses import RESPONSE_SUBMITTED
from tests.support.stores import open_store
from tests.survey.support import TODAY, limiter
from tests.survey.test_store import META, response

OFFICER = Metadata(actor=Actor("can-bo@lai-uyen", "commune_officer", {"commune": "00004"}))


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    RateLimiter.migrate(engine)
    yield engine
    engine.dispose()


def take(engine, limiter, demand):
    with engine.begin() as conn:
        limiter.take(conn, demand)


def test_a_kiosk_is_limited_per_window_and_may_send_again_later(engine):
    now = [0.0]
    limits = RateLimiter({KIOSK: (Limit(3, 60),)}, clock=lambda: now[0])
    k1, k2 = Demand({KIOSK: key(KIOSK, "k1")}), Demand({KIOSK: key(KIOSK, "k2")})
    for _ in range(3):
        take(engine, limits, k1)
    take(engine, limits, k2)  # another kiosk has its own budget
    with pytest.raises(TooManyRequests) as refused:
        take(engine, limits, k1)
    assert (refused.value.code, refused.value.http_status) == ("rate_limited", 429)
    assert refused.value.details == {"scope": "kiosk", "limit": 3, "window_seconds": 60,
                                     "retry_after_seconds": 60}
    now[0] = 59.5
    with pytest.raises(TooManyRequests) as refused:
        take(engine, limits, k1)
    assert refused.value.details["retry_after_seconds"] == 1
    now[0] = 60.0
    take(engine, limits, k1)


def test_the_longest_window_full_decides_when_to_come_back(engine):
    now = [1000.0]
    limits = RateLimiter({KIOSK: (Limit(2, 60), Limit(3, 3600))}, clock=lambda: now[0])
    kiosk = Demand({KIOSK: key(KIOSK, "k1")})
    take(engine, limits, kiosk)
    take(engine, limits, kiosk)
    now[0] += 60
    take(engine, limits, kiosk)
    now[0] += 60
    with pytest.raises(TooManyRequests) as refused:  # the minute is free, the hour is not
        take(engine, limits, kiosk)
    assert refused.value.details["window_seconds"] == 3600
    assert 3400 <= refused.value.details["retry_after_seconds"] <= 3480


def test_what_a_rolled_back_transaction_took_is_not_counted(engine):
    limits = RateLimiter({KIOSK: (Limit(1, 60),)})
    kiosk = Demand({KIOSK: key(KIOSK, "k1")})
    with pytest.raises(RuntimeError), engine.begin() as conn:
        limits.take(conn, kiosk)
        raise RuntimeError("the append failed")
    take(engine, limits, kiosk)


def test_defaults_and_settings():
    assert DEFAULT_LIMITS[KIOSK] == (Limit(10, 60), Limit(60, 3600))
    limits = limits_from_config({"SURVEY_KIOSK_RATE_PER_MINUTE": 6,
                                 "SURVEY_CODES_PER_ISSUER_PER_DAY": "40"})
    assert limits[KIOSK] == (Limit(6, 60), Limit(60, 3600))
    assert limits["codes"] == (Limit(40, 86400),)
    with pytest.raises(ValueError):
        Limit(0, 60)


# -- through the survey's use cases ----------------------------------------------------------
def survey(store, **settings):
    return SurveyApp(store, limiter=limiter(**settings), min_answers=1, today=lambda: TODAY)


def opened(app, **extra):
    app.open_campaign({"commune_code": "00004", "period": "2025", "target_sample": 1,
                       "opens_on": "2025-06-01", "closes_on": "2025-06-30", **extra}, META)


def new_kiosk(app, label="Quầy 1"):
    return app.register_kiosk({"commune_code": "00004", "label": label}, META)["token"]


def test_a_restart_does_not_reset_a_kiosks_count(database_url):
    store = open_store(database_url, source="survey")
    app = survey(store, kiosk_per_minute=2)
    opened(app)
    token = new_kiosk(app)
    app.submit(token, response())
    app.submit(token, response())
    store.dispose()  # the service stops; another process starts on the same database
    store = open_store(database_url, source="survey")
    try:
        with pytest.raises(TooManyRequests):
            survey(store, kiosk_per_minute=2).submit(token, response())
    finally:
        store.dispose()


def test_replicas_on_one_database_share_the_limit(database_url):
    """Two replicas (each its own engine and limiter), 24 responses from one kiosk at once:
    exactly the limit goes through, the rest is refused, nothing is counted twice."""
    stores = [open_store(database_url, source="survey") for _ in range(2)]
    try:
        replicas = [survey(store, kiosk_per_minute=5) for store in stores]
        opened(replicas[0])
        token = new_kiosk(replicas[0])

        def send(n):
            try:
                return replicas[n % 2].submit(token, response())["result"]
            except TooManyRequests:
                return "rate_limited"

        outcomes = list(eventlet.GreenPool(8).imap(send, range(24)))
        assert outcomes.count("accepted") == 5 and outcomes.count("rate_limited") == 19
        assert len(stores[0].read_all(types=[RESPONSE_SUBMITTED])) == 5
    finally:
        for store in stores:
            store.dispose()


def test_many_kiosks_of_one_commune_share_the_campaigns_limit(database_url):
    store = open_store(database_url, source="survey")
    try:
        app = survey(store, SURVEY_CAMPAIGN_RATE_PER_MINUTE=4)
        opened(app)
        tokens = [new_kiosk(app, f"Quầy {n}") for n in range(3)]
        outcomes = app.submit_many([{"kiosk_token": tokens[n % 3], "response": response()}
                                    for n in range(6)])
        assert [o["result"] if isinstance(o, dict) else o.details["scope"]
                for o in outcomes] == ["accepted"] * 4 + ["campaign"] * 2
        assert app.results("00004-2025")["responses"] == 4
    finally:
        store.dispose()


def test_one_persons_codes_count_together_however_many_kiosks_redeem_them(database_url):
    """The attack of issue 14: an officer issues 40 codes and redeems them in seconds."""
    store = open_store(database_url, source="survey")
    try:
        app = survey(store, SURVEY_ISSUER_RATE_PER_HOUR=20)
        opened(app, require_code=True)
        tokens = [new_kiosk(app, f"Quầy {n}") for n in range(4)]
        codes = app.issue_codes("00004-2025", 40, OFFICER)["codes"]
        outcomes = app.submit_many([{"kiosk_token": tokens[n % 4],
                                     "response": response(code=code)}
                                    for n, code in enumerate(codes)])
        accepted = [o for o in outcomes if isinstance(o, dict)]
        refused = [o for o in outcomes if not isinstance(o, dict)]
        assert len(accepted) == 20
        assert {(o.code, o.details["scope"]) for o in refused} == {("rate_limited", "issuer")}
        # a refused response did not spend its code: the kiosk keeps it for later
        refused_code = codes[[n for n, o in enumerate(outcomes) if not isinstance(o, dict)][0]]
        assert len(store.read_stream(code_stream(refused_code))) == 1  # issued, not redeemed
        # another person's codes have their own budget
        [other] = app.issue_codes("00004-2025", 1, META)["codes"]
        assert app.submit(tokens[0], response(code=other))["result"] == "accepted"
        assert app.results("00004-2025")["responses"] == 21
    finally:
        store.dispose()


def test_issuing_codes_is_limited_per_person_and_campaign(database_url):
    store = open_store(database_url, source="survey")
    try:
        app = survey(store, SURVEY_CODES_PER_ISSUER_PER_DAY=10)
        opened(app)
        app.issue_codes("00004-2025", 8, OFFICER)
        with pytest.raises(TooManyRequests) as refused:
            app.issue_codes("00004-2025", 3, OFFICER)
        assert refused.value.details["scope"] == "codes"
        assert "mã" in refused.value.message
        assert app.issue_codes("00004-2025", 2, OFFICER)["count"] == 2
        assert app.issue_codes("00004-2025", 5, META)["count"] == 5
    finally:
        store.dispose()


def test_a_kiosk_back_online_gets_its_first_responses_in_and_keeps_the_rest(database_url):
    store = open_store(database_url, source="survey")
    try:
        app = survey(store, kiosk_per_minute=10)
        opened(app)
        token = new_kiosk(app)
        queue = [response() for _ in range(30)]
        batch = app.submit_batch(token, queue)
        assert [r["result"] for r in batch["results"]] == ["accepted"] * 10 + ["refused"] * 20
        assert {r["error"] for r in batch["results"][10:]} == {"rate_limited"}
        assert batch["results"][10]["response_id"] == queue[10]["response_id"]
        # resending all of it: the ten are recognised, the rest still waits
        again = app.submit_batch(token, queue)["summary"]
        assert (again["duplicate"], again["refused"]) == (10, 20)
    finally:
        store.dispose()

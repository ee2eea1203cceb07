"""Every real read model, one conformance check: the state built incrementally (small
batches as the events are written), the state after every event is delivered again, and the
state rebuilt from zero in large transactions are the same — and, for a read model that folds
a batch at once (apply_many), the state its ``apply`` leaves one event at a time. On SQLite
and PostgreSQL."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from kernel.follower import LogFollower
from kernel.idempotency import carry_out
from kernel.projection import ProjectionProcessor, StoreSource
from rules.criteria import load_builtin_sets
from services.accounts import projections as accounts_projections
from services.accounts.application import AccountsApp
from services.accounts.credentials import SessionRules
from services.accounts.signins import ACCOUNT, ADDRESS, Rule, Throttle
from services.assessment import criteria_sets, rollups, satisfaction
from services.plans import linked
from services.publication import record
from services.survey import projections as survey_projections
from services.survey.application import SurveyApp
from tests.accounts.support import DONG_QUANG
from tests.accounts.test_store import ADMIN, FAST, Clock
from tests.publication.support import DONG_NAM, Setup, meta
from tests.publication.support import DONG_QUANG as DONG_QUANG_CODE
from tests.support.stores import open_store
from tests.survey.support import limiter
from tests.survey.test_store import META, TODAY, response


def snapshot(engine, tables) -> dict:
    with engine.connect() as conn:
        return {t.name: sorted(map(repr, map(tuple, conn.execute(select(t))))) for t in tables}


# -- read models fed by subscriptions: assessment's and the survey's logs ---------------------

def subscription_cases(setup):
    """(projection, the tables of its read model, the store it lives in), in the order the
    service processes them: satisfaction first, as its results are events the others read."""
    return [
        (satisfaction.SatisfactionProjection(), satisfaction.metadata.sorted_tables, setup.assessment),
        (rollups.RollupProjection(), rollups.metadata.sorted_tables, setup.assessment),
        (linked.AssessmentMilestones(), linked.metadata.sorted_tables, setup.assessment),
        (record.PublicRecordProjection(), record.ALL_TABLES, setup.publication),
    ]


@pytest.fixture
def setup(database_url, tmp_path):
    platform = Setup(database_url, f"sqlite:///{tmp_path}/survey.sqlite")
    yield platform
    platform.dispose()


def test_every_subscribed_read_model_is_the_same_incremental_redelivered_and_rebuilt(setup,
                                                                                       tmp_path):
    stores = {"assessment": setup.assessment, "survey": setup.survey}

    def published_set():  # between assessment events: the record scores with it from then on
        document = copy.deepcopy(load_builtin_sets()[("25-2021", 1)].to_dict())
        document["version"] = 3
        criteria_sets.publish(setup.assessment, document, meta("administrator"))
        setup.run("00004", 2025, "record_comment", comment_id="c9", text="Góp ý",
                  received_on="2025-12-16", author="Nguyễn Văn A")

    processors = []
    for projection, tables, store in subscription_cases(setup):
        projection.migrate(store.engine)
        if hasattr(projection, "bind"):
            projection.bind(store)
        processors.append((ProjectionProcessor(
            store, projection, {name: StoreSource(stores[name]) for name in projection.sources}),
            tables, store))

    def incremental():
        for processor, _, _ in processors:
            for name in processor.projection.sources:
                processor.catch_up(StoreSource(stores[name]), page=3)

    steps = [lambda: setup.walk(DONG_QUANG_CODE, comments=["Góp ý"]),
             lambda: setup.survey_result(DONG_QUANG_CODE, "2022"),
             lambda: setup.walk(DONG_NAM, recognised=False, points={"C1.I2": "1.00"}),
             lambda: setup.survey_result(DONG_NAM, "2022", rate="80.00", satisfied=40),
             lambda: setup.walk("00004", year=2025, until="posting"),
             published_set,
             # a result that replaces one, a Mẫu 04 opinion survey, a quarter's survey: one
             # batch of survey results
             lambda: (setup.survey_result(DONG_QUANG_CODE, "2022", rate="70.00", satisfied=35),
                      setup.survey_result(DONG_QUANG_CODE, "2022", purpose="dissemination_models"),
                      setup.survey_result(DONG_QUANG_CODE, "2022-q3"),
                      setup.survey_result(DONG_QUANG_CODE, "2022", rate="75.00", satisfied=36))]
    for step in steps:
        step()
        incremental()
    assert setup.assessment.head_position() > 100  # a few hundred events in all

    for processor, tables, store in processors:
        name = processor.projection.name
        live = snapshot(store.engine, tables)
        assert any(live.values()), name
        if name == record.PROJECTION_NAME:  # replaced results and a council's appraisal
            rows = " ".join(row for table in live.values() for row in table)
            assert "thay thế kết quả trước" in rows and "'appraisal'" in rows
        for source in processor.projection.sources:
            log = stores[source].read_all(0, 100_000)
            for start in range(0, len(log), 37):  # delivered again, in other batches
                assert processor.process(log[start:start + 37]) == 0, name
        assert snapshot(store.engine, tables) == live, name
        assert processor.rebuild() > 0
        assert snapshot(store.engine, tables) == live, name
        if hasattr(processor.projection, "apply_many"):  # a batch folded = one event at a time
            with store.transaction() as conn:
                processor.projection.reset(conn)
                for source in processor.projection.sources:
                    for event in map(processor.upcasters.upcast, stores[source].read_all(0, 100_000)):
                        if processor.projection.handles(event):
                            processor.projection.apply(conn, event)
            assert snapshot(store.engine, tables) == live, name
        if name == record.PROJECTION_NAME:  # a first build in one batch posts the same entries
            fresh = open_store(f"sqlite:///{tmp_path}/first-build.sqlite", source="publication")
            first = record.PublicRecordProjection()
            first.migrate(fresh.engine)
            first.bind(fresh)
            try:
                ProjectionProcessor(fresh, first, {n: StoreSource(stores[n]) for n in first.sources}
                                    ).rebuild()
                assert snapshot(fresh.engine, tables) == live
                assert entry_events(fresh) == entry_events(store)
            finally:
                fresh.dispose()


def entry_events(store) -> dict:
    """Each record stream's EntryPublished events, in its order: what they say and cause."""
    found = {}
    for event in store.read_all(0, 100_000):
        if event.type == record.ENTRY_PUBLISHED:
            found.setdefault(event.stream, []).append(
                (event.version, event.id, event.data, event.metadata["causation_id"]))
    return found


# -- read models a service follows from its own log -------------------------------------------

def survey_writes(store):
    app = SurveyApp(store, limiter=limiter(), min_answers=30, today=lambda: TODAY)
    kiosk = app.register_kiosk({"commune_code": "00004", "label": "Quầy 1"}, META)
    app.open_campaign({"commune_code": "00004", "period": "2025", "last_year_cases": 200,
                       "opens_on": "2025-06-01", "closes_on": "2025-06-30"}, META)
    token = kiosk["token"]
    for level in (5, 4, 3, 5, 1, 2, 5, 4):
        yield lambda level=level: app.submit(token, response(level=level))
    yield lambda: app.close_campaign("00004-2025", META)


def accounts_writes(store):
    rules = {ACCOUNT: Rule(3, 900, 600), ADDRESS: Rule(6, 900, 600)}
    app = AccountsApp(store, hasher=FAST, throttle=Throttle(rules), now=Clock(),
                      session_rules=SessionRules(idle_seconds=600, max_seconds=3600))
    for number in range(6):
        yield lambda number=number: carry_out(store, None, lambda: app.create_account({
            "username": f"congchuc.{number}", "display_name": f"Nguyễn Văn {number}",
            "role": "commune_officer", "jurisdiction": DONG_QUANG,
            "password": "mat-khau-dai-du-manh-2025"}, ADMIN))
    # every kind of change, some of them to one account in a row (one batch of a rebuild)
    yield lambda: app.change_account("congchuc.1", {"display_name": "Trần Thị Một"}, None, ADMIN)
    yield lambda: app.disable_account("congchuc.1", "Nghỉ việc", ADMIN)
    yield lambda: app.enable_account("congchuc.1", ADMIN)
    yield lambda: app.disable_account("congchuc.2", "Chuyển công tác", ADMIN)
    yield lambda: app.sign_in("congchuc.3", "mat-khau-dai-du-manh-2025", "a" * 64, "10.0.0.1",
                              "test", None)


@pytest.mark.parametrize("source, projection, tables, writes", [
    ("survey", survey_projections.ResultsProjection, survey_projections.metadata.sorted_tables,
     survey_writes),
    ("accounts", accounts_projections.AccountsDirectory,
     accounts_projections.metadata.sorted_tables, accounts_writes),
], ids=["survey_results", "accounts_directory"])
def test_every_followed_read_model_is_the_same_incremental_redelivered_and_rebuilt(
        database_url, source, projection, tables, writes):
    store = open_store(database_url, source=source)
    try:
        follower = LogFollower(store, projection(), page=2)
        follower.prepare()
        for write in writes(store):
            write()
            follower.follow()  # incrementally, a page of two events per transaction
        live = snapshot(store.engine, tables)
        assert any(live.values())
        if source == "accounts":  # every kind of change reached the directory
            rows = " ".join(row for table in live.values() for row in table)
            assert "'Trần Thị Một'" in rows and "'Chuyển công tác'" in rows
        # A follower is never delivered an event twice: it reads by position, under the lock
        # its position row is; a pass over a log it has applied applies nothing.
        assert follower.follow() == 0 and snapshot(store.engine, tables) == live
        assert LogFollower(store, projection()).rebuild() > 0
        assert snapshot(store.engine, tables) == live
        one_at_a_time = projection()
        if hasattr(one_at_a_time, "apply_many"):  # a batch folded = one event at a time
            with store.transaction() as conn:
                one_at_a_time.reset(conn)
                for event in map(follower.upcasters.upcast, store.read_all(0, 100_000)):
                    if one_at_a_time.handles(event):
                        one_at_a_time.apply(conn, event)
            assert snapshot(store.engine, tables) == live
    finally:
        store.dispose()


def test_folding_events_never_changes_them():
    # A batch fold keeps a state in memory across events (a retried batch is verified again,
    # so an event changed in place would be refused as a forgery): an upload after figures
    # recorded with their files typed in (before uploads existed) must not append to them.
    from rules.assessment import names as n
    from rules.assessment.state import AssessmentState, evolve

    recorded = {"indicator_id": "C1.I1", "figures": {"a": "1"}, "evidence": [{"file_name": "a"}]}
    uploaded = {"indicator_id": "C1.I1", "file_name": "b.pdf", "media_type": "application/pdf",
                "size": 1, "sha256": "0" * 64, "signatures": None, "uploaded_by": "x",
                "uploaded_at": "2025-01-01T00:00:00+07:00", "supplement": None}
    before = copy.deepcopy((recorded, uploaded))
    state = AssessmentState()
    evolve(state, n.FIGURES_RECORDED, recorded)
    evolve(state, n.EVIDENCE_ATTACHED, uploaded)
    assert len(state.evidence["C1.I1"]) == 2 and (recorded, uploaded) == before


"""The event store conformance suite: every backend must pass all of it (SQLite, PostgreSQL)."""

import json
import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, text

from kernel.errors import ConcurrencyError, DuplicateEventError
from kernel.events import Actor, Metadata, NewEvent
from kernel.schema import events as events_table
from kernel.store import ANY_VERSION, NO_STREAM, claim_query
from tests.support.stores import ADMIN, meta, numbered, open_store


@pytest.fixture
def store(database_url):
    store = open_store(database_url)
    yield store
    store.dispose()


def test_migrations_are_idempotent(store):
    store.migrate()
    assert store.head_position() == 0


def test_append_records_every_field(store):
    metadata = Metadata(ADMIN, correlation_id="corr-1", causation_id="cause-1")
    new = NewEvent("ReviewingLevelSet", {"level": "province", "score": Decimal("29.63")})
    [recorded] = store.append("reviewing-level-01-2025", NO_STREAM, [new], metadata)

    [read] = store.read_stream("reviewing-level-01-2025")
    assert read == recorded
    assert (read.id, read.stream, read.version, read.position) == (new.id, "reviewing-level-01-2025", 1, 1)
    assert (read.type, read.schema_version) == ("ReviewingLevelSet", 1)
    assert read.data == {"level": "province", "score": "29.63"}  # Decimals keep their digits
    assert read.metadata["actor"] == "admin@test"
    assert read.metadata["role"] == "administrator"
    assert read.metadata["jurisdiction"] == {"province": "01"}
    assert read.metadata["correlation_id"] == "corr-1"
    assert read.metadata["causation_id"] == "cause-1"
    assert read.metadata["recorded_at"].endswith("+07:00")  # Vietnam's time zone
    assert len(read.hash) == 64 and read.prev_hash == "0" * 64


def test_versions_count_per_stream_and_positions_globally(store):
    store.append("a", NO_STREAM, numbered(2), meta())
    store.append("b", NO_STREAM, numbered(1), meta())
    store.append("a", 2, numbered(1, start=3), meta())
    assert [(e.stream, e.version, e.position) for e in store.read_all()] == [
        ("a", 1, 1), ("a", 2, 2), ("b", 1, 3), ("a", 3, 4)]
    assert store.stream_version("a") == 3 and store.stream_version("missing") == 0
    assert [e.version for e in store.read_stream("a", after_version=1)] == [2, 3]


def test_a_conflicting_append_fails_and_writes_nothing(store):
    store.append("a", NO_STREAM, numbered(2), meta())
    with pytest.raises(ConcurrencyError) as raised:
        store.append("a", 1, numbered(3, start=10), meta())
    assert raised.value.details == {"stream": "a", "expected_version": 1, "current_version": 2}
    assert "is at version 2" in str(raised.value) and "phiên bản 2" in raised.value.message
    with pytest.raises(ConcurrencyError):
        store.append("a", NO_STREAM, numbered(1), meta())
    assert store.head_position() == 2
    assert store.outbox_size() == 2
    assert store.verify_chain().ok


def test_any_version_appends_without_a_check(store):
    store.append("a", ANY_VERSION, numbered(1), meta())
    store.append("a", ANY_VERSION, numbered(1), meta())
    assert store.stream_version("a") == 2


def test_a_duplicate_event_id_fails_and_writes_nothing(store):
    first = NewEvent("Counted", {"n": 1})
    store.append("a", NO_STREAM, [first], meta())
    with pytest.raises(DuplicateEventError) as raised:
        store.append("b", NO_STREAM, [NewEvent("Counted", {"n": 2}), first], meta())
    assert raised.value.details == {"event_ids": [first.id]}
    assert store.head_position() == 1 and store.stream_version("b") == 0


def test_append_many_writes_every_stream_in_one_chain(store):
    store.append("a", NO_STREAM, numbered(1), meta())
    written = store.append_many([("a", 1, numbered(2, start=2), meta()),
                                 ("b", NO_STREAM, numbered(1), meta(actor=Actor("kiosk:1", "kiosk"))),
                                 ("c", ANY_VERSION, numbered(1), meta())])
    assert [[(e.stream, e.version, e.position) for e in w] for w in written] == [
        [("a", 2, 2), ("a", 3, 3)], [("b", 1, 4)], [("c", 1, 5)]]
    assert store.read_all() == [*store.read_stream("a")[:1], *(e for w in written for e in w)]
    assert store.read_stream("b")[0].metadata["actor"] == "kiosk:1"
    assert store.head_position() == 5 and store.outbox_size() == 5
    assert store.verify_chain().ok


def test_append_many_writes_nothing_when_one_stream_conflicts(store):
    store.append("a", NO_STREAM, numbered(1), meta())
    with pytest.raises(ConcurrencyError) as raised:
        store.append_many([("b", NO_STREAM, numbered(1), meta()),
                           ("a", NO_STREAM, numbered(1, start=5), meta())])
    assert raised.value.details == {"stream": "a", "expected_version": 0, "current_version": 1}
    first = NewEvent("Counted", {"n": 1})
    store.append("d", NO_STREAM, [first], meta())
    with pytest.raises(DuplicateEventError) as raised:
        store.append_many([("b", NO_STREAM, numbered(1), meta()),
                           ("c", NO_STREAM, [first], meta())])
    assert raised.value.details == {"event_ids": [first.id]}
    with pytest.raises(ValueError, match="each stream once"):
        store.append_many([("b", NO_STREAM, numbered(1), meta()),
                           ("b", 1, numbered(1), meta())])
    assert store.head_position() == 2 and store.stream_version("b") == 0
    assert store.verify_chain().ok


def test_append_many_joins_the_callers_transaction(store):
    with store.transaction() as conn:
        with pytest.raises(ConcurrencyError):
            store.append_many([("a", 3, numbered(1), meta())], conn=conn)
        store.append_many([("a", NO_STREAM, numbered(1), meta())], conn=conn)
    assert store.head_position() == 1 and store.append_many([]) == []


def test_data_must_be_json_values(store):
    with pytest.raises(TypeError, match="floats are not allowed"):
        store.append("a", NO_STREAM, [NewEvent("Scored", {"points": 29.63})], meta())
    assert store.head_position() == 0


def test_append_joins_the_callers_transaction(store):
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE read_model (id INTEGER PRIMARY KEY, note VARCHAR(20))"))
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.append("a", NO_STREAM, numbered(1), meta(), conn=conn)
        conn.execute(text("INSERT INTO read_model VALUES (1, 'x')"))
        raise RuntimeError("the handler failed after appending")
    assert store.head_position() == 0 and store.outbox_size() == 0
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM read_model")).scalar() == 0

    with store.transaction() as conn:
        conn.execute(text("INSERT INTO read_model VALUES (2, 'kept')"))
        with pytest.raises(ConcurrencyError):
            store.append("a", 5, numbered(1), meta(), conn=conn)
        store.append("a", NO_STREAM, numbered(1), meta(), conn=conn)  # the transaction lives on
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT note FROM read_model")).scalars().all() == ["kept"]
    assert store.head_position() == 1


def test_read_all_pages_in_order_and_filters_types(store):
    store.append("a", NO_STREAM, numbered(5), meta())
    store.append("b", NO_STREAM, numbered(2, type_="Other"), meta())
    page = store.read_all(after_position=2, limit=3)
    assert [e.position for e in page] == [3, 4, 5]
    assert [e.position for e in store.read_all(types=["Other"])] == [6, 7]


def test_the_outbox_holds_each_event_until_its_publish_is_confirmed(store):
    store.append("a", NO_STREAM, numbered(3), meta())
    with store.claim_outbox(2) as batch:
        assert [r.position for r in batch.records] == [1, 2]
        # no batch.done(): as if the broker never confirmed
    assert store.outbox_size() == 3
    with store.claim_outbox(2) as batch:
        batch.done()
    assert store.outbox_size() == 1
    with store.claim_outbox(10) as batch:
        assert [r.position for r in batch.records] == [3]
        batch.done()
    assert store.outbox_size() == 0


def test_private_types_get_no_outbox_entry(store):
    store.declare_private_types(["Secret", "Hidden"])
    store.declare_private_types(["Secret"])  # the list is replaced, and may be repeated
    store.declare_private_types(["Secret"])
    store.append("a", NO_STREAM, numbered(2, type_="Secret") + numbered(1, start=3), meta())
    store.append("b", NO_STREAM, numbered(1, type_="Hidden"), meta())
    assert store.head_position() == 4
    with store.claim_outbox(10) as batch:
        assert [(r.position, r.type) for r in batch.records] == [(3, "Counted"), (4, "Hidden")]
    assert [e.type for e in store.read_all()] == ["Secret", "Secret", "Counted", "Hidden"]
    assert store.verify_chain().ok


def test_the_private_types_migration_downgrades_and_upgrades_again(store):
    from importlib import resources

    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("kernel") / "migrations"))
    with store.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0004")
    store.append("a", NO_STREAM, numbered(1, type_="Secret"), meta())
    assert store.outbox_size() == 1  # 0002's trigger: every event has an entry
    store.migrate()
    store.declare_private_types(["Secret"])
    store.append("b", NO_STREAM, numbered(1, type_="Secret"), meta())
    assert store.outbox_size() == 1 and store.head_position() == 2


def test_claiming_the_outbox_reads_the_outbox_not_the_whole_log(sqlite_url):
    # SQLite only: its plan follows the query, where PostgreSQL's follows table statistics.
    store = open_store(sqlite_url)
    try:
        query = claim_query(500).compile(store.engine, compile_kwargs={"literal_binds": True})
        with store.engine.connect() as conn:
            plan = [row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}")]
    finally:
        store.dispose()
    assert plan[0].startswith("SCAN outbox") and not any(p.startswith("SCAN events") for p in plan)


def test_sqlite_stores_write_ahead_and_checkpoint_every_10000_pages(sqlite_url):
    store = open_store(sqlite_url)
    try:
        for engine in (store.engine, store.reader):
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 10_000
    finally:
        store.dispose()


def test_chain_verification_passes_on_an_untouched_store(store):
    for i in range(5):
        store.append(f"s{i}", NO_STREAM, numbered(3), meta())
    report = store.verify_chain(batch=4)
    assert report.ok and report.checked == 15 and report.head_position == 15


def bypass_append_only(store):
    """What someone with write access to the database could do: drop the guard triggers."""
    with store.engine.begin() as conn:
        if store.engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER events_append_only"))
        else:
            conn.execute(text("DROP TRIGGER events_no_update"))
            conn.execute(text("DROP TRIGGER events_no_delete"))


def test_the_database_refuses_to_update_or_delete_events(store):
    from sqlalchemy.exc import DBAPIError

    store.append("a", NO_STREAM, numbered(2), meta())
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(events_table.update().values(data={"n": 0}))
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox"))
        conn.execute(events_table.delete())
    assert [e.data for e in store.read_all()] == [{"n": 1}, {"n": 2}]


@pytest.mark.parametrize("column, value", [
    ("data", {"n": 999}),
    ("metadata", {"actor": "someone-else"}),
    ("type", "Forged"),
    ("stream", "elsewhere"),
])
def test_an_edited_event_is_detected_and_named(store, column, value):
    store.append("a", NO_STREAM, numbered(4), meta())
    target = store.read_all()[2]
    bypass_append_only(store)
    with store.engine.begin() as conn:
        conn.execute(events_table.update().where(events_table.c.position == 3).values({column: value}))
    report = store.verify_chain()
    assert not report.ok
    assert report.broken.position == 3 and report.broken.event_id == target.id
    assert "edited" in report.broken.reason
    assert report.to_dict()["first_broken"]["event_id"] == target.id


def test_a_removed_event_is_detected_and_located(store):
    store.append("a", NO_STREAM, numbered(4), meta())
    bypass_append_only(store)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox"))
        conn.execute(events_table.delete().where(events_table.c.position == 2))
    report = store.verify_chain()
    assert report.broken.position == 3 and "position 2 is missing" in report.broken.reason


def test_a_rehashed_forgery_is_caught_by_the_next_link(store):
    """Editing an event and recomputing its own hash still breaks its successor's link."""
    from kernel.events import chain_hash

    store.append("a", NO_STREAM, numbered(3), meta())
    forged = store.read_all()[1]
    fields = forged.chained_fields() | {"data": {"n": 42}}
    bypass_append_only(store)
    with store.engine.begin() as conn:
        conn.execute(events_table.update().where(events_table.c.position == 2)
                     .values(data={"n": 42}, hash=chain_hash(fields)))
    report = store.verify_chain()
    assert report.broken.position == 3 and "previous-hash" in report.broken.reason


WRITER = """
import sys
from tests.support.stores import open_store, meta, numbered
store = open_store(sys.argv[1])
for i in range(int(sys.argv[3])):
    store.append(sys.argv[2], 2 * i, numbered(2), meta())
"""


def test_a_tailing_follower_never_skips_an_event(store, database_url):
    """Three processes append concurrently while a follower tails read_all(after=last):
    it must see every position exactly once, in order."""
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, database_url, f"w{i}", "60"], env=env)
               for i in range(3)]
    seen, last = [], 0
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        batch = store.read_all(after_position=last, limit=50)
        seen.extend(e.position for e in batch)
        last = seen[-1] if seen else 0
        if all(w.poll() is not None for w in writers) and not batch and last == store.head_position():
            break
    assert [w.returncode for w in writers] == [0, 0, 0]
    assert seen == list(range(1, 361))
    assert store.verify_chain().ok


def test_stored_v1_events_are_upcast_on_read(database_url):
    """Fixtures hold events exactly as a v1 service stored them; today's code reads v2."""
    from kernel.store import EventStore
    from kernel.upcasting import Upcasters

    upcasters = Upcasters()

    @upcasters.register("CommuneScored", from_version=1)
    def _split_score(data):
        # v1 stored "score" as one string; v2 names it and adds the maximum it was out of
        return {"commune_code": data["commune"], "total": data["score"], "maximum": "100"}

    with open("tests/fixtures/stored_events_v1.json", encoding="utf-8") as f:
        fixtures = json.load(f)
    store = EventStore(database_url, "assessment", upcasters=upcasters)
    store.migrate()
    with store.engine.begin() as conn:
        conn.execute(insert(events_table), fixtures["events"])
        conn.execute(text("UPDATE store_head SET position = :p, hash = :h"),
                     {"p": fixtures["head"]["position"], "h": fixtures["head"]["hash"]})

    assert store.verify_chain().ok  # the stored v1 bytes are untouched
    [first, second] = store.read_stream("commune-25544-2017")
    assert first.schema_version == 2
    assert first.data == {"commune_code": "25544", "total": "95.45", "maximum": "100"}
    assert second.data == {"commune_code": "25544", "total": "95.20", "maximum": "100"}
    [raw, _] = store.read_stream("commune-25544-2017", upcast=False)
    assert raw.schema_version == 1 and raw.data == {"commune": "25544", "score": "95.45"}
    with store.engine.connect() as conn:
        assert conn.execute(select(events_table.c.schema_version)).scalars().all() == [1, 1]
    store.dispose()


def test_unknown_future_schema_versions_are_refused(store):
    from kernel.errors import UnknownSchemaVersion

    store.append("a", NO_STREAM, [NewEvent("Counted", {"n": 1}, schema_version=7)], meta())
    with pytest.raises(UnknownSchemaVersion):
        store.read_stream("a")


def test_event_ids_are_uuids(store):
    [recorded] = store.append("a", NO_STREAM, numbered(1), meta())
    uuid.UUID(recorded.id)


def test_an_event_id_repeated_within_one_append_is_refused(store):
    new = NewEvent("Counted", {"n": 1})
    with pytest.raises(DuplicateEventError):
        store.append("a", NO_STREAM, [new, new], meta())
    assert store.head_position() == 0


# -- audit queries (EventStore.query) ----------------------------------------------------------
AUDITED = Actor("auditor-target@test", "commune_officer", {"commune": "00004"})


def stamp(monkeypatch, recorded_at: str):
    """The next appends are recorded at this time (as the store writes it: UTC+7)."""
    monkeypatch.setattr("kernel.store.recorded_at_now", lambda: recorded_at)


class DayOnly(Metadata):
    """Like the survey's privacy rule: recorded_at keeps the day only."""

    def to_dict(self, recorded_at):
        return super().to_dict(recorded_at[:10])


def positions(found):
    return [e.position for e in found]


@pytest.fixture
def audited(store, monkeypatch):
    """A small log across communes, actors, correlations and days."""
    stamp(monkeypatch, "2025-03-01T09:00:00.000000+07:00")
    store.append("assessment-00004-2025", NO_STREAM,
                 [NewEvent("AssessmentOpened", {"commune_code": "00004", "year": 2025})],
                 meta(actor=AUDITED, correlation_id="corr-a"))                       # 1
    stamp(monkeypatch, "2025-03-02T23:59:59.999999+07:00")
    store.append("campaign-00004-2025", NO_STREAM, [NewEvent("CampaignOpened", {"n": 1})],
                 meta(correlation_id="corr-a", causation_id="x"))                   # 2
    stamp(monkeypatch, "2025-03-03T00:00:00.000000+07:00")
    store.append("assessment-100040-2025", NO_STREAM,
                 [NewEvent("AssessmentOpened", {"commune_code": "100040"})], meta())  # 3
    store.append("board-00004", NO_STREAM, [NewEvent("Posted", {"n": 1})], meta())     # 4
    store.append("response-1", NO_STREAM, [NewEvent("ResponseSubmitted", {"commune_code": "00004"})],
                 DayOnly(actor=AUDITED, correlation_id="corr-b"))                   # 5
    stamp(monkeypatch, "2025-03-04T08:00:00.000000+07:00")
    store.append("assessment-00070-2025", NO_STREAM,
                 [NewEvent("AssessmentOpened", {"commune_code": "00070"}),
                  NewEvent("FiguresRecorded", {"commune_code": "00070"})], meta())  # 6, 7
    return store


def test_query_without_filters_pages_the_whole_log(audited):
    assert positions(audited.query()) == [1, 2, 3, 4, 5, 6, 7]
    assert positions(audited.query(after_position=2, limit=3)) == [3, 4, 5]
    assert positions(audited.query(after_position=7)) == []


def test_query_by_stream_prefix_type_actor_and_correlation(audited):
    assert positions(audited.query(stream="assessment-00004-2025")) == [1]
    assert positions(audited.query(stream_prefix="assessment-")) == [1, 3, 6, 7]
    assert positions(audited.query(stream_prefix="assessment_")) == []  # LIKE wildcards are literal
    assert positions(audited.query(types=["AssessmentOpened", "Posted"])) == [1, 3, 4, 6]
    assert positions(audited.query(actor="auditor-target@test")) == [1, 5]
    assert positions(audited.query(correlation_id="corr-a")) == [1, 2]
    assert positions(audited.query(correlation_id="corr-a", types=["CampaignOpened"])) == [2]
    assert positions(audited.query(stream_prefix="assessment-", after_position=1, limit=2)) == [3, 6]


def test_query_by_commune_matches_data_or_a_whole_stream_part(audited):
    # data.commune_code, or a dash-separated part of the stream; 00004 is not 100040
    assert positions(audited.query(commune="00004")) == [1, 2, 4, 5]
    assert positions(audited.query(commune="00070")) == [6, 7]
    assert positions(audited.query(commune="100040")) == [3]
    assert positions(audited.query(commune="0004")) == []


def test_query_by_time_in_vietnam_time(audited):
    from datetime import UTC, date, datetime

    assert positions(audited.query(recorded_from="2025-03-02", recorded_to="2025-03-02")) == [2]
    assert positions(audited.query(recorded_from=date(2025, 3, 3))) == [3, 4, 5, 6, 7]
    # 2025-03-02T17:00Z is 2025-03-03T00:00+07:00: the same instant, in another offset
    assert positions(audited.query(recorded_from="2025-03-02T17:00:00Z",
                                   recorded_to=datetime(2025, 3, 3, 1, tzinfo=UTC))) == [3, 4, 5]
    # naive datetimes are Vietnam time; bounds are inclusive
    assert positions(audited.query(recorded_to="2025-03-01T09:00:00")) == [1]
    # a day-only stamp (position 5, 2025-03-03) matches when its day overlaps the bounds
    assert positions(audited.query(recorded_from="2025-03-03T12:00:00+07:00",
                                   recorded_to="2025-03-03T23:00:00+07:00")) == [5]
    with pytest.raises(ValueError):
        audited.query(recorded_from="yesterday")


def test_query_returns_stored_events_and_combines_filters(audited):
    [event] = audited.query(commune="00004", actor="auditor-target@test", recorded_to="2025-03-01")
    assert event == audited.read_all()[0]
    assert event.metadata["correlation_id"] == "corr-a"


def test_the_audit_indexes_exist(store):
    catalogue = ("SELECT indexname FROM pg_indexes WHERE tablename = 'events'"
                 if store.engine.dialect.name == "postgresql" else
                 "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'")
    with store.engine.connect() as conn:
        names = set(conn.execute(text(catalogue)).scalars())
    assert {"ix_events_meta_correlation_id", "ix_events_meta_actor"} <= names
    store.migrate()  # idempotent with them

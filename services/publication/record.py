"""The public record: what the board shows, kept from the assessment and survey logs.

One projection (``publication_record``) reads both services' events:

- every event of an ``assessment-<commune>-<year>`` stream is kept as stored (for the export
  bundle and the recompute command) and advances the assessment's state with the workflow's
  own ``evolve``; the commune-year becomes **public when its self-assessment is posted**
  (``PostingStarted``) — nothing recorded while drafting is shown before that;
- ``CriteriaSetPublished`` keeps the set versions an administrator published;
- ``SatisfactionResultComputed`` keeps the survey results per commune, period and purpose
  (the citizens' satisfaction, or the Mẫu 04 opinion on the dissemination models: each
  shown as what it is, never one as the other);
- ``EvaluationPauseRecorded`` / ``EvaluationPauseLifted`` keep the paused years (the country's
  or a province's) with their legal basis, so that the board says why a year has no results.

Each published fact is also an **entry**: append-only, with the source event it came from
and, when it corrects an earlier entry (a revocation after a decision, a new appraisal, a
later survey result), ``corrects`` naming that entry. Entries are never updated or deleted,
except by a rebuild, which replays the same events and so recreates the same entries (entry
ids are the source events' ids; times are the source events' ``recorded_at``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import uuid
from functools import lru_cache

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    exists,
    insert,
    inspect,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from kernel import vietnamese as vi
from kernel.errors import DuplicateEventError, KernelError, NotFound
from kernel.events import Actor, NewEvent, metadata_caused_by
from kernel.projection import insert_rows
from kernel.schema import events as log_events
from kernel.store import ANY_VERSION
from rules import pauses as year_pauses
from rules.assessment import names as n
from rules.assessment.state import AssessmentState, evolve
from rules.criteria import CriteriaSet, load_builtin_sets, parse_criteria_set
from rules.criteria.model import money
from services.publication import scores
from services.publication.units import names_of, search_text
from storage import filetypes

SATISFACTION_RESULT = "SatisfactionResultComputed"
PROJECTION_NAME = "publication_record"

metadata = MetaData()

commune_years = Table(
    "publication_commune_years", metadata,
    Column("stream", String(200), primary_key=True),
    Column("commune_code", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("province_code", String(8), nullable=False),
    Column("province_name", String(200)),
    Column("district_code", String(8)),
    Column("district_name", String(200)),
    Column("commune_name", String(200)),
    Column("search_text", String(1000), nullable=False),
    Column("public", Boolean, nullable=False),
    Column("state", String(40), nullable=False),
    Column("status", String(20), nullable=False),
    Column("criteria_set_id", String(20), nullable=False),
    Column("criteria_set_version", Integer, nullable=False),
    Column("provisional", Boolean),
    Column("pass_fail", Boolean),
    Column("basis", String(20)),
    Column("total", String(20)),
    Column("total_max", String(20)),
    Column("decision_number", String(200)),
    Column("decision_date", String(10)),
    Column("state_json", Text, nullable=False),
    Column("position", BigInteger, nullable=False),
    Index("ix_publication_commune_years_province_year", "province_code", "year"),
    Index("ix_publication_commune_years_commune", "commune_code"),
)

# The assessment events as stored (to_message form), for the export and its recompute.
source_events = Table(
    "publication_source_events", metadata,
    Column("source", String(40), primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("event_id", String(64), nullable=False),
    Column("stream", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("message", Text, nullable=False),
    Index("ix_publication_source_events_stream", "stream"),
)

entries = Table(
    "publication_entries", metadata,
    Column("entry_id", String(64), primary_key=True),
    Column("commune_code", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("kind", String(40), nullable=False),
    Column("published_at", String(40), nullable=False),
    Column("corrects", String(64)),
    Column("summary", Text, nullable=False),
    Column("data", Text, nullable=False),
    Column("source", String(40), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("type", String(100), nullable=False),
    Index("ix_publication_entries_commune_year", "commune_code", "year"),
)

# The survey results: one per commune, period and purpose. A commune can have both kinds of
# survey for one period: the citizens' satisfaction (``satisfaction``) and the Mẫu 04 opinion
# on the dissemination models (``dissemination_models``, Circular 09/2021/TT-BTP); they are
# never mixed up, so the key names the purpose.
survey_results = Table(
    "publication_survey_results", metadata,
    Column("commune_code", String(16), primary_key=True),
    Column("period", String(20), primary_key=True),
    Column("purpose", String(40), primary_key=True),
    Column("data", Text, nullable=False),
    Column("entry_id", String(64), nullable=False),
    Column("source", String(40), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("type", String(100), nullable=False),
)

published_sets = Table(
    "publication_criteria_sets", metadata,
    Column("set_id", String(20), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("document", Text, nullable=False),
    Column("source", String(40), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("type", String(100), nullable=False),
)

pauses = Table(
    "publication_pauses", metadata,
    Column("year", Integer, primary_key=True),
    Column("scope", String(16), primary_key=True),  # "national" or the province code
    Column("province_code", String(8)),
    Column("data", Text, nullable=False),  # rules.pauses.public(): the API's form
    Column("event_id", String(64), nullable=False),
)

ALL_TABLES = (commune_years, source_events, entries, survey_results, published_sets, pauses)

# The survey's purposes (SatisfactionResultComputed ``purpose``; events without one are
# satisfaction surveys) and the kind of entry each is published as.
SATISFACTION, DISSEMINATION_MODELS = "satisfaction", "dissemination_models"
PURPOSES = (SATISFACTION, DISSEMINATION_MODELS)

# The table of earlier releases, keyed by commune and period only (every row a satisfaction
# survey): copied into survey_results once, then dropped (PublicRecordProjection.migrate).
_old_metadata = MetaData()
_old_satisfaction = Table(
    "publication_satisfaction", _old_metadata,
    Column("commune_code", String(16), primary_key=True),
    Column("period", String(20), primary_key=True),
    Column("data", Text, nullable=False),
    Column("entry_id", String(64), nullable=False),
    Column("source", String(40), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("type", String(100), nullable=False),
)
MIGRATION_LOCK = 8785005  # PostgreSQL advisory lock: replicas starting together take turns

# -- the change log: what readers (the board's caches) must forget, in commit order ----------------
# Every change to what the record shows appends a row: the commune, and where known its province
# and year; ``lists`` when the commune-year's line in the lists and counts changed (status, score,
# decision, or becoming public), ``years`` when it became public (the list of years may grow),
# ``everything`` when the reader should forget everything (a published criteria set, a rebuild).
# ``seq`` comes from the one row of ``change_head``, updated in the writing transaction: that row
# lock orders writers, so a reader that sees change n has seen every change before it. The log is
# not part of the read model a rebuild resets (a rebuild is itself a change), and is pruned to the
# last CHANGE_LOG_KEEP rows; the head row's ``epoch`` names the log, so a reader notices a new one.
changes = Table(
    "publication_changes", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("commune_code", String(16)),
    Column("province_code", String(8)),
    Column("year", Integer),
    Column("lists", Boolean, nullable=False),
    Column("years", Boolean, nullable=False),
    Column("everything", Boolean, nullable=False),
)

change_head = Table(
    "publication_change_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("epoch", String(36), nullable=False),
)

CHANGE_LOG_KEEP = 10_000
MAX_CHANGES = 1000
LIST_FIELDS = ("public", "status", "provisional", "pass_fail", "basis", "total", "total_max",
               "decision_number", "decision_date")


def note_change(conn, commune_code: str | None = None, province_code: str | None = None,
                year: int | None = None, lists: bool = False, years: bool = False,
                everything: bool = False) -> int:
    """Record one change in the writer's transaction; returns its sequence number."""
    return note_changes(conn, [{"commune_code": commune_code, "province_code": province_code,
                                "year": year, "lists": lists, "years": years,
                                "everything": everything}])


_BUMP_SEQ = (update(change_head).where(change_head.c.id == 1)
             .values(seq=change_head.c.seq + bindparam("count")))
_HEAD_SEQ = select(change_head.c.seq).where(change_head.c.id == 1)


def note_changes(conn, noted: list[dict]) -> int:
    """Record several changes (note_change's arguments each) with one move of the head and
    one insert; returns the last one's sequence number."""
    conn.execute(_BUMP_SEQ, {"count": len(noted)})
    seq = conn.execute(_HEAD_SEQ).scalar()
    first = seq - len(noted) + 1
    conn.execute(insert(changes), [{"seq": first + offset, **change}
                                   for offset, change in enumerate(noted)])
    if (first - 1) // 1000 != seq // 1000:  # a thousand more: prune the oldest
        conn.execute(delete(changes).where(changes.c.seq <= seq - CHANGE_LOG_KEEP))
    return seq


def _ensure_change_head(engine) -> None:
    try:
        with engine.begin() as conn:
            if conn.execute(select(change_head.c.id).where(change_head.c.id == 1)).first() is None:
                conn.execute(insert(change_head).values(id=1, seq=0, epoch=str(uuid.uuid4())))
    except IntegrityError:  # a replica starting at the same moment wrote it
        pass


def changes_after(engine, after: int | None = None, epoch: str | None = None,
                  limit: int = MAX_CHANGES) -> dict:
    """What changed in the record after change ``after`` of the log ``epoch``.

    ``{"epoch", "head", "complete", "changes": [{"commune_code", "province_code", "year",
    "lists", "years", "everything"}]}``: ``head`` is the last change included (the next call's
    ``after``). ``complete`` is false when the reader must forget everything instead: it gave no
    position (its first call), another log's epoch, a position the log no longer holds, or more
    than ``limit`` changes are waiting (then ``head`` is the log's newest)."""
    limit = max(1, min(int(limit), MAX_CHANGES))
    with engine.connect() as conn:
        head = conn.execute(select(change_head.c.seq, change_head.c.epoch)
                            .where(change_head.c.id == 1)).first()
        if head is None:
            raise NotFound("publication.change_log_not_ready")
        if after is None or epoch != head.epoch or int(after) > head.seq:
            return {"epoch": head.epoch, "head": head.seq, "complete": False, "changes": []}
        after = int(after)
        rows = list(conn.execute(select(changes).where(changes.c.seq > after)
                                 .order_by(changes.c.seq).limit(limit + 1)))
    # Changes become visible in seq order (the head row lock), so the rows read follow
    # ``after`` without a hole, unless the log was pruned past ``after`` or tampered with.
    # (The head, read first, may be older than the last row: rows are what counts.)
    gap = rows[0].seq != after + 1 if rows else head.seq > after
    if gap or len(rows) > limit:
        newest = max([head.seq] + [r.seq for r in rows])
        return {"epoch": head.epoch, "head": newest, "complete": False, "changes": []}
    return {"epoch": head.epoch, "head": rows[-1].seq if rows else after, "complete": True,
            "changes": [{"commune_code": r.commune_code, "province_code": r.province_code,
                         "year": r.year, "lists": r.lists, "years": r.years,
                         "everything": r.everything} for r in rows]}


def ref(event) -> dict:
    return {"source": event.source, "position": event.position, "event_id": event.id,
            "type": event.type}


def published_at(event) -> str:
    """When the fact became public: when its source event was recorded (deterministic, so a
    rebuild gives the same record)."""
    return str((event.metadata or {}).get("recorded_at") or "")


# -- criteria sets -------------------------------------------------------------------------------

@lru_cache(maxsize=64)
def _parsed(document: str) -> CriteriaSet:
    return parse_criteria_set(json.loads(document))


def criteria_sets(conn) -> dict[tuple[str, int], CriteriaSet]:
    """The built-in sets plus those published as events (a published version never changes)."""
    found = load_builtin_sets()
    for row in conn.execute(select(published_sets.c.document)):
        parsed = _parsed(row.document)
        found[parsed.key] = parsed
    return found


def _migrate_old_satisfaction(engine) -> None:
    """Move the rows of ``publication_satisfaction`` (a release before the Mẫu 04 survey)
    into ``publication_survey_results`` as satisfaction surveys, and drop it. Replicas
    starting together take turns (PostgreSQL's advisory lock), and each looks again once it
    has the lock: the first moved the rows and dropped the table, the others find nothing.
    No entry and no change is written: the record shows what it showed."""
    if not inspect(engine).has_table(_old_satisfaction.name):
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        if not inspect(conn).has_table(_old_satisfaction.name):
            return
        old = _old_satisfaction.c
        conn.execute(insert(survey_results).from_select(
            ["commune_code", "period", "purpose", "data", "entry_id", "source", "position",
             "event_id", "type"],
            select(old.commune_code, old.period, literal(SATISFACTION), old.data, old.entry_id,
                   old.source, old.position, old.event_id, old.type)
            .where(~exists().where(survey_results.c.commune_code == old.commune_code,
                                   survey_results.c.period == old.period,
                                   survey_results.c.purpose == SATISFACTION))))
        _old_satisfaction.drop(conn)


def criteria_set_of(conn, set_id: str, version: int) -> CriteriaSet | None:
    return criteria_sets(conn).get((set_id, version))


def _load_state(state_json: str) -> AssessmentState:
    return AssessmentState(**json.loads(state_json))


_STATE_FIELDS = tuple(f.name for f in dataclasses.fields(AssessmentState))


def _state_json(state: AssessmentState) -> str:
    """What ``json.dumps(dataclasses.asdict(state))`` gives, without asdict's deep copy of a
    state that is plain JSON already."""
    return json.dumps({name: getattr(state, name) for name in _STATE_FIELDS}, ensure_ascii=False)


_UPDATE_SURVEY_RESULT = update(survey_results).where(
    survey_results.c.commune_code == bindparam("b_commune_code"),
    survey_results.c.period == bindparam("b_period"),
    survey_results.c.purpose == bindparam("b_purpose")).values(
    {name: bindparam(f"b_{name}") for name in ("data", "entry_id", "source", "position",
                                                "event_id", "type")})
_UPDATE_COMMUNE_YEAR = update(commune_years).where(
    commune_years.c.stream == bindparam("b_stream")).values(
    {name: bindparam(f"b_{name}") for name in (*LIST_FIELDS, "state", "state_json", "position")})


# -- the projection ------------------------------------------------------------------------------

ENTRY_PUBLISHED = "EntryPublished"
#: the kinds of assessment entry that a later one corrects, and the events that make those
CORRECTED_KINDS = ("appraisal", "decision")
CORRECTING_TYPES = frozenset({n.APPRAISAL_COMPLETED, n.RECOGNITION_DECIDED, n.RECOGNITION_REVOKED})
ENTRY_NAMESPACE = uuid.UUID("5d2b6c1e-7f0a-4c8e-9b1d-2a3f4e5d6c7b")


class PublicRecordProjection:
    name = PROJECTION_NAME
    store = None
    sources = ["assessment", "survey"]
    # From the survey only results, which arrive on campaign streams (see handles).
    event_types = {"survey": ("CampaignOpened", "CampaignClosed", "CampaignReopened",
                              SATISFACTION_RESULT)}

    def handles(self, event) -> bool:
        if event.source == "assessment":
            return (event.stream.startswith("assessment-") or event.type == n.CRITERIA_SET_PUBLISHED
                    or event.type in year_pauses.EVENT_TYPES)
        return event.source == "survey" and event.type == SATISFACTION_RESULT

    def apply(self, conn, event) -> None:
        self.apply_many(conn, [event])

    def apply_many(self, conn, events) -> None:
        """A batch's events in order: each run of consecutive assessment events, or of survey
        results, folded at once; the others, which a run's scoring may depend on (a
        published criteria set), between the runs. The entries are written at the end, and
        their events appended to the service's own log, in order."""
        self._posts, self._entries = [], []
        run, fold = [], None
        for event in events:
            if event.type == n.CRITERIA_SET_PUBLISHED:
                each = self._criteria_set
            elif event.type in year_pauses.EVENT_TYPES:
                each = self._pause
            else:
                kind = (self._satisfactions if event.type == SATISFACTION_RESULT
                        else self._assessments)
                if kind != fold and run:
                    fold(conn, run)
                    run = []
                run.append(event)
                fold = kind
                continue
            if run:
                fold(conn, run)
                run = []
            each(conn, event)
        if run:
            fold(conn, run)
        insert_rows(conn, entries, self._entries)
        self._post(conn)

    def reset(self, conn) -> None:
        for table in ALL_TABLES:
            conn.execute(delete(table))
        note_change(conn, everything=True)  # readers forget all they kept of the old record

    def migrate(self, engine) -> None:
        metadata.create_all(engine)
        _ensure_change_head(engine)
        _migrate_old_satisfaction(engine)

    def bind(self, store) -> None:
        """The publication service's own store: each public entry is also an event there."""
        self.store = store

    def _publish(self, conn, event, commune_code, year, kind, summary, values, corrects) -> None:
        self._entries.append({
            "entry_id": event.id, "commune_code": commune_code, "year": year, "kind": kind,
            "published_at": published_at(event), "corrects": corrects, "summary": summary,
            "data": json.dumps(values, ensure_ascii=False), **ref(event)})
        if self.store is None:  # a projection without a store of its own (tools, tests)
            return
        # Publishing is a legal step, so it is an auditable event caused by what it publishes;
        # its id derives from the source event, so a rebuild never posts twice.
        posted = NewEvent(ENTRY_PUBLISHED, {
            "entry_id": event.id, "kind": kind, "commune_code": commune_code, "year": year,
            "corrects": corrects, "summary": summary, "source": ref(event)},
            id=str(uuid.uuid5(ENTRY_NAMESPACE, event.id)))
        self._posts.append((f"record-{commune_code}-{year}", posted,
                            metadata_caused_by(event, Actor.system("publication"))))

    def _post(self, conn) -> None:
        """Append the batch's entry events that the log does not hold yet, looked up in one
        query (a rebuild finds them all there and appends nothing). Each stream's in their
        order; the streams' together, a round of appends at a time (the first of each stream,
        then the second…), so a first build makes a few appends rather than one per entry."""
        if not self._posts:
            return
        ids = [posted.id for _, posted, _ in self._posts]
        held = set()
        for start in range(0, len(ids), 500):
            held.update(conn.execute(select(log_events.c.event_id).where(
                log_events.c.event_id.in_(ids[start:start + 500]))).scalars())
        rounds: list[dict] = []
        for stream, posted, meta in self._posts:
            if posted.id not in held:
                taken = next((r for r in rounds if stream not in r), None)
                if taken is None:
                    rounds.append(taken := {})
                taken[stream] = (stream, ANY_VERSION, [posted], meta)
        for appends in rounds:
            try:
                self.store.append_many(list(appends.values()), conn=conn)
            except DuplicateEventError:  # another replica posted some meanwhile: one by one
                for stream, version, posted, meta in appends.values():
                    with contextlib.suppress(DuplicateEventError):
                        self.store.append(stream, version, posted, meta, conn=conn)
        self._posts = []

    def _last_entry(self, commune_code: str, year: int, kind: str) -> str | None:
        """The latest entry of a kind that an entry corrects: among those written before the
        run (``_assessments`` looked them up) and those of this batch."""
        found = list(self._earlier.get((commune_code, year, kind), ()))
        found += [(e["published_at"], e["position"], e["entry_id"]) for e in self._entries
                  if (e["commune_code"], e["year"], e["kind"]) == (commune_code, year, kind)]
        return max(found)[2] if found else None

    # -- criteria sets
    def _criteria_set(self, conn, event) -> None:
        data = event.data
        exists = conn.execute(select(published_sets.c.version).where(
            published_sets.c.set_id == data["set_id"],
            published_sets.c.version == data["version"])).first()
        if exists is None:
            conn.execute(insert(published_sets).values(
                set_id=data["set_id"], version=data["version"],
                document=json.dumps(data["document"], ensure_ascii=False), **ref(event)))
            # titles and sources of the commune-years using it: rare, so forget everything
            note_change(conn, everything=True)

    # -- paused years: replaying an event leaves the same row (or none)
    def _pause(self, conn, event) -> None:
        data = event.data
        key = {"year": data["year"], "scope": year_pauses.scope_key(data["province_code"])}
        conn.execute(delete(pauses).where(pauses.c.year == key["year"], pauses.c.scope == key["scope"]))
        if event.type == year_pauses.PAUSE_RECORDED:
            shown = year_pauses.public({**data, "scope_vi": year_pauses.scope_vi(data["province_code"])})
            conn.execute(insert(pauses).values(**key, province_code=data["province_code"],
                                               data=json.dumps(shown, ensure_ascii=False),
                                               event_id=event.id))
        note_change(conn, province_code=data["province_code"], year=data["year"], everything=True)

    # -- survey results
    def _satisfactions(self, conn, events) -> None:
        """Consecutive survey results: each (commune, period, purpose) row read once and
        written once, whatever the number of results for it."""
        known = [(e, purpose_of(e.data)) for e in events]
        known = [(e, purpose) for e, purpose in known if purpose is not None]  # others: never
        if not known:                                      # shown as a kind they are not
            return
        codes = sorted({e.data["commune_code"] for e, _ in known})
        stored = {}
        for start in range(0, len(codes), 500):
            stored.update(((r.commune_code, r.period, r.purpose), r.entry_id)
                          for r in conn.execute(select(
                              survey_results.c.commune_code, survey_results.c.period,
                              survey_results.c.purpose, survey_results.c.entry_id).where(
                              survey_results.c.commune_code.in_(codes[start:start + 500]))))
        latest, noted = {}, []
        for event, purpose in known:
            data = event.data
            commune_code, period = data["commune_code"], str(data["period"])
            key = (commune_code, period, purpose)
            previous = latest[key]["entry_id"] if key in latest else stored.get(key)
            public = public_satisfaction(data)
            latest[key] = {"commune_code": commune_code, "period": period, "purpose": purpose,
                           "data": json.dumps(public, ensure_ascii=False), "entry_id": event.id,
                           **ref(event)}
            noted.append({"commune_code": commune_code, "province_code": None, "year": None,
                          "lists": False, "years": False, "everything": False})
            year = _year_of_period(period)
            if year is None:
                continue  # shown on the commune's page only
            summary = survey_summary(public)
            if previous is not None:
                summary += " (thay thế kết quả trước)"
            self._publish(conn, event, commune_code, year, purpose, summary, public, previous)
        insert_rows(conn, survey_results, [row for key, row in latest.items() if key not in stored])
        moved = [{f"b_{k}": v for k, v in row.items()} for key, row in latest.items()
                 if key in stored]
        if moved:
            conn.execute(_UPDATE_SURVEY_RESULT, moved)
        note_changes(conn, noted)

    # -- assessments
    def _assessments(self, conn, events) -> None:
        """Consecutive assessment events, folded per stream: each commune-year's row read once,
        advanced in memory with ``evolve``, scored and written once, and one change noted for
        it; what applying them one at a time leaves (a batch is one transaction, so no reader
        sees the states in between). Entries are made at their event, from the state as it
        stood then; before the posting there are none, and no change to note."""
        streams = list(dict.fromkeys(e.stream for e in events))
        stored = {}
        for start in range(0, len(streams), 500):
            stored.update((row.stream, row) for row in conn.execute(select(
                commune_years.c.stream, commune_years.c.commune_code, commune_years.c.year,
                commune_years.c.state_json,
                *(commune_years.c[name] for name in LIST_FIELDS)).where(
                commune_years.c.stream.in_(streams[start:start + 500]))))
        # The entries a new one may correct: only a commune-year with a row has any, and only
        # these events make an entry that corrects one.
        self._earlier = {}
        correcting = any(e.type in CORRECTING_TYPES for e in events)
        codes = sorted({row.commune_code for row in stored.values()}) if correcting else []
        for start in range(0, len(codes), 500):
            for e in conn.execute(select(
                    entries.c.commune_code, entries.c.year, entries.c.kind, entries.c.published_at,
                    entries.c.position, entries.c.entry_id).where(
                    entries.c.commune_code.in_(codes[start:start + 500]),
                    entries.c.kind.in_(CORRECTED_KINDS))):
                self._earlier.setdefault((e.commune_code, e.year, e.kind), []).append(
                    (e.published_at, e.position, e.entry_id))
        # As stored, before evolve: it keeps parts of an event's data in the state, which
        # later events of the same stream may change in place.
        insert_rows(conn, source_events, [{
            "source": e.source, "position": e.position, "event_id": e.id, "stream": e.stream,
            "version": e.version, "type": e.type,
            "message": json.dumps(e.to_message(), ensure_ascii=False)} for e in events])
        sets = criteria_sets(conn)
        folded: dict[str, tuple[AssessmentState, int]] = {}  # stream -> state, last position
        for event in events:
            if event.stream in folded:
                state = folded[event.stream][0]
            elif event.stream in stored:
                state = _load_state(stored[event.stream].state_json)
            else:
                state = AssessmentState()
            evolve(state, event.type, event.data)
            state.version = event.version
            if not state.identity:  # an event before the opening: nothing kept yet
                continue
            folded[event.stream] = (state, event.position)
            if scores.is_public(state):
                criteria_set = sets.get((state.identity["criteria_set_id"],
                                         state.identity["criteria_set_version"]))
                if criteria_set is not None:
                    self._entry(conn, event, state, criteria_set)
        fresh, moved, noted = [], [], []
        for stream, (state, position) in folded.items():
            identity = state.identity
            criteria_set = sets.get((identity["criteria_set_id"], identity["criteria_set_version"]))
            values = _summary(state, criteria_set)
            values.update(state_json=_state_json(state), position=position)
            row = stored.get(stream)
            if row is None:
                names = names_of(identity["commune_code"], identity["year"],
                                 identity["province_code"])
                fresh.append({
                    "stream": stream, "commune_code": identity["commune_code"],
                    "year": identity["year"], "province_code": identity["province_code"],
                    "province_name": names["province_name"],
                    "district_code": names["district_code"],
                    "district_name": names["district_name"], "commune_name": names["commune_name"],
                    "search_text": search_text(identity["commune_code"], names,
                                               identity["province_code"]),
                    "criteria_set_id": identity["criteria_set_id"],
                    "criteria_set_version": identity["criteria_set_version"], **values})
            else:
                moved.append({"b_stream": stream, **{f"b_{k}": v for k, v in values.items()}})
            was_public = row is not None and bool(row.public)
            if was_public or values["public"]:
                # Before anything is published the board shows nothing of it: no change to note.
                noted.append({
                    "commune_code": identity["commune_code"],
                    "province_code": identity["province_code"], "year": identity["year"],
                    "lists": not was_public or any(getattr(row, name) != values[name]
                                                   for name in LIST_FIELDS),
                    "years": not was_public, "everything": False})
        insert_rows(conn, commune_years, fresh)
        if moved:
            conn.execute(_UPDATE_COMMUNE_YEAR, moved)
        if noted:
            note_changes(conn, noted)

    def _entry(self, conn, event, state: AssessmentState, criteria_set: CriteriaSet) -> None:
        code, year = state.identity["commune_code"], state.identity["year"]
        data = event.data

        def add(kind, summary, values, corrects=None):
            self._publish(conn, event, code, year, kind, summary, values, corrects)

        if event.type == n.POSTING_STARTED:
            sheet = _safe(lambda: scores.self_sheet(state, criteria_set))
            total = _points(sheet) if sheet and not sheet.pass_fail \
                else ("bộ tiêu chí đạt/không đạt" if sheet else "chưa có điểm")
            add("self_assessment", f"Niêm yết công khai kết quả tự đánh giá từ ngày "
                f"{vi.day(data['start'])} (hình thức: {vi.posting_channel(data['channel'])}, "
                f"tối thiểu đến {vi.day(data['minimum_end'])}); tự chấm: {total}",
                {"start": data["start"], "channel": data["channel"],
                 "minimum_end": data["minimum_end"],
                 "scores": _scores_block("self", sheet, criteria_set),
                 "evidence": public_evidence(state, criteria_set)})
        elif event.type == n.COMMENT_RECORDED:
            add("comment", f"Nhận ý kiến góp ý {data['comment_id']} ngày {vi.day(data['received_on'])}",
                {"comment_id": data["comment_id"], "text": data["text"],
                 "received_on": data["received_on"]})
        elif event.type == n.COMMENT_ANSWERED:
            add("comment_answer", f"Trả lời ý kiến {data['comment_id']} ngày {vi.day(data['answered_on'])}",
                {"comment_id": data["comment_id"], "answer": data["answer"],
                 "answered_on": data["answered_on"]})
        elif event.type == n.EVIDENCE_ATTACHED:
            file = public_file(data)
            add("evidence", f"Bổ sung tài liệu minh chứng cho chỉ tiêu {data['indicator_id']}: "
                f"“{file['file_name']}” ({file['kind']}, {vi.number(file['size'])} byte, SHA-256 "
                f"{file['sha256']})" + (f", theo yêu cầu bổ sung lần {data['supplement']}"
                                        if data.get("supplement") else ""),
                {"indicator_id": data["indicator_id"], **file})
        elif event.type == n.POSTING_ENDED:
            add("posting_ended", f"Kết thúc niêm yết ngày {vi.day(data['ended_on'])}",
                {"ended_on": data["ended_on"]})
        elif event.type == n.APPRAISAL_COMPLETED:
            sheet = _safe(lambda: scores.council_sheet(state, criteria_set))
            previous = self._last_entry(code, year, "appraisal")
            total = _points(sheet) if sheet and not sheet.pass_fail \
                else "bộ tiêu chí đạt/không đạt"
            add("appraisal", f"Hội đồng đánh giá hoàn thành thẩm định ngày "
                f"{vi.day(data['completed_on'])}: "
                f"{total}" + (" (thay thế kết quả thẩm định trước)" if previous else ""),
                {"completed_on": data["completed_on"],
                 "scores": _scores_block("appraised", sheet, criteria_set)}, previous)
        elif event.type == n.RECOGNITION_DECIDED:
            previous = self._last_entry(code, year, "decision")
            published_on = published_at(event)[:10]
            late = bool(data.get("publication_due") and published_on > data["publication_due"])
            outcome = "đạt chuẩn" if data["recognised"] else "chưa đạt chuẩn"
            add("decision", f"Quyết định số {data['decision_number']} ngày "
                f"{vi.day(data['decision_date'])}: "
                f"{outcome} tiếp cận pháp luật" + (" (công bố quá hạn)" if late else ""),
                {"recognised": data["recognised"], "decision_number": data["decision_number"],
                 "decision_date": data["decision_date"],
                 "publication_due": data.get("publication_due"), "published_on": published_on,
                 "late_publication": late,
                 # the rules applied to the council's sheet as the chairman decided (decisions
                 # recorded before it was carried have none)
                 "recognition": data.get("recognition")}, previous)
        elif event.type == n.RECOGNITION_REVOKED:
            previous = self._last_entry(code, year, "decision")
            add("revocation", f"Thu hồi công nhận đạt chuẩn ngày {vi.day(data['revoked_on'])}: {data['reason']}",
                {"reason": data["reason"], "revoked_on": data["revoked_on"],
                 "decision_number": data.get("decision_number"),
                 "published_on": published_at(event)[:10]}, previous)


# -- evidence files: what the posting makes public --------------------------------------------
# The rules post the self-assessment's results for citizens' comments (RULES.md: the score
# sheet, Mẫu 02, with its column of evidence documents); the documents themselves are the
# dossier's, and may name citizens. So the record shows the list of each indicator's files
# (name, kind, size, SHA-256, when added, and what their digital signatures say), never the
# files: with the SHA-256 anyone holding a copy can tell whether it is the file submitted.
FILE_KINDS_VI = {kind.media_type: kind.name_vi for kind in filetypes.ALLOWED}


def public_file(file: dict) -> dict:
    signatures = file.get("signatures")
    return {"file_name": file["file_name"], "media_type": file.get("media_type"),
            "kind": FILE_KINDS_VI.get(file.get("media_type"), "không rõ loại"),
            "size": file.get("size"), "sha256": file.get("sha256"),
            "added_on": (file.get("uploaded_at") or "")[:10] or None,
            "supplement": file.get("supplement"),
            "signatures": None if not isinstance(signatures, dict) else {
                "signed": bool(signatures.get("signed")),
                "signatures": [{key: signature.get(key) for key in (
                    "signing_time", "intact", "modified_after_signing", "trusted", "trust",
                    "verdict", "summary_vi")} | {
                    "signer": (signature.get("signer") or {}).get("common_name"),
                    "organisation": (signature.get("signer") or {}).get("organisation")}
                    for signature in signatures.get("signatures") or []]}}


def public_evidence(state: AssessmentState, criteria_set: CriteriaSet | None) -> list[dict]:
    """Each indicator's files, in the criteria set's order, once the year is public."""
    if not scores.is_public(state):
        return []
    order = {i.id: (n, i.name) for n, i in enumerate(criteria_set.indicators())} \
        if criteria_set is not None else {}
    found = [(indicator, files) for indicator, files in state.evidence.items() if files]
    found.sort(key=lambda item: order.get(item[0], (len(order), ""))[0])
    return [{"indicator_id": indicator, "indicator_name": order.get(indicator, (0, None))[1],
             "files": [public_file(file) for file in files]} for indicator, files in found]


def _safe(compute):
    try:
        return compute()
    except KernelError:  # figures the stored set version no longer scores: shown without points
        return None


def _points(sheet) -> str:
    return f"{vi.number(money(sheet.total))}/{vi.number(money(sheet.total_max))} điểm"


def _scores_block(basis: str, sheet, criteria_set) -> dict | None:
    if sheet is None or criteria_set is None:
        return None
    return {"basis": basis, "total": money(sheet.total), "total_max": money(sheet.total_max),
            "criteria": scores.criteria_lines(sheet, criteria_set)}


def _summary(state: AssessmentState, criteria_set: CriteriaSet | None) -> dict:
    basis, sheet = (None, None)
    if criteria_set is not None:
        try:
            basis, sheet = scores.sheet_of_record(state, criteria_set)
        except KernelError:
            basis, sheet = None, None
    decision = state.decision or {}
    return {
        "public": scores.is_public(state), "state": state.state, "status": scores.status(state),
        "provisional": criteria_set.provisional if criteria_set else None,
        "pass_fail": criteria_set.pass_fail if criteria_set else None,
        "basis": basis, "total": money(sheet.total) if sheet else None,
        "total_max": money(sheet.total_max) if sheet else None,
        "decision_number": decision.get("decision_number"),
        "decision_date": decision.get("decision_date"),
    }


def _year_of_period(period: str) -> int | None:
    """A survey period "2022" is that evaluation year's survey; "2022-q3" is not."""
    return int(period) if period.isdigit() else None


def purpose_of(data: dict) -> str | None:
    """The survey's purpose: a result without one is a satisfaction survey; None for a
    purpose this release does not know."""
    purpose = data.get("purpose") or SATISFACTION
    return purpose if purpose in PURPOSES else None


# How the public entry names each kind of survey, its rate and what it counts.
SURVEY_WORDS = {
    SATISFACTION: {"result": "Kết quả khảo sát sự hài lòng",
                   "survey": "Khảo sát sự hài lòng", "rate": "tỷ lệ hài lòng",
                   "positive": "hài lòng"},
    DISSEMINATION_MODELS: {
        "result": "Kết quả lấy ý kiến về hiệu quả các hình thức, mô hình phổ biến, giáo dục "
                  "pháp luật (Mẫu 04)",
        "survey": "Lấy ý kiến về hiệu quả các hình thức, mô hình phổ biến, giáo dục pháp luật "
                  "(Mẫu 04)",
        "rate": "tỷ lệ ý kiến đánh giá hiệu quả", "positive": "ý kiến đánh giá hiệu quả"},
}


def survey_summary(public: dict) -> str:
    """The public entry of a survey result (``public_satisfaction``), in the words of its kind:
    "Kết quả khảo sát sự hài lòng: 90% hài lòng (45/50 ý kiến)"; no rate without a valid
    answer, nor below the survey's minimum."""
    words = SURVEY_WORDS[public.get("purpose") or SATISFACTION]
    if public["published"]:
        summary = (f"{words['result']}: {vi.number(public['rate_percent'])}% {words['positive']} "
                   f"({vi.number(public['satisfied'])}/{vi.number(public['valid_answers'])} ý kiến)")
    elif public["no_data"]:
        summary = (f"{words['survey']} kết thúc mà không có ý kiến hợp lệ nào: chưa có số liệu về "
                   f"{words['rate']}")
    else:
        summary = (f"{words['result']} chưa đủ điều kiện công bố"
                   f"{': ' + public['reason'] if public['reason'] else ''}")
    if public["flags"]:
        summary += (f"; có {vi.number(len(public['flags']))} ngày một thiết bị ghi nhận số phiếu bất "
                    "thường")
    return summary


def public_satisfaction(data: dict) -> dict:
    """What a survey result shows publicly: the rate only when it may be published (never
    without a valid answer: "no data"), and the bursts the survey flagged, by day."""
    no_data = not data.get("valid_answers")
    published = bool(data.get("published")) and not no_data
    return {"campaign_id": data["campaign_id"], "period": str(data["period"]),
            "purpose": data.get("purpose") or SATISFACTION,
            "questionnaire_id": data.get("questionnaire_id"),
            "questionnaire_version": data.get("questionnaire_version"),
            "published": published, "reason": data.get("reason"),
            "responses": data.get("responses"), "valid_answers": data.get("valid_answers"),
            "satisfied": data.get("satisfied") if published else None,
            "rate_percent": data.get("rate_percent") if published else None,
            "target_sample": data.get("target_sample"), "target_met": data.get("target_met"),
            "no_data": no_data,
            "flags": [{key: flag.get(key) for key in ("day", "responses", "share_percent",
                                                      "reasons")}
                      for flag in data.get("flags") or []]}


# -- reading the record ------------------------------------------------------------------------

def search_item(row) -> dict:
    """A commune-year as search, decisions and the board's lists show it."""
    return {"commune_code": row.commune_code, "commune_name": row.commune_name,
            "district_code": row.district_code, "district_name": row.district_name,
            "province_code": row.province_code, "province_name": row.province_name,
            "year": row.year, "status": row.status, "total": row.total,
            "total_max": row.total_max, "basis": row.basis,
            "decision_number": row.decision_number, "decision_date": row.decision_date,
            "criteria_set_id": row.criteria_set_id,
            "criteria_set_version": row.criteria_set_version,
            "provisional": row.provisional, "pass_fail": row.pass_fail}


# The commune page's queries, built once (SQLAlchemy then reuses their compiled form): five
# queries for a commune whatever the number of its years.
_PUBLIC_YEARS = (select(commune_years)
                 .where(commune_years.c.commune_code == bindparam("code"),
                        commune_years.c.public.is_(True))
                 .order_by(commune_years.c.year.desc()))
_COMMUNE_ENTRIES = (select(entries).where(entries.c.commune_code == bindparam("code"))
                    .order_by(entries.c.published_at, entries.c.source, entries.c.position))
_COMMUNE_SURVEYS = select(survey_results).where(
    survey_results.c.commune_code == bindparam("code"))
_STREAM_SOURCES = (select(source_events.c.stream, source_events.c.source,
                          source_events.c.position, source_events.c.event_id,
                          source_events.c.type)
                   .where(source_events.c.stream.in_(bindparam("streams", expanding=True)))
                   .order_by(source_events.c.position))
_PUBLISHED_SETS = select(published_sets)


def commune_record(engine, commune_code: str) -> dict:
    with engine.connect() as conn:
        rows = list(conn.execute(_PUBLIC_YEARS, {"code": commune_code}))
        if not rows:
            raise NotFound("publication.commune_nothing", {"commune_code": commune_code})
        published = {(r.set_id, r.version): r for r in conn.execute(_PUBLISHED_SETS)}
        by_year: dict[int, list] = {}
        for entry in conn.execute(_COMMUNE_ENTRIES, {"code": commune_code}):
            by_year.setdefault(entry.year, []).append(entry)
        surveys = {(r.period, r.purpose): r for r in conn.execute(_COMMUNE_SURVEYS,
                                                                  {"code": commune_code})}
        by_stream: dict[str, list] = {}
        for event in conn.execute(_STREAM_SOURCES, {"streams": [r.stream for r in rows]}):
            by_stream.setdefault(event.stream, []).append(event)
        paused = [p for p in pauses_of(conn, None, rows[0].province_code)
                  if p["year"] not in {r.year for r in rows}]
    sets = load_builtin_sets()
    for row in published.values():
        parsed = _parsed(row.document)
        sets[parsed.key] = parsed
    years = [_year_record(row, sets, published.get((row.criteria_set_id,
                                                    row.criteria_set_version)),
                          by_year.get(row.year, []),
                          {purpose: surveys.get((str(row.year), purpose)) for purpose in PURPOSES},
                          by_stream.get(row.stream, []))
             for row in rows]
    newest = rows[0]
    return {"commune": {"code": commune_code, "name": newest.commune_name,
                        "district_code": newest.district_code,
                        "district_name": newest.district_name,
                        "province_code": newest.province_code,
                        "province_name": newest.province_name},
            "years": years, "paused_years": paused}


def _year_record(row, sets, published_set, year_entries, surveys, stream_events) -> dict:
    state = _load_state(row.state_json)
    criteria_set = sets.get((row.criteria_set_id, row.criteria_set_version))
    by_kind = {}
    for entry in year_entries:
        by_kind[entry.kind] = entry  # the latest of each kind
    basis, sheet = (None, None)
    if criteria_set is not None:
        basis, sheet = _safe(lambda: scores.sheet_of_record(state, criteria_set)) or (None, None)
    posting = state.posting
    decision, revocation = by_kind.get("decision"), by_kind.get("revocation")
    decision = None if decision is None else json.loads(decision.data)
    revocation = None if revocation is None else json.loads(revocation.data)
    # Every source event a published value of the commune-year comes from: the stream's
    # events, the published criteria set's, every survey result of the period (superseded
    # ones included, of both kinds).
    sources = [_ref_of(e) for e in stream_events]
    if published_set is not None:
        sources.append(_ref_of(published_set))
    sources += [_ref_of(e) for e in sorted((e for e in year_entries if e.kind in PURPOSES),
                                           key=lambda e: e.position)]
    return {
        "year": row.year, "status": row.status,
        "criteria_set": {"id": row.criteria_set_id, "version": row.criteria_set_version,
                         "title": criteria_set.title if criteria_set else None,
                         "provisional": row.provisional, "pass_fail": row.pass_fail,
                         **_wording(criteria_set)},
        "posting": None if posting is None else {
            "start": posting["start"], "minimum_end": posting["minimum_end"],
            "ended_on": posting["ended_on"], "channel": posting["channel"],
            "comments": [{"comment_id": c["comment_id"], "text": c["text"],
                          "received_on": c["received_on"], "answer": c["answer"],
                          "answered_on": c["answered_on"]}
                         for c in posting["comments"].values()]},
        "scores": None if sheet is None else {
            "basis": basis, "total": money(sheet.total), "total_max": money(sheet.total_max),
            "criteria": scores.criteria_lines(sheet, criteria_set)},
        "decision": None if decision is None else {
            key: decision.get(key) for key in ("recognised", "decision_number", "decision_date",
                                               "publication_due", "published_on",
                                               "late_publication", "recognition")},
        "revocation": None if revocation is None else {
            key: revocation[key] for key in ("reason", "revoked_on", "decision_number",
                                             "published_on")},
        # each kind of survey under its own key: a Mẫu 04 result is never the satisfaction rate
        "satisfaction": _survey(surveys[SATISFACTION]),
        "dissemination_models": _survey(surveys[DISSEMINATION_MODELS]),
        "survey_held": survey_held(state, criteria_set),
        "evidence": public_evidence(state, criteria_set),
        "entries": [{"entry_id": e.entry_id, "kind": e.kind, "published_at": e.published_at,
                     "corrects": e.corrects, "summary": e.summary, "source": _ref_of(e)}
                    for e in year_entries],
        "sources": sources,
    }


def _survey(row) -> dict | None:
    return None if row is None else {**json.loads(row.data), "purpose": row.purpose}


def survey_held(state: AssessmentState, criteria_set: CriteriaSet | None) -> dict | None:
    """The survey result the assessment holds back, if its latest survey event is a
    ``SatisfactionResultHeld`` (an Applied or Replaced one taking a result clears it): it
    came after the commune submitted its self-assessment, so the survey-fed indicator's
    figures are still the earlier result's (``applied``, or none); it is taken only if the
    self-assessment goes back to drafting. The rate only when the result may be published."""
    held = state.survey_held
    if not held:
        return None
    result = held.get("result") or {}
    applied = (state.survey or {}).get("result")
    indicator_id = held.get("indicator_id")
    names = {i.id: i.name for i in criteria_set.indicators()} if criteria_set else {}
    shown = {"held": _held_result(result), "applied": _held_result(applied) if applied else None}
    return {"indicator_id": indicator_id, "indicator_name": names.get(indicator_id),
            "state": held.get("state"), **shown,
            "summary": _held_summary(indicator_id, shown["held"], shown["applied"])}


def _held_result(result: dict) -> dict:
    status = result.get("status")
    published = status == "published" and bool(result.get("valid_answers"))
    return {"campaign_id": result.get("campaign_id"), "period": result.get("period"),
            "purpose": result.get("purpose") or SATISFACTION, "status": status,
            "rate_percent": result.get("rate_percent") if published else None}


def _held_rate(result: dict) -> str:
    words = SURVEY_WORDS.get(result["purpose"], SURVEY_WORDS[SATISFACTION])
    if result["rate_percent"] is not None:
        return f"{vi.number(result['rate_percent'])}% {words['positive']}"
    if result["status"] == "no_data":
        return "không có ý kiến hợp lệ"
    return "chưa đủ điều kiện công bố"


def _held_summary(indicator_id, held: dict, applied: dict | None) -> str:
    kind = ("Kết quả lấy ý kiến mới (Mẫu 04" if held["purpose"] == DISSEMINATION_MODELS
            else "Kết quả khảo sát mới (")
    separator = ", " if held["purpose"] == DISSEMINATION_MODELS else ""
    text = (f"{kind}{separator}đợt {held['campaign_id']}, {_held_rate(held)}) đến sau khi xã "
            f"đã nộp hồ sơ tự đánh giá nên chưa được tính vào điểm chỉ tiêu {indicator_id}; ")
    if applied is None:
        return text + "chỉ tiêu này chưa có kết quả nào được tính."
    return text + (f"điểm vẫn theo kết quả trước (đợt {applied['campaign_id']}, "
                   f"{_held_rate(applied)}).")


def _ref_of(row) -> dict:
    return {"source": row.source, "position": row.position, "event_id": row.event_id,
            "type": row.type}


def stream_messages(conn, stream: str) -> list[dict]:
    return [json.loads(r.message) for r in conn.execute(
        select(source_events.c.message).where(source_events.c.stream == stream)
        .order_by(source_events.c.position))]


def pauses_of(conn, year: int | None = None, province_code: str | None = None) -> list[dict]:
    """The pauses in force (of a year; for a province: the country's and its own), country first."""
    query = select(pauses.c.data)
    if year is not None:
        query = query.where(pauses.c.year == int(year))
    if province_code is not None:
        query = query.where(pauses.c.scope.in_((year_pauses.NATIONAL, province_code)))
    found = [json.loads(row.data) for row in conn.execute(query)]
    return sorted(found, key=lambda p: (p["year"], p["province_code"] is not None, p["province_code"] or ""))


def pause_for(conn, year: int, province_code: str | None) -> dict | None:
    """The pause that stops a province's year (the country's first), or the country's."""
    found = pauses_of(conn, year, province_code)
    if province_code is None:
        found = [p for p in found if p["province_code"] is None]
    return found[0] if found else None


def _wording(criteria_set: CriteriaSet | None) -> dict:
    """Which names of the set are not the legal text's: the board says so beside the result."""
    if criteria_set is None:
        return {"inferred_items": [], "secondary_wording": False}
    items = [item for criterion in criteria_set.criteria for indicator in criterion.indicators
             for item in (criterion, indicator, *indicator.sub_items)]
    return {"inferred_items": sorted({f"{i.id}: {i.name}" for i in items if i.wording == "inferred"}),
            "secondary_wording": any(i.wording == "secondary" for i in items)}

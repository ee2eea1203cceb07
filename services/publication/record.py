"""The public record: what the board shows, kept from the assessment and survey logs.

One projection (``publication_record``) reads both services' events:

- every event of an ``assessment-<commune>-<year>`` stream is kept as stored (for the export
  bundle and the recompute command) and advances the assessment's state with the workflow's
  own ``evolve``; the commune-year becomes **public when its self-assessment is posted**
  (``PostingStarted``) — nothing recorded while drafting is shown before that;
- ``CriteriaSetPublished`` keeps the set versions an administrator published;
- ``SatisfactionResultComputed`` keeps the survey results per commune and period;
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
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from kernel import vietnamese as vi
from kernel.errors import DuplicateEventError, KernelError, NotFound
from kernel.events import Actor, NewEvent, metadata_caused_by
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

satisfaction_results = Table(
    "publication_satisfaction", metadata,
    Column("commune_code", String(16), primary_key=True),
    Column("period", String(20), primary_key=True),
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

ALL_TABLES = (commune_years, source_events, entries, satisfaction_results, published_sets, pauses)

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
    conn.execute(update(change_head).where(change_head.c.id == 1)
                 .values(seq=change_head.c.seq + 1))
    seq = conn.execute(select(change_head.c.seq).where(change_head.c.id == 1)).scalar()
    conn.execute(insert(changes).values(
        seq=seq, commune_code=commune_code, province_code=province_code, year=year,
        lists=lists, years=years, everything=everything))
    if seq % 1000 == 0:
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


def criteria_set_of(conn, set_id: str, version: int) -> CriteriaSet | None:
    return criteria_sets(conn).get((set_id, version))


def _load_state(state_json: str) -> AssessmentState:
    return AssessmentState(**json.loads(state_json))


# -- the projection ------------------------------------------------------------------------------

ENTRY_PUBLISHED = "EntryPublished"
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
        # A Form 04 campaign's result (purpose "dissemination_models", docs/survey.md) is not a
        # satisfaction rate: the assessment scores C2.I4 from it, the board does not show it
        # as the commune's satisfaction (it would replace that period's survey result).
        return (event.source == "survey" and event.type == SATISFACTION_RESULT
                and event.data.get("purpose", "satisfaction") == "satisfaction")

    def apply(self, conn, event) -> None:
        if event.type == n.CRITERIA_SET_PUBLISHED:
            self._criteria_set(conn, event)
        elif event.type in year_pauses.EVENT_TYPES:
            self._pause(conn, event)
        elif event.type == SATISFACTION_RESULT:
            self._satisfaction(conn, event)
        else:
            self._assessment(conn, event)

    def reset(self, conn) -> None:
        for table in ALL_TABLES:
            conn.execute(delete(table))
        note_change(conn, everything=True)  # readers forget all they kept of the old record

    def migrate(self, engine) -> None:
        metadata.create_all(engine)
        _ensure_change_head(engine)

    def bind(self, store) -> None:
        """The publication service's own store: each public entry is also an event there."""
        self.store = store

    def _publish(self, conn, event, commune_code, year, kind, summary, values, corrects) -> None:
        _add_entry(conn, event, commune_code, year, kind, summary, values, corrects)
        if self.store is None:  # a projection without a store of its own (tools, tests)
            return
        # Publishing is a legal step, so it is an auditable event caused by what it publishes;
        # its id derives from the source event, so a rebuild never posts twice.
        posted = NewEvent(ENTRY_PUBLISHED, {
            "entry_id": event.id, "kind": kind, "commune_code": commune_code, "year": year,
            "corrects": corrects, "summary": summary, "source": ref(event)},
            id=str(uuid.uuid5(ENTRY_NAMESPACE, event.id)))
        with contextlib.suppress(DuplicateEventError):
            self.store.append(f"record-{commune_code}-{year}", ANY_VERSION, [posted],
                              metadata_caused_by(event, Actor.system("publication")), conn=conn)

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
    def _satisfaction(self, conn, event) -> None:
        data = event.data
        commune_code, period = data["commune_code"], str(data["period"])
        key = (satisfaction_results.c.commune_code == commune_code,
               satisfaction_results.c.period == period)
        previous = conn.execute(select(satisfaction_results.c.entry_id).where(*key)).scalar()
        public = public_satisfaction(data)
        values = {"data": json.dumps(public, ensure_ascii=False), "entry_id": event.id, **ref(event)}
        if previous is None:
            conn.execute(insert(satisfaction_results).values(
                commune_code=commune_code, period=period, **values))
        else:
            conn.execute(update(satisfaction_results).where(*key).values(**values))
        note_change(conn, commune_code)  # shown on the commune's page only
        year = _year_of_period(period)
        if year is None:
            return
        rate = public["rate_percent"]
        summary = (f"Kết quả khảo sát sự hài lòng: {vi.number(rate)}% hài lòng "
                   f"({vi.number(public['satisfied'])}/{vi.number(public['valid_answers'])} ý kiến)"
                   if public["published"]
                   else "Khảo sát sự hài lòng kết thúc mà không có ý kiến hợp lệ nào: chưa có "
                        "số liệu về tỷ lệ hài lòng" if public["no_data"]
                   else f"Kết quả khảo sát sự hài lòng chưa đủ điều kiện công bố"
                        f"{': ' + public['reason'] if public['reason'] else ''}")
        if public["flags"]:
            summary += (f"; có {vi.number(len(public['flags']))} ngày một thiết bị ghi nhận số phiếu bất "
                        "thường")
        if previous is not None:
            summary += " (thay thế kết quả trước)"
        self._publish(conn, event, commune_code, year, "satisfaction", summary, public, previous)

    # -- assessments
    def _assessment(self, conn, event) -> None:
        conn.execute(insert(source_events).values(
            source=event.source, position=event.position, event_id=event.id,
            stream=event.stream, version=event.version, type=event.type,
            message=json.dumps(event.to_message(), ensure_ascii=False)))
        row = conn.execute(select(commune_years.c.state_json, *(
            commune_years.c[name] for name in LIST_FIELDS)).where(
            commune_years.c.stream == event.stream)).first()
        state = AssessmentState() if row is None else _load_state(row.state_json)
        evolve(state, event.type, event.data)
        state.version = event.version
        if not state.identity:
            return
        identity = state.identity
        criteria_set = criteria_set_of(conn, identity["criteria_set_id"],
                                       identity["criteria_set_version"])
        values = _summary(state, criteria_set)
        values.update(state_json=json.dumps(dataclasses.asdict(state), ensure_ascii=False),
                      position=event.position)
        if row is None:
            names = names_of(identity["commune_code"], identity["year"], identity["province_code"])
            conn.execute(insert(commune_years).values(
                stream=event.stream, commune_code=identity["commune_code"], year=identity["year"],
                province_code=identity["province_code"], province_name=names["province_name"],
                district_code=names["district_code"], district_name=names["district_name"],
                commune_name=names["commune_name"],
                search_text=search_text(identity["commune_code"], names, identity["province_code"]),
                criteria_set_id=identity["criteria_set_id"],
                criteria_set_version=identity["criteria_set_version"], **values))
        else:
            conn.execute(update(commune_years).where(commune_years.c.stream == event.stream)
                         .values(**values))
        was_public = row is not None and bool(row.public)
        if was_public or values["public"]:
            # Before anything is published the board shows nothing of it: no change to note.
            note_change(conn, identity["commune_code"], identity["province_code"],
                        identity["year"],
                        lists=not was_public or any(getattr(row, name) != values[name]
                                                    for name in LIST_FIELDS),
                        years=not was_public)
        if scores.is_public(state) and criteria_set is not None:
            self._entry(conn, event, state, criteria_set)

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
            previous = _last_entry(conn, code, year, "appraisal")
            total = _points(sheet) if sheet and not sheet.pass_fail \
                else "bộ tiêu chí đạt/không đạt"
            add("appraisal", f"Hội đồng đánh giá hoàn thành thẩm định ngày "
                f"{vi.day(data['completed_on'])}: "
                f"{total}" + (" (thay thế kết quả thẩm định trước)" if previous else ""),
                {"completed_on": data["completed_on"],
                 "scores": _scores_block("appraised", sheet, criteria_set)}, previous)
        elif event.type == n.RECOGNITION_DECIDED:
            previous = _last_entry(conn, code, year, "decision")
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
            previous = _last_entry(conn, code, year, "decision")
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


def public_satisfaction(data: dict) -> dict:
    """What a survey result shows publicly: the rate only when it may be published (never
    without a valid answer: "no data"), and the bursts the survey flagged, by day."""
    no_data = not data.get("valid_answers")
    published = bool(data.get("published")) and not no_data
    return {"campaign_id": data["campaign_id"], "period": str(data["period"]),
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


def _last_entry(conn, commune_code: str, year: int, kind: str) -> str | None:
    return conn.execute(select(entries.c.entry_id).where(
        entries.c.commune_code == commune_code, entries.c.year == year, entries.c.kind == kind)
        .order_by(entries.c.published_at.desc(), entries.c.position.desc()).limit(1)).scalar()


def _add_entry(conn, event, commune_code, year, kind, summary, values, corrects=None) -> None:
    conn.execute(insert(entries).values(
        entry_id=event.id, commune_code=commune_code, year=year, kind=kind,
        published_at=published_at(event), corrects=corrects, summary=summary,
        data=json.dumps(values, ensure_ascii=False), **ref(event)))


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
_COMMUNE_SATISFACTION = select(satisfaction_results).where(
    satisfaction_results.c.commune_code == bindparam("code"))
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
        satisfaction = {r.period: r for r in conn.execute(_COMMUNE_SATISFACTION,
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
                          by_year.get(row.year, []), satisfaction.get(str(row.year)),
                          by_stream.get(row.stream, []))
             for row in rows]
    newest = rows[0]
    return {"commune": {"code": commune_code, "name": newest.commune_name,
                        "district_code": newest.district_code,
                        "district_name": newest.district_name,
                        "province_code": newest.province_code,
                        "province_name": newest.province_name},
            "years": years, "paused_years": paused}


def _year_record(row, sets, published_set, year_entries, satisfaction, stream_events) -> dict:
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
    # ones included).
    sources = [_ref_of(e) for e in stream_events]
    if published_set is not None:
        sources.append(_ref_of(published_set))
    sources += [_ref_of(e) for e in sorted((e for e in year_entries if e.kind == "satisfaction"),
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
        "satisfaction": None if satisfaction is None else json.loads(satisfaction.data),
        "evidence": public_evidence(state, criteria_set),
        "entries": [{"entry_id": e.entry_id, "kind": e.kind, "published_at": e.published_at,
                     "corrects": e.corrects, "summary": e.summary, "source": _ref_of(e)}
                    for e in year_entries],
        "sources": sources,
    }


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

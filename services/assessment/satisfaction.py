"""Citizens' opinion as the assessment sees it: the survey service's results.

The survey service emits ``SatisfactionResultComputed`` when a campaign closes (and again
when a reopened campaign closes again). This projection, fed verified and exactly once like
every subscription (kernel/projection.py, kernel/verification.py):

1. keeps the latest result per commune, period and kind of survey (``purpose``: the
   satisfaction survey, or the Mẫu 04 opinion survey on legal-dissemination models) in the
   assessment's database;
2. applies it to the commune's assessment of that year, if one is open, as an event of the
   assessment's own stream (``SatisfactionResultApplied``, ``…Replaced`` or ``…Held``,
   services/assessment/workflow/survey_steps.py), in the same transaction as its checkpoint.
   The event's id derives from the result's, so a replay or a rebuild never records it
   twice. An assessment opened after its result arrived takes it when it opens
   (handlers.py), from the row kept in 1. — the same decision, the same events.

That is the only way the survey-fed indicator (criteria data ``survey``: 619/2017 C2.I5,
25/2021 C2.I4) gets its figures once a result exists; nobody types them.

A campaign closed without a valid answer has no rate: ``rate_percent`` is null ("no data"),
never 0 % or 100 %, and the result is never published. Bursts the survey flagged (days on
which one kiosk recorded an unusual number of responses) are kept with the result.
"""

from __future__ import annotations

import contextlib
import json
import uuid

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    inspect,
    select,
    text,
    update,
)

from kernel.errors import DuplicateEventError
from kernel.events import Actor, NewEvent, metadata_caused_by
from rules.assessment.names import stream_name
from services.assessment.catalogue import CriteriaSetCatalogue
from services.assessment.criteria_sets import all_sets
from services.assessment.workflow import CommuneAssessment

RESULT_EVENT = "SatisfactionResultComputed"
# The survey's campaign streams: opened, closed, the result; reopened, closed, a new result.
CAMPAIGN_STREAM_TYPES = ("CampaignOpened", "CampaignClosed", "CampaignReopened", RESULT_EVENT)

SATISFACTION = "satisfaction"  # a result without ``purpose`` (every one before Mẫu 04)

metadata = MetaData()
# The table of earlier releases, "satisfaction_results", had no purpose: migrate() moves its
# rows here as satisfaction results.
survey_results = Table(
    "survey_results", metadata,
    Column("commune_code", String(10), primary_key=True),
    Column("period", String(20), primary_key=True),
    Column("purpose", String(40), primary_key=True),
    Column("campaign_id", String(100), nullable=False),
    Column("questionnaire_id", String(100), nullable=False),
    Column("questionnaire_version", Integer, nullable=False),
    Column("valid_answers", Integer, nullable=False),
    Column("satisfied", Integer, nullable=False),
    Column("rate_percent", String(10)),  # null: no valid answer, no rate
    Column("target_sample", Integer),
    Column("target_met", Boolean, nullable=False),
    Column("published", Boolean, nullable=False),
    Column("reason", String(500)),
    Column("flags", Text),  # JSON: the bursts the survey flagged (services/survey/bursts.py)
    Column("event_id", String(36), nullable=False),
    Column("position", BigInteger, nullable=False),
)

NO_DATA, BELOW_MINIMUM, PUBLISHED = "no_data", "below_minimum", "published"


# The assessment's events taking a result: ids derived from the result event's and the stream.
APPLIED_NAMESPACE = uuid.UUID("0b7c7f54-55a1-4a8e-8f44-6a3f0e51c2d9")


def applied_event_ids(result_event_id: str, stream: str, new_events: list[NewEvent]) -> list[NewEvent]:
    """``new_events`` with ids that only this result on this stream gives."""
    return [NewEvent(e.type, e.data, e.schema_version,
                     id=str(uuid.uuid5(APPLIED_NAMESPACE, f"{result_event_id}:{stream}:{i}")))
            for i, e in enumerate(new_events)]


class SatisfactionProjection:
    name = "satisfaction_results"
    store = None
    sources = ["survey"]
    # The result arrives on a campaign's stream; the survey's other streams (a response
    # each, kiosks, codes) would only cost a checkpoint row apiece.
    event_types = {"survey": CAMPAIGN_STREAM_TYPES}

    def handles(self, event) -> bool:
        return event.type == RESULT_EVENT

    def apply(self, conn, event) -> None:
        data = event.data
        row = {
            "campaign_id": data["campaign_id"], "questionnaire_id": data["questionnaire_id"],
            "questionnaire_version": data["questionnaire_version"],
            "valid_answers": data["valid_answers"], "satisfied": data["satisfied"],
            "rate_percent": data["rate_percent"], "target_sample": data.get("target_sample"),
            "target_met": bool(data["target_met"]),
            # Not published without a valid answer, whatever the minimum (results before
            # the survey said so themselves could claim it with a minimum of 0).
            "published": bool(data["published"]) and bool(data["valid_answers"]),
            "reason": data.get("reason"),
            "flags": json.dumps(data.get("flags") or [], ensure_ascii=False),
            "event_id": event.id, "position": event.position,
        }
        purpose = data.get("purpose") or SATISFACTION
        key = (survey_results.c.commune_code == data["commune_code"],
               survey_results.c.period == str(data["period"]),
               survey_results.c.purpose == purpose)
        current = conn.execute(select(survey_results.c.position).where(*key)).scalar()
        if current is None:
            conn.execute(insert(survey_results).values(
                commune_code=data["commune_code"], period=str(data["period"]),
                purpose=purpose, **row))
        elif event.position > current:  # a later campaign for the period supersedes
            conn.execute(update(survey_results).where(*key).values(**row))
        else:
            return  # an older result than the one kept: it changes nothing
        self._take(conn, event)

    def bind(self, store) -> None:
        """The assessment service's own store: the result is applied to its assessments."""
        self.store = store

    def _take(self, conn, event) -> None:
        period = str(event.data["period"])
        if self.store is None or not period.isdigit():
            return  # a period that is not a year (2025-q3) scores no year's indicator
        # Appends take this lock first: an assessment being opened now is either seen below
        # or sees this result when it opens (handlers.py), never neither.
        self.store.lock_head(conn)
        stream = stream_name(event.data["commune_code"], int(period))
        assessment = CommuneAssessment.from_events(self.store.read_stream(stream, conn=conn))
        if assessment.version == 0:
            return
        identity = assessment.to_dict()
        catalogue = CriteriaSetCatalogue(all_sets(self.store)[
            (identity["criteria_set_id"], identity["criteria_set_version"])])
        result = result_for(conn, event.data["commune_code"], int(period),
                            event.data.get("purpose") or SATISFACTION)
        result["reopening"] = event.data.get("reopening")
        new_events = applied_event_ids(event.id, stream,
                                       assessment.take_survey_result(result, catalogue))
        if new_events:
            with contextlib.suppress(DuplicateEventError):  # a rebuild replaying the result
                self.store.append(stream, assessment.version, new_events,
                                  metadata_caused_by(event, Actor.system("assessment")), conn=conn)

    def reset(self, conn) -> None:
        conn.execute(delete(survey_results))

    def migrate(self, engine) -> None:
        metadata.create_all(engine)
        if "satisfaction_results" not in inspect(engine).get_table_names():
            return
        # The table of an earlier release (one result per commune and period, maybe without
        # flags): its rows become satisfaction results, in one transaction; replicas take turns.
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(8785002)"))
            if "satisfaction_results" not in inspect(conn).get_table_names():
                return  # another replica moved them
            old = {c["name"] for c in inspect(conn).get_columns("satisfaction_results")}
            columns = [c.name for c in survey_results.columns if c.name in old]
            conn.execute(text(
                f"INSERT INTO survey_results ({', '.join(columns)}, purpose) "
                f"SELECT {', '.join(columns)}, '{SATISFACTION}' FROM satisfaction_results"))
            conn.execute(text("DROP TABLE satisfaction_results"))


def result_for(conn, commune_code: str, year: int, purpose: str = SATISFACTION) -> dict | None:
    """The result of the kind of survey ``purpose`` the assessment of ``year`` uses: the
    campaign of that period, with its ``status``: published, below_minimum or no_data (no
    valid answer, no rate)."""
    row = conn.execute(select(survey_results).where(
        survey_results.c.commune_code == commune_code,
        survey_results.c.period == str(year),
        survey_results.c.purpose == purpose)).mappings().first()
    if row is None:
        return None
    result = dict(row)
    result["flags"] = json.loads(row["flags"]) if row["flags"] else []
    result["status"] = (NO_DATA if not result["valid_answers"]
                        else PUBLISHED if result["published"] else BELOW_MINIMUM)
    return result

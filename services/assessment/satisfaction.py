"""Citizens' satisfaction as the assessment sees it: the survey service's results.

The survey service emits ``SatisfactionResultComputed`` when a campaign closes; this
projection keeps the latest result per commune and period in the assessment's database, so
that the regimes that score satisfaction (619/2017 C2.I5; 25/2021 C2.I4 from the Mẫu 04
survey) and the recognition explanation can use it.

A campaign closed without a valid answer has no rate: ``rate_percent`` is null ("no data"),
never 0 % or 100 %, and the result is never published. Bursts the survey flagged (days on
which one kiosk recorded an unusual number of responses) are kept with the result.
"""

from __future__ import annotations

import json

from alembic.migration import MigrationContext
from alembic.operations import Operations
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

RESULT_EVENT = "SatisfactionResultComputed"
# The survey's campaign streams: CampaignOpened, CampaignClosed, then the result(s).
CAMPAIGN_STREAM_TYPES = ("CampaignOpened", "CampaignClosed", RESULT_EVENT)

metadata = MetaData()
satisfaction_results = Table(
    "satisfaction_results", metadata,
    Column("commune_code", String(10), primary_key=True),
    Column("period", String(20), primary_key=True),
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


class SatisfactionProjection:
    name = "satisfaction_results"
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
        key = (satisfaction_results.c.commune_code == data["commune_code"],
               satisfaction_results.c.period == str(data["period"]))
        current = conn.execute(select(satisfaction_results.c.position).where(*key)).scalar()
        if current is None:
            conn.execute(insert(satisfaction_results).values(
                commune_code=data["commune_code"], period=str(data["period"]), **row))
        elif event.position > current:  # a later campaign for the period supersedes
            conn.execute(update(satisfaction_results).where(*key).values(**row))

    def reset(self, conn) -> None:
        conn.execute(delete(satisfaction_results))

    def migrate(self, engine) -> None:
        metadata.create_all(engine)
        columns = {c["name"]: c for c in inspect(engine).get_columns("satisfaction_results")}
        if "flags" in columns and columns["rate_percent"]["nullable"]:
            return
        # A table of an earlier release: rate_percent NOT NULL (an empty campaign's result
        # was dead-lettered; replay it once this ran) and no flags. Altered in place
        # (SQLite copies the table), the rows kept; replicas take turns.
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(8785002)"))
            columns = {c["name"] for c in inspect(conn).get_columns("satisfaction_results")}
            with Operations(MigrationContext.configure(conn)).batch_alter_table(
                    "satisfaction_results") as batch:
                batch.alter_column("rate_percent", existing_type=String(10), nullable=True)
                if "flags" not in columns:
                    batch.add_column(Column("flags", Text))


def result_for(conn, commune_code: str, year: int) -> dict | None:
    """The survey result the assessment of ``year`` uses: the campaign of that period, with
    its ``status``: published, below_minimum or no_data (no valid answer, no rate)."""
    row = conn.execute(select(satisfaction_results).where(
        satisfaction_results.c.commune_code == commune_code,
        satisfaction_results.c.period == str(year))).mappings().first()
    if row is None:
        return None
    result = dict(row)
    result["flags"] = json.loads(row["flags"]) if row["flags"] else []
    result["status"] = (NO_DATA if not result["valid_answers"]
                        else PUBLISHED if result["published"] else BELOW_MINIMUM)
    return result


def figures_for_619(result: dict) -> dict:
    """Raw figures for 619/2017 C2.I5 from a survey result. The survey pools satisfaction
    over its questions, so both sub-items (results; officials' conduct) take the pooled
    counts until the questionnaire asks about them separately — a provisional mapping."""
    return {"surveyed": result["valid_answers"],
            "satisfied_with_result": result["satisfied"],
            "satisfied_with_conduct": result["satisfied"]}


# Indicators a survey result scores, per criteria set, and how the result becomes figures.
# 25/2021 C2.I4 (Mẫu 04) has no known formula yet: its points are entered manually.
SURVEY_SCORED = {("619-2017", "C2.I5"): figures_for_619}

"""Citizens' satisfaction as the assessment sees it: the survey service's results.

The survey service emits ``SatisfactionResultComputed`` when a campaign closes; this
projection keeps the latest result per commune and period in the assessment's database, so
that the regimes that score satisfaction (619/2017 C2.I5; 25/2021 C2.I4 from the Mẫu 04
survey) and the recognition explanation can use it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
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
    Column("rate_percent", String(10), nullable=False),
    Column("target_sample", Integer),
    Column("target_met", Boolean, nullable=False),
    Column("published", Boolean, nullable=False),
    Column("reason", String(500)),
    Column("event_id", String(36), nullable=False),
    Column("position", BigInteger, nullable=False),
)


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
            "target_met": bool(data["target_met"]), "published": bool(data["published"]),
            "reason": data.get("reason"), "event_id": event.id, "position": event.position,
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


def result_for(conn, commune_code: str, year: int) -> dict | None:
    """The survey result the assessment of ``year`` uses: the campaign of that period."""
    row = conn.execute(select(satisfaction_results).where(
        satisfaction_results.c.commune_code == commune_code,
        satisfaction_results.c.period == str(year))).mappings().first()
    return dict(row) if row else None


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

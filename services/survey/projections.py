"""The results read model: one row per counted response and one per scale answer, kept by
the survey service from its own log (kernel/follower.py).

Rows, not running totals, because what a closed campaign counts is defined by position
(responses before its CampaignClosed event) and events of different streams may be applied
out of global order; a GROUP BY over rows gives the same counts whatever the order was.
Free text is not copied here: the read model needs levels only.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    delete,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite

from services.survey.questionnaires import SCALE_LABELS
from services.survey.responses import RESPONSE_SUBMITTED

metadata = MetaData()

responses = Table(
    "survey_responses", metadata,
    Column("response_id", String(36), primary_key=True),
    Column("campaign_id", String(100), nullable=False),
    Column("position", BigInteger, nullable=False),
    Index("ix_survey_responses_campaign", "campaign_id"),
)

answers = Table(
    "survey_answers", metadata,
    Column("response_id", String(36), primary_key=True),
    Column("question_id", String(32), primary_key=True),
    Column("campaign_id", String(100), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("level", Integer, nullable=False),
    Index("ix_survey_answers_campaign", "campaign_id"),
)


class ResultsProjection:
    name = "survey_results"
    sources = ["survey"]

    def handles(self, event) -> bool:
        return event.type == RESPONSE_SUBMITTED

    def apply(self, conn, event) -> None:
        self.apply_many(conn, [event])

    def apply_many(self, conn, events) -> None:
        # Each response adds rows of its own and reads nothing: a batch is two bulk inserts.
        # Rows are keyed by the response, so applying one again (a read model caught up by
        # an older kind of consumer, say) changes nothing.
        response_rows, answer_rows = [], []
        for event in events:
            data = event.data
            response_rows.append({"response_id": data["response_id"],
                                  "campaign_id": data["campaign_id"], "position": event.position})
            answer_rows.extend(
                {"response_id": data["response_id"], "question_id": qid,
                 "campaign_id": data["campaign_id"], "position": event.position, "level": value}
                for qid, value in data["answers"].items()
                if isinstance(value, int) and not isinstance(value, bool)
                and value in SCALE_LABELS)
        conn.execute(_insert_new(conn, responses), response_rows)
        if answer_rows:
            conn.execute(_insert_new(conn, answers), answer_rows)

    def reset(self, conn) -> None:
        conn.execute(delete(answers))
        conn.execute(delete(responses))

    def migrate(self, engine) -> None:
        metadata.create_all(engine)


def _insert_new(conn, table):
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def counts(conn, campaign_id: str, before_position: int | None = None) -> tuple[int, dict, int]:
    """(responses, {question id: {level: n}}, late responses) for a campaign; with
    ``before_position``, only responses recorded before it count, the rest are late."""
    def window(table):
        condition = table.c.campaign_id == campaign_id
        if before_position is not None:
            condition = and_(condition, table.c.position < before_position)
        return condition

    total = conn.execute(select(func.count()).select_from(responses)
                         .where(window(responses))).scalar_one()
    everything = conn.execute(select(func.count()).select_from(responses)
                              .where(responses.c.campaign_id == campaign_id)).scalar_one()
    per_question: dict[str, dict[int, int]] = {}
    for qid, level, n in conn.execute(
            select(answers.c.question_id, answers.c.level, func.count())
            .where(window(answers)).group_by(answers.c.question_id, answers.c.level)):
        per_question.setdefault(qid, {})[level] = n
    return total, per_question, everything - total

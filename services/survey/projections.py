"""The results read model: running totals per campaign, and per campaign, question and
level, kept by the survey service from its own log (kernel/follower.py); beside them the
counted responses per campaign, kiosk and day (what bursts are judged on, bursts.py) and
which counted responses carry free text (where comments are read from the log).

Totals, not a row per response: the follower applies the log exactly once and in position
order, so a response is counted or not by what came before it in the log, and the last
position applied moves in the same transaction as the totals. A response applied after its
campaign's CampaignClosed is late: it adds to ``late_responses`` and to nothing else. Free
text is not copied here: the read model needs levels only.

Row-per-response tables (random keys, six b-tree entries per response) cost as much as
recording the response itself; a group of responses now updates a row per campaign and
one per campaign and question.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from kernel.schema import consumer_positions
from services.survey.bursts import KioskDay
from services.survey.campaigns import CAMPAIGN_CLOSED, CAMPAIGN_REOPENED
from services.survey.questionnaires import SCALE_LABELS
from services.survey.responses import RESPONSE_SUBMITTED

metadata = MetaData()

campaign_totals = Table(
    "survey_campaign_totals", metadata,
    Column("campaign_id", String(100), primary_key=True),
    Column("responses", Integer, nullable=False),
    Column("late_responses", Integer, nullable=False),
    # The CampaignClosed event's position, once applied: later responses are late.
    Column("closed_at", BigInteger),
)

# A column per level of the five-level scale: a group of responses to one campaign updates
# one row per question.
LEVEL_COLUMNS = {level: f"level_{level}" for level in SCALE_LABELS}
question_totals = Table(
    "survey_question_totals", metadata,
    Column("campaign_id", String(100), primary_key=True),
    Column("question_id", String(32), primary_key=True),
    *(Column(name, Integer, nullable=False) for name in LEVEL_COLUMNS.values()),
)

# Counted responses per kiosk and day: bursts (bursts.py) are judged on these.
kiosk_days = Table(
    "survey_kiosk_days", metadata,
    Column("campaign_id", String(100), primary_key=True),
    Column("kiosk_id", String(32), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("responses", Integer, nullable=False),
)

# Counted responses with free text: their events hold it, sealed (comments are read there).
text_answers = Table(
    "survey_text_answers", metadata,
    Column("campaign_id", String(100), primary_key=True),
    Column("response_id", String(36), primary_key=True),
)

# The row-per-response read model of earlier releases (migrate replaces it).
_REPLACED_TABLES = ("survey_answers", "survey_responses")
# Tables added since the read model was first kept as totals: counted again from the log.
_ADDED_TABLES = ("survey_kiosk_days", "survey_text_answers")


class ResultsProjection:
    name = "survey_results"
    sources = ["survey"]

    def handles(self, event) -> bool:
        return event.type in (RESPONSE_SUBMITTED, CAMPAIGN_CLOSED, CAMPAIGN_REOPENED)

    def apply(self, conn, event) -> None:
        self.apply_many(conn, [event])

    def apply_many(self, conn, events) -> None:
        """``events`` in log order, each applied exactly once (the follower's position moves
        in this transaction): the batch is summed here and added in one upsert per table."""
        closed_query, add_campaigns, add_questions, add_days = _statements(conn)
        closed = set(conn.execute(closed_query, {"campaigns": sorted(
            {event.data["campaign_id"] for event in events})}).scalars())
        campaigns: dict[str, dict] = {}
        questions: dict[tuple[str, str], dict] = {}
        days: dict[tuple[str, str, str], dict] = {}
        texts: list[dict] = []
        reopened: set[str] = set()
        for event in events:
            campaign_id = event.data["campaign_id"]
            row = campaigns.setdefault(campaign_id, {
                "campaign_id": campaign_id, "responses": 0, "late_responses": 0,
                "closed_at": None})
            if event.type == CAMPAIGN_CLOSED:
                closed.add(campaign_id)
                row["closed_at"] = event.position
            elif event.type == CAMPAIGN_REOPENED:  # its responses count again
                closed.discard(campaign_id)
                reopened.add(campaign_id)
                row["closed_at"] = None
            elif campaign_id in closed:
                row["late_responses"] += 1
            else:
                data = event.data
                row["responses"] += 1
                day = days.get((campaign_id, data["kiosk_id"], data["received_on"]))
                if day is None:
                    day = days[campaign_id, data["kiosk_id"], data["received_on"]] = {
                        "campaign_id": campaign_id, "kiosk_id": data["kiosk_id"],
                        "day": data["received_on"], "responses": 0}
                day["responses"] += 1
                if data.get("sealed_text") or data.get("legacy_text"):
                    texts.append({"campaign_id": campaign_id, "response_id": data["response_id"]})
                for question_id, value in data["answers"].items():
                    if (isinstance(value, int) and not isinstance(value, bool)
                            and value in SCALE_LABELS):
                        totals = questions.get((campaign_id, question_id))
                        if totals is None:
                            totals = questions[campaign_id, question_id] = {
                                "campaign_id": campaign_id, "question_id": question_id,
                                **dict.fromkeys(LEVEL_COLUMNS.values(), 0)}
                        totals[LEVEL_COLUMNS[value]] += 1
        if campaigns:
            conn.execute(add_campaigns, list(campaigns.values()))
        for campaign_id in sorted(reopened):  # the upsert keeps a close; a reopening undoes it
            conn.execute(update(campaign_totals)
                         .where(campaign_totals.c.campaign_id == campaign_id)
                         .values(closed_at=campaigns[campaign_id]["closed_at"]))
        if questions:
            conn.execute(add_questions, [questions[key] for key in sorted(questions)])
        if days:
            conn.execute(add_days, [days[key] for key in sorted(days)])
        if texts:
            conn.execute(insert(text_answers), texts)

    def reset(self, conn) -> None:
        for table in (text_answers, kiosk_days, question_totals, campaign_totals):
            conn.execute(delete(table))

    def migrate(self, engine) -> None:
        existing = set(inspect(engine).get_table_names())
        metadata.create_all(engine)
        added = "survey_campaign_totals" in existing and bool(set(_ADDED_TABLES) - existing)
        if not (added or set(_REPLACED_TABLES) & existing):
            return
        # Counted again from the log, in one transaction with dropping the old tables, so
        # replicas starting together at worst reset twice, never count twice.
        with engine.begin() as conn:
            self.reset(conn)
            conn.execute(update(consumer_positions)
                         .where(consumer_positions.c.consumer == self.name,
                                consumer_positions.c.source == self.sources[0])
                         .values(position=0))
            for table in _REPLACED_TABLES:
                conn.exec_driver_sql(f"DROP TABLE IF EXISTS {table}")


_STATEMENTS: dict[str, tuple] = {}


def _statements(conn) -> tuple:
    """(closed-campaigns query, campaign upsert, question upsert, kiosk-day upsert) for
    ``conn``'s database, built once: building an upsert costs more than running it."""
    found = _STATEMENTS.get(conn.dialect.name)
    if found is None:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        closed = select(campaign_totals.c.campaign_id).where(
            campaign_totals.c.campaign_id.in_(bindparam("campaigns", expanding=True)),
            campaign_totals.c.closed_at.is_not(None))
        add_campaigns = dialect.insert(campaign_totals)
        row, new = campaign_totals.c, add_campaigns.excluded
        add_campaigns = add_campaigns.on_conflict_do_update(
            index_elements=[row.campaign_id], set_={
                "responses": row.responses + new.responses,
                "late_responses": row.late_responses + new.late_responses,
                "closed_at": func.coalesce(row.closed_at, new.closed_at)})
        add_questions = dialect.insert(question_totals)
        row, new = question_totals.c, add_questions.excluded
        add_questions = add_questions.on_conflict_do_update(
            index_elements=[row.campaign_id, row.question_id],
            set_={name: row[name] + new[name] for name in LEVEL_COLUMNS.values()})
        add_days = dialect.insert(kiosk_days)
        add_days = add_days.on_conflict_do_update(
            index_elements=[kiosk_days.c.campaign_id, kiosk_days.c.kiosk_id, kiosk_days.c.day],
            set_={"responses": kiosk_days.c.responses + add_days.excluded.responses})
        found = _STATEMENTS[conn.dialect.name] = (closed, add_campaigns, add_questions, add_days)
    return found


def counts(conn, campaign_id: str) -> tuple[int, dict, int]:
    """(responses, {question id: {level: n}}, late responses) for a campaign: once it is
    closed, only responses recorded before the close count; the rest are late."""
    totals = conn.execute(select(campaign_totals.c.responses, campaign_totals.c.late_responses)
                          .where(campaign_totals.c.campaign_id == campaign_id)).first()
    per_question: dict[str, dict[int, int]] = {}
    for row in conn.execute(select(question_totals).where(
            question_totals.c.campaign_id == campaign_id)).mappings():
        per_question[row["question_id"]] = {
            level: row[name] for level, name in LEVEL_COLUMNS.items() if row[name]}
    if totals is None:
        return 0, per_question, 0
    return totals.responses, per_question, totals.late_responses


def campaign_kiosk_days(conn, campaign_id: str) -> list[KioskDay]:
    return [KioskDay(row.kiosk_id, row.day, row.responses) for row in conn.execute(
        select(kiosk_days).where(kiosk_days.c.campaign_id == campaign_id))]


def responses_with_text(conn, campaign_id: str) -> list[str]:
    return list(conn.execute(select(text_answers.c.response_id).where(
        text_answers.c.campaign_id == campaign_id)).scalars())

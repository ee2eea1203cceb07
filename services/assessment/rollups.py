"""The roll-up read model: every commune's assessment as its events left it, one row each,
so that a province's (or district's) year can be listed and counted without replaying streams.

The row keeps the aggregate's whole state as JSON and is advanced with the aggregate's own
``evolve``, so the read model can never disagree with the workflow about what an event means.
Totals and recognition are computed when read, against the criteria-set version of each
assessment.
"""

from __future__ import annotations

import dataclasses
import json
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)

from services.assessment import views
from services.assessment.workflow import CommuneAssessment
from services.assessment.workflow.state import AssessmentState, evolve

CENT = Decimal("0.01")
metadata = MetaData()

rollup = Table(
    "assessment_rollup", metadata,
    Column("stream", String(200), primary_key=True),
    Column("commune_code", String(16), nullable=False),
    Column("year", Integer, nullable=False),
    Column("province_code", String(8), nullable=False),
    Column("district_code", String(8)),
    Column("state", String(40), nullable=False),
    Column("state_json", Text, nullable=False),
    Column("position", BigInteger, nullable=False),
    Index("ix_assessment_rollup_province_year", "province_code", "year"),
)


class RollupProjection:
    name = "assessment_rollup"
    sources = ["assessment"]

    def handles(self, event) -> bool:
        return event.stream.startswith("assessment-")

    def apply(self, conn, event) -> None:
        row = conn.execute(select(rollup.c.state_json).where(rollup.c.stream == event.stream)).first()
        state = AssessmentState() if row is None else AssessmentState(**json.loads(row.state_json))
        evolve(state, event.type, event.data)
        state.version = event.version
        if not state.identity:  # an event before the opening: nothing to list yet
            return
        values = {"state": state.state, "state_json": json.dumps(dataclasses.asdict(state)),
                  "position": event.position}
        if row is None:
            identity = state.identity
            conn.execute(insert(rollup).values(
                stream=event.stream, commune_code=identity["commune_code"], year=identity["year"],
                province_code=identity["province_code"], district_code=identity["district_code"],
                **values))
        else:
            conn.execute(update(rollup).where(rollup.c.stream == event.stream).values(**values))

    def reset(self, conn) -> None:
        conn.execute(delete(rollup))

    def migrate(self, engine) -> None:
        metadata.create_all(engine)


def province_rollup(engine, sets: dict, province_code: str, year: int,
                    district_code: str | None = None) -> dict:
    """Each commune's line, and counts per district and for the province."""
    query = select(rollup.c.state_json).where(rollup.c.province_code == province_code,
                                              rollup.c.year == year)
    if district_code is not None:
        query = query.where(rollup.c.district_code == district_code)
    with engine.connect() as conn:
        states = [AssessmentState(**json.loads(r.state_json)) for r in conn.execute(query)]
    lines = sorted((views.rollup_line(CommuneAssessment(s), sets) for s in states),
                   key=lambda line: (line["district_code"] or "", line["commune_code"]))
    districts: dict[str, list[dict]] = {}
    for line in lines:
        if line["district_code"] is not None:
            districts.setdefault(line["district_code"], []).append(line)
    return {
        "province_code": province_code, "year": year, "district_code": district_code,
        "provisional": any(line["provisional"] for line in lines),
        "communes": lines,
        "totals": counts(lines),
        "districts": [{"district_code": code, **counts(members)}
                      for code, members in sorted(districts.items())],
    }


def counts(lines: list[dict]) -> dict:
    by_state: dict[str, int] = {}
    for line in lines:
        by_state[line["state"]] = by_state.get(line["state"], 0) + 1
    recognised = sum(1 for line in lines if line["recognised"] is True)
    decided = sum(1 for line in lines if line["recognised"] is not None)
    return {"assessments": len(lines), "by_state": by_state, "decided": decided,
            "recognised": recognised, "not_recognised": decided - recognised,
            "recognition_rate": _rate(recognised, decided),
            "recognised_of_assessed": _rate(recognised, len(lines))}


def _rate(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(CENT, ROUND_HALF_UP))

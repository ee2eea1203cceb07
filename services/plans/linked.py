"""Tasks that follow the assessment: a read model of every commune's assessment milestones
(dossier submitted, appraisal completed, recognition decided), fed from the assessment
service's events, and the shares of a jurisdiction's communes that reached each one."""

from __future__ import annotations

from sqlalchemy import (
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

from reference import units

metadata = MetaData()
milestones = Table(
    "plans_assessment_milestones", metadata,
    Column("stream", String(200), primary_key=True),
    Column("commune_code", String(16), nullable=False),
    Column("province_code", String(8), nullable=False),
    Column("district_code", String(8)),
    Column("year", Integer, nullable=False, index=True),
    Column("submitted", Boolean, nullable=False, default=False),
    Column("appraised", Boolean, nullable=False, default=False),
    Column("decided", Boolean, nullable=False, default=False),
)
MILESTONE_OF = {"DossierSubmitted": "submitted", "AppraisalCompleted": "appraised",
                "RecognitionDecided": "decided"}


class AssessmentMilestones:
    name = "plans_assessment_milestones"
    sources = ["assessment"]

    def handles(self, event) -> bool:
        return event.stream.startswith("assessment-") and (
            event.type == "AssessmentOpened" or event.type in MILESTONE_OF)

    def apply(self, conn, event) -> None:
        if event.type == "AssessmentOpened":
            conn.execute(delete(milestones).where(milestones.c.stream == event.stream))
            conn.execute(insert(milestones).values(_opened(event)))
            return
        conn.execute(update(milestones).where(milestones.c.stream == event.stream)
                     .values(**{MILESTONE_OF[event.type]: True}))

    def apply_many(self, conn, events) -> None:
        """What ``apply`` leaves one event at a time, in a few statements: the rows opened in
        the batch made in memory, the milestones of rows already there set per column."""
        opened: dict[str, dict] = {}
        reached: dict[str, set[str]] = {}  # rows opened before the batch: milestones reached
        for event in events:
            if event.type == "AssessmentOpened":
                opened[event.stream] = _opened(event)
                reached.pop(event.stream, None)
            elif event.stream in opened:
                opened[event.stream][MILESTONE_OF[event.type]] = True
            else:
                reached.setdefault(event.stream, set()).add(MILESTONE_OF[event.type])
        streams = list(opened)
        for start in range(0, len(streams), 500):
            conn.execute(delete(milestones).where(milestones.c.stream.in_(streams[start:start + 500])))
        if opened:
            conn.execute(insert(milestones), list(opened.values()))
        for column in MILESTONE_OF.values():
            streams = [stream for stream, columns in reached.items() if column in columns]
            for start in range(0, len(streams), 500):
                conn.execute(update(milestones).where(
                    milestones.c.stream.in_(streams[start:start + 500])).values(**{column: True}))

    def reset(self, conn) -> None:
        conn.execute(delete(milestones))

    def migrate(self, engine) -> None:
        metadata.create_all(engine)


def _opened(event) -> dict:
    data = event.data
    district = data.get("district_code") or units.district_of_commune(
        data["commune_code"], int(data["year"]))
    return {"stream": event.stream, "commune_code": data["commune_code"],
            "province_code": data["province_code"], "district_code": district,
            "year": int(data["year"]), "submitted": False, "appraised": False, "decided": False}


def commune_count(province_code: str, district_code: str | None, year: int) -> int | None:
    """How many communes the jurisdiction had in the year, where the reference data says."""
    if district_code:
        return len(units.legacy_communes(district_code, year)) or None
    if year <= 2024:
        districts = units.legacy_districts(province_code, year)
        total = sum(len(units.legacy_communes(d.code, year)) for d in districts)
        return total or None
    return len(units.communes(province_code)) or None


def shares(conn, link: dict) -> dict:
    query = select(milestones).where(milestones.c.province_code == link["province_code"],
                                     milestones.c.year == link["year"])
    if link.get("district_code"):
        query = query.where(milestones.c.district_code == link["district_code"])
    rows = list(conn.execute(query).mappings())
    known = commune_count(link["province_code"], link.get("district_code"), link["year"])
    total = known or len(rows)
    counts = {m: sum(1 for r in rows if r[m]) for m in ("submitted", "appraised", "decided")}
    counts["opened"] = len(rows)

    def share(n: int) -> int:
        return int(100 * n // total) if total else 0

    result = {"communes": total, "communes_source": "reference" if known else "opened",
              "counts": counts, "shares": {m: share(counts[m]) for m in ("submitted", "appraised", "decided")}}
    result["percent"] = result["shares"][link.get("measure", "decided")]
    return result

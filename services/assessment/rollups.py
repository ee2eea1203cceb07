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
    bindparam,
    delete,
    insert,
    select,
    update,
)

from kernel.errors import KernelError
from reference import units
from reference.legacy import legacy_file_info
from rules.assessment.state import AssessmentState, evolve
from rules.criteria import set_for_year
from rules.criteria.model import money
from rules.recognition import MET, MISSING_INPUT, NOT_MET
from services.assessment import views
from services.assessment.workflow import CommuneAssessment

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


_STATE_FIELDS = tuple(f.name for f in dataclasses.fields(AssessmentState))


def _state_json(state: AssessmentState) -> str:
    """``json.dumps(dataclasses.asdict(state))`` without asdict's deep copy: the state is
    plain JSON already, and a rebuild writes one per commune-year and batch."""
    return json.dumps({name: getattr(state, name) for name in _STATE_FIELDS})


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
        values = {"state": state.state, "state_json": _state_json(state),
                  "position": event.position}
        if row is None:
            identity = state.identity
            conn.execute(insert(rollup).values(
                stream=event.stream, commune_code=identity["commune_code"], year=identity["year"],
                province_code=identity["province_code"], district_code=identity["district_code"],
                **values))
        else:
            conn.execute(update(rollup).where(rollup.c.stream == event.stream).values(**values))

    def apply_many(self, conn, events) -> None:
        """The batch's events folded per stream in memory, each stream's row read once and
        written once: what ``apply`` one event at a time leaves (a rebuild replays thousands
        of events per transaction; AssessmentState is plain JSON, so a state kept in memory
        is the state ``apply`` would read back)."""
        streams = list(dict.fromkeys(e.stream for e in events))
        stored = {}
        for start in range(0, len(streams), 500):
            stored.update(conn.execute(select(rollup.c.stream, rollup.c.state_json).where(
                rollup.c.stream.in_(streams[start:start + 500]))).all())
        folded: dict[str, tuple[AssessmentState, dict, int]] = {}  # state, identity, position
        for event in events:
            if event.stream in folded:
                state, identity, _ = folded[event.stream]
            elif event.stream in stored:
                state, identity = AssessmentState(**json.loads(stored[event.stream])), None
            else:
                state, identity = AssessmentState(), None
            evolve(state, event.type, event.data)
            state.version = event.version
            if not state.identity:  # as apply: an event before the opening is not kept
                continue
            if identity is None and event.stream not in stored:
                identity = dict(state.identity)  # the row's columns, from its first write
            folded[event.stream] = (state, identity, event.position)
        fresh, moved = [], []
        for stream, (state, identity, position) in folded.items():
            values = {"state": state.state, "state_json": _state_json(state),
                      "position": position}
            if stream in stored:
                moved.append({"b_stream": stream, **{f"b_{k}": v for k, v in values.items()}})
            else:
                fresh.append({"stream": stream, "commune_code": identity["commune_code"],
                              "year": identity["year"], "province_code": identity["province_code"],
                              "district_code": identity["district_code"], **values})
        if fresh:
            conn.execute(insert(rollup), fresh)
        if moved:
            conn.execute(update(rollup).where(rollup.c.stream == bindparam("b_stream")).values(
                state=bindparam("b_state"), state_json=bindparam("b_state_json"),
                position=bindparam("b_position")), moved)

    def reset(self, conn) -> None:
        conn.execute(delete(rollup))

    def migrate(self, engine) -> None:
        metadata.create_all(engine)


def province_rollup(engine, sets: dict, province_code: str, year: int,
                    district_code: str | None = None) -> dict:
    """Each commune's line — also the communes that have opened no assessment yet
    (``state: "not_opened"``) where the reference data lists the year's communes —, counts per
    district and for the province, and each district's district-level standard."""
    query = select(rollup.c.state_json).where(rollup.c.province_code == province_code,
                                              rollup.c.year == year)
    if district_code is not None:
        query = query.where(rollup.c.district_code == district_code)
    with engine.connect() as conn:
        states = [AssessmentState(**json.loads(r.state_json)) for r in conn.execute(query)]
    known, district_names, source = _units_of(province_code, year, district_code)
    lines = [views.rollup_line(CommuneAssessment(s), sets) for s in states]
    opened = {line["commune_code"] for line in lines}
    for line in lines:
        line["commune_name"] = known[line["commune_code"]].name if line["commune_code"] in known \
            else _current_name(line["commune_code"])
    lines += [_not_opened(unit, year) for code, unit in known.items() if code not in opened]
    for line in lines:
        line["district_name"] = district_names.get(line["district_code"])
    lines.sort(key=lambda line: (line["district_code"] or "", line["commune_code"]))
    districts: dict[str, list[dict]] = {code: [] for code in district_names}
    for line in lines:
        if line["district_code"] is not None:
            districts.setdefault(line["district_code"], []).append(line)
    regime_note = _district_standard_not_applicable(sets, year)
    district_rows = [{"district_code": code, "district_name": district_names.get(code),
                      **counts(members),
                      "district_standard": district_standard(members, regime_note)}
                     for code, members in sorted(districts.items())]
    # The province as it was that year (Tỉnh Thừa Thiên Huế in 2024), else today's.
    province = units.province_in(province_code, year) or units.province(province_code)
    return {
        "province_code": province_code, "year": year, "district_code": district_code,
        "province_name": province.name if province else None,
        "provisional": any(line["provisional"] for line in lines),
        "unit_list": source,
        "communes": lines,
        "totals": {**counts(lines), **_standard_counts(district_rows)},
        "districts": district_rows,
    }


LAST_DISTRICT_YEAR = 2024
STANDARD_SET_ID = "25-2021"
STANDARD_BASIS = "Quyết định 1723/QĐ-BTP năm 2022 (huyện đạt chuẩn tiếp cận pháp luật)"
STANDARD_TOTAL = Decimal("90.00")


def _units_of(province_code: str, year: int, district_code: str | None):
    """(communes by code, district names by code, where the list came from) for the year."""
    if year <= LAST_DISTRICT_YEAR:
        districts = [d for d in units.legacy_districts(province_code, year)
                     if district_code is None or d.code == district_code]
        known = {c.code: c for d in districts for c in units.legacy_communes(d.code, year)}
        info = legacy_file_info(province_code)
        source = {"source": "legacy", "coverage": info["coverage"] if info else None,
                  "complete": bool(info and info["coverage"] == "complete")}
        return known, {d.code: d.name for d in districts}, source
    known = {} if district_code is not None else {c.code: c for c in units.communes(province_code)}
    return known, {}, {"source": "current", "coverage": "complete", "complete": True}


def _current_name(commune_code: str) -> str | None:
    found = units.commune(commune_code)
    return found.name if found else None


def _not_opened(unit, year: int) -> dict:
    return {"commune_code": unit.code, "commune_name": unit.name,
            "district_code": unit.district_code, "year": year, "state": NOT_OPENED,
            "status": "Not opened", "criteria_set_id": None, "criteria_set_version": None,
            "provisional": False, "pass_fail": None, "self_total": None, "appraised_total": None,
            "appraised_achieved": None, "appraised_indicators": None, "appraised_missing": None,
            "appraised_criteria": None, "indicators_below_half": None, "head_disciplined": None, "recognised": None,
            "decision_number": None, "decision_date": None, "unmet_conditions_vi": [],
            "revocation_reason": None}


NOT_OPENED = "not_opened"


def counts(lines: list[dict]) -> dict:
    """Counts over every listed commune; ``assessments`` are those opened."""
    assessed = [line for line in lines if line["state"] != NOT_OPENED]
    by_state: dict[str, int] = {}
    for line in assessed:
        by_state[line["state"]] = by_state.get(line["state"], 0) + 1
    recognised = sum(1 for line in lines if line["recognised"] is True)
    decided = sum(1 for line in lines if line["recognised"] is not None)
    return {"communes": len(lines), "assessments": len(assessed),
            "not_opened": len(lines) - len(assessed), "by_state": by_state, "decided": decided,
            "undecided": len(lines) - decided,
            "recognised": recognised, "not_recognised": decided - recognised,
            # the recognition rate (the board's, the API's and Mẫu 09's: one definition,
            # docs/board.md): recognised ÷ every commune-level unit of the year
            "recognition_rate": _rate(recognised, len(lines)),
            "recognised_of_all": _rate(recognised, len(lines)),
            # other shares, named for what they divide by: not "the rate"
            "recognised_of_decided": _rate(recognised, decided),
            "recognised_of_assessed": _rate(recognised, len(assessed))}


def _rate(part: int, whole: int) -> str | None:
    if not whole:
        return None
    return str((Decimal(part) * 100 / Decimal(whole)).quantize(CENT, ROUND_HALF_UP))


# -- the district-level standard (Decision 1723/QĐ-BTP, 2022) ------------------------------------

def _district_standard_not_applicable(sets: dict, year: int) -> str | None:
    """None when the standard applies to the year, else why not."""
    try:
        regime = set_for_year(year, sets).id
    except KernelError:
        regime = None
    if regime == STANDARD_SET_ID and year <= LAST_DISTRICT_YEAR:
        return None
    return (f"not applicable: the district-level standard of Decision 1723/QĐ-BTP (2022) is set "
            f"for the 25/2021 regime's district-reviewed years (2022-2024); {year} is evaluated "
            f"under {regime or 'no known regime'}")


def _name(line: dict) -> str:
    return f"{line['commune_name'] or line['commune_code']} ({line['commune_code']})"


def _condition(condition_id: str, name: str, value, threshold, failed: list[str],
               pending: list[str], failed_words: str, pending_words: str) -> dict:
    if failed:
        verdict = NOT_MET
    elif pending:
        verdict = MISSING_INPUT
    else:
        verdict = MET
    parts = ([f"{failed_words}: {'; '.join(failed)}"] if failed else []) + \
            ([f"{pending_words}: {'; '.join(pending)}"] if pending else [])
    return {"id": condition_id, "name": name, "value": value, "threshold": threshold,
            "verdict": verdict, "missing": "; ".join(parts) or None}


def district_standard(lines: list[dict], not_applicable: str | None = None) -> dict:
    """Whether a district meets the district-level standard, condition by condition, from the
    lines of all its communes (not-opened ones included): 100% of the communes recognised,
    each commune's appraised total at least 90, every appraised indicator at least 50% of its
    maximum, and no commune head official disciplined (the communes' declarations)."""
    if not_applicable is not None:
        return {"applicable": False, "reason": not_applicable, "met": None, "verdict": None,
                "conditions": [], "summary": not_applicable}
    total = len(lines)
    recognised = [line for line in lines if line["recognised"] is True]
    refused = [_name(line) for line in lines if line["recognised"] is False]
    undecided = [_name(line) + (" not opened" if line["state"] == NOT_OPENED else "")
                 for line in lines if line["recognised"] is None]
    if not total:
        undecided = ["the district has no communes in the data"]
    conditions = [_condition(
        "all_communes_recognised", "100% of the district's communes recognised",
        f"{len(recognised)} of {total}", f"{total} of {total}", refused, undecided,
        "not recognised", "not yet decided")]

    complete = [line for line in lines if line["appraised_total"] is not None
                and not line["appraised_missing"]]
    unscored = [_name(line) for line in lines if line not in complete]
    low = [f"{_name(line)} {line['appraised_total']}" for line in complete
           if Decimal(line["appraised_total"]) < STANDARD_TOTAL]
    lowest = min((Decimal(line["appraised_total"]) for line in complete), default=None)
    conditions.append(_condition(
        "commune_totals_at_least_90", "every commune's appraised total at least 90.00",
        money(lowest), money(STANDARD_TOTAL), low, unscored,
        "total below 90.00", "no complete appraised sheet"))

    below = [f"{_name(line)}: " + ", ".join(f"{i['id']} {i['points']} of {i['max']} "
                                             f"(at least {i['threshold']})"
                                             for i in line["indicators_below_half"])
             for line in complete if line["indicators_below_half"]]
    conditions.append(_condition(
        "indicators_at_least_half", "every commune's every indicator at least 50% of its maximum",
        f"{len(below)} communes with an indicator below 50%", "0", below, unscored,
        "indicators below 50% of their maximum", "no complete appraised sheet"))

    disciplined = [_name(line) for line in lines if line["head_disciplined"] is True]
    undeclared = [_name(line) for line in lines if line["head_disciplined"] is None]
    conditions.append(_condition(
        "no_head_disciplined", "no commune's head official disciplined or prosecuted in the year",
        f"{len(disciplined)} communes with a disciplined head", "0", disciplined, undeclared,
        "head official disciplined", "not declared"))

    verdicts = {c["verdict"] for c in conditions}
    verdict = NOT_MET if NOT_MET in verdicts else (MISSING_INPUT if MISSING_INPUT in verdicts
                                                   else MET)
    summary = ("Meets the district-level standard." if verdict == MET else
               ("Does not meet the district-level standard: " if verdict == NOT_MET else
                "Cannot be decided yet: ") +
               "; ".join(c["missing"] for c in conditions if c["verdict"] != MET) + ".")
    return {"applicable": True, "basis": STANDARD_BASIS, "met": verdict == MET,
            "verdict": verdict, "provisional": any(line["provisional"] for line in lines),
            "conditions": conditions, "summary": summary}


def _standard_counts(district_rows: list[dict]) -> dict:
    applicable = [d for d in district_rows if d["district_standard"]["applicable"]]
    if not applicable:
        return {"districts_meeting_standard": None, "districts_for_standard": 0}
    return {"districts_meeting_standard": sum(1 for d in applicable if d["district_standard"]["met"]),
            "districts_for_standard": len(applicable)}

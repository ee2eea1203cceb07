"""The published scores of one commune-year, computed from the assessment's own state.

Shared by the public record (``record.py``) and the recompute command (``recompute.py``), so
that a reader who rebuilds a commune-year from the raw events gets the same numbers the board
shows: the council's appraised sheet once the appraisal is complete, else the commune's
self-assessment once it is posted publicly (figures recorded while drafting are not public).
"""

from __future__ import annotations

from rules import scoring
from rules.assessment import names as n
from rules.assessment.state import AssessmentState
from rules.criteria import CriteriaSet
from rules.criteria.model import money
from rules.scoring import ScoreSheet, quantize

STATUS_OF_STATE = {n.RECOGNISED: "recognised", n.NOT_RECOGNISED: "not_recognised",
                   n.REVOKED: "revoked"}
IN_PROGRESS = "in_progress"
STATUSES = ("recognised", "not_recognised", "revoked", IN_PROGRESS)
RECOGNISED_OF_STATE = {n.RECOGNISED: True, n.NOT_RECOGNISED: False, n.REVOKED: False}


def is_public(state: AssessmentState) -> bool:
    """A commune-year is public from the moment its self-assessment is posted."""
    return state.posting is not None


def status(state: AssessmentState) -> str:
    return STATUS_OF_STATE.get(state.state, IN_PROGRESS)


def recognised(state: AssessmentState) -> bool | None:
    """The chairman's decision as it stands: a revoked recognition counts as not recognised."""
    return RECOGNISED_OF_STATE.get(state.state)


def self_sheet(state: AssessmentState, criteria_set: CriteriaSet) -> ScoreSheet | None:
    return scoring.self_assessed_sheet(criteria_set, state.figures) if is_public(state) else None


def council_sheet(state: AssessmentState, criteria_set: CriteriaSet) -> ScoreSheet | None:
    """The appraised sheet, published once the council completed its appraisal."""
    return (scoring.council_sheet(criteria_set, state.appraisal, completed_only=True)
            if is_public(state) else None)


def sheet_of_record(state: AssessmentState, criteria_set: CriteriaSet) -> tuple[str | None, ScoreSheet | None]:
    """The score of record as rules/scoring.py says, among what is public."""
    if not is_public(state):
        return None, None
    return scoring.sheet_of_record(criteria_set, state.figures, state.appraisal,
                                   completed_only=True)


def result_line(commune_code: str, year: int, basis: str, sheet: ScoreSheet,
                state: AssessmentState) -> dict:
    """One published score as the export bundle lists it (and the recompute compares)."""
    return {
        "commune_code": commune_code, "year": year, "basis": basis,
        "criteria_set_id": sheet.set_id, "criteria_set_version": sheet.set_version,
        "total": money(sheet.total), "total_max": money(sheet.total_max),
        "criteria": {c.id: money(c.points) for c in sheet.criteria},
        "achieved": ({c.id: c.achieved for c in sheet.criteria} if sheet.pass_fail else None),
        "recognised": recognised(state),
    }


def published_results(state: AssessmentState, criteria_set: CriteriaSet) -> list[dict]:
    """Every published score of the commune-year: the self-assessment, then the appraisal."""
    identity = state.identity
    lines = []
    for basis, sheet in (("self", self_sheet(state, criteria_set)),
                         ("appraised", council_sheet(state, criteria_set))):
        if sheet is not None:
            lines.append(result_line(identity["commune_code"], identity["year"], basis, sheet, state))
    return lines


def criteria_lines(sheet: ScoreSheet, criteria_set: CriteriaSet) -> list[dict]:
    """Per criterion: points against the maximum and the floor (50 % of it where the regime
    sets one); in a pass/fail set achieved or not."""
    ratio = criteria_set.recognition.criterion_floor_ratio
    lines = []
    for score in sheet.criteria:
        criterion = criteria_set.criterion(score.id)
        floor = quantize(criterion.max * ratio) \
            if ratio is not None and criterion.max is not None else None
        meets = (score.points >= floor) if floor is not None and score.points is not None else None
        lines.append({"id": score.id, "name": criterion.name, "max": money(criterion.max),
                      "points": money(score.points), "floor": money(floor),
                      "meets_floor": meets,
                      "achieved": score.achieved if sheet.pass_fail else None})
    return lines

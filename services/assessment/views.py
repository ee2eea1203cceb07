"""What the read RPCs return: an assessment with its scores and recognition, explained."""

from __future__ import annotations

from kernel.errors import NotFound
from services.assessment.criteria import CriteriaSet
from services.assessment.criteria.model import money
from services.assessment.recognition import evaluate
from services.assessment.scoring import ScoreSheet, appraised_sheet, score_sheet
from services.assessment.workflow import CommuneAssessment

DECIDED_STATES = {"recognised": True, "not_recognised": False, "revoked": False}


def find_criteria_set(sets: dict, set_id: str, version: int | None = None) -> CriteriaSet:
    versions = sorted(v for (i, v) in sets if i == set_id)
    if not versions or (version is not None and version not in versions):
        raise NotFound(f"There is no criteria set {set_id}" +
                       (f" version {version}." if version is not None else "."),
                       {"set_id": set_id, "version": version})
    return sets[(set_id, version if version is not None else versions[-1])]


def criteria_set_summary(criteria_set: CriteriaSet, published: bool = False) -> dict:
    return {"id": criteria_set.id, "version": criteria_set.version,
            "title": criteria_set.title, "first_year": criteria_set.first_year,
            "last_year": criteria_set.last_year, "pass_fail": criteria_set.pass_fail,
            "provisional": criteria_set.provisional,
            "source": "published" if published else "built_in"}


def self_sheet(criteria_set: CriteriaSet, body: dict) -> ScoreSheet | None:
    return score_sheet(criteria_set, body["figures"]) if body["figures"] else None


def council_sheet(criteria_set: CriteriaSet, body: dict) -> ScoreSheet | None:
    """The score of record: the council's appraised sheet, once it has given any score."""
    appraisal = body.get("appraisal")
    if not appraisal or not appraisal["scores"]:
        return None
    return appraised_sheet(criteria_set, appraisal["scores"])


def assessment(item: CommuneAssessment, sets: dict, satisfaction: dict | None = None) -> dict:
    """The assessment explained: the commune's sheet, the council's sheet (the score of
    record), and the recognition rules applied to it condition by condition."""
    body = item.to_dict()
    criteria_set = find_criteria_set(sets, body["criteria_set_id"], body["criteria_set_version"])
    body["criteria_set_provisional"] = criteria_set.provisional
    own = self_sheet(criteria_set, body)
    council = council_sheet(criteria_set, body)
    body["self_score"] = own.to_dict() if own else None
    body["appraised_score"] = council.to_dict() if council else None
    body["satisfaction"] = _satisfaction_view(satisfaction)
    inputs = {"commune_class": body["commune_class"], "declarations": body["declarations"],
              "satisfaction_percent": (satisfaction["rate_percent"]
                                       if satisfaction and satisfaction["published"] else None)}
    # Recognition is decided on the council's sheet; before it exists the commune sees a
    # preview of the same rules applied to its own sheet.
    body["recognition"] = evaluate(criteria_set, council, **inputs).to_dict() if council else None
    body["recognition_preview"] = (evaluate(criteria_set, own, **inputs).to_dict()
                                   if own and not council else None)
    return body


def rollup_line(item: CommuneAssessment, sets: dict) -> dict:
    """One commune's line in a province's roll-up."""
    body = item.to_dict()
    criteria_set = find_criteria_set(sets, body["criteria_set_id"], body["criteria_set_version"])
    own = self_sheet(criteria_set, body)
    council = council_sheet(criteria_set, body)
    achieved = None
    if council is not None and criteria_set.pass_fail:
        indicators = [i for c in council.criteria for i in c.indicators]
        achieved = sum(1 for i in indicators if i.achieved)
    return {
        "commune_code": body["commune_code"], "district_code": body["district_code"],
        "year": body["year"], "state": body["state"], "status": body["status"],
        "criteria_set_id": criteria_set.id, "criteria_set_version": criteria_set.version,
        "provisional": criteria_set.provisional,
        "self_total": money(own.total) if own else None,
        "appraised_total": money(council.total) if council else None,
        "appraised_achieved": achieved,
        "recognised": DECIDED_STATES.get(body["state"]),
        "decision_number": (body["decision"] or {}).get("decision_number"),
    }



def _satisfaction_view(result: dict | None) -> dict | None:
    """The survey result of the commune's year, as the survey service published it."""
    if result is None:
        return None
    keys = ("campaign_id", "questionnaire_id", "questionnaire_version", "valid_answers",
            "satisfied", "rate_percent", "target_sample", "target_met", "published", "reason")
    return {key: result[key] for key in keys}

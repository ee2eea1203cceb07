"""What the read RPCs return: an assessment with its scores and recognition, explained."""

from __future__ import annotations

from kernel.errors import NotFound
from services.assessment.criteria import CriteriaSet
from services.assessment.scoring import score_sheet
from services.assessment.workflow import CommuneAssessment


def find_criteria_set(sets: dict, set_id: str, version: int | None = None) -> CriteriaSet:
    versions = sorted(v for (i, v) in sets if i == set_id)
    if not versions or (version is not None and version not in versions):
        raise NotFound(f"There is no criteria set {set_id}" +
                       (f" version {version}." if version is not None else "."),
                       {"set_id": set_id, "version": version})
    return sets[(set_id, version if version is not None else versions[-1])]


def criteria_set_summary(criteria_set: CriteriaSet) -> dict:
    return {"id": criteria_set.id, "version": criteria_set.version,
            "title": criteria_set.title, "first_year": criteria_set.first_year,
            "last_year": criteria_set.last_year, "provisional": criteria_set.provisional}


def assessment(item: CommuneAssessment, sets: dict) -> dict:
    body = item.to_dict()
    criteria_set = find_criteria_set(sets, body["criteria_set_id"], body["criteria_set_version"])
    body["criteria_set_provisional"] = criteria_set.provisional
    body["self_score"] = score_sheet(criteria_set, body["figures"]).to_dict() if body["figures"] else None
    return body

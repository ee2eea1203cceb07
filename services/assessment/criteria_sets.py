"""Criteria-set versions published by an administrator, as events of the assessment store.

A version is never changed once published (built-in or published): a correction is a new
version. The set lookup every command and view uses is the built-in files plus these.
"""

from __future__ import annotations

from kernel.canonical import to_json_value
from kernel.errors import Conflict, ValidationFailed
from kernel.events import Metadata, NewEvent
from services.assessment.criteria import CriteriaSet, load_builtin_sets, parse_criteria_set

CRITERIA_SET_PUBLISHED = "CriteriaSetPublished"
STREAM_PREFIX = "criteria-set-"

_parsed: dict[str, CriteriaSet] = {}  # event id -> set: a stored version never changes


def stream_name(set_id: str) -> str:
    return f"{STREAM_PREFIX}{set_id}"


def published_sets(store) -> dict[tuple[str, int], CriteriaSet]:
    # Any regime: a new circular is a new set id, with its deadlines in its own calendar.
    found = {}
    for event in store.query(stream_prefix=STREAM_PREFIX, types=(CRITERIA_SET_PUBLISHED,),
                             limit=100_000):
        if event.id not in _parsed:
            _parsed[event.id] = parse_criteria_set(event.data["document"])
        found[_parsed[event.id].key] = _parsed[event.id]
    return found


def all_sets(store) -> dict[tuple[str, int], CriteriaSet]:
    return {**load_builtin_sets(), **published_sets(store)}


def publish(store, document: dict, metadata: Metadata) -> CriteriaSet:
    """Validate and store a new version; 400 listing every problem, 409 if it exists."""
    criteria_set = parse_criteria_set(document)
    stream = stream_name(criteria_set.id)
    version = store.stream_version(stream)
    existing = all_sets(store)
    if criteria_set.key in existing:
        raise Conflict("criteria.version_exists", {"set_id": criteria_set.id, "version": criteria_set.version,
                        "versions": sorted(v for (i, v) in existing if i == criteria_set.id)})
    others = [s for s in existing.values() if s.id != criteria_set.id
              and s.first_year <= (criteria_set.last_year or 9999)
              and criteria_set.first_year <= (s.last_year or 9999)]
    if others:
        raise ValidationFailed(
            "criteria.years_overlap", {"problems": [f"applies_to: overlaps {others[0].id}"]},
            {"first_year": criteria_set.first_year, "last_year": criteria_set.last_year or "",
             "other": others[0].id})
    store.append(stream, version, [NewEvent(CRITERIA_SET_PUBLISHED, {
        "set_id": criteria_set.id, "version": criteria_set.version,
        "provisional": criteria_set.provisional, "document": to_json_value(document)})], metadata)
    return criteria_set

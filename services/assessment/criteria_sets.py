"""Criteria-set versions published by an administrator, as events of the assessment store.

A version is never changed once published (built-in or published): a correction is a new
version. The set lookup every command and view uses is the built-in files plus these.
"""

from __future__ import annotations

from kernel.canonical import to_json_value
from kernel.errors import Conflict, ValidationFailed
from kernel.events import Metadata, NewEvent
from rules.assessment.names import CRITERIA_SET_PUBLISHED
from rules.criteria import CriteriaSet, load_builtin_sets, parse_criteria_set

# A regime that is not built in (a new circular) is registered once, so that reading the sets
# stays a few indexed stream reads (no scan of the log by stream prefix on every command).
CRITERIA_SET_REGISTERED = "CriteriaSetRegistered"
REGISTRY = "criteria-sets"
STREAM_PREFIX = "criteria-set-"

_parsed: dict[str, CriteriaSet] = {}  # event id -> set: a stored version never changes


def stream_name(set_id: str) -> str:
    return f"{STREAM_PREFIX}{set_id}"


def published_sets(store) -> dict[tuple[str, int], CriteriaSet]:
    # Any regime: a new circular is a new set id, with its deadlines in its own calendar.
    found = {}
    for set_id in sorted(_set_ids(store)):
        for event in store.read_stream(stream_name(set_id)):
            if event.type != CRITERIA_SET_PUBLISHED:
                continue
            if event.id not in _parsed:
                _parsed[event.id] = parse_criteria_set(event.data["document"])
            found[_parsed[event.id].key] = _parsed[event.id]
    return found


def _set_ids(store) -> set[str]:
    return {i for (i, _v) in load_builtin_sets()} | {
        e.data["set_id"] for e in store.read_stream(REGISTRY) if e.type == CRITERIA_SET_REGISTERED}


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
    # A regime's years are its latest version's: a new circular takes over once the old
    # regime's new version closes its years (last_year).
    others = [s for s in latest_versions(existing).values() if s.id != criteria_set.id
              and s.first_year <= (criteria_set.last_year or 9999)
              and criteria_set.first_year <= (s.last_year or 9999)]
    if others:
        raise ValidationFailed(
            "criteria.years_overlap", {"problems": [f"applies_to: overlaps {others[0].id}"]},
            {"first_year": criteria_set.first_year, "last_year": criteria_set.last_year or "",
             "other": others[0].id})
    published = (stream, version, [NewEvent(CRITERIA_SET_PUBLISHED, {
        "set_id": criteria_set.id, "version": criteria_set.version,
        "provisional": criteria_set.provisional, "document": to_json_value(document)})], metadata)
    if criteria_set.id in _set_ids(store):
        store.append(*published)
    else:  # a new regime: registered with its first version, both or neither
        store.append_many([published, (REGISTRY, store.stream_version(REGISTRY), [NewEvent(
            CRITERIA_SET_REGISTERED, {"set_id": criteria_set.id})], metadata)])
    return criteria_set


def latest_versions(sets: dict[tuple[str, int], CriteriaSet]) -> dict[str, CriteriaSet]:
    found: dict[str, CriteriaSet] = {}
    for criteria_set in sets.values():
        if criteria_set.id not in found or criteria_set.version > found[criteria_set.id].version:
            found[criteria_set.id] = criteria_set
    return found

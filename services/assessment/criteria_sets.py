"""Criteria-set versions published by an administrator, as events of the assessment store.

A version is never changed once published (built-in or published): a correction is a new
version. The set lookup every command and view uses is the built-in files plus these.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping

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


class KnownSets(Mapping):
    """Every criteria-set version of a store, by (set id, version): the built-in files and
    the published ones. A version never changes once published, so one that was found is
    kept for good and a command on an assessment (which names its version) reads nothing;
    a key not yet known, and anything that lists the versions (the set in force for a year,
    the list, a new publication's checks), reads the log again: a version published a moment
    ago, by this replica or another, is never missed."""

    def __init__(self, store, known: dict):
        self.store, self._known = store, known

    def refresh(self) -> KnownSets:
        self._known.update(published_sets(self.store))
        return self

    def __getitem__(self, key: tuple[str, int]) -> CriteriaSet:
        if key not in self._known:
            self.refresh()
        return self._known[key]

    def __iter__(self):
        return iter(dict(self.refresh()._known))

    def __len__(self) -> int:
        return len(self.refresh()._known)


# Per store object (a service's store lives as long as its engine; a test's fresh database
# comes with a new store), so a cache never outlives the log it was read from.
_known_by_store: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def all_sets(store) -> KnownSets:
    known = _known_by_store.get(store)
    if known is None:
        known = _known_by_store[store] = dict(load_builtin_sets())
    return KnownSets(store, known)


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

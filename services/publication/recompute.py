"""Recompute a publication export bundle from its own events.

    python -m services.publication.recompute BUNDLE.json

Rebuilds every commune-year of the bundle from its raw assessment events only (the workflow's
``evolve`` and the scoring engine, with the bundle's criteria sets), recomputes every published
score and compares it with the bundle's results; recomputes each event's hash and, where two
events of a source are consecutive in the global order, checks that the later one links to the
earlier. Prints a report; exits 0 when everything matches, 1 otherwise (naming what does not).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field

from kernel.errors import KernelError
from kernel.events import chain_hash, chained_fields
from services.assessment.criteria import parse_criteria_set
from services.assessment.workflow.state import AssessmentState, evolve
from services.publication import scores
from services.publication.export import FORMAT

COMPARED = ("criteria_set_id", "criteria_set_version", "total", "total_max", "criteria",
            "achieved", "recognised")


@dataclass
class Report:
    events: int = 0
    links: int = 0
    commune_years: int = 0
    results: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        head = (f"{self.events} events hashed, {self.links} consecutive links checked, "
                f"{self.commune_years} commune-years rebuilt, {self.results} published scores "
                "recomputed")
        if self.ok:
            return [head, "OK: every hash, link and published score matches."]
        return [head, f"MISMATCH: {len(self.problems)} problem(s):",
                *(f"  - {p}" for p in self.problems)]


def _name(event: dict) -> str:
    return (f"event {event.get('id')} ({event.get('source')} position {event.get('position')}, "
            f"{event.get('stream')} v{event.get('version')}, {event.get('type')})")


def _check_hashes(events: list[dict], stubs: list[dict], report: Report) -> None:
    """Each full event must hash to its stored hash; consecutive positions (stubs of
    omitted events included) must link."""
    previous = None
    for event in sorted(events + stubs, key=lambda e: (e["source"], e["position"])):
        if "data" in event:
            report.events += 1
            fields = chained_fields(event["position"], event["id"], event["stream"],
                                    event["version"], event["type"], event["schema_version"],
                                    event["data"], event["metadata"], event["prev_hash"])
            if chain_hash(fields) != event["hash"]:
                report.problems.append(f"{_name(event)}: the hash does not match the event's content")
        if (previous is not None and previous["source"] == event["source"]
                and previous["position"] + 1 == event["position"]):
            report.links += 1
            if event["prev_hash"] != previous["hash"]:
                report.problems.append(f"{_name(event)}: prev_hash does not link to the hash of "
                                       f"position {previous['position']}")
        previous = event


def _rebuild(events: list[dict], stubs: list[dict], report: Report) -> dict[str, AssessmentState]:
    streams: dict[str, list[dict]] = {}
    for event in events:
        streams.setdefault(event["stream"], []).append(event)
    states = {}
    for stream, members in sorted(streams.items()):
        members.sort(key=lambda e: e["version"])
        versions = sorted([e["version"] for e in members] +
                          [s["version"] for s in stubs if s["stream"] == stream])
        if versions != list(range(1, len(versions) + 1)):
            report.problems.append(f"stream {stream}: versions {versions} are not 1..{len(versions)}"
                                   " (an event is missing or repeated)")
        state = AssessmentState()
        for event in members:
            evolve(state, event["type"], event["data"])
            state.version = event["version"]
        states[stream] = state
    return states


def recompute(bundle: dict) -> Report:
    report = Report()
    if bundle.get("format") != FORMAT:
        report.problems.append(f"format is {bundle.get('format')!r}, not {FORMAT!r}")
        return report
    sets = {}
    for document in bundle.get("criteria_sets", []):
        try:
            criteria_set = parse_criteria_set(document)
        except KernelError as error:
            report.problems.append(f"criteria set {document.get('id')} v{document.get('version')}: "
                                   f"{error.message}")
            continue
        sets[criteria_set.key] = criteria_set
    events = bundle.get("events", [])
    allowed = set(bundle.get("omitted_event_types", []))
    stubs = bundle.get("omitted", [])
    for stub in stubs:
        if stub.get("type") not in allowed:
            report.problems.append(f"{_name(stub)}: left out of the bundle, but its type is not "
                                   "one the bundle may omit")
    _check_hashes(events, stubs, report)
    expected: dict[tuple, dict] = {}
    for stream, state in _rebuild(events, stubs, report).items():
        identity = state.identity
        if not identity:
            report.problems.append(f"stream {stream}: no AssessmentOpened event")
            continue
        report.commune_years += 1
        label = f"{identity['commune_code']}/{identity['year']}"
        if (identity["province_code"] != bundle.get("province_code")
                or identity["year"] != bundle.get("year")):
            report.problems.append(f"{label}: belongs to province {identity['province_code']} "
                                   f"year {identity['year']}, not the bundle's")
        key = (identity["criteria_set_id"], identity["criteria_set_version"])
        if key not in sets:
            report.problems.append(f"{label}: criteria set {key[0]} v{key[1]} is not in the bundle")
            continue
        try:
            lines = scores.published_results(state, sets[key])
        except KernelError as error:
            report.problems.append(f"{label}: cannot be scored: {error.message}")
            continue
        for line in lines:
            expected[(line["commune_code"], line["year"], line["basis"])] = line
    given = {}
    for line in bundle.get("results", []):
        key = (line.get("commune_code"), line.get("year"), line.get("basis"))
        given[key] = line
    for key in sorted(set(expected) | set(given), key=str):
        label = f"result {key[0]}/{key[1]} ({key[2]})"
        if key not in given:
            report.problems.append(f"{label}: published by the events but missing from the results")
            continue
        if key not in expected:
            report.problems.append(f"{label}: listed but the events do not produce it")
            continue
        report.results += 1
        for name in COMPARED:
            if given[key].get(name) != expected[key][name]:
                report.problems.append(f"{label}: {name} is {given[key].get(name)!r}, "
                                       f"recomputed {expected[key][name]!r}")
    return report


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m services.publication.recompute BUNDLE.json", file=sys.stderr)
        return 2
    try:
        with open(argv[0], encoding="utf-8") as handle:
            bundle = json.load(handle)
    except (OSError, ValueError) as error:
        print(f"cannot read {argv[0]}: {error}", file=sys.stderr)
        return 1
    report = recompute(bundle)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

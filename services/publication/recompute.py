"""Recompute a publication export bundle from its own events.

    python -m services.publication.recompute BUNDLE.json --keys KEYRING

Rebuilds every commune-year of the bundle from its raw assessment events only (the workflow's
``evolve`` and the scoring engine, with the bundle's criteria sets), recomputes every published
score and compares it with the bundle's results; recomputes each event's hash and, where two
events of a source are consecutive in the global order, checks that the later one links to the
earlier; and checks that every event is in the log its source signed: the signed head's
signature with a key of KEYRING (the public keys *you* trust: a directory of <service>.pub
files or a keyring JSON file, obtained from the platform's operator by a channel other than
the bundle; the bundle's own ``keys`` are only there for you to compare), and each event's
recomputed hash against the head's Merkle root with its inclusion proof (RFC 6962). An event
edited and rehashed, a forged head, a missing proof: each is named. Prints a report; exits 0
when everything matches, 1 otherwise, 2 when called wrongly.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field

from kernel.errors import KernelError
from kernel.events import chain_hash, chained_fields
from kernel.merkle import event_leaf, verify_inclusion
from kernel.signing import Keyring, SignedHead
from rules.assessment.state import AssessmentState, evolve
from rules.criteria import parse_criteria_set
from services.publication import scores
from services.publication.export import FORMAT

COMPARED = ("criteria_set_id", "criteria_set_version", "total", "total_max", "criteria",
            "achieved", "recognised")


@dataclass
class Report:
    events: int = 0
    links: int = 0
    proved: int = 0
    signed_heads: int = 0
    commune_years: int = 0
    results: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        head = (f"{self.events} events hashed, {self.links} consecutive links checked, "
                f"{self.proved} events proved in {self.signed_heads} signed head(s), "
                f"{self.commune_years} commune-years rebuilt, {self.results} published scores "
                "recomputed")
        if self.ok:
            return [head, "OK: every hash, link, signature, inclusion proof and published "
                          "score matches."]
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
            if _hash_of(event) != event["hash"]:
                report.problems.append(f"{_name(event)}: the hash does not match the event's content")
        if (previous is not None and previous["source"] == event["source"]
                and previous["position"] + 1 == event["position"]):
            report.links += 1
            if event["prev_hash"] != previous["hash"]:
                report.problems.append(f"{_name(event)}: prev_hash does not link to the hash of "
                                       f"position {previous['position']}")
        previous = event


def _check_signatures(bundle: dict, keyring: Keyring, report: Report) -> None:
    """Every event and stub must be in the log its source signed: its recomputed hash (a
    stub's stored one) is a leaf of the Merkle tree whose root a head signs, by the proof."""
    heads = {}
    for body in bundle.get("signed_heads") or []:
        try:
            head = SignedHead.from_dict(body)
        except ValueError as error:
            report.problems.append(f"a signed head is malformed: {error}")
            continue
        problem = keyring.problem(head)
        label = f"signed head of {head.source} at position {head.position} ({head.signed_at})"
        if problem is not None:
            report.problems.append(f"{label}: {problem[1]}")
            continue
        report.signed_heads += 1
        heads[(head.source, head.position)] = head
    if not heads:
        report.problems.append("no signed head in the bundle can be trusted: its events cannot "
                               "be checked against a signature")
    proofs = {(p.get("source"), p.get("position")): p for p in bundle.get("proofs") or []}
    for event in bundle.get("events", []) + bundle.get("omitted", []):
        proof = proofs.get((event["source"], event["position"]))
        if proof is None:
            report.problems.append(f"{_name(event)}: has no inclusion proof")
            continue
        head = heads.get((event["source"], proof.get("head_position")))
        if head is None:
            if heads:
                report.problems.append(f"{_name(event)}: its proof is against a head the bundle "
                                       "does not carry or that cannot be trusted")
            continue
        leaf = _hash_of(event) if "data" in event else event["hash"]
        try:
            path = [bytes.fromhex(node) for node in proof["path"]]
            proved = verify_inclusion(event_leaf(leaf), event["position"] - 1, head.position,
                                      path, bytes.fromhex(head.merkle_root))
        except (KeyError, TypeError, ValueError):
            proved = False
        if proved:
            report.proved += 1
        else:
            report.problems.append(
                f"{_name(event)}: not in the log {head.source} signed at position "
                f"{head.position} ({head.signed_at}, key {head.key_id}): changed after signing")


def _hash_of(event: dict) -> str:
    return chain_hash(chained_fields(event["position"], event["id"], event["stream"],
                                     event["version"], event["type"], event["schema_version"],
                                     event["data"], event["metadata"], event["prev_hash"]))


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


def recompute(bundle: dict, keyring: Keyring) -> Report:
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
                                   f"{error.text('en')}")
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
    _check_signatures(bundle, keyring, report)
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
            report.problems.append(f"{label}: cannot be scored: {error.text('en')}")
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
    parser = argparse.ArgumentParser(
        prog="python -m services.publication.recompute",
        description="Check a verification bundle offline: events, signatures, proofs, scores.")
    parser.add_argument("bundle", help="the bundle (du-lieu-kiem-chung-….json)")
    parser.add_argument("--keys", required=True,
                        help="the public keys you trust: a directory of <service>.pub files or "
                             "a keyring JSON file")
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        keyring = Keyring.load(args.keys)
    except (OSError, ValueError, KeyError) as error:
        print(f"cannot read the keyring {args.keys}: {error}", file=sys.stderr)
        return 2
    try:
        with open(args.bundle, encoding="utf-8") as handle:
            bundle = json.load(handle)
    except (OSError, ValueError) as error:
        print(f"cannot read {args.bundle}: {error}", file=sys.stderr)
        return 1
    report = recompute(bundle, keyring)
    print("\n".join(report.lines()))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())

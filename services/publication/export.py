"""The export bundle of a province's year: everything needed to check the published scores
without trusting the platform (see ``recompute.py``).

``export_bundle`` gathers the events, criteria sets and results from the public record;
``attach_proofs`` adds the signed head of the assessment log that vouches for them, the key
that signed it, and a Merkle inclusion proof per event, so that ``recompute`` can check,
offline and with keys it pins itself, that every event is in the log as it was signed.
"""

from __future__ import annotations

from sqlalchemy import select

from kernel import clock
from kernel.errors import NotFound
from kernel.integrity import ChainVerificationFailed
from kernel.merkle import event_leaf, verify_inclusion
from kernel.signing import Keyring, SignedHead
from services.publication import scores
from services.publication.record import (
    _load_state,
    commune_years,
    criteria_sets,
    stream_messages,
)

FORMAT = "tcpl-publication-export/2"
# Citizens' comments (and their authors) take no part in any score; the board shows their
# text, but the public bundle carries only a stub of their events (position, id, stream,
# version, type, hash), so that recompute can still account for every version and link.
OMITTED_TYPES = ("CommentRecorded", "CommentAnswered")
STUB_FIELDS = ("source", "position", "id", "stream", "version", "type", "prev_hash", "hash")


def export_bundle(engine, province_code: str, year: int) -> dict:
    year = int(year)
    with engine.connect() as conn:
        rows = list(conn.execute(select(commune_years).where(
            commune_years.c.public.is_(True), commune_years.c.province_code == province_code,
            commune_years.c.year == year).order_by(commune_years.c.commune_code)))
        if not rows:
            raise NotFound("publication.province_nothing", {"province_code": province_code, "year": year})
        sets = criteria_sets(conn)
        events, omitted, results, used = [], [], [], {}
        for row in rows:
            for event in stream_messages(conn, row.stream):
                if event["type"] in OMITTED_TYPES:
                    omitted.append({name: event[name] for name in STUB_FIELDS})
                else:
                    events.append(event)
            criteria_set = sets.get((row.criteria_set_id, row.criteria_set_version))
            if criteria_set is None:
                continue
            used[criteria_set.key] = criteria_set
            results += scores.published_results(_load_state(row.state_json), criteria_set)
    events.sort(key=lambda e: (e["source"], e["position"]))
    return {"format": FORMAT, "province_code": province_code, "year": year,
            "exported_at": clock.now().isoformat(timespec="seconds"),
            "criteria_sets": [used[key].to_dict() for key in sorted(used)],
            "omitted_event_types": list(OMITTED_TYPES), "omitted": omitted,
            "events": events, "results": results}


def proved_positions(bundle: dict) -> dict[str, list[int]]:
    """The positions of the bundle's events (and stubs) in each source's log."""
    found: dict[str, set[int]] = {}
    for event in bundle["events"] + bundle["omitted"]:
        found.setdefault(event["source"], set()).add(event["position"])
    return {source: sorted(positions) for source, positions in found.items()}


def attach_proofs(bundle: dict, answers: dict[str, dict], keyring: Keyring) -> dict:
    """The bundle with ``signed_heads`` (one per source: the head each source's proofs are
    against), ``keys`` (the public keys that signed them, for the reader to compare with the
    keys they trust) and ``proofs`` (per event and stub: its source, position, the head's
    position and the audit path). ``answers``: each source's ``inclusion_proofs`` answer.

    Checked before anything is published: each head with the pinned ``keyring``, each proof
    with the hash this service received. Raises ChainVerificationFailed when either fails:
    the source's log is no longer what it signed, or what was published."""
    heads, proofs = [], []
    hashes = {(e["source"], e["position"]): e["hash"] for e in bundle["events"] + bundle["omitted"]}
    for source, answer in sorted(answers.items()):
        head = SignedHead.from_dict(answer["head"])
        problem = keyring.problem(head) if head.source == source else ("signature", "another source")
        if problem is not None:
            raise ChainVerificationFailed("publication.head_untrusted",
                                          {"source": source, "position": head.position},
                                          {"problem": problem[1]})
        root = bytes.fromhex(head.merkle_root)
        for proof in answer["proofs"]:
            position = proof["position"]
            path = [bytes.fromhex(node) for node in proof["path"]]
            published = hashes.get((source, position))
            if published is None or not verify_inclusion(event_leaf(published), position - 1,
                                                         head.position, path, root):
                raise ChainVerificationFailed("publication.not_in_log",
                                              {"source": source, "position": position},
                                              {"head_position": head.position})
            proofs.append({"source": source, "position": position,
                           "head_position": head.position, "path": proof["path"]})
        heads.append(head.to_dict())
    unproved = set(hashes) - {(p["source"], p["position"]) for p in proofs}
    if unproved:
        source, position = min(unproved)
        raise ChainVerificationFailed("publication.no_proof", {"source": source, "position": position})
    signers = {(h["source"], h["key_id"]) for h in heads}
    return {**bundle, "signed_heads": heads,
            "keys": [entry for entry in keyring.entries()
                     if (entry["source"], entry["key_id"]) in signers],
            "proofs": proofs}

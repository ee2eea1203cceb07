"""The export bundle and the recompute command shipped with the project: events, criteria
sets and scores, and since the signed heads, the assessment log's signed head, its key and an
inclusion proof per event, checked offline against keys the reader pins."""

import copy
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from kernel.events import chain_hash, chained_fields
from kernel.integrity import ChainVerificationFailed, HeadSigner, inclusion_proofs
from kernel.signing import Keyring, SignedHead, generate_keys
from services.publication import export
from services.publication.recompute import main, recompute
from tests.publication.support import DONG_HOA, DONG_NAM, DONG_QUANG, THANH_HOA, YEAR
from tests.support import tampering

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pinned_keys(tmp_path):
    """The assessment service's key, and the keyring a citizen pins (its public half only)."""
    directory = tmp_path / "keys"
    generate_keys(directory, ["assessment"])
    pinned = tmp_path / "pinned"
    pinned.mkdir()
    (pinned / "assessment.pub").write_bytes((directory / "assessment.pub").read_bytes())
    return tampering.signing_key(directory, "assessment"), pinned


def walked(setup):
    setup.walk(DONG_QUANG)
    setup.walk(DONG_HOA, recognised=False, points={"C1.I2": "1.00", "C2.I1": "2.35"},
               comments=["Ý kiến"])
    setup.walk(DONG_NAM, until="posting")
    setup.walk("16384", until="drafted")
    setup.sync()


def signed_bundle(setup, keys):
    """What the publication service serves: the record's bundle with the assessment log's
    proofs, asked of the (here local) assessment store and checked before publishing."""
    key, pinned = keys
    bundle = export.export_bundle(setup.engine, THANH_HOA, YEAR)
    signer = HeadSigner(setup.assessment, key)
    answers = {source: inclusion_proofs(setup.assessment, positions, signer=signer)
               for source, positions in export.proved_positions(bundle).items()}
    return json.loads(json.dumps(export.attach_proofs(bundle, answers, Keyring.load(pinned))))


def bundle_of(setup, keys):
    walked(setup)
    return signed_bundle(setup, keys)


def write(tmp_path, bundle, name="bundle.json"):
    path = tmp_path / name
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return str(path)


def rehash(bundle):
    """Recompute every event's hash and link in the bundle, as a forger would."""
    by_position = sorted(bundle["events"] + bundle["omitted"], key=lambda e: e["position"])
    previous = None
    for event in by_position:
        if previous is not None and previous["position"] + 1 == event["position"]:
            event["prev_hash"] = previous["hash"]
        if "data" in event:
            event["hash"] = chain_hash(chained_fields(
                event["position"], event["id"], event["stream"], event["version"], event["type"],
                event["schema_version"], event["data"], event["metadata"], event["prev_hash"]))
        previous = event


def test_the_bundle_holds_the_sets_the_events_and_every_published_score(setup, pinned_keys):
    bundle = bundle_of(setup, pinned_keys)
    assert bundle["format"] == "tcpl-publication-export/2"
    assert bundle["province_code"] == THANH_HOA and bundle["year"] == YEAR
    assert [s["id"] for s in bundle["criteria_sets"]] == ["25-2021"]
    streams = {e["stream"] for e in bundle["events"]}
    assert streams == {f"assessment-{c}-{YEAR}" for c in (DONG_QUANG, DONG_HOA, DONG_NAM)}
    assert all(e["hash"] and e["prev_hash"] for e in bundle["events"])
    keys = {(r["commune_code"], r["basis"]) for r in bundle["results"]}
    assert keys == {(DONG_QUANG, "self"), (DONG_QUANG, "appraised"), (DONG_HOA, "self"),
                    (DONG_HOA, "appraised"), (DONG_NAM, "self")}
    hoa = next(r for r in bundle["results"] if r["commune_code"] == DONG_HOA and r["basis"] == "appraised")
    assert hoa["total"] == "90.75" and hoa["criteria"]["C1"] == "4.00" and hoa["recognised"] is False
    [head] = bundle["signed_heads"]
    assert head["source"] == "assessment" and head["position"] == setup.assessment.head_position()
    assert [k["key_id"] for k in bundle["keys"]] == [head["key_id"]] == [pinned_keys[0].key_id]
    proved = {(p["source"], p["position"]) for p in bundle["proofs"]}
    assert proved == {(e["source"], e["position"]) for e in bundle["events"] + bundle["omitted"]}


def test_an_untouched_bundle_recomputes_and_exits_0(setup, pinned_keys, tmp_path, capsys):
    bundle = bundle_of(setup, pinned_keys)
    pinned = str(pinned_keys[1])
    assert main([write(tmp_path, bundle), "--keys", pinned]) == 0
    out = capsys.readouterr().out
    events = len(bundle["events"]) + len(bundle["omitted"])
    assert "OK" in out and "5 published scores recomputed" in out
    assert f"{events} events proved in 1 signed head(s)" in out
    # the command as shipped, in its own process
    done = subprocess.run([sys.executable, "-m", "services.publication.recompute",
                           write(tmp_path, bundle), "--keys", pinned], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_event_edited_and_every_hash_recomputed_fails_its_inclusion_proof(
        setup, pinned_keys, tmp_path, capsys):
    """The issue's attack on a bundle: hashes and links all agree again, the signature does not."""
    bundle = copy.deepcopy(bundle_of(setup, pinned_keys))
    event = next(e for e in bundle["events"] if e["type"] == "IndicatorAppraised"
                 and e["stream"] == f"assessment-{DONG_HOA}-{YEAR}" and e["data"]["indicator_id"] == "C1.I2")
    event["data"]["points"] = "7.00"
    rehash(bundle)
    line = next(r for r in bundle["results"] if r["commune_code"] == DONG_HOA and r["basis"] == "appraised")
    line["total"], line["criteria"]["C1"] = "96.75", "10.00"
    report = recompute(bundle, Keyring.load(pinned_keys[1]))
    assert not any("hash does not match" in p or "prev_hash" in p for p in report.problems)
    assert any(f"event {event['id']}" in p and "not in the log assessment signed" in p
               for p in report.problems), report.problems
    assert main([write(tmp_path, bundle), "--keys", str(pinned_keys[1])]) == 1
    assert "changed after signing" in capsys.readouterr().out


def test_a_forged_head_or_a_key_the_reader_does_not_pin_is_refused(setup, pinned_keys, tmp_path):
    bundle = bundle_of(setup, pinned_keys)
    forged = copy.deepcopy(bundle)
    head = SignedHead.from_dict(forged["signed_heads"][0])
    forged["signed_heads"][0] = replace(head, merkle_root="00" * 32).to_dict()
    report = recompute(forged, Keyring.load(pinned_keys[1]))
    assert any("its signature does not verify" in p for p in report.problems)
    assert any("no signed head in the bundle can be trusted" in p for p in report.problems)
    generate_keys(tmp_path / "stranger", ["assessment"])
    (tmp_path / "stranger" / "assessment.key").unlink()
    report = recompute(bundle, Keyring.load(tmp_path / "stranger"))
    assert any("not in the pinned keyring" in p for p in report.problems)
    unsigned = {k: v for k, v in bundle.items() if k not in ("signed_heads", "proofs")}
    assert not recompute(unsigned, Keyring.load(pinned_keys[1])).ok


def test_the_keyring_is_required(setup, pinned_keys, tmp_path, capsys):
    bundle = bundle_of(setup, pinned_keys)
    assert main([write(tmp_path, bundle)]) == 2
    assert "--keys" in capsys.readouterr().err


def test_nothing_is_published_when_the_source_log_was_rewritten_after_publication(
        setup, pinned_keys):
    """The publication service checks each proof with the hashes it received: an assessment
    log edited (and rehashed) since gives no bundle, but a 503 naming the event."""
    walked(setup)
    key, _ = pinned_keys
    signer = HeadSigner(setup.assessment, key)
    signer.sign_if_due()
    position = setup.assessment.read_all()[5].position
    tampering.edit(setup.assessment.engine, position, {"tampered": True})
    with pytest.raises(ChainVerificationFailed):
        signed_bundle(setup, pinned_keys)
    # and a log rewritten before anything was signed is caught by the hashes received
    tampering.delete_signed_heads(setup.assessment.engine)
    with pytest.raises(ChainVerificationFailed, match="as published is not in the log"):
        signed_bundle(setup, pinned_keys)


def test_a_tampered_result_is_named_and_exits_1(setup, pinned_keys, tmp_path, capsys):
    bundle = copy.deepcopy(bundle_of(setup, pinned_keys))
    line = next(r for r in bundle["results"] if r["commune_code"] == DONG_HOA and r["basis"] == "appraised")
    line["total"] = "92.75"
    line["recognised"] = True
    assert main([write(tmp_path, bundle), "--keys", str(pinned_keys[1])]) == 1
    out = capsys.readouterr().out
    assert f"result {DONG_HOA}/{YEAR} (appraised): total is '92.75', recomputed '90.75'" in out
    assert f"result {DONG_HOA}/{YEAR} (appraised): recognised is True, recomputed False" in out


def test_a_tampered_event_is_named_and_exits_1(setup, pinned_keys, tmp_path, capsys):
    bundle = copy.deepcopy(bundle_of(setup, pinned_keys))
    event = next(e for e in bundle["events"] if e["type"] == "IndicatorAppraised"
                 and e["stream"] == f"assessment-{DONG_HOA}-{YEAR}" and e["data"]["indicator_id"] == "C1.I2")
    event["data"]["points"] = "7.00"  # and the result no longer follows from the events either
    assert main([write(tmp_path, bundle), "--keys", str(pinned_keys[1])]) == 1
    out = capsys.readouterr().out
    assert f"event {event['id']}" in out and "the hash does not match" in out
    assert f"result {DONG_HOA}/{YEAR} (appraised): total is '90.75', recomputed '96.75'" in out


def test_a_removed_event_or_a_forged_link_is_found(setup, pinned_keys):
    bundle = bundle_of(setup, pinned_keys)
    keyring = Keyring.load(pinned_keys[1])
    removed = copy.deepcopy(bundle)
    victim = next(e for e in removed["events"] if e["type"] == "PostingEnded")
    removed["events"].remove(victim)
    report = recompute(removed, keyring)
    assert not report.ok and any(f"stream {victim['stream']}: versions" in p for p in report.problems)

    forged = copy.deepcopy(bundle)
    ordered = sorted(forged["events"], key=lambda e: e["position"])
    pair = next((a, b) for a, b in zip(ordered, ordered[1:], strict=False)
                if b["position"] == a["position"] + 1)
    pair[1]["prev_hash"] = "f" * 64
    report = recompute(forged, keyring)
    assert any(f"event {pair[1]['id']}" in p and "prev_hash" in p for p in report.problems)


def test_a_bundle_of_another_format_is_refused(pinned_keys, tmp_path):
    assert recompute({"format": "other"}, Keyring.load(pinned_keys[1])).ok is False
    assert main([str(tmp_path / "missing.json"), "--keys", str(pinned_keys[1])]) == 1

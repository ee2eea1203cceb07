"""Signed chain heads against someone who can write to the database: the issue's attack (an
edit followed by recomputing every later hash and the store head) passes the plain hash
chain but not the signed heads; every broken place is reported; deleted heads are caught by
copies; forged heads are refused; the signer never signs over a rewritten log.
On SQLite and PostgreSQL."""

import json
from dataclasses import replace

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from kernel.integrity import (
    ChainVerificationFailed,
    ChainVerifier,
    HeadSigner,
    Integrity,
    SigningRefused,
    inclusion_proofs,
)
from kernel.merkle import event_leaf, verify_inclusion
from kernel.schema import signed_heads as signed_heads_table
from kernel.signing import Keyring, SignedHead, generate_keys
from kernel.store import NO_STREAM
from tests.support import tampering
from tests.support.stores import meta, numbered, open_store

SOURCE = "assessment"


@pytest.fixture
def store(database_url):
    store = open_store(database_url, SOURCE)
    yield store
    store.dispose()


@pytest.fixture
def keys(tmp_path):
    return tampering.keys_for(tmp_path / "keys", SOURCE, "survey")


@pytest.fixture
def signer(store, keys):
    return HeadSigner(store, tampering.signing_key(keys[0], SOURCE))


def fill(store, signer, *rounds):
    """Append ``rounds[i]`` events to a new stream, signing after each round: signed heads
    at the end of every round."""
    heads = []
    for count in rounds:
        store.append(f"s{store.head_position()}", NO_STREAM, numbered(count), meta())
        heads.append(signer.sign_if_due())
    return heads


def kinds(report):
    return [(p.kind, p.from_position, p.to_position) for p in report.places]


def test_the_signer_signs_when_the_head_moved_and_the_signature_verifies(store, signer, keys):
    _, keyring = keys
    assert signer.sign_if_due() is None  # an empty log: nothing to sign
    [first, second] = fill(store, signer, 3, 2)
    assert (first.position, second.position) == (3, 5)
    assert signer.sign_if_due() is None  # nothing new
    assert signer.sign_if_due(force=True).position == 5
    assert keyring.problem(second) is None
    assert second.head_hash == store.read_all()[-1].hash
    report = store.verify_chain(keyring)
    assert report.ok and report.heads_checked == 3 and report.checked == 5
    assert report.to_dict()["signed_heads"]["latest"]["position"] == 5
    # the tree extended from the first head's frontier equals a tree built from scratch
    rebuilt = inclusion_proofs(store, [1], 5)
    assert rebuilt["head"]["merkle_root"] == second.merkle_root


def test_an_edit_with_every_later_hash_recomputed_is_caught_by_the_next_signed_head(store, signer, keys):
    """The issue's attack: the plain chain says ok, the signed heads name the range."""
    _, keyring = keys
    fill(store, signer, 4, 4, 4)  # heads at 4, 8, 12
    tampering.edit(store.engine, 6, {"n": 999})
    assert store.verify_chain().ok  # what main did: nothing to check it against
    report = store.verify_chain(keyring)
    assert not report.ok
    assert kinds(report) == [("signed_head", 5, 8)]
    assert report.broken.position == 8 and "events 5 to 8" in report.broken.reason
    assert report.to_dict()["first_broken"]["kind"] == "signed_head"


def test_several_edits_are_each_located_and_an_edit_without_rehash_names_its_event(store, signer, keys):
    _, keyring = keys
    fill(store, signer, 3, 3, 3, 3)  # heads at 3, 6, 9, 12
    tampering.edit(store.engine, 2, {"n": -2})          # rehashed: range 1..3
    tampering.edit(store.engine, 8, {"n": -8})          # rehashed: range 7..9
    tampering.edit(store.engine, 11, {"n": -11}, rehash=False)  # one event, and its range
    report = store.verify_chain(keyring)
    assert kinds(report) == [("signed_head", 1, 3), ("signed_head", 7, 9), ("edited", 11, 11),
                             ("signed_head", 10, 12)]
    assert [p["position"] for p in report.to_dict()["broken"]] == [3, 9, 11, 12]


def test_removed_events_and_an_edited_store_head_are_reported(store, signer, keys):
    _, keyring = keys
    fill(store, signer, 3, 3)  # heads at 3, 6
    tampering.bypass_append_only(store.engine)
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM outbox"))
        conn.execute(text("DELETE FROM events WHERE position IN (2, 6)"))
        conn.execute(text("UPDATE store_head SET position = 5"))
    report = store.verify_chain(keyring)
    found = kinds(report)
    assert ("missing", 2, 2) in found and ("signed_head", 1, 3) in found
    assert ("signed_head", 4, 6) in found  # the head at 6 vouches for a removed event
    assert any(kind == "store_head" for kind, *_ in found)


def test_deleted_signed_heads_are_still_caught_by_copies_held_elsewhere(store, signer, keys):
    _, keyring = keys
    heads = fill(store, signer, 4, 4)
    copies = [replace(h, frontier=None) for h in heads]  # as the publication service keeps them
    tampering.edit(store.engine, 3, {"n": 0})
    tampering.delete_signed_heads(store.engine)
    assert store.verify_chain(keyring).ok  # nothing left in this database to contradict it
    report = store.verify_chain(keyring, copies)
    assert kinds(report) == [("signed_head", 1, 4)]


def test_a_forged_or_foreign_head_is_refused_and_reported_never_used(store, signer, keys, tmp_path):
    directory, keyring = keys
    [head] = fill(store, signer, 3)
    tampering.edit(store.engine, 2, {"n": 5})
    rehashed = store.read_all()[-1].hash
    forged = replace(head, head_hash=rehashed, signed_at=head.signed_at[:-1] + "9")
    tampering.insert_signed_head(store.engine, forged)
    survey_key = tampering.signing_key(directory, "survey")
    foreign = replace(head, key_id=survey_key.key_id, head_hash=rehashed, signature="")
    foreign = replace(foreign, signature=survey_key.sign(foreign.payload()))
    tampering.insert_signed_head(store.engine, foreign)
    generate_keys(tmp_path / "other", ["assessment"])
    stranger = Keyring.load(tmp_path / "other")
    found = kinds(store.verify_chain(keyring))
    assert ("signature", None, None) in found  # forged signature, and survey's key
    assert ("signed_head", 1, 3) in found  # the genuine head still judges the range
    assert [k for k, *_ in kinds(store.verify_chain(stranger))].count("unknown_key") == 3
    assert store.verify_chain(None).ok  # no keyring: the heads are not trusted, nor used


def test_equivocation_two_valid_heads_for_one_position_is_reported(store, signer, keys):
    directory, keyring = keys
    [head] = fill(store, signer, 3)
    key = tampering.signing_key(directory, SOURCE)
    other = replace(head, head_hash="ab" * 32, signed_at=head.signed_at[:-1] + "9", signature="")
    other = replace(other, signature=key.sign(other.payload()))
    report = store.verify_chain(keyring, [other])
    assert ("equivocation", None, None) in kinds(report)


def test_the_signer_refuses_to_sign_over_a_rewritten_log_or_removed_heads(store, signer, keys):
    fill(store, signer, 3, 3)
    tampering.edit(store.engine, 2, {"n": 7})  # rewritten under both heads
    store.append("more", NO_STREAM, numbered(1), meta())
    # the newest head (6) is intact, but event 7 now links to a rehashed event 6
    with pytest.raises(SigningRefused, match="position 7 does not chain"):
        signer.sign_if_due()
    assert signer.refusal.kind == "signing" and signer.refusal.position == 7
    tampering.delete_signed_heads(store.engine, from_position=4)
    with pytest.raises(SigningRefused, match="signed heads were removed"):
        signer.sign_if_due()
    # a head planted in the database is never extended
    fresh = HeadSigner(store, signer.key)
    forged = replace(store.latest_signed_heads()[0], position=7, head_hash=store.read_all()[-1].hash)
    tampering.insert_signed_head(store.engine, forged)
    with pytest.raises(SigningRefused, match="cannot be trusted"):
        fresh.sign_if_due()


def test_signed_heads_are_append_only_in_the_database(store, signer):
    fill(store, signer, 2)
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(signed_heads_table.update().values(position=1))
    with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(signed_heads_table.delete())
    assert len(store.signed_heads_between(0)) == 1


def test_the_background_verifier_follows_new_events_and_its_sweep_finds_old_edits(store, signer, keys):
    _, keyring = keys
    fill(store, signer, 5, 5)
    verifier = ChainVerifier(store, keyring, chunk=3, sweep_interval=0)
    while not verifier.caught_up:
        verifier.follow_step()
    assert verifier.status()["verified_position"] == 10 and not verifier.places()
    fill(store, signer, 4)
    verifier.follow_step()
    verifier.follow_step()
    status = verifier.status()
    assert status["verified_position"] == 14 and status["latest_signed_head"]["position"] == 14
    tampering.edit(store.engine, 2, {"n": 0}, rehash=False)  # behind the follower
    verifier.follow_step()
    assert not verifier.places()  # only a sweep reads old events again
    while verifier.sweep_step() and verifier.last_sweep is None:
        pass
    status = verifier.status()
    assert status["last_full_sweep"]["ok"] is False and status["last_full_sweep"]["checked"] == 14
    assert [(p["kind"], p["from_position"], p["to_position"]) for p in status["broken"]] == [
        ("edited", 2, 2), ("signed_head", 1, 5)]
    # an edit with rehashing moves the store head's hash: the follower sees that at once
    tampering.edit(store.engine, 12, {"n": 0})
    verifier.follow_step()
    assert "store_head" in [p.kind for p in verifier.follow.places.values()]


def test_integrity_status_says_failed_verifying_unsigned_or_ok(store, keys, tmp_path):
    directory, keyring = keys
    store.append("a", NO_STREAM, numbered(3), meta())
    unsigned = Integrity(store, None, keyring)
    assert unsigned.status()["status"] == "verifying"
    unsigned.verifier.follow_step()
    assert unsigned.status()["status"] == "unsigned"
    signed = Integrity(store, tampering.signing_key(directory, SOURCE), keyring)
    signed.signer.sign_if_due()
    signed.verifier.follow_step()
    status = signed.status()
    assert status["status"] == "ok" and status["signing"]["key_id"] == signed.signer.key.key_id
    tampering.edit(store.engine, 1, {"n": 4}, rehash=False)
    signed.verifier.sweep_step()
    assert signed.status()["status"] == "failed"


def test_inclusion_proofs_verify_against_the_signed_root_and_fail_after_a_rewrite(store, signer):
    fill(store, signer, 6, 3)
    store.append("tail", NO_STREAM, numbered(2), meta())  # not signed yet
    answer = inclusion_proofs(store, [2, 7, 11], signer=signer)  # signs to cover 11
    head = SignedHead.from_dict(answer["head"])
    assert head.position == 11
    for proof in answer["proofs"]:
        assert verify_inclusion(event_leaf(proof["hash"]), proof["position"] - 1, head.position,
                                [bytes.fromhex(p) for p in proof["path"]],
                                bytes.fromhex(head.merkle_root))
    older = inclusion_proofs(store, [2], tree_size=6)
    assert older["head"]["position"] == 6
    tampering.edit(store.engine, 4, {"n": 0})
    with pytest.raises(ChainVerificationFailed, match="changed after it was signed"):
        inclusion_proofs(store, [2])


def test_a_signed_head_round_trips_through_json(store, signer):
    [head] = fill(store, signer, 2)
    again = SignedHead.from_dict(json.loads(json.dumps(head.to_dict(frontier=True))))
    assert again == head and again.tree().root().hex() == head.merkle_root
    with pytest.raises(ValueError, match="position"):
        SignedHead.from_dict({**head.to_dict(), "position": "2"})

"""A write carried out once per idempotency key: events, answer and key commit together, a
repeat is answered from the key's row, a reuse for something else is refused, a failure
stores nothing. On SQLite and PostgreSQL."""

import json
import os
import subprocess
import sys
import time

import pytest
from sqlalchemy import insert, select

from kernel import failpoints, idempotency
from kernel.errors import Conflict, ValidationFailed
from kernel.idempotency import (
    IdempotencyKeyReused,
    IdempotentAnswerUnreadable,
    KeyedRequest,
    carry_out,
    prune,
)
from kernel.nameko import ServiceStore
from kernel.relay import OutboxRelay
from kernel.schema import idempotency_keys
from kernel.store import NO_STREAM
from tests.support.keyed_ledger import STREAM, Ledger, context
from tests.support.stores import meta, numbered, open_store


@pytest.fixture
def store(database_url):
    store = open_store(database_url, source="ledger")
    yield store
    store.dispose()


@pytest.fixture
def ledger(store):
    return Ledger(store)


def events(store):
    return store.read_stream(STREAM)


def key_rows(store):
    with store.engine.connect() as conn:
        return conn.execute(select(idempotency_keys)).all()


def test_the_same_key_and_body_returns_the_first_answer_and_writes_once(store, ledger):
    first = ledger.add(STREAM, 5, context("k-1", {"amount": 5}))
    again = ledger.add(STREAM, 5, context("k-1", {"amount": 5}))
    assert first == {"idempotent_answer": first["idempotent_answer"],
                     "idempotency_key": "k-1", "replayed": False}
    assert again == {**first, "replayed": True}  # the same receipt: not computed again
    # the answer was computed inside the transaction, after the append, and saw it
    assert first["idempotent_answer"]["version"] == 1
    assert len(events(store)) == 1


def test_the_key_is_in_the_metadata_of_the_events_it_produced(store, ledger):
    ledger.add(STREAM, 5, context("k-meta", {"amount": 5}))
    [event] = events(store)
    assert event.metadata["idempotency_key"] == "k-meta"
    assert event.metadata["actor"] == "officer@test"
    store.append("unkeyed", NO_STREAM, numbered(1), meta())
    assert "idempotency_key" not in store.read_stream("unkeyed")[0].metadata


def test_a_key_reused_for_another_body_is_refused_and_writes_nothing(store, ledger):
    ledger.add(STREAM, 5, context("k-2", {"amount": 5}))
    with pytest.raises(IdempotencyKeyReused) as refused:
        ledger.add(STREAM, 7, context("k-2", {"amount": 7}))
    assert refused.value.http_status == 409 and refused.value.code == "idempotency_key_reused"
    assert refused.value.details == {"idempotency_key": "k-2"}
    assert "khóa mới" in refused.value.message
    assert [e.data["amount"] for e in events(store)] == [5]


def test_a_key_reused_for_another_operation_with_the_same_fingerprint_is_refused(store):
    keyed = context("k-op", {"amount": 5})
    Ledger(store).add(STREAM, 5, keyed)
    request = KeyedRequest.from_context(keyed, "subtract")
    with pytest.raises(IdempotencyKeyReused):
        carry_out(store, request, lambda: pytest.fail("must not run"))


def test_keys_are_scoped_to_the_caller(store, ledger):
    ledger.add(STREAM, 5, context("shared", {"amount": 5}, subject="a@test"))
    other = ledger.add(STREAM, 5, context("shared", {"amount": 5}, subject="b@test"))
    assert other["replayed"] is False
    assert len(events(store)) == 2


def test_a_handler_that_raises_stores_nothing_and_the_key_may_be_used_again(store, ledger):
    def refuse():
        raise ValidationFailed("no", {})

    with pytest.raises(ValidationFailed):
        ledger.add(STREAM, 5, context("k-3", {"amount": 5}), then=refuse)
    assert events(store) == [] and key_rows(store) == []
    assert ledger.add(STREAM, 5, context("k-3", {"amount": 5}))["replayed"] is False
    assert len(events(store)) == 1


def test_without_a_key_a_write_is_still_all_or_nothing(store, ledger):
    def append_more_then_fail():
        store.append("other", NO_STREAM, numbered(2), meta())
        raise Conflict("no", {})

    with pytest.raises(Conflict):
        ledger.add(STREAM, 5, None, then=append_more_then_fail)
    assert store.head_position() == 0
    answer = ledger.add(STREAM, 5, None)
    assert answer["version"] == 1 and "idempotent_answer" not in answer  # answered as it is
    assert key_rows(store) == []


def test_a_twin_that_committed_first_wins_and_the_second_writes_nothing(store, ledger):
    """The second request passed the check for a stored answer before the first committed;
    its claim of the key then fails, so it rolls back and answers with the first's answer."""
    keyed = context("k-twin", {"amount": 5})
    twin = {}

    def second():
        # The twin runs to its commit after this one looked for a stored answer and before
        # its first write: a race lost in the same place every time.
        twin["answer"] = ledger.add("twin-stream", 5, keyed)
        return ledger.add.__wrapped__(ledger, STREAM, 5, keyed)

    outer = carry_out(store, KeyedRequest.from_context(keyed, "add"), second)
    assert twin["answer"]["replayed"] is False
    assert outer == {**twin["answer"], "replayed": True}
    assert events(store) == [] and len(store.read_stream("twin-stream")) == 1


def test_a_twin_that_changed_the_state_first_gets_the_twins_answer_not_an_error(store, ledger):
    keyed = context("k-state", {"amount": 5})
    request = KeyedRequest.from_context(keyed, "add")
    twin = {}

    def refused_because_the_twin_already_did_it():
        twin["answer"] = ledger.add(STREAM, 5, keyed)
        raise Conflict("already done", {})

    assert carry_out(store, request, refused_because_the_twin_already_did_it) == {
        **twin["answer"], "replayed": True}
    assert len(events(store)) == 1


def test_concurrent_requests_with_one_key_write_once(store, database_url):
    """Three processes send the same request at the same moment; each holds its transaction
    open a while before committing, so all three pass the first check for a stored answer."""
    env = dict(os.environ, PYTHONPATH=os.getcwd(),
               TCPL_FAILPOINTS="write.before_commit:sleep=0.5")
    start_at = time.time() + 5  # after every process has started, on a busy machine too
    writers = [subprocess.Popen([sys.executable, "-m", "tests.support.keyed_ledger",
                                 database_url, "k-race", str(start_at)],
                                env=env, stdout=subprocess.PIPE, text=True)
               for _ in range(3)]
    answers = [json.loads(writer.communicate(timeout=120)[0]) for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0, 0]
    assert sorted(answer["replayed"] for answer in answers) == [False, True, True]
    assert len({answer["idempotent_answer"]["receipt"] for answer in answers}) == 1
    assert len(events(store)) == 1 and len(key_rows(store)) == 1


def test_wake_ups_wait_for_the_commit(store):
    relay = OutboxRelay(store, "amqp://unused")
    handle = Ledger(ServiceStore(store, relay))
    seen = {}

    def look():
        seen["woken before the commit"] = relay.wake.is_set()

    handle.add(STREAM, 5, context("k-wake", {"amount": 5}), then=look)
    assert seen == {"woken before the commit": False} and relay.wake.is_set()


def test_a_crash_before_the_commit_leaves_nothing_and_one_after_it_everything(store, ledger):
    keyed = context("k-crash", {"amount": 5})
    with failpoints.active("write.before_commit:raise"), pytest.raises(failpoints.FailpointHit):
        ledger.add(STREAM, 5, keyed)
    assert events(store) == [] and key_rows(store) == []

    with failpoints.active("write.after_commit:raise"), pytest.raises(failpoints.FailpointHit):
        ledger.add(STREAM, 5, keyed)  # committed; the reply never left
    assert len(events(store)) == 1
    retried = ledger.add(STREAM, 5, keyed)
    assert retried["replayed"] is True and retried["idempotent_answer"]["version"] == 1
    assert len(events(store)) == 1


def test_stored_answers_are_sealed_with_the_gateways_key(store, ledger):
    answer = ledger.add(STREAM, 5, context("k-seal", {"amount": 5}))["idempotent_answer"]
    [row] = key_rows(store)
    assert row.answer is not None and answer["receipt"].encode() not in row.answer
    assert (row.scope, row.key, row.operation) == ("officer@test", "k-seal", "add")
    with pytest.raises(IdempotentAnswerUnreadable) as unreadable:
        ledger.add(STREAM, 5, context("k-seal", {"amount": 5}, answer_key="b2" * 32))
    assert unreadable.value.http_status == 409
    assert len(events(store)) == 1


@pytest.mark.parametrize("given, field", [
    ("not a dict", "idempotency"),
    ({"key": "", "fingerprint": "0" * 64, "answer_key": "0" * 64}, "key"),
    ({"key": "k" * 256, "fingerprint": "0" * 64, "answer_key": "0" * 64}, "key"),
    ({"key": "khóa", "fingerprint": "0" * 64, "answer_key": "0" * 64}, "key"),
    ({"key": "k", "fingerprint": "XYZ", "answer_key": "0" * 64}, "fingerprint"),
    ({"key": "k", "fingerprint": "0" * 64}, "answer_key"),
])
def test_a_malformed_idempotency_context_is_refused_before_anything_runs(
        store, ledger, given, field):
    with pytest.raises(ValidationFailed) as refused:
        ledger.add(STREAM, 5, {"actor": {"subject": "a@test"}, "idempotency": given})
    assert field in refused.value.details
    assert events(store) == []


def test_keys_older_than_the_kept_days_are_pruned(store):
    rows = [{"scope": "a@test", "key": key, "operation": "add", "fingerprint": "0" * 64,
             "answer": b"sealed", "recorded_at": recorded_at}
            for key, recorded_at in (("old", "2024-01-01T08:00:00.000000+07:00"),
                                     ("recent", "2999-01-01T08:00:00.000000+07:00"))]
    with store.engine.begin() as conn:
        conn.execute(insert(idempotency_keys), rows)
    assert prune(store.engine, keep_days=idempotency.DEFAULT_KEEP_DAYS) == 1
    assert [row.key for row in key_rows(store)] == ["recent"]


def test_a_store_transaction_inside_a_write_is_part_of_it(store, ledger):
    """What the survey's issue_codes does: several appends in store.transaction()."""
    def several_in_a_transaction():
        with store.transaction() as conn:
            store.append("code-1", NO_STREAM, numbered(1), meta(), conn=conn)
            store.append("code-2", NO_STREAM, numbered(1), meta(), conn=conn)
        assert store.stream_version("code-2") == 1  # seen inside, not yet committed
        raise Conflict("and then refused", {})

    with pytest.raises(Conflict):
        ledger.add(STREAM, 5, context("k-tx", {"amount": 5}), then=several_in_a_transaction)
    assert store.head_position() == 0


@pytest.mark.parametrize("spec", ["write.after_commit", "write.after_commit:explode",
                                  "write.before_commit:sleep", "write.before_commit:sleep=x"])
def test_a_malformed_failpoint_is_refused(spec):
    with pytest.raises(ValueError):
        failpoints.parse(spec)


def test_failpoints_are_inert_unless_set():
    assert failpoints.parse("") == {}
    failpoints.hit("write.after_commit")  # nothing configured: nothing happens
    assert failpoints.parse("a:kill, b:sleep=0.1") == {"a": "kill", "b": "sleep=0.1"}

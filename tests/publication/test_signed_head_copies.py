"""The publication service's copies of the other services' signed heads (heads.py): kept only
when they verify with its own pinned keys, forged ones refused and reported, the audit's
thinned selection, and the check that a log still holds what it signed — which catches an
edit with rehashing even after the service's own signed heads were deleted.

A real nameko service signs its log (the kernel's RPCs over a real store); the copies live in
a database of their own, on SQLite and PostgreSQL."""

from dataclasses import replace

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from kernel.nameko import EventSourcedService, EventStoreProvider
from kernel.signing import Keyring, generate_keys
from kernel.store import NO_STREAM, EventStore
from services.publication import heads
from tests.support import tampering
from tests.support.stores import meta, numbered

pytestmark = pytest.mark.broker


class AssessmentLog(EventSourcedService):
    name = "assessment"
    store = EventStoreProvider()


@pytest.fixture
def source(own_amqp_uri, runner_factory, tmp_path):
    """The signing service (its store on SQLite) and an RPC caller of it."""
    keys = tmp_path / "keys"
    generate_keys(keys, ["assessment"])
    url = f"sqlite:///{tmp_path}/assessment.sqlite"
    config = {"AMQP_URI": own_amqp_uri, "DATABASES": {"assessment": url},
              "SIGNING_KEY_DIR": str(keys), "SIGNING_MIN_INTERVAL_SECONDS": 0.05}
    runner_factory(config, AssessmentLog).start()
    store = EventStore(url, "assessment")
    with ClusterRpcProxy({"AMQP_URI": own_amqp_uri}, timeout=30) as proxy:
        def fetch(name, method, *args):
            return getattr(getattr(proxy, name), method)(*args)
        yield store, fetch, keys
    store.dispose()


@pytest.fixture
def copies_db(database_url):
    store = EventStore(database_url, "publication")
    heads.create_tables(store.engine)
    yield store.engine
    store.dispose()


def signed_round(store, fetch, count):
    """Append ``count`` events and have the service sign them (it signs within its second)."""
    store.append(f"s{store.head_position()}", NO_STREAM, numbered(count), meta())
    return fetch("assessment", "inclusion_proofs", [store.head_position()])["head"]


def test_heads_are_copied_once_verified_and_forged_ones_refused(source, copies_db):
    store, fetch, keys = source
    copier = heads.HeadCopier(copies_db, Keyring.load(keys), ["assessment"], fetch)
    for _ in range(3):
        signed_round(store, fetch, 2)
    copier.poll()
    status = copier.status()["assessment"]
    assert status["status"] == "ok" and status["copies"] >= 3 and status["refused"] == 0
    assert status["latest"]["position"] == 6
    # a head planted in the source's database: right key id, wrong signature
    genuine = store.latest_signed_heads(1)[0]
    tampering.insert_signed_head(store.engine, replace(genuine, position=7, signed_at=genuine.signed_at + "9"))
    copier.poll()
    status = copier.status()["assessment"]
    assert status["refused"] == 1 and heads.latest(copies_db, "assessment", 1)[0].position == 6
    [refusal] = heads.refusals(copies_db, "assessment")
    assert refusal["position"] == 7 and "does not verify" in refusal["reason"]
    copier.poll()  # fetched once: the cursor is past it
    assert copier.status()["assessment"]["refused"] == 1
    # a keyring that does not pin the source's key refuses everything
    stranger = tampering.keys_for(keys.parent / "stranger", "assessment")[1]
    assert heads.keep(copies_db, "assessment", [genuine.to_dict()], stranger)[1][0]["reason"].endswith(
        "not in the pinned keyring")


def test_the_audit_takes_every_copy_or_an_even_spread_with_the_first_and_the_newest(source, copies_db):
    store, fetch, keys = source
    for _ in range(10):
        signed_round(store, fetch, 1)
    heads.HeadCopier(copies_db, Keyring.load(keys), ["assessment"], fetch).poll()
    everything = heads.for_audit(copies_db, "assessment")
    assert [h.position for h in everything] == list(range(1, 11))
    spread = heads.for_audit(copies_db, "assessment", max_heads=4)
    assert [h.position for h in spread] == [1, 4, 7, 10]


def test_a_log_rewritten_under_its_heads_is_caught_even_when_the_heads_are_deleted(source, copies_db):
    store, fetch, keys = source
    copier = heads.HeadCopier(copies_db, Keyring.load(keys), ["assessment"], fetch)
    for _ in range(4):
        signed_round(store, fetch, 3)
    copier.poll()
    assert copier.status()["assessment"]["status"] == "ok"
    tampering.edit(store.engine, 5, {"n": 0})
    tampering.delete_signed_heads(store.engine)
    copier.poll()
    status = copier.status()["assessment"]
    assert status["status"] == "failed"
    assert {b["position"] for b in status["broken"]} == {6, 9, 12}  # every head from the edit on
    assert "changed after it was signed" in status["broken"][0]["reason"]


def test_the_signed_head_rpcs_refuse_bad_arguments_with_a_400(source):
    from kernel.errors import ValidationFailed

    store, fetch, _ = source
    signed_round(store, fetch, 2)
    for positions in ([], [0], ["x"], [3]):  # [3]: beyond the log, which is not signed again
        with pytest.raises(ValidationFailed):
            fetch("assessment", "inclusion_proofs", positions)
    with pytest.raises(ValidationFailed):
        fetch("assessment", "event_hashes", "1,2")
    with pytest.raises(ValidationFailed):
        fetch("assessment", "verify_chain", [{"position": "1"}])
    second = store.read_all()[1]
    assert fetch("assessment", "event_hashes", [2, 9]) == [
        {"position": 2, "id": second.id, "hash": second.hash}]  # no event at 9: left out
    page = fetch("assessment", "signed_heads_after", 0, None, 10)
    assert page["complete"] and [h["position"] for h in page["heads"]] == [2]

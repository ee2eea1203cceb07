"""A store's integrity at run time: its head signer, its background verifier, and the
Merkle inclusion proofs it answers.

- ``HeadSigner`` signs the chain head (kernel/signing.py) whenever it moved, and at least
  every ``max_interval`` seconds even when it did not (a fresh time says the log still ends
  there). It extends the tree of the newest signed head with the events after it, and signs
  only if they chain from that head: a log rewritten under a signed head is refused, not
  signed.
- ``ChainVerifier`` follows the log (every new event, against every new signed head) and
  sweeps the whole of it again and again, in chunks, so that an edit of an old event is
  found too; ``status()`` is what ``health`` and the gateway show.
- ``inclusion_proofs`` proves events of the log against a signed head, for the verification
  bundle.

Plain Python: kernel/nameko.py runs the signer and the verifier as managed threads.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path

from kernel import clock, merkle
from kernel.chainwalk import BrokenLink, ChainWalk
from kernel.errors import KernelError, ValidationFailed
from kernel.events import GENESIS_HASH
from kernel.merkle import Frontier, event_leaf
from kernel.signing import Keyring, SignedHead, SigningKey
from kernel.store import EventStore

log = logging.getLogger(__name__)

MAX_PROOF_POSITIONS = 20_000
SHOWN_PLACES = 20  # broken places in a status (the full list: verify_chain)
FIRST_WALK_DUTY = 0.5


class ChainVerificationFailed(KernelError):
    """The log does not match what was signed, or nothing signed covers it yet."""

    code, http_status = "chain_verification_failed", 503


class SigningRefused(ChainVerificationFailed):
    code = "signing_refused"


# -- configuration ------------------------------------------------------------------------------
def signing_key_path(config: dict, service: str) -> Path | None:
    """``<SERVICE>_SIGNING_KEY_FILE`` from the environment, else ``<SIGNING_KEY_DIR>/<service>.key``."""
    given = os.environ.get(f"{service.upper()}_SIGNING_KEY_FILE")
    if given:
        return Path(given)
    directory = config.get("SIGNING_KEY_DIR")
    return Path(directory) / f"{service}.key" if directory else None


def keyring_path(config: dict) -> Path | None:
    given = config.get("SIGNING_KEYRING") or config.get("SIGNING_KEY_DIR")
    return Path(given) if given else None


def load_keyring(config: dict) -> Keyring | None:
    """The pinned public keys (``SIGNING_KEYRING``), None when none is configured."""
    path = keyring_path(config)
    if path is None:
        return None
    if not path.exists():
        raise FileNotFoundError(f"SIGNING_KEYRING {path} does not exist")
    return Keyring.load(path)


# -- signing ------------------------------------------------------------------------------------
class HeadSigner:
    def __init__(self, store: EventStore, key: SigningKey, max_interval: float = 300.0,
                 batch: int = 5000):
        self.store = store
        self.key = key
        self.own_keys = Keyring([(store.source, key.public)])
        self.max_interval = max_interval
        self.batch = batch
        self.last_signed: SignedHead | None = None  # by this process: heads never go backwards
        self.last_error: str | None = None
        self.refusal: BrokenLink | None = None
        self.signed = 0
        self._lock = threading.Lock()

    def sign_if_due(self, force: bool = False) -> SignedHead | None:
        """Sign the head if it moved since the newest signed head, or that one is older than
        ``max_interval`` (or ``force``). Returns the new head, or None when nothing was due.
        Raises SigningRefused when the log does not chain from the newest signed head."""
        with self._lock:
            try:
                head = self._sign(force)
            except SigningRefused as refused:
                self.last_error = refused.message
                self.refusal = BrokenLink(int(refused.details.get("position", 0)), None, None,
                                          None, refused.message, "signing")
                raise
            except Exception as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                raise
            self.last_error, self.refusal = None, None
            return head

    def _sign(self, force: bool) -> SignedHead | None:
        newest = self.store.latest_signed_heads(1)
        last = newest[0] if newest else None
        if last is not None:
            problem = self.own_keys.problem(last)
            if problem is not None:
                raise SigningRefused(
                    f"the newest signed head in the database (position {last.position}) cannot "
                    f"be trusted: {problem[1]}; not signing over it", {"position": last.position})
        mine = self.last_signed
        if mine is not None and (last is None or (last.position, last.signed_at)
                                 < (mine.position, mine.signed_at)):
            raise SigningRefused(
                f"signed heads were removed from the database: this process signed position "
                f"{mine.position} at {mine.signed_at}, the newest left is "
                f"{'none' if last is None else last.position}", {"position": mine.position})
        position, running = (last.position, last.head_hash) if last else (0, GENESIS_HASH)
        tree = last.tree() if last else Frontier()
        if tree is None:
            raise SigningRefused(f"the stored Merkle frontier of the head signed at position "
                                 f"{position} does not match its signed root", {"position": position})
        for link_position, prev_hash, event_hash in self._links_after(position):
            if link_position != position + 1:
                raise SigningRefused(f"position {position + 1} is missing after the head signed "
                                     f"at {position}", {"position": position + 1})
            if prev_hash != running:
                raise SigningRefused(
                    f"the event at position {link_position} does not chain from the head signed "
                    f"at position {last.position if last else 0}: the log was changed under a "
                    "signed head", {"position": link_position})
            tree.append(event_leaf(event_hash))
            position, running = link_position, event_hash
        if position == 0:
            return None  # an empty log: nothing to sign
        if last is not None and position == last.position and not (force or self._due(last)):
            return None
        head = SignedHead.sign(self.key, self.store.source, position, running, tree)
        self.store.add_signed_head(head)
        self.last_signed = head
        self.signed += 1
        return head

    def _links_after(self, position: int) -> Iterator[tuple[int, str, str]]:
        while True:
            links = self.store.chain_links(position, self.batch)
            yield from links
            if len(links) < self.batch:
                return
            position = links[-1][0]

    def _due(self, last: SignedHead) -> bool:
        try:
            signed_at = datetime.fromisoformat(last.signed_at)
        except ValueError:
            return True
        return (clock.now() - signed_at).total_seconds() >= self.max_interval

    def run(self, should_stop: Callable[[], bool], wake: threading.Event,
            min_interval: float = 1.0, on_signed: Callable[[], None] | None = None) -> None:
        """Sign until ``should_stop()``: after each wake-up (a commit), at most once every
        ``min_interval`` seconds, and when the newest head gets older than ``max_interval``.
        Without a wake-up it looks every second (appends of other replicas, or made on a
        transaction of the store's own, wake nobody here)."""
        while not should_stop():
            wake.wait(min(self.max_interval, 1.0))
            wake.clear()
            if should_stop():
                return
            try:
                if self.sign_if_due() is not None and on_signed is not None:
                    on_signed()
            except SigningRefused:
                log.error("%s: not signing the chain head: %s", self.store.source, self.last_error)
            except Exception:  # the database may be down: try again later
                log.warning("%s: signing the chain head failed", self.store.source, exc_info=True)
            time.sleep(min_interval)

    def status(self) -> dict:
        last = self.last_signed
        return {"enabled": True, "key_id": self.key.key_id,
                "fingerprint": self.key.public.fingerprint,
                "last_signed": None if last is None else last.ref(),
                "signed": self.signed, "error": self.last_error}


# -- verifying in the background ----------------------------------------------------------------
class ChainVerifier:
    """Follows the log and sweeps it whole, again and again; keeps what it found.

    ``chunk``: events per step; ``sweep_interval``: seconds between the end of a sweep and
    the start of the next; ``duty``: the share of time spent sweeping (a step taking t is
    followed by a pause of t × (1/duty − 1)), so a long log is swept without starving the
    service (the first walk after a start, at least ``FIRST_WALK_DUTY``). ``run`` runs the
    CPU-bound part of a step (a service passes an OS thread's)."""

    def __init__(self, store: EventStore, keyring: Keyring | None, chunk: int = 2000,
                 sweep_interval: float = 300.0, duty: float = 0.1,
                 run: Callable | None = None):
        self.store = store
        self.keyring = keyring
        self.chunk = chunk
        self.sweep_interval = sweep_interval
        self.duty = max(0.01, min(1.0, duty))
        self.run_cpu = run
        self.follow = ChainWalk(store.source, keyring)
        self.followed_to_end = False  # once since the start
        self.caught_up = False  # at the last step
        self.head_position = 0
        self.sweep: ChainWalk | None = None
        self.sweep_started_at: str | None = None
        self.next_sweep = time.monotonic()
        self.last_sweep: dict | None = None
        self.last_sweep_places: list[BrokenLink] = []
        self.last_error: str | None = None
        self.wake = threading.Event()

    def follow_step(self) -> None:
        """Walk the events committed since the last step, with their signed heads."""
        self.head_position, reached = self.store.walk_chain(
            self.follow, max_events=self.chunk, batch=self.chunk, final=False, run=self.run_cpu)
        self.caught_up = reached
        self.followed_to_end = self.followed_to_end or reached

    def sweep_step(self) -> bool:
        """One chunk of the current sweep (starting one when due); True if it did work."""
        if self.sweep is None:
            if time.monotonic() < self.next_sweep:
                return False
            self.sweep = ChainWalk(self.store.source, self.keyring)
            self.sweep_started_at = clock.now().isoformat(timespec="seconds")
        head_position, reached = self.store.walk_chain(
            self.sweep, max_events=self.chunk, batch=self.chunk, run=self.run_cpu)
        if reached:
            report = self.sweep.report(head_position)
            self.last_sweep_places = report.places
            self.last_sweep = {"started_at": self.sweep_started_at,
                               "finished_at": clock.now().isoformat(timespec="seconds"),
                               "checked": report.checked, "head_position": head_position,
                               "ok": report.ok}
            self.sweep = None
            self.next_sweep = time.monotonic() + self.sweep_interval
        return True

    def run(self, should_stop: Callable[[], bool], idle_wait: float = 1.0,
            sleep: Callable[[float], None] = time.sleep) -> None:
        while not should_stop():
            started = time.monotonic()
            try:
                self.follow_step()
                swept = self.followed_to_end and self.sweep_step()
                self.last_error = None
            except Exception as exc:  # the database may be down: say so, try again
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("%s: chain verification step failed: %s", self.store.source,
                            self.last_error)
                swept = False
            busy = time.monotonic() - started
            # The first walk after a start goes faster: until it ends the chain is "verifying".
            duty = self.duty if self.followed_to_end else max(self.duty, FIRST_WALK_DUTY)
            if swept or not self.caught_up:
                sleep(busy * (1 / duty - 1))
            else:
                self.wake.wait(idle_wait)
                self.wake.clear()

    def places(self) -> list[BrokenLink]:
        found: dict[tuple, BrokenLink] = {}
        for walk_places in (self.follow.places.values(), self.last_sweep_places,
                            self.sweep.places.values() if self.sweep else ()):
            for place in walk_places:
                found.setdefault(place.key(), place)
        return sorted(found.values(), key=lambda p: (p.position, p.kind))

    def status(self) -> dict:
        places = self.places()
        latest = self.follow.latest_head
        return {
            "head_position": self.head_position,
            "verified_position": self.follow.position,
            "latest_signed_head": None if latest is None else latest.ref(),
            "unsigned_events": self.follow.position - (latest.position if latest else 0),
            "last_full_sweep": self.last_sweep,
            "sweep_position": None if self.sweep is None else self.sweep.position,
            "broken": [place.to_dict() for place in places[:SHOWN_PLACES]],
            "broken_count": len(places),
            "error": self.last_error,
        }


class Integrity:
    """A store's signer (when it has a key) and verifier, and the status they make up:

    - ``failed``: a broken place was found, or the signer refused to sign over the log;
    - ``verifying``: the verifier has not yet walked the whole log once since the start;
    - ``unsigned``: no signing key: the chain is checked against itself only, which an
      edit followed by recomputing the hashes passes;
    - ``ok``: otherwise (the events after the newest signed head, at most a second's worth
      under load, are counted in ``unsigned_events``)."""

    def __init__(self, store: EventStore, key: SigningKey | None, keyring: Keyring | None,
                 settings: dict | None = None, run: Callable | None = None):
        settings = settings or {}
        if key is not None:
            keyring = (keyring or Keyring()).with_key(store.source, key.public)
        self.store = store
        self.keyring = keyring
        self.signer = None if key is None else HeadSigner(
            store, key, max_interval=float(settings.get("SIGNING_INTERVAL_SECONDS", 300)))
        self.min_interval = float(settings.get("SIGNING_MIN_INTERVAL_SECONDS", 1))
        self.verifier = ChainVerifier(
            store, keyring, chunk=int(settings.get("CHAIN_VERIFY_CHUNK", 2000)),
            sweep_interval=float(settings.get("CHAIN_SWEEP_INTERVAL_SECONDS", 300)),
            duty=float(settings.get("CHAIN_VERIFY_DUTY", 0.1)), run=run)
        self.signer_wake = threading.Event()

    @classmethod
    def from_config(cls, config: dict, store: EventStore, run: Callable | None = None) -> Integrity:
        """The key at ``signing_key_path`` (a configured key that is missing is an error, not
        a reason to run unsigned) and the keyring at ``SIGNING_KEYRING``."""
        path = signing_key_path(config, store.source)
        key = None
        if path is not None:
            if not path.exists():
                raise FileNotFoundError(f"the signing key of {store.source} is configured as "
                                        f"{path}, which does not exist (make run creates keys "
                                        "with `python -m kernel.cli keys generate`)")
            key = SigningKey.load(path)
        else:
            log.warning("%s: no signing key configured (SIGNING_KEY_DIR or %s_SIGNING_KEY_FILE): "
                        "chain heads are not signed", store.source, store.source.upper())
        return cls(store, key, load_keyring(config), config, run)

    def run_signer(self, should_stop: Callable[[], bool]) -> None:
        if self.signer is not None:
            self.signer.run(should_stop, self.signer_wake, self.min_interval,
                            on_signed=self.verifier.wake.set)

    def status(self) -> dict:
        body = self.verifier.status()
        refusal = self.signer.refusal if self.signer is not None else None
        if refusal is not None:
            body["broken"].insert(0, refusal.to_dict())
            body["broken_count"] += 1
        if body["broken_count"]:
            state = "failed"
        elif not self.verifier.followed_to_end:
            state = "verifying"
        elif self.signer is None:
            state = "unsigned"
        else:
            state = "ok"
        body["signing"] = (self.signer.status() if self.signer is not None
                           else {"enabled": False, "error": None})
        return {"source": self.store.source, "status": state, **body}

    def verify_chain(self, signed_heads: Iterable[SignedHead] = (),
                     between_batches: Callable[[], None] | None = None) -> dict:
        return self.store.verify_chain(self.keyring, signed_heads, between_batches=between_batches,
                                       run=self.verifier.run_cpu).to_dict()


# -- Merkle inclusion proofs --------------------------------------------------------------------
def inclusion_proofs(store: EventStore, positions: Iterable[int], tree_size: int | None = None,
                     signer: HeadSigner | None = None) -> dict:
    """Proofs that the events at ``positions`` are in the log a signed head signed: the head
    at ``tree_size`` if given, else the newest, signed now if none covers every position
    yet. One pass over the log's hashes up to the head. Raises ChainVerificationFailed when
    the log no longer gives the signed root (it was changed after signing) or nothing
    covers the positions."""
    try:
        wanted = sorted({int(p) for p in positions})
    except (TypeError, ValueError):
        raise ValidationFailed("proof.positions_integers", {"positions": ["Expected integers."]}) from None
    if not wanted or wanted[0] < 1 or len(wanted) > MAX_PROOF_POSITIONS:
        raise ValidationFailed("proof.positions_range", {"positions": ["Out of range."]},
                               {"max": MAX_PROOF_POSITIONS})
    if wanted[-1] > store.head_position():
        raise ValidationFailed("proof.beyond_log", {"positions": ["Beyond the log."]},
                               {"position": wanted[-1]})
    head = _head_for(store, wanted[-1], tree_size, signer)
    if head is None:
        raise ChainVerificationFailed("proof.not_signed_yet", {"position": wanted[-1]},
                                      {"source": store.source})
    if wanted[-1] > head.position:
        raise ValidationFailed("proof.beyond_head", {"positions": ["Beyond the tree."]},
                               {"position": wanted[-1], "head_position": head.position})
    try:
        root, paths = merkle.inclusion_proofs(_leaves(store, head.position), head.position,
                                              [p - 1 for p in wanted])
    except ValueError:
        root = None
    if root is None or root.hex() != head.merkle_root:
        raise ChainVerificationFailed("proof.log_changed", {"position": head.position},
                                      {"source": store.source, "signed_at": head.signed_at})
    hashes = store.hashes_at(wanted)
    return {"source": store.source, "head": head.to_dict(),
            "proofs": [{"position": p, "hash": hashes[p][1] if p in hashes else None,
                        "path": [node.hex() for node in paths[p - 1]]} for p in wanted]}


def _head_for(store: EventStore, last: int, tree_size: int | None,
              signer: HeadSigner | None) -> SignedHead | None:
    if tree_size is not None:
        found = store.signed_heads_between(int(tree_size) - 1, int(tree_size))
        return found[-1] if found else None
    newest = store.latest_signed_heads(1)
    head = newest[0] if newest else None
    if (head is None or head.position < last) and signer is not None:
        head = signer.sign_if_due(force=True) or head
    return head


def _leaves(store: EventStore, size: int, batch: int = 5000) -> Iterator[bytes]:
    position = 0
    while position < size:
        links = store.chain_links(position, batch, until_position=size)
        if not links:
            return
        for link_position, _prev, event_hash in links:
            if link_position != position + 1:
                return  # a hole: the proof cannot be made (and the root will not match)
            position = link_position
            yield event_leaf(event_hash)

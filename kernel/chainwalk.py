"""Checking a log against itself and against every signed head, reporting every broken place.

A walk takes a log's events in position order, and the signed heads as their positions come,
and checks two things, carrying on after each break so that every one is reported:

1. **The stored chain.** Every event's hash recomputed from its stored content, its link to
   the event before it, positions without a hole, and at the end the store head. An edit
   that leaves the hashes alone breaks one event here; a removed event leaves a hole.

2. **The signed chain.** Between two signed heads the walk recomputes the chain the way it
   was when it was signed: from the earlier head's hash, each event's hash from its content
   with the previous *recomputed* hash as its link, and the Merkle tree of those hashes. At
   the next signed head both must equal what was signed. An edit followed by recomputing
   every later hash (and the store head) passes check 1, but not this one: the range between
   the last head that matched and the first that does not is reported. The walk then starts
   again from that head's signed values, so each later range is judged on its own and
   several edits are each located.

A head is used only when its signature verifies with a pinned key of its source (the
keyring); one that does not is itself reported. Two validly signed heads that disagree about
one position are reported too (an equivocation: the key signed two histories).

Plain Python, no database: ``EventStore.verify_chain``, the background verifier and the
``tcpl`` command feed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kernel.events import GENESIS_HASH, RecordedEvent, chain_hash
from kernel.merkle import Frontier, event_leaf
from kernel.signing import Keyring, SignedHead

MAX_PLACES = 1000  # broken places kept in a report; the rest are counted


@dataclass(frozen=True)
class BrokenLink:
    """One broken place. ``position`` locates it (the event, or the signed head that does not
    match); ``from_position``..``to_position`` is the range of events concerned."""

    position: int
    event_id: str | None
    stream: str | None
    version: int | None
    reason: str
    kind: str = "edited"
    from_position: int | None = None
    to_position: int | None = None
    signed_head: dict | None = None

    def key(self) -> tuple:
        head = self.signed_head or {}
        return (self.kind, self.position, self.from_position, self.to_position,
                head.get("signed_at"), head.get("key_id"))

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    @classmethod
    def of_event(cls, record: RecordedEvent, kind: str, reason: str) -> BrokenLink:
        return cls(record.position, record.id, record.stream, record.version, reason, kind,
                   record.position, record.position)


@dataclass
class ChainReport:
    source: str
    checked: int
    head_position: int
    places: list[BrokenLink] = field(default_factory=list)
    more_places: int = 0
    heads_checked: int = 0
    latest_head: SignedHead | None = None
    keys_checked: bool = True

    @property
    def ok(self) -> bool:
        return not self.places

    @property
    def broken(self) -> BrokenLink | None:
        """The first broken place (the report's ``first_broken``)."""
        return self.places[0] if self.places else None

    def to_dict(self) -> dict:
        latest = self.latest_head
        return {
            "source": self.source, "ok": self.ok, "checked": self.checked,
            "head_position": self.head_position,
            "first_broken": None if self.broken is None else self.broken.to_dict(),
            "broken": [place.to_dict() for place in self.places],
            "more_broken": self.more_places,
            "signed_heads": {
                "checked": self.heads_checked, "keys_checked": self.keys_checked,
                "latest": None if latest is None else latest.ref(),
                # events after the newest signed head: covered by no signature yet
                "unsigned_events": self.head_position - (latest.position if latest else 0),
            },
        }


class ChainWalk:
    """One pass over a log (or the rest of it), fed in position order.

    ``keyring`` None means signatures cannot be checked: the heads are then ignored (never
    trusted unchecked) and the report says so. ``start``: a signed head the caller already
    trusts, to walk only the events after it."""

    def __init__(self, source: str, keyring: Keyring | None, start: SignedHead | None = None):
        self.source = source
        self.keyring = keyring
        self.places: dict[tuple, BrokenLink] = {}
        self.more_places = 0
        self.checked = 0
        self.heads_checked = 0
        self.latest_head: SignedHead | None = start
        # the stored chain
        self.expected = 1
        self.prev_stored = GENESIS_HASH
        # the chain as signed: recomputed from the last signed head that the walk trusts
        self.running = GENESIS_HASH
        self.running_position = 0
        self.tree: Frontier | None = Frontier()
        self.range_start = 1  # first event of the range the next signed head judges
        if start is not None:
            self.expected = start.position + 1
            self.running_position = start.position
            self.prev_stored = self.running = start.head_hash
            self.tree = start.tree()
            self.range_start = start.position + 1

    @property
    def position(self) -> int:
        """The last position walked."""
        return self.expected - 1

    # -- feeding --------------------------------------------------------------------------
    def feed(self, records: Iterable[RecordedEvent], heads: Iterable[SignedHead]) -> None:
        """Events in position order and the signed heads of the same stretch of the log;
        each head is judged once every event up to its position has been walked."""
        pending = sorted(heads, key=lambda h: (h.position, h.signed_at))
        index = 0
        for record in records:
            index = self._heads_before(pending, index, record.position)
            self._event(record)
        self._heads_before(pending, index, self.expected)

    def _heads_before(self, heads: list[SignedHead], index: int, position: int) -> int:
        while index < len(heads) and heads[index].position < position:
            group = [heads[index]]
            index += 1
            while index < len(heads) and heads[index].position == group[0].position:
                group.append(heads[index])
                index += 1
            self._heads_at(group)
        return index

    def finish(self, head_position: int, head_hash: str,
               heads_beyond: Iterable[SignedHead] = ()) -> None:
        """The end of the log: signed heads past its last event, and the store head."""
        pending = sorted((h for h in heads_beyond if h.position >= self.expected),
                         key=lambda h: (h.position, h.signed_at))
        self._heads_before(pending, 0, pending[-1].position + 1 if pending else 0)
        self._check_store_head(head_position, head_hash)

    def check_end(self, head_position: int, head_hash: str,
                  heads_beyond: Iterable[SignedHead] = ()) -> None:
        """The end of the log so far, for a walk that will go on when it grows: the store
        head, and any signed head past the last event (seen in the same snapshot of the log,
        it vouches for events that are gone). Leaves the walk where it is."""
        self._check_store_head(head_position, head_hash)
        for head in heads_beyond:
            if head.position < self.expected or self.keyring is None or self.keyring.problem(head):
                continue
            self._report(BrokenLink(
                head.position, None, None, None,
                f"a head signed at {head.signed_at} vouches for position {head.position}, but "
                f"the log ends at {self.position}: events were removed", "signed_head",
                self.expected, head.position, head.ref()))

    def _check_store_head(self, head_position: int, head_hash: str) -> None:
        if self.position != head_position or self.prev_stored != head_hash:
            self._report(BrokenLink(
                self.expected, None, None, None,
                f"the store head says position {head_position}, but the chain ends at "
                f"{self.position}: events were removed or the head edited",
                "store_head"))

    def report(self, head_position: int) -> ChainReport:
        places = sorted(self.places.values(), key=lambda p: (p.position, p.kind))
        return ChainReport(self.source, self.checked, head_position, places, self.more_places,
                           self.heads_checked, self.latest_head, self.keyring is not None)

    # -- one event ------------------------------------------------------------------------
    def _event(self, record: RecordedEvent) -> None:
        self.checked += 1
        if record.position > self.expected:
            missing = (f"position {self.expected} is missing" if record.position == self.expected + 1
                       else f"positions {self.expected} to {record.position - 1} are missing")
            self._report(BrokenLink(record.position, record.id, record.stream, record.version,
                                    f"{missing} before this event: an event was removed",
                                    "missing", self.expected, record.position - 1))
        elif record.prev_hash != self.prev_stored:
            self._report(BrokenLink.of_event(
                record, "link", "its previous-hash does not match the event before it"))
        fields = record.chained_fields()
        recomputed = chain_hash(fields)
        if recomputed != record.hash:
            self._report(BrokenLink.of_event(
                record, "edited", "its stored content no longer matches its hash: the event was edited"))
        if self.running_position == record.position - 1:
            if record.prev_hash != self.running:
                recomputed = chain_hash({**fields, "prev_hash": self.running})
            self.running, self.running_position = recomputed, record.position
            if self.tree is not None:
                self.tree.append(event_leaf(recomputed))
        self.prev_stored = record.hash
        self.expected = record.position + 1

    # -- signed heads at one position ------------------------------------------------------
    def _heads_at(self, group: list[SignedHead]) -> None:
        if self.keyring is None:
            return
        position = group[0].position
        valid, seen = [], set()
        for head in group:
            if (head.head_hash, head.merkle_root, head.signature) in seen:
                continue
            seen.add((head.head_hash, head.merkle_root, head.signature))
            problem = self.keyring.problem(head) if head.source == self.source else (
                "signature", f"signed for {head.source}, not {self.source}")
            if problem is not None:
                kind, reason = problem
                self._report(BrokenLink(position, None, None, None,
                                        f"the signed head at position {position} cannot be "
                                        f"trusted: {reason}", kind, signed_head=head.ref()))
            else:
                valid.append(head)
        if not valid:
            return
        self.heads_checked += len(valid)
        if self.latest_head is None or (position, valid[-1].signed_at) >= (
                self.latest_head.position, self.latest_head.signed_at):
            self.latest_head = valid[-1]
        if len({(h.head_hash, h.merkle_root) for h in valid}) > 1:
            self._report(BrokenLink(position, None, None, None,
                                    f"two validly signed heads disagree about position {position}: "
                                    "the key signed two different histories", "equivocation",
                                    signed_head=valid[0].ref()))
        walked = self.running_position == position
        root = self.tree.root().hex() if walked and self.tree is not None else None
        matching = [h for h in valid if walked and h.head_hash == self.running
                    and (root is None or h.merkle_root == root)]
        if matching:
            if self.tree is None:  # pick the tree up again where a head carries it
                self.tree = next((t for t in (h.tree() for h in matching) if t), None)
            self.range_start = position + 1
            return
        head = valid[0]
        if not walked:
            reason = (f"events up to position {position} are missing: the log ends at "
                      f"{self.position}" if position >= self.expected else
                      "events of this range were removed, so it cannot be recomputed")
        elif head.head_hash != self.running:
            reason = ("the events of this range are not those that were signed: at least one "
                      "was changed or removed, and the hashes after it recomputed")
        else:
            reason = "the Merkle root of the log up to here is not the one that was signed"
        first = min(self.range_start, position)
        self._report(BrokenLink(position, None, None, None,
                                f"events {first} to {position} do not match the head signed at "
                                f"{head.signed_at}: {reason}", "signed_head", first, position,
                                head.ref()))
        # Start again from what was signed here, so that the next range is judged on its own.
        self.running, self.running_position = head.head_hash, position
        self.tree = next((t for t in (h.tree() for h in valid) if t), None)
        self.range_start = position + 1

    def _report(self, place: BrokenLink) -> None:
        key = place.key()
        if key in self.places:
            return
        if len(self.places) >= MAX_PLACES:
            self.more_places += 1
            return
        self.places[key] = place

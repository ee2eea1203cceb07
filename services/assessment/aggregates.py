"""Folded assessments kept between commands, so that a command reads only the events appended
since the last one it saw instead of re-reading and re-folding the whole commune stream.

An entry is a commune stream's folded state at a version, with the id of the event at that
version. The entry is only a starting point, never an answer: every load reads the stream
from that very event on (``after_version = version - 1``) and uses the entry only if the
event stored at that version is still the one it was folded from. So nothing makes a load
wrong:

- a write by another replica, or by a subscription of this service (a survey result taken),
  is read as the events after the entry, as any reader would see them;
- an append whose transaction was rolled back after the entry was stored (a unit of work
  that failed later) leaves no event, or another event, at that version: the entry is
  dropped and the stream folded whole;
- an append refused because the stream moved on (ConcurrencyError) drops the entry
  (handlers.py), and the next load folds what is stored.

What is kept is the state alone, never a ``today``: whoever loads wraps it with the day of
the command (the day no step may be dated after), so a kept state is not stale across days.
The states are shared by the green threads of a process and are never changed in place:
a command only reads its assessment, ``CommuneAssessment.apply`` folds new events into a
copy, and a load that finds new events folds them into a copy too.

Bounded: the least recently used entry goes first. A national cycle keeps a few hundred
communes in hand at once; every other stream costs one fold from the start when it is next
written, as it did before.
"""

from __future__ import annotations

import copy
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from kernel.events import RecordedEvent
from rules.assessment.state import AssessmentState, evolve

DEFAULT_SIZE = 512


@dataclass(frozen=True)
class Entry:
    state: AssessmentState
    event_id: str  # the id of the event at state.version


class AggregateCache:
    def __init__(self, size: int = DEFAULT_SIZE):
        self.size = size
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        # what the cache saved and cost, for benchmarks and tests
        self.hits = self.misses = self.dropped = 0

    def __len__(self) -> int:
        return len(self._entries)

    def load(self, store, stream: str) -> AssessmentState:
        """The stream's folded state as stored now: the kept one moved on by the events
        after it, or the whole stream folded. The result must not be changed in place."""
        entry = self._entries.get(stream)
        if entry is not None:
            events = store.read_stream(stream, after_version=entry.state.version - 1)
            if events and events[0].version == entry.state.version and events[0].id == entry.event_id:
                self.hits += 1
                self._entries.move_to_end(stream)
                if len(events) == 1:
                    return entry.state
                return self._keep(stream, _folded(copy.deepcopy(entry.state), events[1:]))
            self.dropped += 1
            self._entries.pop(stream, None)
        self.misses += 1
        return self._keep(stream, _folded(AssessmentState(), store.read_stream(stream)))

    def store(self, stream: str, state: AssessmentState,
              recorded: Sequence[RecordedEvent]) -> None:
        """Keep ``state``, the fold of the stream up to the last of ``recorded`` (the events
        an append just wrote; none: the state did not change, what is kept stands)."""
        if not recorded:
            return
        if recorded[-1].version == state.version:
            self._put(stream, Entry(state, recorded[-1].id))
        else:
            self.forget(stream)

    def forget(self, stream: str) -> None:
        if self._entries.pop(stream, None) is not None:
            self.dropped += 1

    def _keep(self, stream: str, folded: tuple[AssessmentState, str | None]) -> AssessmentState:
        state, event_id = folded
        if event_id is not None:
            self._put(stream, Entry(state, event_id))
        return state

    def _put(self, stream: str, entry: Entry) -> None:
        self._entries[stream] = entry
        self._entries.move_to_end(stream)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)


def _folded(state: AssessmentState, events: Sequence[RecordedEvent]) -> tuple[AssessmentState, str | None]:
    """``state`` moved on by ``events`` (in place), and the id of the last one."""
    for event in events:
        evolve(state, event.type, event.data)
        state.version = event.version
    return state, (events[-1].id if events else None)


# One cache per database engine: the service builds its handlers for every call, and each
# process (replica) has engines of its own, so two replicas never share an entry.
_BY_ENGINE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def of(store) -> AggregateCache:
    """The cache of the processes' handlers over ``store`` (an EventStore or a worker's view
    of it)."""
    engine = store.engine
    cache = _BY_ENGINE.get(engine)
    if cache is None:
        cache = _BY_ENGINE[engine] = AggregateCache()
    return cache

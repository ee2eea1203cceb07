"""A consumer applies only events their source wrote: each is checked before it is applied.

Anyone who can put a message on a consumer's queue could otherwise write the public record
(a ``RecognitionDecided`` with a made-up hash, adopted and published). So every event must:

1. come from a source the projection reads, and, when it arrived on ``tcpl.events``, under
   that source's own routing key (``<source>.<EventType>``), which the broker lets only the
   source's own user publish (docs/deployment.md, "Broker users");
2. hash to its ``hash``: the content is what was chained;
3. be authentic: either it *links* to the last event of that source this consumer verified
   (the next position, and its ``prev_hash`` is that event's hash) and arrived on
   ``tcpl.events``, or the source's log, re-read by position, holds exactly this event
   there. The re-reads of a batch are one call per source (``EventSource.hashes_at``), so a
   stream of consecutive events costs no call at all and a shuffled one a call per batch.

Events read from a source's log (catch-up, gap fills) are authentic by how they were read;
their hashes are still checked. An event that fails raises ``UnverifiedEvent``: the
subscriber parks it in the dead-letter queue at once (a forgery does not become genuine on
a retry) and ``health`` reports it. A source that cannot be reached for a re-read raises
``SourceUnavailable``: the batch comes back after a back-off, as often as it takes, because
a genuine event must not be parked for a peer's restart.

The last verified event of each source is kept in memory: after a restart the first event
of each source is confirmed by a re-read, one call, which is cheaper than writing the
pair with every batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from kernel.errors import KernelError
from kernel.events import RecordedEvent, chain_hash
from kernel.messaging import routing_key

# Why an event was refused (UnverifiedEvent.reason).
UNKNOWN_SOURCE = "unknown_source"  # the projection reads no such source
WRONG_ROUTE = "wrong_route"  # published under another source's (or type's) routing key
HASH_MISMATCH = "hash_mismatch"  # its content does not give its hash
NOT_IN_LOG = "not_in_log"  # the source's log holds another event, or none, at its position


class UnverifiedEvent(KernelError):
    """An event its source did not write, or not like this; applying it would adopt a forgery."""

    code, http_status = "unverified_event", 422

    @classmethod
    def of(cls, event: RecordedEvent, reason: str, explanation: str) -> UnverifiedEvent:
        return cls(f"{reason}: event {event.id} ({event.type}, {event.source} position "
                   f"{event.position}, stream {event.stream!r} version {event.version}) "
                   f"{explanation}", {
                       "reason": reason, "event_id": event.id, "source": event.source,
                       "type": event.type, "stream": event.stream, "version": event.version,
                       "position": event.position})

    @property
    def reason(self) -> str:
        return self.details.get("reason", "")


class SourceUnavailable(Exception):
    """The source could not be asked to confirm events (stopped, restarting, unreachable):
    nothing is known against them, and the batch is retried whole, later."""


class HashSource(Protocol):
    """The part of an EventSource a verifier needs (kernel.projection.EventSource)."""

    name: str

    def hashes_at(self, positions: Sequence[int]) -> dict[int, tuple[str, str]]: ...


class EventVerifier:
    """Checks events for one consumer of ``sources`` and remembers the last event of each
    source it verified, the anchor the next one links to."""

    def __init__(self, sources: Mapping[str, HashSource]):
        self.sources = sources
        self.last: dict[str, tuple[int, str]] = {}  # source -> (position, hash)
        self.reread = 0  # events confirmed by re-reading their source's log

    def verify(self, batch: Sequence[RecordedEvent],
               routes: Sequence[str | None] | None = None) -> None:
        """Raise UnverifiedEvent for the first event of ``batch`` that is not what its source
        wrote. ``routes[i]`` is the routing key event i arrived with on ``tcpl.events``, None
        if it came another way (a retry, a replay, a direct call): those are re-read."""
        last = dict(self.last)
        unlinked: dict[str, list[RecordedEvent]] = {}
        if routes is None:
            routes = [None] * len(batch)
        for event, route in zip(batch, routes, strict=True):
            self._check_content(event, route)
            anchor = last.get(event.source)
            linked = (route is not None and anchor is not None
                      and event.position == anchor[0] + 1 and event.prev_hash == anchor[1])
            if not linked:
                unlinked.setdefault(event.source, []).append(event)
            # Later events may link to this one: sound, because it is confirmed below before
            # anything of the batch counts as verified.
            if anchor is None or event.position > anchor[0]:
                last[event.source] = (event.position, event.hash)
        for source, events in unlinked.items():
            self._confirm(source, events)
        self.last = last

    def verify_from_log(self, event: RecordedEvent, source: str) -> None:
        """An event read from ``source``'s log: authentic by how it was read, but it must
        still be of that source and hash to its hash."""
        if event.source != source:
            raise UnverifiedEvent.of(event, UNKNOWN_SOURCE,
                                     f"was read from the {source} log but names another source")
        self._check_content(event, None)
        anchor = self.last.get(source)
        if anchor is None or event.position > anchor[0]:
            self.last[source] = (event.position, event.hash)

    def _check_content(self, event: RecordedEvent, route: str | None) -> None:
        if event.source not in self.sources:
            raise UnverifiedEvent.of(event, UNKNOWN_SOURCE,
                                     "names a source this consumer does not read")
        if route is not None and route != routing_key(event.source, event.type):
            raise UnverifiedEvent.of(event, WRONG_ROUTE, f"arrived with routing key {route!r}")
        if content_hash(event) != event.hash:
            raise UnverifiedEvent.of(event, HASH_MISMATCH,
                                     "does not hash to its hash: its content was changed")

    def _confirm(self, source: str, events: list[RecordedEvent]) -> None:
        try:
            stored = self.sources[source].hashes_at(sorted({e.position for e in events}))
        except Exception as exc:
            raise SourceUnavailable(f"the {source} log could not be read to confirm "
                                    f"{len(events)} events: {type(exc).__name__}: {exc}") from exc
        for event in events:
            found = stored.get(event.position)
            if found != (event.id, event.hash):
                there = "no event" if found is None else f"event {found[0]} with another hash"
                raise UnverifiedEvent.of(event, NOT_IN_LOG,
                                         f"is not in the {source} log, which has {there} there")
        self.reread += len(events)


def content_hash(event: RecordedEvent) -> str:
    """The hash of what ``event`` says was chained. An event read from a log or a message was
    decoded from JSON, so its fields are JSON values already and the walk that converts
    Decimals and dates (a fifth of a replay's time) is skipped; fields that are not (an event
    made in the process) take it, and get the same bytes."""
    fields = event.chained_fields()
    try:
        return chain_hash(fields, plain=True)
    except (TypeError, ValueError):  # not plain JSON: a Decimal, a date, a float (refused)
        return chain_hash(fields)

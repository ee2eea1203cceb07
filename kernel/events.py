"""What an event is, before and after the store records it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from kernel import clock
from kernel.canonical import canonical_bytes, sha256_hex, to_json_value

GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class Actor:
    """Who caused a change: the subject of a bearer token, or a named system process."""

    subject: str
    role: str
    jurisdiction: dict = field(default_factory=dict)

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(subject=f"system:{name}", role="system")

    def to_dict(self) -> dict:
        return {"subject": self.subject, "role": self.role, "jurisdiction": dict(self.jurisdiction)}


@dataclass(frozen=True)
class NewEvent:
    type: str
    data: dict
    schema_version: int = 1
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass(frozen=True)
class Metadata:
    actor: Actor
    correlation_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    causation_id: str | None = None
    # The Idempotency-Key of the request that produced the events (kernel/idempotency.py).
    idempotency_key: str | None = None

    def to_dict(self, recorded_at: str) -> dict:
        meta = {
            "actor": self.actor.subject,
            "role": self.actor.role,
            "jurisdiction": dict(self.actor.jurisdiction),
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
            "recorded_at": recorded_at,
        }
        if self.idempotency_key is not None:  # absent, not null, where there was none
            meta["idempotency_key"] = self.idempotency_key
        return meta


def metadata_caused_by(event: RecordedEvent, actor: Actor) -> Metadata:
    """Metadata for events written in reaction to ``event`` (by a reactor, a process manager):
    they keep its correlation id, so an audit follows one action through every service, and
    name it as their cause. An event without a correlation id starts a new one."""
    correlation = (event.metadata or {}).get("correlation_id")
    kwargs = {"correlation_id": str(correlation)} if correlation else {}
    return Metadata(actor=actor, causation_id=event.id, **kwargs)


@dataclass(frozen=True)
class RecordedEvent:
    """An event as stored: immutable, positioned, and chained to its predecessor."""

    source: str
    position: int
    id: str
    stream: str
    version: int
    type: str
    schema_version: int
    data: dict
    metadata: dict
    prev_hash: str
    hash: str

    def chained_fields(self) -> dict[str, Any]:
        return chained_fields(
            self.position, self.id, self.stream, self.version, self.type,
            self.schema_version, self.data, self.metadata, self.prev_hash,
        )

    def to_message(self) -> dict:
        return {
            "source": self.source, "position": self.position, "id": self.id,
            "stream": self.stream, "version": self.version, "type": self.type,
            "schema_version": self.schema_version, "data": self.data,
            "metadata": self.metadata, "prev_hash": self.prev_hash, "hash": self.hash,
        }

    @classmethod
    def from_message(cls, message: dict) -> RecordedEvent:
        return cls(**{name: message[name] for name in cls.__dataclass_fields__})


def chained_fields(position, event_id, stream, version, type_, schema_version, data, metadata, prev_hash):
    return {
        "position": position, "id": event_id, "stream": stream, "version": version,
        "type": type_, "schema_version": schema_version, "data": data,
        "metadata": metadata, "prev_hash": prev_hash,
    }


def chain_hash(fields: dict, plain: bool = False) -> str:
    """SHA-256 over the RFC 8785 form of everything stored, the previous hash included.
    ``plain``: the fields are JSON values already (as the store makes them), so the walk
    that converts Decimals and dates is skipped."""
    return sha256_hex(canonical_bytes(fields if plain else to_json_value(fields)))


def recorded_at_now() -> str:
    return clock.now().isoformat(timespec="microseconds")

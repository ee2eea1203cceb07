"""What a forger makes of genuine events, for the tests that prove none is adopted."""

from __future__ import annotations

import uuid
from dataclasses import replace

from kernel import messaging
from kernel.events import RecordedEvent, chain_hash


def edited(event: RecordedEvent, **changes) -> RecordedEvent:
    """``event`` with some fields changed and its original hash kept."""
    return replace(event, **changes)


def rehashed(event: RecordedEvent, **changes) -> RecordedEvent:
    """``event`` with some fields changed and its hash recomputed: self-consistent, but not
    what its source wrote."""
    changed = replace(event, **changes)
    return replace(changed, hash=chain_hash(changed.chained_fields()))


def invented(source: str, position: int, stream: str, version: int, type_: str, data: dict,
             prev_hash: str = "f" * 64, metadata: dict | None = None) -> RecordedEvent:
    """An event nobody recorded, with a correct hash of its own content."""
    event = RecordedEvent(
        source=source, position=position, id=str(uuid.uuid4()), stream=stream,
        version=version, type=type_, schema_version=1, data=data,
        metadata=metadata or {"actor": "forger", "role": "system", "jurisdiction": {},
                              "correlation_id": str(uuid.uuid4()), "causation_id": None,
                              "recorded_at": "2023-01-25T09:00:00.000000+07:00"},
        prev_hash=prev_hash, hash="")
    return rehashed(event)


def publish(amqp_uri: str, events: list[RecordedEvent], routing_key: str,
            exchange: str = messaging.EVENTS_EXCHANGE) -> None:
    """Publish ``events`` as one message straight to the broker, as the relay would."""
    connection = messaging.connect(amqp_uri)
    try:
        channel = messaging.ConfirmingChannel(connection)
        channel.publish_all([(messaging.events_message([e.to_message() for e in events]),
                              exchange, routing_key)])
    finally:
        connection.close()


"""The kernel's tables. Their DDL is owned by the Alembic migrations in kernel/migrations."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

events = Table(
    "events",
    metadata,
    # Assigned by the store while it holds the head lock, so positions become visible in order.
    Column("position", BigInteger, primary_key=True, autoincrement=False),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("stream", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(200), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("data", JSON, nullable=False),
    Column("metadata", JSON, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    UniqueConstraint("stream", "version", name="uq_events_stream_version"),
)

# One row: the last position and hash. Locking it serialises appends.
store_head = Table(
    "store_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("position", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("position", BigInteger, ForeignKey("events.position"), primary_key=True,
           autoincrement=False),
)

# Event types this store keeps to itself: the insert trigger gives them no outbox entry
# (migration 0005). The service names them at start-up (EventStore.declare_private_types).
private_event_types = Table(
    "private_event_types",
    metadata,
    Column("type", String(200), primary_key=True),
)

stream_checkpoints = Table(
    "stream_checkpoints",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("source", String(100), primary_key=True),
    Column("stream", String(200), primary_key=True),
    Column("version", Integer, nullable=False),
)


# How far a consumer's catch-up has read each source's log.
consumer_positions = Table(
    "consumer_positions",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("source", String(100), primary_key=True),
    Column("position", BigInteger, nullable=False),
)


# Write requests already carried out, by their caller's Idempotency-Key (kernel/idempotency.py):
# the row commits with the request's events and holds its answer, sealed with a key only
# the gateway can derive. Pruned after IDEMPOTENCY_KEEP_DAYS (migration 0007).
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(200), primary_key=True),  # the caller: the token's subject
    Column("key", String(255), primary_key=True),
    Column("operation", String(100), nullable=False),  # the RPC that carried it out
    Column("fingerprint", String(64), nullable=False),
    Column("answer", LargeBinary),  # NULL only inside the transaction that claims the key
    Column("recorded_at", String(40), nullable=False),  # ISO 8601, Vietnam time
    Index("ix_idempotency_keys_recorded_at", "recorded_at"),
)

# Signatures over the chain head (migration 0006; kernel/signing.py): append-only, not events.
signed_heads = Table(
    "signed_heads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("merkle_root", String(64), nullable=False),
    Column("signed_at", String(40), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
    Column("frontier", Text, nullable=False),
)

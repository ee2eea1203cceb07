"""What someone with write access to a service's database can do, for the attack tests: drop
the append-only triggers, edit an event, recompute every later hash and the store head (the
issue's attack), delete signed heads, insert a forged one. And keys for the defenders."""

from pathlib import Path

from sqlalchemy import delete, insert, select, text, update

from kernel.events import GENESIS_HASH, RecordedEvent, chain_hash
from kernel.schema import events, signed_heads, store_head
from kernel.signing import Keyring, SigningKey, generate_keys


def keys_for(directory: Path, *sources: str) -> tuple[Path, Keyring]:
    """Fresh keys of ``sources`` in ``directory``: the directory and its keyring."""
    generate_keys(directory, sources)
    return directory, Keyring.load(directory)


def signing_key(directory: Path, source: str) -> SigningKey:
    return SigningKey.load(directory / f"{source}.key")


def bypass_append_only(engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE events DISABLE TRIGGER events_append_only"))
            conn.execute(text("ALTER TABLE signed_heads DISABLE TRIGGER signed_heads_append_only"))
        else:
            for name in ("events_no_update", "events_no_delete", "signed_heads_no_update",
                         "signed_heads_no_delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def edit(engine, position: int, data: dict, rehash: bool = True) -> None:
    """Change the data of the event at ``position``; with ``rehash``, recompute its hash and
    every later one (their links too) and move the store head to the new last hash, so that
    the chain is whole again by itself."""
    bypass_append_only(engine)
    with engine.begin() as conn:
        conn.execute(update(events).where(events.c.position == position).values(data=data))
        if not rehash:
            return
        rows = conn.execute(select(events).where(events.c.position >= position)
                            .order_by(events.c.position)).mappings().all()
        prev = conn.execute(select(events.c.hash).where(events.c.position == position - 1)
                            ).scalar() or GENESIS_HASH
        for row in rows:
            record = RecordedEvent(source="", position=row["position"], id=row["event_id"],
                                   stream=row["stream"], version=row["version"], type=row["type"],
                                   schema_version=row["schema_version"], data=row["data"],
                                   metadata=row["metadata"], prev_hash=prev, hash="")
            digest = chain_hash(record.chained_fields())
            conn.execute(update(events).where(events.c.position == row["position"])
                         .values(prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(update(store_head).where(store_head.c.id == 1)
                     .values(position=rows[-1]["position"], hash=prev))


def delete_signed_heads(engine, from_position: int = 0) -> None:
    bypass_append_only(engine)
    with engine.begin() as conn:
        conn.execute(delete(signed_heads).where(signed_heads.c.position >= from_position))


def insert_signed_head(engine, head, frontier=()) -> None:
    import json

    with engine.begin() as conn:
        conn.execute(insert(signed_heads).values(
            source=head.source, position=head.position, head_hash=head.head_hash,
            merkle_root=head.merkle_root, signed_at=head.signed_at, key_id=head.key_id,
            signature=head.signature, frontier=json.dumps(list(head.frontier or frontier))))

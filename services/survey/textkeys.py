"""Free-text answers sealed with a key per campaign, kept outside the event log.

The log is append-only and hash-chained: what is written there can never be taken out
without breaking the chain. So a response's free text enters it only as AES-256-GCM
ciphertext (``sealed_text``), under a key of its campaign that lives in a separate key
store (``survey_text_keys``: by default a table of the survey's database,
``SURVEY_KEYS_URL`` puts it in another database or file, so that its backups and retention
can differ from the log's). Deleting a campaign's keys (``erase_free_text``) makes its text
unreadable for good — in the log, in every copy of the log, in every backup of the log —
while every event, hash and count stays as it was (crypto-shredding).

The associated data binds a ciphertext to its campaign and response: moved to another
event, it does not open.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import Iterable
from datetime import date

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import (
    Column,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Engine

from kernel.canonical import canonical_bytes
from kernel.db import is_postgres, make_engine

metadata = MetaData()
text_keys = Table(
    "survey_text_keys", metadata,
    Column("key_id", String(36), primary_key=True),
    Column("campaign_id", String(100), nullable=False),
    Column("key", LargeBinary, nullable=False),
    Column("created_on", String(10), nullable=False),
    Index("ix_survey_text_keys_campaign", "campaign_id"),
)


class TextKeys:
    """The key store. ``engine``: the survey's own engine, or one for SURVEY_KEYS_URL."""

    def __init__(self, engine: Engine):
        self.engine = engine

    @classmethod
    def at(cls, url: str) -> TextKeys:
        return cls(make_engine(url))

    def migrate(self) -> None:
        with self.engine.begin() as conn:
            if is_postgres(self.engine):  # replicas starting together create it once
                conn.execute(text("SELECT pg_advisory_xact_lock(8785004)"))
            metadata.create_all(conn)

    def dispose(self) -> None:
        self.engine.dispose()

    def for_sealing(self, campaign_ids: Iterable[str], retired: dict[str, frozenset],
                    today: date) -> dict[str, tuple[str, bytes]]:
        """A key for each campaign: (key id, key), made when a campaign has none yet.
        ``retired``: per campaign, key ids an erasure named (never used again, even if
        that erasure has not deleted them yet)."""
        campaign_ids = sorted(set(campaign_ids))
        found = self._live(campaign_ids, retired)
        missing = [c for c in campaign_ids if c not in found]
        if missing:
            # Two replicas may each make one at once: both work, each ciphertext names its key.
            rows = [{"key_id": str(uuid.uuid4()), "campaign_id": c, "key": AESGCM.generate_key(256),
                     "created_on": today.isoformat()} for c in missing]
            with self.engine.begin() as conn:
                conn.execute(insert(text_keys), rows)
            found.update(self._live(missing, retired))
        return found

    def _live(self, campaign_ids: list[str], retired: dict[str, frozenset]) -> dict:
        found = {}
        with self.engine.connect() as conn:
            for row in conn.execute(select(text_keys).where(
                    text_keys.c.campaign_id.in_(campaign_ids)).order_by(text_keys.c.key_id)):
                if row.key_id not in retired.get(row.campaign_id, ()):
                    found.setdefault(row.campaign_id, (row.key_id, row.key))
        return found

    def find(self, key_ids: Iterable[str]) -> dict[str, bytes]:
        key_ids = sorted(set(key_ids))
        if not key_ids:
            return {}
        with self.engine.connect() as conn:
            return {row.key_id: row.key for row in conn.execute(
                select(text_keys.c.key_id, text_keys.c.key).where(
                    text_keys.c.key_id.in_(key_ids)))}

    def of_campaign(self, campaign_id: str) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(text_keys.c.key_id).where(
                text_keys.c.campaign_id == campaign_id).order_by(text_keys.c.key_id)).scalars())

    def delete(self, key_ids: Iterable[str]) -> int:
        """Delete keys for good: their ciphertexts can never be opened again."""
        key_ids = sorted(set(key_ids))
        if not key_ids:
            return 0
        sqlite = not is_postgres(self.engine)
        with self.engine.begin() as conn:
            if sqlite:  # overwrite the deleted rows with zeros instead of leaving them in the page
                conn.exec_driver_sql("PRAGMA secure_delete = ON")
            deleted = conn.execute(delete(text_keys).where(text_keys.c.key_id.in_(key_ids))).rowcount
            if sqlite:  # the connection goes back to the pool: other deletes need no zeroing
                conn.exec_driver_sql("PRAGMA secure_delete = OFF")
        if sqlite:
            # Earlier copies of the key's page may still sit in the write-ahead log: copy
            # the log back and empty it (outside any transaction, or SQLite refuses).
            raw = self.engine.raw_connection()
            try:
                raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
        return deleted


def seal(key_id: str, key: bytes, campaign_id: str, response_id: str, texts: dict) -> dict:
    """``texts`` (question id -> text) as the ciphertext a ResponseSubmitted carries."""
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, canonical_bytes(texts),
                                     _associated(campaign_id, response_id))
    return {"key_id": key_id, "nonce": _b64(nonce), "ciphertext": _b64(ciphertext)}


def unseal(sealed: dict, key: bytes, campaign_id: str, response_id: str) -> dict | None:
    """The texts, or None if they do not open with ``key`` for this response."""
    try:
        plain = AESGCM(key).decrypt(base64.b64decode(sealed["nonce"]),
                                    base64.b64decode(sealed["ciphertext"]),
                                    _associated(campaign_id, response_id))
    except (InvalidTag, ValueError, KeyError):
        return None
    return json.loads(plain)


def _associated(campaign_id: str, response_id: str) -> bytes:
    return canonical_bytes({"campaign_id": campaign_id, "response_id": response_id})


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")

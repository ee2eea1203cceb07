"""A write RPC of the smallest kind, for the idempotency tests: it appends one event per call
and answers with the stream's version as it then reads it and a receipt it makes up on the
spot, so a replayed answer can be told from one computed again.

Run as a script it makes one call (the concurrency test starts several at once):
``python -m tests.support.keyed_ledger <database url> <key> <start at (epoch s)>``.
"""

import hashlib
import json
import sys
import time
import uuid

from kernel.events import NewEvent
from kernel.idempotency import idempotent
from kernel.nameko import metadata_from
from kernel.store import EventStore

ANSWER_KEY = "a1" * 32
STREAM = "ledger-1"


class Ledger:
    def __init__(self, store):
        self.store = store

    @idempotent
    def add(self, stream: str, amount: int, context: dict | None = None, then=None) -> dict:
        """``then()``, if given, runs after the append: a twin request, or a failure."""
        version = self.store.stream_version(stream)
        self.store.append(stream, version, [NewEvent("Added", {"amount": amount})],
                          metadata_from(context, "ledger"))
        if then is not None:
            then()
        return {"stream": stream, "version": self.store.stream_version(stream),
                "receipt": uuid.uuid4().hex}


def context(key: str, body: dict, subject: str = "officer@test",
            answer_key: str = ANSWER_KEY) -> dict:
    """What the gateway sends with a write: the actor, and the request's key."""
    fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    return {"actor": {"subject": subject, "role": "commune_officer", "jurisdiction": {}},
            "correlation_id": str(uuid.uuid4()),
            "idempotency": {"key": key, "fingerprint": fingerprint, "answer_key": answer_key}}


if __name__ == "__main__":
    url, key, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
    store = EventStore(url, "ledger")
    time.sleep(max(0.0, start_at - time.time()))
    print(json.dumps(Ledger(store).add(STREAM, 5, context(key, {"amount": 5}))))
    store.dispose()

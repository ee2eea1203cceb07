"""Idempotency keys: a write request is carried out once, however often it arrives.

The gateway gives every write request a key (the client's ``Idempotency-Key`` header, or a
new UUID) and a fingerprint of what it asks (method, path, validated body), and passes them
to the service in ``context["idempotency"]`` with the caller's subject as the key's scope
and an ``answer_key`` it derives from its own secret (docs/gateway.md, "Idempotency keys").

A write RPC wears ``@idempotent``. It runs as one unit of work (kernel/unit_of_work.py): the
first write claims ``(scope, key)`` in the ``idempotency_keys`` table, the appends follow,
and before the commit the row receives the answer, sealed with AES-GCM under the answer key.
Events, answer and key commit together or not at all, so a crash anywhere leaves either
everything or nothing, and a request redelivered by the broker or retried by the client is
answered from the row without running again:

- same scope, key, operation and fingerprint: the stored answer, marked as replayed;
- same scope and key, anything else different: ``idempotency_key_reused`` (409), nothing
  written;
- two at the same time: the second's claim waits for the first's transaction (the primary
  key) and, once the first has committed, fails; it rolls back whatever it did and returns
  the first's answer. Should the first's row still be invisible, it answers
  ``idempotency_key_in_progress`` (409) and the client retries.

A handler that raises writes nothing, key included: the request may be sent again with the
same key. (A KernelError raised because a concurrent twin changed the state first returns
the twin's answer instead.) Answers are sealed because some hold secrets the log keeps only
as hashes (a kiosk's token, single-use codes): neither the database nor a backup can read
them without the gateway's secret. Rows are pruned after ``IDEMPOTENCY_KEEP_DAYS``.
"""

from __future__ import annotations

import functools
import inspect
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from kombu.utils.json import dumps, loads
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from kernel import clock, failpoints
from kernel.errors import Conflict, KernelError, ValidationFailed
from kernel.schema import idempotency_keys
from kernel.unit_of_work import unit_of_work

MAX_KEY_LENGTH = 255
KEY_PATTERN = re.compile(rf"[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}")  # visible ASCII
_HEX_256 = re.compile(r"[0-9a-f]{64}")
DEFAULT_KEEP_DAYS = 7

# What a keyed write RPC answers: its answer, wrapped, so the gateway can say it was replayed.
ANSWER, KEY, REPLAYED = "idempotent_answer", "idempotency_key", "replayed"


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


class IdempotencyKeyInProgress(Conflict):
    code = "idempotency_key_in_progress"


class IdempotentAnswerUnreadable(Conflict):
    code = "idempotency_answer_unreadable"


@dataclass(frozen=True)
class KeyedRequest:
    """One write request as the service sees its key: who sent it (``scope``), the key,
    which RPC carries it out (``operation``), what it asked (``fingerprint``) and the key its
    answer is sealed with."""

    scope: str
    key: str
    operation: str
    fingerprint: str
    answer_key: bytes

    @classmethod
    def from_context(cls, context: dict | None, operation: str) -> KeyedRequest | None:
        """The request's key from the gateway's ``context``; None if it carries none.
        ValidationFailed if it is malformed."""
        given = (context or {}).get("idempotency")
        if given is None:
            return None
        problems = {}
        if not isinstance(given, dict):
            given, problems["idempotency"] = {}, ["Phải là một đối tượng."]
        key, fingerprint, answer_key = (given.get(name) for name in
                                        ("key", "fingerprint", "answer_key"))
        if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
            problems["key"] = [f"Phải gồm 1-{MAX_KEY_LENGTH} ký tự ASCII in được, không có dấu cách."]
        for name, value in (("fingerprint", fingerprint), ("answer_key", answer_key)):
            if not isinstance(value, str) or not _HEX_256.fullmatch(value):
                problems[name] = ["Phải là 64 chữ số thập lục phân viết thường."]
        if problems:
            raise ValidationFailed("idempotency.context_invalid", problems)
        subject = ((context or {}).get("actor") or {}).get("subject") or ""
        # Token subjects are e-mail-like; the column holds 200 characters, as a stream does.
        return cls(scope=str(subject)[:200], key=key, operation=operation,
                   fingerprint=fingerprint, answer_key=bytes.fromhex(answer_key))

    def same_request(self, row) -> bool:
        return row.operation == self.operation and row.fingerprint == self.fingerprint

    def _associated_data(self) -> bytes:
        # Binds a sealed answer to its row: moved to another key, it no longer opens.
        return "\0".join((self.scope, self.key, self.operation, self.fingerprint)).encode()

    def seal(self, answer) -> bytes:
        nonce = os.urandom(12)
        text = dumps(answer).encode("utf-8")  # as nameko's serialiser sends it
        return nonce + AESGCM(self.answer_key).encrypt(nonce, text, self._associated_data())

    def open(self, sealed: bytes):
        try:
            text = AESGCM(self.answer_key).decrypt(sealed[:12], sealed[12:],
                                                   self._associated_data())
        except InvalidTag:
            raise IdempotentAnswerUnreadable("idempotency.answer_unreadable",
                                             {"idempotency_key": self.key}) from None
        return loads(text.decode("utf-8"))


class _KeyTaken(Exception):
    """The claim found the key committed by another request (not a KernelError, so that
    handlers catching those do not swallow it)."""


def idempotent(rpc_method: Callable) -> Callable:
    """Carry out a write RPC once per idempotency key, in one transaction (module docstring).

    Wear it under ``@rpc``; the method takes ``context`` and its service has ``store`` (the
    EventStoreProvider's). Without a key in the context the RPC still runs as one unit of
    work and answers as it is; with one, it answers ``{"idempotent_answer": answer,
    "idempotency_key": key, "replayed": bool}``."""
    signature = inspect.signature(rpc_method)
    operation = rpc_method.__name__

    @functools.wraps(rpc_method)
    def carried_out_once(service, *args, **kwargs):
        context = signature.bind(service, *args, **kwargs).arguments.get("context")
        request = KeyedRequest.from_context(context, operation)
        return carry_out(service.store, request, lambda: rpc_method(service, *args, **kwargs))

    carried_out_once.__signature__ = signature  # nameko checks the arguments against it
    carried_out_once.idempotent = True
    return carried_out_once


def carry_out(store, request: KeyedRequest | None, handler: Callable[[], object]):
    """Run ``handler`` as one unit of work on ``store``; with a ``request``, once per key."""
    if request is not None:
        row = _stored(store, request)
        if row is not None:
            return _replay(row, request)
    with unit_of_work(store.engine, None if request is None else _claim(request)) as work:
        try:
            answer = handler()
            if request is not None:
                _record(work.connection(), request, answer)
            failpoints.hit("write.before_commit")
            work.commit()
        except _KeyTaken:
            work.rollback()
            return _answer_of_the_first(store, request)
        except KernelError:
            work.rollback()
            row = None if request is None else _stored(store, request)
            if row is None:
                raise
            return _replay(row, request)  # a twin committed first, and changed what we saw
    failpoints.hit("write.after_commit")
    return answer if request is None else {ANSWER: answer, KEY: request.key, REPLAYED: False}


def prune(engine: Engine, keep_days: float = DEFAULT_KEEP_DAYS) -> int:
    """Forget keys recorded more than ``keep_days`` ago; returns how many."""
    cutoff = (clock.now() - timedelta(days=keep_days)).isoformat(timespec="microseconds")
    with engine.begin() as conn:
        return conn.execute(delete(idempotency_keys)
                            .where(idempotency_keys.c.recorded_at < cutoff)).rowcount


def _claim(request: KeyedRequest) -> Callable[[Connection], None]:
    def claim(conn: Connection) -> None:
        try:
            conn.execute(insert(idempotency_keys).values(
                scope=request.scope, key=request.key, operation=request.operation,
                fingerprint=request.fingerprint, answer=None,
                recorded_at=clock.now().isoformat(timespec="microseconds")))
        except IntegrityError as exc:
            raise _KeyTaken(request.key) from exc
    return claim


def _record(conn: Connection, request: KeyedRequest, answer) -> None:
    conn.execute(update(idempotency_keys)
                 .where(idempotency_keys.c.scope == request.scope,
                        idempotency_keys.c.key == request.key)
                 .values(answer=request.seal(answer)))


def _stored(store, request: KeyedRequest):
    with store.reader.connect() as conn:
        return conn.execute(select(idempotency_keys).where(
            idempotency_keys.c.scope == request.scope,
            idempotency_keys.c.key == request.key)).first()


def _replay(row, request: KeyedRequest) -> dict:
    if not request.same_request(row):
        raise IdempotencyKeyReused("idempotency.reused", {"idempotency_key": request.key})
    if row.answer is None:
        raise _in_progress(request)
    return {ANSWER: request.open(row.answer), KEY: request.key, REPLAYED: True}


def _answer_of_the_first(store, request: KeyedRequest) -> dict:
    row = _stored(store, request)
    if row is None:
        raise _in_progress(request)
    return _replay(row, request)


def _in_progress(request: KeyedRequest) -> IdempotencyKeyInProgress:
    return IdempotencyKeyInProgress("idempotency.in_progress", {"idempotency_key": request.key})

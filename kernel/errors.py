"""Errors with a stable code, an HTTP status and a message a person understands.

They are raised by domain code and by the kernel; ``kernel.nameko`` registers them so that
they cross RPC intact, and the gateway turns them into ``{"error": code, "message": ...}``.
Their arguments are (message, details as a JSON string): nameko turns every value in an
exception's arguments into a string, which would make the details' numbers strings too.
"""

from __future__ import annotations

import json

# Called with every KernelError subclass defined later (kernel.nameko registers them for RPC).
subclass_hooks: list = []


class KernelError(Exception):
    code = "error"
    http_status = 500

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for hook in subclass_hooks:
            hook(cls)

    def __init__(self, message: str, details: dict | str | None = None):
        if isinstance(details, str):  # rebuilt from its serialised arguments
            details = json.loads(details)
        self.message = message
        self.details = details or {}
        super().__init__(message, json.dumps(self.details, ensure_ascii=False))

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        body = {"error": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class ValidationFailed(KernelError):
    code, http_status = "validation_failed", 400


class DateInFuture(ValidationFailed):
    """A step dated after today, as Vietnam's calendar counts it: only what happened is recorded."""

    code = "date_in_future"


class DateOutOfOrder(ValidationFailed):
    """A step dated before the step it follows: steps are recorded in the order they happened."""

    code = "date_before_previous_step"


class Unauthorised(KernelError):
    code, http_status = "unauthorised", 401


class Forbidden(KernelError):
    code, http_status = "forbidden", 403


class NotFound(KernelError):
    code, http_status = "not_found", 404


class Conflict(KernelError):
    code, http_status = "conflict", 409


class IllegalTransition(Conflict):
    code = "illegal_transition"


class ConcurrencyError(Conflict):
    """The stream moved on since the caller read it; nothing was written."""

    code = "version_conflict"

    @classmethod
    def for_stream(cls, stream: str, expected: int, actual: int) -> ConcurrencyError:
        return cls(
            f"Stream {stream!r} is at version {actual}, not the expected {expected}; nothing was written.",
            {"stream": stream, "expected_version": expected, "current_version": actual},
        )


class DuplicateEventError(Conflict):
    code = "duplicate_event"

    @classmethod
    def for_ids(cls, event_ids) -> DuplicateEventError:
        ids = sorted(set(event_ids))
        return cls(f"Events already stored: {', '.join(ids)}; nothing was written.", {"event_ids": ids})


class UnknownSchemaVersion(KernelError):
    code, http_status = "unknown_schema_version", 500


def all_error_classes() -> list[type[KernelError]]:
    found, todo = [], [KernelError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found

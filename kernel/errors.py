"""Errors with a stable code, an HTTP status and a message a person understands.

They are raised by domain code and by the kernel; ``kernel.nameko`` registers them so that
they cross RPC intact, and the gateway turns them into ``{"error": code, "message": ...}``.
The message is a key of kernel/messages.py's catalogue, rendered in the caller's language
with the error's details and ``params`` (values the text names that are no details); free
text is still taken, and shown only to callers of its own language (kernel/messages.py).
``.message`` is the Vietnamese text (pages, logs); ``str()`` the English one, as Python's
own exceptions have it.
Their arguments are (message, details as a JSON string, params as a JSON string): nameko
turns every value in an exception's arguments into a string, which would make numbers
strings too.
"""

from __future__ import annotations

import json

from kernel import messages

# Called with every KernelError subclass defined later (kernel.nameko registers them for RPC).
subclass_hooks: list = []


class KernelError(Exception):
    code = "error"
    http_status = 500

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for hook in subclass_hooks:
            hook(cls)

    def __init__(self, message: str, details: dict | str | None = None,
                 params: dict | str | None = None):
        if isinstance(details, str):  # rebuilt from its serialised arguments
            details = json.loads(details)
        if isinstance(params, str):
            params = json.loads(params)
        #: the catalogue's key of the message, None for free text
        self.key = message if message in messages.MESSAGES else None
        self.details = details or {}
        self.params = params or {}
        #: the message in the platform's language, for logs and pages
        self.message = self.text(messages.DEFAULT_LANGUAGE) if self.key else message
        self._free_text = None if self.key else message
        super().__init__(message, json.dumps(self.details, ensure_ascii=False),
                         json.dumps(self.params, ensure_ascii=False))

    def __str__(self) -> str:
        # For developers, as Python's own exceptions are: the English text.
        return self.text(messages.EN) if self.key else self.message

    def text(self, language: str) -> str:
        """The message in ``language``: free text in the other language gives way to the
        code's own message, the details saying the rest."""
        if self.key is not None:
            return messages.render(self.key, language, {**self.details, **self.params})
        if messages.language_of(self._free_text) == language:
            return self._free_text
        code = self.code if self.code in messages.MESSAGES else "error"
        return messages.render(code, language)

    def to_dict(self, language: str = messages.DEFAULT_LANGUAGE) -> dict:
        body = {"error": self.code, "message": self.text(language)}
        if self.details:
            body["details"] = (messages.localise_details(self.details, language)
                               if isinstance(self, ValidationFailed) else self.details)
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


class YearPaused(Conflict):
    """The evaluation of the year was paused (for the country or the province): nothing opens."""

    code = "year_paused"


class ConcurrencyError(Conflict):
    """The stream moved on since the caller read it; nothing was written."""

    code = "version_conflict"

    @classmethod
    def for_stream(cls, stream: str, expected: int, actual: int) -> ConcurrencyError:
        return cls("store.version_conflict", {"stream": stream, "expected_version": expected,
                                              "current_version": actual})


class DuplicateEventError(Conflict):
    code = "duplicate_event"

    @classmethod
    def for_ids(cls, event_ids) -> DuplicateEventError:
        ids = sorted(set(event_ids))
        return cls("store.duplicate_events", {"event_ids": ids}, {"ids": ", ".join(ids)})


class UnknownSchemaVersion(KernelError):
    code, http_status = "unknown_schema_version", 500


def all_error_classes() -> list[type[KernelError]]:
    found, todo = [], [KernelError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found

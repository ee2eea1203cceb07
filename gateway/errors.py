"""Errors the gateway raises itself, and how anything raised becomes a KernelError.

The gateway's own errors extend the kernel's so that one mapping (``.http_status`` and
``.to_dict()``) serves both what the gateway detects and what backing services raise.
Importing ``kernel.nameko`` registers the kernel's errors with nameko, so they arrive from a
service as instances; ``RemoteError`` is handled for whatever was not registered.
"""

from __future__ import annotations

import logging

from nameko.exceptions import RemoteError

from kernel.errors import KernelError, NotFound, all_error_classes

log = logging.getLogger(__name__)


class InvalidJson(KernelError):
    code, http_status = "invalid_json", 400


class MethodNotAllowed(KernelError):
    code, http_status = "method_not_allowed", 405


class PayloadTooLarge(KernelError):
    code, http_status = "payload_too_large", 413


class ServiceUnavailable(KernelError):
    code, http_status = "service_unavailable", 503


class InternalError(KernelError):
    code, http_status = "internal_error", 500


def route_not_found(path: str) -> NotFound:
    return NotFound("route.not_found", {"path": path})


def as_kernel_error(exc: BaseException, correlation_id: str) -> KernelError:
    """The error to show for ``exc``. Anything unexpected is logged with its traceback and
    shown as a bare internal_error, so that no internals reach the client."""
    if isinstance(exc, KernelError):
        if exc.http_status >= 500:
            # A service being away is an operational state, not a bug in the gateway.
            level = logging.WARNING if exc.http_status == 503 else logging.ERROR
            log.log(level, "%s [correlation_id=%s]: %s", exc.code, correlation_id, exc.message)
        return exc
    if isinstance(exc, RemoteError):
        known = _kernel_error_from_remote(exc)
        if known is not None:
            return known
    log.error("unhandled error [correlation_id=%s]", correlation_id, exc_info=exc)
    return InternalError("internal.logged", {"correlation_id": correlation_id})


def _kernel_error_from_remote(exc: RemoteError) -> KernelError | None:
    """Fallback for a service whose errors were not registered: the type name still tells
    which KernelError it was, though its details are lost on the way."""
    for cls in all_error_classes():
        if cls.__name__ == exc.exc_type:
            return cls(str(exc.value))
    return None

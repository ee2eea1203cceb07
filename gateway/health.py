"""/health: ask every backing service for its health at once, each with a deadline."""

from __future__ import annotations

import logging

import eventlet

from gateway.schemas import BACKING_SERVICES
from kernel.errors import KernelError

log = logging.getLogger(__name__)


def gather(backends, broker_check) -> dict:
    """The platform's health; ``status`` is up only when every service is up."""
    pool = eventlet.GreenPool(len(BACKING_SERVICES) + 1)
    broker = pool.spawn(broker_check)
    reports = dict(zip(BACKING_SERVICES,
                       pool.imap(lambda name: service_health(backends, name), BACKING_SERVICES),
                       strict=True))
    gateway = {"broker": broker.wait()}
    return {"status": overall_status(reports, gateway["broker"]["ok"]),
            "services": reports, "gateway": gateway}


def service_health(backends, name: str) -> dict:
    try:
        report = backends.call(name, "health", timeout=backends.health_timeout)
    except KernelError as exc:
        return {"status": "down", "error": exc.message}
    except Exception as exc:  # whatever kept the service from answering makes it "down"
        log.warning("%s.health() failed", name, exc_info=exc)
        # /health is public: name the failure, not its internals.
        return {"status": "down", "error": f"health() raised {getattr(exc, 'exc_type', None) or type(exc).__name__}"}
    if not isinstance(report, dict) or report.get("status") not in ("up", "degraded"):
        return {"status": "down", "error": f"unexpected health report: {report!r}"}
    return report


def overall_status(reports: dict, broker_ok: bool) -> str:
    statuses = [report["status"] for report in reports.values()]
    if not broker_ok or all(status == "down" for status in statuses):
        return "down"
    if all(status == "up" for status in statuses):
        return "up"
    return "degraded"

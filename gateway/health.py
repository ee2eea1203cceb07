"""/health: ask every backing service for its health at once, each with a deadline, and say
what the gateway itself sees: each service's bulkhead and circuit breaker, and whether the
board serves kept pages while the publication service does not answer."""

from __future__ import annotations

import logging

import eventlet

from gateway.schemas import BACKING_SERVICES
from kernel.errors import KernelError

log = logging.getLogger(__name__)


def gather(backends, broker_check, board_cache=None) -> dict:
    """The platform's health; ``status`` is up only when every service is up, no breaker is
    open and the board serves fresh pages."""
    pool = eventlet.GreenPool(len(BACKING_SERVICES) + 1)
    broker = pool.spawn(broker_check)
    reports = dict(zip(BACKING_SERVICES,
                       pool.imap(lambda name: service_health(backends, name), BACKING_SERVICES),
                       strict=True))
    gateway = {"broker": broker.wait(),
               "services": {name: guard.report() for name, guard in backends.guards.items()}}
    if board_cache is not None:
        gateway["board"] = board_cache.report()
    status = overall_status(reports, gateway["broker"]["ok"])
    if status == "up" and gateway_degraded(gateway):
        status = "degraded"
    return {"status": status, "services": reports, "gateway": gateway}


def gateway_degraded(gateway: dict) -> bool:
    """A breaker not closed, or the board serving kept pages it cannot check."""
    return (any(report["breaker"] != "closed" for report in gateway["services"].values())
            or gateway.get("board", {}).get("status") == "stale")


def service_health(backends, name: str) -> dict:
    try:
        report = backends.health(name)
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

"""Bulkheads and circuit breakers: one slow service cannot take the gateway from the others.

Every HTTP request holds one of the gateway's nameko workers until it is answered, and a
request waiting on a service that does not answer holds its worker for the whole RPC deadline.
Twenty board requests to a stopped publication service once held every worker, and a request
that needs no service at all (``GET /api/v1/units/provinces/01``) waited 19.5 s for one. Each
backing service therefore gets two guards:

- a **bulkhead** (``Bulkhead``): at most ``limit`` requests wait on the service at once; one
  more is refused at once (503, ``Retry-After: 1``) instead of taking another worker. The
  gateway's worker pool is the sum of the limits plus ``spare`` workers (``worker_pool_size``),
  so the routes that need no service, and the other services, always find a worker however
  many services stall.
- a **circuit breaker** (``CircuitBreaker``): after ``failures`` consecutive calls that missed
  their deadline or found the service unavailable it opens, and calls fail at once (503 with
  ``Retry-After``) for ``cooldown`` seconds; then one call goes through as a probe (half-open):
  an answer closes the breaker, another failure opens it for a new cool-down. So a stalled
  service costs the first ``limit`` requests one deadline each, not every request one.

Plain Python with a clock of its own, so the rules are tested without a broker; the gateway's
``BackingServices`` dependency (gateway/dependencies.py) puts them around every call. Not
thread-safe, and need not be: the gateway's green threads never yield inside these methods.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from gateway.errors import ServiceUnavailable

log = logging.getLogger(__name__)

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
DEFAULT_LIMIT = 16
# accounts: every workspace page and personal token asks it who the caller is, once.
DEFAULT_LIMITS = {"assessment": 16, "plans": 16, "publication": 16, "survey": 64, "accounts": 32}
DEFAULT_SPARE_WORKERS = 16
DEFAULT_FAILURES = 5
DEFAULT_COOLDOWN = 5.0
BUSY_RETRY_AFTER = 1  # seconds: a place in a full bulkhead frees as soon as one call ends


class ServiceBusy(ServiceUnavailable):
    """The service's bulkhead is full: as many requests as allowed already wait on it."""

    retry_after = BUSY_RETRY_AFTER

    @classmethod
    def of(cls, service: str, limit: int) -> ServiceBusy:
        return cls("service.busy", {"service": service, "reason": "too_many_calls",
                                    "retry_after": BUSY_RETRY_AFTER}, {"limit": limit})


class CircuitOpen(ServiceUnavailable):
    """The service's breaker is open: it failed repeatedly and is given time to recover."""

    @classmethod
    def of(cls, service: str, retry_after: int) -> CircuitOpen:
        error = cls("service.circuit_open",
                    {"service": service, "reason": "circuit_open", "retry_after": retry_after})
        error.retry_after = retry_after
        return error


class Bulkhead:
    """At most ``limit`` requests waiting on one service; the next is refused, not queued
    (queued, it would hold a worker all the same)."""

    def __init__(self, service: str, limit: int):
        if limit < 1:
            raise ValueError(f"the bulkhead of {service} needs a limit of at least 1, not {limit}")
        self.service, self.limit = service, int(limit)
        self.in_flight = 0
        self.rejected = 0  # requests refused because it was full, since the gateway started

    def enter(self) -> None:
        if self.in_flight >= self.limit:
            self.rejected += 1
            raise ServiceBusy.of(self.service, self.limit)
        self.in_flight += 1

    def leave(self) -> None:
        self.in_flight -= 1


class CircuitBreaker:
    """Closed, open or half-open, from the outcomes of the calls to one service.

    ``admit()`` before a call (raises CircuitOpen, or says the call is the half-open probe),
    ``record(answered, probe)`` after it: True when the service answered (an error it raised
    is an answer), False when the call missed its deadline or the service was unavailable,
    None when the call ended without telling (the request was cut short)."""

    def __init__(self, service: str, failures: int = DEFAULT_FAILURES,
                 cooldown: float = DEFAULT_COOLDOWN, clock=time.monotonic):
        if failures < 1 or cooldown <= 0:
            raise ValueError("a circuit breaker needs failures >= 1 and a positive cool-down")
        self.service, self.failures, self.cooldown = service, int(failures), float(cooldown)
        self.clock = clock
        self.state = CLOSED
        self.consecutive_failures = 0
        self.opened_at: float | None = None
        self.times_opened = 0
        self._probing = False

    def admit(self) -> bool:
        """Whether the call goes ahead as the half-open probe (False: an ordinary call).
        Raises CircuitOpen while the breaker is open, or half-open with its probe out."""
        if self.state == CLOSED:
            return False
        now = self.clock()
        if self.state == OPEN and now - self.opened_at >= self.cooldown:
            self.state = HALF_OPEN
            log.info("circuit of %s half-open: one call goes through as a probe", self.service)
        if self.state == HALF_OPEN and not self._probing:
            self._probing = True
            return True
        raise CircuitOpen.of(self.service, self.retry_after(now))

    def record(self, answered: bool | None, probe: bool = False) -> None:
        if probe:
            self._probing = False
        if answered is None:
            return
        if answered:
            if self.state != CLOSED:
                log.info("circuit of %s closed: the service answers again", self.service)
            self.state, self.consecutive_failures, self.opened_at = CLOSED, 0, None
            return
        self.consecutive_failures += 1
        # A call admitted before the breaker opened may fail after: it opens nothing anew.
        if probe or (self.state == CLOSED and self.consecutive_failures >= self.failures):
            self._open()

    def retry_after(self, now: float | None = None) -> int:
        """Whole seconds until a call may go through again (at least 1)."""
        if self.state != OPEN:
            return 1
        now = self.clock() if now is None else now
        return max(1, math.ceil(self.cooldown - (now - self.opened_at)))

    def _open(self) -> None:
        self.state, self.opened_at = OPEN, self.clock()
        self.times_opened += 1
        log.warning("circuit of %s open after %d consecutive calls without an answer: calls "
                    "fail at once for %g s", self.service, self.consecutive_failures,
                    self.cooldown)


@dataclass
class ServiceGuard:
    """The bulkhead and the breaker of one backing service."""

    bulkhead: Bulkhead
    breaker: CircuitBreaker

    def report(self) -> dict:
        """What /health shows of the service's guards."""
        breaker = self.breaker
        if breaker.state == OPEN and breaker.clock() - breaker.opened_at >= breaker.cooldown:
            state = HALF_OPEN  # the next call will be the probe
        else:
            state = breaker.state
        report = {"breaker": state, "consecutive_failures": breaker.consecutive_failures,
                  "times_opened": breaker.times_opened,
                  "in_flight": self.bulkhead.in_flight, "limit": self.bulkhead.limit,
                  "rejected": self.bulkhead.rejected}
        if state == OPEN:
            report["retry_after"] = breaker.retry_after()
        return report


def guards_from(config: dict, services, clock=time.monotonic) -> dict[str, ServiceGuard]:
    """One guard per service, from ``BULKHEAD_CALLS`` (a limit per service),
    ``BREAKER_FAILURES`` and ``BREAKER_COOLDOWN_SECONDS``."""
    limits = config.get("BULKHEAD_CALLS") or {}
    if not isinstance(limits, dict):
        raise ValueError("BULKHEAD_CALLS must map each service to its limit")
    failures = int(config.get("BREAKER_FAILURES", DEFAULT_FAILURES))
    cooldown = float(config.get("BREAKER_COOLDOWN_SECONDS", DEFAULT_COOLDOWN))
    return {service: ServiceGuard(
                Bulkhead(service, int(limits.get(service) or DEFAULT_LIMITS.get(service,
                                                                               DEFAULT_LIMIT))),
                CircuitBreaker(service, failures, cooldown, clock))
            for service in services}


def worker_pool_size(guards: dict[str, ServiceGuard], spare: int) -> int:
    """Workers enough for every bulkhead full at once, and ``spare`` more."""
    return sum(guard.bulkhead.limit for guard in guards.values()) + max(1, int(spare))

"""What the gateway knows of every service's hash chain, and how it says so on every answer.

``ChainVerification`` (a dependency of GatewayService) asks each backing service's
``chain_status`` every ``CHAIN_STATUS_SECONDS`` (default 5) in a green thread of its own, so
no request ever waits for it; the publication service's answer also says, per other service,
whether that service's log still holds the hashes of the signed heads copied there. A
service's chain is:

- ``failed``: its verifier found a broken place, or its log no longer matches a head the
  publication service holds a copy of;
- ``unverified``: it did not answer the last poll (or none for three intervals and a
  timeout), is still verifying after a start, or runs without a signing key;
- ``ok``: otherwise.

Every HTTP answer of the gateway carries ``X-Chain-Verification: ok | failed | unverified``
(the worst of the four) and ``X-Chain-Verification-Detail: assessment=ok, plans=ok, …``.
Every board page whose numbers come from a chain that is not ok (the board shows the public
record, made from the assessment and survey logs and kept in the publication log) shows a
Vietnamese warning (``board_notice``); the page cache keeps such pages apart.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import eventlet
from nameko.extensions import DependencyProvider

from gateway.schemas import BACKING_SERVICES
from kernel.integrity import load_keyring

log = logging.getLogger(__name__)

HEADER = "X-Chain-Verification"
DETAIL_HEADER = "X-Chain-Verification-Detail"
OK, FAILED, UNVERIFIED = "ok", "failed", "unverified"
DEFAULT_POLL_SECONDS = 5.0
STALE_POLLS = 3
BOARD_SOURCES = ("assessment", "survey", "publication")
LABELS = {"assessment": "đánh giá, công nhận", "plans": "kế hoạch",
          "publication": "công bố kết quả", "survey": "khảo sát sự hài lòng",
          "accounts": "tài khoản"}


@dataclass(frozen=True)
class BoardNotice:
    """The warning a board page shows: ``level`` failed or unverified, and the services."""

    level: str
    sources: tuple[str, ...]

    @property
    def key(self) -> tuple:
        return ("chain", self.level, self.sources)

    @property
    def labels(self) -> list[str]:
        return [LABELS.get(source, source) for source in self.sources]


def verdict(own: dict | None, copies_check: dict | None) -> str:
    """One service's state from its own ``chain_status`` and the publication service's check
    of its log against the copies of its heads."""
    if (own and own.get("status") == FAILED) or (copies_check and copies_check.get("status") == FAILED):
        return FAILED
    if own and own.get("status") == OK:
        return OK
    return UNVERIFIED


class _PollEntrypoint:
    """Stands for an entrypoint in the poller's worker context (RPC headers name it)."""

    method_name = "chain_status_poll"


class ChainVerification(DependencyProvider):
    def setup(self):
        config = self.container.config
        self.poll_seconds = max(0.1, float(config.get("CHAIN_STATUS_SECONDS", DEFAULT_POLL_SECONDS)))
        self.timeout = float(config.get("HEALTH_TIMEOUT", 3))
        # The public keys the gateway pins itself: the signatures page checks every head with
        # them (kernel/integrity.py; None when none is configured).
        self.keyring = load_keyring(config)
        self.reports: dict[str, dict] = {}
        self.polled_at: dict[str, float] = {}
        self._stopping = False

    def start(self):
        self.container.spawn_managed_thread(self._poll_forever, identifier="chain_status_poller")

    def stop(self):
        self._stopping = True

    def kill(self):
        self._stopping = True

    def get_dependency(self, worker_ctx):
        return self

    # -- polling ----------------------------------------------------------------------------
    def _poll_forever(self):
        while not self._stopping:
            started = time.monotonic()
            try:
                self.poll()
            except Exception:  # never let it end this thread: nameko would stop the gateway
                log.exception("polling the services' chain status failed")
            eventlet.sleep(max(0.0, self.poll_seconds - (time.monotonic() - started)))

    def poll(self) -> None:
        backends = self._backends()
        pool = eventlet.GreenPool(len(BACKING_SERVICES))
        for source, report in zip(BACKING_SERVICES, pool.imap(
                lambda s: self._ask(backends, s), BACKING_SERVICES), strict=True):
            if report is None:
                self.reports.pop(source, None)
            else:
                self.reports[source] = report
                self.polled_at[source] = time.monotonic()

    def _ask(self, backends, source: str) -> dict | None:
        try:
            report = backends.monitor(source, "chain_status", self.timeout)
            return report if isinstance(report, dict) else None
        except Exception as exc:  # not answering is an answer: unverified
            log.info("%s.chain_status() failed: %s", source, exc)
            return None

    def _backends(self):
        from nameko.containers import WorkerContext

        from gateway.dependencies import BackingServices

        backing = next(d for d in self.container.dependencies if isinstance(d, BackingServices))
        return backing.get_dependency(WorkerContext(self.container, None, _PollEntrypoint()))

    # -- what requests read -----------------------------------------------------------------
    def states(self) -> dict[str, str]:
        """Each backing service's chain state, from the last answers (never waits)."""
        now = time.monotonic()
        copies = (self._fresh("publication", now) or {}).get("copies") or {}
        return {source: verdict(self._fresh(source, now), copies.get(source))
                for source in BACKING_SERVICES}

    def _fresh(self, source: str, now: float) -> dict | None:
        # An answer is good for a few polls (a poll may take up to the RPC timeout).
        if now - self.polled_at.get(source, -1e9) > STALE_POLLS * self.poll_seconds + self.timeout:
            return None
        return self.reports.get(source)

    def report(self, source: str) -> dict | None:
        return self._fresh(source, time.monotonic())

    def overall(self, states: dict[str, str] | None = None) -> str:
        states = self.states() if states is None else states
        if FAILED in states.values():
            return FAILED
        return OK if all(state == OK for state in states.values()) else UNVERIFIED

    def annotate(self, response) -> None:
        states = self.states()
        response.headers[HEADER] = self.overall(states)
        response.headers[DETAIL_HEADER] = ", ".join(f"{s}={states[s]}" for s in BACKING_SERVICES)

    def board_notice(self) -> BoardNotice | None:
        states = self.states()
        failed = tuple(s for s in BOARD_SOURCES if states[s] == FAILED)
        if failed:
            return BoardNotice(FAILED, failed)
        unverified = tuple(s for s in BOARD_SOURCES if states[s] != OK)
        return BoardNotice(UNVERIFIED, unverified) if unverified else None


def annotate(container, response) -> None:
    """Add the chain headers to ``response`` if ``container`` runs a ChainVerification."""
    for dependency in container.dependencies:
        if isinstance(dependency, ChainVerification):
            dependency.annotate(response)
            return

"""The reviewing level of a province's evaluation year, as the gateway's authorisation needs
it: asked of the assessment service, and kept for a short while.

The review steps belong to the level configured for the commune's province and year
(gateway/permissions.py), so every review step and some survey set-ups need it. It is an RPC
and changes about once a year per province, so each gateway process keeps what it was told
for ``REVIEWING_LEVEL_CACHE_SECONDS`` (default 30). A level set through this process replaces
the kept one at once; one set through another replica is seen here within that time. A
level is never assumed: when the assessment service does not answer, the request that needed
the level fails with 503 ``service_unavailable``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from nameko.extensions import DependencyProvider

DEFAULT_TTL_SECONDS = 30.0


@dataclass(frozen=True)
class _Kept:
    level: str
    version: int
    until: float


class ReviewingLevelCache:
    """``(province, year) → level`` as the assessment service last answered, for ``ttl`` seconds.

    Entries carry the level's version, so that an answer read before a change and delivered
    after it cannot replace the newer level while that is kept; once it has expired, what the
    service answers is taken whatever its version (a restored database). There are at most a few thousand keys (provinces
    × evaluation years), so nothing is evicted."""

    def __init__(self, ttl: float = DEFAULT_TTL_SECONDS, clock=time.monotonic):
        self.ttl, self._clock = ttl, clock
        self._kept: dict[tuple[str, int], _Kept] = {}

    def level(self, backends, province_code: str, year: int) -> str:
        """``"district"`` or ``"province"``; asks the assessment service when nothing fresh is
        kept, and raises what that call raises (ServiceUnavailable: 503)."""
        kept = self._kept.get((province_code, year))
        if kept is not None and self._clock() < kept.until:
            return kept.level
        self.remember(backends.call("assessment", "get_reviewing_level", province_code, year))
        return self._kept[(province_code, year)].level

    def remember(self, record: dict) -> dict:
        """Keep a level the assessment service answered (``get_reviewing_level`` or
        ``set_reviewing_level``); returns the record unchanged."""
        key, now = (record["province_code"], record["year"]), self._clock()
        kept = self._kept.get(key)
        if kept is None or now >= kept.until or record["version"] >= kept.version:
            self._kept[key] = _Kept(record["level"], record["version"], now + self.ttl)
        return record


class ReviewingLevels(DependencyProvider):
    """One ReviewingLevelCache per gateway process (container)."""

    def setup(self):
        ttl = float(self.container.config.get("REVIEWING_LEVEL_CACHE_SECONDS", DEFAULT_TTL_SECONDS))
        self.cache = ReviewingLevelCache(ttl)

    def get_dependency(self, worker_ctx):
        return self.cache

"""A sliding-window limit on new responses per kiosk.

In memory, per service process: a kiosk talks to whichever replica answers, so with n
replicas the effective limit is up to n times the setting. That is enough to stop a script
stuffing one kiosk's queue; a shared counter would need a table written on every submission.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable

from services.survey.errors import TooManyRequests

DEFAULT_PER_MINUTE = 10


class RateLimiter:
    def __init__(self, limit: int = DEFAULT_PER_MINUTE, window_seconds: float = 60.0,
                 clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window_seconds
        self.clock = clock
        self._seen: dict[str, deque[float]] = defaultdict(deque)

    def take(self, key: str) -> None:
        """Count one attempt for ``key``, or refuse it when the window is full."""
        now = self.clock()
        seen = self._seen[key]
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            retry_after = max(1, int(seen[0] + self.window - now + 0.999))
            raise TooManyRequests(
                f"This kiosk sent more than {self.limit} responses in {int(self.window)} "
                f"seconds; try again in {retry_after} s.",
                {"limit": self.limit, "window_seconds": int(self.window),
                 "retry_after_seconds": retry_after})
        seen.append(now)

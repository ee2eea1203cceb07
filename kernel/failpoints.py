"""Fault injection for tests: make a process fail at a named point, exactly there.

A test tool, inert unless ``TCPL_FAILPOINTS`` is set (or ``configure`` is called). The
variable lists ``point:action`` pairs separated by commas::

    TCPL_FAILPOINTS=write.after_commit:kill
    TCPL_FAILPOINTS=write.before_commit:sleep=0.5,write.after_commit:raise

Actions: ``kill`` sends the process SIGKILL, as ``kill -9`` would (no clean-up, no reply,
unacknowledged messages return to their queue); ``raise`` raises ``FailpointHit``; ``sleep=S``
waits S seconds (to widen a race). Points in the code:

- ``write.before_commit``: a write RPC has appended and stored its answer, not committed.
- ``write.after_commit``: it has committed and not yet replied.

Never set it in production: nothing else reads it, and every point is a no-op without it.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

ENVIRONMENT_VARIABLE = "TCPL_FAILPOINTS"
ACTIONS = ("kill", "raise", "sleep")

_configured: dict[str, str] | None = None  # None: not read from the environment yet


class FailpointHit(RuntimeError):
    """Raised at a point whose action is ``raise``."""


def parse(spec: str) -> dict[str, str]:
    """``point:action`` pairs, comma-separated; ValueError naming a malformed one."""
    points = {}
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        point, _, action = entry.partition(":")
        name, _, argument = action.partition("=")
        if not point or name not in ACTIONS or (name == "sleep") != bool(argument):
            raise ValueError(f"{ENVIRONMENT_VARIABLE}: {entry!r} is not point:kill, "
                             "point:raise or point:sleep=<seconds>")
        if name == "sleep":
            float(argument)
        points[point] = action
    return points


def configure(spec: str | None) -> None:
    """Set the points for this process (None: read ``TCPL_FAILPOINTS`` again on next use)."""
    global _configured
    _configured = None if spec is None else parse(spec)


@contextmanager
def active(spec: str) -> Iterator[None]:
    """The points of ``spec`` for the block: in-process tests."""
    global _configured
    before = _configured
    configure(spec)
    try:
        yield
    finally:
        _configured = before


def hit(point: str) -> None:
    """Fail here if ``point`` is configured; otherwise do nothing."""
    global _configured
    if _configured is None:
        _configured = parse(os.environ.get(ENVIRONMENT_VARIABLE, ""))
    action = _configured.get(point)
    if action is None:
        return
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "raise":
        raise FailpointHit(f"failpoint {point}")
    else:
        time.sleep(float(action.partition("=")[2]))

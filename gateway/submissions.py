"""Group commit for kiosk submissions: many HTTP requests, one call to the survey service.

Each kiosk response arrives as its own request, and sending each as its own RPC makes the
broker round trip, the survey worker and the database transaction the cost of every single
response. Here a request joins the queue of waiting submissions; while fewer than
``KIOSK_GROUPS_IN_FLIGHT`` groups are out, the request at hand takes the oldest waiting ones
(up to ``KIOSK_GROUP_MAX``) and sends them in one ``survey.submit_many`` call; everyone else
waits for their own outcome. Nothing waits on a timer: with no load a response goes alone at
once, and under load the group grows by itself to what arrived during the previous call.

Each request still gets its own verdict (accepted, duplicate, or the error the survey service
would have raised for it alone), and a failure of the call as a whole (the service or the
broker down) is that request's failure, so the kiosk keeps the response and sends it again.
"""

from __future__ import annotations

from collections import OrderedDict

import eventlet
from eventlet.event import Event
from nameko.exceptions import deserialize
from nameko.extensions import DependencyProvider

from gateway.errors import ServiceUnavailable

DEFAULT_GROUP_MAX = 100
DEFAULT_GROUPS_IN_FLIGHT = 1
DEFAULT_LINGER_MS = 10.0


class _Waiting:
    __slots__ = ("kiosk_token", "response", "outcome", "done", "wake")

    def __init__(self, kiosk_token: str, response: dict):
        self.kiosk_token, self.response = kiosk_token, response
        self.outcome, self.done, self.wake = None, False, Event()


class SubmissionGroups:
    def __init__(self, max_group: int = DEFAULT_GROUP_MAX,
                 max_in_flight: int = DEFAULT_GROUPS_IN_FLIGHT,
                 linger_ms: float = DEFAULT_LINGER_MS):
        self.max_group, self.max_in_flight = max_group, max_in_flight
        self.linger = linger_ms / 1000
        self._waiting: OrderedDict[int, _Waiting] = OrderedDict()
        self._in_flight = 0
        self.calls = self.sent = 0  # survey calls made and responses they carried

    def submit(self, backends, kiosk_token: str, response: dict) -> dict:
        """The survey service's acceptance of ``response``; raises what it refused it with.
        A request waiting here waits on the survey service: it holds a place in its bulkhead
        (gateway/bulkheads.py), or is refused at once (503) when the bulkhead is full."""
        with backends.holding("survey"):
            return self._submit(backends, kiosk_token, response)

    def _submit(self, backends, kiosk_token: str, response: dict) -> dict:
        me = _Waiting(kiosk_token, response)
        self._waiting[id(me)] = me
        while not me.done:
            # Lead a group only while still waiting: another leader may have taken this one.
            if id(me) in self._waiting and self._in_flight < self.max_in_flight:
                self._send(backends, me)
            else:
                me.wake = Event()
                me.wake.wait()
        if isinstance(me.outcome, BaseException):
            raise me.outcome
        return me.outcome

    def _send(self, backends, leader: _Waiting) -> None:
        group = [self._waiting.pop(id(leader))]
        self._in_flight += 1
        try:
            if self.linger and not self._waiting:
                # Like a database's commit delay: a call costs about as much for one
                # response as for fifty, so a response that would go out alone waits a
                # moment for company (others arriving meanwhile join this group). Under
                # load someone is always waiting already, and nobody lingers.
                eventlet.sleep(self.linger)
            while self._waiting and len(group) < self.max_group:
                group.append(self._waiting.popitem(last=False)[1])
            self.calls, self.sent = self.calls + 1, self.sent + len(group)
            outcomes = backends.call("survey", "submit_many", [
                {"kiosk_token": w.kiosk_token, "response": w.response} for w in group])
            for waiting, outcome in zip(group, outcomes, strict=True):
                waiting.outcome = (deserialize(outcome["error"]) if "error" in outcome
                                   else outcome["response"])
        except Exception as exc:  # the whole call failed: so did each request in it
            for waiting in group:
                waiting.outcome = exc
        finally:
            self._in_flight -= 1
            for waiting in group:
                if waiting.outcome is None:  # this leader was killed (the gateway stopping)
                    waiting.outcome = ServiceUnavailable("survey.response_not_sent",
                                                         {"service": "survey"})
                waiting.done = True
                _wake(waiting)
            # Hand the free slot to the oldest waiting request: it leads the next group.
            for waiting in list(self._waiting.values())[:self.max_in_flight - self._in_flight]:
                _wake(waiting)


def _wake(waiting: _Waiting) -> None:
    if not waiting.wake.ready():
        waiting.wake.send()


class KioskSubmissionGroups(DependencyProvider):
    """One SubmissionGroups per gateway container; ``KIOSK_GROUP_MAX`` (default 100),
    ``KIOSK_GROUPS_IN_FLIGHT`` (default 1) and ``KIOSK_GROUP_LINGER_MS`` (default 10) in the
    config."""

    def setup(self):
        config = self.container.config
        self.groups = SubmissionGroups(
            int(config.get("KIOSK_GROUP_MAX", DEFAULT_GROUP_MAX)),
            int(config.get("KIOSK_GROUPS_IN_FLIGHT", DEFAULT_GROUPS_IN_FLIGHT)),
            float(config.get("KIOSK_GROUP_LINGER_MS", DEFAULT_LINGER_MS)))

    def get_dependency(self, worker_ctx):
        return self.groups

"""Small real nameko services standing in for the platform's backing services.

They answer the RPCs the gateway makes, in the shapes the real services use, and record
what they were sent so that tests can check what crossed the wire.
"""

import eventlet
from nameko.rpc import rpc

from kernel.errors import ConcurrencyError, Forbidden

# Years that make the assessment peer misbehave, to drive the gateway's error paths.
SLOW_YEAR = 2090  # answers after the gateway's deadline
FORBIDDEN_YEAR = 2091  # refuses, as a service enforcing its own rules would
CRASH_YEAR = 2092  # fails with an error that is not a KernelError
SECRET_IN_CRASH = "password=hunter2"
SLOW_SECONDS = 4.0


def health_report(name, status="up"):
    return {"service": name, "status": status,
            "database": {"ok": status == "up", "backend": "sqlite", "error": None},
            "broker": {"ok": True, "error": None, "published": 0}, "outbox_pending": 0}


class Peer:
    name = "peer"
    health_status = "up"
    calls: list = []

    @rpc
    def health(self):
        return health_report(self.name, type(self).health_status)

    @rpc
    def events_after(self, after_position=0, limit=1000):
        type(self).calls.append(("events_after", after_position, limit))
        events = [{"source": self.name, "position": p, "type": "Noted", "data": {}}
                  for p in range(after_position + 1, min(after_position + limit, 3) + 1)]
        return {"source": self.name, "events": events, "head_position": 3}


class AssessmentPeer(Peer):
    name = "assessment"
    levels: dict = {}

    @rpc
    def get_reviewing_level(self, province_code, year):
        type(self).calls.append(("get_reviewing_level", province_code, year))
        if year == SLOW_YEAR:
            eventlet.sleep(SLOW_SECONDS)
        stored = type(self).levels.get((province_code, year))
        if stored:
            return stored
        return {"province_code": province_code, "year": year,
                "level": "province" if year >= 2025 else "district", "version": 0,
                "source": "default"}

    @rpc
    def set_reviewing_level(self, province_code, year, level, expected_version, context):
        type(self).calls.append(("set_reviewing_level", province_code, year, level,
                                 expected_version, context))
        if year == FORBIDDEN_YEAR:
            raise Forbidden("Reviewing levels of that year are closed.", {"year": year})
        if year == CRASH_YEAR:
            raise RuntimeError(f"could not connect: {SECRET_IN_CRASH}")
        stream = f"reviewing-level-{province_code}-{year}"
        current = type(self).levels.get((province_code, year), {}).get("version", 0)
        if expected_version is not None and expected_version != current:
            raise ConcurrencyError.for_stream(stream, expected_version, current)
        record = {"province_code": province_code, "year": year, "level": level,
                  "version": current + 1, "source": "configured"}
        type(self).levels[(province_code, year)] = record
        return record


class PlansPeer(Peer):
    name = "plans"


class PublicationPeer(Peer):
    name = "publication"


class SurveyPeer(Peer):
    name = "survey"


ALL_PEERS = (AssessmentPeer, PlansPeer, PublicationPeer, SurveyPeer)


def reset():
    for peer in ALL_PEERS:
        peer.calls = []
        peer.health_status = "up"
    AssessmentPeer.levels = {}

"""Event schema versions: old shapes stay stored as they were and are upcast when read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from kernel.errors import UnknownSchemaVersion
from kernel.events import RecordedEvent

Upcaster = Callable[[dict], dict]


class Upcasters:
    def __init__(self):
        self._steps: dict[tuple[str, int], Upcaster] = {}
        self._current: dict[str, int] = {}

    def register(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Decorate ``fn(data_v_n) -> data_v_n+1``."""

        def decorator(fn: Upcaster) -> Upcaster:
            self._steps[(event_type, from_version)] = fn
            self._current[event_type] = max(self._current.get(event_type, 1), from_version + 1)
            return fn

        return decorator

    def current_version(self, event_type: str) -> int:
        return self._current.get(event_type, 1)

    def upcast(self, event: RecordedEvent) -> RecordedEvent:
        target = self.current_version(event.type)
        if event.schema_version == target:
            return event
        if event.schema_version > target:
            raise UnknownSchemaVersion("event.newer_schema", {}, {
                "type": event.type, "version": event.schema_version, "known": target})
        data, version = event.data, event.schema_version
        while version < target:
            data = self._steps[(event.type, version)](dict(data))
            version += 1
        return replace(event, data=data, schema_version=version)


# The platform's event types have unique names, so one registry serves every service.
registry = Upcasters()

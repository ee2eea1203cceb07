"""Small builders shared by the kernel tests."""

from kernel.events import Actor, Metadata, NewEvent
from kernel.store import EventStore

ADMIN = Actor("admin@test", "administrator", {"province": "01"})


def open_store(url: str, source: str = "test") -> EventStore:
    store = EventStore(url, source)
    store.migrate()
    return store


def meta(**kwargs) -> Metadata:
    return Metadata(actor=kwargs.pop("actor", ADMIN), **kwargs)


def numbered(count: int, type_: str = "Counted", start: int = 1) -> list[NewEvent]:
    return [NewEvent(type_, {"n": n}) for n in range(start, start + count)]

"""nameko entrypoints of the plans service."""

from kernel.nameko import EventSourcedService, EventStoreProvider


class PlansService(EventSourcedService):
    name = "plans"
    store = EventStoreProvider()

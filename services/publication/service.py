"""nameko entrypoints of the publication service."""

from kernel.nameko import EventSourcedService, EventStoreProvider


class PublicationService(EventSourcedService):
    name = "publication"
    store = EventStoreProvider()

"""nameko entrypoints of the survey service."""

from kernel.nameko import EventSourcedService, EventStoreProvider


class SurveyService(EventSourcedService):
    name = "survey"
    store = EventStoreProvider()

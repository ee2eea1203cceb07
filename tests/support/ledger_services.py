"""Two real services for the reliability tests: ``ledger`` writes events, ``tally``
consumes them into a read model that would show any event applied twice."""

from kernel.nameko import EventSourcedService, EventStoreProvider, Subscription
from tests.support.tally import TallyProjection


class LedgerService(EventSourcedService):
    name = "ledger"
    store = EventStoreProvider()


class TallyService(EventSourcedService):
    name = "tally"
    store = EventStoreProvider()
    tally = Subscription(TallyProjection(name="tally", sources=["ledger"]))

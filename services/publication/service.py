"""nameko entrypoints of the publication service: the public record and its audit queries.

The record is a read model fed by one subscription over the assessment and survey logs; it
catches up when the service starts and is rebuilt from zero by ``rebuild("publication_record")``.
"""

from nameko.rpc import rpc

from kernel.errors import KernelError
from kernel.nameko import EventSourcedService, EventStoreProvider, Subscription
from services.publication import export, overviews, record, search

expected = rpc(expected_exceptions=KernelError)


class PublicationService(EventSourcedService):
    name = "publication"
    # Its EntryPublished events are for auditors reading its log; no service subscribes.
    store = EventStoreProvider(published_types=())
    public_record = Subscription(record.PublicRecordProjection())

    @property
    def _engine(self):
        return self.store.reader

    @expected
    def search_communes(self, query: str = "", province_code: str | None = None,
                        year: int | None = None, status: str | None = None, limit: int = 50,
                        offset: int = 0) -> dict:
        return search.search_communes(self._engine, query, province_code, year, status, limit,
                                      offset)

    @expected
    def commune_record(self, commune_code: str) -> dict:
        return record.commune_record(self._engine, commune_code)

    @expected
    def province_overview(self, province_code: str, year: int) -> dict:
        return overviews.province_overview(self._engine, province_code, year)

    @expected
    def national_overview(self, year: int) -> dict:
        return overviews.national_overview(self._engine, year)

    @expected
    def decisions(self, province_code: str, year: int) -> dict:
        return search.decisions(self._engine, province_code, year)

    @expected
    def years(self) -> list[int]:
        return search.years(self._engine)

    @expected
    def public_provinces(self) -> list[dict]:
        return search.public_provinces(self._engine)

    @expected
    def export_bundle(self, province_code: str, year: int) -> dict:
        return export.export_bundle(self._engine, province_code, year)

    @expected
    def changes_after(self, after: int | None = None, epoch: str | None = None,
                      limit: int = record.MAX_CHANGES) -> dict:
        """What changed in the public record after a position of its change log (what the
        board's caches must forget); a cheap query, polled by every gateway."""
        return record.changes_after(self._engine, after, epoch, limit)

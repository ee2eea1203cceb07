"""nameko entrypoints of the assessment service."""

from nameko.rpc import rpc

from kernel.errors import ConcurrencyError, KernelError, NotFound
from kernel.nameko import EventSourcedService, EventStoreProvider, metadata_from
from reference import units
from services.assessment.reviewing_levels import ReviewingLevel, stream_name


class AssessmentService(EventSourcedService):
    name = "assessment"
    store = EventStoreProvider()

    @rpc(expected_exceptions=KernelError)
    def get_reviewing_level(self, province_code: str, year: int) -> dict:
        return self._reviewing_level(province_code, year).to_dict()

    @rpc(expected_exceptions=KernelError)
    def set_reviewing_level(self, province_code: str, year: int, level: str,
                            expected_version: int | None = None, context: dict | None = None) -> dict:
        current = self._reviewing_level(province_code, year)
        if expected_version is not None and expected_version != current.version:
            raise ConcurrencyError.for_stream(stream_name(province_code, year),
                                              expected_version, current.version)
        new_events = current.set(level)
        if new_events:
            self.store.append(stream_name(province_code, year), current.version, new_events,
                              metadata_from(context, "assessment"))
        return self._reviewing_level(province_code, year).to_dict()

    def _reviewing_level(self, province_code: str, year: int) -> ReviewingLevel:
        if not units.province_known_in(province_code, year):
            raise NotFound(f"There is no province with code {province_code} in {year}.",
                           {"province_code": province_code, "year": year})
        return ReviewingLevel.from_events(
            province_code, year, self.store.read_stream(stream_name(province_code, year)))

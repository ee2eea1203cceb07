"""nameko entrypoints of the assessment service."""

from nameko.rpc import rpc

from kernel.errors import ConcurrencyError, KernelError, NotFound
from kernel.nameko import EventSourcedService, EventStoreProvider, metadata_from
from reference import units
from services.assessment import views
from services.assessment.catalogue import CriteriaSetCatalogue
from services.assessment.criteria import load_builtin_sets, set_for_year
from services.assessment.handlers import AssessmentHandlers
from services.assessment.reviewing_levels import ReviewingLevel, stream_name

expected = rpc(expected_exceptions=KernelError)


class AssessmentService(EventSourcedService):
    name = "assessment"
    store = EventStoreProvider()

    # -- reviewing levels ------------------------------------------------------------------
    @expected
    def get_reviewing_level(self, province_code: str, year: int) -> dict:
        return self._reviewing_level(province_code, year).to_dict()

    @expected
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

    # -- a commune's assessment ------------------------------------------------------------
    @expected
    def open_assessment(self, commune_code: str, year: int, context: dict | None = None) -> dict:
        assessment = self._handlers().open(commune_code, year, metadata_from(context, "assessment"))
        return views.assessment(assessment, self._criteria_sets())

    @expected
    def run_command(self, commune_code: str, year: int, command: str, arguments: dict,
                    expected_version: int | None = None, context: dict | None = None) -> dict:
        assessment = self._handlers().execute(commune_code, year, command, arguments or {},
                                              metadata_from(context, "assessment"), expected_version)
        return views.assessment(assessment, self._criteria_sets())

    @expected
    def get_assessment(self, commune_code: str, year: int) -> dict:
        return views.assessment(self._handlers().get(commune_code, year), self._criteria_sets())

    # -- criteria sets ---------------------------------------------------------------------
    @expected
    def list_criteria_sets(self) -> list[dict]:
        return [views.criteria_set_summary(s) for s in self._criteria_sets().values()]

    @expected
    def get_criteria_set(self, set_id: str, version: int | None = None) -> dict:
        return views.find_criteria_set(self._criteria_sets(), set_id, version).to_dict()

    def _criteria_sets(self):
        return load_builtin_sets()

    def _handlers(self) -> AssessmentHandlers:
        sets = self._criteria_sets()
        return AssessmentHandlers(
            self.store,
            catalogue_for=lambda set_id, version: CriteriaSetCatalogue(
                views.find_criteria_set(sets, set_id, version)),
            criteria_set_for_year=lambda year: set_for_year(year, sets).key,
        )

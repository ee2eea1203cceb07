"""nameko entrypoints of the assessment service."""

import base64
from datetime import date

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from sqlalchemy import select

from kernel.errors import ConcurrencyError, KernelError, NotFound, ValidationFailed
from kernel.idempotency import idempotent
from kernel.nameko import (
    EventSourcedService,
    EventStoreProvider,
    FollowedProjection,
    Subscription,
    metadata_from,
)
from reference import units
from rules import pauses
from rules.assessment.names import STATUS_VI
from rules.criteria import set_for_year
from rules.deadlines import RegimeCalendar
from rules.scoring import score_indicator
from services.assessment import commands, criteria_sets, exports, rollups, views
from services.assessment.catalogue import CriteriaSetCatalogue
from services.assessment.handlers import AssessmentHandlers
from services.assessment.reviewing_levels import ReviewingLevel, stream_name
from services.assessment.satisfaction import SATISFACTION, SatisfactionProjection, result_for
from storage.blobs import SHA256, BlobStore
from storage.settings import EvidenceSettings

expected = rpc(expected_exceptions=KernelError)


def _command_rpc(command: type[commands.Command]):
    """The RPC ``assessment.<command.name>(commune_code, year, arguments, expected_version,
    context)``: the arguments made into ``command`` (400 before anything is read), then run
    by the handlers, once per idempotency key."""

    def run(self, commune_code: str, year: int, arguments: dict,
            expected_version: int | None = None, context: dict | None = None) -> dict:
        return self._command(command.from_arguments(arguments), commune_code, year,
                             expected_version, context)

    run.__name__ = run.__qualname__ = command.name  # the idempotency key's operation
    run.__doc__ = f"Run ``commands.{command.__name__}`` on the opened assessment."
    return expected(idempotent(run))


class EvidenceStore(DependencyProvider):
    """The store the gateway keeps uploaded files in (``EVIDENCE_STORE``): the service looks
    there before it records that a file backs an indicator."""

    def setup(self):
        self.store = EvidenceSettings.from_config(self.container.config).open_store()

    def get_dependency(self, worker_ctx) -> BlobStore:
        return self.store


class AssessmentService(EventSourcedService):
    name = "assessment"
    store = EventStoreProvider()
    # its own events, read from its own log: no broker round trip, and the roll-up commits
    # with the append that moved it (kernel/follower.py)
    rollup = FollowedProjection(rollups.RollupProjection())
    satisfaction = Subscription(SatisfactionProjection())
    evidence_store = EvidenceStore()

    # -- reviewing levels ------------------------------------------------------------------
    @expected
    def get_reviewing_level(self, province_code: str, year: int) -> dict:
        return self._reviewing_level(province_code, year).to_dict()

    @expected
    @idempotent
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
            raise NotFound("place.province_not_found_in_year", {"province_code": province_code, "year": year})
        return ReviewingLevel.from_events(
            province_code, year, self.store.read_stream(stream_name(province_code, year)))

    # -- a commune's assessment ------------------------------------------------------------
    @expected
    @idempotent
    def open_assessment(self, commune_code: str, year: int, context: dict | None = None) -> dict:
        assessment = self._handlers().open(commune_code, year, metadata_from(context, "assessment"))
        return self._written(assessment)

    # The commands of an opened assessment, one RPC each (commands.py), each answered by
    # _written: ``assessment.decide(commune_code, year, arguments, expected_version, context)``.
    record_figures = _command_rpc(commands.RecordFigures)
    record_indicators_figures = _command_rpc(commands.RecordIndicatorsFigures)
    declare_conditions = _command_rpc(commands.DeclareConditions)
    submit_self_assessment = _command_rpc(commands.SubmitSelfAssessment)
    reopen_self_assessment = _command_rpc(commands.ReopenSelfAssessment)
    start_posting = _command_rpc(commands.StartPosting)
    record_comment = _command_rpc(commands.RecordComment)
    answer_comment = _command_rpc(commands.AnswerComment)
    end_posting = _command_rpc(commands.EndPosting)
    submit_dossier = _command_rpc(commands.SubmitDossier)
    provide_supplement = _command_rpc(commands.ProvideSupplement)
    pass_check = _command_rpc(commands.PassCheck)
    request_supplement = _command_rpc(commands.RequestSupplement)
    start_appraisal = _command_rpc(commands.StartAppraisal)
    record_opinion = _command_rpc(commands.RecordOpinion)
    appraise_indicator = _command_rpc(commands.AppraiseIndicator)
    appraise_indicators = _command_rpc(commands.AppraiseIndicators)
    complete_appraisal = _command_rpc(commands.CompleteAppraisal)
    decide = _command_rpc(commands.Decide)
    revoke = _command_rpc(commands.Revoke)

    @expected
    @idempotent
    def run_command(self, commune_code: str, year: int, command: str, arguments: dict,
                    expected_version: int | None = None, context: dict | None = None) -> dict:
        """The command named in data (bench/board.py, tests that walk a cycle): the same typed
        path as the command's own RPC."""
        return self._command(commands.by_name(command, arguments), commune_code, year,
                             expected_version, context)

    def _command(self, command: commands.Command, commune_code: str, year: int,
                 expected_version: int | None, context: dict | None) -> dict:
        assessment = self._handlers().execute(commune_code, year, command,
                                              metadata_from(context, "assessment"),
                                              expected_version)
        return self._written(assessment)

    def _written(self, assessment) -> dict:
        """What every write of an assessment answers: where it stands now, small. The
        explained assessment (scores, recognition, next steps) is ``get_assessment``'s."""
        return {"commune_code": assessment.commune_code, "year": assessment.year,
                "version": assessment.version, "state": assessment.state,
                "status_vi": STATUS_VI[assessment.state]}

    @expected
    def get_assessment(self, commune_code: str, year: int) -> dict:
        sets = self._criteria_sets()
        assessment = self._handlers(sets).get(commune_code, year)
        return self._view(assessment, sets)

    @expected
    def score_figures(self, commune_code: str, year: int, indicator_id: str,
                      figures: dict) -> dict:
        """An indicator's figures scored as recording them would score them (the same
        function), nothing stored: the workspace shows the points or pass/fail as the officer
        types. ``problems`` lists what recording them would refuse, by figure path."""
        sets = self._criteria_sets()
        body = self._handlers(sets).get(commune_code, year).to_dict()
        criteria_set = views.find_criteria_set(sets, body["criteria_set_id"],
                                               body["criteria_set_version"])
        indicator = criteria_set.indicator(indicator_id)
        try:
            score = score_indicator(indicator, figures)
        except ValidationFailed as refused:
            return {"indicator_id": indicator_id, "score": None,
                    "problems": list(refused.details.get("problems") or [refused.message])}
        return {"indicator_id": indicator_id, "score": score.to_dict(), "problems": []}

    @expected
    def commune_years(self, commune_code: str) -> list[dict]:
        """The years a commune has opened, newest first, from the roll-up read model (it
        follows the log, so a year opened a moment ago may take a moment to appear)."""
        query = (select(rollups.rollup.c.year, rollups.rollup.c.state)
                 .where(rollups.rollup.c.commune_code == commune_code)
                 .order_by(rollups.rollup.c.year.desc()))
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [{"year": row.year, "state": row.state, "status_vi": STATUS_VI.get(row.state)}
                for row in rows]

    def _view(self, assessment, sets) -> dict:
        """The assessment explained, its next steps named for the reviewing level configured
        for its province and year now: the one the gateway holds the review steps to."""
        body = assessment.to_dict()
        level = ReviewingLevel.from_events(
            body["province_code"], body["year"],
            self.store.read_stream(stream_name(body["province_code"], body["year"]))).level
        return views.assessment(assessment, sets, self._satisfaction_of(assessment, sets), level)

    # -- evidence files (docs/assessment-api.md, "Evidence files") --------------------------
    @expected
    @idempotent
    def attach_evidence(self, commune_code: str, year: int, indicator_id: str, file: dict,
                        expected_version: int | None = None, context: dict | None = None) -> dict:
        """Record that an uploaded file backs an indicator. ``file`` is what the gateway found:
        ``{file_name, media_type, size, sha256, signatures}``; the file must be in the store
        with that size (asked before the write begins, so no lock waits on the store)."""
        self._check_stored(file)
        assessment = self._handlers().attach_evidence(
            commune_code, year, indicator_id, file, metadata_from(context, "assessment"),
            expected_version)
        return self._written(assessment)

    @expected
    @idempotent
    def remove_evidence(self, commune_code: str, year: int, indicator_id: str, sha256: str,
                        expected_version: int | None = None, context: dict | None = None) -> dict:
        """The file no longer backs the indicator (while the self-assessment is a draft); the
        stored file stays: it may back other indicators, and the log still names it."""
        assessment = self._handlers().remove_evidence(
            commune_code, year, indicator_id, sha256, metadata_from(context, "assessment"),
            expected_version)
        return self._written(assessment)

    @expected
    def evidence_file(self, commune_code: str, year: int, indicator_id: str, sha256: str) -> dict:
        """What the assessment recorded of one uploaded file (the gateway serves the file)."""
        return self._handlers().evidence_file(commune_code, year, indicator_id, sha256)

    def _check_stored(self, file) -> None:
        sha256 = file.get("sha256") if isinstance(file, dict) else None
        if not isinstance(sha256, str) or not SHA256.fullmatch(sha256):
            raise ValidationFailed("evidence.sha256", {"field": "sha256"})
        stored = self.evidence_store.size(sha256)
        if stored is None or stored != file.get("size"):
            raise ValidationFailed("evidence.not_in_store", {"field": "file", "sha256": sha256, "stored_size": stored})

    def _satisfaction_of(self, assessment, sets) -> dict | None:
        """The latest result kept for the assessment's commune and year of the survey its
        regime scores (the satisfaction survey when none), shown beside the one it took."""
        body = assessment.to_dict()
        feed = CriteriaSetCatalogue(views.find_criteria_set(
            sets, body["criteria_set_id"], body["criteria_set_version"])).survey_feed()
        with self.store.reader.connect() as conn:
            return result_for(conn, body["commune_code"], body["year"],
                              feed.purpose if feed else SATISFACTION)

    @expected
    def assessment_events(self, commune_code: str, year: int) -> list[dict]:
        """The assessment's own events with their metadata (who did what, when)."""
        assessment = self._handlers(self._criteria_sets()).get(commune_code, year)
        return [e.to_message() for e in self.store.read_stream(assessment.stream)]

    # -- roll-ups --------------------------------------------------------------------------
    @expected
    def province_rollup(self, province_code: str, year: int, district_code: str | None = None) -> dict:
        result = rollups.province_rollup(self.store.engine, self._criteria_sets(), province_code,
                                         year, district_code)
        # a paused year says why it has no assessments, as the board does
        paused = self._handlers().year_pauses(int(year)).pause_for(province_code)
        return {**result, "pause": pauses.public(paused) if paused else None}

    # -- the forms as .xlsx (base64: nameko's JSON serializer carries no bytes) ----------------
    @expected
    def assessment_form(self, commune_code: str, year: int, form: str) -> dict:
        """Mẫu 02 (self-assessment sheet) or Mẫu 07 (appraised sheet) of a commune's year."""
        builders = {"02": exports.form_02, "07": exports.form_07}
        if form not in builders:
            raise ValidationFailed("export.commune_form", {"form": form})
        sets = self._criteria_sets()
        assessment = self._handlers(sets).get(commune_code, year)
        body = self._view(assessment, sets)
        criteria_set = views.find_criteria_set(sets, body["criteria_set_id"],
                                               body["criteria_set_version"])
        content = builders[form](body, criteria_set.to_dict(), unit_names(body))
        return _file(f"mau-{form}-{commune_code}-{year}.xlsx", content)

    @expected
    def rollup_form(self, province_code: str, year: int, district_code: str | None,
                    form: str) -> dict:
        """Mẫu 08 (the decision's lists), Mẫu 09 (the summary report) or Mẫu 10 (the table of
        results per commune) of a province's year."""
        builders = {"08": exports.form_08, "09": exports.form_09, "10": exports.form_10}
        if form not in builders:
            raise ValidationFailed("export.rollup_form", {"form": form})
        result = self.province_rollup(province_code, year, district_code)
        scope = province_code + (f"-{district_code}" if district_code else "")
        return _file(f"mau-{form}-{scope}-{year}.xlsx", builders[form](result))

    # -- paused evaluation years -------------------------------------------------------------
    @expected
    def list_pauses(self, year: int | None = None) -> list[dict]:
        """Every pause in force (of one year when given), the country's before the provinces'."""
        if year is not None:
            return self._handlers().year_pauses(int(year)).to_dict()["pauses"]
        years = sorted({e.data["year"] for e in self.store.query(
            stream_prefix=pauses.STREAM_PREFIX, types=pauses.EVENT_TYPES, limit=100_000)})
        handlers = self._handlers()
        return [p for y in years for p in handlers.year_pauses(y).to_dict()["pauses"]]

    @expected
    @idempotent
    def record_pause(self, year: int, province_code: str | None, legal_basis: str,
                     notice: str | None = None, decided_on: str | None = None,
                     context: dict | None = None) -> dict:
        return self._handlers().record_pause(year, province_code, legal_basis, notice, decided_on,
                                             metadata_from(context, "assessment"))

    @expected
    @idempotent
    def lift_pause(self, year: int, province_code: str | None, reason: str,
                   context: dict | None = None) -> dict:
        return self._handlers().lift_pause(year, province_code, reason,
                                           metadata_from(context, "assessment"))

    # -- the reviewing units' yearly reports (evaluation_reports.py) --------------------------
    @expected
    def evaluation_reports(self, year: int, province_code: str | None = None,
                           district_code: str | None = None, as_of: str | None = None) -> dict:
        """Each report each unit owes in the year, its due date and status as of ``as_of``."""
        sets = self._criteria_sets()
        return self._handlers(sets).year_reports(
            _calendar_of_year(year, sets), year, date.fromisoformat(as_of) if as_of else None,
            province_code, district_code)

    @expected
    @idempotent
    def record_evaluation_report(self, year: int, report_id: str, unit_code: str, sent_on: str,
                                 document_number: str | None = None,
                                 context: dict | None = None) -> dict:
        sets = self._criteria_sets()
        return self._handlers(sets).send_report(
            _calendar_of_year(year, sets), year, report_id, unit_code, sent_on, document_number,
            metadata_from(context, "assessment"))

    @expected
    @idempotent
    def correct_evaluation_report(self, year: int, report_id: str, unit_code: str, sent_on: str,
                                  document_number: str | None, reason: str,
                                  context: dict | None = None) -> dict:
        sets = self._criteria_sets()
        return self._handlers(sets).correct_report(
            _calendar_of_year(year, sets), year, report_id, unit_code, sent_on, document_number,
            reason, metadata_from(context, "assessment"))

    # -- criteria sets ---------------------------------------------------------------------
    @expected
    def list_criteria_sets(self) -> list[dict]:
        published = criteria_sets.published_sets(self.store)
        return [views.criteria_set_summary(s, key in published)
                for key, s in sorted(self._criteria_sets().items())]

    @expected
    def get_criteria_set(self, set_id: str, version: int | None = None) -> dict:
        return views.find_criteria_set(self._criteria_sets(), set_id, version).to_dict()

    @expected
    @idempotent
    def publish_criteria_set(self, document: dict, context: dict | None = None) -> dict:
        published = criteria_sets.publish(self.store, document, metadata_from(context, "assessment"))
        return views.criteria_set_summary(published, True)

    def _criteria_sets(self):
        return criteria_sets.all_sets(self.store)

    def _handlers(self, sets=None) -> AssessmentHandlers:
        sets = sets if sets is not None else self._criteria_sets()
        return AssessmentHandlers(
            self.store,
            catalogue_for=lambda set_id, version: CriteriaSetCatalogue(
                views.find_criteria_set(sets, set_id, version)),
            criteria_set_for_year=lambda year: set_for_year(year, sets).key,
            survey_result_for=result_for,
        )


def _calendar_of_year(year: int, sets) -> RegimeCalendar:
    """The calendar of the criteria set in force for the year (published versions included)."""
    criteria_set = set_for_year(int(year), sets)
    return RegimeCalendar.from_dict(criteria_set.id, criteria_set.calendar.to_dict())


def _file(file_name: str, content: bytes) -> dict:
    return {"file_name": file_name, "media_type": exports.MIME_TYPE,
            "content_base64": base64.b64encode(content).decode("ascii")}


def unit_names(body: dict) -> dict:
    """Names of the commune, its district (years up to 2024) and province in the year."""
    code, year, district = body["commune_code"], body["year"], body.get("district_code")
    commune_name = district_name = None
    if district is not None:
        commune_name = next((c.name for c in units.legacy_communes(district, year)
                             if c.code == code), None)
        district_name = next((d.name for d in units.legacy_districts(body["province_code"], year)
                              if d.code == district), None)
    current = units.commune(code)
    if commune_name is None and current is not None:
        commune_name = current.name
    province = units.province(body["province_code"])
    return {"commune_name": commune_name, "district_name": district_name,
            "province_name": province.name if province else None}

"""The commune's steps: self-assessment, public posting, dossier and supplements."""

from __future__ import annotations

from datetime import date, datetime

from kernel.errors import IllegalTransition, ValidationFailed, YearPaused
from kernel.events import NewEvent
from kernel.messages import in_both
from rules.assessment import names as n
from rules.deadlines import RegimeCalendar, calendar_for
from services.assessment.reviewing_levels import LAST_DISTRICT_YEAR
from services.assessment.workflow import values as v
from services.assessment.workflow.base import AssessmentBase
from services.assessment.workflow.catalogue import CriteriaCatalogue
from services.assessment.workflow.dates import vi

_UNITS = {"calendar_days": in_both("ngày", "calendar days"),
          "working_days": in_both("ngày làm việc", "working days")}

FIRST_YEAR, LAST_YEAR = 2017, 2100


class CommuneSteps(AssessmentBase):
    def open(self, commune_code: str, province_code: str, district_code: str | None, year: int,
             criteria_set_id: str, criteria_set_version: str | int,
             reviewing_level: str, calendar: dict | None = None,
             paused: dict | None = None) -> list[NewEvent]:
        """Open the year's assessment under a set version; ``calendar`` is that version's
        deadlines (the built-in set's when not given), ``paused`` the notice when the year
        was paused for the commune's province or the country."""
        self._guard("open")
        details = self._details(commune_code=commune_code, year=year)
        commune_code = v.required_text(commune_code, "commune_code", details)
        province_code = v.required_text(province_code, "province_code", details)
        if district_code is not None:
            district_code = v.required_text(district_code, "district_code", details)
        if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValidationFailed("value.year_range", {**details, "field": "year"},
                                   {"first": FIRST_YEAR, "last": LAST_YEAR})
        if paused is not None:
            raise YearPaused("assessment.year_paused", {**details, "field": "year",
                                                        "pause": paused},
                             {"year": year, "scope": paused["scope_vi"],
                              "basis": paused["legal_basis"]})
        try:
            regime = (calendar_for(criteria_set_id) if calendar is None
                      else RegimeCalendar.from_dict(criteria_set_id, calendar))
        except ValidationFailed as error:
            raise ValidationFailed(error.key or error.message, {**details, **error.details,
                                                                "field": "criteria_set_id"},
                                   error.params) from None
        if isinstance(criteria_set_version, bool) or not isinstance(criteria_set_version, (str, int)) \
                or criteria_set_version == "":
            raise ValidationFailed("assessment.set_version_needed", {**details, "field": "criteria_set_version"})
        v.one_of(reviewing_level, n.REVIEWING_LEVELS, "reviewing_level", details)
        if reviewing_level == "district":
            if year > LAST_DISTRICT_YEAR:
                raise ValidationFailed("assessment.no_districts_from_2025", {**details, "field": "reviewing_level"})
            if district_code is None:
                raise ValidationFailed("assessment.district_code_needed", {**details, "field": "district_code"})
        return [NewEvent(n.ASSESSMENT_OPENED, {
            "commune_code": commune_code, "year": year, "province_code": province_code,
            "district_code": district_code, "criteria_set_id": criteria_set_id,
            "criteria_set_version": criteria_set_version, "reviewing_level": reviewing_level,
            "calendar": {k: v for k, v in regime.to_dict().items() if k != "criteria_set_id"}})]

    def record_figures(self, indicator_id: str, figures: dict,
                       catalogue: CriteriaCatalogue) -> list[NewEvent]:
        """Record (or replace) an indicator's figures; its evidence files stay (they are
        attached and removed by the evidence commands)."""
        self._guard("record_figures")
        details = self._details(indicator_id=indicator_id)
        self._known_indicator(catalogue, indicator_id)
        if self.survey_fed(indicator_id):
            # One source for the figure: the survey's result, replaced only by a later one.
            raise ValidationFailed("assessment.figures_from_survey",
                                   {**details, "field": "indicator_id",
                                    "campaign_id": self._s.survey["result"]["campaign_id"]},
                                   {"indicator_id": indicator_id,
                                    "campaign_id": self._s.survey["result"]["campaign_id"]})
        stored = v.json_figures(figures, details)
        try:
            catalogue.validate_figures(indicator_id, figures)
        except ValidationFailed as error:
            raise ValidationFailed(error.key or error.message, {**error.details, **details},
                                   error.params) from None
        return [self._event(n.FIGURES_RECORDED, {"indicator_id": indicator_id, "figures": stored})]

    def record_indicators_figures(self, figures: dict,
                                  catalogue: CriteriaCatalogue) -> list[NewEvent]:
        """Several indicators' figures in one act (a criterion's form sends them together):
        recorded in one append, or none when any is refused (the refusal names it)."""
        if not isinstance(figures, dict) or not figures:
            raise ValidationFailed("assessment.indicators_needed",
                                   self._details(field="figures"))
        return [event for indicator_id, given in figures.items()
                for event in self.record_figures(indicator_id, given, catalogue)]

    def declare_conditions(self, declarations: dict, catalogue: CriteriaCatalogue,
                           commune_class: str | None = None) -> list[NewEvent]:
        """The commune's declarations for the regime's declared conditions (e.g. that no head
        of the commune was disciplined in the year), and for 619/2017 its class (I, II, III).

        Declaring again replaces the earlier declaration.
        """
        self._guard("declare_conditions")
        details = self._details()
        if not isinstance(declarations, dict):
            raise ValidationFailed("assessment.declarations_object", {**details, "field": "declarations"})
        condition_ids = getattr(catalogue, "condition_ids", None)
        known = set(condition_ids()) if condition_ids else set(declarations)
        unknown = sorted(k for k in declarations if k not in known)
        if unknown:
            raise ValidationFailed("assessment.unknown_conditions", {**details, "field": "declarations", "unknown": unknown, "known": sorted(known)})
        not_bool = sorted(k for k, value in declarations.items() if not isinstance(value, bool))
        if not_bool:
            raise ValidationFailed("assessment.declaration_not_bool", {**details, "field": "declarations", "invalid": not_bool})
        if commune_class is not None:
            v.one_of(commune_class, n.COMMUNE_CLASSES, "commune_class", details)
        return [self._event(n.CONDITIONS_DECLARED, {"declarations": dict(declarations),
                                                    "commune_class": commune_class})]

    def submit_self_assessment(self, catalogue: CriteriaCatalogue,
                               submitted_on: date | datetime | None = None) -> list[NewEvent]:
        """Without ``submitted_on`` the step is recorded undated, as before dates were kept."""
        self._guard("submit_self_assessment")
        indicator_ids = list(catalogue.indicator_ids())
        missing = [i for i in indicator_ids if i not in self._s.figures]
        if missing:
            raise ValidationFailed("assessment.figures_missing", self._details(missing=missing),
                                   {"count": len(missing)})
        if submitted_on is not None:
            submitted_on = self._step_day(submitted_on, "submit_self_assessment")
        return [self._event(n.SELF_ASSESSMENT_SUBMITTED, {
            "indicator_ids": indicator_ids,
            "submitted_on": submitted_on.isoformat() if submitted_on else None})]

    def reopen_self_assessment(self, reason: str,
                               reopened_on: date | datetime) -> list[NewEvent]:
        """Take a submitted self-assessment back to drafting to correct it: only before its
        public posting starts (what was posted is what citizens commented on), with a reason."""
        if self._s.posting is not None:
            raise IllegalTransition(
                "reopen.after_posting",
                self._details(command="reopen_self_assessment",
                              allowed=list(self.allowed_commands),
                              posting_start=self._s.posting["start"]),
                {"posting_start": in_both(vi(self._s.posting["start"]),
                                          self._s.posting["start"])})
        if self._s.state in (n.NEW, n.DRAFTING):
            raise IllegalTransition(
                "reopen.not_submitted",
                self._details(command="reopen_self_assessment",
                              allowed=list(self.allowed_commands)))
        self._guard("reopen_self_assessment")
        details = self._details()
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationFailed("reopen.reason_needed", {**details, "field": "reason"})
        reopened_on = self._step_day(reopened_on, "reopen_self_assessment")
        reopened = [self._event(n.SELF_ASSESSMENT_REOPENED, {
            "reason": reason.strip(), "reopened_on": reopened_on.isoformat()})]
        # A survey result held back while it was submitted is taken now, in the same append.
        return reopened + self.apply(reopened).held_survey_result()

    def start_posting(self, start: date | datetime, channel: str) -> list[NewEvent]:
        self._guard("start_posting")
        details = self._details()
        start = self._step_day(start, "start_posting")
        v.one_of(channel, n.CHANNELS, "channel", details)
        calendar = self.calendar
        provisional = "posting_minimum" in calendar.provisional
        return [self._event(n.POSTING_STARTED, {
            "start": start.isoformat(), "channel": channel,
            "minimum_end": calendar.posting_minimum_end(start).isoformat(),
            "minimum": calendar.posting_minimum, "unit": calendar.posting_unit,
            "provisional": provisional})]

    def record_comment(self, comment_id: str, text: str, received_on: date | datetime,
                       author: str | None = None) -> list[NewEvent]:
        self._guard("record_comment")
        details = self._details(comment_id=comment_id)
        comment_id = v.required_text(comment_id, "comment_id", details)
        if comment_id in self._s.posting["comments"]:
            raise ValidationFailed("comment.exists", details, {"comment_id": comment_id})
        received_on = self._step_day(received_on, "record_comment")
        return [self._event(n.COMMENT_RECORDED, {
            "comment_id": comment_id, "text": v.required_text(text, "text", details),
            "received_on": received_on.isoformat(),
            "author": None if author is None else v.required_text(author, "author", details)})]

    def answer_comment(self, comment_id: str, answer: str,
                       answered_on: date | datetime) -> list[NewEvent]:
        self._guard("answer_comment")
        details = self._details(comment_id=comment_id)
        comment = self._s.posting["comments"].get(comment_id)
        if comment is None:
            raise ValidationFailed("comment.not_found", details, {"comment_id": comment_id})
        if comment["answer"] is not None:
            raise ValidationFailed("comment.answered", details, {"comment_id": comment_id})
        answered_on = self._step_day(answered_on, "answer_comment")
        return [self._event(n.COMMENT_ANSWERED, {
            "comment_id": comment_id, "answer": v.required_text(answer, "answer", details),
            "answered_on": answered_on.isoformat()})]

    def end_posting(self, today: date | datetime) -> list[NewEvent]:
        self._guard("end_posting")
        today = self._step_day(today, "end_posting")
        minimum_end = self._s.posting["minimum_end"]
        if today < date.fromisoformat(minimum_end):
            raise IllegalTransition(
                "posting.too_early",
                self._details(command="end_posting", allowed=list(self.allowed_commands),
                              minimum_end=minimum_end, today=today.isoformat()),
                {"minimum_end": in_both(vi(minimum_end), minimum_end),
                 "ends_on": in_both(vi(today), today.isoformat()),
                 "minimum": self._s.posting["minimum"],
                 "unit": _UNITS.get(self._s.posting["unit"], self._s.posting["unit"])})
        return [self._event(n.POSTING_ENDED, {"ended_on": today.isoformat()})]

    def submit_dossier(self, submitted_on: date | datetime,
                       requests_recognition: bool = True) -> list[NewEvent]:
        """Late dossiers are accepted and marked late; so are those not asking for recognition."""
        self._guard("submit_dossier")
        details = self._details()
        submitted_on = self._step_day(submitted_on, "submit_dossier")
        if not isinstance(requests_recognition, bool):
            raise ValidationFailed("assessment.recognition_request_bool", {**details, "field": "requests_recognition"})
        unanswered = [c for c, comment in self._s.posting["comments"].items()
                      if comment["answer"] is None]
        if unanswered:
            raise ValidationFailed("comment.unanswered", {**details, "unanswered": unanswered})
        due_before = self.calendar.dossier_due(self._s.identity["year"])
        return [self._event(n.DOSSIER_SUBMITTED_EVENT, {
            "submitted_on": submitted_on.isoformat(), "due_before": due_before.isoformat(),
            "late": submitted_on >= due_before, "requests_recognition": requests_recognition})]

    def provide_supplement(self, provided_on: date | datetime, note: str) -> list[NewEvent]:
        self._guard("provide_supplement")
        details = self._details()
        provided_on = self._step_day(provided_on, "provide_supplement")
        request = self._s.supplements[-1]
        return [self._event(n.SUPPLEMENT_PROVIDED, {
            "number": request["number"], "provided_on": provided_on.isoformat(),
            "late": provided_on > date.fromisoformat(request["due"]),
            "note": v.required_text(note, "note", details)})]

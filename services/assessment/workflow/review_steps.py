"""The reviewing authority's steps: check, council appraisal, decision and revocation."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from kernel.errors import ValidationFailed
from kernel.events import NewEvent
from rules.assessment import names as n
from services.assessment.workflow import values as v
from services.assessment.workflow.base import AssessmentBase
from services.assessment.workflow.catalogue import CriteriaCatalogue


def quorum(council_size: int) -> int:
    """Members who must attend a meeting: two thirds, rounded up (10 of 15, 4 of 5)."""
    return -(-2 * council_size // 3)


class ReviewSteps(AssessmentBase):
    def pass_check(self, checked_on: date | datetime) -> list[NewEvent]:
        self._guard("pass_check")
        checked_on = self._step_day(checked_on, "pass_check")
        return [self._event(n.DOSSIER_CHECK_PASSED, {"checked_on": checked_on.isoformat()})]

    def request_supplement(self, reason: str, requested_on: date | datetime) -> list[NewEvent]:
        self._guard("request_supplement")
        details = self._details()
        requested_on = self._step_day(requested_on, "request_supplement")
        return [self._event(n.SUPPLEMENT_REQUESTED_EVENT, {
            "number": len(self._s.supplements) + 1,
            "reason": v.required_text(reason, "reason", details),
            "requested_on": requested_on.isoformat(),
            "due": self.calendar.supplement_due(requested_on).isoformat()})]

    def start_appraisal(self, started_on: date | datetime, council_size: int,
                        method: str) -> list[NewEvent]:
        self._guard("start_appraisal")
        details = self._details()
        started_on = self._step_day(started_on, "start_appraisal")
        if isinstance(council_size, bool) or not isinstance(council_size, int) \
                or not 1 <= council_size <= n.MAX_COUNCIL_SIZE:
            raise ValidationFailed("council.size", {**details, "field": "council_size",
                                                    "value": repr(council_size)},
                                   {"max": n.MAX_COUNCIL_SIZE})
        v.one_of(method, n.APPRAISAL_METHODS, "method", details)
        return [self._event(n.APPRAISAL_STARTED, {"started_on": started_on.isoformat(),
                                                  "council_size": council_size, "method": method})]

    def record_opinion(self, member_name: str, role: str, opinion: str, given_by: str,
                       given_on: date | datetime | None = None) -> list[NewEvent]:
        """One opinion per member; ``given_by`` is "meeting" (present) or "writing";
        ``given_on`` the meeting's day or the written opinion's (undated when not given)."""
        self._guard("record_opinion")
        details = self._details(member_name=member_name)
        member_name = v.required_text(member_name, "member_name", details)
        opinions = self._s.appraisal["opinions"]
        if any(o["member_name"] == member_name for o in opinions):
            raise ValidationFailed("council.member_already", details, {"member_name": member_name})
        if len(opinions) >= self._s.appraisal["council_size"]:
            raise ValidationFailed("council.all_given", {**details, "council_size": self._s.appraisal["council_size"]})
        v.one_of(given_by, n.OPINION_FORMS, "given_by", details)
        if given_by == "meeting" and self._s.appraisal["method"] == "written":
            raise ValidationFailed("council.written_no_meeting", {**details, "field": "given_by"})
        role = v.required_text(role, "role", details)
        opinion = v.required_text(opinion, "opinion", details)
        if given_on is not None:
            given_on = self._step_day(given_on, "record_opinion")
        return [self._event(n.OPINION_RECORDED, {
            "member_name": member_name, "role": role, "opinion": opinion, "given_by": given_by,
            "given_on": given_on.isoformat() if given_on else None})]

    def appraise_indicator(self, indicator_id: str, points: Decimal | str | None = None,
                           reason: str = "", catalogue: CriteriaCatalogue | None = None,
                           achieved: bool | None = None) -> list[NewEvent]:
        """Record (or replace, until the appraisal is completed) the council's score: points,
        or for a pass/fail indicator (``catalogue.is_pass_fail``) achieved or not."""
        self._guard("appraise_indicator")
        details = self._details(indicator_id=indicator_id)
        self._known_indicator(catalogue, indicator_id)
        pass_fail = getattr(catalogue, "is_pass_fail", None)
        if pass_fail is not None and pass_fail(indicator_id):
            if points is not None or not isinstance(achieved, bool):
                raise ValidationFailed("appraisal.pass_fail", {**details, "field": "achieved"},
                                       {"indicator_id": indicator_id})
            return [self._event(n.INDICATOR_APPRAISED, {
                "indicator_id": indicator_id, "points": None, "achieved": achieved,
                "reason": v.required_text(reason, "reason", details)})]
        if achieved is not None:
            raise ValidationFailed("appraisal.points_not_achieved",
                                   {**details, "field": "achieved"}, {"indicator_id": indicator_id})
        value = v.points(points, "points", details)
        maximum = Decimal(catalogue.indicator_max(indicator_id))
        if not Decimal(0) <= value <= maximum:
            raise ValidationFailed("appraisal.points_range",
                                   {**details, "points": str(value), "max": str(maximum)},
                                   {"indicator_id": indicator_id})
        return [self._event(n.INDICATOR_APPRAISED, {
            "indicator_id": indicator_id, "points": str(value),
            "reason": v.required_text(reason, "reason", details)})]

    def appraise_indicators(self, scores: dict,
                            catalogue: CriteriaCatalogue) -> list[NewEvent]:
        """The council's scores of several indicators in one act ({indicator: {points or
        achieved, reason}}): recorded in one append, or none when any is refused."""
        if not isinstance(scores, dict) or not scores:
            raise ValidationFailed("assessment.indicators_needed", self._details(field="scores"))
        events = []
        for indicator_id, given in scores.items():
            given = given if isinstance(given, dict) else {}
            events += self.appraise_indicator(indicator_id, given.get("points"),
                                              given.get("reason", ""), catalogue,
                                              given.get("achieved"))
        return events

    def complete_appraisal(self, completed_on: date | datetime,
                           catalogue: CriteriaCatalogue) -> list[NewEvent]:
        self._guard("complete_appraisal")
        details = self._details()
        completed_on = self._step_day(completed_on, "complete_appraisal")
        appraisal = self._s.appraisal
        missing = [i for i in catalogue.indicator_ids() if i not in appraisal["scores"]]
        if missing:
            raise ValidationFailed("appraisal.missing", {**details, "missing": missing},
                                   {"count": len(missing)})
        if not appraisal["opinions"]:
            raise ValidationFailed("appraisal.no_opinion", details)
        present = sum(1 for o in appraisal["opinions"] if o["given_by"] == "meeting")
        quorum_met = None
        if appraisal["method"] == "meeting":
            needed = quorum(appraisal["council_size"])
            quorum_met = present >= needed
            if not quorum_met:
                raise ValidationFailed("appraisal.quorum", {**details, "present": present, "needed": needed,
                     "council_size": appraisal["council_size"]})
        points = [s["points"] for s in appraisal["scores"].values() if s["points"] is not None]
        total = sum((Decimal(p) for p in points), Decimal("0.00"))
        return [self._event(n.APPRAISAL_COMPLETED, {
            "completed_on": completed_on.isoformat(),
            # a pass/fail set has no total
            "total": str(total.quantize(v.TWO_PLACES)) if points else None,
            "present": present, "quorum_met": quorum_met})]

    def decide(self, recognised: bool, decision_number: str,
               decision_date: date | datetime) -> list[NewEvent]:
        """The chairman's decision; one signed on or after the deadline is recorded as late."""
        self._guard("decide")
        details = self._details()
        if not isinstance(recognised, bool):
            raise ValidationFailed("decision.recognised_bool", {**details, "field": "recognised"})
        # not before the council's appraisal was completed: the step it follows
        decision_date = self._step_day(decision_date, "decide")
        calendar = self.calendar
        due_before = calendar.decision_due(self._s.identity["year"])
        return [self._event(n.RECOGNITION_DECIDED, {
            "recognised": recognised,
            "decision_number": v.required_text(decision_number, "decision_number", details),
            "decision_date": decision_date.isoformat(), "due_before": due_before.isoformat(),
            "late": decision_date >= due_before,
            "publication_due": calendar.publication_due(decision_date).isoformat()})]

    def revoke(self, reason: str, revoked_on: date | datetime,
               decision_number: str | None = None) -> list[NewEvent]:
        self._guard("revoke")
        details = self._details()
        revoked_on = self._step_day(revoked_on, "revoke")
        return [self._event(n.RECOGNITION_REVOKED, {
            "reason": v.required_text(reason, "reason", details),
            "revoked_on": revoked_on.isoformat(),
            "decision_number": None if decision_number is None
            else v.required_text(decision_number, "decision_number", details)})]

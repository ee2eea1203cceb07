"""What every command of the assessment shares: the state guard, error details and events."""

from __future__ import annotations

from datetime import date, datetime

from kernel import clock
from kernel.errors import IllegalTransition, ValidationFailed
from kernel.events import NewEvent
from kernel.messages import in_both
from rules.assessment import names as n
from rules.assessment.state import AssessmentState
from rules.deadlines import RegimeCalendar, calendar_of
from services.assessment.workflow.catalogue import CriteriaCatalogue
from services.assessment.workflow.dates import step_day

_EVIDENCE_STEPS = {n.ATTACH_EVIDENCE: "Đính kèm tệp minh chứng",
                   n.REMOVE_EVIDENCE: "Gỡ tệp minh chứng"}


class AssessmentBase:
    _s: AssessmentState
    _today: date | None = None

    @property
    def today(self) -> date:
        """The day no step may be dated after: the one given when the assessment was loaded
        (a test's clock), else today in Vietnam."""
        return self._today or clock.today()

    @property
    def state(self) -> str:
        return self._s.state

    @property
    def status(self) -> str:
        return n.STATES[self._s.state][0]

    @property
    def allowed_commands(self) -> tuple[str, ...]:
        return n.allowed_commands(self._s.state)

    @property
    def calendar(self) -> RegimeCalendar:
        return calendar_of({**self._s.identity, "calendar": self._s.calendar})

    def _details(self, **extra) -> dict:
        identity = {key: self._s.identity[key] for key in ("commune_code", "year")
                    if key in self._s.identity}
        return {**identity, "state": self._s.state, **extra}

    def _guard(self, command: str) -> None:
        """Refuse a command the current state does not allow, naming the ones it does."""
        if command in self.allowed_commands:
            return
        allowed = list(self.allowed_commands)
        from services.assessment.workflow.next_steps import STEPS  # it imports the steps
        steps = {**{c: label for c, (_role, label) in STEPS.items()}, **_EVIDENCE_STEPS}
        possible = in_both(", ".join(f"“{steps[c]}”" if c in steps else c for c in allowed),
                           ", ".join(allowed))
        raise IllegalTransition(
            "assessment.step_not_possible" if allowed else "assessment.nothing_more",
            self._details(command=command, allowed=allowed),
            {"status": in_both(n.STATUS_VI[self._s.state], self.status), "possible": possible,
             "step": steps.get(command, command)})

    def _event(self, event_type: str, data: dict) -> NewEvent:
        identity = {key: self._s.identity[key] for key in ("commune_code", "year")}
        return NewEvent(event_type, {**identity, **data})

    def _step_day(self, value: date | datetime, command: str) -> date:
        """The command's date: not after today, not before the latest dated step."""
        previous = (self._s.last_step, self._s.last_date) if self._s.last_date else None
        return step_day(value, command, self.today, previous, self._details())

    def _known_indicator(self, catalogue: CriteriaCatalogue, indicator_id: str) -> None:
        if indicator_id not in set(catalogue.indicator_ids()):
            raise ValidationFailed("assessment.indicator_not_in_set",
                                   self._details(indicator_id=indicator_id),
                                   {"set_id": self._s.identity["criteria_set_id"],
                                    "version": self._s.identity["criteria_set_version"]})

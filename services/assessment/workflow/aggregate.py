"""One commune's assessment for one evaluation year, from opening to recognition."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import date

from kernel.events import NewEvent, RecordedEvent
from rules.assessment import names as n
from rules.assessment.state import AssessmentState, evolve
from services.assessment.workflow import next_steps
from services.assessment.workflow.catalogue import CriteriaCatalogue
from services.assessment.workflow.commune_steps import CommuneSteps
from services.assessment.workflow.evidence_steps import EvidenceSteps
from services.assessment.workflow.review_steps import ReviewSteps, quorum
from services.assessment.workflow.survey_steps import SurveySteps


class CommuneAssessment(CommuneSteps, EvidenceSteps, ReviewSteps, SurveySteps):
    """Commands check the rules and return new events; they never change the assessment.

    Who may run a command is the gateway's business; who did is in the events' metadata.
    """

    def __init__(self, state: AssessmentState | None = None, today: date | None = None):
        """``today``: the day no step may be dated after; None reads Vietnam's clock."""
        self._s = state or AssessmentState()
        self._today = today

    @classmethod
    def from_events(cls, events: Iterable[RecordedEvent],
                    today: date | None = None) -> CommuneAssessment:
        state = AssessmentState()
        for event in events:
            evolve(state, event.type, event.data)
            state.version = event.version
        return cls(state, today)

    def apply(self, new_events: Iterable[NewEvent]) -> CommuneAssessment:
        """The assessment as it will be once ``new_events`` are stored; this one is unchanged."""
        state = copy.deepcopy(self._s)
        for event in new_events:
            evolve(state, event.type, event.data)
        return CommuneAssessment(state, self._today)

    def next_steps(self, catalogue: CriteriaCatalogue | None = None,
                   reviewing_level: str | None = None) -> list[dict]:
        """What can happen next, who does it, between which dates and what is missing
        (services/assessment/workflow/next_steps.py)."""
        return next_steps.steps(self._s, self.today, catalogue, reviewing_level)

    def deadlines(self) -> list[dict]:
        return next_steps.deadlines(self._s, self.today)

    @property
    def version(self) -> int:
        return self._s.version

    @property
    def commune_code(self) -> str | None:
        return self._s.identity.get("commune_code") if self._s.identity else None

    @property
    def year(self) -> int | None:
        return self._s.identity.get("year") if self._s.identity else None

    @property
    def stream(self) -> str | None:
        identity = self._s.identity
        return n.stream_name(identity["commune_code"], identity["year"]) if identity else None

    def to_dict(self) -> dict:
        s = copy.deepcopy(self._s)
        posting = s.posting and {**s.posting, "comments": list(s.posting["comments"].values())}
        appraisal = s.appraisal and {
            **s.appraisal, "quorum": quorum(s.appraisal["council_size"])
            if s.appraisal["method"] == "meeting" else None}
        return {
            **s.identity, "stream": self.stream, "version": s.version, "state": s.state,
            "status": self.status, "status_vi": n.STATUS_VI[s.state],
            "allowed_commands": list(self.allowed_commands),
            "figures": s.figures, "evidence": s.evidence, "self_assessment": s.self_assessment,
            "reopenings": s.reopenings,
            "posting": posting, "dossier": s.dossier, "check": s.check,
            "supplements": s.supplements, "appraisal": appraisal, "decision": s.decision,
            "revocation": s.revocation, "declarations": s.declarations,
            "commune_class": s.commune_class,
            "survey_result": s.survey, "survey_result_held": s.survey_held,
        }

"""Evidence files of an indicator: attached after upload, removed while still a draft.

The file itself is kept by the store (storage/) under its SHA-256; the assessment records
that it backs an indicator, with what the gateway found when it arrived: its name as given,
its media type by content, its size, its SHA-256 and, for a PDF, the signature report.
Removing a file records only that it no longer backs the indicator: the stored file stays.
"""

from __future__ import annotations

from datetime import datetime

from contracts.assessment import EvidenceAlreadyAttached
from kernel.errors import NotFound
from kernel.events import NewEvent
from rules.assessment import names as n
from services.assessment.workflow import values as v
from services.assessment.workflow.base import AssessmentBase
from services.assessment.workflow.catalogue import CriteriaCatalogue


class EvidenceSteps(AssessmentBase):
    def attach_evidence(self, indicator_id: str, file: dict, catalogue: CriteriaCatalogue,
                        uploaded_by: str, uploaded_at: datetime) -> list[NewEvent]:
        """One more file backing the indicator. In answer to a supplement request the file
        carries the request's number."""
        self._guard(n.ATTACH_EVIDENCE)
        details = self._details(indicator_id=indicator_id)
        self._known_indicator(catalogue, indicator_id)
        checked = v.evidence_file(file, details)
        for kept in self._s.evidence.get(indicator_id, []):
            if kept.get("sha256") == checked["sha256"]:
                raise EvidenceAlreadyAttached("evidence.already_attached", {**details, "sha256": checked["sha256"], "file_name": kept["file_name"]})
        supplement = (self._s.supplements[-1]["number"]
                      if self._s.state == n.SUPPLEMENT_REQUESTED else None)
        return [self._event(n.EVIDENCE_ATTACHED, {
            "indicator_id": indicator_id, **checked,
            "uploaded_by": v.required_text(uploaded_by, "uploaded_by", details),
            "uploaded_at": uploaded_at.isoformat(timespec="seconds"),
            "supplement": supplement})]

    def remove_evidence(self, indicator_id: str, sha256: str) -> list[NewEvent]:
        self._guard(n.REMOVE_EVIDENCE)
        details = self._details(indicator_id=indicator_id, sha256=sha256)
        kept = next((f for f in self._s.evidence.get(indicator_id, [])
                     if f.get("sha256") == sha256), None)
        if kept is None:
            raise NotFound("evidence.not_found", details)
        return [self._event(n.EVIDENCE_REMOVED, {"indicator_id": indicator_id, "sha256": sha256,
                                                 "file_name": kept["file_name"]})]

"""The assessment as its events left it: every field is plain JSON taken from event data."""

from __future__ import annotations

from dataclasses import dataclass, field

from rules.assessment import names as n


@dataclass
class AssessmentState:
    version: int = 0
    state: str = n.NEW
    identity: dict = field(default_factory=dict)
    calendar: dict | None = None  # the set's deadlines when opened (absent in older events)
    figures: dict = field(default_factory=dict)
    evidence: dict = field(default_factory=dict)
    self_assessment: dict | None = None
    posting: dict | None = None
    dossier: dict | None = None
    check: dict | None = None
    supplements: list = field(default_factory=list)
    appraisal: dict | None = None
    decision: dict | None = None
    revocation: dict | None = None
    declarations: dict = field(default_factory=dict)
    commune_class: str | None = None
    reopenings: list = field(default_factory=list)
    # The survey result the survey-fed indicator is scored from ({indicator_id, result,
    # figures}), and one that arrived when the state allowed no change (held until the
    # self-assessment is a draft again).
    survey: dict | None = None
    survey_held: dict | None = None
    last_date: str | None = None  # the latest dated step, so that no step goes back in time
    last_step: str | None = None  # the command that dated it, to name it in a refusal


def _dated(s: AssessmentState, command: str, day: str | None) -> None:
    if day is not None:  # a self-assessment or opinion recorded without a date dates nothing
        s.last_date, s.last_step = day, command


def _opened(s: AssessmentState, data: dict) -> None:
    s.identity = {key: data[key] for key in (
        "commune_code", "province_code", "district_code", "year", "criteria_set_id",
        "criteria_set_version", "reviewing_level")}
    s.calendar = data.get("calendar")
    s.state = n.DRAFTING


def _figures(s: AssessmentState, data: dict) -> None:
    s.figures[data["indicator_id"]] = data["figures"]
    if "evidence" in data:  # recorded before uploads existed: files typed in with the figures
        # A copy: a later upload appends to it, and a read model folding a batch keeps this
        # state in memory, where the event's own data must stay as it was verified.
        s.evidence[data["indicator_id"]] = list(data["evidence"])


# What the assessment keeps of an uploaded file (the event also names its indicator).
EVIDENCE_FIELDS = ("file_name", "media_type", "size", "sha256", "signatures", "uploaded_by",
                   "uploaded_at", "supplement")


def _evidence_attached(s: AssessmentState, data: dict) -> None:
    s.evidence.setdefault(data["indicator_id"], []).append(
        {key: data[key] for key in EVIDENCE_FIELDS})


def _evidence_removed(s: AssessmentState, data: dict) -> None:
    s.evidence[data["indicator_id"]] = [file for file in s.evidence.get(data["indicator_id"], [])
                                        if file["sha256"] != data["sha256"]]


def _self_assessed(s: AssessmentState, data: dict) -> None:
    s.self_assessment = {"indicator_ids": data["indicator_ids"],
                         "submitted_on": data.get("submitted_on")}
    _dated(s, "submit_self_assessment", data.get("submitted_on"))
    s.state = n.SELF_ASSESSED


def _reopened(s: AssessmentState, data: dict) -> None:
    # .get: read models keep states stored before submissions had a date
    s.reopenings.append({"reason": data["reason"], "reopened_on": data["reopened_on"],
                         "submitted_on": s.self_assessment.get("submitted_on")})
    s.self_assessment = None
    _dated(s, "reopen_self_assessment", data["reopened_on"])
    s.state = n.DRAFTING


def _posting_started(s: AssessmentState, data: dict) -> None:
    s.posting = {key: data[key] for key in ("start", "channel", "minimum_end", "minimum",
                                            "unit", "provisional")}
    s.posting.update(ended_on=None, comments={})
    _dated(s, "start_posting", data["start"])
    s.state = n.POSTING


def _comment(s: AssessmentState, data: dict) -> None:
    s.posting["comments"][data["comment_id"]] = {
        "comment_id": data["comment_id"], "received_on": data["received_on"],
        "author": data["author"], "text": data["text"], "answer": None, "answered_on": None}
    _dated(s, "record_comment", data["received_on"])


def _answer(s: AssessmentState, data: dict) -> None:
    s.posting["comments"][data["comment_id"]].update(answer=data["answer"],
                                                     answered_on=data["answered_on"])
    _dated(s, "answer_comment", data["answered_on"])


def _posting_ended(s: AssessmentState, data: dict) -> None:
    s.posting["ended_on"] = data["ended_on"]
    _dated(s, "end_posting", data["ended_on"])
    s.state = n.POSTED


def _dossier(s: AssessmentState, data: dict) -> None:
    s.dossier = {key: data[key] for key in ("submitted_on", "due_before", "late",
                                            "requests_recognition")}
    _dated(s, "submit_dossier", data["submitted_on"])
    s.state = n.DOSSIER_SUBMITTED


def _check_passed(s: AssessmentState, data: dict) -> None:
    s.check = {"passed_on": data["checked_on"]}
    _dated(s, "pass_check", data["checked_on"])
    s.state = n.CHECKED


def _supplement_requested(s: AssessmentState, data: dict) -> None:
    s.supplements.append({"number": data["number"], "reason": data["reason"],
                          "requested_on": data["requested_on"], "due": data["due"],
                          "provided_on": None, "late": None, "note": None})
    _dated(s, "request_supplement", data["requested_on"])
    s.state = n.SUPPLEMENT_REQUESTED


def _supplement_provided(s: AssessmentState, data: dict) -> None:
    s.supplements[-1].update(provided_on=data["provided_on"], late=data["late"], note=data["note"])
    _dated(s, "provide_supplement", data["provided_on"])
    s.state = n.DOSSIER_SUBMITTED  # back with the justice office, which checks again


def _appraisal_started(s: AssessmentState, data: dict) -> None:
    s.appraisal = {"started_on": data["started_on"], "council_size": data["council_size"],
                   "method": data["method"], "opinions": [], "scores": {},
                   "completed_on": None, "total": None, "present": None, "quorum_met": None}
    _dated(s, "start_appraisal", data["started_on"])
    s.state = n.UNDER_APPRAISAL


def _opinion(s: AssessmentState, data: dict) -> None:
    s.appraisal["opinions"].append({**{key: data[key] for key in ("member_name", "role", "opinion",
                                                                  "given_by")},
                                    "given_on": data.get("given_on")})
    _dated(s, "record_opinion", data.get("given_on"))


def _appraised(s: AssessmentState, data: dict) -> None:
    score = {"points": data["points"], "reason": data["reason"]}
    if "achieved" in data:  # pass/fail sets: achieved or not, no points
        score["achieved"] = data["achieved"]
    s.appraisal["scores"][data["indicator_id"]] = score


def _appraisal_completed(s: AssessmentState, data: dict) -> None:
    s.appraisal.update({key: data[key] for key in ("completed_on", "total", "present",
                                                   "quorum_met")})
    _dated(s, "complete_appraisal", data["completed_on"])
    s.state = n.APPRAISED


def _decided(s: AssessmentState, data: dict) -> None:
    s.decision = {key: data[key] for key in ("recognised", "decision_number", "decision_date",
                                             "due_before", "late", "publication_due")}
    _dated(s, "decide", data["decision_date"])
    s.state = n.RECOGNISED if data["recognised"] else n.NOT_RECOGNISED


def _declared(s: AssessmentState, data: dict) -> None:
    s.declarations = dict(data["declarations"])
    s.commune_class = data["commune_class"]


def _revoked(s: AssessmentState, data: dict) -> None:
    s.revocation = {key: data[key] for key in ("reason", "revoked_on", "decision_number")}
    _dated(s, "revoke", data["revoked_on"])
    s.state = n.REVOKED


def _survey_result(s: AssessmentState, data: dict) -> None:
    indicator_id, figures = data["indicator_id"], data["figures"]
    if figures is None:  # a result without a rate scores nothing: no figures, not zero
        s.figures.pop(indicator_id, None)
    else:
        s.figures[indicator_id] = figures
    s.survey = {"indicator_id": indicator_id, "result": data["result"], "figures": figures}
    s.survey_held = None


def _survey_result_held(s: AssessmentState, data: dict) -> None:
    s.survey_held = {key: data[key] for key in ("indicator_id", "result", "figures", "state")}


APPLY = {
    n.ASSESSMENT_OPENED: _opened, n.FIGURES_RECORDED: _figures,
    n.SELF_ASSESSMENT_SUBMITTED: _self_assessed, n.SELF_ASSESSMENT_REOPENED: _reopened,
    n.POSTING_STARTED: _posting_started,
    n.COMMENT_RECORDED: _comment, n.COMMENT_ANSWERED: _answer, n.POSTING_ENDED: _posting_ended,
    n.DOSSIER_SUBMITTED_EVENT: _dossier, n.DOSSIER_CHECK_PASSED: _check_passed,
    n.SUPPLEMENT_REQUESTED_EVENT: _supplement_requested, n.SUPPLEMENT_PROVIDED: _supplement_provided,
    n.APPRAISAL_STARTED: _appraisal_started, n.OPINION_RECORDED: _opinion,
    n.INDICATOR_APPRAISED: _appraised, n.APPRAISAL_COMPLETED: _appraisal_completed,
    n.RECOGNITION_DECIDED: _decided, n.RECOGNITION_REVOKED: _revoked,
    n.CONDITIONS_DECLARED: _declared,
    n.EVIDENCE_ATTACHED: _evidence_attached, n.EVIDENCE_REMOVED: _evidence_removed,
    n.SATISFACTION_RESULT_APPLIED: _survey_result, n.SATISFACTION_RESULT_REPLACED: _survey_result,
    n.SATISFACTION_RESULT_HELD: _survey_result_held,
}


def evolve(state: AssessmentState, event_type: str, data: dict) -> None:
    """Apply one event in place; unknown types are skipped so that old readers survive new events."""
    handler = APPLY.get(event_type)
    if handler:
        handler(state, data)
    state.version += 1

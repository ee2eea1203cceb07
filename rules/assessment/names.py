"""The states of an assessment, the commands each allows and the events it records."""

from __future__ import annotations

NEW = "new"
DRAFTING = "drafting"
SELF_ASSESSED = "self_assessed"
POSTING = "posting"
POSTED = "posted"
DOSSIER_SUBMITTED = "dossier_submitted"
SUPPLEMENT_REQUESTED = "supplement_requested"
CHECKED = "checked"
UNDER_APPRAISAL = "under_appraisal"
APPRAISED = "appraised"
RECOGNISED = "recognised"
NOT_RECOGNISED = "not_recognised"
REVOKED = "revoked"

# A criteria-set version published by an administrator (services/assessment/criteria_sets.py);
# readers of the assessment log fold it too, to score what was recorded under it.
CRITERIA_SET_PUBLISHED = "CriteriaSetPublished"

ASSESSMENT_OPENED = "AssessmentOpened"
FIGURES_RECORDED = "FiguresRecorded"
SELF_ASSESSMENT_SUBMITTED = "SelfAssessmentSubmitted"
SELF_ASSESSMENT_REOPENED = "SelfAssessmentReopened"
POSTING_STARTED = "PostingStarted"
COMMENT_RECORDED = "CommentRecorded"
COMMENT_ANSWERED = "CommentAnswered"
POSTING_ENDED = "PostingEnded"
DOSSIER_SUBMITTED_EVENT = "DossierSubmitted"
DOSSIER_CHECK_PASSED = "DossierCheckPassed"
SUPPLEMENT_REQUESTED_EVENT = "SupplementRequested"
SUPPLEMENT_PROVIDED = "SupplementProvided"
APPRAISAL_STARTED = "AppraisalStarted"
OPINION_RECORDED = "OpinionRecorded"
INDICATOR_APPRAISED = "IndicatorAppraised"
APPRAISAL_COMPLETED = "AppraisalCompleted"
RECOGNITION_DECIDED = "RecognitionDecided"
RECOGNITION_REVOKED = "RecognitionRevoked"
CONDITIONS_DECLARED = "ConditionsDeclared"
EVIDENCE_ATTACHED = "EvidenceAttached"
EVIDENCE_REMOVED = "EvidenceRemoved"
# A closed survey campaign's result, taken by the assessment (workflow/survey_steps.py).
SATISFACTION_RESULT_APPLIED = "SatisfactionResultApplied"
SATISFACTION_RESULT_REPLACED = "SatisfactionResultReplaced"
SATISFACTION_RESULT_HELD = "SatisfactionResultHeld"

# state -> (label shown to people, commands allowed in it)
STATES: dict[str, tuple[str, tuple[str, ...]]] = {
    NEW: ("Not opened", ("open",)),
    DRAFTING: ("Self-assessment in progress",
               ("record_figures", "declare_conditions", "submit_self_assessment")),
    SELF_ASSESSED: ("Self-assessment submitted, awaiting public posting",
                    ("start_posting", "reopen_self_assessment")),
    POSTING: ("Posted publicly, open for comments",
              ("record_comment", "answer_comment", "end_posting")),
    POSTED: ("Posting ended, dossier being prepared", ("answer_comment", "submit_dossier")),
    DOSSIER_SUBMITTED: ("Dossier with the justice office for checking",
                        ("pass_check", "request_supplement")),
    SUPPLEMENT_REQUESTED: ("Supplement requested from the commune", ("provide_supplement",)),
    CHECKED: ("Dossier checked, awaiting the council", ("start_appraisal",)),
    UNDER_APPRAISAL: ("Council appraisal in progress",
                      ("record_opinion", "appraise_indicator", "complete_appraisal")),
    APPRAISED: ("Appraised, awaiting the chairman's decision", ("decide",)),
    RECOGNISED: ("Recognised", ("revoke",)),
    NOT_RECOGNISED: ("Not recognised", ()),
    REVOKED: ("Recognition revoked", ()),
}

# The evidence commands, beside each state's own: files may be added until the dossier is
# submitted, and afterwards only in answer to a supplement request; removed only while the
# self-assessment is a draft (once submitted, what was posted and reviewed stays listed).
ATTACH_EVIDENCE, REMOVE_EVIDENCE = "attach_evidence", "remove_evidence"
EVIDENCE_COMMANDS: dict[str, tuple[str, ...]] = {
    DRAFTING: (ATTACH_EVIDENCE, REMOVE_EVIDENCE),
    SELF_ASSESSED: (ATTACH_EVIDENCE,),
    POSTING: (ATTACH_EVIDENCE,),
    POSTED: (ATTACH_EVIDENCE,),
    SUPPLEMENT_REQUESTED: (ATTACH_EVIDENCE,),
}



def allowed_commands(state: str) -> tuple[str, ...]:
    """Every command the state allows: its own, then the evidence commands."""
    return STATES[state][1] + EVIDENCE_COMMANDS.get(state, ())


# The same states as people in the programme call them.
STATUS_VI: dict[str, str] = {
    NEW: "Chưa mở hồ sơ đánh giá",
    DRAFTING: "Đang tự đánh giá, tự chấm điểm",
    SELF_ASSESSED: "Đã hoàn thành tự đánh giá, chờ niêm yết công khai",
    POSTING: "Đang niêm yết công khai, nhận ý kiến góp ý",
    POSTED: "Đã kết thúc niêm yết, đang chuẩn bị hồ sơ",
    DOSSIER_SUBMITTED: "Hồ sơ đã gửi, chờ cơ quan tư pháp kiểm tra",
    SUPPLEMENT_REQUESTED: "Được yêu cầu bổ sung hồ sơ",
    CHECKED: "Hồ sơ đã kiểm tra, chờ Hội đồng thẩm định",
    UNDER_APPRAISAL: "Hội đồng đang thẩm định",
    APPRAISED: "Đã thẩm định, chờ Chủ tịch quyết định",
    RECOGNISED: "Đạt chuẩn tiếp cận pháp luật",
    NOT_RECOGNISED: "Chưa đạt chuẩn tiếp cận pháp luật",
    REVOKED: "Đã thu hồi quyết định công nhận",
}

CHANNELS = ("office", "portal", "radio")
APPRAISAL_METHODS = ("meeting", "written")
OPINION_FORMS = ("meeting", "writing")
REVIEWING_LEVELS = ("district", "province")
MAX_COUNCIL_SIZE = 15
COMMUNE_CLASSES = ("I", "II", "III")


def stream_name(commune_code: str, year: int) -> str:
    return f"assessment-{commune_code}-{year}"

# A reviewing unit's yearly report (services/assessment/evaluation_reports.py): a district's to
# its province, a province's to the Ministry of Justice, as the year's criteria set lists them.
EVALUATION_REPORT_SENT = "EvaluationReportSent"
EVALUATION_REPORT_CORRECTED = "EvaluationReportCorrected"

"""What can happen next to an assessment, so that a page shows "Bước tiếp theo" without
guessing: each step its state allows, who takes it (the role, and for the review steps the
reviewing level), the earliest and latest day it may be dated, its deadline counted in working
days, and what is missing before it can be taken. Plain data from the state, today and the
criteria set. This is the workflow's side only; whether a caller's token may take a step is
the gateway's rule (gateway/permissions.py)."""

from __future__ import annotations

from datetime import date, timedelta

from rules.assessment import names as n
from rules.assessment.state import AssessmentState
from rules.deadlines import calendar_of, working_days_between
from services.assessment.workflow.catalogue import CriteriaCatalogue
from services.assessment.workflow.dates import STEP_DATES, vi
from services.assessment.workflow.review_steps import quorum

COMMUNE, JUSTICE, COUNCIL, CHAIRMAN = ("commune_officer", "justice_officer",
                                       "council_secretary", "chairman")

# command -> (the role that takes it, the step in Vietnamese)
STEPS: dict[str, tuple[str, str]] = {
    "open": (COMMUNE, "Mở hồ sơ đánh giá của năm"),
    "record_figures": (COMMUNE, "Nhập số liệu thực hiện các chỉ tiêu"),
    "declare_conditions": (COMMUNE, "Kê khai các điều kiện công nhận"),
    "submit_self_assessment": (COMMUNE, "Hoàn thành tự đánh giá, tự chấm điểm"),
    "reopen_self_assessment": (COMMUNE, "Mở lại bản tự đánh giá để sửa (trước khi niêm yết)"),
    "start_posting": (COMMUNE, "Niêm yết công khai kết quả tự đánh giá"),
    "record_comment": (COMMUNE, "Ghi nhận ý kiến góp ý"),
    "answer_comment": (COMMUNE, "Trả lời ý kiến góp ý"),
    "end_posting": (COMMUNE, "Kết thúc niêm yết"),
    "submit_dossier": (COMMUNE, "Gửi hồ sơ đề nghị công nhận"),
    "provide_supplement": (COMMUNE, "Bổ sung hồ sơ theo yêu cầu"),
    "pass_check": (JUSTICE, "Kiểm tra hồ sơ: hồ sơ đạt, chuyển Hội đồng thẩm định"),
    "request_supplement": (JUSTICE, "Yêu cầu xã bổ sung hồ sơ"),
    "start_appraisal": (COUNCIL, "Bắt đầu thẩm định (họp Hội đồng hoặc lấy ý kiến bằng văn bản)"),
    "record_opinion": (COUNCIL, "Ghi ý kiến của thành viên Hội đồng"),
    "appraise_indicator": (COUNCIL, "Thẩm định từng chỉ tiêu"),
    "complete_appraisal": (COUNCIL, "Hoàn thành thẩm định"),
    "decide": (CHAIRMAN, "Ký quyết định công nhận hoặc không công nhận đạt chuẩn"),
    "revoke": (CHAIRMAN, "Thu hồi quyết định công nhận"),
}
# Dated commands whose date may be left out (the step is then recorded undated).
OPTIONAL_DATES = {"submit_self_assessment", "record_opinion"}


def opening_step(commune_code: str) -> dict:
    """The one step of a year the commune has not opened."""
    return _step("open", {"role": COMMUNE, "reviewing_level": None,
                          "unit": {"province": None, "district": None, "commune": commune_code}},
                 None, None, None, [])


def steps(s: AssessmentState, today: date, catalogue: CriteriaCatalogue | None = None,
          reviewing_level: str | None = None) -> list[dict]:
    """Every command the state allows, in the workflow's order. ``reviewing_level`` is the
    level configured for the province and year now (the one the gateway enforces); without
    it, the level the assessment was opened with."""
    if s.state == n.NEW:  # nothing opened, nothing known: the service answers opening_step
        return []
    level = reviewing_level or s.identity["reviewing_level"]
    found = []
    for command in n.STATES[s.state][1]:
        role, _ = STEPS.get(command, (None, command))
        earliest = s.last_date
        if command == "end_posting":
            earliest = max(filter(None, (s.last_date, s.posting["minimum_end"])))
        dated = command in STEP_DATES
        found.append(_step(command, _actor(s, role, level), earliest if dated else None,
                           today.isoformat() if dated else None, _deadline_of(s, command, today),
                           _missing(s, command, today, catalogue)))
    return found


def deadlines(s: AssessmentState, today: date) -> list[dict]:
    """The year's deadlines as they stand: the dossier, each supplement, the decision."""
    if not s.identity:
        return []
    calendar, year = calendar_of({**s.identity, "calendar": s.calendar}), s.identity["year"]
    found = [_deadline("dossier", "Gửi hồ sơ đề nghị công nhận", calendar.dossier_due(year), True,
                       today, "dossier_due_before" in calendar.provisional,
                       s.dossier and s.dossier["submitted_on"], s.dossier and s.dossier["late"])]
    for supplement in s.supplements:
        found.append(_deadline(
            "supplement", f"Bổ sung hồ sơ (yêu cầu lần {supplement['number']})",
            date.fromisoformat(supplement["due"]), False, today,
            "supplement_working_days" in calendar.provisional, supplement["provided_on"],
            supplement["late"]))
    found.append(_deadline("decision", "Quyết định công nhận", calendar.decision_due(year), True,
                           today, "decision_due_before" in calendar.provisional,
                           s.decision and s.decision["decision_date"],
                           s.decision and s.decision["late"]))
    return found


def _step(command: str, actor: dict, earliest: str | None, latest: str | None,
          deadline: dict | None, missing: list[dict]) -> dict:
    _, field, _ = STEP_DATES.get(command, (None, None, None))
    return {"command": command, "label": STEPS.get(command, (None, command))[1], "actor": actor,
            "date_field": field, "date_required": field is not None and command not in OPTIONAL_DATES,
            "earliest": earliest, "latest": latest, "deadline": deadline,
            "ready": not missing, "missing": missing}


def _actor(s: AssessmentState, role: str | None, level: str) -> dict:
    identity = s.identity
    if role == COMMUNE:
        return {"role": role, "reviewing_level": None,
                "unit": {"province": identity["province_code"],
                         "district": identity["district_code"],
                         "commune": identity["commune_code"]}}
    if role is None:  # a command this table does not know yet: say nothing rather than guess
        return {"role": None, "reviewing_level": None,
                "unit": {"province": None, "district": None, "commune": None}}
    return {"role": role, "reviewing_level": level,
            "unit": {"province": identity["province_code"],
                     "district": identity["district_code"] if level == "district" else None,
                     "commune": None}}


def _deadline_of(s: AssessmentState, command: str, today: date) -> dict | None:
    kind = {"submit_dossier": "dossier", "provide_supplement": "supplement",
            "decide": "decision"}.get(command)
    if kind is None:
        return None
    pending = [d for d in deadlines(s, today) if d["kind"] == kind and d["done_on"] is None]
    return pending[-1] if pending else None


def _deadline(kind: str, label: str, due: date, exclusive: bool, today: date,
              provisional: bool, done_on: str | None, late: bool | None) -> dict:
    """``due`` is exclusive for the "before 10/01" dates (a dossier on 10/01 is late),
    inclusive for those counted in working days (the last day a supplement is on time).
    ``working_days_left`` counts the working days after today up to the last day (0: today is
    the last day; negative: that many working days late); None once the step is done."""
    last_day = due - timedelta(days=1) if exclusive else due
    return {"kind": kind, "label": label,
            "due_before": due.isoformat() if exclusive else None,
            "last_day": last_day.isoformat(),
            "last_day_vi": vi(last_day),
            "working_days_left": None if done_on else working_days_between(today, last_day),
            "overdue": done_on is None and today > last_day,
            "done_on": done_on, "late": late if done_on else None,
            "provisional": provisional}


def _missing(s: AssessmentState, command: str, today: date,
             catalogue: CriteriaCatalogue | None) -> list[dict]:
    """What the command's own rules would refuse now, whatever the caller sends."""
    missing = []
    if command == "submit_self_assessment" and catalogue is not None:
        ids = [i for i in catalogue.indicator_ids() if i not in s.figures]
        if ids:
            missing.append(_gap("figures_missing",
                                f"Còn {len(ids)} chỉ tiêu chưa nhập số liệu: {', '.join(ids)}.",
                                ids))
    elif command == "end_posting" and today < date.fromisoformat(s.posting["minimum_end"]):
        unit = "ngày làm việc" if s.posting["unit"] == "working_days" else "ngày"
        missing.append(_gap(
            "posting_minimum_not_reached",
            f"Niêm yết phải kéo dài ít nhất {s.posting['minimum']} {unit}, đến hết ngày "
            f"{vi(s.posting['minimum_end'])}.", on=s.posting["minimum_end"]))
    elif command in ("answer_comment", "submit_dossier"):
        ids = [c for c, comment in s.posting["comments"].items() if comment["answer"] is None]
        if command == "answer_comment" and not ids:
            missing.append(_gap("no_unanswered_comment", "Không có ý kiến góp ý nào chờ trả lời."))
        if command == "submit_dossier" and ids:
            missing.append(_gap("comments_unanswered",
                                f"Còn {len(ids)} ý kiến góp ý chưa trả lời: {', '.join(ids)}.", ids))
    elif command == "record_opinion":
        size = s.appraisal["council_size"]
        if len(s.appraisal["opinions"]) >= size:
            missing.append(_gap("council_complete",
                                f"Cả {size} thành viên Hội đồng đã cho ý kiến."))
    elif command == "complete_appraisal":
        missing.extend(_appraisal_gaps(s, catalogue))
    return missing


def _appraisal_gaps(s: AssessmentState, catalogue: CriteriaCatalogue | None) -> list[dict]:
    appraisal, gaps = s.appraisal, []
    if catalogue is not None:
        ids = [i for i in catalogue.indicator_ids() if i not in appraisal["scores"]]
        if ids:
            gaps.append(_gap("indicators_not_appraised",
                             f"Còn {len(ids)} chỉ tiêu chưa thẩm định: {', '.join(ids)}.", ids))
    if not appraisal["opinions"]:
        gaps.append(_gap("no_opinion", "Chưa ghi ý kiến của thành viên Hội đồng nào."))
    if appraisal["method"] == "meeting":
        present = sum(1 for o in appraisal["opinions"] if o["given_by"] == "meeting")
        needed = quorum(appraisal["council_size"])
        if present < needed:
            gaps.append(_gap(
                "quorum_not_met",
                f"Cuộc họp mới có {present}/{appraisal['council_size']} thành viên dự; cần ít "
                f"nhất {needed} (hai phần ba)."))
    return gaps


def _gap(code: str, message: str, ids: list[str] | None = None, on: str | None = None) -> dict:
    return {"code": code, "message": message, "ids": list(ids or []), "date": on}

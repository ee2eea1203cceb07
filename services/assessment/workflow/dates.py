"""The dates of the workflow's steps: none after today in Vietnam, none before the step it
follows. Each dated command has one date; its name here is the API's field and the words a
person reads in a refusal ("ngày kết thúc niêm yết (05/01/2023)")."""

from __future__ import annotations

from datetime import date, datetime

from kernel.errors import DateInFuture, DateOutOfOrder
from kernel.messages import in_both
from services.assessment.workflow import values as v

# command -> (its date argument in the workflow, the API's field, the date in Vietnamese words)
STEP_DATES: dict[str, tuple[str, str, str]] = {
    "submit_self_assessment": ("submitted_on", "submitted_on", "ngày hoàn thành tự đánh giá"),
    "reopen_self_assessment": ("reopened_on", "reopened_on", "ngày mở lại bản tự đánh giá"),
    "start_posting": ("start", "start", "ngày bắt đầu niêm yết"),
    "record_comment": ("received_on", "received_on", "ngày nhận ý kiến góp ý"),
    "answer_comment": ("answered_on", "answered_on", "ngày trả lời ý kiến góp ý"),
    "end_posting": ("today", "ended_on", "ngày kết thúc niêm yết"),
    "submit_dossier": ("submitted_on", "submitted_on", "ngày gửi hồ sơ đề nghị công nhận"),
    "pass_check": ("checked_on", "checked_on", "ngày kiểm tra xong hồ sơ"),
    "request_supplement": ("requested_on", "requested_on", "ngày yêu cầu bổ sung hồ sơ"),
    "provide_supplement": ("provided_on", "provided_on", "ngày bổ sung hồ sơ"),
    "start_appraisal": ("started_on", "started_on", "ngày bắt đầu thẩm định"),
    "record_opinion": ("given_on", "given_on", "ngày thành viên Hội đồng cho ý kiến"),
    "complete_appraisal": ("completed_on", "completed_on", "ngày hoàn thành thẩm định"),
    "decide": ("decision_date", "decision_date", "ngày ký quyết định công nhận"),
    "revoke": ("revoked_on", "revoked_on", "ngày thu hồi quyết định công nhận"),
}


def _step_words(command: str, capital: bool = False) -> dict:
    """The step's date in words, in both languages; the English from the field's name."""
    if command not in STEP_DATES:
        return in_both("ngày của bước trước", "date of the step before")
    words = STEP_DATES[command][2]
    english = f"{command.replace('_', ' ')} date ({STEP_DATES[command][1]})"
    return in_both(words.capitalize() if capital else words, english)


def vi(day: date | str) -> str:
    """A date as Vietnamese writes it: 06/02/2023."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return day.strftime("%d/%m/%Y")


def step_day(value: date | datetime, command: str, today: date,
             previous: tuple[str, str] | None, details: dict) -> date:
    """The command's date in Vietnam's calendar, refused when it is after ``today`` or before
    ``previous`` (the command that dated the step before, and its ISO date)."""
    _, field, _words = STEP_DATES[command]
    day = v.day(value, field, details)
    if day > today:
        raise DateInFuture(
            "date.future",
            {**details, "field": field, "value": day.isoformat(), "today": today.isoformat()},
            {"step": _step_words(command, capital=True), "day": in_both(vi(day), day.isoformat()),
             "today": in_both(vi(today), today.isoformat())})
    if previous is not None and day < date.fromisoformat(previous[1]):
        before, on = previous
        raise DateOutOfOrder(
            "date.before_previous",
            {**details, "field": field, "value": day.isoformat(), "previous_step": before,
             "previous_step_on": on},
            {"step": _step_words(command, capital=True), "day": in_both(vi(day), day.isoformat()),
             "before": _step_words(before), "on": in_both(vi(on), on)})
    return day

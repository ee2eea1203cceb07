"""The commune officer's pages after the self-assessment: the public posting (niêm yết công
khai) with its comments and answers, the recognition dossier (hồ sơ đề nghị công nhận), and
the answer to a supplement request (bổ sung hồ sơ).

| URL (under ``/can-bo/xa/<commune>/<year>``) | page | API operation |
|---|---|---|
| ``/niem-yet`` | the posting, its comments, the forms the state allows | ``start_posting`` |
| ``/niem-yet/bat-dau`` (POST) | start the posting | ``start_posting`` |
| ``/niem-yet/y-kien`` (POST) | record a comment received | ``record_comment`` |
| ``/niem-yet/y-kien/<id>/tra-loi`` (POST) | answer it | ``answer_comment`` |
| ``/niem-yet/ket-thuc`` (POST) | end the posting | ``end_posting`` |
| ``/ho-so`` | what the dossier holds, its state; submit it (POST) | ``submit_dossier`` |
| ``/ho-so/mau-02.xlsx`` | the score sheet (Mẫu 02) for the dossier | ``form_02`` |
| ``/bo-sung`` | the requests for a supplement; answer (POST) | ``provide_supplement`` |

Every write is the API route's: the command's own RPC (``assessment.start_posting``, …) with
the API's body schema, the assessment's version read when the form was shown (a change made
meanwhile is a 409), and the form's idempotency key. Which forms a page offers comes from the
assessment's ``allowed_commands`` and ``next_steps`` (earliest and latest day, what is missing), never from
the page; the dates themselves are judged by the service, whose message is shown.
"""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from gateway.routes.assessment import _arguments
from gateway.routes.assessment import _xlsx as xlsx_response
from gateway.routes.assessment_schemas import (
    AnswerSchema,
    AssessmentPathSchema,
    CommentPathSchema,
    CommentSchema,
    DossierSchema,
    EndPostingSchema,
    PostingSchema,
    SupplementSchema,
)
from gateway.web import http
from gateway.workspace.pages import _vietnamese, page
from kernel.errors import Conflict, ValidationFailed

BASE = "/can-bo/xa/<commune_code>/<int:year>"
CHANNELS = {"office": "Niêm yết tại trụ sở Ủy ban nhân dân xã",
            "portal": "Đăng trên cổng (trang) thông tin điện tử của xã",
            "radio": "Thông báo trên hệ thống truyền thanh của xã"}
NOTICES = {
    "bat-dau": "Đã ghi nhận việc niêm yết công khai kết quả tự đánh giá.",
    "y-kien": "Đã ghi nhận ý kiến góp ý.",
    "tra-loi": "Đã ghi câu trả lời ý kiến góp ý.",
    "ket-thuc": "Đã ghi nhận việc kết thúc niêm yết. Bước tiếp theo: gửi hồ sơ đề nghị công nhận.",
    "gui": "Đã gửi hồ sơ đề nghị công nhận.",
    "bo-sung": "Đã gửi phần bổ sung hồ sơ.",
}
FIELD_LABELS = {"start": "Ngày bắt đầu niêm yết", "channel": "Hình thức niêm yết",
                "comment_id": "Số ý kiến", "text": "Nội dung ý kiến",
                "received_on": "Ngày nhận", "author": "Người góp ý",
                "answer": "Nội dung trả lời", "answered_on": "Ngày trả lời",
                "ended_on": "Ngày kết thúc niêm yết", "submitted_on": "Ngày gửi hồ sơ",
                "requests_recognition": "Đề nghị công nhận", "provided_on": "Ngày bổ sung",
                "note": "Nội dung bổ sung", "expected_version": "Phiên bản hồ sơ"}
# What a field needs, said in Vietnamese when the schema's own message is not (marshmallow's
# "Missing data for required field.", "Not a valid date."): the page translates, the schema
# decides.
FIELD_NEEDS = {"start": "Nhập ngày bắt đầu niêm yết (ngày/tháng/năm).",
               "channel": "Chọn hình thức niêm yết.",
               "comment_id": "Nhập số ý kiến (tối đa 100 ký tự).",
               "text": "Nhập nội dung ý kiến (tối đa 4.000 ký tự).",
               "received_on": "Nhập ngày nhận ý kiến (ngày/tháng/năm).",
               "author": "Tên người góp ý tối đa 200 ký tự.",
               "answer": "Nhập nội dung trả lời (tối đa 4.000 ký tự).",
               "answered_on": "Nhập ngày trả lời (ngày/tháng/năm).",
               "ended_on": "Nhập ngày kết thúc niêm yết (ngày/tháng/năm).",
               "submitted_on": "Nhập ngày gửi hồ sơ (ngày/tháng/năm).",
               "requests_recognition": "Chọn có hay không đề nghị công nhận.",
               "provided_on": "Nhập ngày bổ sung hồ sơ (ngày/tháng/năm).",
               "note": "Nhập nội dung bổ sung (tối đa 4.000 ký tự).",
               "expected_version": "Hãy tải lại trang rồi thử lại."}
# The service's refusals that are not yet worded in Vietnamese, by their stable code.
REFUSALS = {"version_conflict": "Hồ sơ vừa được người khác thay đổi. Hãy xem lại trang (đã tải "
                                "lại bản mới nhất) rồi thực hiện lại.",
            "illegal_transition": "Bước này không thực hiện được ở trạng thái hiện tại của hồ sơ.",
            "validation_failed": "Thông tin chưa hợp lệ, hãy kiểm tra lại."}
# A command's own refusal once the schema has passed the form: what is left for the service to
# refuse is the comment's number; said on its field (in the service's words when it has them).
COMMAND_REFUSALS = {
    "record_comment": ("comment_id", "Số ý kiến này đã được ghi nhận trước đó: hãy dùng số khác."),
    "answer_comment": ("_form", "Ý kiến này không có hoặc đã được trả lời."),
}
_DAY_VI = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


# -- reading forms into the API's bodies -----------------------------------------------------
def _day(value) -> str | None:
    """A date input's value: the browser's YYYY-MM-DD, or dd/mm/yyyy typed where the browser
    has no date picker; blank is left out (the schema then asks for it)."""
    text = (value or "").strip()
    found = _DAY_VI.match(text)
    if found:
        day, month, year = found.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return text or None


def _text(value) -> str | None:
    text = (value or "").strip()
    return text or None


def _version(form: MultiDict):
    text = (form.get("expected_version") or "").strip()
    return int(text) if text.isdigit() else (text or None)


def _body(**values) -> dict:
    return {key: value for key, value in values.items() if value is not None}


def posting_form(form: MultiDict) -> dict:
    return _body(start=_day(form.get("start")), channel=_text(form.get("channel")),
                 expected_version=_version(form))


def comment_form(form: MultiDict) -> dict:
    return _body(comment_id=_text(form.get("comment_id")), text=_text(form.get("text")),
                 received_on=_day(form.get("received_on")), author=_text(form.get("author")),
                 expected_version=_version(form))


def answer_form(form: MultiDict) -> dict:
    return _body(answer=_text(form.get("answer")), answered_on=_day(form.get("answered_on")),
                 expected_version=_version(form))


def end_form(form: MultiDict) -> dict:
    return _body(ended_on=_day(form.get("ended_on")), expected_version=_version(form))


def dossier_form(form: MultiDict) -> dict:
    # a radio pair: "yes" asks for recognition, "no" sends the dossier without asking
    asked = {"co": True, "khong": False}.get(form.get("requests_recognition") or "")
    return _body(submitted_on=_day(form.get("submitted_on")), requests_recognition=asked,
                 expected_version=_version(form))


def supplement_form(form: MultiDict) -> dict:
    return _body(provided_on=_day(form.get("provided_on")), note=_text(form.get("note")),
                 expected_version=_version(form))


# -- what the pages show -----------------------------------------------------------------------
def vietnamese_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The form's errors with every message a person reads in Vietnamese."""
    shown = {}
    for field, messages in errors.items():
        worded = [m for m in messages if _vietnamese(m)]
        fallback = FIELD_NEEDS.get(field, REFUSALS["validation_failed"])
        shown[field] = worded or [fallback]
    return shown


def refusal_errors(refused, command: str) -> dict[str, list[str]]:
    """A service's refusal as the form's errors: on the field it names (a date in the future or
    before the previous step), else at the top; its own message when it is Vietnamese."""
    details = refused.details or {}
    field = details.get("field")
    message = refused.message if _vietnamese(refused.message) else None
    if message is None and details.get("minimum_end"):
        day = details["minimum_end"]
        message = (f"Chưa hết thời gian niêm yết tối thiểu: phải niêm yết đến hết ngày "
                   f"{day[8:10]}/{day[5:7]}/{day[0:4]}, nên chưa kết thúc được vào ngày đã nhập.")
    if message is None and details.get("unanswered"):
        message = ("Còn ý kiến góp ý chưa được trả lời: " + ", ".join(details["unanswered"])
                   + ". Hãy trả lời mọi ý kiến trước khi gửi hồ sơ.")
    if refused.code == "validation_failed" and command in COMMAND_REFUSALS:
        # what is left for the service to refuse once the schema passed names this field
        field, own = COMMAND_REFUSALS[command]
        message = message or own
    if message is None:
        message = REFUSALS.get(refused.code, REFUSALS["validation_failed"])
    if isinstance(field, str) and field in FIELD_LABELS:
        return {field: [message]}
    return {"_form": [message]}


def step_of(assessment: dict, command: str) -> dict | None:
    """The service's word on ``command``: allowed now, its earliest and latest day, what is
    missing; None when the state does not allow it."""
    if command not in assessment.get("allowed_commands", []):
        return None
    return next((s for s in assessment.get("next_steps", []) if s["command"] == command),
                {"command": command, "missing": [], "ready": True})


def dossier_parts(assessment: dict) -> list[dict]:
    """What the dossier is made of (Circular 09/2021, art. 4; the same papers under 27/2025)
    and where each stands in this assessment."""
    posting = assessment.get("posting") or {}
    comments = posting.get("comments") or []
    answered = sum(1 for c in comments if c.get("answer") is not None)
    own = assessment.get("self_score") or {}
    evidence = assessment.get("evidence") or {}
    files = sum(len(v) for v in evidence.values()) if isinstance(evidence, dict) else 0
    total = own.get("total")
    return [
        {"name": "Báo cáo đánh giá, đề nghị xem xét công nhận (Mẫu 01)",
         "state": "Xã lập theo Mẫu 01 từ kết quả tự đánh giá (hệ thống chưa in mẫu này)",
         "ready": assessment.get("state") not in (None, "new", "drafting")},
        {"name": "Bảng điểm tự đánh giá các chỉ tiêu (Mẫu 02)",
         "state": (f"Tổng điểm tự chấm: {str(total).replace('.', ',')}" if total is not None
                   else "Đã có bảng tự chấm điểm") if own else "Chưa có",
         "ready": bool(own), "download": True},
        {"name": "Tổng hợp ý kiến góp ý khi niêm yết và việc trả lời (Mẫu 03)",
         "state": (f"{len(comments)} ý kiến, đã trả lời {answered}" if posting
                   else "Chưa niêm yết"),
         "ready": bool(posting.get("ended_on")) and answered == len(comments)},
        {"name": "Tài liệu minh chứng của các chỉ tiêu",
         "state": f"{files} tệp đã tải lên", "ready": files > 0},
    ]


def supplement_files(assessment: dict, number: int) -> list[tuple[str, dict]]:
    """(indicator, file) uploaded while the supplement ``number`` was asked for."""
    evidence = assessment.get("evidence") or {}
    return [(indicator_id, file) for indicator_id, kept in evidence.items() for file in kept
            if isinstance(file, dict) and file.get("supplement") == number]


def indicator_ids(assessment: dict) -> list[str]:
    """The indicators of the commune's sheet, in the criteria set's order."""
    sheet = assessment.get("self_score") or {}
    return [indicator["id"] for criterion in sheet.get("criteria") or []
            for indicator in criterion.get("indicators") or []]


class WorkspacePostingRoutes:
    """Mixin of GatewayService: the commune officer's posting, dossier and supplement pages."""

    # -- shared -------------------------------------------------------------------------------
    def _posting_year(self, page, commune_code, year) -> dict:
        return page.read("assessment", "get_assessment", commune_code, year)

    def _posting_command(self, page, commune_code, year, command, **extra) -> dict:
        arguments, expected_version = _arguments(command, page.body, **extra)
        return page.write("assessment", command, commune_code, year, arguments,
                          expected_version)

    def _attempt(self, page, commune_code, year, command, done, notice, **extra):
        """Run the command when the form is valid and go to ``done``; otherwise the errors
        (the schema's or the service's) for the page to show with the form again."""
        if not page.errors:
            try:
                self._posting_command(page, commune_code, year, command, **extra)
                return page.redirect(done, da=notice)
            except (ValidationFailed, Conflict) as refused:
                page.errors = refusal_errors(refused, command)
        else:
            page.errors = vietnamese_errors(page.errors)
        return None

    def _render(self, page, template, title, commune_code, year, status=200, **context):
        assessment = context.pop("assessment", None) or self._posting_year(page, commune_code,
                                                                          year)
        home = f"/can-bo/xa/{commune_code}/{year}"
        return page.render(
            template, status=status, title=title, assessment=assessment, home=home,
            commune_code=commune_code, year=year, field_labels=FIELD_LABELS,
            channels=CHANNELS, step=lambda command: step_of(assessment, command),
            notice=NOTICES.get(page.request.args.get("da")) if status == 200 else None,
            breadcrumbs=[(f"Năm đánh giá {year}", home), (title, None)], **context)

    # -- the posting ----------------------------------------------------------------------------
    def _posting_page(self, page, commune_code, year, status=200, failed=None, answering=None):
        """``failed``: the form sent back with its errors (start, comment, answer, end), the
        others shown blank."""
        assessment = self._posting_year(page, commune_code, year)
        comments = ((assessment.get("posting") or {}).get("comments")) or []
        return self._render(page, "posting/posting.html", "Niêm yết công khai", commune_code,
                            year, status, assessment=assessment, failed=failed,
                            answering=answering,
                            next_comment_id=f"YK-{len(comments) + 1:02d}")

    @http("GET", BASE + "/niem-yet")
    @page(path=AssessmentPathSchema, performs="start_posting")
    def workspace_posting(self, page, commune_code, year):
        return self._posting_page(page, commune_code, year)

    @http("POST", BASE + "/niem-yet/bat-dau")
    @page(path=AssessmentPathSchema, form=posting_form, schema=PostingSchema,
          performs="start_posting")
    def workspace_posting_start(self, page, commune_code, year):
        done = self._attempt(page, commune_code, year, "start_posting",
                             f"/can-bo/xa/{commune_code}/{year}/niem-yet", "bat-dau")
        return done or self._posting_page(page, commune_code, year, 400, "start")

    @http("POST", BASE + "/niem-yet/y-kien")
    @page(path=AssessmentPathSchema, form=comment_form, schema=CommentSchema,
          performs="record_comment")
    def workspace_posting_comment(self, page, commune_code, year):
        done = self._attempt(page, commune_code, year, "record_comment",
                             f"/can-bo/xa/{commune_code}/{year}/niem-yet#y-kien", "y-kien")
        return done or self._posting_page(page, commune_code, year, 400, "comment")

    @http("POST", BASE + "/niem-yet/y-kien/<comment_id>/tra-loi")
    @page(path=CommentPathSchema, form=answer_form, schema=AnswerSchema,
          performs="answer_comment")
    def workspace_posting_answer(self, page, commune_code, year, comment_id):
        done = self._attempt(page, commune_code, year, "answer_comment",
                             f"/can-bo/xa/{commune_code}/{year}/niem-yet#y-kien", "tra-loi",
                             comment_id=comment_id)
        return done or self._posting_page(page, commune_code, year, 400, "answer",
                                          answering=comment_id)

    @http("POST", BASE + "/niem-yet/ket-thuc")
    @page(path=AssessmentPathSchema, form=end_form, schema=EndPostingSchema,
          performs="end_posting")
    def workspace_posting_end(self, page, commune_code, year):
        done = self._attempt(page, commune_code, year, "end_posting",
                             f"/can-bo/xa/{commune_code}/{year}/ho-so", "ket-thuc")
        return done or self._posting_page(page, commune_code, year, 400, "end")

    # -- the dossier ----------------------------------------------------------------------------
    def _dossier_page(self, page, commune_code, year, status=200):
        assessment = self._posting_year(page, commune_code, year)
        return self._render(page, "posting/dossier.html", "Hồ sơ đề nghị công nhận",
                            commune_code, year, status, assessment=assessment,
                            parts=dossier_parts(assessment))

    @http("GET", BASE + "/ho-so")
    @page(path=AssessmentPathSchema, performs="submit_dossier")
    def workspace_dossier(self, page, commune_code, year):
        return self._dossier_page(page, commune_code, year)

    @http("POST", BASE + "/ho-so")
    @page(path=AssessmentPathSchema, form=dossier_form, schema=DossierSchema,
          performs="submit_dossier")
    def workspace_dossier_submit(self, page, commune_code, year):
        done = self._attempt(page, commune_code, year, "submit_dossier",
                             f"/can-bo/xa/{commune_code}/{year}/ho-so", "gui")
        return done or self._dossier_page(page, commune_code, year, 400)

    @http("GET", BASE + "/ho-so/mau-02.xlsx")
    @page(path=AssessmentPathSchema, performs="form_02")
    def workspace_dossier_form_02(self, page, commune_code, year):
        return xlsx_response(page.read("assessment", "assessment_form", commune_code, year, "02"))

    # -- the supplement -------------------------------------------------------------------------
    def _supplement_page(self, page, commune_code, year, status=200):
        assessment = self._posting_year(page, commune_code, year)
        return self._render(page, "posting/supplement.html", "Bổ sung hồ sơ", commune_code,
                            year, status, assessment=assessment,
                            supplement_files=lambda number: supplement_files(assessment, number),
                            indicators=indicator_ids(assessment))

    @http("GET", BASE + "/bo-sung")
    @page(path=AssessmentPathSchema, performs="provide_supplement")
    def workspace_supplement(self, page, commune_code, year):
        return self._supplement_page(page, commune_code, year)

    @http("POST", BASE + "/bo-sung")
    @page(path=AssessmentPathSchema, form=supplement_form, schema=SupplementSchema,
          performs="provide_supplement")
    def workspace_supplement_provide(self, page, commune_code, year):
        done = self._attempt(page, commune_code, year, "provide_supplement",
                             f"/can-bo/xa/{commune_code}/{year}/bo-sung", "bo-sung")
        return done or self._supplement_page(page, commune_code, year, 400)

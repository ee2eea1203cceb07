"""The reviewing units' yearly reports in the workspace (docs/workspace.md, "Báo cáo kết quả").

| URL | page |
|---|---|
| ``/can-bo/bao-cao-ket-qua?year=`` | the year's reports of the caller's district or province (all, for administrators and auditors): due dates, status badges, counts |
| ``/can-bo/bao-cao-ket-qua/<năm>/<báo cáo>/<đơn vị>`` (POST) | record that the unit sent its report: the date, the document number |

The list is ``list_evaluation_reports``'s, the form ``record_evaluation_report``'s: the same
rules, the same RPCs. Which rows carry the form follows the caller's own unit and role; the
service decides whether the unit owes the report.
"""

from __future__ import annotations

from marshmallow import fields, validate
from werkzeug.datastructures import MultiDict

from gateway.routes.assessment_schemas import (
    EvaluationReportPathSchema,
    EvaluationReportQuerySchema,
    EvaluationReportSentSchema,
)
from gateway.routes.workspace_review import _default_year
from gateway.schemas import FIRST_YEAR, LAST_YEAR
from gateway.web import http
from gateway.workspace import labels, navigation
from gateway.workspace.pages import page
from kernel import clock
from kernel.errors import Conflict, NotFound, ValidationFailed

REPORTS = "/can-bo/bao-cao-ket-qua"
SENDERS = ("justice_officer", "chairman")
NOTICES = {"da-gui": "Đã ghi nhận báo cáo đã gửi."}
FIELD_MESSAGES = {"sent_on": "Nhập ngày gửi báo cáo, ví dụ 14/02/2023 (không sau hôm nay).",
                  "document_number": "Số văn bản tối đa 100 ký tự, ví dụ 15/BC-UBND."}
FIELD_LABELS = {"sent_on": "Ngày gửi", "document_number": "Số văn bản"}


class ReportsPageQuerySchema(EvaluationReportQuerySchema):
    """The API's query, the year defaulting to the one whose reports are being sent, and the
    notice of what was just done."""

    year = fields.Integer(load_default=lambda: _default_year(clock.today()),
                          validate=validate.Range(FIRST_YEAR, LAST_YEAR))
    da = fields.String(load_default=None, validate=validate.OneOf(tuple(NOTICES)))  # what was done


def sent_form(form: MultiDict) -> dict:
    body = {"document_number": (form.get("document_number") or "").strip() or None}
    day = (form.get("sent_on") or "").strip()
    if day:
        body["sent_on"] = day
    return body


def may_record(line: dict, principal) -> bool:
    """Whether the form is shown on the row: the unit's own justice office or chairman."""
    own = principal.jurisdiction
    if principal.role not in SENDERS or line["sent_on"]:
        return False
    if line["level"] == "district":
        return own.get("district") == line["unit_code"]
    return not own.get("district") and own.get("province") == line["unit_code"]


class ReportsRoutes:
    """Mixin of GatewayService: the yearly reports page."""

    @http("GET", REPORTS)
    @page(query=ReportsPageQuerySchema, performs="list_evaluation_reports")
    def workspace_evaluation_reports(self, page):
        return self._reports_page(page, notice=NOTICES.get(page.request.args.get("da")))

    @http("POST", REPORTS + "/<int:year>/<report_id>/<unit_code>")
    @page(path=EvaluationReportPathSchema, form=sent_form, schema=EvaluationReportSentSchema,
          performs="record_evaluation_report")
    def workspace_evaluation_report_record(self, page, year, report_id, unit_code):
        status = 400
        if not page.errors:
            try:
                page.write("assessment", "record_evaluation_report", year, report_id, unit_code,
                           page.body["sent_on"].isoformat(), page.body["document_number"])
                return page.redirect(f"{REPORTS}?year={year}", da="da-gui")
            except (ValidationFailed, NotFound) as refused:
                field = (refused.details or {}).get("field")
                page.errors = {field if field in FIELD_MESSAGES else "_form": [refused.message]}
            except Conflict as refused:  # already recorded, or the year was paused
                page.errors, status = {"_form": [refused.message]}, 409
        else:
            page.errors = {name: [FIELD_MESSAGES.get(name, "Giá trị không hợp lệ.")]
                           for name in page.errors}
        return self._reports_page(page, status=status, year=year, failed=(report_id, unit_code))

    def _reports_page(self, page, status=200, notice=None, year=None, failed=None):
        """The year's list for the caller's own unit (the query's, for nationwide roles)."""
        today = clock.today()
        query = page.call.query or {}
        year = year or query.get("year") or _default_year(today)
        own = page.principal.jurisdiction
        province = query.get("province") or own.get("province")
        district = query.get("district") or (own.get("district") if year <= 2024 else None)
        found = page.read("assessment", "evaluation_reports", year, province, district, None)
        for line in found["lines"]:
            line["mine"] = may_record(line, page.principal)
            line["failed"] = failed == (line["report_id"], line["unit_code"])
        unit_name = (labels.district_name(province, district) if district
                     else labels.province_name(province) if province else "cả nước")
        return page.render(
            "review/reports.html", status=status, title="Báo cáo kết quả đánh giá, công nhận",
            year=year, years=list(range(today.year, FIRST_YEAR - 1, -1)), found=found,
            unit_name=unit_name, notice=notice, field_labels=FIELD_LABELS,
            reports={r["id"]: r for r in found["reports"]},
            breadcrumbs=[("Trang chủ", "/can-bo/"), ("Thẩm định, công nhận", "/can-bo/tham-dinh"),
                         ("Báo cáo kết quả", None)])


navigation.register(navigation.Link(
    "Báo cáo kết quả", REPORTS, "workspace_evaluation_reports",
    "Báo cáo kết quả đánh giá, công nhận gửi cấp trên: hạn gửi, đã gửi, quá hạn."))

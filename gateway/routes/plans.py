"""HTTP routes of plans (kế hoạch), over the plans service's RPCs (docs/plans.md).

Who may do what is gateway/permissions.py's table: justice staff (justice_officer) import,
edit, review, issue and link the plans of their own jurisdiction, administrators everywhere;
an agency officer (agency_officer, with an ``agency`` claim) of the plan's province reports
progress (the plans service keeps them to the tasks their agency leads). Any token reads.
"""

from __future__ import annotations

import base64

from werkzeug.wrappers import Response

from gateway.http import endpoint
from gateway.routes.plans_schemas import (  # response schemas: named in the docstrings
    AgencyListSchema,
    AgencyPathSchema,
    AgencyTasksSchema,
    LinkSchema,
    OverdueQuerySchema,
    OverdueSchema,
    PlanEditSchema,
    PlanImportSchema,
    PlanIssueSchema,
    PlanListQuerySchema,
    PlanListSchema,
    PlanPathSchema,
    PlanReviewSchema,
    PlanSchema,
    ProgressSchema,
    ProvincePathSchema,
    SummaryQuerySchema,
    TaskPathSchema,
)
from gateway.web import http

DOCUMENTED_RESPONSES = (AgencyListSchema, AgencyTasksSchema, OverdueSchema, PlanListSchema, PlanSchema)
TAG = "Kế hoạch"
PLAN_URL = "/api/v1/plans/<plan_id>"


class PlansRoutes:
    OPENAPI_TAGS = (
        {"name": TAG, "description": "Kế hoạch xây dựng, đánh giá chuẩn tiếp cận pháp luật: nhập "
                                     "văn bản, rà soát, ban hành, báo cáo tiến độ nhiệm vụ, "
                                     "quá hạn và sơ kết, tổng kết."},
    )

    @http("GET", "/api/v1/plans")
    @endpoint(query=PlanListQuerySchema)
    def list_plans(self, call):
        """Danh sách kế hoạch
        ---
        tags: [Kế hoạch]
        responses:
          200:
            description: Các kế hoạch (lọc theo tỉnh, huyện).
            content:
              application/json:
                schema: PlanListSchema
          503: Error
        """
        return {"plans": self.backends.call("plans", "list_plans", call.query["province"],
                                            call.query["district"])}

    @http("POST", "/api/v1/plans")
    @endpoint(body=PlanImportSchema)
    def import_plan(self, call):
        """Nhập một kế hoạch từ văn bản (text, Markdown hoặc .docx)

        Tạo bản nháp để rà soát: các nhiệm vụ, cơ quan chủ trì, phối hợp, thời gian thực hiện và
        sản phẩm đã được phân tích; review.unparsed liệt kê các dòng không đọc được (kèm số
        dòng), review.issues các điểm cần kiểm tra lại.
        ---
        tags: [Kế hoạch]
        responses:
          201:
            description: Bản nháp kế hoạch.
            content:
              application/json:
                schema: PlanSchema
          400: Error
          403: Error
          503: Error
        """
        body = call.body
        plan = self.backends.call(
            "plans", "import_plan", body["content"], body["file_name"],
            {"province": body["province_code"], "district": body["district_code"]},
            body["encoding"], call.context())
        return 201, plan

    @http("GET", PLAN_URL)
    @endpoint(path=PlanPathSchema)
    def get_plan(self, call, plan_id):
        """Một kế hoạch, với tiến độ từng nhiệm vụ
        ---
        tags: [Kế hoạch]
        responses:
          200:
            description: Kế hoạch.
            content:
              application/json:
                schema: PlanSchema
          404: Error
          503: Error
        """
        return self.backends.call("plans", "get_plan", plan_id)

    @http("PATCH", PLAN_URL)
    @endpoint(path=PlanPathSchema, body=PlanEditSchema)
    def edit_plan(self, call, plan_id):
        """Sửa bản nháp kế hoạch (trước khi ban hành)

        Mỗi lần sửa đưa kế hoạch về trạng thái nháp: cần rà soát lại trước khi ban hành.
        ---
        tags: [Kế hoạch]
        responses:
          200:
            description: Kế hoạch sau khi sửa.
            content:
              application/json:
                schema: PlanSchema
          400: Error
          403: Error
          404: Error
          409: Error
          503: Error
        """
        return self.backends.call("plans", "edit_plan", plan_id, call.body["changes"],
                                  call.body["expected_version"], call.context())

    @http("POST", PLAN_URL + "/review")
    @endpoint(path=PlanPathSchema, body=PlanReviewSchema)
    def review_plan(self, call, plan_id):
        """Xác nhận đã rà soát bản nháp kế hoạch
        ---
        tags: [Kế hoạch]
        responses:
          200:
            description: Kế hoạch đã rà soát.
            content:
              application/json:
                schema: PlanSchema
          403: Error
          404: Error
          409: Error
          503: Error
        """
        return self.backends.call("plans", "review_plan", plan_id, call.body["note"],
                                  call.body["expected_version"], call.context())

    @http("POST", PLAN_URL + "/issue")
    @endpoint(path=PlanPathSchema, body=PlanIssueSchema)
    def issue_plan(self, call, plan_id):
        """Ban hành kế hoạch (chỉ sau khi đã rà soát)
        ---
        tags: [Kế hoạch]
        responses:
          200:
            description: Kế hoạch đã ban hành.
            content:
              application/json:
                schema: PlanSchema
          400: Error
          403: Error
          404: Error
          409: Error
          503: Error
        """
        issued_on = call.body["issued_on"]
        return self.backends.call("plans", "issue_plan", plan_id, call.body["number"],
                                  issued_on.isoformat() if issued_on else None,
                                  call.body["expected_version"], call.context())

    @http("POST", PLAN_URL + "/tasks/<task>/progress")
    @endpoint(path=TaskPathSchema, body=ProgressSchema)
    def report_progress(self, call, plan_id, task):
        """Báo cáo tiến độ một nhiệm vụ

        Cán bộ cơ quan (agency_officer) chỉ báo cáo nhiệm vụ do cơ quan mình chủ trì; cán bộ tư
        pháp báo cáo thay trong phạm vi địa bàn của mình. Tài liệu minh chứng ghi tên tệp và mã
        băm SHA-256.
        ---
        tags: [Kế hoạch]
        responses:
          200:
            description: Kế hoạch với tiến độ mới.
            content:
              application/json:
                schema: PlanSchema
          400: Error
          403: Error
          404: Error
          409: Error
          503: Error
        """
        agency = call.principal.agency if call.principal.role == "agency_officer" else None
        body = call.body
        return self.backends.call("plans", "report_progress", plan_id, task, agency, body["status"],
                                  body["percent"], body["note"], body["evidence"], call.context())

    @http("PUT", PLAN_URL + "/tasks/<task>/link")
    @endpoint(path=TaskPathSchema, body=LinkSchema)
    def link_task(self, call, plan_id, task):
        """Gắn nhiệm vụ với kết quả đánh giá của một tỉnh (hoặc huyện) trong một năm

        Tiến độ của nhiệm vụ khi đó theo tỷ lệ xã đã nộp hồ sơ, đã thẩm định, đã có quyết định.
        ---
        tags: [Kế hoạch]
        responses:
          200:
            description: Kế hoạch với liên kết mới.
            content:
              application/json:
                schema: PlanSchema
          400: Error
          403: Error
          404: Error
          409: Error
          503: Error
        """
        body = call.body
        return self.backends.call("plans", "link_task", plan_id, task, body["province_code"],
                                  body["district_code"], body["year"], body["measure"], call.context())

    @http("GET", PLAN_URL + "/overdue")
    @endpoint(path=PlanPathSchema, query=OverdueQuerySchema)
    def plan_overdue(self, call, plan_id):
        """Các nhiệm vụ quá hạn của kế hoạch tính đến một ngày bất kỳ

        Mỗi nhiệm vụ và thời hạn đã qua (trước ngày xét) mà tiến độ báo cáo đến ngày đó chưa
        đạt 100%; ngày xét mặc định là hôm nay theo giờ Việt Nam. Chỉ đọc: không gắn cờ quá hạn.
        ---
        tags: [Kế hoạch]
        responses:
          200:
            description: Nhiệm vụ quá hạn tính đến ngày xét.
            content:
              application/json:
                schema: OverdueSchema
          400: Error
          404: Error
          503: Error
        """
        as_of = call.query["as_of"]
        return self.backends.call("plans", "overdue_tasks", plan_id,
                                  as_of.isoformat() if as_of else None)

    @http("GET", PLAN_URL + "/summary.xlsx")
    @endpoint(path=PlanPathSchema, query=SummaryQuerySchema)
    def plan_summary(self, call, plan_id):
        """Báo cáo sơ kết, tổng kết thực hiện kế hoạch trong năm (tệp Excel)
        ---
        tags: [Kế hoạch]
        responses:
          200: {description: Tệp .xlsx., content: {application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}}}
          400: Error
          404: Error
          503: Error
        """
        file = self.backends.call("plans", "summary_form", plan_id, call.query["year"],
                                  call.query["kind"])
        return Response(base64.b64decode(file["content_base64"]), mimetype=file["media_type"],
                        headers={"Content-Disposition": f'attachment; filename="{file["file_name"]}"'})

    @http("GET", "/api/v1/agencies/<agency_id>/tasks")
    @endpoint(path=AgencyPathSchema)
    def agency_tasks(self, call, agency_id):
        """Các nhiệm vụ một cơ quan chủ trì hoặc phối hợp, trong mọi kế hoạch
        ---
        tags: [Kế hoạch]
        responses:
          200:
            description: Nhiệm vụ và tiến độ.
            content:
              application/json:
                schema: AgencyTasksSchema
          503: Error
        """
        return {"agency_id": agency_id,
                "tasks": self.backends.call("plans", "agency_tasks", agency_id)}

    @http("GET", "/api/v1/provinces/<province_code>/agencies")
    @endpoint(path=ProvincePathSchema)
    def list_agencies(self, call, province_code):
        """Danh mục cơ quan của một tỉnh (cơ quan chủ trì, phối hợp trong kế hoạch)
        ---
        tags: [Kế hoạch]
        responses:
          200:
            description: Các cơ quan.
            content:
              application/json:
                schema: AgencyListSchema
          503: Error
        """
        return {"agencies": self.backends.call("plans", "list_agencies", province_code)}

"""The gateway service: HTTP routes only; the work is done in the modules they call.

Run with ``nameko run --config config/nameko.yaml gateway.service:GatewayService``.
Handler docstrings are the API documentation shown on /docs, hence in Vietnamese.
"""

from __future__ import annotations

from gateway import chains, docs, health, idempotency, lookup, openapi
from gateway.dependencies import Authenticator, BackingServices, BrokerProbe
from gateway.evidence import EvidenceFilesProvider
from gateway.http import endpoint
from gateway.idempotency import IdempotencySecret
from gateway.reviewing_levels import ReviewingLevels
from gateway.routes.accounts import AccountsRoutes
from gateway.routes.assessment import AssessmentRoutes
from gateway.routes.audit import AuditRoutes
from gateway.routes.board import BoardRoutes
from gateway.routes.evidence import EvidenceRoutes
from gateway.routes.plans import PlansRoutes
from gateway.routes.survey import SurveyRoutes
from gateway.routes.workspace import WorkspaceRoutes
from gateway.routes.workspace_admin import WorkspaceAdminRoutes
from gateway.routes.workspace_audit import WorkspaceAuditRoutes
from gateway.routes.workspace_commune import CommuneWorkspaceRoutes
from gateway.routes.workspace_plans import WorkspacePlansRoutes
from gateway.routes.workspace_posting import WorkspacePostingRoutes
from gateway.routes.workspace_reports import ReportsRoutes
from gateway.routes.workspace_review import ReviewRoutes
from gateway.routes.workspace_survey import WorkspaceSurveyRoutes
from gateway.schemas import (
    EventsQuerySchema,
    ReviewingLevelPathSchema,
    ReviewingLevelUpdateSchema,
    UnitsYearQuerySchema,
)
from gateway.web import http
from kernel import nameko as _registers_kernel_errors  # noqa: F401 (errors cross RPC intact)
from kernel.nameko import StartupHeapFrozen

REVIEWING_LEVEL_URL = "/api/v1/provinces/<province_code>/reviewing-levels/<int:year>"


class GatewayService(AssessmentRoutes, EvidenceRoutes, SurveyRoutes, AuditRoutes, BoardRoutes,
                     PlansRoutes, AccountsRoutes, CommuneWorkspaceRoutes, WorkspacePostingRoutes,
                     ReviewRoutes, ReportsRoutes, WorkspacePlansRoutes, WorkspaceSurveyRoutes,
                     WorkspaceAuditRoutes, WorkspaceAdminRoutes, WorkspaceRoutes):
    name = "gateway"

    auth = Authenticator()
    backends = BackingServices()
    broker = BrokerProbe()
    reviewing_levels = ReviewingLevels()
    answer_keys = IdempotencySecret()  # seals the answers kept for idempotency keys
    chain_verification = chains.ChainVerification()
    evidence = EvidenceFilesProvider()  # uploaded files: their store, limits, trust roots
    startup_heap = StartupHeapFrozen(warm=lookup.provinces)

    # -- operations --------------------------------------------------------------------------
    @http("GET", "/health")
    @endpoint()
    def get_health(self, call):
        """Tình trạng hệ thống

        Hỏi đồng thời từng dịch vụ (assessment, plans, publication, survey, accounts), mỗi
        dịch vụ có thời hạn trả lời riêng, kèm những gì cổng API thấy: mạch ngắt và số yêu cầu đang chờ
        của từng dịch vụ, bảng kết quả có đang hiển thị trang lưu hay không. Trả về 200 khi
        mọi dịch vụ hoạt động, không mạch ngắt nào mở và bảng kết quả không phải dùng trang
        lưu; 503 trong trường hợp khác.
        ---
        tags: [Hệ thống]
        responses:
          200:
            description: Mọi dịch vụ đều hoạt động.
            content:
              application/json:
                schema: HealthSchema
          503:
            description: Có dịch vụ suy giảm (degraded) hoặc ngừng (down).
            content:
              application/json:
                schema: HealthSchema
        """
        report = health.gather(self.backends, self.broker, self.board_cache)
        return (200 if report["status"] == "up" else 503), report

    @http("GET", "/openapi.json")
    @endpoint(document=False)
    def openapi_document(self, call):
        return openapi.document_for(type(self))

    @http("GET", "/docs")
    @endpoint(document=False)
    def docs_page(self, call):
        return docs.page()

    @http("GET", "/docs/assets/<path:filename>")
    @endpoint(document=False)
    def docs_asset(self, call, filename):
        return docs.asset(call.request, filename)

    # -- administrative units ----------------------------------------------------------------
    @http("GET", "/api/v1/units/provinces")
    @endpoint()
    def list_provinces(self, call):
        """Danh sách tỉnh, thành phố
        ---
        tags: [Đơn vị hành chính]
        responses:
          200:
            description: Các tỉnh, thành phố hiện hành.
            content:
              application/json:
                schema: ProvinceListSchema
        """
        return {"provinces": [unit.to_dict() for unit in lookup.provinces()]}

    @http("GET", "/api/v1/units/provinces/<code>")
    @endpoint()
    def get_province(self, call, code):
        """Một tỉnh, thành phố theo mã
        ---
        tags: [Đơn vị hành chính]
        responses:
          200:
            description: Tỉnh, thành phố.
            content:
              application/json:
                schema: ProvinceSchema
          404: Error
        """
        return lookup.province(code).to_dict()

    @http("GET", "/api/v1/units/provinces/<code>/communes")
    @endpoint(query=UnitsYearQuerySchema)
    def list_communes(self, call, code):
        """Các xã, phường, đặc khu của một tỉnh

        Không có year: các đơn vị hiện hành (từ 01/7/2025). Có year: các đơn vị có vào ngày
        31/12 của năm đó; đến năm 2024 là tỉnh trước sắp xếp (63 tỉnh) và mỗi xã có mã huyện.
        ---
        tags: [Đơn vị hành chính]
        responses:
          200:
            description: Tỉnh và các đơn vị cấp xã của tỉnh (trong năm year, nếu có).
            content:
              application/json:
                schema: ProvinceCommunesSchema
          400: Error
          404: Error
        """
        year = call.query.get("year")
        if year is None:
            province = lookup.province(code)
            communes = lookup.communes_of(province.code)
        else:
            province = lookup.province_in(code, year)
            communes = lookup.communes_in(province.code, year)
        return {"province": province.to_dict(), "communes": [unit.to_dict() for unit in communes]}

    @http("GET", "/api/v1/units/communes/<code>")
    @endpoint()
    def get_commune(self, call, code):
        """Một xã, phường, đặc khu theo mã
        ---
        tags: [Đơn vị hành chính]
        responses:
          200:
            description: Đơn vị cấp xã.
            content:
              application/json:
                schema: CommuneSchema
          404: Error
        """
        return lookup.commune(code).to_dict()

    # -- reviewing levels ----------------------------------------------------------------------
    @http("GET", REVIEWING_LEVEL_URL)
    @endpoint(path=ReviewingLevelPathSchema)
    def get_reviewing_level(self, call, province_code, year):
        """Cấp thẩm định của một tỉnh trong một năm đánh giá

        Cấp huyện (district) hay cấp tỉnh (province) thẩm định hồ sơ đề nghị công nhận.
        Nếu chưa cấu hình, trả về mức mặc định theo quy định (source = default).
        ---
        tags: [Cấp thẩm định]
        responses:
          200:
            description: Cấp thẩm định đang áp dụng.
            content:
              application/json:
                schema: ReviewingLevelSchema
          404: Error
          503: Error
        """
        lookup.require_province_in(province_code, year)
        return self.backends.call("assessment", "get_reviewing_level", province_code, year)

    @http("PUT", REVIEWING_LEVEL_URL)
    @endpoint(path=ReviewingLevelPathSchema, body=ReviewingLevelUpdateSchema)
    def set_reviewing_level(self, call, province_code, year):
        """Cấu hình cấp thẩm định của một tỉnh trong một năm đánh giá

        Gửi kèm expected_version (phiên bản đã đọc) để không ghi đè thay đổi của người khác:
        nếu cấu hình đã đổi sau lần đọc đó, trả về 409.
        ---
        tags: [Cấp thẩm định]
        responses:
          200:
            description: Cấu hình đã ghi.
            content:
              application/json:
                schema: ReviewingLevelSchema
          404: Error
          409: Error
          503: Error
        """
        lookup.require_province_in(province_code, year)
        reply = self.backends.call(
            "assessment", "set_reviewing_level", province_code, year, call.body["level"],
            call.body["expected_version"], call.context())
        # The answer comes wrapped with its idempotency key; the endpoint unwraps it.
        self.reviewing_levels.remember(idempotency.unwrap(reply, call.idempotency_key)[0])
        return reply

    # -- audit ---------------------------------------------------------------------------------
    @http("GET", "/api/v1/events")
    @endpoint(query=EventsQuerySchema)
    def list_events(self, call):
        """Sự kiện đã ghi của một dịch vụ, theo thứ tự

        Đọc tiếp từ vị trí after; head_position là vị trí mới nhất của kho sự kiện.
        ---
        tags: [Kiểm toán]
        responses:
          200:
            description: Một trang sự kiện.
            content:
              application/json:
                schema: EventsPageSchema
          503: Error
        """
        query = call.query
        return self.backends.call(query["source"], "events_after", query["after"], query["limit"])

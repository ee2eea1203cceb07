"""HTTP routes of the assessment workflow, criteria sets and roll-ups.

Who may run each step is gateway/permissions.py's table, enforced by the ``endpoint``
decorator before a handler runs: the commune's steps by its own officer, the review steps by
the level that reviews the commune's province in that year, reads within the reader's
jurisdiction where the commune lay in the evaluation year.
"""

from __future__ import annotations

import base64
from datetime import date

from werkzeug.wrappers import Response

from gateway.http import endpoint
from gateway.routes.assessment_schemas import (  # noqa: F401 (names used in docstrings)
    AnswerSchema,
    AppraisalStartSchema,
    AppraiseIndicatorsSchema,
    AppraiseSchema,
    AssessmentEventsSchema,
    AssessmentPathSchema,
    AssessmentSchema,
    AssessmentWrittenSchema,
    CheckSchema,
    CommentPathSchema,
    CommentSchema,
    CompleteAppraisalSchema,
    CriteriaSetDocumentSchema,
    CriteriaSetListSchema,
    CriteriaSetPathSchema,
    CriteriaSetSchema,
    CriteriaSetSummarySchema,
    CriteriaSetVersionPathSchema,
    DecisionSchema,
    DeclarationsSchema,
    DossierSchema,
    EmptyCommandSchema,
    EndPostingSchema,
    EvaluationReportCorrectionSchema,
    EvaluationReportPathSchema,
    EvaluationReportQuerySchema,
    EvaluationReportSchema,
    EvaluationReportSentSchema,
    EvaluationReportsSchema,
    FiguresSchema,
    IndicatorPathSchema,
    IndicatorsFiguresSchema,
    OpinionSchema,
    PauseLiftSchema,
    PauseListSchema,
    PauseQuerySchema,
    PauseSchema,
    PauseYearPathSchema,
    PostingSchema,
    ReopenSchema,
    RevocationSchema,
    RollupPathSchema,
    RollupQuerySchema,
    RollupSchema,
    SelfAssessmentSchema,
    SupplementRequestSchema,
    SupplementSchema,
    YearPausesSchema,
)
from gateway.web import http

BASE = "/api/v1/communes/<commune_code>/assessments/<int:year>"
TAG = "Đánh giá chuẩn tiếp cận pháp luật"
CRITERIA_TAG = "Bộ tiêu chí"
ROLLUP_TAG = "Tổng hợp kết quả"
# API field names that differ from the workflow's argument names
RENAMED = {"end_posting": {"ended_on": "today"}}


def _arguments(command: str, body: dict, **extra) -> tuple[dict, int | None]:
    body = dict(body or {})
    expected_version = body.pop("expected_version", None)
    renamed = RENAMED.get(command, {})
    arguments = {renamed.get(key, key): (value.isoformat() if isinstance(value, date) else value)
                 for key, value in body.items()}
    arguments.update(extra)
    return arguments, expected_version


class AssessmentRoutes:
    OPENAPI_TAGS = (
        {"name": TAG, "description": "Quy trình đánh giá của từng xã theo năm: tự đánh giá, niêm yết, "
                                     "hồ sơ, kiểm tra, thẩm định, quyết định công nhận."},
        {"name": CRITERIA_TAG, "description": "Bộ tiêu chí theo phiên bản; quản trị viên công bố phiên bản mới."},
        {"name": ROLLUP_TAG, "description": "Kết quả theo tỉnh, huyện và năm: trạng thái, điểm, tỷ lệ đạt chuẩn."},
    )

    # -- helpers -------------------------------------------------------------------------------
    def _command(self, call, commune_code, year, command, **extra):
        """``assessment.<command>``: the service's RPC of that command (its
        services/assessment/commands.py dataclass), with the body as its arguments."""
        arguments, expected_version = _arguments(command, call.body, **extra)
        return self.backends.call("assessment", command, commune_code, year, arguments,
                                  expected_version, call.context())

    # -- reading -------------------------------------------------------------------------------
    @http("GET", BASE)
    @endpoint(path=AssessmentPathSchema)
    def get_assessment(self, call, commune_code, year):
        """Hồ sơ đánh giá của một xã trong một năm

        Gồm trạng thái, các bước đã làm, bảng tự chấm điểm (self_score), bảng điểm thẩm định của
        Hội đồng (appraised_score, điểm chính thức) và kết quả xét từng điều kiện công nhận
        (recognition: giá trị, ngưỡng, kết luận và còn thiếu gì). Cán bộ xã chỉ xem được xã mình.
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200:
            description: Hồ sơ đánh giá.
            content:
              application/json:
                schema: AssessmentSchema
          404: Error
          503: Error
        """
        return self.backends.call("assessment", "get_assessment", commune_code, year)

    @http("GET", BASE + "/events")
    @endpoint(path=AssessmentPathSchema)
    def get_assessment_events(self, call, commune_code, year):
        """Các sự kiện của hồ sơ đánh giá (ai làm gì, khi nào)
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200:
            description: Sự kiện theo thứ tự, kèm người thực hiện trong metadata.
            content:
              application/json:
                schema: AssessmentEventsSchema
          404: Error
          503: Error
        """
        return {"events": self.backends.call("assessment", "assessment_events", commune_code, year)}

    # -- the commune's steps ---------------------------------------------------------------------
    @http("POST", BASE)
    @endpoint(path=AssessmentPathSchema)
    def open_assessment(self, call, commune_code, year):
        """Mở hồ sơ đánh giá của xã cho năm đánh giá

        Bộ tiêu chí (và phiên bản) áp dụng cho năm được ghi lại và giữ nguyên đến hết quy trình,
        cùng các thời hạn của bộ tiêu chí đó. Năm đã ghi nhận tạm dừng đánh giá (toàn quốc hoặc
        tỉnh của xã): 409 year_paused, thông báo nêu căn cứ.
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          201:
            description: Hồ sơ đã mở.
            content:
              application/json:
                schema: AssessmentWrittenSchema
          404: Error
          409: Error
          503: Error
        """
        return 201, self.backends.call("assessment", "open_assessment", commune_code, year,
                                       call.context())

    @http("PUT", BASE + "/figures/<indicator_id>")
    @endpoint(path=IndicatorPathSchema, body=FiguresSchema)
    def record_figures(self, call, commune_code, year, indicator_id):
        """Nhập số liệu thực hiện và tài liệu minh chứng của một chỉ tiêu
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "record_figures", indicator_id=indicator_id)

    @http("PUT", BASE + "/figures")
    @endpoint(path=AssessmentPathSchema, body=IndicatorsFiguresSchema)
    def record_indicators_figures(self, call, commune_code, year):
        """Nhập số liệu của nhiều chỉ tiêu trong một lần (ví dụ cả một tiêu chí)

        Tất cả được ghi cùng lúc, hoặc không chỉ tiêu nào được ghi nếu có một chỉ tiêu bị từ
        chối (lỗi nêu rõ chỉ tiêu đó).
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "record_indicators_figures")

    @http("PUT", BASE + "/declarations")
    @endpoint(path=AssessmentPathSchema, body=DeclarationsSchema)
    def declare_conditions(self, call, commune_code, year):
        """Kê khai các điều kiện công nhận (kỷ luật cán bộ, phân loại xã)
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "declare_conditions")

    @http("POST", BASE + "/self-assessment")
    @endpoint(path=AssessmentPathSchema, body=SelfAssessmentSchema)
    def submit_self_assessment(self, call, commune_code, year):
        """Hoàn thành tự đánh giá, tự chấm điểm

        Cần có số liệu của mọi chỉ tiêu. Thân yêu cầu: {"submitted_on": "YYYY-MM-DD"} (không
        sau hôm nay, không trước bước trước đó), hoặc {} để không ghi ngày.
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "submit_self_assessment")

    @http("POST", BASE + "/self-assessment/reopen")
    @endpoint(path=AssessmentPathSchema, body=ReopenSchema)
    def reopen_self_assessment(self, call, commune_code, year):
        """Mở lại bản tự đánh giá đã hoàn thành để sửa

        Chỉ được mở lại trước khi niêm yết công khai, và phải nêu lý do. Hồ sơ trở lại trạng thái
        đang tự đánh giá; số liệu đã nhập được giữ nguyên. Sau khi niêm yết thì trả về 409.
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã mở lại., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "reopen_self_assessment")

    @http("POST", BASE + "/posting")
    @endpoint(path=AssessmentPathSchema, body=PostingSchema)
    def start_posting(self, call, commune_code, year):
        """Niêm yết công khai kết quả tự đánh giá
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "start_posting")

    @http("POST", BASE + "/posting/comments")
    @endpoint(path=AssessmentPathSchema, body=CommentSchema)
    def record_comment(self, call, commune_code, year):
        """Ghi nhận ý kiến góp ý trong thời gian niêm yết
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "record_comment")

    @http("POST", BASE + "/posting/comments/<comment_id>/answer")
    @endpoint(path=CommentPathSchema, body=AnswerSchema)
    def answer_comment(self, call, commune_code, year, comment_id):
        """Trả lời một ý kiến góp ý
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "answer_comment", comment_id=comment_id)

    @http("POST", BASE + "/posting/end")
    @endpoint(path=AssessmentPathSchema, body=EndPostingSchema)
    def end_posting(self, call, commune_code, year):
        """Kết thúc niêm yết (không sớm hơn thời hạn tối thiểu)
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "end_posting")

    @http("POST", BASE + "/dossier")
    @endpoint(path=AssessmentPathSchema, body=DossierSchema)
    def submit_dossier(self, call, commune_code, year):
        """Gửi hồ sơ đề nghị công nhận

        Mọi ý kiến góp ý phải được trả lời trước. Hồ sơ gửi muộn vẫn được nhận và đánh dấu late.
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "submit_dossier")

    @http("POST", BASE + "/dossier/supplements")
    @endpoint(path=AssessmentPathSchema, body=SupplementSchema)
    def provide_supplement(self, call, commune_code, year):
        """Bổ sung hồ sơ theo yêu cầu
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "provide_supplement")

    # -- the justice office ----------------------------------------------------------------------
    @http("POST", BASE + "/dossier/check")
    @endpoint(path=AssessmentPathSchema, body=CheckSchema)
    def pass_check(self, call, commune_code, year):
        """Kiểm tra hồ sơ: đạt, chuyển Hội đồng thẩm định
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "pass_check")

    @http("POST", BASE + "/dossier/supplement-requests")
    @endpoint(path=AssessmentPathSchema, body=SupplementRequestSchema)
    def request_supplement(self, call, commune_code, year):
        """Yêu cầu xã bổ sung hồ sơ
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "request_supplement")

    # -- the council -----------------------------------------------------------------------------
    @http("POST", BASE + "/appraisal")
    @endpoint(path=AssessmentPathSchema, body=AppraisalStartSchema)
    def start_appraisal(self, call, commune_code, year):
        """Bắt đầu thẩm định (họp Hội đồng hoặc lấy ý kiến bằng văn bản)
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "start_appraisal")

    @http("POST", BASE + "/appraisal/opinions")
    @endpoint(path=AssessmentPathSchema, body=OpinionSchema)
    def record_opinion(self, call, commune_code, year):
        """Ghi ý kiến của một thành viên Hội đồng
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "record_opinion")

    @http("PUT", BASE + "/appraisal/indicators/<indicator_id>")
    @endpoint(path=IndicatorPathSchema, body=AppraiseSchema)
    def appraise_indicator(self, call, commune_code, year, indicator_id):
        """Chấm điểm thẩm định một chỉ tiêu (hoặc đạt/không đạt)
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "appraise_indicator",
                             indicator_id=indicator_id)

    @http("PUT", BASE + "/appraisal/indicators")
    @endpoint(path=AssessmentPathSchema, body=AppraiseIndicatorsSchema)
    def appraise_indicators(self, call, commune_code, year):
        """Chấm điểm thẩm định nhiều chỉ tiêu trong một lần

        Tất cả được ghi cùng lúc, hoặc không chỉ tiêu nào được ghi nếu có một điểm bị từ chối.
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "appraise_indicators")

    @http("POST", BASE + "/appraisal/complete")
    @endpoint(path=AssessmentPathSchema, body=CompleteAppraisalSchema)
    def complete_appraisal(self, call, commune_code, year):
        """Hoàn thành thẩm định (đủ chỉ tiêu, đủ ý kiến, đủ 2/3 thành viên dự họp)
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "complete_appraisal")

    # -- the chairman ----------------------------------------------------------------------------
    @http("POST", BASE + "/decision")
    @endpoint(path=AssessmentPathSchema, body=DecisionSchema)
    def decide(self, call, commune_code, year):
        """Quyết định công nhận hoặc không công nhận đạt chuẩn
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "decide")

    @http("POST", BASE + "/revocation")
    @endpoint(path=AssessmentPathSchema, body=RevocationSchema)
    def revoke(self, call, commune_code, year):
        """Thu hồi quyết định công nhận
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã ghi., content: {application/json: {schema: AssessmentWrittenSchema}}}
          409: Error
          503: Error
        """
        return self._command(call, commune_code, year, "revoke")

    # -- criteria sets ---------------------------------------------------------------------------
    @http("GET", "/api/v1/criteria-sets")
    @endpoint()
    def list_criteria_sets(self, call):
        """Các bộ tiêu chí và phiên bản (có sẵn và do quản trị viên công bố)
        ---
        tags: [Bộ tiêu chí]
        responses:
          200:
            description: Danh sách phiên bản; provisional = còn giá trị tạm thời.
            content:
              application/json:
                schema: CriteriaSetListSchema
          503: Error
        """
        return {"criteria_sets": self.backends.call("assessment", "list_criteria_sets")}

    @http("POST", "/api/v1/criteria-sets")
    @endpoint(body=CriteriaSetDocumentSchema)
    def publish_criteria_set(self, call):
        """Công bố phiên bản mới của một bộ tiêu chí

        Thân yêu cầu là tài liệu bộ tiêu chí (định dạng tệp dữ liệu). Mọi lỗi được liệt kê trong
        details.problems (400). Phiên bản đã tồn tại (kể cả bộ có sẵn) trả về 409: phiên bản đã
        công bố không bao giờ bị sửa.
        ---
        tags: [Bộ tiêu chí]
        responses:
          201:
            description: Đã công bố.
            content:
              application/json:
                schema: CriteriaSetSummarySchema
          409: Error
          503: Error
        """
        return 201, self.backends.call("assessment", "publish_criteria_set", call.body,
                                       call.context())

    @http("GET", "/api/v1/criteria-sets/<set_id>")
    @endpoint(path=CriteriaSetPathSchema)
    def get_criteria_set(self, call, set_id):
        """Phiên bản mới nhất của một bộ tiêu chí
        ---
        tags: [Bộ tiêu chí]
        responses:
          200: {description: Bộ tiêu chí., content: {application/json: {schema: CriteriaSetSchema}}}
          404: Error
          503: Error
        """
        return self.backends.call("assessment", "get_criteria_set", set_id, None)

    @http("GET", "/api/v1/criteria-sets/<set_id>/versions/<int:version>")
    @endpoint(path=CriteriaSetVersionPathSchema)
    def get_criteria_set_version(self, call, set_id, version):
        """Một phiên bản của bộ tiêu chí
        ---
        tags: [Bộ tiêu chí]
        responses:
          200: {description: Bộ tiêu chí., content: {application/json: {schema: CriteriaSetSchema}}}
          404: Error
          503: Error
        """
        return self.backends.call("assessment", "get_criteria_set", set_id, version)

    # -- paused evaluation years -----------------------------------------------------------------
    @http("GET", "/api/v1/evaluation-pauses")
    @endpoint(query=PauseQuerySchema)
    def list_pauses(self, call):
        """Các năm đánh giá bị tạm dừng (toàn quốc hoặc từng tỉnh) và căn cứ
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Tạm dừng đang có hiệu lực., content: {application/json: {schema: PauseListSchema}}}
          503: Error
        """
        return {"pauses": self.backends.call("assessment", "list_pauses", call.query["year"])}

    @http("POST", "/api/v1/evaluation-pauses/<int:evaluation_year>")
    @endpoint(path=PauseYearPathSchema, body=PauseSchema)
    def record_pause(self, call, evaluation_year):
        """Ghi nhận năm đánh giá bị tạm dừng, với căn cứ

        Toàn quốc (province_code trống): quản trị viên. Một tỉnh: quản trị viên hoặc Sở Tư pháp
        của tỉnh đó. Sau khi ghi nhận, không mở được hồ sơ đánh giá của năm đó (409 year_paused)
        và bảng kết quả ghi “Năm …: tạm dừng đánh giá theo …”. Đã ghi nhận rồi: 409.
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          201: {description: Đã ghi nhận., content: {application/json: {schema: YearPausesSchema}}}
          403: Error
          409: Error
          503: Error
        """
        body = call.body
        decided_on = body["decided_on"].isoformat() if body["decided_on"] else None
        return 201, self.backends.call("assessment", "record_pause", evaluation_year,
                                       body["province_code"],
                                       body["legal_basis"], body["notice"], decided_on,
                                       call.context())

    @http("POST", "/api/v1/evaluation-pauses/<int:evaluation_year>/lift")
    @endpoint(path=PauseYearPathSchema, body=PauseLiftSchema)
    def lift_pause(self, call, evaluation_year):
        """Bỏ tạm dừng đánh giá (ví dụ đã ghi nhầm); sự kiện cũ vẫn được giữ
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Đã bỏ tạm dừng., content: {application/json: {schema: YearPausesSchema}}}
          403: Error
          404: Error
          503: Error
        """
        return self.backends.call("assessment", "lift_pause", evaluation_year, call.body["province_code"],
                                  call.body["reason"], call.context())

    # -- the reviewing units' yearly reports -----------------------------------------------------
    @http("GET", "/api/v1/evaluation-reports")
    @endpoint(query=EvaluationReportQuerySchema)
    def list_evaluation_reports(self, call):
        """Báo cáo kết quả đánh giá, công nhận của các đơn vị trong một năm và tình trạng gửi

        Theo lịch của bộ tiêu chí của năm: 25/2021 có báo cáo của huyện gửi tỉnh (trước 15/02 năm
        sau, Mẫu 09 và Mẫu 10) và của tỉnh gửi Bộ Tư pháp (trước 20/02); 27/2025 chỉ còn báo cáo
        của tỉnh. Mỗi đơn vị phải báo cáo: hạn (“trước ngày”: gửi đúng ngày đó là muộn), ngày gửi,
        số văn bản, tình trạng sent (đã gửi), sent_late (gửi muộn), due (chưa đến hạn) hoặc
        overdue (quá hạn) tính đến ngày as_of; số đơn vị theo từng tình trạng. Huyện của tỉnh tự
        thẩm định trong năm, và tỉnh tạm dừng đánh giá, không phải báo cáo.
        ---
        tags: [Tổng hợp kết quả]
        responses:
          200: {description: Các báo cáo của năm., content: {application/json: {schema: EvaluationReportsSchema}}}
          403: Error
          404: Error
          503: Error
        """
        area, as_of = call.target, call.query["as_of"]
        return self.backends.call("assessment", "evaluation_reports", area.year, area.province,
                                  area.district, as_of.isoformat() if as_of else None)

    @http("POST", "/api/v1/evaluation-reports/<int:year>/<report_id>/<unit_code>")
    @endpoint(path=EvaluationReportPathSchema, body=EvaluationReportSentSchema)
    def record_evaluation_report(self, call, year, report_id, unit_code):
        """Ghi nhận đơn vị đã gửi báo cáo kết quả của năm

        Phòng Tư pháp hoặc Chủ tịch Ủy ban nhân dân huyện ghi cho huyện mình, Sở Tư pháp hoặc
        Chủ tịch Ủy ban nhân dân tỉnh cho tỉnh mình. Báo cáo không có trong lịch của bộ tiêu chí
        năm đó: 404; báo cáo của cấp khác: 400; năm tạm dừng: 409 year_paused; đã ghi rồi: 409
        report_already_sent (ghi sai thì gửi đính chính kèm lý do).
        ---
        tags: [Tổng hợp kết quả]
        responses:
          201: {description: Đã ghi nhận., content: {application/json: {schema: EvaluationReportSchema}}}
          400: Error
          403: Error
          404: Error
          409: Error
          503: Error
        """
        body = call.body
        return 201, self.backends.call("assessment", "record_evaluation_report", year, report_id,
                                       unit_code, body["sent_on"].isoformat(),
                                       body["document_number"], call.context())

    @http("POST", "/api/v1/evaluation-reports/<int:year>/<report_id>/<unit_code>/correction")
    @endpoint(path=EvaluationReportPathSchema, body=EvaluationReportCorrectionSchema)
    def correct_evaluation_report(self, call, year, report_id, unit_code):
        """Đính chính ngày gửi hoặc số văn bản đã ghi, kèm lý do; bản ghi cũ vẫn được giữ
        ---
        tags: [Tổng hợp kết quả]
        responses:
          200: {description: Đã đính chính., content: {application/json: {schema: EvaluationReportSchema}}}
          400: Error
          403: Error
          404: Error
          503: Error
        """
        body = call.body
        return self.backends.call("assessment", "correct_evaluation_report", year, report_id,
                                  unit_code, body["sent_on"].isoformat(), body["document_number"],
                                  body["reason"], call.context())

    # -- roll-ups --------------------------------------------------------------------------------
    @http("GET", "/api/v1/provinces/<province_code>/assessments")
    @endpoint(path=RollupPathSchema, query=RollupQuerySchema)
    def province_assessments(self, call, province_code):
        """Tổng hợp kết quả đánh giá của tỉnh (hoặc một huyện) trong một năm

        Từng xã: trạng thái, tổng điểm tự chấm, tổng điểm thẩm định, đạt chuẩn hay không; số
        lượng và tỷ lệ đạt chuẩn theo huyện và toàn tỉnh. Cán bộ cấp huyện chỉ xem huyện mình.
        ---
        tags: [Tổng hợp kết quả]
        responses:
          200: {description: Tổng hợp., content: {application/json: {schema: RollupSchema}}}
          404: Error
          503: Error
        """
        area = call.target
        return self.backends.call("assessment", "province_rollup", province_code, area.year,
                                  area.district)

    # -- the forms as .xlsx ----------------------------------------------------------------------
    @http("GET", BASE + "/forms/02.xlsx")
    @endpoint(path=AssessmentPathSchema)
    def form_02(self, call, commune_code, year):
        """Mẫu 02: bảng tự chấm điểm của xã (tệp Excel)

        Cột: STT | Tiêu chí, chỉ tiêu | Điểm tối đa | Điểm tự chấm | Tài liệu kiểm chứng (tên tệp
        minh chứng). Dòng tiêu chí in đậm kèm điểm cộng của tiêu chí; dòng cuối là tổng cộng. Bộ
        tiêu chí đạt/không đạt (27/2025) ghi "Đạt"/"Không đạt" thay cho điểm. Bộ tiêu chí còn tạm
        thời thì có dòng ghi chú dưới tiêu đề. Cán bộ xã chỉ tải được của xã mình.
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Tệp .xlsx., content: {application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}}}
          404: Error
          503: Error
        """
        return _xlsx(self.backends.call("assessment", "assessment_form", commune_code, year, "02"))

    @http("GET", BASE + "/forms/07.xlsx")
    @endpoint(path=AssessmentPathSchema)
    def form_07(self, call, commune_code, year):
        """Mẫu 07: bảng tổng hợp kết quả thẩm định điểm của Hội đồng (tệp Excel)

        Cột: STT | Tiêu chí, chỉ tiêu | Điểm tối đa | Điểm tự chấm | Điểm thẩm định | Lý do (lý do
        Hội đồng ghi cho từng chỉ tiêu). Chỉ tiêu chưa thẩm định để trống.
        ---
        tags: [Đánh giá chuẩn tiếp cận pháp luật]
        responses:
          200: {description: Tệp .xlsx., content: {application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}}}
          404: Error
          503: Error
        """
        return _xlsx(self.backends.call("assessment", "assessment_form", commune_code, year, "07"))

    @http("GET", "/api/v1/provinces/<province_code>/assessments/forms/08.xlsx")
    @endpoint(path=RollupPathSchema, query=RollupQuerySchema)
    def form_08(self, call, province_code):
        """Mẫu 08: danh sách xã đạt chuẩn và chưa đạt chuẩn kèm quyết định (tệp Excel)

        Hai trang "Đạt chuẩn" và "Chưa đạt chuẩn". Cột: STT | Xã, phường, thị trấn | Huyện (nếu có)
        | Tổng điểm (điểm thẩm định) | Số, ngày quyết định | Ghi chú (với xã chưa đạt: các điều
        kiện chưa bảo đảm). Cán bộ cấp huyện chỉ tải được huyện mình.
        ---
        tags: [Tổng hợp kết quả]
        responses:
          200: {description: Tệp .xlsx., content: {application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}}}
          404: Error
          503: Error
        """
        area = call.target
        return _xlsx(self.backends.call("assessment", "rollup_form", province_code, area.year,
                                        area.district, "08"))

    @http("GET", "/api/v1/provinces/<province_code>/assessments/forms/09.xlsx")
    @endpoint(path=RollupPathSchema, query=RollupQuerySchema)
    def form_09(self, call, province_code):
        """Mẫu 09: báo cáo tổng hợp kết quả đánh giá, công nhận theo huyện hoặc toàn tỉnh (tệp Excel)

        Cột: STT | Đơn vị | Tổng số đơn vị cấp xã | Số đạt chuẩn | Tỷ lệ % (trên tổng số xã) | Số
        chưa đạt chuẩn | Chưa đánh giá (chưa có quyết định, kể cả xã chưa mở hồ sơ) | Huyện đạt chuẩn
        huyện (Quyết định 1723/QĐ-BTP, chỉ các năm 2022–2024 có cấp huyện).
        ---
        tags: [Tổng hợp kết quả]
        responses:
          200: {description: Tệp .xlsx., content: {application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}}}
          404: Error
          503: Error
        """
        area = call.target
        return _xlsx(self.backends.call("assessment", "rollup_form", province_code, area.year,
                                        area.district, "09"))

    @http("GET", "/api/v1/provinces/<province_code>/assessments/forms/10.xlsx")
    @endpoint(path=RollupPathSchema, query=RollupQuerySchema)
    def form_10(self, call, province_code):
        """Mẫu 10: bảng tổng hợp kết quả đánh giá, công nhận từng xã kèm báo cáo (tệp Excel)

        Một dòng cho mỗi xã của huyện hoặc của tỉnh trong năm (kể cả xã chưa mở hồ sơ). Cột: STT |
        Xã, phường, thị trấn | Huyện (nếu có) | Tiêu chí 1 … Tiêu chí n (điểm thẩm định, hoặc
        Đạt/Không đạt) | Tổng điểm | Kết quả | Số, ngày quyết định; dòng cuối là số đạt chuẩn trên
        tổng số xã và tỷ lệ như Mẫu 09. Bố cục cột suy ra từ các danh sách đã công bố, chưa đối
        chiếu phụ lục chính thức của Thông tư 09/2021/TT-BTP.
        ---
        tags: [Tổng hợp kết quả]
        responses:
          200: {description: Tệp .xlsx., content: {application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {schema: {type: string, format: binary}}}}
          404: Error
          503: Error
        """
        area = call.target
        return _xlsx(self.backends.call("assessment", "rollup_form", province_code, area.year,
                                        area.district, "10"))


def _xlsx(file: dict) -> Response:
    """The service's base64 file as a download."""
    return Response(base64.b64decode(file["content_base64"]), mimetype=file["media_type"],
                    headers={"Content-Disposition": f'attachment; filename="{file["file_name"]}"'})

"""HTTP routes of surveys and kiosks, over the survey service's RPCs (docs/survey.md).

Who may do what is gateway/permissions.py's table: administrators publish questionnaires;
the justice office over the commune (or an administrator), never the commune's own officer,
opens and closes its campaigns, registers and revokes its kiosks and issues single-use codes;
any token reads a campaign, its results and its kiosks within its jurisdiction (a commune
officer their own commune's only). Kiosks authenticate with their device token
(``Authorization: Kiosk <token>``, see gateway/kiosk.py) and send answers only.
"""

from __future__ import annotations

from contracts.survey import TooManyRequests
from gateway import kiosk, lookup
from gateway.http import endpoint, error_response, json_response
from gateway.routes.survey_schemas import (  # response schemas: named in the docstrings
    BatchResultSchema,
    CampaignClosedSchema,
    CampaignInputSchema,
    CampaignPathSchema,
    CodesInputSchema,
    CodesSchema,
    EraseTextInputSchema,
    KioskBatchSchema,
    KioskCampaignSchema,
    KioskInputSchema,
    KioskOutSchema,
    KioskPathSchema,
    KioskRegisteredSchema,
    KioskResponseSchema,
    KioskRevokeSchema,
    QuestionnaireInputSchema,
    QuestionnaireOutSchema,
    QuestionnairePathSchema,
    QuestionnaireQuerySchema,
    ReopenInputSchema,
    SubmissionSchema,
    SurveyCampaignSchema,
    SurveyCommentsSchema,
    SurveyResultsSchema,
    TextErasedSchema,
)
from gateway.submissions import KioskSubmissionGroups
from gateway.web import http
from kernel import nameko as _registers_kernel_errors  # noqa: F401

# contracts.survey's errors (rate_limited, campaign_closed, …) cross RPC as themselves,
# details included (contracts/__init__.py).
DOCUMENTED_RESPONSES = (BatchResultSchema, CampaignClosedSchema, CodesSchema,
                        KioskCampaignSchema, KioskOutSchema, KioskRegisteredSchema,
                        QuestionnaireOutSchema, SubmissionSchema, SurveyCampaignSchema,
                        SurveyCommentsSchema, SurveyResultsSchema, TextErasedSchema)
TAG_SURVEY, TAG_KIOSK = "Khảo sát hài lòng", "Thiết bị khảo sát (kiosk)"
KIOSK_AUTH = 'Kiosk realm="tcpl-kiosk"'


def _kiosk_call(call, fn):
    """Run a kiosk request: the device token instead of a JWT, Retry-After on 429."""
    try:
        return fn(kiosk.kiosk_token(call.request))
    except Exception as exc:  # the one error shape, with the kiosk's own challenge
        headers = {}
        if isinstance(exc, TooManyRequests):
            headers["Retry-After"] = str(exc.details.get("retry_after_seconds", 60))
        response = error_response(exc, call.correlation_id, headers, call.request)
        if response.status_code == 401:
            response.headers["WWW-Authenticate"] = KIOSK_AUTH
        return response


class SurveyRoutes:
    OPENAPI_TAGS = (
        {"name": TAG_SURVEY, "description": "Khảo sát mức độ hài lòng của người dân, và lấy ý "
                                            "kiến về hiệu quả phổ biến, giáo dục pháp luật "
                                            "(Mẫu 04): bộ câu hỏi, đợt khảo sát, mã dùng một "
                                            "lần và kết quả."},
        {"name": TAG_KIOSK, "description": "Thiết bị đặt tại Bộ phận Một cửa gửi phiếu khảo "
                                           "sát; xác thực bằng mã thiết bị "
                                           "(Authorization: Kiosk <mã>), không phải JWT."},
    )
    kiosk_groups = KioskSubmissionGroups()

    # -- questionnaires -------------------------------------------------------------------
    @http("POST", "/api/v1/survey/questionnaires")
    @endpoint(body=QuestionnaireInputSchema)
    def publish_questionnaire(self, call):
        """Công bố bộ câu hỏi khảo sát

        Nội dung giống phiên bản mới nhất thì không tạo phiên bản mới; nội dung khác tạo
        phiên bản tiếp theo, các phiên bản cũ giữ nguyên. Cần ít nhất một câu hỏi thang 5 mức.
        purpose: satisfaction (mặc định, khảo sát hài lòng) hoặc dissemination_models (lấy ý
        kiến về hiệu quả phổ biến, giáo dục pháp luật theo Mẫu 04, thang Rất không hiệu quả …
        Rất hiệu quả); phiên bản sau giữ mục đích của phiên bản đầu.
        ---
        tags: [Khảo sát hài lòng]
        responses:
          200:
            description: Phiên bản hiện hành của bộ câu hỏi.
            content:
              application/json:
                schema: QuestionnaireOutSchema
          503: Error
        """
        return self.backends.call("survey", "publish_questionnaire", call.body, call.context())

    @http("GET", "/api/v1/survey/questionnaires/<questionnaire_id>")
    @endpoint(path=QuestionnairePathSchema, query=QuestionnaireQuerySchema)
    def get_questionnaire(self, call, questionnaire_id):
        """Một bộ câu hỏi khảo sát (mới nhất hoặc theo phiên bản)
        ---
        tags: [Khảo sát hài lòng]
        responses:
          200:
            description: Bộ câu hỏi và thang 5 mức.
            content:
              application/json:
                schema: QuestionnaireOutSchema
          404: Error
          503: Error
        """
        return self.backends.call("survey", "get_questionnaire", questionnaire_id,
                                  call.query["version"])

    # -- campaigns ------------------------------------------------------------------------
    @http("POST", "/api/v1/survey/campaigns")
    @endpoint(body=CampaignInputSchema)
    def open_campaign(self, call):
        """Mở đợt khảo sát của một xã, phường, đặc khu

        Mỗi xã một đợt cho mỗi kỳ và mỗi mục đích: bộ câu hỏi khảo sát hài lòng (mặc định)
        cho đợt <mã xã>-<kỳ>, bộ câu hỏi Mẫu 04 (mau-04-pbgdpl) cho đợt <mã xã>-<kỳ>-mau04.
        Cỡ mẫu là target_sample, hoặc ⌈15% × số hồ sơ năm
        trước⌉ (last_year_cases). Do cơ quan tư pháp quản lý xã mở: Sở Tư pháp (hoặc Phòng
        Tư pháp, trong năm tỉnh giao cấp huyện thẩm định) hoặc quản trị viên; công chức của
        chính xã được đánh giá thì không.
        ---
        tags: [Khảo sát hài lòng]
        responses:
          201:
            description: Đợt khảo sát đã mở.
            content:
              application/json:
                schema: SurveyCampaignSchema
          404: Error
          409: Error
          503: Error
        """
        body = dict(call.body)
        lookup.commune(body["commune_code"])
        for day in ("opens_on", "closes_on"):
            body[day] = body[day].isoformat()
        return 201, self.backends.call("survey", "open_campaign", body, call.context())

    @http("GET", "/api/v1/survey/campaigns/<campaign_id>")
    @endpoint(path=CampaignPathSchema)
    def get_campaign(self, call, campaign_id):
        """Một đợt khảo sát và bộ câu hỏi của đợt
        ---
        tags: [Khảo sát hài lòng]
        responses:
          200:
            description: Đợt khảo sát.
            content:
              application/json:
                schema: SurveyCampaignSchema
          404: Error
          503: Error
        """
        return self.backends.call("survey", "get_campaign", campaign_id)

    @http("POST", "/api/v1/survey/campaigns/<campaign_id>/close")
    @endpoint(path=CampaignPathSchema)
    def close_campaign(self, call, campaign_id):
        """Kết thúc đợt khảo sát và ghi kết quả

        Sau khi kết thúc, thiết bị không gửi thêm phiếu được (409 campaign_closed). Kết quả
        tính trên các phiếu ghi nhận trước thời điểm kết thúc.
        ---
        tags: [Khảo sát hài lòng]
        responses:
          200:
            description: Đợt đã kết thúc và kết quả đã ghi.
            content:
              application/json:
                schema: CampaignClosedSchema
          404: Error
          409: Error
          503: Error
        """
        return self.backends.call("survey", "close_campaign", campaign_id, call.context())

    @http("POST", "/api/v1/survey/campaigns/<campaign_id>/reopen")
    @endpoint(path=CampaignPathSchema, body=ReopenInputSchema)
    def reopen_campaign(self, call, campaign_id):
        """Mở lại đợt khảo sát đã kết thúc để nhận thêm phiếu

        Khi đợt kết thúc lại, kết quả mới được ghi và thay kết quả trước trong hồ sơ đánh giá
        của xã (sự kiện SatisfactionResultReplaced ghi kết quả cũ, kết quả mới và lý do).
        ---
        tags: [Khảo sát hài lòng]
        responses:
          200:
            description: Đợt đã mở lại.
            content:
              application/json:
                schema: SurveyCampaignSchema
          404: Error
          409: Error
          503: Error
        """
        return self.backends.call("survey", "reopen_campaign", campaign_id, call.body["reason"],
                                  str(call.body["closes_on"]), call.context())

    @http("GET", "/api/v1/survey/campaigns/<campaign_id>/results")
    @endpoint(path=CampaignPathSchema)
    def get_campaign_results(self, call, campaign_id):
        """Kết quả khảo sát của một đợt

        Tỷ lệ hài lòng (mức 4 và 5) chung và theo từng câu hỏi; với đợt Mẫu 04 (purpose
        dissemination_models) là tỷ lệ đánh giá hiệu quả (mức 4 Hiệu quả và 5 Rất hiệu quả),
        trong cùng các trường satisfied và rate_percent. Khi chưa đủ số câu trả lời
        tối thiểu, published = false và không hiển thị tỷ lệ; no_data = true khi không có câu
        trả lời hợp lệ nào (không có tỷ lệ, không phải 0%). final = true khi đợt đã kết thúc.
        flags: những ngày một thiết bị ghi nhận số phiếu bất thường.
        ---
        tags: [Khảo sát hài lòng]
        responses:
          200:
            description: Kết quả hiện tại hoặc kết quả cuối cùng.
            content:
              application/json:
                schema: SurveyResultsSchema
          404: Error
          503: Error
        """
        return self.backends.call("survey", "get_results", campaign_id)

    @http("GET", "/api/v1/survey/campaigns/<campaign_id>/comments")
    @endpoint(path=CampaignPathSchema)
    def get_campaign_comments(self, call, campaign_id):
        """Góp ý bằng chữ của một đợt khảo sát (đã che thông tin cá nhân)

        Họ tên, địa chỉ, số điện thoại, số giấy tờ và email được thay bằng [họ tên],
        [địa chỉ]… Chỉ hiển thị khi đợt đủ số phiếu tối thiểu như tỷ lệ hài lòng, không kèm
        phiếu, thiết bị hay ngày nào.
        ---
        tags: [Khảo sát hài lòng]
        responses:
          200:
            description: Các góp ý đã che thông tin cá nhân.
            content:
              application/json:
                schema: SurveyCommentsSchema
          404: Error
          503: Error
        """
        return self.backends.call("survey", "get_comments", campaign_id)

    @http("POST", "/api/v1/survey/campaigns/<campaign_id>/free-text/erase")
    @endpoint(path=CampaignPathSchema, body=EraseTextInputSchema)
    def erase_campaign_free_text(self, call, campaign_id):
        """Xóa vĩnh viễn nội dung góp ý của một đợt khảo sát

        Xóa khóa mã hóa của đợt: mọi góp ý đã nhận không đọc được nữa ở bất cứ đâu, còn nhật
        ký sự kiện, chuỗi băm và số liệu giữ nguyên. Sự kiện FreeTextErased ghi ai xóa và lý do.
        ---
        tags: [Khảo sát hài lòng]
        responses:
          200:
            description: Đã xóa khóa.
            content:
              application/json:
                schema: TextErasedSchema
          404: Error
          409: Error
          503: Error
        """
        return self.backends.call("survey", "erase_free_text", campaign_id, call.body["reason"],
                                  call.context())

    @http("POST", "/api/v1/survey/campaigns/<campaign_id>/codes")
    @endpoint(path=CampaignPathSchema, body=CodesInputSchema)
    def issue_codes(self, call, campaign_id):
        """Cấp mã dùng một lần cho đợt khảo sát

        Mỗi mã chỉ dùng được cho một phiếu; mã chỉ hiển thị trong câu trả lời này. Do cơ quan
        tư pháp quản lý xã hoặc quản trị viên cấp, không do công chức của chính xã.
        ---
        tags: [Khảo sát hài lòng]
        responses:
          201:
            description: Các mã vừa cấp.
            content:
              application/json:
                schema: CodesSchema
          404: Error
          409: Error
          503: Error
        """
        return 201, self.backends.call("survey", "issue_codes", campaign_id, call.body["count"],
                                       call.context())

    # -- kiosks ---------------------------------------------------------------------------
    @http("POST", "/api/v1/survey/kiosks")
    @endpoint(body=KioskInputSchema)
    def register_kiosk(self, call):
        """Đăng ký thiết bị khảo sát cho một xã, phường, đặc khu

        Trả về mã thiết bị (token) đúng một lần: nhập mã này vào trang /kiosk khi cài đặt. Do
        cơ quan tư pháp quản lý xã hoặc quản trị viên đăng ký, không do công chức của chính xã.
        ---
        tags: [Khảo sát hài lòng]
        responses:
          201:
            description: Thiết bị đã đăng ký, kèm mã thiết bị.
            content:
              application/json:
                schema: KioskRegisteredSchema
          404: Error
          503: Error
        """
        lookup.commune(call.body["commune_code"])
        return 201, self.backends.call("survey", "register_kiosk", call.body, call.context())

    @http("GET", "/api/v1/survey/kiosks/<kiosk_id>")
    @endpoint(path=KioskPathSchema)
    def get_kiosk(self, call, kiosk_id):
        """Một thiết bị khảo sát (không kèm mã thiết bị)
        ---
        tags: [Khảo sát hài lòng]
        responses:
          200:
            description: Thiết bị.
            content:
              application/json:
                schema: KioskOutSchema
          404: Error
          503: Error
        """
        return call.target.record

    @http("POST", "/api/v1/survey/kiosks/<kiosk_id>/revoke")
    @endpoint(path=KioskPathSchema, body=KioskRevokeSchema)
    def revoke_kiosk(self, call, kiosk_id):
        """Thu hồi thiết bị khảo sát

        Thiết bị bị thu hồi không gửi phiếu được nữa (403 kiosk_revoked).
        ---
        tags: [Khảo sát hài lòng]
        responses:
          200:
            description: Thiết bị đã thu hồi.
            content:
              application/json:
                schema: KioskOutSchema
          404: Error
          409: Error
          503: Error
        """
        return self.backends.call("survey", "revoke_kiosk", kiosk_id, call.body["reason"],
                                  call.context())

    # -- the kiosk's own API --------------------------------------------------------------
    @http("GET", "/api/v1/kiosk/campaign")
    @endpoint()
    def kiosk_campaign(self, call):
        """Đợt khảo sát đang nhận phiếu của thiết bị

        Xác thực bằng mã thiết bị: Authorization: Kiosk <mã>. Trả về thiết bị và đợt khảo
        sát đang mở của xã mình cùng bộ câu hỏi (khảo sát hài lòng hoặc Mẫu 04; nhiều đợt cùng
        nhận phiếu thì đợt mở sau cùng); 404 khi hôm nay không có đợt nào nhận phiếu.
        ---
        tags: [Thiết bị khảo sát (kiosk)]
        responses:
          200:
            description: Thiết bị và đợt khảo sát.
            content:
              application/json:
                schema: KioskCampaignSchema
          401: Error
          403: Error
          404: Error
          503: Error
        """
        return _kiosk_call(call, lambda token: self.backends.call(
            "survey", "kiosk_campaign", token))

    @http("POST", "/api/v1/kiosk/responses")
    @endpoint(body=KioskResponseSchema)
    def submit_kiosk_response(self, call):
        """Gửi một phiếu khảo sát từ thiết bị

        Xác thực bằng mã thiết bị: Authorization: Kiosk <mã>. Phiếu chỉ chứa câu trả lời,
        không có thông tin cá nhân; trường lạ bị từ chối. Gửi lại cùng response_id và cùng nội
        dung trả về duplicate (200) và không tính thêm; cùng response_id nhưng khác nội dung là
        409 response_conflict. Các lỗi khác: 409 campaign_closed, code_used; 403 kiosk_revoked,
        code_invalid; 429 rate_limited (kèm Retry-After).
        ---
        tags: [Thiết bị khảo sát (kiosk)]
        responses:
          200:
            description: Phiếu này đã được nhận từ trước (duplicate).
            content:
              application/json:
                schema: SubmissionSchema
          201:
            description: Đã nhận phiếu (accepted).
            content:
              application/json:
                schema: SubmissionSchema
          401: Error
          403: Error
          404: Error
          409: Error
          429: Error
          503: Error
        """
        def submit(token):
            body = {**call.body, "response_id": str(call.body["response_id"])}
            if body["code"] is None:
                del body["code"]
            outcome = self.kiosk_groups.submit(self.backends, token, body)
            return (201 if outcome["result"] == "accepted" else 200), outcome

        return _kiosk_call(call, submit)

    @http("POST", "/api/v1/kiosk/responses/batch")
    @endpoint(body=KioskBatchSchema)
    def submit_kiosk_batch(self, call):
        """Gửi hàng đợi phiếu của thiết bị (khi có mạng trở lại)

        Xác thực bằng mã thiết bị. Từng phiếu được xét riêng: accepted và duplicate là đã
        nhận (xóa khỏi hàng đợi); conflict và refused kèm mã lỗi; phiếu bị rate_limited thì
        giữ lại gửi sau (tiêu đề Retry-After cho biết sau bao nhiêu giây).
        ---
        tags: [Thiết bị khảo sát (kiosk)]
        responses:
          200:
            description: Kết quả của từng phiếu.
            content:
              application/json:
                schema: BatchResultSchema
          401: Error
          403: Error
          503: Error
        """
        def submit(token):
            outcome = self.backends.call("survey", "submit_batch", token,
                                         call.body["responses"])
            waits = [item["details"].get("retry_after_seconds", 60)
                     for item in outcome["results"] if item.get("error") == "rate_limited"]
            headers = {"Retry-After": str(max(waits))} if waits else None
            return json_response(outcome, 200, call.correlation_id, headers)

        return _kiosk_call(call, submit)

    # -- the kiosk page -------------------------------------------------------------------
    @http("GET", "/kiosk")
    @endpoint(document=False)
    def kiosk_page(self, call):
        return kiosk.page()

    @http("GET", "/kiosk/assets/<path:filename>")
    @endpoint(document=False)
    def kiosk_asset(self, call, filename):
        return kiosk.asset(call.request, filename)

    @http("GET", "/kiosk/sw.js")
    @endpoint(document=False)
    def kiosk_service_worker(self, call):
        """The page's service worker: under /kiosk/, allowed the scope /kiosk itself."""
        return kiosk.service_worker()

    # -- benchmark baseline ---------------------------------------------------------------
    @http("GET", "/bench/hello")
    @endpoint(document=False)
    def bench_hello(self, call):
        """The same stack with no work: bench/survey_submissions.py measures against it."""
        return {"hello": "world"}


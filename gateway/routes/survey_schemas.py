"""Schemas of the survey and kiosk routes (marshmallow 4).

Request schemas refuse unknown fields (a response must not carry a name or a phone number
the questionnaire did not ask for); the survey service checks the same shapes again. Response
schemas only document what the routes return. Descriptions are shown on /docs: Vietnamese.
"""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from gateway.schemas import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_VERSION,
    Day,
    ResponseSchema,
    StrictSchema,
    bounded_integer,
    version_field,
    vietnamese_number,
)

COMMUNE_CODE = validate.Regexp(r"^\d{5}$", error="Mã xã là 5 chữ số.")
PERIOD_FORM = validate.Regexp(r"^\d{4}(-[A-Za-z0-9]{1,10})?$",
                              error="Kỳ khảo sát có dạng 2025 hoặc 2025-q3.")
MAX_BATCH = 200
# The busiest one-stop shop of a commune handles tens of thousands of cases a year; 15 % of
# the largest count allowed stays within the largest sample.
MAX_LAST_YEAR_CASES, MAX_SAMPLE = 500_000, 100_000
# A questionnaire's purpose (services/survey/questionnaires.py): satisfaction, or Form 04 of
# Circular 09/2021/TT-BTP on the forms and models of legal dissemination (indicator C2.I4).
PURPOSES = ("satisfaction", "dissemination_models")
PURPOSE_TEXT = ("Mục đích: satisfaction — khảo sát sự hài lòng (thang 1 Rất không hài lòng … "
                "5 Rất hài lòng); dissemination_models — lấy ý kiến về hiệu quả các hình thức, "
                "mô hình phổ biến, giáo dục pháp luật tại cơ sở theo Mẫu 04 Thông tư "
                "09/2021/TT-BTP (thang 1 Rất không hiệu quả … 5 Rất hiệu quả).")


def _period(value: str) -> None:
    PERIOD_FORM(value)
    if not FIRST_YEAR <= int(value[:4]) <= LAST_YEAR:
        raise ValidationError(f"Năm của kỳ khảo sát phải từ {FIRST_YEAR} đến {LAST_YEAR}.")


def _described(text: str, example=None) -> dict:
    return {"description": text} if example is None else {"description": text, "example": example}


class AnswerField(fields.Field):
    """A level (an integer 1-5) or free text; nothing else is an answer."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValidationError("Câu trả lời là một mức (1-5) hoặc một đoạn chữ.")
        return value


class AnswersField(fields.Dict):
    """Question id → AnswerField. Checked in one pass first: the per-entry fields cost as
    much as the rest of a submission's validation, on every submission. A map that fails the
    pass goes through them for marshmallow's usual per-entry messages."""

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(validate=validate.Length(min=1, max=32)),
                         values=AnswerField(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is dict and all(
                type(key) is str and 1 <= len(key) <= 32 and type(answer) in (int, str)
                for key, answer in value.items()):
            return dict(value)
        return super()._deserialize(value, attr, data, **kwargs)


class JsonObjectField(fields.Field):
    """A JSON object left for the service to judge (one bad item must not sink a batch)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError("Mỗi phần tử là một đối tượng JSON.")
        return value


# -- paths --------------------------------------------------------------------------------
class CampaignPathSchema(StrictSchema):
    campaign_id = fields.String(required=True, validate=validate.Length(min=1, max=100),
                                metadata=_described(
                                    "Mã đợt khảo sát: <mã xã>-<kỳ> với khảo sát hài lòng, ví dụ "
                                    "00004-2025; <mã xã>-<kỳ>-mau04 với đợt lấy ý kiến theo "
                                    "Mẫu 04 (hiệu quả phổ biến, giáo dục pháp luật), ví dụ "
                                    "00004-2025-mau04.", "00004-2025"))


class KioskPathSchema(StrictSchema):
    kiosk_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{32}$"),
                             metadata=_described("Mã thiết bị khảo sát."))


class QuestionnairePathSchema(StrictSchema):
    questionnaire_id = fields.String(required=True, validate=validate.Length(min=1, max=100),
                                     metadata=_described("Mã bộ câu hỏi.",
                                                         "hai-long-tiep-can-phap-luat"))


class QuestionnaireQuerySchema(StrictSchema):
    version = fields.Integer(load_default=None, validate=validate.Range(
                                 1, MAX_VERSION, error=f"Phiên bản là số nguyên từ 1 đến "
                                                       f"{vietnamese_number(MAX_VERSION)}."),
                             metadata=_described("Phiên bản; bỏ trống để lấy bản mới nhất."))


# -- requests -----------------------------------------------------------------------------
class QuestionInputSchema(StrictSchema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=32),
                       metadata=_described("Mã câu hỏi."))
    text = fields.String(required=True, validate=validate.Length(min=1, max=500),
                         metadata=_described("Nội dung câu hỏi."))
    kind = fields.String(required=True, validate=validate.OneOf(("scale5", "text")),
                         metadata=_described("scale5: thang 5 mức; text: trả lời bằng chữ."))
    required = fields.Boolean(load_default=True, metadata=_described("Bắt buộc trả lời."))


class QuestionnaireInputSchema(StrictSchema):
    questionnaire_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    title = fields.String(required=True, validate=validate.Length(min=1, max=300))
    questions = fields.List(fields.Nested(QuestionInputSchema), required=True,
                            validate=validate.Length(min=1, max=20))
    purpose = fields.String(load_default="satisfaction", validate=validate.OneOf(PURPOSES),
                            metadata=_described(
                                PURPOSE_TEXT + " Mặc định satisfaction; phiên bản sau giữ mục "
                                "đích của phiên bản đầu.", "satisfaction"))


class CampaignInputSchema(StrictSchema):
    commune_code = fields.String(required=True, validate=COMMUNE_CODE,
                                 metadata=_described("Mã xã, phường, đặc khu (5 chữ số)."))
    period = fields.String(required=True, validate=_period,
                           metadata=_described("Kỳ khảo sát: 2025 hoặc 2025-q3."))
    opens_on = Day(required=True, metadata=_described("Ngày bắt đầu nhận phiếu."))
    closes_on = Day(required=True, metadata=_described("Ngày cuối cùng nhận phiếu."))
    target_sample = bounded_integer("Cỡ mẫu mục tiêu (số phiếu).", 0, MAX_SAMPLE, load_default=None)
    last_year_cases = bounded_integer(
        "Số hồ sơ thủ tục năm trước; cỡ mẫu = ⌈15% × số này⌉ nếu không cho target_sample.",
        0, MAX_LAST_YEAR_CASES, load_default=None)
    questionnaire_id = fields.String(load_default=None, validate=validate.Length(1, 100),
                                     metadata=_described(
                                         "Bộ câu hỏi; mặc định hai-long-tiep-can-phap-luat "
                                         "(khảo sát hài lòng). mau-04-pbgdpl: phiếu lấy ý kiến "
                                         "theo Mẫu 04, đợt có mã <mã xã>-<kỳ>-mau04. Mỗi xã một "
                                         "đợt cho mỗi kỳ và mỗi mục đích của bộ câu hỏi."))
    questionnaire_version = version_field("Phiên bản; mặc định bản mới nhất.", minimum=1,
                                          load_default=None)
    require_code = fields.Boolean(load_default=False,
                                  metadata=_described("Bắt buộc mã dùng một lần cho mỗi phiếu."))


class KioskInputSchema(StrictSchema):
    commune_code = fields.String(required=True, validate=COMMUNE_CODE,
                                 metadata=_described("Xã, phường, đặc khu đặt thiết bị."))
    label = fields.String(required=True, validate=validate.Length(min=1, max=100),
                          metadata=_described("Tên thiết bị, ví dụ Quầy số 1."))


class KioskRevokeSchema(StrictSchema):
    reason = fields.String(load_default="", validate=validate.Length(max=200),
                           metadata=_described("Lý do thu hồi, ví dụ thiết bị bị mất."))


class CodesInputSchema(StrictSchema):
    count = fields.Integer(required=True, strict=True, validate=validate.Range(1, 500),
                           metadata=_described("Số mã cần cấp (1–500)."))


class KioskResponseSchema(StrictSchema):
    response_id = fields.UUID(required=True, metadata=_described(
        "UUID do thiết bị sinh ra; gửi lại cùng UUID và cùng nội dung thì không bị tính hai lần."))
    campaign_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    questionnaire_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    questionnaire_version = version_field("Phiên bản bộ câu hỏi của đợt.", minimum=1,
                                          required=True)
    answers = AnswersField(required=True,
                         metadata=_described("Mã câu hỏi → mức 1–5 hoặc góp ý bằng chữ "
                                             "(tối đa 500 ký tự, không ghi thông tin cá nhân)."))
    code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40),
                         metadata=_described("Mã dùng một lần nhận tại Bộ phận Một cửa (nếu có)."))


class KioskBatchSchema(StrictSchema):
    responses = fields.List(
        JsonObjectField(), required=True, validate=validate.Length(1, MAX_BATCH),
        metadata={"description": f"1–{MAX_BATCH} phiếu đang chờ gửi, mỗi phiếu có dạng "
                                 "KioskResponse; từng phiếu được xét riêng.",
                  "items": {"type": "object"}})


# -- responses (documentation only) -------------------------------------------------------
class QuestionOutSchema(ResponseSchema):
    id = fields.String(required=True)
    text = fields.String(required=True)
    kind = fields.String(required=True)
    required = fields.Boolean(required=True)


class ScaleLevelSchema(ResponseSchema):
    value = fields.Integer(required=True)
    label = fields.String(required=True)


class QuestionnaireOutSchema(ResponseSchema):
    questionnaire_id = fields.String(required=True)
    version = fields.Integer(required=True)
    title = fields.String(required=True)
    published_on = fields.String(required=True)
    purpose = fields.String(validate=validate.OneOf(PURPOSES), metadata=_described(PURPOSE_TEXT))
    questions = fields.List(fields.Nested(QuestionOutSchema), required=True)
    scale = fields.List(fields.Nested(ScaleLevelSchema), required=True,
                        metadata=_described(
                            "Thang 5 mức theo mục đích: 1 Rất không hài lòng … 5 Rất hài lòng "
                            "(satisfaction); 1 Rất không hiệu quả, 2 Không hiệu quả, 3 Bình "
                            "thường, 4 Hiệu quả, 5 Rất hiệu quả (dissemination_models)."))


class SurveyCampaignSchema(ResponseSchema):
    campaign_id = fields.String(required=True)
    commune_code = fields.String(required=True)
    period = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(("open", "closed")))
    accepting = fields.Boolean(required=True, metadata=_described("Đang nhận phiếu hôm nay."))
    questionnaire_id = fields.String(required=True)
    questionnaire_version = fields.Integer(required=True)
    purpose = fields.String(validate=validate.OneOf(PURPOSES), metadata=_described(
        "Mục đích của bộ câu hỏi của đợt: satisfaction (mã đợt <mã xã>-<kỳ>) hoặc "
        "dissemination_models (Mẫu 04, mã đợt <mã xã>-<kỳ>-mau04)."))
    target_sample = fields.Integer(required=True)
    last_year_cases = fields.Integer(allow_none=True)
    opens_on = fields.String(required=True)
    closes_on = fields.String(required=True)
    require_code = fields.Boolean(required=True)
    closed_on = fields.String(allow_none=True)
    reopening = fields.Dict(allow_none=True, metadata=_described(
        "Lần mở lại gần nhất: ngày, lý do, ngày kết thúc mới; kết quả lần kết thúc sau thay "
        "kết quả trước trong hồ sơ đánh giá của xã."))
    version = fields.Integer(required=True)
    questionnaire = fields.Nested(QuestionnaireOutSchema)


class RateSchema(ResponseSchema):
    valid_answers = fields.Integer(required=True)
    satisfied = fields.Integer(allow_none=True, metadata=_described(
        "Số câu trả lời ở mức 4 hoặc 5 (hài lòng; với Mẫu 04: hiệu quả); null khi chưa công bố "
        "hoặc không có số liệu."))
    rate_percent = fields.String(allow_none=True, metadata=_described(
        "Tỷ lệ hài lòng (với Mẫu 04: tỷ lệ đánh giá hiệu quả), ví dụ 97.35; null khi chưa công "
        "bố hoặc không có số liệu."))
    counts = fields.Dict(allow_none=True, metadata=_described(
        "Số câu trả lời theo từng mức (1–5); null khi chưa công bố."))
    published = fields.Boolean(required=True, metadata=_described(
        "false khi chưa đủ số câu trả lời tối thiểu hoặc không có câu trả lời hợp lệ nào."))
    reason = fields.String(allow_none=True)


class QuestionRateSchema(RateSchema):
    question_id = fields.String(required=True)
    text = fields.String(required=True, metadata=_described("Nội dung câu hỏi."))


class BurstFlagSchema(ResponseSchema):
    kiosk_id = fields.String(required=True)
    day = fields.String(required=True, metadata=_described("Ngày (YYYY-MM-DD)."))
    responses = fields.Integer(required=True,
                               metadata=_described("Số phiếu thiết bị ghi nhận trong ngày."))
    share_percent = fields.String(allow_none=True,
                                  metadata=_described("Tỷ lệ trên tổng số phiếu của đợt."))
    median_other_kiosk_days = fields.String(allow_none=True, metadata=_described(
        "Trung vị số phiếu của các ngày-thiết bị khác của đợt."))
    reasons = fields.List(fields.String(validate=validate.OneOf(("over_day_max",
                                                                 "unusual_day"))),
                          required=True, metadata=_described(
        "over_day_max: nhiều hơn số phiếu tối đa một ngày; unusual_day: gấp nhiều lần "
        "trung vị các ngày khác."))


class BurstRuleSchema(ResponseSchema):
    kiosk_day_max = fields.Integer(required=True)
    factor = fields.Integer(required=True)
    min_responses = fields.Integer(required=True)


class SurveyResultsSchema(ResponseSchema):
    campaign_id = fields.String(required=True)
    commune_code = fields.String(required=True)
    period = fields.String(required=True)
    purpose = fields.String(validate=validate.OneOf(PURPOSES), metadata=_described(
        "satisfaction: tỷ lệ là tỷ lệ hài lòng; dissemination_models (Mẫu 04): tỷ lệ đánh giá "
        "hiệu quả (mức 4 Hiệu quả và 5 Rất hiệu quả)."))
    state = fields.String(required=True)
    final = fields.Boolean(required=True, metadata=_described("true khi đợt đã kết thúc."))
    responses = fields.Integer(required=True)
    late_responses = fields.Integer()
    target_sample = fields.Integer(required=True)
    target_met = fields.Boolean(required=True)
    min_answers = fields.Integer(required=True)
    no_data = fields.Boolean(metadata=_described(
        "true khi chưa có câu trả lời hợp lệ nào: không có tỷ lệ hài lòng (không phải 0%)."))
    overall = fields.Nested(RateSchema, required=True)
    questions = fields.List(fields.Nested(QuestionRateSchema), metadata=_described(
        "Theo từng câu hỏi thang 5 mức, cùng dạng với overall."))
    flags = fields.List(fields.Nested(BurstFlagSchema), metadata=_described(
        "Những ngày một thiết bị ghi nhận số phiếu bất thường (tính từ nhật ký sự kiện)."))
    burst_rule = fields.Nested(BurstRuleSchema, metadata=_described(
        "Quy tắc dùng để đánh dấu: số phiếu tối đa một ngày-thiết bị; hệ số so với trung vị; "
        "số phiếu tối thiểu để so sánh."))


class SurveyCommentSchema(ResponseSchema):
    question_id = fields.String(required=True)
    text = fields.String(required=True, metadata=_described(
        "Góp ý đã che thông tin cá nhân: [họ tên], [địa chỉ], [số điện thoại], [số giấy tờ], "
        "[email]."))
    redacted = fields.List(fields.String(), required=True,
                           metadata=_described("Loại thông tin đã che: name, address, phone, "
                                               "id_number, email."))


class SurveyCommentsSchema(ResponseSchema):
    campaign_id = fields.String(required=True)
    responses = fields.Integer(required=True)
    with_text = fields.Integer(required=True, metadata=_described("Số phiếu có góp ý."))
    min_answers = fields.Integer(required=True)
    published = fields.Boolean(required=True, metadata=_described(
        "false khi đợt chưa đủ số phiếu tối thiểu: góp ý chưa được hiển thị."))
    reason = fields.String(allow_none=True)
    erased = fields.Boolean(required=True, metadata=_described(
        "true khi nội dung góp ý của đợt đã từng bị xóa (xóa khóa mã hóa)."))
    unreadable = fields.Integer(required=True, metadata=_described(
        "Số phiếu có góp ý không đọc được nữa vì khóa đã bị xóa."))
    comments = fields.List(fields.Nested(SurveyCommentSchema), required=True)


class EraseTextInputSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata=_described("Lý do xóa, ví dụ yêu cầu xóa dữ liệu cá nhân "
                                               "của người dân ngày 01/07/2025."))


class ReopenInputSchema(StrictSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500),
                           metadata=_described("Lý do mở lại, ví dụ chưa đủ cỡ mẫu vì thiết bị "
                                               "hỏng trong tuần cuối."))
    closes_on = Day(required=True, metadata=_described("Ngày kết thúc mới (từ hôm nay)."))


class TextErasedSchema(ResponseSchema):
    campaign_id = fields.String(required=True)
    erased_keys = fields.Integer(required=True, metadata=_described("Số khóa đã xóa."))
    reason = fields.String(required=True)
    erased_on = fields.String(required=True)
    position = fields.Integer(required=True, metadata=_described(
        "Vị trí của sự kiện FreeTextErased trong nhật ký."))


class CampaignClosedSchema(ResponseSchema):
    campaign = fields.Nested(SurveyCampaignSchema, required=True)
    result = fields.Nested(SurveyResultsSchema, required=True)


class KioskOutSchema(ResponseSchema):
    kiosk_id = fields.String(required=True)
    commune_code = fields.String(required=True)
    label = fields.String(required=True)
    registered_on = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(("active", "revoked")))
    revoked_on = fields.String(allow_none=True)
    revoked_reason = fields.String(allow_none=True)


class KioskRegisteredSchema(KioskOutSchema):
    token = fields.String(required=True, metadata=_described(
        "Mã thiết bị, chỉ hiển thị một lần; nhập vào trang /kiosk khi cài đặt."))


class CodesSchema(ResponseSchema):
    campaign_id = fields.String(required=True)
    codes = fields.List(fields.String(), required=True)
    count = fields.Integer(required=True)


class KioskCampaignSchema(ResponseSchema):
    kiosk = fields.Nested(KioskOutSchema, required=True)
    campaign = fields.Nested(SurveyCampaignSchema, required=True)


class SubmissionSchema(ResponseSchema):
    result = fields.String(required=True, validate=validate.OneOf(("accepted", "duplicate")),
                           metadata=_described("accepted: đã nhận; duplicate: đã nhận từ trước."))
    response_id = fields.String(required=True)
    campaign_id = fields.String()
    questionnaire_id = fields.String()
    questionnaire_version = fields.Integer()
    received_on = fields.String()
    position = fields.Integer()


class BatchItemSchema(ResponseSchema):
    result = fields.String(required=True, validate=validate.OneOf(
        ("accepted", "duplicate", "conflict", "refused")))
    response_id = fields.String(allow_none=True)
    error = fields.String(metadata=_described("Mã lỗi khi conflict hoặc refused, ví dụ rate_limited."))
    message = fields.String()
    details = fields.Dict()


class BatchSummarySchema(ResponseSchema):
    accepted = fields.Integer(required=True)
    duplicate = fields.Integer(required=True)
    conflict = fields.Integer(required=True)
    refused = fields.Integer(required=True)


class BatchResultSchema(ResponseSchema):
    kiosk_id = fields.String(required=True)
    results = fields.List(fields.Nested(BatchItemSchema), required=True)
    summary = fields.Nested(BatchSummarySchema, required=True)


class HelloSchema(ResponseSchema):
    hello = fields.String(required=True)

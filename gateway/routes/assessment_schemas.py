"""Schemas of the assessment routes: strict request schemas (unknown fields refused) and
response schemas for the docs. Descriptions are shown on /docs, hence in Vietnamese."""

from __future__ import annotations

from marshmallow import INCLUDE, ValidationError, fields, validate

from gateway.schemas import (
    FIRST_YEAR,
    LAST_YEAR,
    Day,
    ResponseSchema,
    StrictSchema,
    expected_version_field,
    version_field,
)

COMMUNE_CLASSES = ("I", "II", "III")


def _d(text: str, example=None) -> dict:
    return {"description": text} if example is None else {"description": text, "example": example}


class StrictBoolean(fields.Boolean):
    """true or false only: 1, "yes" or "true" would hide a client's mistake."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Not a valid boolean: write true or false.")
        return value


class Points(fields.Field):
    """Points as a string with at most two decimals ("2.50") or a whole number; never a float."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValidationError('Points are a string such as "2.50" (or a whole number), never a float.')
        return str(value)


def _day(text: str, required: bool = True):
    if not required:  # left out (or null): the step is recorded without a date
        return Day(load_default=None, allow_none=True, metadata=_d(text + " (YYYY-MM-DD)."))
    return Day(required=required, metadata=_d(text + " (YYYY-MM-DD)."))


def _text(text: str, required: bool = True, **kwargs):
    return fields.String(required=required, validate=validate.Length(min=1, max=4000),
                         metadata=_d(text), **kwargs)


class CommandSchema(StrictSchema):
    expected_version = expected_version_field(
        "Phiên bản hồ sơ đã đọc; nếu hồ sơ đã thay đổi sau đó thì trả về 409.")


# -- paths and queries ---------------------------------------------------------------------
class AssessmentPathSchema(StrictSchema):
    commune_code = fields.String(required=True, validate=validate.Regexp(r"^\d{5}$"),
                                 metadata=_d("Mã đơn vị cấp xã (5 chữ số), ví dụ 16426.", "00004"))
    year = fields.Integer(required=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR),
                          metadata=_d(f"Năm đánh giá ({FIRST_YEAR}–{LAST_YEAR}).", 2025))


class IndicatorPathSchema(AssessmentPathSchema):
    indicator_id = fields.String(required=True, validate=validate.Length(min=1, max=40),
                                 metadata=_d("Mã chỉ tiêu, ví dụ C1.I1.", "C1.I1"))


class CommentPathSchema(AssessmentPathSchema):
    comment_id = fields.String(required=True, validate=validate.Length(min=1, max=100),
                               metadata=_d("Mã ý kiến góp ý."))


class RollupPathSchema(StrictSchema):
    province_code = fields.String(required=True, metadata=_d("Mã tỉnh/thành phố, ví dụ 38.", "01"))


class RollupQuerySchema(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR),
                          metadata=_d("Năm đánh giá."))
    district = fields.String(load_default=None, validate=validate.Regexp(r"^\d{3}$"),
                             metadata=_d("Mã huyện (chỉ các năm đến 2024), để lọc theo huyện."))


class PauseYearPathSchema(StrictSchema):
    evaluation_year = fields.Integer(required=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR),
                          metadata=_d("Năm đánh giá bị tạm dừng.", 2025))


class PauseQuerySchema(StrictSchema):
    year = fields.Integer(load_default=None, validate=validate.Range(FIRST_YEAR, LAST_YEAR),
                          metadata=_d("Chỉ năm này (bỏ trống: mọi năm)."))


_PROVINCE = validate.Regexp(r"^\d{2}$")


class PauseSchema(StrictSchema):
    province_code = fields.String(load_default=None, allow_none=True, validate=_PROVINCE, metadata=_d(
        "Mã tỉnh (2 chữ số); bỏ trống hoặc null: toàn quốc (chỉ quản trị viên).", "26"))
    legal_basis = fields.String(required=True, validate=validate.Length(1, 2000), metadata=_d(
        "Căn cứ tạm dừng, như văn bản ghi, ví dụ “Công văn số …/BTP-PBGDPL ngày … của Bộ Tư pháp”."))
    notice = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                           metadata=_d("Nội dung thông báo (không bắt buộc)."))
    decided_on = Day(load_default=None, allow_none=True, metadata=_d("Ngày ban hành văn bản.", "2025-10-15"))


class PauseLiftSchema(StrictSchema):
    province_code = fields.String(load_default=None, allow_none=True, validate=_PROVINCE,
                                  metadata=_d("Mã tỉnh; bỏ trống hoặc null: toàn quốc."))
    reason = fields.String(required=True, validate=validate.Length(1, 2000),
                           metadata=_d("Lý do bỏ tạm dừng (ví dụ ghi nhầm)."))


class PauseRecordSchema(ResponseSchema):
    year = fields.Integer()
    province_code = fields.String(allow_none=True)
    scope = fields.String(metadata=_d("national (toàn quốc) hoặc province (một tỉnh)."))
    scope_vi = fields.String()
    legal_basis = fields.String()
    notice = fields.String(allow_none=True)
    decided_on = fields.String(allow_none=True)
    summary_vi = fields.String(metadata=_d("Câu bảng kết quả hiển thị, ví dụ “Năm 2025: tạm dừng đánh giá theo …”."))


class PauseListSchema(ResponseSchema):
    pauses = fields.List(fields.Nested(PauseRecordSchema))


class YearPausesSchema(ResponseSchema):
    year = fields.Integer()
    pauses = fields.List(fields.Nested(PauseRecordSchema))


class CriteriaSetPathSchema(StrictSchema):
    set_id = fields.String(required=True, validate=validate.Length(1, 40),
                           metadata=_d("Mã bộ tiêu chí, ví dụ 25-2021.", "27-2025"))


class CriteriaSetVersionPathSchema(CriteriaSetPathSchema):
    version = version_field("Phiên bản của bộ tiêu chí.", minimum=1, required=True)


# -- commands ------------------------------------------------------------------------------
class FiguresSchema(CommandSchema):
    figures = fields.Dict(keys=fields.String(), required=True,
                          metadata=_d('Số liệu thực hiện của chỉ tiêu, ví dụ {"issued": 3, "assigned": 3}; '
                                      'hoặc {"not_arising": true}. Tài liệu minh chứng được '
                                      "tải lên riêng: POST …/evidence/<indicator_id>."))


INDICATOR_ID = validate.Regexp(r"^C\d{1,2}\.I\d{1,2}$",
                               error="Mã chỉ tiêu có dạng C1.I1 (tiêu chí 1, chỉ tiêu 1).")
MAX_INDICATORS = 40  # more than any regime's indicators (25 in 619/2017)
_SEVERAL = validate.Length(min=1, max=MAX_INDICATORS,
                           error=f"Gửi từ 1 đến {MAX_INDICATORS} chỉ tiêu trong một lần.")


class IndicatorsFiguresSchema(CommandSchema):
    figures = fields.Dict(keys=fields.String(validate=INDICATOR_ID),
                          values=fields.Dict(keys=fields.String()), required=True,
                          validate=_SEVERAL,
                          metadata=_d('Số liệu của nhiều chỉ tiêu trong một lần (ví dụ cả một tiêu '
                                      'chí): {"C1.I1": {"issued": 3, "assigned": 3}, "C1.I2": '
                                      '{"not_arising": true}}. Ghi tất cả hoặc không ghi chỉ tiêu '
                                      "nào nếu có một chỉ tiêu bị từ chối."))


class DeclarationsSchema(CommandSchema):
    declarations = fields.Dict(keys=fields.String(), values=StrictBoolean(), required=True,
                               metadata=_d('Cam kết về các điều kiện của bộ tiêu chí, ví dụ '
                                           '{"no_head_disciplined": true}.'))
    commune_class = fields.String(load_default=None, allow_none=True,
                                  validate=validate.OneOf(COMMUNE_CLASSES),
                                  metadata=_d("Phân loại đơn vị hành chính (I, II, III; bộ 619/2017)."))


class EmptyCommandSchema(CommandSchema):
    pass


class SelfAssessmentSchema(CommandSchema):
    submitted_on = _day("Ngày hoàn thành tự đánh giá; bỏ trống thì bước này không ghi ngày",
                        required=False)


class ReopenSchema(CommandSchema):
    reason = _text("Lý do mở lại bản tự đánh giá (bắt buộc).")
    reopened_on = _day("Ngày mở lại")


class PostingSchema(CommandSchema):
    start = _day("Ngày bắt đầu niêm yết")
    channel = fields.String(required=True, validate=validate.OneOf(("office", "portal", "radio")),
                            metadata=_d("Hình thức: office (trụ sở), portal (cổng thông tin), radio (đài truyền thanh)."))


class CommentSchema(CommandSchema):
    comment_id = fields.String(required=True, validate=validate.Length(min=1, max=100),
                               metadata=_d("Mã ý kiến (không trùng)."))
    text = _text("Nội dung ý kiến.")
    received_on = _day("Ngày nhận")
    author = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200),
                           metadata=_d("Người góp ý (nếu có)."))


class AnswerSchema(CommandSchema):
    answer = _text("Nội dung trả lời.")
    answered_on = _day("Ngày trả lời")


class EndPostingSchema(CommandSchema):
    ended_on = _day("Ngày kết thúc niêm yết")


class DossierSchema(CommandSchema):
    submitted_on = _day("Ngày gửi hồ sơ")
    requests_recognition = StrictBoolean(load_default=True,
                                         metadata=_d("false: gửi hồ sơ nhưng không đề nghị công nhận."))


class CheckSchema(CommandSchema):
    checked_on = _day("Ngày kiểm tra xong")


class SupplementRequestSchema(CommandSchema):
    reason = _text("Lý do yêu cầu bổ sung.")
    requested_on = _day("Ngày yêu cầu")


class SupplementSchema(CommandSchema):
    provided_on = _day("Ngày bổ sung")
    note = _text("Nội dung bổ sung.")


class AppraisalStartSchema(CommandSchema):
    started_on = _day("Ngày bắt đầu thẩm định")
    council_size = fields.Integer(required=True, strict=True, validate=validate.Range(1, 15),
                                  metadata=_d("Số thành viên Hội đồng (1–15)."))
    method = fields.String(required=True, validate=validate.OneOf(("meeting", "written")),
                           metadata=_d("meeting (họp) hoặc written (lấy ý kiến bằng văn bản)."))


class OpinionSchema(CommandSchema):
    member_name = _text("Họ tên thành viên.")
    role = _text("Chức danh trong Hội đồng.")
    opinion = _text("Ý kiến.")
    given_by = fields.String(required=True, validate=validate.OneOf(("meeting", "writing")),
                             metadata=_d("meeting (dự họp) hoặc writing (bằng văn bản)."))
    given_on = _day("Ngày họp hoặc ngày có ý kiến bằng văn bản; bỏ trống thì không ghi ngày",
                    required=False)


class IndicatorAppraisalSchema(StrictSchema):
    """The council's score of one indicator."""

    points = Points(load_default=None, allow_none=True,
                    metadata=_d('Điểm thẩm định, chuỗi tối đa 2 chữ số thập phân, ví dụ "2.50".'))
    achieved = StrictBoolean(load_default=None, allow_none=True,
                             metadata=_d("Đạt / không đạt (bộ tiêu chí đạt/không đạt)."))
    reason = _text("Lý do, căn cứ chấm điểm.")


class AppraiseSchema(IndicatorAppraisalSchema, CommandSchema):
    """One indicator's score, as a command (with the version read)."""


class AppraiseIndicatorsSchema(CommandSchema):
    scores = fields.Dict(keys=fields.String(validate=INDICATOR_ID),
                         values=fields.Nested(IndicatorAppraisalSchema), required=True,
                         validate=_SEVERAL,
                         metadata=_d('Điểm thẩm định của nhiều chỉ tiêu trong một lần: {"C1.I1": '
                                     '{"points": "2.50", "reason": "…"}}. Ghi tất cả hoặc không '
                                     "ghi chỉ tiêu nào nếu có một điểm bị từ chối."))


class CompleteAppraisalSchema(CommandSchema):
    completed_on = _day("Ngày hoàn thành thẩm định")


class DecisionSchema(CommandSchema):
    recognised = StrictBoolean(required=True, metadata=_d("true: công nhận đạt chuẩn."))
    decision_number = _text("Số quyết định, ví dụ 123/QĐ-UBND.")
    decision_date = _day("Ngày ký quyết định")


class RevocationSchema(CommandSchema):
    reason = _text("Lý do thu hồi.")
    revoked_on = _day("Ngày thu hồi")
    decision_number = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Length(max=100),
                                    metadata=_d("Số quyết định thu hồi (nếu có)."))


class CriteriaSetDocumentSchema(StrictSchema):
    """The criteria-set file format; every field is checked by the assessment service."""

    class Meta:
        unknown = INCLUDE

    id = fields.Raw(required=True, metadata=_d("Mã bộ tiêu chí: 619-2017, 25-2021 hoặc 27-2025."))
    version = fields.Raw(required=True, metadata=_d("Phiên bản mới (số nguyên chưa dùng)."))


# -- responses (documentation only) --------------------------------------------------------
class StepUnitSchema(ResponseSchema):
    province = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    commune = fields.String(allow_none=True)


class StepActorSchema(ResponseSchema):
    role = fields.String(allow_none=True, metadata=_d(
        "Vai trò thực hiện bước: commune_officer, justice_officer, council_secretary, chairman."))
    reviewing_level = fields.String(allow_none=True, validate=validate.OneOf(("district", "province")),
                                    metadata=_d("Cấp thẩm định (chỉ với các bước thẩm định)."))
    unit = fields.Nested(StepUnitSchema, metadata=_d("Đơn vị của người thực hiện."))


class AssessmentDeadlineSchema(ResponseSchema):
    kind = fields.String(validate=validate.OneOf(("dossier", "supplement", "decision")))
    label = fields.String()
    due_before = fields.String(allow_none=True, metadata=_d("Hạn \"trước ngày\" (không tính ngày này)."))
    last_day = fields.String(metadata=_d("Ngày cuối cùng còn đúng hạn (YYYY-MM-DD)."))
    last_day_vi = fields.String(metadata=_d("Ngày cuối cùng còn đúng hạn, viết dd/mm/yyyy."))
    working_days_left = fields.Integer(allow_none=True, metadata=_d(
        "Số ngày làm việc sau hôm nay đến ngày cuối cùng (trừ thứ Bảy, Chủ nhật, ngày lễ, Tết); "
        "0: hôm nay là ngày cuối; số âm: quá hạn bấy nhiêu ngày làm việc; null: đã làm."))
    overdue = fields.Boolean()
    done_on = fields.String(allow_none=True)
    late = fields.Boolean(allow_none=True)
    provisional = fields.Boolean()


class StepMissingSchema(ResponseSchema):
    code = fields.String(metadata=_d("Mã ổn định, ví dụ figures_missing."))
    message = fields.String()
    ids = fields.List(fields.String(), metadata=_d("Các chỉ tiêu hoặc ý kiến còn thiếu."))
    date = fields.String(allow_none=True)


class NextStepSchema(ResponseSchema):
    command = fields.String(metadata=_d("Bước của quy trình, ví dụ submit_self_assessment."))
    label = fields.String(metadata=_d("Tên bước bằng tiếng Việt."))
    actor = fields.Nested(StepActorSchema)
    date_field = fields.String(allow_none=True, metadata=_d("Trường ngày của bước (nếu có)."))
    date_required = fields.Boolean()
    earliest = fields.String(allow_none=True, metadata=_d("Ngày sớm nhất được ghi cho bước."))
    latest = fields.String(allow_none=True, metadata=_d("Ngày muộn nhất được ghi: hôm nay."))
    deadline = fields.Nested(AssessmentDeadlineSchema, allow_none=True)
    ready = fields.Boolean(metadata=_d("true: không còn thiếu gì để thực hiện bước."))
    missing = fields.List(fields.Nested(StepMissingSchema))


class AssessmentSchema(ResponseSchema):
    commune_code = fields.String()
    year = fields.Integer()
    state = fields.String()
    status = fields.String()
    status_vi = fields.String(metadata=_d("Trạng thái bằng tiếng Việt."))
    version = fields.Integer()
    allowed_commands = fields.List(fields.String())
    today = fields.String(metadata=_d("Hôm nay theo giờ Việt Nam: không bước nào được ghi ngày sau đó."))
    next_steps = fields.List(fields.Nested(NextStepSchema), metadata=_d(
        "Các bước tiếp theo của hồ sơ ở trạng thái hiện tại: ai thực hiện, ngày sớm nhất và muộn "
        "nhất, thời hạn tính theo ngày làm việc, còn thiếu gì."))
    deadlines = fields.List(fields.Nested(AssessmentDeadlineSchema), metadata=_d(
        "Các thời hạn của năm: gửi hồ sơ, bổ sung hồ sơ, quyết định công nhận."))
    reopenings = fields.List(fields.Dict(), metadata=_d(
        "Các lần mở lại bản tự đánh giá: lý do, ngày mở lại, ngày đã hoàn thành trước đó."))
    criteria_set_id = fields.String()
    criteria_set_version = fields.Integer()
    criteria_set_provisional = fields.Boolean()
    self_score = fields.Dict(allow_none=True, metadata=_d("Bảng tự chấm điểm của xã."))
    appraised_score = fields.Dict(allow_none=True, metadata=_d("Bảng điểm thẩm định của Hội đồng (điểm chính thức)."))
    recognition = fields.Dict(allow_none=True, metadata=_d("Đánh giá điều kiện công nhận trên điểm thẩm định."))
    recognition_preview = fields.Dict(allow_none=True, metadata=_d("Xem trước điều kiện trên điểm tự chấm."))
    declarations = fields.Dict()
    commune_class = fields.String(allow_none=True)
    satisfaction = fields.Dict(allow_none=True, metadata=_d(
        "Kết quả khảo sát sự hài lòng của xã trong năm (từ dịch vụ khảo sát), nếu có."))
    survey_result = fields.Dict(allow_none=True, metadata=_d(
        "Kết quả khảo sát mà chỉ tiêu chấm theo khảo sát (Quyết định 619/2017: Tiêu chí 2, chỉ "
        "tiêu 5) đã lấy số liệu, tự động khi đợt khảo sát kết thúc: chỉ tiêu, số liệu, đợt, tỷ "
        "lệ. Số liệu này không nhập tay được."))
    survey_result_held = fields.Dict(allow_none=True, metadata=_d(
        "Kết quả khảo sát mới đến khi bản tự đánh giá đã nộp: chưa áp dụng; áp dụng khi bản tự "
        "đánh giá được mở lại."))
    survey_problem = fields.Dict(allow_none=True, metadata=_d(
        "Khi có kết quả chưa áp dụng: chỉ tiêu, đợt và lời giải thích (message, message_en)."))


class AssessmentWrittenSchema(ResponseSchema):
    """What every write of an assessment answers (opening, each step, evidence files): where
    the assessment stands now. The whole assessment, explained, is GET's."""

    commune_code = fields.String(required=True)
    year = fields.Integer(required=True)
    version = fields.Integer(required=True, metadata=_d(
        "Phiên bản của hồ sơ sau khi ghi: gửi lại làm expected_version ở lần ghi sau."))
    state = fields.String(required=True)
    status_vi = fields.String(required=True, metadata=_d("Trạng thái bằng tiếng Việt."))


class AssessmentEventsSchema(ResponseSchema):
    events = fields.List(fields.Dict())


class CriteriaSetSummarySchema(ResponseSchema):
    id = fields.String()
    version = fields.Integer()
    title = fields.String()
    first_year = fields.Integer()
    last_year = fields.Integer(allow_none=True)
    pass_fail = fields.Boolean()
    provisional = fields.Boolean()
    source = fields.String(validate=validate.OneOf(("built_in", "published")))


class CriteriaSetListSchema(ResponseSchema):
    criteria_sets = fields.List(fields.Nested(CriteriaSetSummarySchema))


class CriteriaSetSchema(ResponseSchema):
    id = fields.String()
    version = fields.Integer()
    provisional = fields.Boolean()
    criteria = fields.List(fields.Dict())
    recognition = fields.Dict()


class CountsSchema(ResponseSchema):
    communes = fields.Integer(metadata=_d("Tổng số xã trong danh sách (kể cả chưa mở hồ sơ)."))
    assessments = fields.Integer(metadata=_d("Số xã đã mở hồ sơ đánh giá."))
    not_opened = fields.Integer(metadata=_d("Số xã chưa mở hồ sơ đánh giá."))
    undecided = fields.Integer(metadata=_d("Số xã chưa có quyết định (kể cả chưa mở hồ sơ)."))
    by_state = fields.Dict()
    decided = fields.Integer()
    recognised = fields.Integer()
    not_recognised = fields.Integer()
    recognition_rate = fields.String(allow_none=True, metadata=_d(
        "Tỷ lệ đạt chuẩn (%): số đạt chuẩn ÷ tổng số đơn vị cấp xã của năm, như Mẫu 09 và bảng "
        "kết quả công khai."))
    recognised_of_all = fields.String(allow_none=True, metadata=_d(
        "Như recognition_rate (giữ cho các chương trình đã dùng tên này)."))
    recognised_of_decided = fields.String(allow_none=True, metadata=_d(
        "Số đạt chuẩn ÷ số đã có quyết định (%); không phải tỷ lệ đạt chuẩn."))
    recognised_of_assessed = fields.String(allow_none=True)
    districts_meeting_standard = fields.Integer(allow_none=True, metadata=_d(
        "Số huyện đạt chuẩn tiếp cận pháp luật (chỉ ở phần totals; null khi không áp dụng)."))


class RollupLineSchema(ResponseSchema):
    commune_code = fields.String()
    commune_name = fields.String(allow_none=True)
    district_code = fields.String(allow_none=True)
    district_name = fields.String(allow_none=True)
    state = fields.String(metadata=_d("Trạng thái; not_opened = xã chưa mở hồ sơ đánh giá."))
    self_total = fields.String(allow_none=True)
    appraised_total = fields.String(allow_none=True)
    recognised = fields.Boolean(allow_none=True)


class RollupSchema(ResponseSchema):
    province_code = fields.String()
    province_name = fields.String(allow_none=True)
    year = fields.Integer()
    provisional = fields.Boolean()
    unit_list = fields.Dict(metadata=_d("Nguồn danh sách xã (legacy: dữ liệu huyện, xã đến 2024; "
                                        "current: xã hiện hành) và có đầy đủ hay không."))
    communes = fields.List(fields.Nested(RollupLineSchema),
                           metadata=_d("Mọi xã của tỉnh/huyện trong năm, kể cả xã chưa mở hồ sơ."))
    totals = fields.Nested(CountsSchema)
    districts = fields.List(fields.Dict(), metadata=_d(
        "Từng huyện: số lượng như totals và district_standard (huyện đạt chuẩn tiếp cận pháp luật "
        "theo Quyết định 1723/QĐ-BTP: từng điều kiện, giá trị, ngưỡng, kết luận, còn thiếu gì)."))
    pause = fields.Nested(PauseRecordSchema, allow_none=True, metadata=_d(
        "Năm đánh giá tạm dừng (toàn quốc hoặc tỉnh) và căn cứ; null khi không tạm dừng."))


# -- the reviewing units' yearly reports ------------------------------------------------------
class EvaluationReportQuerySchema(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR),
                          metadata=_d("Năm đánh giá.", 2022))
    province = fields.String(load_default=None, validate=validate.Regexp(r"^\d{2}$"), metadata=_d(
        "Mã tỉnh; bỏ trống: mọi tỉnh (quản trị viên, kiểm toán viên) hoặc tỉnh của tài khoản.", "38"))
    district = fields.String(load_default=None, validate=validate.Regexp(r"^\d{3}$"), metadata=_d(
        "Mã huyện (các năm đến 2024); tài khoản cấp huyện chỉ xem huyện mình."))
    as_of = Day(load_default=None, metadata=_d("Tình trạng tính đến ngày này (mặc định: hôm nay, "
                                               "giờ Việt Nam).", "2023-02-15"))


class EvaluationReportPathSchema(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR),
                          metadata=_d("Năm đánh giá.", 2022))
    report_id = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z_]{0,59}$"),
                              metadata=_d("Mã báo cáo trong lịch của bộ tiêu chí, ví dụ "
                                          "district_to_province.", "district_to_province"))
    unit_code = fields.String(required=True, validate=validate.Regexp(r"^\d{2,3}$"), metadata=_d(
        "Đơn vị gửi: mã huyện (3 chữ số, các năm đến 2024) hoặc mã tỉnh (2 chữ số).", "380"))


class EvaluationReportSentSchema(StrictSchema):
    sent_on = Day(required=True, metadata=_d("Ngày gửi báo cáo (giờ Việt Nam): không sau hôm nay, "
                                             "không trước ngày 01/01 của năm sau năm đánh giá.",
                                             "2023-02-14"))
    document_number = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Length(max=100),
                                    metadata=_d("Số văn bản báo cáo (không bắt buộc).", "15/BC-UBND"))


class EvaluationReportCorrectionSchema(EvaluationReportSentSchema):
    reason = fields.String(required=True, validate=validate.Length(1, 2000),
                           metadata=_d("Lý do đính chính (ví dụ ghi nhầm ngày)."))


class EvaluationReportLineSchema(ResponseSchema):
    report_id = fields.String()
    level = fields.String(metadata=_d("district (cấp huyện) hoặc province (cấp tỉnh)."))
    unit_code = fields.String()
    unit_name = fields.String()
    province_code = fields.String()
    due_before = fields.String(metadata=_d("Hạn “trước ngày”: gửi đúng ngày này là muộn."))
    last_day = fields.String(metadata=_d("Ngày cuối cùng còn đúng hạn."))
    sent_on = fields.String(allow_none=True)
    document_number = fields.String(allow_none=True)
    recorded_by = fields.String(allow_none=True)
    status = fields.String(metadata=_d("sent, sent_late, due (chưa đến hạn) hoặc overdue (quá hạn)."))
    status_vi = fields.String()


class EvaluationReportsSchema(ResponseSchema):
    year = fields.Integer()
    criteria_set_id = fields.String()
    as_of = fields.String()
    province_code = fields.String(allow_none=True)
    district_code = fields.String(allow_none=True)
    reports = fields.List(fields.Dict(), metadata=_d(
        "Các báo cáo của năm theo lịch của bộ tiêu chí: id, name, level, due_before, last_day, provisional."))
    lines = fields.List(fields.Nested(EvaluationReportLineSchema))
    counts = fields.Dict(metadata=_d("Số đơn vị theo tình trạng: sent, sent_late, due, overdue."))
    paused_provinces = fields.List(fields.String(), metadata=_d(
        "Tỉnh tạm dừng đánh giá năm đó: không có báo cáo phải gửi."))


class EvaluationReportSchema(ResponseSchema):
    report_id = fields.String()
    year = fields.Integer()
    unit_code = fields.String()
    due_before = fields.String()
    sent_on = fields.String()
    document_number = fields.String(allow_none=True)
    recorded_by = fields.String(allow_none=True)
    recorded_at = fields.String(allow_none=True)
    status = fields.String()
    status_vi = fields.String()
    version = fields.Integer()
    corrections = fields.List(fields.Dict(), metadata=_d("Các lần đính chính: ngày, số, lý do, trước đó."))

"""Schemas of the plans routes: strict request schemas and response schemas for the docs.
Descriptions are shown on /docs, hence in Vietnamese."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.schemas import (
    FIRST_YEAR,
    LAST_YEAR,
    Day,
    ResponseSchema,
    StrictSchema,
    expected_version_field,
)


def _d(text: str, example=None) -> dict:
    return {"description": text} if example is None else {"description": text, "example": example}


def _version():
    return expected_version_field("Phiên bản kế hoạch đã đọc; nếu đã thay đổi sau đó thì trả về 409.")


class PlanPathSchema(StrictSchema):
    plan_id = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-zA-Z_-]{1,64}$"),
                            metadata=_d("Mã kế hoạch."))


class TaskPathSchema(PlanPathSchema):
    task = fields.String(required=True, validate=validate.Length(min=1, max=20),
                         metadata=_d("Số thứ tự nhiệm vụ trong kế hoạch, ví dụ 2.1 hoặc 1.a."))


class AgencyPathSchema(StrictSchema):
    agency_id = fields.String(required=True, validate=validate.Length(min=3, max=80),
                              metadata=_d("Mã cơ quan, ví dụ 12:so-tu-phap.", "01:so-tu-phap"))


class ProvincePathSchema(StrictSchema):
    province_code = fields.String(required=True, validate=validate.Regexp(r"^\d{2}$"),
                                  metadata=_d("Mã tỉnh/thành phố, ví dụ 12.", "01"))


class PlanListQuerySchema(StrictSchema):
    province = fields.String(load_default=None, validate=validate.Regexp(r"^\d{2}$"),
                             metadata=_d("Lọc theo mã tỉnh."))
    district = fields.String(load_default=None, validate=validate.Regexp(r"^\d{3}$"),
                             metadata=_d("Lọc theo mã huyện (kế hoạch cấp huyện, đến năm 2025)."))


class SummaryQuerySchema(StrictSchema):
    year = fields.Integer(required=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR),
                          metadata=_d("Năm sơ kết, tổng kết."))
    kind = fields.String(load_default="tong_ket", validate=validate.OneOf(("so_ket", "tong_ket")),
                         metadata=_d("so_ket (sơ kết) hoặc tong_ket (tổng kết)."))


class OverdueQuerySchema(StrictSchema):
    as_of = Day(load_default=None, allow_none=True,
                metadata=_d("Ngày xét quá hạn (YYYY-MM-DD); mặc định là hôm nay theo giờ Việt Nam.",
                            "2022-07-01"))


class PlanImportSchema(StrictSchema):
    province_code = fields.String(required=True, validate=validate.Regexp(r"^\d{2}$"),
                                  metadata=_d("Tỉnh ban hành hoặc có huyện ban hành kế hoạch."))
    district_code = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Regexp(r"^\d{3}$"),
                                  metadata=_d("Huyện ban hành (kế hoạch cấp huyện)."))
    file_name = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(max=255), metadata=_d("Tên tệp gốc."))
    content = fields.String(required=True, validate=validate.Length(min=1, max=700_000),
                            metadata=_d("Nội dung văn bản (text/Markdown) hoặc tệp .docx mã hóa base64."))
    encoding = fields.String(load_default="text", validate=validate.OneOf(("text", "base64")),
                             metadata=_d("text: văn bản thuần; base64: tệp .docx."))


class PlanEditSchema(StrictSchema):
    changes = fields.Dict(required=True, metadata=_d(
        "Các trường cần sửa: issuer, number, date, year, first_year, last_year, title, "
        "legal_basis, purpose, requirements, organisation, funding; tasks: {số nhiệm vụ: "
        "{title, description, lead_agencies, coordinating_agencies, timeframe, outputs}}; "
        "add_tasks; remove_tasks."))
    expected_version = _version()


class PlanReviewSchema(StrictSchema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000),
                         metadata=_d("Ghi chú rà soát."))
    expected_version = _version()


class PlanIssueSchema(StrictSchema):
    number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=80),
                           metadata=_d("Số ký hiệu văn bản, ví dụ 1234/KH-UBND."))
    issued_on = Day(load_default=None, allow_none=True, metadata=_d("Ngày ban hành (YYYY-MM-DD)."))
    expected_version = _version()


class EvidenceSchema(StrictSchema):
    file_name = fields.String(required=True, validate=validate.Length(min=1, max=255),
                              metadata=_d("Tên tệp minh chứng."))
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-fA-F]{64}$"),
                           metadata=_d("Mã băm SHA-256 của tệp (64 ký tự hex)."))


class ProgressSchema(StrictSchema):
    status = fields.String(required=True,
                           validate=validate.OneOf(("not_started", "in_progress", "completed")),
                           metadata=_d("Tình trạng: not_started, in_progress, completed."))
    percent = fields.Integer(strict=True, required=True, validate=validate.Range(0, 100),
                             metadata=_d("Tỷ lệ hoàn thành, 0–100."))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=4000),
                         metadata=_d("Ghi chú, kết quả đạt được."))
    evidence = fields.Nested(EvidenceSchema, load_default=None, allow_none=True,
                             metadata=_d("Tài liệu minh chứng."))


class LinkSchema(StrictSchema):
    province_code = fields.String(required=True, validate=validate.Regexp(r"^\d{2}$"),
                                  metadata=_d("Tỉnh có kết quả đánh giá."))
    district_code = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Regexp(r"^\d{3}$"),
                                  metadata=_d("Huyện (chỉ các năm đến 2024)."))
    year = fields.Integer(required=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR),
                          metadata=_d("Năm đánh giá."))
    measure = fields.String(load_default="decided",
                            validate=validate.OneOf(("submitted", "appraised", "decided")),
                            metadata=_d("Tiến độ tính theo tỷ lệ xã đã nộp hồ sơ (submitted), đã "
                                        "thẩm định (appraised) hay đã có quyết định (decided)."))


# -- responses -------------------------------------------------------------------------------
class PlanTaskSchema(ResponseSchema):
    number = fields.String(metadata=_d("Số thứ tự nhiệm vụ."))
    title = fields.String(metadata=_d("Nội dung nhiệm vụ."))
    lead_agencies = fields.List(fields.Dict(), metadata=_d("Cơ quan chủ trì."))
    coordinating_agencies = fields.List(fields.Dict(), metadata=_d("Cơ quan phối hợp."))
    timeframe = fields.Dict(allow_none=True, metadata=_d("Thời gian thực hiện (đã phân tích)."))
    due_dates = fields.List(fields.String(), metadata=_d("Các hạn hoàn thành."))
    outputs = fields.String(metadata=_d("Kết quả, sản phẩm."))
    status = fields.String(metadata=_d("Tình trạng."))
    percent = fields.Integer(metadata=_d("Tỷ lệ hoàn thành."))
    overdue = fields.List(fields.Dict(), metadata=_d("Các lần bị đánh dấu quá hạn."))
    link = fields.Dict(allow_none=True, metadata=_d("Liên kết với kết quả đánh giá, nếu có."))


class PlanSchema(ResponseSchema):
    plan_id = fields.String(metadata=_d("Mã kế hoạch."))
    status = fields.String(metadata=_d("draft, reviewed hoặc issued."))
    version = fields.Integer(metadata=_d("Phiên bản."))
    jurisdiction = fields.Dict(metadata=_d("Tỉnh, huyện của kế hoạch."))
    issuer = fields.String(allow_none=True, metadata=_d("Cơ quan ban hành."))
    number = fields.String(allow_none=True, metadata=_d("Số ký hiệu."))
    title = fields.String(allow_none=True, metadata=_d("Trích yếu."))
    year = fields.Integer(allow_none=True, metadata=_d("Năm."))
    tasks = fields.List(fields.Nested(PlanTaskSchema), metadata=_d("Các nhiệm vụ."))
    review = fields.Dict(metadata=_d("Những dòng không đọc được và các điểm cần rà soát."))


class OverdueTaskSchema(ResponseSchema):
    task = fields.String(metadata=_d("Số thứ tự nhiệm vụ."))
    title = fields.String(allow_none=True, metadata=_d("Tên nhiệm vụ."))
    due_date = fields.String(metadata=_d("Thời hạn đã qua (YYYY-MM-DD)."))
    days_late = fields.Integer(metadata=_d("Số ngày (theo lịch) quá hạn tính đến ngày xét."))
    working_days_late = fields.Integer(metadata=_d(
        "Số ngày làm việc quá hạn tính đến ngày xét (không tính thứ Bảy, Chủ nhật và ngày lễ, Tết)."))
    percent = fields.Integer(metadata=_d("Tiến độ (%) theo báo cáo đến ngày xét."))
    status = fields.String(metadata=_d("not_started, in_progress (theo báo cáo đến ngày xét)."))
    lead_agencies = fields.List(fields.Dict(), metadata=_d("Cơ quan chủ trì."))
    follows_assessment = fields.Boolean(metadata=_d("Nhiệm vụ theo kết quả đánh giá (tỷ lệ hiện tại)."))


class OverdueSchema(ResponseSchema):
    plan_id = fields.String(metadata=_d("Mã kế hoạch."))
    status = fields.String(metadata=_d("Trạng thái kế hoạch; chỉ kế hoạch đã ban hành có nhiệm vụ quá hạn."))
    as_of = fields.String(metadata=_d("Ngày xét (YYYY-MM-DD)."))
    tasks = fields.List(fields.Nested(OverdueTaskSchema),
                        metadata=_d("Mỗi nhiệm vụ và thời hạn đã qua mà chưa hoàn thành."))


class PlanListSchema(ResponseSchema):
    plans = fields.List(fields.Dict(), metadata=_d("Các kế hoạch."))


class AgencyTasksSchema(ResponseSchema):
    agency_id = fields.String(metadata=_d("Mã cơ quan."))
    tasks = fields.List(fields.Dict(), metadata=_d("Nhiệm vụ cơ quan chủ trì hoặc phối hợp."))


class AgencyListSchema(ResponseSchema):
    agencies = fields.List(fields.Dict(), metadata=_d("Các cơ quan của tỉnh."))

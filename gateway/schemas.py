"""Request and response schemas (marshmallow 4).

Request schemas validate what the gateway accepts; response schemas only document what it
returns (the OpenAPI document is generated from both). Descriptions are shown to people on
the docs page, so they are in Vietnamese.
"""

from __future__ import annotations

from marshmallow import INCLUDE, RAISE, Schema, fields, validate

BACKING_SERVICES = ("assessment", "plans", "publication", "survey")
REVIEWING_LEVELS = ("district", "province")
FIRST_YEAR, LAST_YEAR = 2017, 2100  # 2017: the first regime (Decision 619/QĐ-TTg)


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": "Unknown field: this endpoint does not accept it.",
        "type": "Invalid input type: a JSON object is expected.",
    }


def _described(text: str) -> dict:
    return {"description": text}


# -- requests ------------------------------------------------------------------------------
class ReviewingLevelPathSchema(StrictSchema):
    province_code = fields.String(required=True, metadata=_described("Mã tỉnh/thành phố, ví dụ 01."))
    year = fields.Integer(required=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR),
                          metadata=_described(f"Năm đánh giá ({FIRST_YEAR}–{LAST_YEAR})."))


class ReviewingLevelUpdateSchema(StrictSchema):
    level = fields.String(required=True, validate=validate.OneOf(REVIEWING_LEVELS),
                          metadata=_described("Cấp thẩm định: district (huyện) hoặc province (tỉnh)."))
    expected_version = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=0),
        metadata=_described("Phiên bản đã đọc; nếu cấu hình đã thay đổi sau đó thì trả về 409."),
    )


class EventsQuerySchema(StrictSchema):
    source = fields.String(required=True, validate=validate.OneOf(BACKING_SERVICES),
                           metadata=_described("Dịch vụ có kho sự kiện cần đọc."))
    after = fields.Integer(load_default=0, validate=validate.Range(min=0),
                           metadata=_described("Đọc các sự kiện sau vị trí này."))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000),
                           metadata=_described("Số sự kiện tối đa (1–1000)."))


# -- responses (documentation only) --------------------------------------------------------
class ResponseSchema(Schema):
    """Responses may gain fields without breaking clients, so the documents say so."""

    class Meta:
        unknown = INCLUDE


class ErrorSchema(ResponseSchema):
    error = fields.String(required=True, metadata=_described("Mã lỗi ổn định, ví dụ validation_failed."))
    message = fields.String(required=True, metadata=_described("Câu giải thích cho người đọc."))
    details = fields.Dict(metadata=_described("Chi tiết tùy loại lỗi, ví dụ lỗi theo từng trường."))


class ProvinceSchema(ResponseSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    short_name = fields.String(required=True)


class CommuneSchema(ResponseSchema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    province_code = fields.String(required=True)
    district_code = fields.String(allow_none=True,
                                  metadata=_described("Mã huyện; null với đơn vị từ 01/7/2025."))
    division_type = fields.String(metadata=_described("xã, phường hoặc đặc khu."))


class ProvinceListSchema(ResponseSchema):
    provinces = fields.List(fields.Nested(ProvinceSchema), required=True)


class ProvinceCommunesSchema(ResponseSchema):
    province = fields.Nested(ProvinceSchema, required=True)
    communes = fields.List(fields.Nested(CommuneSchema), required=True)


class ReviewingLevelSchema(ResponseSchema):
    province_code = fields.String(required=True)
    year = fields.Integer(required=True)
    level = fields.String(required=True, validate=validate.OneOf(REVIEWING_LEVELS))
    version = fields.Integer(required=True)
    source = fields.String(required=True, validate=validate.OneOf(("configured", "default")),
                           metadata=_described("configured: đã cấu hình; default: theo quy định mặc định."))


class EventsPageSchema(ResponseSchema):
    source = fields.String()
    events = fields.List(fields.Dict(), required=True)
    head_position = fields.Integer(required=True)


class DatabaseHealthSchema(ResponseSchema):
    ok = fields.Boolean(required=True)
    backend = fields.String(validate=validate.OneOf(("sqlite", "postgresql")))
    error = fields.String(allow_none=True)


class BrokerHealthSchema(ResponseSchema):
    ok = fields.Boolean(required=True)
    error = fields.String(allow_none=True)
    published = fields.Integer(metadata=_described("Số sự kiện đã phát lên broker."))


class ServiceHealthSchema(ResponseSchema):
    service = fields.String()
    status = fields.String(required=True, validate=validate.OneOf(("up", "degraded", "down")))
    database = fields.Nested(DatabaseHealthSchema)
    broker = fields.Nested(BrokerHealthSchema)
    outbox_pending = fields.Integer(allow_none=True)
    projection_errors = fields.Dict(
        keys=fields.String(), values=fields.String(allow_none=True),
        metadata=_described("Các bảng đọc dựng thẳng từ nhật ký sự kiện của dịch vụ, kèm lỗi "
                            "đang làm bảng dừng lại (null nếu không có lỗi)."))
    error = fields.String(metadata=_described("Vì sao dịch vụ được coi là ngừng (down)."))


class ServiceGuardHealthSchema(ResponseSchema):
    """What the gateway sees of one service: its circuit breaker and bulkhead."""

    breaker = fields.String(
        required=True, validate=validate.OneOf(("closed", "open", "half_open")),
        metadata=_described("Mạch ngắt: closed (gọi bình thường), open (dịch vụ liên tục không "
                            "trả lời: mọi lời gọi bị từ chối ngay), half_open (lời gọi kế tiếp "
                            "sẽ thử lại dịch vụ)."))
    consecutive_failures = fields.Integer(metadata=_described(
        "Số lời gọi liên tiếp gần nhất không được trả lời."))
    times_opened = fields.Integer(metadata=_described("Số lần mạch ngắt đã mở."))
    retry_after = fields.Integer(metadata=_described(
        "Khi mạch ngắt mở: số giây đến lần thử lại dịch vụ."))
    in_flight = fields.Integer(metadata=_described("Số yêu cầu đang chờ dịch vụ."))
    limit = fields.Integer(metadata=_described(
        "Số yêu cầu được chờ dịch vụ cùng lúc; yêu cầu vượt quá bị từ chối ngay (503)."))
    rejected = fields.Integer(metadata=_described("Số yêu cầu đã bị từ chối vì vượt giới hạn."))


class BoardHealthSchema(ResponseSchema):
    status = fields.String(
        required=True, validate=validate.OneOf(("fresh", "stale", "bypass", "idle", "off")),
        metadata=_described("Bộ nhớ đệm của bảng kết quả: fresh (trang lưu khớp dữ liệu), stale "
                            "(dịch vụ công bố không trả lời: trang lưu được hiển thị kèm thông "
                            "báo có thể chưa cập nhật), bypass, idle, off."))
    pages = fields.Integer()
    bytes = fields.Integer()
    confirmed_at = fields.String(allow_none=True, metadata=_described(
        "Thời điểm gần nhất dữ liệu công bố được xác nhận là mới nhất."))
    served_stale = fields.Integer(metadata=_described(
        "Số trang đã phục vụ từ bản lưu khi dịch vụ công bố không trả lời."))


class GatewayHealthSchema(ResponseSchema):
    broker = fields.Nested(BrokerHealthSchema, required=True)
    services = fields.Dict(keys=fields.String(), values=fields.Nested(ServiceGuardHealthSchema))
    board = fields.Nested(BoardHealthSchema)


class HealthSchema(ResponseSchema):
    status = fields.String(required=True, validate=validate.OneOf(("up", "degraded", "down")))
    services = fields.Dict(keys=fields.String(), values=fields.Nested(ServiceHealthSchema),
                           required=True)
    gateway = fields.Nested(GatewayHealthSchema, required=True)

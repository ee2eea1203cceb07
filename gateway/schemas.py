"""Request and response schemas (marshmallow 4).

Request schemas validate what the gateway accepts; response schemas only document what it
returns (the OpenAPI document is generated from both). Descriptions are shown to people on
the docs page, so they are in Vietnamese.
"""

from __future__ import annotations

from datetime import date

from marshmallow import INCLUDE, RAISE, Schema, ValidationError, fields, validate

from gateway.inputs import MAX_SAFE_INTEGER

BACKING_SERVICES = ("assessment", "plans", "publication", "survey", "accounts")
REVIEWING_LEVELS = ("district", "province")
FIRST_YEAR, LAST_YEAR = 2017, 2100  # 2017: the first regime (Decision 619/QĐ-TTg)
# Days of the programme: a year's work starts the year before (plans) and ends the year after
# (decisions); 0417-12-03 or 9999-12-31 are typing mistakes, and date arithmetic fails on them.
FIRST_DAY, LAST_DAY = date(FIRST_YEAR - 1, 1, 1), date(LAST_YEAR + 1, 12, 31)
MAX_VERSION = 2 ** 31 - 1  # stream versions are 32-bit integers in every store
MAX_POSITION = MAX_SAFE_INTEGER  # positions in an event log, as JSON carries them exactly


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": "Unknown field: this endpoint does not accept it.",
        "type": "Invalid input type: a JSON object is expected.",
    }


def _described(text: str, example=None) -> dict:
    """Field metadata for the docs; the example also seeds the fuzz run's first requests."""
    return {"description": text} if example is None else {"description": text, "example": example}


def version_field(description: str, minimum: int = 0, **kwargs) -> fields.Integer:
    """A version a client read or asks for: an integer no store can exceed."""
    return fields.Integer(strict=True, validate=validate.Range(
        minimum, MAX_VERSION, error=f"Phiên bản là số nguyên từ {minimum} đến {vietnamese_number(MAX_VERSION)}."),
        metadata=_described(description), **kwargs)


def expected_version_field(description: str) -> fields.Integer:
    return version_field(description, load_default=None, allow_none=True)


def bounded_integer(description: str, minimum: int, maximum: int, **kwargs) -> fields.Integer:
    """A count or size, bounded by what the domain can hold: the bound is in the docs too."""
    return fields.Integer(strict=True, validate=validate.Range(
        minimum, maximum, error=f"Giá trị là số nguyên từ {vietnamese_number(minimum)} đến "
                                f"{vietnamese_number(maximum)}."),
        metadata=_described(description), **kwargs)


def vietnamese_number(number: int) -> str:
    """12345 → "12.345": Vietnamese groups thousands with dots."""
    return f"{number:,}".replace(",", ".")


class Day(fields.Date):
    """A calendar day (YYYY-MM-DD) from FIRST_DAY to LAST_DAY. JSON Schema bounds no date, so
    the documented pattern states the years (and clients generating data keep to them)."""

    PATTERN = r"^(201[6-9]|20[2-9][0-9]|210[01])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.metadata = {"pattern": self.PATTERN, **self.metadata}

    def _deserialize(self, value, attr, data, **kwargs):
        day = super()._deserialize(value, attr, data, **kwargs)
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationError(f"Ngày phải trong khoảng {FIRST_DAY:%d/%m/%Y} đến {LAST_DAY:%d/%m/%Y}.")
        return day


# -- requests ------------------------------------------------------------------------------
class ReviewingLevelPathSchema(StrictSchema):
    province_code = fields.String(required=True, metadata=_described("Mã tỉnh/thành phố, ví dụ 01.", "01"))
    year = fields.Integer(required=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR),
                          metadata=_described(f"Năm đánh giá ({FIRST_YEAR}–{LAST_YEAR}).", 2025))


class ReviewingLevelUpdateSchema(StrictSchema):
    level = fields.String(required=True, validate=validate.OneOf(REVIEWING_LEVELS),
                          metadata=_described("Cấp thẩm định: district (huyện) hoặc province (tỉnh)."))
    expected_version = expected_version_field(
        "Phiên bản đã đọc; nếu cấu hình đã thay đổi sau đó thì trả về 409.")


class EventsQuerySchema(StrictSchema):
    source = fields.String(required=True, validate=validate.OneOf(BACKING_SERVICES),
                           metadata=_described("Dịch vụ có kho sự kiện cần đọc."))
    after = fields.Integer(load_default=0, validate=validate.Range(
                               0, MAX_POSITION, error=f"Vị trí là số nguyên từ 0 đến {vietnamese_number(MAX_POSITION)}."),
                           metadata=_described("Đọc các sự kiện sau vị trí này."))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 1000),
                           metadata=_described("Số sự kiện tối đa (1–1000)."))


class UnitsYearQuerySchema(StrictSchema):
    year = fields.Integer(load_default=None, validate=validate.Range(
                              FIRST_YEAR, LAST_YEAR, error=f"Năm là số nguyên từ {FIRST_YEAR} đến {LAST_YEAR}."),
                          metadata=_described(
                              "Năm đánh giá: các đơn vị có vào ngày 31/12 năm đó (đến 2024: "
                              "63 tỉnh, có mã huyện). Bỏ trống: các đơn vị hiện hành.", 2020))


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

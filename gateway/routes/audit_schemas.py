"""Schemas of the audit routes (marshmallow 4).

Query schemas refuse unknown parameters, so a mistyped filter (``comune=…``) is a 400 and
never a silently unfiltered audit. Response schemas only document what the routes return.
Descriptions are shown on /docs: Vietnamese.
"""

from __future__ import annotations

import re

from marshmallow import ValidationError, fields, validate

from gateway.schemas import BACKING_SERVICES, ResponseSchema, StrictSchema
from kernel.store import vietnam_iso

ALL = "all"
FORMATS = ("json", "csv")
MAX_LIMIT = 1000
EVENT_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,199}$")
CORRELATION_ID = validate.Regexp(r"^[A-Za-z0-9._:-]{1,200}$",
                                 error="Mã tương quan gồm chữ, số và . _ : - (tối đa 200 ký tự).")


def _described(text: str) -> dict:
    return {"description": text}


def event_types(values: list[str]) -> list[str]:
    """Event type names from ``type`` parameters, each a name or a comma list."""
    names = [name.strip() for value in values for name in value.split(",") if name.strip()]
    bad = [name for name in names if not EVENT_TYPE.match(name)]
    if bad or not names:
        raise ValidationError(f"Không phải tên loại sự kiện: {', '.join(bad) or '(trống)'}.")
    return names


class EventTypesField(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return event_types([super()._deserialize(value, attr, data, **kwargs)])


class AuditTimeField(fields.String):
    """A date (the whole day) or a date and time; stored as the ISO string in UTC+7 that the
    event store compares ``recorded_at`` with. Without an offset: Vietnam time."""

    def __init__(self, end_of_day: bool, **kwargs):
        super().__init__(**kwargs)
        self.end_of_day = end_of_day

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return vietnam_iso(text, end_of_day=self.end_of_day)
        except ValueError:
            raise ValidationError("Cần ngày (2025-03-01) hoặc ngày giờ ISO 8601 "
                                  "(2025-03-01T09:00:00+07:00).") from None


class AuditEventsQuerySchema(StrictSchema):
    source = fields.String(load_default=ALL, validate=validate.OneOf((ALL, *BACKING_SERVICES)),
                           metadata=_described("Một dịch vụ (assessment, plans, publication, "
                                               "survey) hoặc all (mặc định): mọi dịch vụ."))
    stream = fields.String(validate=validate.Length(1, 200),
                           metadata=_described("Đúng luồng sự kiện này, ví dụ assessment-00004-2025."))
    stream_prefix = fields.String(validate=validate.Length(1, 200),
                                  metadata=_described("Các luồng bắt đầu bằng chuỗi này, ví dụ campaign-."))
    commune = fields.String(validate=validate.Regexp(r"^\d{5}$", error="Mã xã là 5 chữ số."),
                            metadata=_described(
                                "Mã xã: sự kiện có data.commune_code bằng mã này, hoặc luồng có mã "
                                "này là một đoạn giữa các dấu gạch ngang (assessment-00004-2025)."))
    actor = fields.String(validate=validate.Length(1, 200),
                          metadata=_described("Người thực hiện (sub của token, hoặc system:<tên>)."))
    type = EventTypesField(metadata=_described(
        "Loại sự kiện; lặp lại tham số hoặc phân cách bằng dấu phẩy: type=A,B."))
    recorded_from = AuditTimeField(end_of_day=False, data_key="from", metadata=_described(
        "Ghi từ thời điểm này (gồm cả nó): ngày (cả ngày) hoặc ngày giờ; không có múi giờ thì là "
        "giờ Việt Nam."))
    recorded_to = AuditTimeField(end_of_day=True, data_key="to", metadata=_described(
        "Ghi đến thời điểm này (gồm cả nó): ngày (đến hết ngày) hoặc ngày giờ."))
    correlation_id = fields.String(validate=CORRELATION_ID,
                                   metadata=_described("Mã tương quan của yêu cầu (X-Correlation-Id)."))
    cursor = fields.String(validate=validate.Length(1, 2000),
                           metadata=_described("next_cursor của trang trước; dùng với cùng bộ lọc."))
    limit = fields.Integer(load_default=100, validate=validate.Range(1, MAX_LIMIT),
                           metadata=_described(f"Số sự kiện tối đa mỗi trang (1–{MAX_LIMIT})."))
    format = fields.String(validate=validate.OneOf(FORMATS), metadata=_described(
        "json hoặc csv: tải về toàn bộ kết quả (từ cursor) thành tệp; CSV mã hóa UTF-8 có BOM."))


class CorrelationPathSchema(StrictSchema):
    correlation_id = fields.String(required=True, validate=CORRELATION_ID,
                                   metadata=_described("Mã tương quan (X-Correlation-Id của yêu cầu)."))


class ExportQuerySchema(StrictSchema):
    format = fields.String(validate=validate.OneOf(FORMATS), metadata=_described(
        "json hoặc csv: tải về thành tệp; CSV mã hóa UTF-8 có BOM."))


class NoQuerySchema(StrictSchema):
    """Routes that take no query parameters still refuse unknown ones."""


# -- responses (documentation only) ----------------------------------------------------------
class AuditEventSchema(ResponseSchema):
    source = fields.String(required=True, metadata=_described("Dịch vụ lưu sự kiện."))
    position = fields.Integer(required=True, metadata=_described("Vị trí trong kho của dịch vụ."))
    id = fields.String(required=True)
    stream = fields.String(required=True)
    version = fields.Integer(required=True)
    type = fields.String(required=True)
    schema_version = fields.Integer()
    data = fields.Dict()
    metadata = fields.Dict(metadata=_described(
        "actor, role, jurisdiction, correlation_id, causation_id, recorded_at (giờ Việt Nam)."))
    prev_hash = fields.String()
    hash = fields.String()


class AuditEventsPageSchema(ResponseSchema):
    events = fields.List(fields.Nested(AuditEventSchema), required=True,
                         metadata=_described("Theo thời gian ghi, rồi dịch vụ, rồi vị trí."))
    next_cursor = fields.String(allow_none=True,
                                metadata=_described("Con trỏ trang sau; null khi đã hết."))
    sources = fields.List(fields.String(), required=True)
    filters = fields.Dict()


class CausationLinkSchema(ResponseSchema):
    event_id = fields.String(required=True)
    source = fields.String(required=True)
    causation_id = fields.String(required=True, metadata=_described("Sự kiện gây ra sự kiện này."))
    cause_source = fields.String(allow_none=True,
                                 metadata=_described("Dịch vụ của sự kiện gây ra; null nếu không thấy."))


class CausationNodeSchema(ResponseSchema):
    event_id = fields.String(required=True)
    source = fields.String(required=True)
    type = fields.String(required=True)
    stream = fields.String()
    caused = fields.List(fields.Dict(), metadata=_described("Các sự kiện do sự kiện này gây ra."))


class CorrelationSchema(ResponseSchema):
    correlation_id = fields.String(required=True)
    events = fields.List(fields.Nested(AuditEventSchema), required=True)
    sources = fields.List(fields.String(), metadata=_described("Các dịch vụ có sự kiện."))
    links = fields.List(fields.Nested(CausationLinkSchema), required=True)
    tree = fields.List(fields.Nested(CausationNodeSchema), required=True,
                       metadata=_described("Cây nhân quả: gốc là sự kiện không có nguyên nhân trong kết quả."))


class BrokenPlaceSchema(ResponseSchema):
    kind = fields.String(required=True, metadata=_described(
        "edited (sự kiện bị sửa), link (liên kết sai), missing (sự kiện bị xóa), signed_head "
        "(đoạn sự kiện không khớp chữ ký), signature / unknown_key (chữ ký giả hoặc khóa lạ), "
        "equivocation (hai chữ ký hợp lệ mâu thuẫn), store_head (đầu kho bị sửa), signing "
        "(dịch vụ từ chối ký tiếp)."))
    position = fields.Integer(required=True, metadata=_described("Vị trí chỗ hỏng."))
    from_position = fields.Integer(allow_none=True, metadata=_described("Đầu đoạn sự kiện liên quan."))
    to_position = fields.Integer(allow_none=True, metadata=_described("Cuối đoạn sự kiện liên quan."))
    event_id = fields.String(allow_none=True)
    stream = fields.String(allow_none=True)
    version = fields.Integer(allow_none=True)
    reason = fields.String(required=True)
    signed_head = fields.Dict(allow_none=True, metadata=_described(
        "Chữ ký liên quan: position, signed_at, key_id."))


class ChainReportSchema(ResponseSchema):
    source = fields.String(required=True)
    ok = fields.Boolean(required=True)
    checked = fields.Integer()
    head_position = fields.Integer()
    first_broken = fields.Nested(BrokenPlaceSchema, allow_none=True, metadata=_described(
        "Chỗ hỏng đầu tiên (như phần tử đầu của broken)."))
    broken = fields.List(fields.Nested(BrokenPlaceSchema), metadata=_described(
        "Mọi chỗ hỏng, theo vị trí (tối đa 1000; more_broken đếm phần còn lại)."))
    more_broken = fields.Integer()
    signed_heads = fields.Dict(metadata=_described(
        "checked (số chữ ký đã đối chiếu), keys_checked, latest (chữ ký mới nhất), "
        "unsigned_events (số sự kiện sau chữ ký mới nhất)."))
    copies_checked = fields.Integer(metadata=_described(
        "Số bản sao chữ ký (do dịch vụ công bố giữ) đã đưa vào đối chiếu."))
    copies_error = fields.String(metadata=_described("Vì sao không lấy được bản sao chữ ký."))
    error = fields.String(metadata=_described("Vì sao không kiểm tra được dịch vụ này."))


class ChainsSchema(ResponseSchema):
    ok = fields.Boolean(required=True, metadata=_described("Mọi chuỗi băm đều nguyên vẹn."))
    services = fields.Dict(keys=fields.String(), values=fields.Nested(ChainReportSchema),
                           required=True)
    broken = fields.List(fields.Dict(), metadata=_described(
        "Mỗi dịch vụ có chuỗi hỏng hoặc không kiểm tra được: source, first_broken, places "
        "(mọi chỗ hỏng), error."))

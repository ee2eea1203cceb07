"""Schemas of the accounts routes: strict request schemas and response schemas for the docs.
Descriptions and messages are shown to people, hence in Vietnamese."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from gateway.auth import ROLES
from gateway.schemas import ResponseSchema, StrictSchema, expected_version_field

USERNAME = r"^[a-z0-9][a-z0-9._@-]{1,62}[a-z0-9]$"
STATES = ("active", "disabled")
# What marshmallow says in English by default, in Vietnamese: these forms are also pages.
MESSAGES = {"required": "Trường này là bắt buộc.", "null": "Trường này không được để trống.",
            "invalid": "Giá trị không đúng kiểu.", "type": "Giá trị không đúng kiểu."}


def _d(text: str, example=None) -> dict:
    return {"description": text} if example is None else {"description": text, "example": example}


def _code(pattern: str, text: str, example: str) -> fields.String:
    return fields.String(error_messages=MESSAGES, load_default=None, allow_none=True,
                         validate=validate.Regexp(pattern, error=text), metadata=_d(text, example))


class JurisdictionSchema(StrictSchema):
    province = _code(r"^\d{2}$", "Mã tỉnh, 2 chữ số.", "38")
    district = _code(r"^\d{3}$", "Mã huyện, 3 chữ số (đơn vị trước 01/7/2025).", "405")
    commune = _code(r"^\d{5}$", "Mã xã, 5 chữ số.", "16426")


def _username(**kwargs) -> fields.String:
    return fields.String(error_messages=MESSAGES, validate=validate.Regexp(USERNAME, error=(
        "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, chữ số, dấu chấm, gạch ngang, "
        "gạch dưới hoặc @.")), metadata=_d("Tên đăng nhập.", "congchuc.badinh"), **kwargs)


def _role(**kwargs) -> fields.String:
    return fields.String(error_messages=MESSAGES, validate=validate.OneOf(ROLES, error="Vai trò không hợp lệ."),
                         metadata=_d("Vai trò: " + ", ".join(ROLES) + "."), **kwargs)


def _display_name(**kwargs) -> fields.String:
    return fields.String(error_messages=MESSAGES, validate=validate.Length(min=1, max=100, error="Nhập họ tên (tối đa 100 ký tự)."),
                         metadata=_d("Họ tên hiển thị.", "Trần Văn Bình"), **kwargs)


def _agency(**kwargs) -> fields.String:
    return fields.String(error_messages=MESSAGES, allow_none=True, validate=validate.Regexp(
        r"^\d{2}:[a-z0-9][a-z0-9-]{0,60}$", error="Mã cơ quan dạng <mã tỉnh>:<tên>."),
        metadata=_d("Cơ quan của cán bộ cơ quan (agency_officer), ví dụ 01:so-tu-phap."), **kwargs)


def _password(description: str) -> fields.String:
    return fields.String(error_messages=MESSAGES, load_default=None, allow_none=True,
                         validate=validate.Length(min=1, max=256, error="Tối đa 256 ký tự."),
                         metadata=_d(description))


# -- requests ------------------------------------------------------------------------------
class UsernamePathSchema(StrictSchema):
    username = _username(required=True)


class TokenPathSchema(StrictSchema):
    token_id = fields.String(error_messages=MESSAGES, required=True, validate=validate.Regexp(
        r"^[0-9a-f]{16}$", error="Mã của mã truy cập gồm 16 chữ số thập lục phân."),
        metadata=_d("Mã của mã truy cập (token_id).", "0123456789abcdef"))


class AccountListQuerySchema(StrictSchema):
    q = fields.String(error_messages=MESSAGES, load_default=None, validate=validate.Length(max=100),
                      metadata=_d("Tìm theo tên đăng nhập hoặc họ tên (có dấu hay không đều được)."))
    role = _role(load_default=None)
    province = fields.String(error_messages=MESSAGES, load_default=None, validate=validate.Regexp(r"^\d{2}$"),
                             metadata=_d("Lọc theo mã tỉnh."))
    state = fields.String(error_messages=MESSAGES, load_default=None, validate=validate.OneOf(STATES),
                          metadata=_d("active (đang hoạt động) hoặc disabled (đã khóa)."))
    limit = fields.Integer(error_messages=MESSAGES, load_default=50, validate=validate.Range(1, 200),
                           metadata=_d("Số tài khoản tối đa mỗi trang (1–200)."))
    offset = fields.Integer(error_messages=MESSAGES, load_default=0, validate=validate.Range(0, 1_000_000),
                            metadata=_d("Bỏ qua bấy nhiêu tài khoản đầu."))


class AccountCreateSchema(StrictSchema):
    username = _username(required=True)
    display_name = _display_name(required=True)
    role = _role(required=True)
    jurisdiction = fields.Nested(JurisdictionSchema, error_messages=MESSAGES, load_default=None, allow_none=True,
                                 metadata=_d("Phạm vi: tỉnh, huyện, xã (tùy vai trò)."))
    agency = _agency(load_default=None)
    password = _password("Mật khẩu ban đầu (ít nhất 12 ký tự); bỏ trống để hệ thống tạo và "
                         "trả về một lần.")


class AccountChangeSchema(StrictSchema):
    display_name = _display_name()
    role = _role()
    jurisdiction = fields.Nested(JurisdictionSchema, error_messages=MESSAGES, allow_none=True)
    agency = _agency()
    expected_version = expected_version_field(
        "Phiên bản tài khoản đã đọc; nếu tài khoản đã thay đổi sau đó thì trả về 409.")

    @validates_schema
    def _something(self, data, **kwargs):
        if not set(data) - {"expected_version"}:
            raise ValidationError("Nêu ít nhất một thay đổi: display_name, role, jurisdiction "
                                  "hoặc agency.", "_schema")


class DisableSchema(StrictSchema):
    reason = fields.String(error_messages=MESSAGES, required=True, validate=validate.Length(
        min=1, max=500, error="Lý do dài 1–500 ký tự."), metadata=_d("Lý do khóa (được ghi vào nhật ký)."))


class ResetPasswordSchema(StrictSchema):
    password = _password("Mật khẩu mới; bỏ trống để hệ thống tạo và trả về một lần.")


class TokenCreateSchema(StrictSchema):
    name = fields.String(error_messages=MESSAGES, required=True, validate=validate.Length(
        min=1, max=100, error="Tên dài 1–100 ký tự."),
        metadata=_d("Tên gợi nhớ, ví dụ phần mềm sẽ dùng mã.", "Bảng tổng hợp"))
    expires_in_days = fields.Integer(error_messages=MESSAGES, strict=True, load_default=90,
                                     validate=validate.Range(1, 365, error="Từ 1 đến 365 ngày."),
                                     metadata=_d("Số ngày mã còn hiệu lực (1–365).", 90))


# -- responses -------------------------------------------------------------------------------
class JurisdictionViewSchema(ResponseSchema):
    province = fields.String(allow_none=True)
    district = fields.String(allow_none=True)
    commune = fields.String(allow_none=True)


class AccountSchema(ResponseSchema):
    username = fields.String(required=True, metadata=_d("Tên đăng nhập."))
    display_name = fields.String(required=True, metadata=_d("Họ tên."))
    role = fields.String(required=True, metadata=_d("Vai trò."))
    jurisdiction = fields.Nested(JurisdictionViewSchema, required=True)
    agency = fields.String(allow_none=True, metadata=_d("Cơ quan (cán bộ cơ quan)."))
    state = fields.String(required=True, validate=validate.OneOf(STATES),
                          metadata=_d("active hoặc disabled."))
    disabled_reason = fields.String(allow_none=True, metadata=_d("Lý do khóa."))
    created_at = fields.String(allow_none=True, metadata=_d("Thời điểm tạo."))
    changed_at = fields.String(allow_none=True, metadata=_d("Thời điểm thay đổi gần nhất."))
    last_sign_in_at = fields.String(allow_none=True, metadata=_d("Lần đăng nhập gần nhất."))
    password_set_at = fields.String(allow_none=True, metadata=_d("Lần đặt mật khẩu gần nhất."))
    version = fields.Integer(required=True, metadata=_d("Phiên bản (gửi lại khi sửa)."))


class AccountListSchema(ResponseSchema):
    accounts = fields.List(fields.Nested(AccountSchema), required=True)
    total = fields.Integer(required=True, metadata=_d("Số tài khoản khớp bộ lọc."))
    limit = fields.Integer()
    offset = fields.Integer()


class AccountCreatedSchema(ResponseSchema):
    account = fields.Nested(AccountSchema, required=True)
    password = fields.String(allow_none=True, metadata=_d(
        "Mật khẩu hệ thống đã tạo, chỉ trả về lần này; null nếu người tạo đã đặt mật khẩu."))
    username = fields.String(metadata=_d("Tên đăng nhập (để gọi các thao tác trên tài khoản)."))


class AccountEventSchema(ResponseSchema):
    type = fields.String(required=True)
    recorded_at = fields.String(allow_none=True)
    actor = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    data = fields.Dict()
    position = fields.Integer()


class AccountHistorySchema(ResponseSchema):
    username = fields.String(required=True)
    events = fields.List(fields.Nested(AccountEventSchema), required=True)


class TokenSchema(ResponseSchema):
    token_id = fields.String(required=True, metadata=_d("Mã của mã truy cập."))
    name = fields.String(required=True)
    created_at = fields.String(allow_none=True)
    expires_at = fields.String(allow_none=True)
    last_used_at = fields.String(allow_none=True, metadata=_d("Lần dùng gần nhất (chính xác đến phút)."))
    revoked_at = fields.String(allow_none=True)
    state = fields.String(validate=validate.OneOf(("active", "revoked", "expired")))


class TokenCreatedSchema(TokenSchema):
    token = fields.String(required=True, metadata=_d(
        "Mã truy cập, chỉ hiển thị lần này: gửi kèm 'Authorization: Bearer <mã>'."))


class TokenListSchema(ResponseSchema):
    username = fields.String()
    tokens = fields.List(fields.Nested(TokenSchema), required=True)


class PasswordResetSchema(ResponseSchema):
    account = fields.Nested(AccountSchema, required=True)
    password = fields.String(allow_none=True, metadata=_d("Mật khẩu hệ thống đã tạo (một lần)."))

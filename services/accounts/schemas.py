"""Shapes of what callers send the accounts service; what each value may be is the domain's
(services/accounts/accounts.py, jurisdictions.py, passwords.py). Unknown fields are refused."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from kernel.errors import ValidationFailed
from kernel.messages import in_both
from kernel.roles import ROLES

MAX_TOKEN_DAYS = 365
MESSAGES = {"required": "Trường này là bắt buộc.", "null": "Trường này không được để trống.",
            "invalid": "Giá trị không hợp lệ."}


def _text(maximum: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=maximum, error=f"Tối đa {maximum} ký tự."),
                         error_messages=MESSAGES, **kwargs)


class Strict(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "Trường này không được nhận.",
                      "type": "Cần một đối tượng JSON."}


class JurisdictionSchema(Strict):
    province = _text(2, load_default=None, allow_none=True)
    district = _text(3, load_default=None, allow_none=True)
    commune = _text(5, load_default=None, allow_none=True)


def _role(**kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(ROLES, error="Chọn một vai trò trong danh sách."),
                         error_messages=MESSAGES, **kwargs)


class NewAccountSchema(Strict):
    username = _text(64, required=True)
    display_name = _text(200, required=True)
    role = _role(required=True)
    jurisdiction = fields.Nested(JurisdictionSchema, load_default=None, allow_none=True)
    agency = _text(80, load_default=None, allow_none=True)
    # Absent: the service makes one and answers it once.
    password = _text(1000, load_default=None, allow_none=True)


class AccountChangesSchema(Strict):
    display_name = _text(200)
    role = _role()
    jurisdiction = fields.Nested(JurisdictionSchema, allow_none=True)
    agency = _text(80, allow_none=True)


class NewTokenSchema(Strict):
    name = _text(200, required=True)
    expires_in_days = fields.Integer(
        strict=True, load_default=90, error_messages=MESSAGES,
        validate=validate.Range(1, MAX_TOKEN_DAYS, error=f"Từ 1 đến {MAX_TOKEN_DAYS} ngày."))


_WHAT = {"Tài khoản": in_both("Tài khoản", "account"), "Thay đổi": in_both("Thay đổi", "change"),
         "Mã truy cập": in_both("Mã truy cập", "token")}


def load(schema: type[Schema], data, what: str) -> dict:
    if not isinstance(data, dict):
        raise ValidationFailed("account.not_an_object", {"_schema": ["Cần một đối tượng."]},
                               {"what": _WHAT.get(what, what)})
    try:
        return schema().load(data)
    except ValidationError as exc:
        raise ValidationFailed("account.fields_invalid", exc.messages,
                               {"what": _WHAT.get(what, what)}) from None

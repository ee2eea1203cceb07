"""Schemas of the evidence routes. The upload's form is documented whole (the file and the
other fields) so that clients and the fuzz run send multipart/form-data; the gateway checks
every field but the file with it (the file is gateway/uploads.py's)."""

from __future__ import annotations

from marshmallow import fields, validate

from gateway.routes.assessment_schemas import IndicatorPathSchema
from gateway.schemas import MAX_VERSION, StrictSchema, vietnamese_number
from storage.filetypes import ALLOWED

ACCEPTED_MEDIA_TYPES = ", ".join(kind.media_type for kind in ALLOWED)


def _form_version(description: str) -> fields.Integer:
    # A form field is text: "7" is read as 7 (a JSON body's version must be a number).
    return fields.Integer(load_default=None, validate=validate.Range(
        0, MAX_VERSION, error=f"Phiên bản là số nguyên từ 0 đến {vietnamese_number(MAX_VERSION)}."),
        metadata={"description": description})


class EvidenceUploadSchema(StrictSchema):
    file = fields.Raw(required=True, metadata={
        "type": "string", "format": "binary",
        "description": "Tệp minh chứng: PDF, ảnh PNG hoặc JPEG, .docx hoặc .xlsx (xác định theo "
                       "nội dung, không theo tên); tên tệp là tên gửi kèm, đuôi phải đúng loại."})
    expected_version = _form_version(
        "Phiên bản hồ sơ đã đọc; nếu hồ sơ đã thay đổi sau đó thì trả về 409.")


class EvidenceFilePathSchema(IndicatorPathSchema):
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$"),
                           metadata={"description": "SHA-256 của tệp (64 chữ số hex viết "
                                                    "thường), như danh sách minh chứng cho biết."})


class ExpectedVersionQuerySchema(StrictSchema):
    expected_version = _form_version(
        "Phiên bản hồ sơ đã đọc; nếu hồ sơ đã thay đổi sau đó thì trả về 409.")

"""Shapes of what callers send. Unknown fields are refused: a response must not be able to
carry anything (a name, a phone number) the questionnaire did not ask for."""

from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from kernel.errors import ValidationFailed
from kernel.messages import in_both
from services.survey.questionnaires import KINDS, PURPOSES, SATISFACTION

# Event data is hashed as RFC 8785 JSON, which holds integers up to 2**53 exactly; the domain
# needs far less. The gateway's schemas state the same bounds.
MAX_LAST_YEAR_CASES, MAX_SAMPLE, MAX_VERSION = 500_000, 100_000, 2 ** 31 - 1
VERSION = validate.Range(1, MAX_VERSION, error="Phiên bản là số nguyên từ {min} đến {max}.")


def _count(maximum: int) -> validate.Range:
    return validate.Range(0, maximum, error="Giá trị là số nguyên từ {min} đến {max}.")


class Strict(Schema):
    class Meta:
        unknown = RAISE


class AnswerValue(fields.Field):
    """A level (an integer) or free text: nothing else can be stored as an answer."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValidationError("An answer is a level (1-5) or text.")
        return value


class Answers(fields.Dict):
    """Question id → AnswerValue. Checked in one pass first: the per-entry fields cost as
    much as the rest of a response's validation, on every response. A map that fails the
    pass goes through them for marshmallow's usual per-entry messages."""

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(validate=validate.Length(max=32)),
                         values=AnswerValue(), **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if type(value) is dict and all(
                type(key) is str and len(key) <= 32 and type(answer) in (int, str)
                for key, answer in value.items()):
            return dict(value)
        return super()._deserialize(value, attr, data, **kwargs)


class QuestionSchema(Strict):
    id = fields.String(required=True)
    text = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    required = fields.Boolean(load_default=True)


class QuestionnaireSchema(Strict):
    questionnaire_id = fields.String(required=True)
    title = fields.String(required=True)
    questions = fields.List(fields.Nested(QuestionSchema), required=True)
    purpose = fields.String(load_default=SATISFACTION, validate=validate.OneOf(PURPOSES))


class CampaignSchema(Strict):
    commune_code = fields.String(required=True)
    period = fields.String(required=True)
    questionnaire_id = fields.String(load_default=None)
    questionnaire_version = fields.Integer(load_default=None, strict=True, validate=VERSION)
    target_sample = fields.Integer(load_default=None, strict=True,
                                   validate=_count(MAX_SAMPLE))
    last_year_cases = fields.Integer(load_default=None, strict=True,
                                     validate=_count(MAX_LAST_YEAR_CASES))
    opens_on = fields.Date(required=True)
    closes_on = fields.Date(required=True)
    require_code = fields.Boolean(load_default=False)


class KioskSchema(Strict):
    commune_code = fields.String(required=True)
    label = fields.String(required=True, validate=validate.Length(min=1, max=100))


class ResponseSchema(Strict):
    response_id = fields.UUID(required=True)
    campaign_id = fields.String(required=True, validate=validate.Length(min=1, max=100))
    questionnaire_id = fields.String(required=True)
    questionnaire_version = fields.Integer(required=True, strict=True, validate=VERSION)
    answers = Answers(required=True)
    code = fields.String(load_default=None, validate=validate.Length(max=40))


_WHAT = {"questionnaire": in_both("Bộ câu hỏi", "questionnaire"),
         "campaign": in_both("Đợt khảo sát", "campaign"), "kiosk": in_both("Thiết bị", "kiosk"),
         "response": in_both("Phiếu trả lời", "response")}


def load(schema: type[Schema] | Schema, data, what: str) -> dict:
    """``schema`` may be an instance kept for reuse: loading leaves it unchanged."""
    if not isinstance(data, dict):
        raise ValidationFailed("survey.not_an_object", {"_schema": "not an object"},
                               {"what": _WHAT[what]})
    try:
        return (schema() if isinstance(schema, type) else schema).load(data)
    except ValidationError as exc:
        raise ValidationFailed("survey.not_valid", {"fields": exc.messages},
                               {"what": _WHAT[what]}) from None

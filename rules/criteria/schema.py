"""The marshmallow schema of a criteria-set document (the file format and the API body).

It checks shapes and types only; sums, ids and rule parameters are checked on the built
model by ``checks``. Unknown fields are rejected (marshmallow's default) at every level so
that a misspelt key in an official annex cannot be silently ignored.
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from rules.criteria.rules import DECIMAL_TEXT

NOT_ARISING = ("full_points", "achieved")


class DecimalText(fields.String):
    """Points as a string with at most two decimals ("4", "29.63"), never a JSON number."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not DECIMAL_TEXT.match(value):
            raise ValidationError('Write points as a string with at most two decimals, e.g. "12.50".')
        return value


def _text(**kwargs):
    return fields.String(validate=validate.Length(min=1), **kwargs)


class ProvenanceSchema(Schema):
    provisional = fields.Boolean(load_default=False)
    legal_basis = fields.String(allow_none=True, load_default=None)
    sources = fields.List(_text(), load_default=list)
    note = fields.String(allow_none=True, load_default=None)


class RuleSchema(Schema):
    kind = _text(required=True)
    params = fields.Dict(keys=fields.String(), load_default=dict)


WORDING = ("official", "secondary", "inferred")


class _ItemSchema(ProvenanceSchema):
    id = _text(required=True)
    name = _text(required=True)
    # where the item's name comes from: the legal text, a secondary source (a provincial
    # system), or inferred because no source names it; shown to people when not official
    wording = fields.String(validate=validate.OneOf(WORDING), allow_none=True, load_default=None)
    # the level to reach ("mức độ đạt chuẩn") as the text words it, e.g. "100%", ">= 01 hoạt động"
    requirement = fields.String(allow_none=True, load_default=None)
    name_en = fields.String(allow_none=True, load_default=None)
    max = DecimalText(required=True, allow_none=True)


class SubItemSchema(_ItemSchema):
    rule = fields.Nested(RuleSchema, required=True)
    not_arising = fields.String(validate=validate.OneOf(NOT_ARISING), allow_none=True, load_default=None)


SURVEY_PURPOSES = ("satisfaction", "dissemination_models")
SURVEY_COUNTS = ("valid_answers", "satisfied")


class SurveyFeedSchema(ProvenanceSchema):
    purpose = fields.String(required=True, validate=validate.OneOf(SURVEY_PURPOSES))
    form = fields.String(allow_none=True, load_default=None)
    figures = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.OneOf(SURVEY_COUNTS)),
                          required=True, validate=validate.Length(min=1))


class IndicatorSchema(SubItemSchema):
    rule = fields.Nested(RuleSchema, allow_none=True, load_default=None)
    sub_items = fields.List(fields.Nested(SubItemSchema), load_default=list)
    survey = fields.Nested(SurveyFeedSchema, allow_none=True, load_default=None)


class CriterionSchema(_ItemSchema):
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True,
                             validate=validate.Length(min=1))


class ConditionSchema(ProvenanceSchema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    wording = _text(required=True)
    wording_vi = _text(required=True)


class SatisfactionSchema(ProvenanceSchema):
    min_percent = DecimalText(required=True, allow_none=True)
    decisive = fields.Boolean(required=True)


class RecognitionSchema(ProvenanceSchema):
    total_threshold = DecimalText(allow_none=True, load_default=None)
    class_thresholds = fields.Dict(keys=fields.String(validate=validate.OneOf(("I", "II", "III"))),
                                   values=DecimalText(), load_default=dict)
    criterion_floor_ratio = DecimalText(allow_none=True, load_default=None)
    conditions = fields.List(fields.Nested(ConditionSchema), load_default=list)
    satisfaction = fields.Nested(SatisfactionSchema, allow_none=True, load_default=None)
    all_indicators_achieved = fields.Boolean(load_default=False)


_DAY_MONTH = validate.Regexp(r"^\d{2}/\d{2}$", error='Write a day of the year as "dd/mm", e.g. "10/01".')
CALENDAR_VALUES = ("posting_minimum", "posting_unit", "supplement_working_days",
                   "dossier_due_before", "decision_due_before", "publication_working_days")


class ReportDeadlineSchema(ProvenanceSchema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"))
    name = _text(required=True)
    due_before = fields.String(required=True, validate=_DAY_MONTH)


class CalendarSchema(Schema):
    """The regime's deadlines and periods; ``provisional`` lists the unconfirmed values."""

    posting_minimum = fields.Integer(strict=True, required=True, validate=validate.Range(1, 60))
    posting_unit = fields.String(required=True, validate=validate.OneOf(("working_days", "calendar_days")))
    supplement_working_days = fields.Integer(strict=True, required=True, validate=validate.Range(1, 60))
    dossier_due_before = fields.String(required=True, validate=_DAY_MONTH)
    decision_due_before = fields.String(required=True, validate=_DAY_MONTH)
    publication_working_days = fields.Integer(strict=True, required=True, validate=validate.Range(1, 60))
    reports = fields.List(fields.Nested(ReportDeadlineSchema), load_default=list)
    provisional = fields.List(fields.String(validate=validate.OneOf(CALENDAR_VALUES)), load_default=list)
    legal_basis = fields.String(allow_none=True, load_default=None)
    sources = fields.List(_text(), load_default=list)
    note = fields.String(allow_none=True, load_default=None)


class AppliesToSchema(Schema):
    first_year = fields.Integer(strict=True, required=True, validate=validate.Range(2000, 2200))
    last_year = fields.Integer(strict=True, allow_none=True, load_default=None,
                               validate=validate.Range(2000, 2200))


class CriteriaSetSchema(Schema):
    id = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Za-z][0-9A-Za-z-]*$"))
    version = fields.Integer(strict=True, required=True, validate=validate.Range(min=1))
    regime = _text(required=True)
    title = _text(required=True)
    legal_basis = _text(required=True)
    applies_to = fields.Nested(AppliesToSchema, required=True)
    total_max = DecimalText(required=True, allow_none=True)
    pass_fail = fields.Boolean(required=True)
    provisional = fields.Boolean(load_default=None)  # when given, must match what the items say
    sources = fields.List(_text(), load_default=list)
    notes = fields.String(allow_none=True, load_default=None)
    recognition = fields.Nested(RecognitionSchema, required=True)
    calendar = fields.Nested(CalendarSchema, required=True)
    criteria = fields.List(fields.Nested(CriterionSchema), required=True,
                           validate=validate.Length(min=1))


def error_lines(messages, raw, path: str = "") -> list[str]:
    """marshmallow's nested messages as "criteria[1] (C2).indicators[0] (C2.I1).max: ..." lines."""
    if isinstance(messages, list):
        return [f"{path or 'document'}: {m}" for m in messages if isinstance(m, str)] + [
            line for m in messages if isinstance(m, dict) for line in error_lines(m, raw, path)]
    lines = []
    for key, nested in messages.items():
        if isinstance(key, int):
            item = raw[key] if isinstance(raw, list) and key < len(raw) else None
            label = f"[{key}]"
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                label += f" ({item['id']})"
            lines += error_lines(nested, item, path + label)
        else:
            item = raw.get(key) if isinstance(raw, dict) else None
            lines += error_lines(nested, item, f"{path}.{key}" if path else str(key))
    return lines

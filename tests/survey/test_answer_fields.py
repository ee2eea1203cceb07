"""The answer maps' one-pass check accepts exactly what the per-entry fields accept, with
the same result, and leaves the messages for what they refuse to them."""

import pytest
from marshmallow import ValidationError, fields, validate

from gateway.routes.survey_schemas import AnswerField, AnswersField
from services.survey.schemas import Answers, AnswerValue

MAPS = [
    {"cong-khai": 4, "gop-y": "Cán bộ nhiệt tình"},
    {},
    {"x" * 32: 1},
    {"x" * 33: 1},
    {"": 1},
    {"cong-khai": True},
    {"cong-khai": 4.0},
    {"cong-khai": None},
    {"cong-khai": [4]},
    {"cong-khai": {"level": 4}},
    {"a": 1, "b": False, "c": "ok"},
    ["cong-khai", 4],
    "cong-khai=4",
    None,
]

FIELDS = [
    (Answers, lambda: fields.Dict(keys=fields.String(validate=validate.Length(max=32)),
                                  values=AnswerValue())),
    (AnswersField, lambda: fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=32)),
                                       values=AnswerField())),
]


def _outcome(field, value):
    try:
        return "loaded", field.deserialize(value)
    except ValidationError as exc:
        return "refused", exc.messages


@pytest.mark.parametrize("fast, plain", FIELDS, ids=["survey", "gateway"])
@pytest.mark.parametrize("value", MAPS, ids=range(len(MAPS)))
def test_the_one_pass_check_agrees_with_the_per_entry_fields(fast, plain, value):
    assert _outcome(fast(), value) == _outcome(plain(), value)

"""gateway/inputs.py on its own: what a request body and its parameters must be before any
schema reads them (the platform-level cases are in test_hostile_input.py)."""

import json

import pytest

from gateway import inputs
from gateway.errors import InvalidJson
from kernel.errors import ValidationFailed


def refused_json(raw: bytes | str) -> dict:
    with pytest.raises(InvalidJson) as caught:
        inputs.parse_body(raw.encode() if isinstance(raw, str) else raw)
    return caught.value.details


def refused_text(raw: str) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        inputs.parse_body(raw.encode())
    return caught.value.details


def test_a_plain_body_passes_unchanged():
    body = {"tên": "Phường Ba Đình", "số": [1, -2, 2.5, 9007199254740991], "có": True, "không": None}
    assert inputs.parse_body(json.dumps(body, ensure_ascii=False).encode()) == body


@pytest.mark.parametrize("depth, refused", [(32, False), (33, True), (900, True), (100_000, True)])
def test_nesting_is_limited_to_32_levels(depth, refused):
    raw = "[" * depth + "]" * depth
    if refused:
        assert refused_json(raw) == {"reason": "too_deep", "max_depth": 32}
    else:
        assert inputs.parse_body(raw.encode()) is not None


def test_objects_count_as_levels_like_arrays():
    raw = '{"a": ' * 33 + "1" + "}" * 33
    assert refused_json(raw)["reason"] == "too_deep"


@pytest.mark.parametrize("literal", [str(2 ** 53), str(-(2 ** 53)), "1" * 5000, "1e400", "-1e309"])
def test_numbers_beyond_a_double_are_refused(literal):
    assert refused_json(f'{{"n": {literal}}}') == {"reason": "number_out_of_range"}


def test_the_message_does_not_repeat_a_huge_literal():
    with pytest.raises(InvalidJson) as caught:
        inputs.parse_body(('{"n": ' + "9" * 5000 + "}").encode())
    assert len(caught.value.message) < 200


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(literal):
    assert refused_json(f"[{literal}]") == {"reason": "not_a_number", "value": literal}


def test_a_key_given_twice_is_refused_by_name():
    assert refused_json('{"a": {"b": 1, "b": 2}}') == {"reason": "duplicate_key", "key": "b"}


def test_a_duplicate_key_that_cannot_be_shown_is_replaced():
    details = refused_json('{"\\ud800": 1, "\\ud800": 2}')
    assert details == {"reason": "duplicate_key", "key": "\ufffd"}


def test_unstorable_text_is_named_by_its_place():
    raw = json.dumps({"a": "ok", "b": {"c": ["x", "y\x00"]}, "d": "\udfff", "e": {"\ud800": 1}})
    assert refused_text(raw) == {"b.c.1": [inputs.UNSTORABLE_TEXT], "d": [inputs.UNSTORABLE_TEXT],
                                 "e": [inputs.UNSTORABLE_TEXT]}


def test_a_top_level_string_is_named_schema():
    assert list(refused_text('"\\u0000"')) == ["_schema"]


def test_a_surrogate_pair_written_as_escapes_is_a_character_not_a_half():
    assert inputs.parse_body(b'{"emoji": "\\ud83d\\ude00"}') == {"emoji": "\U0001f600"}


@pytest.mark.parametrize("raw", [b"\xff\xfe{\x00}\x00", b'{"a": "\xed\xa0\x80"}', b"\xef\xbb\xbf{}"])
def test_anything_but_utf8_json_is_refused(raw):
    with pytest.raises(InvalidJson):
        inputs.parse_body(raw)


def test_parameters_with_nul_are_refused_by_name():
    with pytest.raises(ValidationFailed) as caught:
        inputs.check_parameters([("ok", "00004"), ("q", "a\x00b"), ("x\x00", "1")])
    assert caught.value.details == {"q": [inputs.UNSTORABLE_TEXT], "x\ufffd": [inputs.UNSTORABLE_TEXT]}
    inputs.check_parameters([("q", "Phường Ba Đình"), ("year", 2025)])

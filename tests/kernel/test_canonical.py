"""Canonical JSON must be RFC 8785 exactly: the hash chain depends on it byte for byte."""

import random
from decimal import Decimal

import pytest
import rfc8785

from kernel.canonical import canonical_bytes, to_json_value

ALPHABET = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ àáảãạằắẳẵặầấẩẫậ ềếểễệ ỳýỷỹỵ 0123456789"
    "\"\\/\b\f\n\r\t\x00\x01\x1f\x7f \u2028\u2029 € ¼ ﬀ \ue000 😀 𝄞 中文"
)


def random_value(rng, depth=0):
    kind = rng.randrange(7 if depth < 4 else 4)
    if kind == 0:
        return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(12)))
    if kind == 1:
        return rng.choice([0, -1, 1, 95, 2**53 - 1, -(2**53) + 1, 10**15, 123456789012345678])
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3:
        return str(Decimal(rng.randrange(10000)) / 100)
    if kind == 4:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {"".join(rng.choice(ALPHABET) for _ in range(rng.randrange(1, 6))): random_value(rng, depth + 1)
            for _ in range(rng.randrange(5))}


def test_matches_the_reference_implementation_on_random_documents():
    rng = random.Random(8785)
    for _ in range(3000):
        value = random_value(rng)
        try:
            expected = rfc8785.dumps(value)
        except rfc8785.IntegerDomainError:
            with pytest.raises(rfc8785.IntegerDomainError):
                canonical_bytes(value)
            continue
        assert canonical_bytes(value) == expected, value


def test_keys_sort_by_utf16_code_units():
    value = {"\ue000": 1, "😀": 2, "a": 3}
    assert canonical_bytes(value) == rfc8785.dumps(value)
    assert canonical_bytes(value).decode().index("😀") < canonical_bytes(value).decode().index("\ue000")


@pytest.mark.parametrize("value", [
    2**53, -(2**53), [2**60], [1, 2**60], {"a": 2**60}, {"a": [0, -(2**60)]},
    10**15, [10**15, -(10**15)], "1234567890123456", {"n": "x:1234567890123456"},
    {"😀": 1, "\ue000": 2}, ["𝄞", 12345678901234567],
])
def test_long_integers_and_astral_characters_anywhere_take_the_reference_path(value):
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.IntegerDomainError:
        with pytest.raises(rfc8785.IntegerDomainError):
            canonical_bytes(value)
    else:
        assert canonical_bytes(value) == expected


def test_event_data_refuses_floats_and_keeps_decimal_digits():
    with pytest.raises(TypeError):
        to_json_value({"points": 0.1})
    assert to_json_value({"points": Decimal("29.60")}) == {"points": "29.60"}

"""The password policy (length, not the person's name, not common, not a run) and Argon2id
hashing at argon2-cffi's recommended parameters, made again when they change."""

import argon2
import pytest

from services.accounts.passwords import Hasher, Policy

POLICY = Policy()


@pytest.mark.parametrize("password, says", [
    ("", "Nhập mật khẩu"),
    ("ngắn-quá", "ít nhất 12 ký tự"),
    ("x" * 257, "tối đa 256"),
    ("congchuc.dongquang!", "tên đăng nhập hoặc họ tên"),
    ("DongQuang-2025-xyz", "tên đăng nhập hoặc họ tên"),
    ("NguyenThiLan#2025", "tên đăng nhập hoặc họ tên"),
    ("matkhau123456", "quá phổ biến"),
    ("Password!!!!2025", "quá phổ biến"),
    ("123456789012", "dãy ký tự"),
    ("aaaaaaaaaaaaaa", "dãy ký tự"),
    ("qwertyuiopasdf", "dãy ký tự"),
])
def test_passwords_a_serious_product_refuses(password, says):
    problems = POLICY.problems(password, "congchuc.dongquang", "Nguyễn Thị Lan")
    assert any(says in problem for problem in problems), problems


@pytest.mark.parametrize("password", ["sông Mã chảy qua ba bản", "k7mq-3xzp-9tfw-h2rd",
                                      "Đi chợ sáng thứ Bảy 2025"])
def test_long_uncommon_passwords_and_passphrases_pass(password):
    assert POLICY.problems(password, "congchuc.dongquang", "Nguyễn Thị Lan") == []


def test_the_minimum_length_is_a_setting():
    assert Policy(min_length=16).problems("k7mq-3xzp-9tf", "a", "") != []


def test_hashes_are_argon2id_at_the_recommended_parameters_and_verify():
    hasher = Hasher()
    defaults = argon2.PasswordHasher()
    assert hasher.parameters == {"time_cost": defaults.time_cost,
                                 "memory_cost": defaults.memory_cost,
                                 "parallelism": defaults.parallelism}
    stored = hasher.hash("sông Mã chảy qua ba bản")
    assert stored.startswith("$argon2id$") and "sông" not in stored
    assert hasher.verify(stored, "sông Mã chảy qua ba bản")
    # The same text in another Unicode form is the same password.
    import unicodedata
    assert hasher.verify(stored, unicodedata.normalize("NFD", "sông Mã chảy qua ba bản"))
    assert not hasher.verify(stored, "song Ma chay qua ba ban")
    assert not hasher.verify(None, "anything at all")  # no account: no, after the same work
    assert not hasher.verify("not a hash", "x")
    assert not hasher.needs_rehash(stored)


def test_a_hash_made_with_other_parameters_is_made_again():
    old = Hasher(time_cost=1, memory_cost=8192, parallelism=1).hash("k7mq-3xzp-9tfw-h2rd")
    current = Hasher()
    assert current.verify(old, "k7mq-3xzp-9tfw-h2rd") and current.needs_rehash(old)
    assert Hasher.from_config({"PASSWORD_HASH_TIME_COST": "4"}).parameters["time_cost"] == 4

"""Passwords: what a person may choose, and how it is kept.

The policy follows NIST SP 800-63B rather than composition rules (which push people to
"Matkhau@123"): long enough, not the username or the person's name, not a common password
or a common word with digits around it, not a run ("123456789012", "aaaaaaaaaaaa"). It
says what is wrong in Vietnamese, per rule, so a form can show it beside the field.

Passwords are hashed with Argon2id (argon2-cffi) at its recommended parameters (RFC 9106's
low-memory profile: 64 MiB, 3 passes, 4 lanes), configurable so that a deployment can raise
them; a hash made with other parameters is made again at the next successful sign-in
(``needs_rehash``). Hashing takes about a tenth of a second of a core on purpose: the service
runs it in an OS thread (eventlet's tpool), so other requests go on meanwhile. Hashes live in
the credentials table, never in an event.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from reference.text import fold

MIN_LENGTH = 12
MAX_LENGTH = 256  # long passphrases are welcome; beyond this only the hashing cost grows

# Passwords and words people choose first (leaked-password lists, in Vietnam too). A password
# that is one of these, or one of these with digits and punctuation around it, is refused.
COMMON = frozenset("""
password passw0rd admin administrator root user guest login welcome qwerty qwertyuiop
asdfgh asdfghjkl zxcvbnm iloveyou monkey dragon master sunshine princess football baseball
letmein trustno1 superman batman shadow secret changeme default abc abcd abcdef
matkhau mat khau matkhaumoi doimatkhau anhyeuem emyeuanh yeuem yeuanh iloveu
vietnam hanoi saigon hochiminh danang haiphong thanhhoa tuphap sotuphap phongtuphap
ubnd ubndxa hoidong chutich thuky congchuc canbo tcpl chuantiepcan tiepcanphapluat phapluat
nguyen tran le pham hoang phan vu dang bui do ho ngo duong ly
""".split())
_SEQUENCES = ("0123456789012345678901234567890", "abcdefghijklmnopqrstuvwxyz",
              "qwertyuiopasdfghjklzxcvbnm", "9876543210987654321098765432109")


@dataclass(frozen=True)
class Policy:
    min_length: int = MIN_LENGTH

    def problems(self, password, username: str = "", display_name: str = "") -> list[str]:
        """What is wrong with ``password`` for this person, in Vietnamese; empty if nothing."""
        if not isinstance(password, str) or not password:
            return ["Nhập mật khẩu."]
        text = unicodedata.normalize("NFC", password)
        if len(text) < self.min_length:
            return [f"Mật khẩu phải có ít nhất {self.min_length} ký tự (hiện có {len(text)})."]
        if len(text) > MAX_LENGTH:
            return [f"Mật khẩu dài tối đa {MAX_LENGTH} ký tự."]
        found = []
        folded = fold(text).lower()
        compact = re.sub(r"[\s._@-]+", "", folded)
        for name in _names_of(username, display_name):
            if name in compact:
                found.append("Mật khẩu không được chứa tên đăng nhập hoặc họ tên của bạn.")
                break
        letters = re.sub(r"[^a-z]+", "", compact)
        if compact in COMMON or letters in COMMON:
            found.append("Mật khẩu này quá phổ biến, dễ bị đoán: hãy chọn một cụm từ dài "
                         "mà chỉ bạn biết.")
        elif _is_run(compact):
            found.append("Mật khẩu không được là một dãy ký tự lặp lại hoặc liên tiếp "
                         "(như aaaa… hay 1234…).")
        return found


def _names_of(username: str, display_name: str) -> list[str]:
    """The parts of who the person is that a password must not contain (4 letters or more)."""
    names = []
    user = fold(username or "").lower()
    for part in (user, user.partition("@")[0], *re.split(r"[._@-]+", user)):
        compact = re.sub(r"[\s._@-]+", "", part)
        if len(compact) >= 4:
            names.append(compact)
    whole = re.sub(r"\s+", "", fold(display_name or "").lower())
    if len(whole) >= 4:
        names.append(whole)
    return names


def _is_run(text: str) -> bool:
    """One character repeated, or a stretch of a keyboard row or of the alphabet or digits."""
    if len(set(text)) <= 2:
        return True
    return any(text in sequence or text[::-1] in sequence for sequence in _SEQUENCES)


class Hasher:
    """Argon2id at ``argon2.PasswordHasher``'s defaults unless told otherwise."""

    def __init__(self, time_cost: int | None = None, memory_cost: int | None = None,
                 parallelism: int | None = None):
        defaults = argon2.PasswordHasher()
        self._hasher = argon2.PasswordHasher(
            time_cost=time_cost or defaults.time_cost,
            memory_cost=memory_cost or defaults.memory_cost,
            parallelism=parallelism or defaults.parallelism)
        # Verified against when the account does not exist, so that a wrong username takes
        # as long as a wrong password and does not tell that the account is missing.
        self._stand_in = self._hasher.hash("tcpl: no such account")

    @classmethod
    def from_config(cls, config) -> Hasher:
        def value(name):
            found = config.get(name)
            return int(found) if found not in (None, "") else None

        return cls(value("PASSWORD_HASH_TIME_COST"), value("PASSWORD_HASH_MEMORY_KIB"),
                   value("PASSWORD_HASH_PARALLELISM"))

    @property
    def parameters(self) -> dict:
        return {"time_cost": self._hasher.time_cost, "memory_cost": self._hasher.memory_cost,
                "parallelism": self._hasher.parallelism}

    def hash(self, password: str) -> str:
        return self._hasher.hash(unicodedata.normalize("NFC", password))

    def verify(self, stored: str | None, password: str) -> bool:
        """Whether ``password`` matches ``stored``; with no ``stored`` hash, the same work is
        done against a stand-in and the answer is no."""
        try:
            matched = self._hasher.verify(stored or self._stand_in,
                                          unicodedata.normalize("NFC", password or ""))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return matched and stored is not None

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(stored)
        except InvalidHashError:
            return True

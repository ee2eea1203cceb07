"""The catalogue of messages (kernel/messages.py): every message in both languages, the
Vietnamese really Vietnamese, and every key the code raises written in it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kernel import messages
from kernel.errors import (
    ConcurrencyError,
    KernelError,
    NotFound,
    ValidationFailed,
    all_error_classes,
)

ROOT = Path(__file__).resolve().parents[2]
ALL = {**messages.MESSAGES, **messages.FIELD_MESSAGES}
# Words that are the same in both languages: codes, formats, names.
_NOT_WORDS = re.compile(r"\{[^}]*\}|'[^']*'|\"[^\"]*\"|“[^”]*”|<[^>]*>|[A-Za-z_]+\.[A-Za-z_.]+")


@pytest.mark.parametrize("key", sorted(ALL))
def test_every_message_is_in_vietnamese_and_english(key):
    vi, en = ALL[key]
    assert vi.strip() and en.strip()
    assert vi != en
    assert messages.is_vietnamese(vi), f"{key}: the Vietnamese text has no Vietnamese letter"
    assert not messages.is_vietnamese(en), f"{key}: the English text has Vietnamese letters"
    # The Vietnamese may add a value (a step's Vietnamese name), never drop one.
    assert messages.placeholders(en) <= messages.placeholders(vi), key
    # Both render, every placeholder filled.
    for language, template in ((messages.VI, vi), (messages.EN, en)):
        values = {name: f"<{name}>" for name in messages.placeholders(template)}
        shown = messages.render(key, language, values)
        assert all(value in shown for value in values.values())


def test_the_english_words_are_not_left_in_the_vietnamese_text():
    """A Vietnamese message keeps identifiers and values, never an English sentence."""
    english = re.compile(r"\b(the|is|are|must|not|has|have|with|cannot|should|please)\b")
    for key, (vi, _en) in ALL.items():
        assert not english.search(_NOT_WORDS.sub(" ", vi)), f"{key}: {vi}"


def test_every_error_code_has_a_message():
    codes = {cls.code for cls in all_error_classes()}
    codes |= {"invalid_json", "method_not_allowed", "payload_too_large", "service_unavailable",
              "internal_error", "invalid_idempotency_key", "unsupported_media_type"}
    _import_every_error()
    codes |= {cls.code for cls in all_error_classes()}
    assert sorted(codes - set(messages.MESSAGES)) == []


def _import_every_error():
    import contracts.accounts  # noqa: F401
    import contracts.assessment  # noqa: F401
    import contracts.survey  # noqa: F401
    import gateway.bulkheads  # noqa: F401
    import gateway.errors  # noqa: F401
    import gateway.evidence  # noqa: F401
    import gateway.idempotency  # noqa: F401
    import gateway.uploads  # noqa: F401
    import gateway.workspace.pages  # noqa: F401
    import kernel.idempotency  # noqa: F401
    import kernel.integrity  # noqa: F401
    import kernel.verification  # noqa: F401
    import storage.blobs  # noqa: F401
    import storage.filetypes  # noqa: F401


def _raised_keys():
    """Every string constant that is the first argument of an error's construction and looks
    like a key."""
    _import_every_error()
    errors = {cls.__name__ for cls in all_error_classes()} | {"cls"}
    key = re.compile(r"^[a-z_]+\.[a-z0-9_]+$")
    for folder in ("kernel", "gateway", "services", "storage"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and node.args:
                    name = ast.unparse(node.func).split(".")[-1]
                    first = node.args[0]
                    if (name in errors and isinstance(first, ast.Constant)
                            and isinstance(first.value, str) and key.match(first.value)):
                        yield f"{path.relative_to(ROOT)}:{node.lineno}", first.value



def test_every_key_the_code_raises_is_in_the_catalogue():
    found = list(_raised_keys())
    assert len(found) > 200
    assert [(where, key) for where, key in found if key not in messages.MESSAGES] == []


def test_a_keyed_error_renders_in_either_language_with_its_values():
    error = NotFound("plan.not_found", {"plan_id": "kh-1"})
    assert error.text("vi") == "Không có kế hoạch kh-1."
    assert error.text("en") == "There is no plan kh-1."
    assert error.message == error.text("vi")  # the platform's language, for logs and pages
    assert error.to_dict("en") == {"error": "not_found", "message": "There is no plan kh-1.",
                                   "details": {"plan_id": "kh-1"}}


def test_a_keyed_error_crosses_rpc_with_its_values():
    """nameko rebuilds an error from its arguments, each made a string."""
    error = ConcurrencyError.for_stream("assessment-1-2022", 3, 4)
    rebuilt = ConcurrencyError(*[str(arg) for arg in error.args])
    assert rebuilt.to_dict("en") == error.to_dict("en")
    assert "phiên bản 4" in rebuilt.text("vi") and "version 4" in rebuilt.text("en")
    with_params = ValidationFailed("plan.unknown_fields", {"fields": ["a"]}, {"names": "a"})
    assert ValidationFailed(*with_params.args).text("en") == "Unknown plan fields: a."


def test_free_text_is_shown_only_in_its_own_language():
    vietnamese = KernelError("Tệp rỗng.")
    assert vietnamese.text("vi") == "Tệp rỗng."
    assert vietnamese.text("en") == messages.render("error", "en")
    english = NotFound("nothing here")
    assert english.text("en") == "nothing here"
    assert english.text("vi") == messages.render("not_found", "vi")


def test_a_field_message_is_found_again_by_its_text_alone():
    for language in (0, 1):
        texts = [texts[language] for texts in messages.FIELD_MESSAGES.values()]
        assert len(texts) == len(set(texts))


@pytest.mark.parametrize("english, vietnamese", [
    ("Missing data for required field.", "Trường này là bắt buộc."),
    ("Unknown field.", "Trường này không được nhận."),
    ("Not a valid integer.", "Không phải một số nguyên."),
    ("Must be one of: district, province.", "Phải là một trong các giá trị: district, province."),
    ("Must be greater than or equal to 1 and less than or equal to 200.",
     "Phải lớn hơn hoặc bằng 1 và nhỏ hơn hoặc bằng 200."),
    ("Length must be between 1 and 4000.", "Độ dài phải từ 1 đến 4000."),
])
def test_field_messages_are_found_in_either_language(english, vietnamese):
    assert messages.localise_field_message(english, "vi") == vietnamese
    assert messages.localise_field_message(vietnamese, "en") == english
    assert messages.localise_details({"a": [english], "b": {"0": [english]}}, "vi") == {
        "a": [vietnamese], "b": {"0": [vietnamese]}}


def test_a_value_in_both_languages_is_shown_in_the_answer_s():
    error = ValidationFailed("scoring.invalid", {}, {
        "what": messages.in_both("Số liệu", "The figures"), "list": "\n- C1.I1: x"})
    assert error.text("vi").startswith("Số liệu không hợp lệ:")
    assert error.text("en").startswith("The figures are not valid:")

"""gateway/language.py: Vietnamese unless the caller weighs English above it."""

import pytest

from gateway.language import negotiate


@pytest.mark.parametrize("header, language", [
    (None, "vi"), ("", "vi"), ("*", "vi"), ("vi", "vi"), ("vi-VN,vi;q=0.9", "vi"),
    ("en", "en"), ("EN-gb", "en"), ("en-US,en;q=0.9", "en"), ("da, en-GB;q=0.8", "en"),
    ("en, vi", "vi"),  # equal weights: the platform's language
    ("vi;q=0.5, en;q=0.8", "en"), ("en;q=0.5, vi;q=0.8", "vi"), ("en;q=0", "vi"),
    ("en;q=abc", "vi"), ("en;q=2", "vi"), ("en;q=nan", "vi"), ("fr, de", "vi"),
    ("en" + ", x" * 300, "vi"),  # too long to read
])
def test_the_language_of_an_answer(header, language):
    assert negotiate(header) == language

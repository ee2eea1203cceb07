"""Text helpers for searching Vietnamese names."""

from __future__ import annotations

import unicodedata

# đ is a letter of its own, not d plus a combining mark, so NFD leaves it alone. U+00D0 (Ð,
# Icelandic eth) turns up in data typed on keyboards without Đ, so it folds the same way.
_STROKED_D = str.maketrans({"đ": "d", "Đ": "d", "Ð": "d", "ð": "d"})


def fold(text: str) -> str:
    """Lowercase ``text`` and strip Vietnamese diacritics: "Đông Quang" -> "dong quang"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_STROKED_D).lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))

"""Which language an answer's messages are in: Vietnamese, unless the caller prefers English.

``Accept-Language`` (RFC 9110 §12.5.4) is read for the two languages the catalogue has
(kernel/messages.py); a range names a language by its primary tag (``en-GB`` is English).
English is chosen only when the caller weighs it above Vietnamese, so a header that does not
mention Vietnamese but asks for English gets English, and anything else, or no header, gets
the platform's language. The answer says which in ``Content-Language``.
"""

from __future__ import annotations

from kernel.messages import DEFAULT_LANGUAGE, EN, VI

HEADER = "Accept-Language"
CONTENT_HEADER = "Content-Language"
MAX_HEADER = 512  # a longer header is not read: browsers send a few ranges


def negotiate(header: str | None) -> str:
    weights = _weights(header or "")
    return EN if weights.get(EN, 0.0) > weights.get(VI, 0.0) else DEFAULT_LANGUAGE


def of(request) -> str:
    if request is None:
        return DEFAULT_LANGUAGE
    return negotiate(request.headers.get(HEADER))


def _weights(header: str) -> dict[str, float]:
    weights: dict[str, float] = {}
    if len(header) > MAX_HEADER:
        return weights
    for item in header.split(","):
        tag, _, rest = item.strip().partition(";")
        primary = tag.strip().lower().split("-", 1)[0]
        if primary not in (VI, EN):
            continue
        weight = 1.0
        for parameter in rest.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
                if not 0.0 <= weight <= 1.0:
                    weight = 0.0
        weights[primary] = max(weights.get(primary, 0.0), weight)
    return weights

"""Which indicator of a regime a satisfaction survey scores, and how its result becomes figures.

One place, read by the survey-fed path (the assessment applies each closed campaign's result
as an event, services/assessment/workflow/survey_steps.py) and by ``record_figures``, which
will not let anyone type over a figure a survey result supplied.
"""

from __future__ import annotations

from collections.abc import Callable


def figures_for_619(result: dict) -> dict:
    """619/2017 C2.I5. The survey pools satisfaction over its questions, so both sub-items
    (results; officials' conduct) take the pooled counts until the questionnaire asks about
    them separately — a provisional mapping."""
    return {"surveyed": result["valid_answers"],
            "satisfied_with_result": result["satisfied"],
            "satisfied_with_conduct": result["satisfied"]}


# criteria set id -> (the indicator a survey result scores, result -> figures). 27/2025 has
# none: its satisfaction figure is no indicator of the set. 25/2021's C2.I4 is scored from
# the Mẫu 04 opinion survey, but by a rule nobody has found (criteria data: "manual"), and
# the platform's questionnaire is not Mẫu 04: its points stay entered by hand, with a reason,
# until a version of the set carries the rule (docs/survey.md).
SURVEY_SCORED: dict[str, tuple[str, Callable[[dict], dict]]] = {
    "619-2017": ("C2.I5", figures_for_619),
}


def survey_indicator(criteria_set_id: str | None) -> str | None:
    """The indicator of ``criteria_set_id`` a survey result scores, if any."""
    found = SURVEY_SCORED.get(criteria_set_id or "")
    return found[0] if found else None


def figures_from(criteria_set_id: str, result: dict) -> dict | None:
    """The indicator's figures from a result; None when the result cannot score anything
    (not published: below the minimum number of answers, or no valid answer at all)."""
    if not result.get("published") or not result.get("valid_answers"):
        return None
    return SURVEY_SCORED[criteria_set_id][1](result)

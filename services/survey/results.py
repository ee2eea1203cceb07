"""Satisfaction rates: satisfied or very satisfied ÷ valid answers, as a percent to two places.
For a Form 04 campaign (purpose ``dissemination_models``) the same figure is the share of
answers rating the forms and models effective or very effective (levels 4-5): the fields keep
their names (``satisfied``, ``rate_percent``), and ``purpose`` says which it is.

Plain arithmetic over counts the read model supplies, so the same counts always give the
same result, whether computed at closing or read back later. No valid answer means no
rate at all ("no data", ``rate_percent`` null and never published), not 0 % or 100 %.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from services.survey import bursts
from services.survey.bursts import DEFAULT_RULE, BurstRule, KioskDay
from services.survey.campaigns import Campaign
from services.survey.questionnaires import (
    DISSEMINATION_MODELS,
    SATISFACTION,
    SATISFIED_LEVELS,
    SCALE_LABELS,
    QuestionnaireVersion,
    purpose_field,
)

DEFAULT_MIN_ANSWERS = 30
RATE_NAMES = {SATISFACTION: "satisfaction rate",
              DISSEMINATION_MODELS: "rate of answers rating them effective"}
CENT = Decimal("0.01")


def rate_percent(satisfied: int, valid: int) -> str | None:
    if not valid:
        return None
    return str((Decimal(satisfied) * 100 / Decimal(valid)).quantize(CENT, ROUND_HALF_UP))


def _figures(counts: dict[int, int], sample: int, min_answers: int, what: str,
             rate_name: str = "satisfaction rate") -> dict:
    valid = sum(counts.get(level, 0) for level in SCALE_LABELS)
    satisfied = sum(counts.get(level, 0) for level in SATISFIED_LEVELS)
    published = sample >= min_answers and valid > 0
    if not valid:
        reason = f"No valid answers: there is no {rate_name} (no data)."
    elif not published:
        reason = f"Only {sample} {what}; results are published from {min_answers}."
    else:
        reason = None
    # Below the minimum a rate says little and small counts can point at individuals:
    # only the number of answers is shown, so the commune knows how far it still is.
    return {
        "valid_answers": valid,
        "satisfied": satisfied if published else None,
        "rate_percent": rate_percent(satisfied, valid) if published else None,
        "counts": {str(level): counts.get(level, 0) for level in SCALE_LABELS} if published else None,
        "published": published,
        "reason": reason,
    }


def compute(campaign: Campaign, questionnaire: QuestionnaireVersion, responses: int,
            counts: dict[str, dict[int, int]], min_answers: int = DEFAULT_MIN_ANSWERS,
            late_responses: int = 0, kiosk_days: list[KioskDay] = (),
            burst_rule: BurstRule = DEFAULT_RULE) -> dict:
    """``counts`` maps question id -> level -> number of answers; ``kiosk_days`` are the
    counted responses per kiosk and day, judged for bursts by ``burst_rule``.

    Per question, the minimum applies to its valid answers; overall, to the number of
    responses: pooled answers would pass 30 with six people answering five questions.
    """
    questions = []
    pooled: dict[int, int] = {}
    rate_name = RATE_NAMES.get(campaign.purpose, RATE_NAMES[SATISFACTION])
    for question in questionnaire.scale_questions:
        per_level = counts.get(question.id, {})
        for level, n in per_level.items():
            pooled[level] = pooled.get(level, 0) + n
        valid = sum(per_level.get(level, 0) for level in SCALE_LABELS)
        questions.append({"question_id": question.id, "text": question.text,
                          **_figures(per_level, valid, min_answers, "valid answers",
                                     rate_name)})
    overall = _figures(pooled, responses, min_answers, "responses", rate_name)
    target = campaign.target_sample
    return {
        "campaign_id": campaign.campaign_id, "commune_code": campaign.commune_code,
        "period": campaign.period, "questionnaire_id": campaign.questionnaire_id,
        "questionnaire_version": campaign.questionnaire_version, "purpose": campaign.purpose,
        "state": campaign.state, "final": campaign.state == "closed",
        "responses": responses, "late_responses": late_responses,
        "target_sample": target, "target_met": responses >= target,
        "min_answers": min_answers, "no_data": overall["valid_answers"] == 0,
        "overall": overall, "questions": questions,
        "flags": bursts.flags(list(kiosk_days), burst_rule, responses),
        "burst_rule": burst_rule.to_dict(),
    }


def event_data(result: dict, satisfied: int) -> dict:
    """The SatisfactionResultComputed data. The rate is kept even when not published: the
    assessment service decides what an unpublished rate is worth, and must read the flag.
    It is null when there is no valid answer. ``flags`` are the bursts found at closing,
    ``burst_rule`` the rule they were judged by. ``purpose`` is there for a Form 04 campaign
    only ("dissemination_models": ``satisfied`` counts the answers rating the forms and
    models effective, levels 4-5); absent, the result is a satisfaction survey's, as every
    result recorded before purposes existed."""
    overall = result["overall"]
    return {
        "campaign_id": result["campaign_id"], "commune_code": result["commune_code"],
        "period": result["period"], "questionnaire_id": result["questionnaire_id"],
        "questionnaire_version": result["questionnaire_version"],
        "responses": result["responses"], "valid_answers": overall["valid_answers"],
        "satisfied": satisfied,
        "rate_percent": rate_percent(satisfied, overall["valid_answers"]),
        "target_sample": result["target_sample"], "target_met": result["target_met"],
        "min_answers": result["min_answers"], "published": overall["published"],
        "reason": overall["reason"], "flags": result["flags"],
        "burst_rule": result["burst_rule"],
        **purpose_field(result.get("purpose", SATISFACTION)),
    }


def pooled_satisfied(questionnaire: QuestionnaireVersion, counts: dict[str, dict[int, int]]) -> int:
    return sum(counts.get(q.id, {}).get(level, 0)
               for q in questionnaire.scale_questions for level in SATISFIED_LEVELS)

"""What the read RPCs return: an assessment with its scores and recognition, explained."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from kernel.errors import KernelError, NotFound
from rules import scoring
from rules.criteria import CriteriaSet
from rules.criteria.model import money
from rules.recognition import MET, MISSING_INPUT, evaluate, public_explanation
from rules.scoring import ScoreSheet
from services.assessment.catalogue import CriteriaSetCatalogue
from services.assessment.workflow import CommuneAssessment

DECIDED_STATES = {"recognised": True, "not_recognised": False, "revoked": False}


def find_criteria_set(sets: Mapping, set_id: str, version: int | None = None) -> CriteriaSet:
    if version is not None and (set_id, version) in sets:
        return sets[(set_id, version)]  # no listing: a known version is read from the cache
    versions = sorted(v for (i, v) in sets if i == set_id)
    if not versions or (version is not None and version not in versions):
        raise NotFound("criteria.set_not_found" if version is None
                       else "criteria.set_version_not_found", {"set_id": set_id, "version": version})
    return sets[(set_id, version if version is not None else versions[-1])]


def criteria_set_summary(criteria_set: CriteriaSet, published: bool = False) -> dict:
    return {"id": criteria_set.id, "version": criteria_set.version,
            "title": criteria_set.title, "first_year": criteria_set.first_year,
            "last_year": criteria_set.last_year, "pass_fail": criteria_set.pass_fail,
            "provisional": criteria_set.provisional,
            "source": "published" if published else "built_in"}


def self_sheet(criteria_set: CriteriaSet, body: dict) -> ScoreSheet | None:
    return scoring.self_assessed_sheet(criteria_set, body["figures"])


def council_sheet(criteria_set: CriteriaSet, body: dict) -> ScoreSheet | None:
    """The score of record (rules/scoring.py), once the council has given any score."""
    return scoring.council_sheet(criteria_set, body.get("appraisal"))


def assessment(item: CommuneAssessment, sets: dict, satisfaction: dict | None = None,
               reviewing_level: str | None = None) -> dict:
    """The assessment explained: the commune's sheet, the council's sheet (the score of
    record), the recognition rules applied to it condition by condition, and what comes next
    (``reviewing_level``: the level configured for the province and year now)."""
    body = item.to_dict()
    criteria_set = find_criteria_set(sets, body["criteria_set_id"], body["criteria_set_version"])
    body["today"] = item.today.isoformat()
    body["next_steps"] = item.next_steps(CriteriaSetCatalogue(criteria_set), reviewing_level)
    body["deadlines"] = item.deadlines()
    body["criteria_set_provisional"] = criteria_set.provisional
    own = self_sheet(criteria_set, body)
    council = council_sheet(criteria_set, body)
    body["self_score"] = own.to_dict() if own else None
    body["appraised_score"] = council.to_dict() if council else None
    body["satisfaction"] = _satisfaction_view(satisfaction)
    body["survey_problem"] = survey_problem(body)
    inputs = recognition_inputs(criteria_set, body)
    # Recognition is decided on the council's sheet; before it exists the commune sees a
    # preview of the same rules applied to its own sheet.
    body["recognition"] = evaluate(criteria_set, council, **inputs).to_dict() if council else None
    body["recognition_preview"] = (evaluate(criteria_set, own, **inputs).to_dict()
                                   if own and not council else None)
    return body


def recognition_inputs(criteria_set: CriteriaSet, body: dict) -> dict:
    """What the recognition rules read besides the sheet: the commune's class and declared
    conditions, and the satisfaction rate where the regime uses it — the one the assessment
    took (an event of its own), not the latest row: a result held back after submission
    changes neither the preview nor the decision's explanation."""
    taken = (body["survey_result"] or {}).get("result")
    if taken and taken.get("purpose", "satisfaction") != "satisfaction":
        taken = None  # an opinion survey on other matters (Mẫu 04) is no satisfaction rate
    return {"commune_class": body["commune_class"], "declarations": body["declarations"],
            "satisfaction_percent": (taken["rate_percent"]
                                     if taken and taken["published"]
                                     and criteria_set.recognition.satisfaction_input else None)}


def decision_explanation(criteria_set: CriteriaSet, body: dict) -> dict | None:
    """The recognition rules applied to the council's sheet as the chairman decides, for the
    decision's event (the public board says why from it); None without an appraised sheet or
    when the stored inputs are no longer accepted by the rules."""
    council = council_sheet(criteria_set, body)
    if council is None:
        return None
    try:
        result = evaluate(criteria_set, council,
                          **recognition_inputs(criteria_set, body))
    except KernelError:
        return None
    return public_explanation(criteria_set, council, result, body["commune_class"])


def rollup_line(item: CommuneAssessment, sets: dict) -> dict:
    """One commune's line in a province's roll-up, with what the district-level standard and
    the decision's lists (Mẫu 08) need: indicators under half their maximum, the declared
    head-official condition, and the recognition conditions not met, in Vietnamese words."""
    body = item.to_dict()
    criteria_set = find_criteria_set(sets, body["criteria_set_id"], body["criteria_set_version"])
    own = self_sheet(criteria_set, body)
    council = council_sheet(criteria_set, body)
    achieved = None
    if council is not None and criteria_set.pass_fail:
        indicators = [i for c in council.criteria for i in c.indicators]
        achieved = sum(1 for i in indicators if i.achieved)
    recognition = None
    if council is not None:
        try:
            recognition = evaluate(criteria_set, council, commune_class=body["commune_class"],
                                   declarations=body["declarations"])
        except KernelError:  # a stored class or declaration the rules no longer accept
            recognition = None
    decision = body["decision"] or {}
    return {
        "commune_code": body["commune_code"], "district_code": body["district_code"],
        "year": body["year"], "state": body["state"], "status": body["status"],
        "criteria_set_id": criteria_set.id, "criteria_set_version": criteria_set.version,
        "provisional": criteria_set.provisional, "pass_fail": criteria_set.pass_fail,
        "self_total": money(own.total) if own else None,
        "appraised_total": money(council.total) if council else None,
        "appraised_achieved": achieved,
        "appraised_indicators": len(criteria_set.indicators()),
        "appraised_missing": list(council.missing_indicators) if council else None,
        "appraised_criteria": _criteria_points(council) if council else None,
        "indicators_below_half": _below_half(council) if council else None,
        "head_disciplined": _head_disciplined(criteria_set, body["declarations"]),
        "recognised": DECIDED_STATES.get(body["state"]),
        "decision_number": decision.get("decision_number"),
        "decision_date": decision.get("decision_date"),
        "unmet_conditions_vi": _unmet_vi(criteria_set, recognition) if recognition else [],
        "revocation_reason": (body["revocation"] or {}).get("reason"),
    }


HALF = Decimal("0.5")


def _criteria_points(sheet: ScoreSheet) -> list[dict]:
    """Each criterion's appraised points (or, in pass/fail sets, whether it is achieved): the
    per-criterion columns of Mẫu 10."""
    return [{"number": c.number, "points": None if c.points is None else money(c.points),
             "max": None if c.max is None else money(c.max), "achieved": c.achieved}
            for c in sheet.criteria]


def _below_half(sheet: ScoreSheet) -> list[dict]:
    """Appraised indicators with fewer than half their maximum points (point sets only)."""
    if sheet.pass_fail:
        return []
    below = []
    for criterion in sheet.criteria:
        for score in criterion.indicators:
            if score.max and score.points is not None and score.points < score.max * HALF:
                below.append({"id": score.id, "points": money(score.points),
                              "max": money(score.max), "threshold": money(score.max * HALF)})
    return below


def _head_disciplined(criteria_set: CriteriaSet, declarations: dict) -> bool | None:
    """True when the commune declared that a discipline condition does not hold, False when it
    declared all of them hold, None while any is undeclared (or the set has none)."""
    ids = [c.id for c in criteria_set.recognition.conditions if c.id.endswith("disciplined")]
    if not ids:
        return None
    values = [declarations.get(i) for i in ids]
    if any(v is False for v in values):
        return True
    return False if all(v is True for v in values) else None


def _unmet_vi(criteria_set: CriteriaSet, recognition) -> list[str]:
    """The deciding conditions not met, worded for the decision's not-recognised list."""
    wording_vi = {c.id: c.wording_vi for c in criteria_set.recognition.conditions}
    words = []
    for condition in recognition.conditions:
        if not condition.decisive or condition.verdict == MET:
            continue
        if condition.id == "total":
            words.append(f"Tổng điểm {condition.value} chưa đạt mức tối thiểu {condition.threshold}")
        elif condition.id.startswith("floor."):
            criterion = condition.id.removeprefix("floor.")
            words.append(f"Tiêu chí {criterion.removeprefix('C')} đạt {condition.value} điểm, "
                         f"dưới 50% điểm tối đa (tối thiểu {condition.threshold})")
        elif condition.id == "all_indicators_achieved":
            failed = (condition.missing or "").split(": ", 1)[-1]
            words.append(f"Có chỉ tiêu không đạt: {failed}")
        elif condition.id == "satisfaction":
            words.append(f"Tỷ lệ hài lòng {condition.value or 'chưa có'} chưa đạt yêu cầu")
        elif condition.verdict == MISSING_INPUT:
            words.append(f"Chưa kê khai điều kiện: {wording_vi.get(condition.id, condition.name)}")
        else:
            words.append(f"Không bảo đảm điều kiện: {wording_vi.get(condition.id, condition.name)}")
    return words


def survey_problem(body: dict) -> dict | None:
    """A survey result that reached the assessment when its figures could no longer change:
    said, in Vietnamese, until the self-assessment is a draft again and takes it."""
    held = body.get("survey_result_held")
    if held is None:
        return None
    rate = held["result"]["rate_percent"]
    what = ("tỷ lệ ý kiến đánh giá hiệu quả"
            if held["result"].get("purpose") == "dissemination_models" else "tỷ lệ hài lòng")
    new = f"{what} {rate.replace('.', ',')}%" if rate and held["result"]["published"] \
        else f"không có {what} được công bố"
    campaign, indicator = held["result"]["campaign_id"], held["indicator_id"]
    if held["state"] == "self_assessed":
        then_vi = "Kết quả mới được áp dụng khi bản tự đánh giá được mở lại."
        then_en = "It is applied when the self-assessment is reopened."
    elif held["state"] in ("appraised", "recognised", "not_recognised", "revoked"):
        then_vi = "Kết quả thẩm định và quyết định đã có không thay đổi theo kết quả này."
        then_en = "The appraisal and decision already made do not change with it."
    else:
        then_vi = "Hội đồng thẩm định xem xét kết quả mới khi chấm chỉ tiêu."
        then_en = "The council weighs it when appraising the indicator."
    return {"indicator_id": indicator, "campaign_id": campaign, "state": held["state"],
            "message": (f"Kết quả mới của đợt khảo sát {campaign} ({new}) đến khi hồ sơ đã nộp "
                        f"nên chưa được áp dụng cho chỉ tiêu {indicator}; số liệu chỉ tiêu vẫn "
                        f"theo kết quả trước. {then_vi}"),
            "message_en": (f"A new result of survey campaign {campaign} arrived after the "
                           f"self-assessment was submitted and is not applied to {indicator}; "
                           f"its figures still come from the earlier result. {then_en}")}


def _satisfaction_view(result: dict | None) -> dict | None:
    """The survey result of the commune's year, as the survey service published it; its
    ``status`` says whether it has a rate at all (no_data), and ``flags`` the bursts the
    survey found."""
    if result is None:
        return None
    keys = ("campaign_id", "questionnaire_id", "questionnaire_version", "valid_answers",
            "satisfied", "rate_percent", "target_sample", "target_met", "published", "reason",
            "status", "flags")
    return {key: result[key] for key in keys}

"""Figures that score an indicator of a criteria set in full (or achieved), for tests that
walk whole assessments without caring about the arithmetic."""

from rules.criteria import rules


def full_figures(indicator) -> dict:
    figures: dict = {}
    for item in indicator.sub_items or (indicator,):
        kind, params = item.rule.kind, item.rule.params
        if rules.is_rate(kind, params):
            figures[rules.figure(params, "numerator")] = 10
            figures[rules.figure(params, "denominator")] = 10
        elif kind in ("fixed", "pass_fail"):
            figures[rules.figure(params, "figure")] = True
        elif kind == "penalty":
            figures[rules.figure(params, "figure")] = False
        elif kind == "count_at_least":
            figures["count"] = params["at_least"]
        elif kind == "manual":
            figures["manual_points"] = format(item.max, "f")
            figures["reason"] = "Đủ hồ sơ minh chứng"
    return figures

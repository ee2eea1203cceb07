"""The survey's closed-campaign result, taken by the assessment: the only way a figure of the
survey-fed indicator changes once a result exists. Which indicator that is, which kind of
survey feeds it and how a result becomes its figures is criteria-set data (``survey`` on the
indicator: 619/2017 C2.I5 from the satisfaction survey; 25/2021 C2.I4 from the Mẫu 04 opinion
survey, version 2); the catalogue hands it over as ``survey_feed()``.

Not a command anyone runs: the assessment service applies each result the survey service
publishes (services/assessment/satisfaction.py), and a result that was there before the
assessment was opened when it opens. What it records:

- ``SatisfactionResultApplied``: the first result, the indicator's figures from it;
- ``SatisfactionResultReplaced``: a later one (the campaign reopened and closed again), with
  the previous result and figures and why, so a changed score is never silent; also when
  the result replaces figures typed in before any result existed;
- ``SatisfactionResultHeld``: a result that arrived once the self-assessment was submitted,
  when the figures can no longer change; it is applied when the self-assessment goes back
  to drafting, and until then the assessment shows it as a problem (views.py).

A result without a rate (no valid answer, or fewer answers than the survey's minimum)
scores nothing: the indicator has no figures, never 0 % or 100 %.
"""

from __future__ import annotations

from kernel.events import NewEvent
from rules.assessment import names as n
from services.assessment.workflow.base import AssessmentBase
from services.assessment.workflow.catalogue import CriteriaCatalogue

# What the assessment keeps of a survey result: enough to recompute the figures and to say
# where they came from.
RESULT_FIELDS = ("campaign_id", "period", "purpose", "valid_answers", "satisfied", "rate_percent",
                 "published", "status", "reason", "event_id", "position")
ENTERED = "entered"  # figures typed in before any survey result reached the assessment
SATISFACTION = "satisfaction"  # the kind of survey a result without ``purpose`` comes from


def result_reference(result: dict) -> dict:
    ref = {key: result.get(key) for key in RESULT_FIELDS}
    if result.get("reopening"):
        ref["reopening"] = result["reopening"]
    return ref


class SurveySteps(AssessmentBase):
    def take_survey_result(self, result: dict, catalogue: CriteriaCatalogue) -> list[NewEvent]:
        """The events that take ``result`` (a survey result as the assessment keeps it,
        services/assessment/satisfaction.py ``result_for``); none when the regime scores no
        indicator from this kind of survey or the result is already taken."""
        feed = catalogue.survey_feed()
        if feed is None or result.get("purpose", SATISFACTION) != feed.purpose:
            return []
        ref = result_reference(result)
        return self._take(feed.indicator_id, ref, feed.figures_from(ref))

    def held_survey_result(self) -> list[NewEvent]:
        """Once the self-assessment is a draft again, the result it held back, with the
        figures found when it arrived (the set version the assessment uses never changes)."""
        held = self._s.survey_held
        return (self._take(held["indicator_id"], held["result"], held["figures"])
                if held is not None else [])

    def _take(self, indicator_id: str, ref: dict, figures: dict | None) -> list[NewEvent]:
        if self._s.state == n.NEW:
            return []
        applied, held = self._s.survey, self._s.survey_held
        if applied is not None and ref["position"] <= applied["result"]["position"]:
            return []  # this result, or an older one, is what the figures come from
        if held is not None and ref["position"] <= held["result"]["position"] and not (
                self._s.state == n.DRAFTING and ref["event_id"] == held["result"]["event_id"]):
            return []  # held already; taken when the self-assessment is a draft again
        if self._s.state != n.DRAFTING:
            return [self._event(n.SATISFACTION_RESULT_HELD, {
                "indicator_id": indicator_id, "result": ref, "figures": figures,
                "state": self._s.state})]
        previous = self._s.survey
        if previous is None and indicator_id in self._s.figures:
            previous = {"result": None, "figures": self._s.figures[indicator_id],
                        "source": ENTERED}
        if previous is None:
            return [self._event(n.SATISFACTION_RESULT_APPLIED, {
                "indicator_id": indicator_id, "result": ref, "figures": figures})]
        return [self._event(n.SATISFACTION_RESULT_REPLACED, {
            "indicator_id": indicator_id, "result": ref, "figures": figures,
            "previous": {"result": previous["result"], "figures": previous["figures"],
                         "source": previous.get("source", "survey")},
            "why": _why(ref, previous)})]

    def survey_fed(self, indicator_id: str) -> bool:
        """The indicator's figures come from a survey result: nobody may type over them."""
        return self._s.survey is not None and indicator_id == self._s.survey["indicator_id"]


def _why(ref: dict, previous: dict) -> str:
    """Why the figures change, in English (views.py says it in Vietnamese)."""
    if previous.get("source") == ENTERED:
        return "the survey result replaces the figures entered before it existed"
    reopening = ref.get("reopening")
    if reopening:
        return (f"campaign {ref['campaign_id']} was reopened on {reopening.get('reopened_on')} "
                f"({reopening.get('reason')}) and closed again")
    if previous["result"] and previous["result"].get("campaign_id") != ref["campaign_id"]:
        return f"a later campaign ({ref['campaign_id']}) for the period closed"
    return "the survey recorded a new result for the campaign"

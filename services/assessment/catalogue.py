"""A criteria set as the workflow sees it (the ``CriteriaCatalogue`` protocol)."""

from __future__ import annotations

from decimal import Decimal

from kernel.errors import ValidationFailed
from rules.criteria import CriteriaSet
from rules.criteria.model import SurveyFeed
from rules.scoring import score_indicator


class SurveyFeedOfSet:
    """The set's survey-fed indicator (criteria data, ``survey``): the result of which kind
    of survey it takes, and that result's counts as the indicator's figures."""

    def __init__(self, indicator_id: str, feed: SurveyFeed):
        self.indicator_id, self.purpose, self._feed = indicator_id, feed.purpose, feed

    def figures_from(self, result: dict) -> dict | None:
        # Not published (fewer answers than the survey's minimum) or no valid answer: the
        # result scores nothing, and the indicator has no figures rather than 0 %.
        if not result.get("published") or not result.get("valid_answers"):
            return None
        return self._feed.figures_from(result)


class CriteriaSetCatalogue:
    def __init__(self, criteria_set: CriteriaSet):
        self.criteria_set = criteria_set

    def calendar(self) -> dict:
        """The version's deadlines, as the assessment opened with it keeps them."""
        return self.criteria_set.calendar.to_dict()

    def indicator_ids(self):
        return self.criteria_set.indicator_ids()

    def survey_feed(self) -> SurveyFeedOfSet | None:
        for indicator in self.criteria_set.indicators():
            if indicator.survey is not None:
                return SurveyFeedOfSet(indicator.id, indicator.survey)
        return None

    def validate_figures(self, indicator_id: str, figures: dict) -> None:
        # Scoring is the validation: figures that cannot be scored are refused with the reason.
        score_indicator(self.criteria_set.indicator(indicator_id), figures)

    def indicator_max(self, indicator_id: str) -> Decimal:
        maximum = self.criteria_set.indicator(indicator_id).max
        if maximum is None:
            raise ValidationFailed("assessment.indicator_pass_fail", {"indicator_id": indicator_id})
        return maximum

    def is_pass_fail(self, indicator_id: str) -> bool:
        return self.criteria_set.indicator(indicator_id).max is None

    def condition_ids(self) -> list[str]:
        return [c.id for c in self.criteria_set.recognition.conditions]

"""Criteria sets as versioned data: the model, the loader and the built-in regimes."""

from rules.criteria.loader import load_builtin_sets, parse_criteria_set, set_for_year
from rules.criteria.model import CriteriaSet, Criterion, Indicator, SubItem

__all__ = ["CriteriaSet", "Criterion", "Indicator", "SubItem", "load_builtin_sets",
           "parse_criteria_set", "set_for_year"]

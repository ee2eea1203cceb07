"""The assessment workflow: self-assessment, posting, review, appraisal and recognition."""

from rules.assessment.names import STATES, stream_name
from services.assessment.workflow.aggregate import CommuneAssessment
from services.assessment.workflow.catalogue import CriteriaCatalogue
from services.assessment.workflow.review_steps import quorum

__all__ = ["STATES", "CommuneAssessment", "CriteriaCatalogue", "quorum", "stream_name"]

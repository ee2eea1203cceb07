"""The survey service bounds what it stores in events itself, whoever calls it: an integer
beyond RFC 8785's range made the event unhashable and the call a 500 (issue 14)."""

import pytest

from kernel.errors import ValidationFailed
from services.survey import schemas

CAMPAIGN = {"commune_code": "00004", "period": "2025", "opens_on": "2025-10-01",
            "closes_on": "2025-12-31"}


@pytest.mark.parametrize("field, value", [
    ("target_sample", 2 ** 59), ("target_sample", schemas.MAX_SAMPLE + 1),
    ("last_year_cases", 2 ** 62), ("questionnaire_version", 2 ** 31), ("questionnaire_version", 0),
])
def test_counts_and_versions_beyond_their_range_are_refused(field, value):
    with pytest.raises(ValidationFailed) as caught:
        schemas.load(schemas.CampaignSchema, {**CAMPAIGN, field: value}, "campaign")
    assert list(caught.value.details["fields"]) == [field]


def test_counts_within_their_range_pass():
    loaded = schemas.load(schemas.CampaignSchema, {**CAMPAIGN, "target_sample": schemas.MAX_SAMPLE,
                                                   "questionnaire_version": 1}, "campaign")
    assert loaded["target_sample"] == schemas.MAX_SAMPLE


def test_a_response_names_a_version_that_can_exist():
    with pytest.raises(ValidationFailed):
        schemas.load(schemas.ResponseSchema, {
            "response_id": "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "campaign_id": "00004-2025",
            "questionnaire_id": "hai-long-tiep-can-phap-luat", "questionnaire_version": 2 ** 60,
            "answers": {"cong-khai": 5}}, "response")

"""The typed commands (services/assessment/commands.py): built from an RPC's JSON arguments,
one RPC each on the service, each carried out once per idempotency key."""

import inspect
from datetime import date

import pytest

from kernel.errors import NotFound, ValidationFailed
from services.assessment import commands
from services.assessment.service import AssessmentService
from services.assessment.workflow import CommuneAssessment


def test_a_command_is_built_from_json_arguments_with_its_dates_as_dates():
    decided = commands.Decide.from_arguments(
        {"recognised": True, "decision_number": "12/QĐ-UBND", "decision_date": "2023-01-20"})
    assert decided == commands.Decide(True, "12/QĐ-UBND", date(2023, 1, 20))
    assert commands.SubmitSelfAssessment.from_arguments({}).submitted_on is None
    assert commands.RecordOpinion.from_arguments({
        "member_name": "A", "role": "r", "opinion": "o", "given_by": "writing",
        "given_on": "2023-01-06"}).given_on == date(2023, 1, 6)


def test_missing_or_unknown_arguments_are_refused_by_name_before_anything_is_read():
    with pytest.raises(ValidationFailed) as refused:
        commands.Decide.from_arguments({"recognised": True, "decision_date": "2023-01-20",
                                        "recognition": {}})
    assert refused.value.key == "assessment.wrong_arguments"
    assert refused.value.details == {"command": "decide", "missing": ["decision_number"],
                                     "unknown": ["recognition"]}
    assert "decision_number" in refused.value.message and "recognition" in refused.value.message


def test_a_date_that_is_no_iso_date_is_a_date_format_error():
    with pytest.raises(ValidationFailed) as refused:
        commands.StartPosting.from_arguments({"start": "15/12/2022", "channel": "office"})
    assert refused.value.key == "value.date_format"
    assert refused.value.details == {"start": "15/12/2022"}


def test_a_command_named_in_data_is_the_same_dataclass_and_an_unknown_name_is_404():
    assert commands.by_name("revoke", {"reason": "Sai", "revoked_on": "2024-03-01"}) == (
        commands.Revoke("Sai", date(2024, 3, 1)))
    with pytest.raises(NotFound):
        commands.by_name("delete_everything", {})


@pytest.mark.parametrize("name", sorted(commands.BY_NAME))
def test_every_command_runs_the_workflow_step_of_its_name_and_has_an_idempotent_rpc(name):
    command = commands.BY_NAME[name]
    assert callable(getattr(CommuneAssessment, name))
    rpc = getattr(AssessmentService, name)
    assert rpc.nameko_entrypoints and rpc.idempotent and rpc.__name__ == name
    assert list(inspect.signature(rpc).parameters) == [
        "self", "commune_code", "year", "arguments", "expected_version", "context"]
    assert command.__dataclass_params__.frozen

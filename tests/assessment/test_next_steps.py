"""Given/When/Then for the next steps an assessment names in each state: who takes each (role,
and the reviewing level for the review steps), between which dates, its deadline counted in
working days (Vietnamese holidays skipped), and what is missing before it can be taken."""

from datetime import date

import pytest

from rules.assessment import names as n
from services.assessment.workflow import STATES, CommuneAssessment
from services.assessment.workflow.dates import STEP_DATES
from services.assessment.workflow.next_steps import STEPS, opening_step
from tests.assessment.test_workflow import (
    CAT,
    STAGES,
    appraisal_ready,
    appraised,
    checked,
    dossier_submitted,
    opened,
    posted,
    posting,
    recognised,
    record,
    supplement_requested,
    under_appraisal,
)


def steps_on(history, today, **kwargs):
    steps = CommuneAssessment.from_events(history, today=today).next_steps(CAT, **kwargs)
    return {step["command"]: step for step in steps}


def test_every_command_of_the_workflow_has_a_role_and_a_vietnamese_label():
    commands = {c for _, allowed in STATES.values() for c in allowed} | {"open"}
    assert set(STEPS) == commands
    assert all(role and label for role, label in STEPS.values())
    assert set(STEP_DATES) <= set(STEPS)
    assert set(n.STATUS_VI) == set(STATES)


@pytest.mark.parametrize("state", [s for s in STATES if s != n.NEW])
def test_given_any_state_then_its_next_steps_are_the_commands_it_allows(state):
    history = STAGES[state]()
    assessment = CommuneAssessment.from_events(history, today=date(2026, 1, 30))
    assert [s["command"] for s in assessment.next_steps(CAT)] == list(STATES[state][1])
    assert assessment.to_dict()["status_vi"] == n.STATUS_VI[state]


def test_given_drafting_when_figures_are_missing_then_submitting_names_them():
    history = record(opened(), CommuneAssessment.from_events(opened(), today=date(2022, 12, 1))
                     .record_figures("C1-I1", {"done": 1}, CAT))
    steps = steps_on(history, date(2022, 12, 1))
    submit = steps["submit_self_assessment"]
    assert submit["ready"] is False
    assert submit["missing"] == [{"code": "figures_missing", "ids": ["C1-I2"], "date": None,
                                  "message": "Còn 1 chỉ tiêu chưa nhập số liệu: C1-I2."}]
    assert submit["actor"] == {"role": "commune_officer", "reviewing_level": None,
                               "unit": {"province": "01", "district": "001", "commune": "00004"}}
    assert (submit["date_field"], submit["date_required"]) == ("submitted_on", False)
    assert (submit["earliest"], submit["latest"]) == (None, "2022-12-01")
    assert steps["record_figures"]["date_field"] is None and steps["record_figures"]["latest"] is None
    assert steps["record_figures"]["ready"] is True


def test_given_a_posting_before_its_minimum_end_then_ending_it_waits_for_that_day():
    early = steps_on(posting(), date(2022, 12, 23))["end_posting"]
    assert early["ready"] is False and early["earliest"] == "2022-12-24"
    assert early["missing"][0]["code"] == "posting_minimum_not_reached"
    assert early["missing"][0]["date"] == "2022-12-24"
    assert "ít nhất 5 ngày, đến hết ngày 24/12/2022" in early["missing"][0]["message"]
    on_time = steps_on(posting(), date(2022, 12, 24))["end_posting"]
    assert on_time["ready"] is True and on_time["date_required"] is True
    assert on_time["date_field"] == "ended_on"


def test_given_an_unanswered_comment_then_the_dossier_waits_and_the_answer_is_ready():
    history = record(posting(), CommuneAssessment.from_events(posting(), today=date(2022, 12, 24))
                     .end_posting(date(2022, 12, 24)))
    steps = steps_on(history, date(2023, 1, 5))
    assert steps["answer_comment"]["ready"] is True
    dossier = steps["submit_dossier"]
    assert dossier["ready"] is False
    assert dossier["missing"][0]["code"] == "comments_unanswered"
    assert dossier["missing"][0]["ids"] == ["c1"]
    answered = steps_on(posted(), date(2023, 1, 5))
    assert answered["submit_dossier"]["ready"] is True
    assert answered["answer_comment"]["missing"][0]["code"] == "no_unanswered_comment"


def test_given_a_posted_assessment_then_the_dossier_deadline_is_counted_in_working_days():
    deadline = steps_on(posted(), date(2023, 1, 5))["submit_dossier"]["deadline"]
    assert deadline == {"kind": "dossier", "label": "Gửi hồ sơ đề nghị công nhận",
                        "due_before": "2023-01-10", "last_day": "2023-01-09",
                        "last_day_vi": "09/01/2023", "working_days_left": 2, "overdue": False,
                        "done_on": None, "late": None, "provisional": False}
    late = steps_on(posted(), date(2023, 1, 11))["submit_dossier"]["deadline"]
    assert (late["working_days_left"], late["overdue"]) == (-2, True)


def test_given_a_supplement_requested_before_tet_then_the_days_left_skip_the_holiday():
    step = steps_on(supplement_requested(), date(2023, 1, 20))["provide_supplement"]
    assert step["deadline"]["last_day"] == "2023-01-31" and step["deadline"]["due_before"] is None
    # 20-26/01/2023 is Tết: 27, 30 and 31/01 are the working days left
    assert step["deadline"]["working_days_left"] == 3
    assert step["earliest"] == "2023-01-19"


def test_given_a_dossier_then_the_check_is_the_reviewing_levels_justice_office():
    steps = steps_on(dossier_submitted(), date(2023, 1, 6))
    assert steps["pass_check"]["actor"] == {
        "role": "justice_officer", "reviewing_level": "district",
        "unit": {"province": "01", "district": "001", "commune": None}}
    assert steps["request_supplement"]["actor"]["role"] == "justice_officer"
    moved = steps_on(dossier_submitted(), date(2023, 1, 6), reviewing_level="province")
    assert moved["pass_check"]["actor"]["reviewing_level"] == "province"
    assert moved["pass_check"]["actor"]["unit"] == {"province": "01", "district": None,
                                                    "commune": None}


def test_given_a_checked_dossier_then_the_council_starts_no_earlier_than_the_check():
    start = steps_on(checked(), date(2023, 1, 20))["start_appraisal"]
    assert start["actor"]["role"] == "council_secretary"
    assert (start["earliest"], start["latest"]) == ("2023-01-09", "2023-01-20")


def test_given_an_appraisal_under_way_then_completing_it_names_what_is_missing():
    steps = steps_on(under_appraisal(), date(2023, 1, 31))
    codes = [m["code"] for m in steps["complete_appraisal"]["missing"]]
    assert codes == ["indicators_not_appraised", "no_opinion", "quorum_not_met"]
    quorum = steps["complete_appraisal"]["missing"][2]
    assert quorum["message"] == "Cuộc họp mới có 0/5 thành viên dự; cần ít nhất 4 (hai phần ba)."
    ready = steps_on(appraisal_ready(), date(2023, 1, 31))
    assert ready["complete_appraisal"]["ready"] is True
    assert ready["record_opinion"]["ready"] is True
    assert ready["record_opinion"]["date_required"] is False
    full = steps_on(appraisal_ready(present=5), date(2023, 1, 31))
    assert full["record_opinion"]["missing"][0]["code"] == "council_complete"


def test_given_an_appraised_assessment_then_the_chairman_decides_before_10_02():
    decide = steps_on(appraised(), date(2023, 2, 3))["decide"]
    assert decide["actor"]["role"] == "chairman" and decide["earliest"] == "2023-02-01"
    assert decide["deadline"]["due_before"] == "2023-02-10"
    assert decide["deadline"]["working_days_left"] == 4  # 06-09/02/2023


def test_given_a_decision_then_the_years_deadlines_show_what_was_done_and_when():
    assessment = CommuneAssessment.from_events(recognised(), today=date(2023, 3, 1))
    deadlines = {d["kind"]: d for d in assessment.deadlines()}
    assert deadlines["dossier"]["done_on"] == "2023-01-05" and deadlines["dossier"]["late"] is False
    assert deadlines["dossier"]["working_days_left"] is None
    assert deadlines["decision"]["done_on"] == "2023-02-06"
    assert deadlines["decision"]["overdue"] is False
    assert [s["command"] for s in assessment.next_steps(CAT)] == ["revoke"]
    assert assessment.next_steps(CAT)[0]["earliest"] == "2023-02-06"


def test_given_a_year_not_opened_then_opening_is_the_communes_one_step():
    step = opening_step("16426")
    assert step["command"] == "open" and step["actor"]["role"] == "commune_officer"
    assert step["actor"]["unit"]["commune"] == "16426" and step["ready"] is True
    assert CommuneAssessment.from_events([], today=date(2026, 1, 1)).next_steps(CAT) == []

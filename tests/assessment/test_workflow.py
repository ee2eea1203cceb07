"""Given/When/Then for one commune's assessment, from opening to recognition and revocation."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from contracts.assessment import EvidenceAlreadyAttached
from kernel.canonical import to_json_value
from kernel.clock import VIETNAM
from kernel.errors import DateOutOfOrder, IllegalTransition, NotFound, ValidationFailed
from kernel.events import NewEvent, RecordedEvent
from rules.assessment import names as n
from rules.deadlines import calendar_for
from services.assessment.workflow import STATES, CommuneAssessment, CriteriaCatalogue, quorum

SHA, OTHER_SHA = "ab" * 32, "cd" * 32
SIGNATURES = {"signed": False, "signatures": [], "trust_roots": 0,
              "checked_at": "2022-12-01T09:30:00+07:00", "checked_with": "pyHanko 0.38.0"}
PDF_FILE = {"file_name": "Biên bản họp.pdf", "media_type": "application/pdf", "size": 1024,
            "sha256": SHA, "signatures": SIGNATURES}
PHOTO = {"file_name": "ảnh niêm yết.jpg", "media_type": "image/jpeg", "size": 2048,
         "sha256": OTHER_SHA, "signatures": None}
UPLOADED_AT = datetime(2022, 12, 1, 9, 30, tzinfo=VIETNAM)
# The test's clock: no step may be dated after it (the stages below all lie before it).
TODAY = date(2026, 1, 30)
# A day before TODAY for the calls that only the state refuses.
ANY_DAY = date(2023, 3, 1)


class Catalogue:
    """Two indicators of 25/2021's criterion 1; figures need a 'done' count."""

    maxima = {"C1-I1": Decimal("3"), "C1-I2": Decimal("7")}

    def indicator_ids(self):
        return list(self.maxima)

    def validate_figures(self, indicator_id, figures):
        if "done" not in figures:
            raise ValidationFailed(f"{indicator_id} needs the number done.", {"missing": ["done"]})

    def indicator_max(self, indicator_id):
        return self.maxima[indicator_id]

    def survey_feed(self):
        return None


CAT = Catalogue()


def record(history, new_events):
    history = list(history)
    for event in new_events:
        version = len(history) + 1
        history.append(RecordedEvent(
            source="assessment", position=version, id=event.id, stream="assessment-00004-2022",
            version=version, type=event.type, schema_version=event.schema_version,
            data=event.data, metadata={"actor": "tester"}, prev_hash="0" * 64, hash="0" * 64))
    return history


def then(history, command):
    return record(history, command(a(history)))


def run(history, *commands):
    for command in commands:
        history = then(history, command)
    return history


def a(history):
    return CommuneAssessment.from_events(history, today=TODAY)


# The stages of a normal life, each the history of the one before plus its step.
def opened(regime="25-2021", year=2022, level="district", district="001"):
    return run([], lambda s: s.open("00004", "01", district, year, regime, "2021.1", level))


def drafted(**kwargs):
    return run(opened(**kwargs),
               lambda s: s.record_figures("C1-I1", {"done": 2, "assigned": 2}, CAT),
               lambda s: s.record_figures("C1-I2", {"done": 9, "rate": Decimal("90.00")}, CAT))


def self_assessed(**kwargs):
    return then(drafted(**kwargs), lambda s: s.submit_self_assessment(CAT))


def posting(**kwargs):
    return run(self_assessed(**kwargs), lambda s: s.start_posting(date(2022, 12, 20), "office"),
               lambda s: s.record_comment("c1", "Score of C1-I2 looks high", date(2022, 12, 21),
                                          "Nguyễn Văn A"))


def posted():
    return run(posting(), lambda s: s.answer_comment("c1", "Explained at the meeting",
                                                     date(2022, 12, 23)),
               lambda s: s.end_posting(date(2022, 12, 24)))


def dossier_submitted():
    return then(posted(), lambda s: s.submit_dossier(date(2023, 1, 5)))


def supplement_requested():
    return then(dossier_submitted(),
                lambda s: s.request_supplement("Mẫu 03 is missing", date(2023, 1, 19)))


def checked():
    return then(dossier_submitted(), lambda s: s.pass_check(date(2023, 1, 9)))


def under_appraisal(method="meeting", size=5):
    return then(checked(), lambda s: s.start_appraisal(date(2023, 1, 30), size, method))


def appraisal_ready(present=4):
    history = under_appraisal()
    for i in range(present):
        history = then(history, lambda s, i=i: s.record_opinion(f"Member {i}", "member",
                                                                 "Agree", "meeting"))
    return run(history,
               lambda s: s.appraise_indicator("C1-I1", Decimal("3.00"), "All issued lawfully", CAT),
               lambda s: s.appraise_indicator("C1-I2", "6.30", "90% lawful", CAT))


def appraised():
    return then(appraisal_ready(), lambda s: s.complete_appraisal(date(2023, 2, 1), CAT))


def recognised():
    return then(appraised(), lambda s: s.decide(True, "15/QĐ-UBND", date(2023, 2, 6)))


def not_recognised():
    return then(appraised(), lambda s: s.decide(False, "16/QĐ-UBND", date(2023, 2, 6)))


def revoked():
    return then(recognised(), lambda s: s.revoke("Scores were falsified", date(2023, 6, 1)))


STAGES = {
    n.NEW: lambda: [], n.DRAFTING: drafted, n.SELF_ASSESSED: self_assessed, n.POSTING: posting,
    n.POSTED: posted, n.DOSSIER_SUBMITTED: dossier_submitted,
    n.SUPPLEMENT_REQUESTED: supplement_requested, n.CHECKED: checked,
    n.UNDER_APPRAISAL: appraisal_ready, n.APPRAISED: appraised, n.RECOGNISED: recognised,
    n.NOT_RECOGNISED: not_recognised, n.REVOKED: revoked,
}

# A well-formed call of every command, so that only the state can refuse it.
COMMANDS = {
    "open": lambda s: s.open("00004", "01", "001", 2022, "25-2021", "2021.1", "district"),
    "record_figures": lambda s: s.record_figures("C1-I1", {"done": 1}, CAT),
    "declare_conditions": lambda s: s.declare_conditions({"no_head_disciplined": True}, CAT),
    "submit_self_assessment": lambda s: s.submit_self_assessment(CAT),
    "reopen_self_assessment": lambda s: s.reopen_self_assessment("Sửa số liệu", ANY_DAY),
    "start_posting": lambda s: s.start_posting(ANY_DAY, "portal"),
    "record_comment": lambda s: s.record_comment("new", "text", ANY_DAY),
    "answer_comment": lambda s: s.answer_comment("c1", "answer", ANY_DAY),
    "end_posting": lambda s: s.end_posting(ANY_DAY),
    "submit_dossier": lambda s: s.submit_dossier(ANY_DAY),
    "pass_check": lambda s: s.pass_check(ANY_DAY),
    "request_supplement": lambda s: s.request_supplement("why", ANY_DAY),
    "provide_supplement": lambda s: s.provide_supplement(ANY_DAY, "done"),
    "start_appraisal": lambda s: s.start_appraisal(ANY_DAY, 5, "meeting"),
    "record_opinion": lambda s: s.record_opinion("Someone new", "member", "ok", "meeting"),
    "appraise_indicator": lambda s: s.appraise_indicator("C1-I1", "1.00", "why", CAT),
    "complete_appraisal": lambda s: s.complete_appraisal(ANY_DAY, CAT),
    "decide": lambda s: s.decide(True, "1/QĐ", ANY_DAY),
    "revoke": lambda s: s.revoke("why", ANY_DAY),
    "attach_evidence": lambda s: s.attach_evidence("C1-I2", PHOTO, CAT, "officer-1", UPLOADED_AT),
    "remove_evidence": lambda s: s.remove_evidence("C1-I1", SHA),
}


def refused(history, command, error=ValidationFailed, match=None):
    """Run a command that must fail; check the reason names the state and nothing changed."""
    assessment = a(history)
    before = assessment.to_dict()
    with pytest.raises(error) as raised:
        command(assessment)
    # ``match`` is found in the English text (str) or the Vietnamese one (.message)
    assert match is None or re.search(match, str(raised.value)) or re.search(
        match, raised.value.message), (match, raised.value.message)
    assert raised.value.details["state"] == before["state"]
    assert assessment.to_dict() == before
    return raised.value


# --- every illegal transition -----------------------------------------------------------

ILLEGAL = [(state, command) for state in STATES
           for command in COMMANDS if command not in n.allowed_commands(state)]


@pytest.mark.parametrize("state, command", ILLEGAL)
def test_given_a_state_when_a_command_it_does_not_allow_is_run_then_it_is_an_illegal_transition(
        state, command):
    history = STAGES[state]()
    assert a(history).state == state
    error = refused(history, COMMANDS[command], IllegalTransition)
    assert error.details["command"] == command
    assert error.details["allowed"] == list(n.allowed_commands(state))
    assert error.http_status == 409


@pytest.mark.parametrize("state, command", [
    (n.NEW, "submit_self_assessment"), (n.CHECKED, "decide"), (n.NOT_RECOGNISED, "revoke"),
    (n.DRAFTING, "start_posting"), (n.POSTING, "submit_dossier"), (n.REVOKED, "revoke"),
    (n.SELF_ASSESSED, "record_figures"), (n.APPRAISED, "appraise_indicator")])
def test_named_illegal_steps_are_refused_with_the_current_state(state, command):
    error = refused(STAGES[state](), COMMANDS[command], IllegalTransition)
    assert error.details["state"] == state
    assert command in error.message and n.STATUS_VI[state] in error.message
    assert command in str(error) and STATES[state][0] in str(error)  # in English too


def test_every_state_has_a_stage_and_every_command_a_call():
    assert set(STAGES) == set(STATES)
    assert {c for state in STATES for c in n.allowed_commands(state)} == set(COMMANDS)


# --- opening ----------------------------------------------------------------------------

def test_given_nothing_when_opened_then_the_assessment_keeps_its_criteria_set_version():
    [event] = CommuneAssessment.from_events([]).open("00004", "01", "001", 2022, "25-2021",
                                                     "2021.1", "district")
    assert event.type == "AssessmentOpened"
    assert event.data == {"commune_code": "00004", "year": 2022, "province_code": "01",
                          "district_code": "001", "criteria_set_id": "25-2021",
                          "criteria_set_version": "2021.1", "reviewing_level": "district",
                          "calendar": {k: v for k, v in calendar_for("25-2021").to_dict().items()
                                       if k != "criteria_set_id"}}
    state = a(opened())
    assert (state.state, state.stream, state.version) == (n.DRAFTING, "assessment-00004-2022", 1)
    assert n.stream_name("00004", 2022) == state.stream


def test_given_a_2025_assessment_when_opened_at_the_province_then_no_district_is_needed():
    state = a(opened(regime="27-2025", year=2025, level="province", district=None))
    assert state.to_dict()["district_code"] is None
    assert state.to_dict()["reviewing_level"] == "province"


@pytest.mark.parametrize("args, field", [
    (("00004", "01", "001", 2025, "27-2025", "1", "district"), "reviewing_level"),
    (("00004", "01", None, 2022, "25-2021", "1", "district"), "district_code"),
    (("00004", "01", "001", 2016, "619-2017", "1", "district"), "year"),
    (("", "01", "001", 2022, "25-2021", "1", "district"), "commune_code"),
    (("00004", "01", "001", 2022, "25-2021", "", "district"), "criteria_set_version"),
    (("00004", "01", "001", 2022, "25-2021", "1", "commune"), "reviewing_level"),
])
def test_given_nothing_when_opened_with_bad_values_then_it_is_refused(args, field):
    error = refused([], lambda s: s.open(*args))
    assert error.details["field"] == field


def test_given_nothing_when_opened_with_an_unknown_criteria_set_then_it_is_refused():
    refused([], lambda s: s.open("00004", "01", "001", 2022, "99-2099", "1", "district"),
            match="no deadlines")


# --- figures and self-assessment --------------------------------------------------------

def test_given_an_open_assessment_when_figures_are_recorded_then_they_are_stored_as_json():
    [event] = a(opened()).record_figures("C1-I2", {"done": 9, "rate": Decimal("90.5")}, CAT)
    assert event.type == "FiguresRecorded"
    assert event.data == {"commune_code": "00004", "year": 2022, "indicator_id": "C1-I2",
                          "figures": {"done": 9, "rate": "90.5"}}


@pytest.mark.parametrize("indicator, figures, match", [
    ("C9-I9", {"done": 1}, "not in criteria set 25-2021 version 2021.1"),
    ("C1-I1", {"assigned": 1}, "needs the number done"),
    ("C1-I1", {"done": 0.5}, "floats"),
    ("C1-I1", ["done"], "mapping"),
])
def test_given_an_open_assessment_when_bad_figures_are_recorded_then_they_are_refused(
        indicator, figures, match):
    refused(opened(), lambda s: s.record_figures(indicator, figures, CAT), match=match)


# --- several indicators in one act ------------------------------------------------------

def test_given_a_draft_when_a_criterions_figures_are_sent_together_then_each_is_recorded():
    events = a(opened()).record_indicators_figures({"C1-I1": {"done": 1}, "C1-I2": {"done": 9}}, CAT)
    assert [(e.type, e.data["indicator_id"]) for e in events] == [
        ("FiguresRecorded", "C1-I1"), ("FiguresRecorded", "C1-I2")]


def test_given_one_bad_indicator_among_several_then_none_is_recorded_and_it_is_named():
    error = refused(opened(), lambda s: s.record_indicators_figures(
        {"C1-I1": {"done": 1}, "C1-I2": {"assigned": 3}}, CAT), match="needs the number done")
    assert error.details["indicator_id"] == "C1-I2"
    refused(opened(), lambda s: s.record_indicators_figures({}, CAT), match="at least one")


def test_given_a_submitted_self_assessment_then_figures_sent_together_are_refused():
    refused(self_assessed(), lambda s: s.record_indicators_figures({"C1-I1": {"done": 1}}, CAT),
            error=IllegalTransition)


def test_given_an_appraisal_when_every_indicator_is_scored_at_once_then_each_is_recorded():
    events = a(under_appraisal()).appraise_indicators({
        "C1-I1": {"points": "3.00", "reason": "Đủ văn bản"},
        "C1-I2": {"points": "6.30", "reason": "90% đúng luật"}}, CAT)
    assert [(e.data["indicator_id"], e.data["points"]) for e in events] == [
        ("C1-I1", "3.00"), ("C1-I2", "6.30")]
    error = refused(under_appraisal(), lambda s: s.appraise_indicators({
        "C1-I1": {"points": "3.00", "reason": "Đủ"}, "C1-I2": {"points": "9.00", "reason": "?"}},
        CAT), match="outside|0")
    assert error.details["indicator_id"] == "C1-I2"


# --- evidence files ---------------------------------------------------------------------

def test_given_a_draft_when_a_file_is_attached_then_the_indicator_lists_it_with_what_was_found():
    [event] = a(drafted()).attach_evidence("C1-I1", PDF_FILE, CAT, "officer-1", UPLOADED_AT)
    assert event.type == "EvidenceAttached"
    assert event.data == {"commune_code": "00004", "year": 2022, "indicator_id": "C1-I1",
                          **PDF_FILE, "uploaded_by": "officer-1",
                          "uploaded_at": "2022-12-01T09:30:00+07:00", "supplement": None}
    body = a(record(drafted(), [event])).to_dict()
    assert body["evidence"] == {"C1-I1": [{**PDF_FILE, "uploaded_by": "officer-1",
                                           "uploaded_at": "2022-12-01T09:30:00+07:00",
                                           "supplement": None}]}


def with_files():
    return run(drafted(),
               lambda s: s.attach_evidence("C1-I1", PDF_FILE, CAT, "officer-1", UPLOADED_AT),
               lambda s: s.attach_evidence("C1-I1", PHOTO, CAT, "officer-1", UPLOADED_AT))


def test_given_files_when_the_figures_are_recorded_again_then_the_files_stay():
    history = then(with_files(), lambda s: s.record_figures("C1-I1", {"done": 3}, CAT))
    body = a(history).to_dict()
    assert body["figures"]["C1-I1"] == {"done": 3}
    assert [f["file_name"] for f in body["evidence"]["C1-I1"]] == ["Biên bản họp.pdf",
                                                                  "ảnh niêm yết.jpg"]


def test_given_a_file_when_the_same_content_is_attached_again_then_it_is_refused_by_name():
    error = refused(with_files(), lambda s: s.attach_evidence(
        "C1-I1", {**PDF_FILE, "file_name": "ban-sao.pdf"}, CAT, "officer-1", UPLOADED_AT),
        EvidenceAlreadyAttached)
    assert error.http_status == 409 and error.code == "evidence_already_attached"
    assert "“Biên bản họp.pdf”" in error.message
    # the same file may back another indicator
    [event] = a(with_files()).attach_evidence("C1-I2", PDF_FILE, CAT, "officer-1", UPLOADED_AT)
    assert event.data["indicator_id"] == "C1-I2"


@pytest.mark.parametrize("indicator, file, match", [
    ("C9-I9", PDF_FILE, "not in criteria set"),
    ("C1-I2", {**PDF_FILE, "sha256": "AB" * 32}, "SHA-256"),
    ("C1-I2", {**PDF_FILE, "size": 0}, "Kích thước"),
    ("C1-I2", {**PDF_FILE, "media_type": "application/x-msdownload"}, "Loại tệp"),
    ("C1-I2", {**PDF_FILE, "media_type": ["application/pdf"]}, "Loại tệp"),
    ("C1-I2", {**PDF_FILE, "file_name": "../../etc/passwd"}, "Tên tệp"),
    ("C1-I2", {**PDF_FILE, "file_name": "x" * 256}, "Tên tệp"),
    ("C1-I2", {**PDF_FILE, "signatures": None}, "chữ ký số"),
    ("C1-I2", {**PHOTO, "signatures": SIGNATURES}, "chữ ký số"),
    ("C1-I2", {**PDF_FILE, "signatures": {"checked": 0.5}}, "không lưu được"),
    ("C1-I2", "bien-ban.pdf", "đối tượng"),
])
def test_given_a_draft_when_a_file_is_badly_described_then_it_is_refused(indicator, file, match):
    refused(drafted(), lambda s: s.attach_evidence(indicator, file, CAT, "officer-1", UPLOADED_AT),
            match=match)


def test_given_a_draft_when_a_file_is_removed_then_the_indicator_no_longer_lists_it():
    [event] = a(with_files()).remove_evidence("C1-I1", SHA)
    assert event.type == "EvidenceRemoved"
    assert event.data == {"commune_code": "00004", "year": 2022, "indicator_id": "C1-I1",
                          "sha256": SHA, "file_name": "Biên bản họp.pdf"}
    assert [f["sha256"] for f in a(record(with_files(), [event])).to_dict()["evidence"]["C1-I1"]] \
        == [OTHER_SHA]
    error = refused(with_files(), lambda s: s.remove_evidence("C1-I2", SHA), NotFound)
    assert error.http_status == 404


def test_given_a_submitted_self_assessment_then_files_may_be_added_but_not_removed():
    history = then(with_files(), lambda s: s.submit_self_assessment(CAT))
    assert a(history).allowed_commands == ("start_posting", "reopen_self_assessment",
                                          "attach_evidence")
    refused(history, lambda s: s.remove_evidence("C1-I1", SHA), IllegalTransition)
    [event] = a(history).attach_evidence("C1-I2", PHOTO, CAT, "officer-1", UPLOADED_AT)
    assert event.data["supplement"] is None


def test_given_a_submitted_dossier_then_files_come_only_in_answer_to_a_supplement_request():
    error = refused(dossier_submitted(), COMMANDS["attach_evidence"], IllegalTransition)
    assert "attach_evidence" not in error.details["allowed"]
    history = then(dossier_submitted(), lambda s: s.request_supplement("Thiếu ảnh", date(2023, 1, 6)))
    [event] = a(history).attach_evidence("C1-I2", PHOTO, CAT, "officer-1", UPLOADED_AT)
    assert event.data["supplement"] == 1
    history = run(record(history, [event]),
                  lambda s: s.provide_supplement(date(2023, 1, 7), "Đã bổ sung ảnh"))
    assert a(history).to_dict()["evidence"]["C1-I2"][0]["supplement"] == 1
    refused(history, COMMANDS["attach_evidence"], IllegalTransition)


def test_files_typed_in_with_the_figures_before_uploads_existed_are_still_read():
    legacy = [{"file_name": "report.pdf", "sha256": SHA, "size": 1024, "uploaded_by": "officer-1"}]
    history = record(opened(), [NewEvent("FiguresRecorded", {
        "commune_code": "00004", "year": 2022, "indicator_id": "C1-I1", "figures": {"done": 1},
        "evidence": legacy})])
    assert a(history).to_dict()["evidence"] == {"C1-I1": legacy}
    history = then(history, lambda s: s.record_figures("C1-I1", {"done": 2}, CAT))
    assert a(history).to_dict()["evidence"] == {"C1-I1": legacy}


def test_given_the_catalogues_refusal_then_its_details_are_kept_with_the_state():
    error = refused(opened(), lambda s: s.record_figures("C1-I1", {}, CAT))
    assert error.details["missing"] == ["done"] and error.details["indicator_id"] == "C1-I1"


def test_given_all_figures_when_the_self_assessment_is_submitted_then_it_lists_the_indicators():
    [event] = a(drafted()).submit_self_assessment(CAT)
    assert event.type == "SelfAssessmentSubmitted"
    assert event.data["indicator_ids"] == ["C1-I1", "C1-I2"]
    assert a(self_assessed()).state == n.SELF_ASSESSED


def test_given_missing_figures_when_the_self_assessment_is_submitted_then_it_is_refused():
    history = then(opened(), lambda s: s.record_figures("C1-I1", {"done": 1}, CAT))
    error = refused(history, lambda s: s.submit_self_assessment(CAT), match="C1-I2")
    assert error.details["missing"] == ["C1-I2"]


def test_given_a_submitted_assessment_when_figures_are_recorded_then_it_is_refused():
    refused(self_assessed(), COMMANDS["record_figures"], IllegalTransition)


def test_the_test_catalogue_satisfies_the_protocol():
    assert isinstance(CAT, CriteriaCatalogue)


# --- public posting ---------------------------------------------------------------------

def test_given_25_2021_when_posting_starts_then_the_minimum_is_five_calendar_days():
    [event] = a(self_assessed()).start_posting(date(2022, 12, 20), "office")
    assert event.type == "PostingStarted"
    assert event.data == {"commune_code": "00004", "year": 2022, "start": "2022-12-20",
                          "channel": "office", "minimum_end": "2022-12-24", "minimum": 5,
                          "unit": "calendar_days", "provisional": False}


def test_given_619_when_posting_starts_then_ten_working_days_span_the_weekends():
    history = self_assessed(regime="619-2017", year=2019)
    [event] = a(history).start_posting(date(2019, 11, 6), "portal")
    assert (event.data["minimum_end"], event.data["unit"]) == ("2019-11-19", "working_days")


def test_given_27_2025_when_posting_starts_then_the_minimum_is_marked_provisional():
    history = self_assessed(regime="27-2025", year=2025, level="province", district=None)
    [event] = a(history).start_posting(date(2025, 12, 22), "radio")
    assert event.data["provisional"] is True and event.data["minimum_end"] == "2025-12-26"


def test_given_a_self_assessment_when_posting_on_an_unknown_channel_then_it_is_refused():
    refused(self_assessed(), lambda s: s.start_posting(date(2022, 12, 20), "newspaper"),
            match="office, portal, radio")


def test_given_a_posting_when_a_comment_is_recorded_and_answered_then_both_are_kept():
    [event] = a(posting()).record_comment("c2", "Please explain", date(2022, 12, 22))
    assert event.type == "CommentRecorded"
    assert event.data["author"] is None and event.data["received_on"] == "2022-12-22"
    [answer] = a(posting()).answer_comment("c1", "Explained", date(2022, 12, 22))
    assert answer.type == "CommentAnswered"
    comments = a(posted()).to_dict()["posting"]["comments"]
    assert comments == [{"comment_id": "c1", "received_on": "2022-12-21", "author": "Nguyễn Văn A",
                         "text": "Score of C1-I2 looks high", "answer": "Explained at the meeting",
                         "answered_on": "2022-12-23"}]


def test_given_a_posting_when_a_comment_id_is_reused_then_it_is_refused():
    refused(posting(), lambda s: s.record_comment("c1", "again", date(2022, 12, 22)),
            match="already recorded")


def test_given_a_posting_when_an_unknown_comment_is_answered_then_it_is_refused():
    refused(posting(), lambda s: s.answer_comment("c9", "answer", date(2022, 12, 22)),
            match="no comment with id 'c9'")


def test_given_an_answered_comment_when_answered_again_then_it_is_refused():
    refused(posted(), lambda s: s.answer_comment("c1", "again", date(2022, 12, 26)),
            match="already answered")


def test_given_a_posting_when_a_comment_is_dated_before_the_posting_then_it_is_refused():
    error = refused(posting(), lambda s: s.record_comment("c2", "early", date(2022, 12, 19)),
                    DateOutOfOrder, match="21/12/2022")
    assert error.details["previous_step_on"] == "2022-12-21"


def test_given_a_posting_when_ended_before_the_minimum_then_it_is_an_illegal_transition():
    error = refused(posting(), lambda s: s.end_posting(date(2022, 12, 23)), IllegalTransition,
                    match="2022-12-24")
    assert error.details["minimum_end"] == "2022-12-24" and error.details["state"] == n.POSTING


def test_given_619_when_the_posting_ends_on_the_ninth_working_day_then_it_is_refused():
    history = then(self_assessed(regime="619-2017", year=2019),
                   lambda s: s.start_posting(date(2019, 11, 6), "office"))
    refused(history, lambda s: s.end_posting(date(2019, 11, 18)), IllegalTransition)
    assert a(history).end_posting(date(2019, 11, 19))[0].type == "PostingEnded"


def test_given_a_posting_when_ended_on_the_minimum_end_then_it_ends():
    [event] = a(posting()).end_posting(date(2022, 12, 24))
    assert event.type == "PostingEnded" and event.data["ended_on"] == "2022-12-24"


def test_given_an_ended_posting_when_a_comment_arrives_then_it_is_refused():
    refused(posted(), COMMANDS["record_comment"], IllegalTransition)


def test_given_an_ended_posting_then_comments_can_still_be_answered():
    history = run(posting(), lambda s: s.end_posting(date(2022, 12, 24)),
                  lambda s: s.answer_comment("c1", "Answered late", date(2022, 12, 26)))
    assert a(history).to_dict()["posting"]["comments"][0]["answer"] == "Answered late"


# --- dossier ----------------------------------------------------------------------------

def test_given_a_posted_assessment_when_the_dossier_is_submitted_in_time_then_it_is_not_late():
    [event] = a(posted()).submit_dossier(date(2023, 1, 9))
    assert event.type == "DossierSubmitted"
    assert event.data == {"commune_code": "00004", "year": 2022, "submitted_on": "2023-01-09",
                          "due_before": "2023-01-10", "late": False, "requests_recognition": True}


@pytest.mark.parametrize("day", [date(2023, 1, 10), date(2023, 2, 1)])
def test_given_a_posted_assessment_when_the_dossier_is_submitted_on_or_after_10_01_then_it_is_late(day):
    [event] = a(posted()).submit_dossier(day)
    assert event.data["late"] is True


def test_given_a_commune_not_meeting_the_conditions_then_it_still_submits_its_dossier():
    [event] = a(posted()).submit_dossier(date(2023, 1, 5), requests_recognition=False)
    assert event.data["requests_recognition"] is False


def test_given_an_unanswered_comment_when_the_dossier_is_submitted_then_it_is_refused():
    history = then(posting(), lambda s: s.end_posting(date(2022, 12, 24)))
    error = refused(history, lambda s: s.submit_dossier(date(2023, 1, 5)), match="unanswered")
    assert error.details["unanswered"] == ["c1"]


def test_given_a_time_late_in_the_evening_utc_then_the_dossier_day_is_vietnams():
    [event] = a(posted()).submit_dossier(datetime(2023, 1, 9, 18, 30, tzinfo=UTC))
    assert (event.data["submitted_on"], event.data["late"]) == ("2023-01-10", True)


# --- justice office check and supplements -----------------------------------------------

def test_given_a_dossier_when_the_check_passes_then_the_council_can_start():
    [event] = a(dossier_submitted()).pass_check(date(2023, 1, 9))
    assert event.type == "DossierCheckPassed" and event.data["checked_on"] == "2023-01-09"
    assert a(checked()).allowed_commands == ("start_appraisal",)


def test_given_a_dossier_when_a_supplement_is_requested_just_before_tet_then_it_is_due_after_tet():
    [event] = a(dossier_submitted()).request_supplement("Mẫu 03 is missing", date(2023, 1, 19))
    assert event.type == "SupplementRequested"
    assert event.data == {"commune_code": "00004", "year": 2022, "number": 1,
                          "reason": "Mẫu 03 is missing", "requested_on": "2023-01-19",
                          "due": "2023-01-31"}


def test_given_a_dossier_when_a_supplement_is_requested_before_30_4_then_the_break_is_skipped():
    [event] = a(dossier_submitted()).request_supplement("Evidence", date(2023, 4, 28))
    assert event.data["due"] == "2023-05-08"


def test_given_619_when_clarification_is_requested_then_the_commune_has_five_working_days():
    history = run(self_assessed(regime="619-2017", year=2019),
                  lambda s: s.start_posting(date(2019, 11, 6), "office"),
                  lambda s: s.end_posting(date(2019, 11, 19)),
                  lambda s: s.submit_dossier(date(2019, 12, 2)))
    [event] = a(history).request_supplement("Score sheet unsigned", date(2019, 12, 27))
    assert event.data["due"] == "2020-01-06"


def test_given_a_dossier_when_a_supplement_is_requested_without_a_reason_then_it_is_refused():
    refused(dossier_submitted(), lambda s: s.request_supplement("  ", date(2023, 1, 19)),
            match="reason")


@pytest.mark.parametrize("day, late", [(date(2023, 1, 31), False), (date(2023, 2, 1), True)])
def test_given_a_supplement_request_when_provided_then_lateness_is_recorded_not_refused(day, late):
    [event] = a(supplement_requested()).provide_supplement(day, "Mẫu 03 attached")
    assert event.type == "SupplementProvided"
    assert event.data == {"commune_code": "00004", "year": 2022, "number": 1,
                          "provided_on": day.isoformat(), "late": late, "note": "Mẫu 03 attached"}


def test_given_a_supplement_provided_then_the_justice_office_checks_again():
    history = then(supplement_requested(),
                   lambda s: s.provide_supplement(date(2023, 1, 30), "attached"))
    assert a(history).state == n.DOSSIER_SUBMITTED
    history = run(history, lambda s: s.request_supplement("Still unsigned", date(2023, 1, 31)),
                  lambda s: s.provide_supplement(date(2023, 2, 1), "signed"),
                  lambda s: s.pass_check(date(2023, 2, 2)))
    supplements = a(history).to_dict()["supplements"]
    assert [s["number"] for s in supplements] == [1, 2]
    assert supplements[1]["due"] == "2023-02-03" and a(history).state == n.CHECKED


def test_given_a_supplement_request_when_provided_before_it_was_requested_then_it_is_refused():
    refused(supplement_requested(), lambda s: s.provide_supplement(date(2023, 1, 18), "x"),
            DateOutOfOrder, match="19/01/2023")


# --- council appraisal ------------------------------------------------------------------

def test_given_a_checked_dossier_when_the_appraisal_starts_then_the_council_size_is_kept():
    [event] = a(checked()).start_appraisal(date(2023, 1, 30), 15, "meeting")
    assert event.type == "AppraisalStarted"
    assert event.data == {"commune_code": "00004", "year": 2022, "started_on": "2023-01-30",
                          "council_size": 15, "method": "meeting"}


@pytest.mark.parametrize("size, method, match", [
    (16, "meeting", "between 1 and 15"), (0, "meeting", "between 1 and 15"),
    (True, "meeting", "between 1 and 15"), (5, "email", "meeting, written")])
def test_given_a_checked_dossier_when_the_council_is_malformed_then_it_is_refused(size, method, match):
    refused(checked(), lambda s: s.start_appraisal(date(2023, 1, 30), size, method), match=match)


@pytest.mark.parametrize("size, needed", [(15, 10), (9, 6), (5, 4), (4, 3), (3, 2), (1, 1)])
def test_the_quorum_is_two_thirds_rounded_up(size, needed):
    assert quorum(size) == needed


def test_given_an_appraisal_when_a_member_gives_an_opinion_then_it_is_recorded():
    [event] = a(under_appraisal()).record_opinion("Trần Thị B", "vice-chair", "Agree", "writing")
    assert event.type == "OpinionRecorded"
    assert event.data == {"commune_code": "00004", "year": 2022, "member_name": "Trần Thị B",
                          "role": "vice-chair", "opinion": "Agree", "given_by": "writing",
                          "given_on": None}


def test_given_an_appraisal_when_a_member_gives_a_second_opinion_then_it_is_refused():
    refused(appraisal_ready(), lambda s: s.record_opinion("Member 0", "member", "x", "writing"),
            match="already given")


def test_given_a_full_council_when_another_opinion_arrives_then_it_is_refused():
    refused(appraisal_ready(present=5),
            lambda s: s.record_opinion("Stranger", "member", "x", "writing"),
            match="Every member")


def test_given_a_written_appraisal_when_an_opinion_is_given_by_meeting_then_it_is_refused():
    refused(under_appraisal(method="written"),
            lambda s: s.record_opinion("A", "member", "x", "meeting"), match="no meeting")


def test_given_an_appraisal_when_an_indicator_is_scored_then_points_have_two_places():
    [event] = a(under_appraisal()).appraise_indicator("C1-I2", Decimal("6.3"), "90% lawful", CAT)
    assert event.type == "IndicatorAppraised"
    assert event.data == {"commune_code": "00004", "year": 2022, "indicator_id": "C1-I2",
                          "points": "6.30", "reason": "90% lawful"}


def test_given_a_scored_indicator_when_scored_again_then_the_latest_score_counts():
    history = then(appraisal_ready(), lambda s: s.appraise_indicator("C1-I1", "2", "Late", CAT))
    assert a(history).to_dict()["appraisal"]["scores"]["C1-I1"] == {"points": "2.00",
                                                                    "reason": "Late"}


@pytest.mark.parametrize("indicator, points, match", [
    ("C1-I1", Decimal("3.01"), "between 0 and 3"), ("C1-I1", "-0.25", "between 0 and 3"),
    ("C1-I1", 2.5, "never a float"), ("C1-I1", "1.005", "two decimal places"),
    ("C1-I1", "abc", "must be a number"), ("C1-I1", "NaN", "two decimal places"),
    ("C7-I1", "1", "not in criteria set"),
])
def test_given_an_appraisal_when_an_indicator_is_scored_out_of_range_then_it_is_refused(
        indicator, points, match):
    refused(under_appraisal(), lambda s: s.appraise_indicator(indicator, points, "r", CAT),
            match=match)


def test_given_an_appraisal_when_a_score_has_no_reason_then_it_is_refused():
    refused(under_appraisal(), lambda s: s.appraise_indicator("C1-I1", "1", "", CAT),
            match="reason")


def test_given_scores_and_a_quorum_when_the_appraisal_completes_then_the_total_is_recorded():
    [event] = a(appraisal_ready()).complete_appraisal(date(2023, 2, 1), CAT)
    assert event.type == "AppraisalCompleted"
    assert event.data == {"commune_code": "00004", "year": 2022, "completed_on": "2023-02-01",
                          "total": "9.30", "present": 4, "quorum_met": True}
    appraisal = a(appraised()).to_dict()["appraisal"]
    assert (appraisal["quorum"], appraisal["quorum_met"]) == (4, True)


def test_given_a_meeting_below_quorum_when_the_appraisal_completes_then_it_is_refused():
    error = refused(appraisal_ready(present=3),
                    lambda s: s.complete_appraisal(date(2023, 2, 1), CAT), match="two thirds")
    assert (error.details["present"], error.details["needed"]) == (3, 4)


def test_given_written_opinions_from_absent_members_then_they_do_not_count_for_the_quorum():
    history = run(appraisal_ready(present=3),
                  lambda s: s.record_opinion("Absent", "member", "Agree", "writing"))
    refused(history, lambda s: s.complete_appraisal(date(2023, 2, 1), CAT), match="3 of 5")


def test_given_a_written_appraisal_then_no_quorum_applies():
    history = run(under_appraisal(method="written", size=9),
                  lambda s: s.record_opinion("A", "chair", "Agree", "writing"),
                  lambda s: s.appraise_indicator("C1-I1", "3", "ok", CAT),
                  lambda s: s.appraise_indicator("C1-I2", "7", "ok", CAT),
                  lambda s: s.complete_appraisal(date(2023, 2, 1), CAT))
    appraisal = a(history).to_dict()["appraisal"]
    assert (appraisal["quorum_met"], appraisal["quorum"], appraisal["total"]) == (None, None, "10.00")


def test_given_unscored_indicators_when_the_appraisal_completes_then_it_is_refused():
    history = run(under_appraisal(),
                  *[lambda s, i=i: s.record_opinion(f"M{i}", "member", "ok", "meeting")
                    for i in range(4)],
                  lambda s: s.appraise_indicator("C1-I1", "3", "ok", CAT))
    error = refused(history, lambda s: s.complete_appraisal(date(2023, 2, 1), CAT), match="C1-I2")
    assert error.details["missing"] == ["C1-I2"]


def test_given_no_opinions_when_the_appraisal_completes_then_it_is_refused():
    history = run(under_appraisal(method="written"),
                  lambda s: s.appraise_indicator("C1-I1", "3", "ok", CAT),
                  lambda s: s.appraise_indicator("C1-I2", "7", "ok", CAT))
    refused(history, lambda s: s.complete_appraisal(date(2023, 2, 1), CAT), match="opinion")


# --- decision and revocation ------------------------------------------------------------

def test_given_an_appraisal_when_the_chairman_decides_in_time_then_publication_is_due_in_two_working_days():
    [event] = a(appraised()).decide(True, "15/QĐ-UBND", date(2023, 2, 6))
    assert event.type == "RecognitionDecided"
    assert event.data == {"commune_code": "00004", "year": 2022, "recognised": True,
                          "decision_number": "15/QĐ-UBND", "decision_date": "2023-02-06",
                          "due_before": "2023-02-10", "late": False,
                          "publication_due": "2023-02-08"}
    assert a(recognised()).state == n.RECOGNISED


@pytest.mark.parametrize("day, late", [(date(2023, 2, 9), False), (date(2023, 2, 10), True),
                                       (date(2023, 3, 1), True)])
def test_given_an_appraisal_when_the_decision_is_signed_on_or_after_10_02_then_it_is_late(day, late):
    [event] = a(appraised()).decide(False, "16/QĐ-UBND", day)
    assert event.data["late"] is late


def test_given_an_appraisal_when_the_decision_predates_it_then_it_is_refused():
    error = refused(appraised(), lambda s: s.decide(True, "1/QĐ", date(2023, 1, 31)),
                    DateOutOfOrder, match="ngày hoàn thành thẩm định")
    assert error.details["previous_step"] == "complete_appraisal"


def test_given_an_appraisal_when_decided_on_the_same_day_then_it_is_accepted():
    assert a(appraised()).decide(True, "1/QĐ", date(2023, 2, 1))[0].data["late"] is False


@pytest.mark.parametrize("recognised, number, match", [("yes", "1/QĐ", "either"),
                                                       (True, "", "decision number")])
def test_given_an_appraisal_when_the_decision_is_malformed_then_it_is_refused(recognised, number, match):
    refused(appraised(), lambda s: s.decide(recognised, number, date(2023, 2, 6)), match=match)


def test_given_a_not_recognised_decision_then_the_assessment_is_final():
    state = a(not_recognised())
    assert (state.state, state.allowed_commands) == (n.NOT_RECOGNISED, ())


def test_given_a_recognised_commune_when_revoked_then_the_reason_is_kept():
    [event] = a(recognised()).revoke("Scores were falsified", date(2023, 6, 1), "99/QĐ-UBND")
    assert event.type == "RecognitionRevoked"
    assert event.data == {"commune_code": "00004", "year": 2022, "reason": "Scores were falsified",
                          "revoked_on": "2023-06-01", "decision_number": "99/QĐ-UBND"}
    assert a(revoked()).to_dict()["revocation"]["reason"] == "Scores were falsified"


def test_given_a_not_recognised_decision_when_revoked_then_it_is_an_illegal_transition():
    error = refused(not_recognised(), lambda s: s.revoke("x", date(2023, 6, 1)), IllegalTransition)
    assert error.details["allowed"] == []


def test_given_a_recognised_commune_when_revoked_without_reason_or_before_the_decision_then_it_is_refused():
    refused(recognised(), lambda s: s.revoke("", date(2023, 6, 1)), match="reason")
    refused(recognised(), lambda s: s.revoke("x", date(2023, 2, 5)), DateOutOfOrder)


# --- rebuilding and the read model ------------------------------------------------------

@pytest.mark.parametrize("stage", list(STAGES))
def test_rebuilding_from_events_equals_the_state_reached_by_commands(stage):
    history = STAGES[stage]()
    reached = CommuneAssessment.from_events([])
    for event in history:
        reached = reached.apply([event])
    assert reached.to_dict() == a(history).to_dict()
    assert a(history).state == stage


def test_applying_events_leaves_the_original_unchanged():
    original = a(posting())
    before = original.to_dict()
    original.apply(original.end_posting(date(2022, 12, 24)))
    assert original.to_dict() == before


def test_every_event_of_a_full_life_is_plain_json():
    history = revoked()
    assert [e.type for e in history] == [
        "AssessmentOpened", "FiguresRecorded", "FiguresRecorded", "SelfAssessmentSubmitted",
        "PostingStarted", "CommentRecorded", "CommentAnswered", "PostingEnded",
        "DossierSubmitted", "DossierCheckPassed", "AppraisalStarted", "OpinionRecorded",
        "OpinionRecorded", "OpinionRecorded", "OpinionRecorded", "IndicatorAppraised",
        "IndicatorAppraised", "AppraisalCompleted", "RecognitionDecided", "RecognitionRevoked"]
    for event in history:
        assert to_json_value(event.data) == event.data


def test_unknown_event_types_are_skipped_when_rebuilding():
    history = record(opened(), [])
    history.append(RecordedEvent(source="assessment", position=2, id="x", stream="s", version=2,
                                 type="SomethingNew", schema_version=1, data={}, metadata={},
                                 prev_hash="0" * 64, hash="0" * 64))
    assert (a(history).state, a(history).version) == (n.DRAFTING, 2)


def test_the_read_model_shows_every_part_of_a_decided_assessment():
    body = a(recognised()).to_dict()
    assert body["state"] == "recognised" and body["status"] == "Recognised"
    assert (body["criteria_set_id"], body["criteria_set_version"]) == ("25-2021", "2021.1")
    assert body["reviewing_level"] == "district"
    assert body["figures"]["C1-I2"] == {"done": 9, "rate": "90.00"}
    assert body["posting"]["minimum_end"] == "2022-12-24"
    assert body["posting"]["ended_on"] == "2022-12-24"
    assert body["dossier"] == {"submitted_on": "2023-01-05", "due_before": "2023-01-10",
                               "late": False, "requests_recognition": True}
    assert body["check"] == {"passed_on": "2023-01-09"}
    assert len(body["appraisal"]["opinions"]) == 4
    assert body["decision"]["decision_number"] == "15/QĐ-UBND"
    assert body["revocation"] is None and body["allowed_commands"] == ["revoke"]
    assert body["version"] == 19


# --- declared conditions and pass/fail appraisal ----------------------------------------------

class PassFailCatalogue(Catalogue):
    """27/2025-like: C1-I1 is pass/fail, C1-I2 is scored; one declared condition."""

    def is_pass_fail(self, indicator_id):
        return indicator_id == "C1-I1"

    def condition_ids(self):
        return ["no_head_disciplined"]


PF = PassFailCatalogue()


def test_given_drafting_when_conditions_are_declared_then_they_and_the_class_are_kept():
    history = then(opened(), lambda s: s.declare_conditions({"no_head_disciplined": False}, PF, "II"))
    assert history[-1].type == n.CONDITIONS_DECLARED
    body = a(history).to_dict()
    assert body["declarations"] == {"no_head_disciplined": False} and body["commune_class"] == "II"
    history = then(history, lambda s: s.declare_conditions({"no_head_disciplined": True}, PF))
    body = a(history).to_dict()
    assert body["declarations"] == {"no_head_disciplined": True} and body["commune_class"] is None


@pytest.mark.parametrize("declarations, commune_class", [
    ({"colour": True}, None), ({"no_head_disciplined": "yes"}, None), ([], None),
    ({"no_head_disciplined": True}, "IV")])
def test_given_drafting_when_declarations_are_wrong_then_nothing_is_declared(declarations, commune_class):
    refused(opened(), lambda s: s.declare_conditions(declarations, PF, commune_class))


def test_given_a_pass_fail_indicator_when_appraised_then_achieved_is_recorded_without_points():
    history = then(under_appraisal(), lambda s: s.appraise_indicator("C1-I1", None, "all done", PF,
                                                                     achieved=True))
    assert a(history).to_dict()["appraisal"]["scores"]["C1-I1"] == {
        "points": None, "reason": "all done", "achieved": True}
    refused(under_appraisal(), lambda s: s.appraise_indicator("C1-I1", "1.00", "r", PF))
    refused(under_appraisal(), lambda s: s.appraise_indicator("C1-I2", "1.00", "r", PF, achieved=True))


def test_given_only_pass_fail_scores_when_the_appraisal_completes_then_it_has_no_total():
    class AllPassFail(PassFailCatalogue):
        def is_pass_fail(self, indicator_id):
            return True

    catalogue = AllPassFail()
    history = run(under_appraisal(),
                  lambda s: s.appraise_indicator("C1-I1", None, "ok", catalogue, achieved=True),
                  lambda s: s.appraise_indicator("C1-I2", None, "no", catalogue, achieved=False),
                  lambda s: s.record_opinion("Member A", "chair", "agree", "meeting"))
    state = a(history)
    needed = state.to_dict()["appraisal"]["quorum"] or 1
    for i in range(needed - 1):
        history = then(history, lambda s, i=i: s.record_opinion(f"M{i}", "member", "ok", "meeting"))
    history = then(history, lambda s: s.complete_appraisal(date(2023, 1, 30), catalogue))
    assert history[-1].data["total"] is None

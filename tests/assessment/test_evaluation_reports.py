"""Given/When/Then for the reviewing units' yearly reports (evaluation_reports.py): which unit
owes which report in a year, its status around the due date ("trước ngày 15/02": the 15th is
late), the paused year, the report of another level, and a report sent twice."""

from datetime import date

import pytest

from contracts.assessment import ReportAlreadySent
from kernel.errors import Conflict, DateInFuture, NotFound, ValidationFailed, YearPaused
from kernel.events import Actor, Metadata, RecordedEvent
from kernel.store import EventStore
from rules.criteria import set_for_year
from rules.deadlines import calendar_for
from services.assessment import criteria_sets, views
from services.assessment import evaluation_reports as reports
from services.assessment.catalogue import CriteriaSetCatalogue
from services.assessment.handlers import AssessmentHandlers

CAL_2021, CAL_2025 = calendar_for("25-2021"), calendar_for("27-2025")
THANH_HOA_CITY = reports.Unit("district", "380", "Thành phố Thanh Hóa", "38")
THANH_HOA = reports.Unit("province", "38", "Tỉnh Thanh Hóa", "38")
TODAY = date(2023, 3, 1)
PAUSE = {"scope_vi": "toàn quốc", "legal_basis": "Công văn số 1/BTP"}


def recorded(events, stream="s"):
    return [RecordedEvent("assessment", n, f"e{n}", stream, n, e.type, 1, e.data,
                          {"actor": "phongtp@test", "recorded_at": "2023-02-14T09:00:00+07:00"}, "", "")
            for n, e in enumerate(events, start=1)]


def send(unit=THANH_HOA_CITY, report="district_to_province", sent_on=date(2023, 2, 14),
         calendar=CAL_2021, year=2022, paused=None, level="district", history=()):
    current = reports.EvaluationReport.from_events(year, report, unit.code, recorded(list(history)))
    return current, current.send(calendar, unit, sent_on, "15/BC-UBND", TODAY, paused, level)


# -- due, overdue, sent, sent late: 25/2021's district report is due before 15/02 -----------------
@pytest.mark.parametrize("sent_on, as_of, expected", [
    (None, date(2023, 2, 13), "due"),
    (None, date(2023, 2, 14), "due"),          # the last day on time
    (None, date(2023, 2, 15), "overdue"),      # the due date itself is too late
    (date(2023, 2, 14), date(2023, 2, 20), "sent"),
    (date(2023, 2, 15), date(2023, 2, 20), "sent_late"),
    (date(2023, 2, 16), date(2023, 2, 15), "overdue"),  # sent after the day asked about
])
def test_given_the_due_date_when_asked_as_of_a_day_then_the_status_follows_it(sent_on, as_of, expected):
    due_before = CAL_2021.report_due("district_to_province", 2022)
    assert due_before == date(2023, 2, 15)
    assert reports.status(due_before, sent_on, as_of) == expected


def test_given_a_district_when_it_sends_on_the_last_day_then_it_is_on_time():
    _, events = send(sent_on=date(2023, 2, 14))
    assert events[0].type == "EvaluationReportSent"
    assert events[0].data == {"report_id": "district_to_province", "year": 2022, "level": "district",
                              "unit_code": "380", "province_code": "38", "sent_on": "2023-02-14",
                              "due_before": "2023-02-15", "late": False,
                              "document_number": "15/BC-UBND"}


def test_given_a_district_when_it_sends_on_the_due_date_then_it_is_late():
    _, events = send(sent_on=date(2023, 2, 15))
    assert events[0].data["late"] is True


def test_given_a_report_sent_when_sent_again_then_409_and_a_correction_keeps_both():
    _, first = send()
    current = reports.EvaluationReport.from_events(2022, "district_to_province", "380", recorded(first))
    with pytest.raises(ReportAlreadySent) as twice:
        current.send(CAL_2021, THANH_HOA_CITY, date(2023, 2, 16), None, TODAY, None, "district")
    assert twice.value.http_status == 409 and twice.value.code == "report_already_sent"
    assert "14/02/2023" in twice.value.message
    corrected = current.correct(CAL_2021, date(2023, 2, 13), "16/BC-UBND", "Ghi nhầm ngày", TODAY)
    assert corrected[0].data["previous"] == {"sent_on": "2023-02-14", "document_number": "15/BC-UBND"}
    after = reports.EvaluationReport.from_events(2022, "district_to_province", "380",
                                                 recorded(first + corrected))
    assert after.sent["sent_on"] == "2023-02-13" and after.corrections[0]["reason"] == "Ghi nhầm ngày"
    with pytest.raises(ValidationFailed):
        current.correct(CAL_2021, date(2023, 2, 13), None, "  ", TODAY)


def test_given_a_district_when_it_records_the_provinces_report_then_400_in_vietnamese():
    with pytest.raises(ValidationFailed) as refused:
        send(report="province_to_ministry")
    assert refused.value.key == "evaluation_report.wrong_level"
    assert "cấp tỉnh" in refused.value.message and "Thành phố Thanh Hóa" in refused.value.message


def test_given_27_2025_when_a_report_it_does_not_have_is_recorded_then_404_names_the_known_ones():
    with pytest.raises(NotFound) as refused:
        send(unit=THANH_HOA, report="district_to_province", calendar=CAL_2025, year=2026,
             sent_on=date(2027, 2, 1), level="province")
    assert refused.value.key == "evaluation_report.unknown_report"
    assert "province_to_ministry" in refused.value.message and "27-2025" in refused.value.message


def test_given_a_paused_year_when_a_report_is_recorded_then_409_year_paused():
    with pytest.raises(YearPaused) as refused:
        send(unit=THANH_HOA, report="province_to_ministry", paused=PAUSE)
    assert refused.value.code == "year_paused" and "Công văn số 1/BTP" in refused.value.message


def test_given_a_province_reviewing_itself_then_its_districts_owe_no_report():
    with pytest.raises(ValidationFailed) as refused:
        send(level="province")
    assert refused.value.key == "evaluation_report.district_not_reviewing"


@pytest.mark.parametrize("sent_on, error", [
    (date(2023, 3, 2), DateInFuture), (date(2022, 12, 31), ValidationFailed)])
def test_given_a_date_in_the_future_or_inside_the_year_then_it_is_refused(sent_on, error):
    with pytest.raises(error) as refused:
        send(sent_on=sent_on)
    assert refused.value.details["field"] == "sent_on"


# -- the year's list -----------------------------------------------------------------------------
def test_given_2022_when_thanh_hoa_is_listed_then_every_district_and_the_province_owe_reports():
    _, sent = send(sent_on=date(2023, 2, 14))
    events = recorded(sent, reports.stream_name(2022, "district_to_province", "380"))
    found = reports.year_reports(CAL_2021, 2022, events, lambda p: "district", lambda p: None,
                                 date(2023, 2, 15), province="38")
    districts = [line for line in found["lines"] if line["report_id"] == "district_to_province"]
    assert len(districts) == 27 and found["counts"] == {"sent": 1, "sent_late": 0, "due": 1,
                                                        "overdue": 26}
    assert districts[0]["unit_code"] == "380" and districts[0]["status"] == "sent"
    assert districts[0]["recorded_by"] == "phongtp@test"
    province = [line for line in found["lines"] if line["report_id"] == "province_to_ministry"]
    assert [(p["unit_code"], p["status"], p["due_before"]) for p in province] == [
        ("38", "due", "2023-02-20")]


def test_given_a_paused_province_or_a_province_reviewing_itself_then_it_owes_less():
    paused = reports.year_reports(CAL_2021, 2022, [], lambda p: "district", lambda p: PAUSE,
                                  date(2023, 3, 1), province="38")
    assert paused["lines"] == [] and paused["paused_provinces"] == ["38"]
    itself = reports.year_reports(CAL_2021, 2022, [], lambda p: "province", lambda p: None,
                                  date(2023, 3, 1), province="38")
    assert [line["report_id"] for line in itself["lines"]] == ["province_to_ministry"]


def test_given_2026_under_27_2025_then_only_the_provinces_report_is_owed_by_all_34():
    found = reports.year_reports(CAL_2025, 2026, [], lambda p: "province", lambda p: None,
                                 date(2027, 2, 19))
    assert {line["report_id"] for line in found["lines"]} == {"province_to_ministry"}
    assert found["counts"]["due"] == 34 and found["reports"][0]["provisional"] is True


# -- through the handlers, on a real store --------------------------------------------------------
@pytest.fixture
def store(database_url):
    store = EventStore(database_url, "assessment")
    store.migrate()
    yield store
    store.dispose()


def meta():
    return Metadata(actor=Actor(subject="phongtp@test", role="justice_officer",
                                jurisdiction={"province": "38", "district": "380"}))


def test_given_the_store_when_a_district_sends_twice_then_the_second_is_refused(store):
    sets = criteria_sets.all_sets(store)
    handlers = AssessmentHandlers(
        store, catalogue_for=lambda i, v: CriteriaSetCatalogue(views.find_criteria_set(sets, i, v)),
        criteria_set_for_year=lambda year: set_for_year(year, sets).key, today=lambda: TODAY)
    line = handlers.send_report(CAL_2021, 2022, "district_to_province", "380", "2023-02-14",
                                "15/BC-UBND", meta())
    assert (line["status"], line["recorded_by"], line["version"]) == ("sent", "phongtp@test", 1)
    with pytest.raises(Conflict):
        handlers.send_report(CAL_2021, 2022, "district_to_province", "380", "2023-02-14", None, meta())
    with pytest.raises(NotFound):
        handlers.send_report(CAL_2021, 2022, "district_to_province", "999", "2023-02-14", None, meta())
    listed = handlers.year_reports(CAL_2021, 2022, date(2023, 2, 20), "38", "380")
    assert [(x["unit_code"], x["status"]) for x in listed["lines"]] == [("380", "sent")]

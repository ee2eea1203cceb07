"""Plans as event-sourced aggregates: draft, review, issue, progress, overdue flags (with a
"today" the test controls), links to the assessment, views per agency and the summary."""

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kernel.errors import Forbidden, IllegalTransition, ValidationFailed
from kernel.events import Actor, Metadata, NewEvent
from kernel.projection import ProjectionProcessor, StoreSource
from kernel.store import EventStore
from services.plans import linked
from services.plans.handlers import PlanHandlers
from services.plans.plan import OVERDUE_FLAGGED
from tests.support.printing import assert_prints_on_a4

LAI_CHAU = (Path(__file__).resolve().parent.parent / "fixtures" / "plans" / "lai-chau-2021-plan.md"
            ).read_text(encoding="utf-8")
SHA = "ab" * 32
DECEMBER = """ỦY BAN NHÂN DÂN TỈNH LAI CHÂU
Số: 99/KH-UBND
Lai Châu, ngày 25 tháng 12 năm 2020

KẾ HOẠCH
Xây dựng cấp xã đạt chuẩn tiếp cận pháp luật năm 2021

II. NHIỆM VỤ
1. Đánh giá, công nhận.
- Đơn vị chủ trì: Sở Tư pháp.
- Thời gian thực hiện: Hằng năm.
"""


def meta(role="justice_officer"):
    return Metadata(actor=Actor(subject="officer@test", role=role, jurisdiction={"province": "12"}))


@pytest.fixture
def store(database_url):
    store = EventStore(database_url, "plans")
    store.migrate()
    yield store
    store.dispose()


@pytest.fixture
def handlers(store):
    return PlanHandlers(store)


def issued_plan(handlers, plan_id="lc2021"):
    handlers.import_plan(LAI_CHAU, "lai-chau.md", {"province": "12"}, meta(), plan_id)
    handlers.review(plan_id, "Đã rà soát", date(2021, 9, 1), meta())
    return handlers.issue(plan_id, "1234/KH-UBND", date(2021, 9, 10), meta())


def test_draft_review_issue(handlers):
    plan = handlers.import_plan(LAI_CHAU, "lai-chau.md", {"province": "12"}, meta(), "p1")
    assert plan.status == "draft" and len(plan.body["tasks"]) == 15
    with pytest.raises(IllegalTransition):
        handlers.issue("p1", "1/KH-UBND", None, meta())  # only after review
    handlers.review("p1", None, date(2021, 9, 1), meta())
    edited = handlers.edit("p1", {"number": "1234/KH-UBND", "date": "2021-09-10",
                                  "tasks": {"4.1": {"timeframe": "Quý I/2022",
                                                    "lead_agencies": ["12:so-tu-phap"]}}}, meta())
    assert edited.status == "draft"  # an edit needs another review
    assert edited._task("4.1")["due_dates"] == ["2022-03-31"]
    with pytest.raises(IllegalTransition):
        handlers.issue("p1", None, None, meta())
    handlers.review("p1", "OK", date(2021, 9, 2), meta())
    issued = handlers.issue("p1", None, None, meta())
    assert issued.status == "issued" and issued.body["number"] == "1234/KH-UBND"
    with pytest.raises(IllegalTransition):
        handlers.edit("p1", {"title": "x"}, meta())
    with pytest.raises(ValidationFailed):
        draft = handlers.import_plan(LAI_CHAU, "lai-chau.md", {"province": "12"}, meta(), "p2")
        draft.edit({"bogus": 1})


def test_progress_reports(handlers):
    issued_plan(handlers)
    plan = handlers.report("lc2021", "1.1", "12:so-tu-phap", "in_progress", 40, "Đang soạn",
                           None, date(2021, 10, 1), meta("agency_officer"))
    assert plan.progress["1.1"]["percent"] == 40
    with pytest.raises(Forbidden):  # the department of information does not lead 1.1
        handlers.report("lc2021", "1.1", "12:so-tttt", "in_progress", 50, None, None,
                        date(2021, 10, 1), meta("agency_officer"))
    for status, percent in (("completed", 90), ("in_progress", 101), ("done", 50)):
        with pytest.raises(ValidationFailed):
            handlers.report("lc2021", "1.1", None, status, percent, None, None, date(2021, 10, 1), meta())
    with pytest.raises(ValidationFailed):
        handlers.report("lc2021", "1.1", None, "completed", 100, None,
                        {"file_name": "kh.pdf", "sha256": "nothex"}, date(2021, 10, 1), meta())
    plan = handlers.report("lc2021", "1.1", None, "completed", 100, "Đã ban hành",
                           {"file_name": "kh.pdf", "sha256": SHA.upper()}, date(2021, 11, 1), meta())
    view = handlers.view(plan)
    first = view["tasks"][0]
    assert (first["status"], first["percent"]) == ("completed", 100)
    assert first["last_report"]["evidence"] == {"file_name": "kh.pdf", "sha256": SHA}
    assert len(first["reports"]) == 2


def test_overdue_flagged_on_the_day_after_the_due_date_once(handlers, store):
    issued_plan(handlers)
    handlers.report("lc2021", "1.2", None, "completed", 100, None, None, date(2021, 12, 1), meta())
    system = Metadata(actor=Actor.system("test"))
    assert handlers.check_overdue(date(2021, 12, 31), system) == []  # due today: not yet late
    flagged = handlers.check_overdue(date(2022, 1, 1), system)
    late = {(f["task"], f["due_date"]) for f in flagged}
    # Quarter IV/2021 and every yearly task's 2021 due date, but not the completed one.
    assert ("1.1", "2021-12-31") in late and ("2.2", "2021-12-31") in late
    assert not any(task == "1.2" for task, _ in late)
    assert not any(task in ("2.1", "4.1", "5.2") for task, _ in late)  # from / as guided / 2022+
    assert all(f["flagged_on"] == "2022-01-01" for f in flagged)
    assert handlers.check_overdue(date(2022, 1, 2), system) == []  # idempotent
    events = [e for e in store.read_stream("plan-lc2021") if e.type == OVERDUE_FLAGGED]
    assert len(events) == len(flagged)
    later = handlers.check_overdue(date(2023, 1, 1), system)
    assert {f["due_date"] for f in later} == {"2022-12-31"}
    assert ("5.2", "2022-12-31") in {(f["task"], f["due_date"]) for f in later}
    view = handlers.view(handlers.get("lc2021"))
    assert [f["due_date"] for f in view["tasks"][0]["overdue"]] == ["2021-12-31"]


def test_overdue_as_of_any_day_reads_the_progress_of_that_day_and_flags_nothing(handlers, store):
    issued_plan(handlers)  # dated 10/09/2021
    handlers.report("lc2021", "1.1", None, "in_progress", 50, None, None, date(2021, 12, 20), meta())
    handlers.report("lc2021", "1.1", None, "completed", 100, None, None, date(2022, 1, 10), meta())
    assert handlers.overdue("lc2021", date(2021, 12, 31))["tasks"] == []  # due that day: not late
    on = {(r["task"], r["due_date"]): r for r in handlers.overdue("lc2021", date(2022, 1, 5))["tasks"]}
    late = on[("1.1", "2021-12-31")]
    assert (late["percent"], late["status"], late["days_late"]) == (50, "in_progress", 5)
    # 01/01/2022 (New Year, a Saturday), 02/01 (Sunday) and 03/01 (the New Year holiday moved
    # to Monday) are not working days
    assert late["working_days_late"] == 2
    assert [a["id"] for a in late["lead_agencies"]] == ["12:so-tu-phap", "12:phong-tu-phap-cap-huyen"]
    assert ("2.2", "2021-12-31") in on and not any(t == "4.1" for t, _ in on)  # "as guided": no date
    after = handlers.overdue("lc2021", date(2022, 1, 11))["tasks"]
    assert not any(r["task"] == "1.1" for r in after)  # completed on 10/01
    assert handlers.overdue("lc2021", date(2021, 1, 1))["tasks"] == []  # before the plan existed
    assert not [e for e in store.read_stream("plan-lc2021") if e.type == OVERDUE_FLAGGED]


def test_the_plans_year_corrected_in_review_moves_the_yearly_due_dates(handlers):
    text = DECEMBER.replace("năm 2021", "")  # signed 25/12/2020, no year named: read as 2020
    plan = handlers.import_plan(text, "thang-12.txt", {"province": "12"}, meta(), "dec")
    assert plan.body["year"] == 2020 and "year_inferred" in {i["kind"] for i in plan.body["review"]["issues"]}
    fixed = handlers.edit("dec", {"year": 2021}, meta())
    assert (fixed.body["first_year"], fixed.body["last_year"]) == (2021, 2021)
    assert fixed.body["tasks"][0]["due_dates"] == ["2021-12-31"]


def test_drafts_are_never_flagged(handlers):
    handlers.import_plan(LAI_CHAU, "lai-chau.md", {"province": "12"}, meta(), "draft")
    assert handlers.check_overdue(date(2030, 1, 1), Metadata(actor=Actor.system("t"))) == []


def test_agency_view_and_list(handlers):
    issued_plan(handlers)
    tasks = handlers.agency_tasks("12:so-tttt")
    assert [(t["number"], t["role"]) for t in tasks] == [("2.1", "coordinating"), ("2.2", "coordinating")]
    leads = handlers.agency_tasks("12:so-tu-phap")
    assert len(leads) == 15 and all(t["role"] == "lead" for t in leads)
    assert handlers.list_plans("12")[0]["tasks"] == 15
    assert handlers.list_plans("38") == []


def test_linked_task_follows_the_assessment(handlers, store, tmp_path):
    issued_plan(handlers)
    district = "106"  # Tam Đường, Lai Châu
    from reference import units
    communes = [c.code for c in units.legacy_communes(district, 2022)]
    handlers.link("lc2021", "7.1", "12", district, 2022, "decided", meta())
    # The assessment's own log: the processor applies only events their source wrote.
    assessment = EventStore(f"sqlite:///{tmp_path}/assessment.sqlite", "assessment")
    assessment.migrate()
    processor = ProjectionProcessor(store, linked.AssessmentMilestones(),
                                    {"assessment": StoreSource(assessment)})
    linked.AssessmentMilestones().migrate(store.engine)
    for index, code in enumerate(communes[:2]):
        steps = [("AssessmentOpened", {"commune_code": code, "year": 2022, "province_code": "12",
                                       "district_code": district}),
                 ("DossierSubmitted", {}), ("AppraisalCompleted", {})]
        if index == 0:
            steps.append(("RecognitionDecided", {}))
        assessment.append(f"assessment-{code}-2022", 0,
                          [NewEvent(type_, data) for type_, data in steps], meta())
    processor.process(assessment.read_all())
    assessment.dispose()
    view = handlers.view(handlers.get("lc2021"))
    task = next(t for t in view["tasks"] if t["number"] == "7.1")
    total = len(communes)
    assert task["link"]["communes"] == total and task["link"]["counts"]["submitted"] == 2
    assert task["percent"] == 100 // total and task["status"] == "in_progress"
    with pytest.raises(IllegalTransition):
        handlers.report("lc2021", "7.1", None, "in_progress", 50, None, None, date(2022, 1, 1), meta())
    with pytest.raises(ValidationFailed):
        handlers.link("lc2021", "7.2", "12", district, 2025, "decided", meta())
    with pytest.raises(Forbidden):
        handlers.link("lc2021", "7.2", "38", None, 2022, "decided", meta())


def test_summary_export(handlers):
    issued_plan(handlers)
    handlers.report("lc2021", "1.1", None, "completed", 100, "Đã ban hành",
                    {"file_name": "kh.pdf", "sha256": SHA}, date(2021, 11, 1), meta())
    handlers.check_overdue(date(2022, 1, 1), Metadata(actor=Actor.system("t")))
    name, content = handlers.summary("lc2021", 2021, "tong_ket")
    assert name == "tong-ket-lc2021-2021.xlsx"
    sheet = load_workbook(io.BytesIO(content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[1][0] == "BÁO CÁO TỔNG KẾT THỰC HIỆN KẾ HOẠCH NĂM 2021"
    header = rows[4]
    assert header[:3] == ["STT", "Nhiệm vụ", "Cơ quan chủ trì"] and "Quá hạn" in header
    first = rows[5]
    assert first[0] == "1.1" and first[7] == "Đã hoàn thành" and first[8] == 100
    assert first[5] == "31/12/2021" and first[10].startswith("kh.pdf")
    second = rows[6]
    assert second[0] == "1.2" and second[11] == "Quá hạn 31/12/2021"
    assert_prints_on_a4(sheet, 5)  # the header row, repeated on every printed page
    with pytest.raises(ValidationFailed):
        handlers.summary("lc2021", 2021, "monthly")


def test_a_document_without_tasks_is_refused(handlers):
    with pytest.raises(ValidationFailed):
        handlers.import_plan("Không có gì", "x.txt", {"province": "12"}, meta())


def test_new_event_types_are_plain_json(handlers, store):
    issued_plan(handlers)
    assert {e.type for e in store.read_stream("plan-lc2021")} == {"PlanDrafted", "PlanReviewed",
                                                                  "PlanIssued"}
    assert isinstance(NewEvent("x", {}).id, str)

"""The assessment API through the real gateway and the real assessment service: roles,
jurisdictions, bad input (4xx and nothing written), criteria sets and the docs."""

import copy
import io
from datetime import date

import openpyxl
import pytest

from kernel import clock
from rules.criteria import load_builtin_sets
from tests.support.assessment_figures import full_figures
from tests.support.assessment_platform import assessment_platform, send, token

pytestmark = pytest.mark.broker

DONG_QUANG, DONG_PHU, YEAR = "16426", "16420", 2022  # Đông Sơn (405), Thanh Hóa (38)
URL = f"/api/v1/communes/{DONG_QUANG}/assessments/{YEAR}"
SET = load_builtin_sets()[("25-2021", 2)]
OFFICER = token("commune_officer", "38", "405", DONG_QUANG, sub="congchuc.dongquang@test")
OTHER_OFFICER = token("commune_officer", "38", "405", DONG_PHU, sub="congchuc.dongphu@test")
JUSTICE = token("justice_officer", "38", "405", sub="tuphap.dongson@test")
OTHER_DISTRICT = token("justice_officer", "38", "406")
PROVINCE_JUSTICE = token("justice_officer", "38")
OTHER_PROVINCE = token("justice_officer", "01")
ADMIN = token("administrator")
AUDITOR = token("auditor")


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('assessment-api')}/assessment.sqlite"
    with assessment_platform(url) as client:
        opened = send(client, "POST", URL, OFFICER)
        assert opened.status_code == 201, opened.text
        yield client


def version(api):
    return send(api, "GET", URL, AUDITOR).json()["version"]


def test_the_commune_officer_opens_and_reads_their_assessment(api):
    body = send(api, "GET", URL, OFFICER).json()
    assert body["state"] == "drafting" and body["district_code"] == "405"
    assert body["criteria_set_id"] == "25-2021" and body["criteria_set_provisional"] is True
    assert "declare_conditions" in body["allowed_commands"]


@pytest.mark.parametrize("reader, status", [
    (OTHER_OFFICER, 403), (OTHER_DISTRICT, 403), (OTHER_PROVINCE, 403), (JUSTICE, 200),
    (PROVINCE_JUSTICE, 200), (AUDITOR, 200), (ADMIN, 200), (None, 401)])
def test_reads_follow_the_jurisdiction_in_the_year(api, reader, status):
    assert send(api, "GET", URL, reader).status_code == status


def test_a_commune_of_any_province_opens_for_2023_and_the_rollup_counts_every_unit(api):
    # Hà Nội had no legacy data before the 63-province build; Phường Sài Đồng (00142, Quận
    # Long Biên) existed on 31 December 2023 and was merged away in 2024.
    sai_dong, long_bien = "00142", "004"
    officer = token("commune_officer", "01", long_bien, sai_dong, sub="congchuc.saidong@test")
    url = f"/api/v1/communes/{sai_dong}/assessments/2023"
    opened = send(api, "POST", url, officer)
    assert opened.status_code == 201, opened.text
    body = send(api, "GET", url, officer).json()
    assert (body["state"], body["district_code"], body["province_code"]) == (
        "drafting", long_bien, "01")
    assert send(api, "GET", url, token("commune_officer", "01", long_bien, "00139")).status_code == 403
    rollup = send(api, "GET", "/api/v1/provinces/01/assessments?year=2023", token("justice_officer", "01"))
    assert rollup.status_code == 200, rollup.text
    totals = rollup.json()["totals"]
    assert (totals["communes"], totals["assessments"], totals["not_opened"]) == (579, 1, 578)
    assert len(rollup.json()["districts"]) == 30
    line = next(c for c in rollup.json()["communes"] if c["commune_code"] == sai_dong)
    assert (line["commune_name"], line["district_name"]) == ("Phường Sài Đồng", "Quận Long Biên")
    # In 2024 it no longer existed: its successor is listed instead.
    lines_2024 = send(api, "GET", "/api/v1/provinces/01/assessments?year=2024",
                      token("justice_officer", "01")).json()["communes"]
    assert sai_dong not in {c["commune_code"] for c in lines_2024} and len(lines_2024) == 526


def test_another_communes_officer_cannot_write_and_nothing_changes(api):
    before = version(api)
    indicator = SET.indicators()[0]
    answer = send(api, "PUT", f"{URL}/figures/{indicator.id}", OTHER_OFFICER,
                  {"figures": full_figures(indicator)})
    assert answer.status_code == 403 and answer.json()["error"] == "forbidden"
    assert send(api, "POST", f"/api/v1/communes/{DONG_PHU}/assessments/{YEAR}/self-assessment",
                OFFICER, {}).status_code == 403
    assert version(api) == before


@pytest.mark.parametrize("method, path, who, status", [
    ("POST", "/dossier/check", OTHER_DISTRICT, 403),  # a justice office of another district
    ("POST", "/dossier/check", OFFICER, 403),  # a commune may not check its own dossier
    ("POST", "/decision", JUSTICE, 403),
    ("POST", "", ADMIN, 403),
])
def test_roles_and_districts_are_enforced_before_the_service(api, method, path, who, status):
    before = version(api)
    body = {"checked_on": "2023-01-03"} if path.endswith("check") else (
        {"recognised": True, "decision_number": "1", "decision_date": "2023-01-20"}
        if path == "/decision" else None)
    assert send(api, method, URL + path, who, body).status_code == status
    assert version(api) == before


def test_a_district_token_does_not_cover_a_2025_commune(api):
    answer = send(api, "GET", "/api/v1/communes/00004/assessments/2025",
                  token("justice_officer", "01", "001"))
    assert answer.status_code == 403


@pytest.mark.parametrize("path, body, status, error", [
    ("/figures/C1.I2", {"figures": {"lawful": 1, "issued": 2}, "colour": "red"}, 400,
     "validation_failed"),  # unknown field
    ("/figures/C1.I2", {"figures": "all done"}, 400, "validation_failed"),  # wrong type
    ("/figures/C1.I2", {"figures": {"lawful": 1.5, "issued": 2}}, 400, "validation_failed"),
    ("/figures/C1.I2", {"figures": {"lawful": 3, "issued": 2}}, 400, "validation_failed"),
    ("/figures/C9.I9", {"figures": {"achieved": True}}, 400, "validation_failed"),
    ("/declarations", {"declarations": {"no_head_disciplined": "yes"}}, 400, "validation_failed"),
    ("/declarations", {"declarations": {"colour": True}}, 400, "validation_failed"),
    ("/self-assessment", {}, 400, "validation_failed"),  # figures missing
    ("/posting", {"start": "2022-12-15", "channel": "office"}, 409, "illegal_transition"),
    ("/posting", {"start": "15/12/2022", "channel": "office"}, 400, "validation_failed"),
    ("/figures/C1.I2", {"figures": {"lawful": 1, "issued": 2}, "expected_version": 0}, 409,
     "version_conflict"),
])
def test_bad_commune_input_gets_a_clear_4xx_and_nothing_is_written(api, path, body, status, error):
    before = version(api)
    answer = send(api, "PUT" if "/figures/" in path or path == "/declarations" else "POST",
                  URL + path, OFFICER, body)
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == error and answer.json()["message"]
    assert version(api) == before


def test_an_illegal_transition_names_the_current_state(api):
    answer = send(api, "POST", URL + "/decision", token("chairman", "38", "405"),
                  {"recognised": True, "decision_number": "1/QĐ", "decision_date": "2023-01-20"})
    assert answer.status_code == 409
    assert answer.json()["details"]["state"] == "drafting"
    assert answer.json()["details"]["command"] == "decide"
    assert answer.headers["Content-Language"] == "vi"
    assert answer.json()["message"].startswith(
        "Hồ sơ đang ở trạng thái “Đang tự đánh giá, tự chấm điểm”: chưa thể thực hiện bước “Ký "
        "quyết định công nhận hoặc không công nhận đạt chuẩn” (decide).")
    english = api.request("POST", URL + "/decision", token("chairman", "38", "405"),
                          headers={"Accept-Language": "en"}, json={
                              "recognised": True, "decision_number": "1/QĐ",
                              "decision_date": "2023-01-20"})
    assert english.status_code == 409 and english.headers["Content-Language"] == "en"
    assert english.json()["message"].startswith(
        "The assessment is 'Self-assessment in progress'; 'decide' is not possible now")
    assert english.json()["details"] == answer.json()["details"]


def test_opening_twice_is_a_conflict(api):
    before = version(api)
    answer = send(api, "POST", URL, OFFICER)
    assert answer.status_code == 409 and answer.json()["details"]["state"] == "drafting"
    assert version(api) == before


def test_figures_and_declarations_show_in_the_self_sheet_and_preview(api):
    indicator = SET.indicator("C1.I1")
    answer = send(api, "PUT", f"{URL}/figures/C1.I1", OFFICER, {"figures": full_figures(indicator)})
    assert answer.status_code == 200, answer.text
    answer = send(api, "PUT", f"{URL}/declarations", OFFICER,
                  {"declarations": {"no_head_disciplined": True}})
    # a write answers where the assessment stands; the sheet and preview are GET's
    assert set(answer.json()) == {"commune_code", "year", "version", "state", "status_vi"}
    assert answer.json()["version"] == version(api)
    body = send(api, "GET", URL, OFFICER).json()
    assert body["declarations"] == {"no_head_disciplined": True}
    assert body["self_score"]["criteria"][0]["points"] == "3.00"
    verdicts = {c["id"]: c["verdict"] for c in body["recognition_preview"]["conditions"]}
    assert verdicts["no_head_disciplined"] == "met" and verdicts["total"] == "missing_input"
    events = send(api, "GET", URL + "/events", AUDITOR).json()["events"]
    assert events[-1]["type"] == "ConditionsDeclared"
    assert events[-1]["metadata"]["actor"] == "congchuc.dongquang@test"
    assert events[-1]["metadata"]["role"] == "commune_officer"


def test_a_criterions_figures_are_recorded_in_one_request_all_or_nothing(api):
    criterion = SET.criterion("C3")
    figures = {i.id: full_figures(i) for i in criterion.indicators}
    before = version(api)
    bad = {**figures, criterion.indicators[-1].id: {"no_such_figure": 1}}
    refused = send(api, "PUT", f"{URL}/figures", OFFICER, {"figures": bad})
    assert refused.status_code == 400 and criterion.indicators[-1].id in refused.text
    assert version(api) == before  # one bad indicator: nothing recorded
    malformed = send(api, "PUT", f"{URL}/figures", OFFICER, {"figures": {"C3-1": {}}})
    assert malformed.status_code == 400 and "C1.I1" in malformed.json()["message"] + str(
        malformed.json()["details"])
    answer = send(api, "PUT", f"{URL}/figures", OFFICER, {"figures": figures})
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] == before + len(figures)
    sheet = {c["id"]: c for c in send(api, "GET", URL, OFFICER).json()["self_score"]["criteria"]}
    assert sheet["C3"]["points"] == "15.00"


# -- dates, next steps and reopening (Đông Phú, on the test's clock) ----------------------------

PHU = f"/api/v1/communes/{DONG_PHU}/assessments/{YEAR}"


def test_a_year_not_opened_names_opening_as_its_next_step(api):
    answer = send(api, "GET", "/api/v1/communes/16417/assessments/2022", JUSTICE)
    assert answer.status_code == 404
    [step] = answer.json()["details"]["next_steps"]
    assert step["command"] == "open" and step["actor"]["role"] == "commune_officer"


def test_steps_are_dated_no_later_than_today_and_the_next_steps_come_from_the_service(
        api, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(2022, 12, 20))  # the service's clock
    assert send(api, "POST", PHU, OTHER_OFFICER).status_code == 201
    body = send(api, "GET", PHU, OTHER_OFFICER).json()
    assert body["today"] == "2022-12-20" and body["status_vi"] == "Đang tự đánh giá, tự chấm điểm"
    steps = {s["command"]: s for s in body["next_steps"]}
    assert list(steps) == ["record_figures", "declare_conditions", "submit_self_assessment"]
    assert steps["submit_self_assessment"]["missing"][0]["code"] == "figures_missing"
    assert len(steps["submit_self_assessment"]["missing"][0]["ids"]) == len(SET.indicators())
    assert steps["submit_self_assessment"]["actor"]["unit"]["commune"] == DONG_PHU
    assert {d["kind"] for d in body["deadlines"]} == {"dossier", "decision"}
    for indicator in SET.indicators():
        assert send(api, "PUT", f"{PHU}/figures/{indicator.id}", OTHER_OFFICER,
                    {"figures": full_figures(indicator)}).status_code == 200
    before = send(api, "GET", PHU, AUDITOR).json()["version"]

    future = send(api, "POST", f"{PHU}/self-assessment", OTHER_OFFICER, {"submitted_on": "2022-12-21"})
    assert future.status_code == 400 and future.json()["error"] == "date_in_future"
    assert "21/12/2022" in future.json()["message"] and "20/12/2022" in future.json()["message"]
    assert future.json()["details"]["today"] == "2022-12-20"
    assert send(api, "GET", PHU, AUDITOR).json()["version"] == before

    submitted = send(api, "POST", f"{PHU}/self-assessment", OTHER_OFFICER, {"submitted_on": "2022-12-19"})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["state"] == "self_assessed"
    assert [s["command"] for s in send(api, "GET", PHU, OTHER_OFFICER).json()["next_steps"]] == [
        "start_posting", "reopen_self_assessment"]

    no_reason = send(api, "POST", f"{PHU}/self-assessment/reopen", OTHER_OFFICER,
                     {"reason": "   ", "reopened_on": "2022-12-20"})
    assert no_reason.status_code == 400 and no_reason.json()["details"]["field"] == "reason"
    early = send(api, "POST", f"{PHU}/self-assessment/reopen", OTHER_OFFICER,
                 {"reason": "Sai số liệu", "reopened_on": "2022-12-18"})
    assert (early.status_code, early.json()["error"]) == (400, "date_before_previous_step")
    assert early.json()["details"]["previous_step_on"] == "2022-12-19"
    reviewer = send(api, "POST", f"{PHU}/self-assessment/reopen", JUSTICE,
                    {"reason": "Sai số liệu", "reopened_on": "2022-12-20"})
    assert reviewer.status_code == 403
    reopened = send(api, "POST", f"{PHU}/self-assessment/reopen", OTHER_OFFICER,
                    {"reason": "Sai số liệu chỉ tiêu 1.2", "reopened_on": "2022-12-20"})
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["state"] == "drafting"
    assert send(api, "GET", PHU, OTHER_OFFICER).json()["reopenings"][0]["reason"] == "Sai số liệu chỉ tiêu 1.2"

    assert send(api, "POST", f"{PHU}/self-assessment", OTHER_OFFICER,
                {"submitted_on": "2022-12-20"}).status_code == 200
    posted = send(api, "POST", f"{PHU}/posting", OTHER_OFFICER, {"start": "2022-12-20",
                                                                 "channel": "office"})
    assert posted.status_code == 200, posted.text
    end = {s["command"]: s for s in send(api, "GET", PHU, OTHER_OFFICER).json()["next_steps"]}[
        "end_posting"]
    assert (end["ready"], end["earliest"]) == (False, "2022-12-24")
    late = send(api, "POST", f"{PHU}/self-assessment/reopen", OTHER_OFFICER,
                {"reason": "Sai số liệu", "reopened_on": "2022-12-20"})
    assert (late.status_code, late.json()["error"]) == (409, "illegal_transition")
    assert "20/12/2022" in late.json()["message"]


# -- the forms as .xlsx ------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("form", ["02", "07"])
@pytest.mark.parametrize("reader, status", [
    (OFFICER, 200), (JUSTICE, 200), (AUDITOR, 200), (OTHER_OFFICER, 403), (OTHER_DISTRICT, 403)])
def test_a_communes_forms_download_as_xlsx_for_its_readers(api, form, reader, status):
    answer = send(api, "GET", f"{URL}/forms/{form}.xlsx", reader)
    assert answer.status_code == status, answer.text
    if status == 200:
        assert answer.headers["Content-Type"] == XLSX
        assert f'filename="mau-{form}-{DONG_QUANG}-{YEAR}.xlsx"' in answer.headers["Content-Disposition"]
        sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
        assert any(row[0] == "STT" for row in sheet.iter_rows(values_only=True))
    else:
        assert answer.json()["error"] == "forbidden"


@pytest.mark.parametrize("form", ["08", "09", "10"])
@pytest.mark.parametrize("reader, status", [
    (PROVINCE_JUSTICE, 200), (JUSTICE, 200), (AUDITOR, 200), (OFFICER, 403), (OTHER_PROVINCE, 403)])
def test_a_provinces_forms_download_as_xlsx_for_the_rollups_readers(api, form, reader, status):
    answer = send(api, "GET", f"/api/v1/provinces/38/assessments/forms/{form}.xlsx?year={YEAR}", reader)
    assert answer.status_code == status, answer.text
    if status == 200:
        assert answer.headers["Content-Type"] == XLSX
        assert "attachment; filename=\"mau-" in answer.headers["Content-Disposition"]
        openpyxl.load_workbook(io.BytesIO(answer.content))


# -- criteria sets ---------------------------------------------------------------------------

def _document(version, **changes):
    document = copy.deepcopy(SET.to_dict())
    document.update(version=version, **changes)
    return document


def test_criteria_sets_are_listed_and_read_by_version(api):
    listed = send(api, "GET", "/api/v1/criteria-sets", AUDITOR).json()["criteria_sets"]
    assert {(s["id"], s["version"]) for s in listed} >= {("619-2017", 1), ("25-2021", 1), ("27-2025", 1)}
    assert all("provisional" in s for s in listed)
    one = send(api, "GET", "/api/v1/criteria-sets/27-2025/versions/1", OFFICER).json()
    assert one["id"] == "27-2025" and one["provisional"] is True
    assert send(api, "GET", "/api/v1/criteria-sets/99-2099", OFFICER).status_code == 404
    assert send(api, "GET", "/api/v1/criteria-sets/25-2021/versions/7", OFFICER).status_code == 404


def test_an_administrator_publishes_a_new_version_once(api):
    before = send(api, "GET", "/api/v1/events?source=assessment&limit=1000", AUDITOR).json()
    assert send(api, "POST", "/api/v1/criteria-sets", JUSTICE, _document(5)).status_code == 403
    bad = send(api, "POST", "/api/v1/criteria-sets", ADMIN, _document(5, total_max="99.00"))
    assert bad.status_code == 400 and bad.json()["details"]["problems"]
    assert send(api, "POST", "/api/v1/criteria-sets", ADMIN, _document(1)).status_code == 409
    assert send(api, "POST", "/api/v1/criteria-sets", ADMIN, [1, 2]).status_code == 400
    after = send(api, "GET", "/api/v1/events?source=assessment&limit=1000", AUDITOR).json()
    assert after["head_position"] == before["head_position"]

    published = send(api, "POST", "/api/v1/criteria-sets", ADMIN, _document(5, title="Phiên bản 5"))
    assert published.status_code == 201, published.text
    assert published.json()["source"] == "published" and published.json()["version"] == 5
    assert send(api, "POST", "/api/v1/criteria-sets", ADMIN, _document(5)).status_code == 409
    latest = send(api, "GET", "/api/v1/criteria-sets/25-2021", AUDITOR).json()
    assert latest["version"] == 5 and latest["title"] == "Phiên bản 5"
    # the assessment opened with version 2 keeps it
    assert send(api, "GET", URL, OFFICER).json()["criteria_set_version"] == 2


def test_the_docs_describe_the_assessment_routes_in_vietnamese(api):
    document = api.get("/openapi.json").json()
    tags = {t["name"] for t in document["tags"]}
    assert {"Đánh giá chuẩn tiếp cận pháp luật", "Bộ tiêu chí", "Tổng hợp kết quả"} <= tags
    operation = document["paths"]["/api/v1/communes/{commune_code}/assessments/{year}/decision"]["post"]
    assert operation["summary"].startswith("Quyết định") and "chairman" in operation["description"]
    assert "/api/v1/provinces/{province_code}/assessments" in document["paths"]


_BASE = "/api/v1/communes/{commune_code}/assessments/{year}"
# What tests/gateway/test_openapi.py expects of the assessment routes.
ASSESSMENT_SECURED = {
    (_BASE, "get"), (_BASE, "post"), (_BASE + "/events", "get"),
    (_BASE + "/figures/{indicator_id}", "put"), (_BASE + "/figures", "put"),
    (_BASE + "/declarations", "put"),
    (_BASE + "/self-assessment", "post"), (_BASE + "/self-assessment/reopen", "post"),
    (_BASE + "/posting", "post"),
    (_BASE + "/posting/comments", "post"), (_BASE + "/posting/comments/{comment_id}/answer", "post"),
    (_BASE + "/posting/end", "post"), (_BASE + "/dossier", "post"),
    (_BASE + "/dossier/supplements", "post"), (_BASE + "/dossier/check", "post"),
    (_BASE + "/dossier/supplement-requests", "post"), (_BASE + "/appraisal", "post"),
    (_BASE + "/appraisal/opinions", "post"), (_BASE + "/appraisal/indicators/{indicator_id}", "put"),
    (_BASE + "/appraisal/indicators", "put"),
    (_BASE + "/appraisal/complete", "post"), (_BASE + "/decision", "post"),
    (_BASE + "/revocation", "post"),
    ("/api/v1/criteria-sets", "get"), ("/api/v1/criteria-sets", "post"),
    ("/api/v1/criteria-sets/{set_id}", "get"),
    ("/api/v1/criteria-sets/{set_id}/versions/{version}", "get"),
    ("/api/v1/evaluation-pauses", "get"), ("/api/v1/evaluation-pauses/{evaluation_year}", "post"),
    ("/api/v1/evaluation-pauses/{evaluation_year}/lift", "post"),
    ("/api/v1/evaluation-reports", "get"),
    ("/api/v1/evaluation-reports/{year}/{report_id}/{unit_code}", "post"),
    ("/api/v1/evaluation-reports/{year}/{report_id}/{unit_code}/correction", "post"),
    ("/api/v1/provinces/{province_code}/assessments", "get"),
    (_BASE + "/forms/02.xlsx", "get"), (_BASE + "/forms/07.xlsx", "get"),
    ("/api/v1/provinces/{province_code}/assessments/forms/08.xlsx", "get"),
    ("/api/v1/provinces/{province_code}/assessments/forms/09.xlsx", "get"),
    ("/api/v1/provinces/{province_code}/assessments/forms/10.xlsx", "get"),
    # evidence files (tests/gateway/test_evidence_api.py)
    (_BASE + "/evidence/{indicator_id}", "post"),
    (_BASE + "/evidence/{indicator_id}/{sha256}", "get"),
    (_BASE + "/evidence/{indicator_id}/{sha256}", "delete"),
}
ASSESSMENT_OPERATIONS = ASSESSMENT_SECURED


def test_a_paused_year_is_recorded_by_its_authority_and_refuses_to_open_with_its_basis(api):
    # Given Thanh Hóa's department of justice records its notice pausing 2021
    basis = "Công văn số 99/STP-PBGDPL ngày 15/10/2021 của Sở Tư pháp tỉnh Thanh Hóa"
    url = "/api/v1/evaluation-pauses/2021"
    body = {"province_code": "38", "legal_basis": basis, "decided_on": "2021-10-15"}
    assert send(api, "POST", url, OTHER_PROVINCE, body).status_code == 403
    assert send(api, "POST", url, PROVINCE_JUSTICE, {**body, "province_code": None}).status_code == 403
    assert send(api, "POST", url, OFFICER, body).status_code == 403
    assert send(api, "POST", url, PROVINCE_JUSTICE, {"province_code": "38"}).status_code == 400
    recorded = send(api, "POST", url, PROVINCE_JUSTICE, body)
    assert recorded.status_code == 201, recorded.text
    [pause] = recorded.json()["pauses"]
    assert pause["summary_vi"].startswith("Năm 2021: tạm dừng đánh giá tại Tỉnh Thanh Hóa theo Công văn")
    assert send(api, "POST", url, ADMIN, body).status_code == 409  # already recorded
    listed = send(api, "GET", "/api/v1/evaluation-pauses?year=2021", OFFICER).json()["pauses"]
    assert [p["province_code"] for p in listed] == ["38"]
    rollup = send(api, "GET", "/api/v1/provinces/38/assessments?year=2021", PROVINCE_JUSTICE).json()
    assert rollup["pause"]["legal_basis"] == basis  # the roll-up says why the year is empty
    # When one of its communes opens 2021, Then it is refused with the basis, nothing written
    refused = send(api, "POST", f"/api/v1/communes/{DONG_PHU}/assessments/2021", OTHER_OFFICER)
    assert refused.status_code == 409 and refused.json()["error"] == "year_paused"
    assert basis in refused.json()["message"]
    assert send(api, "GET", f"/api/v1/communes/{DONG_PHU}/assessments/2021", AUDITOR).status_code == 404
    # Lifted (recorded by mistake): the year opens again
    lifted = send(api, "POST", url + "/lift", ADMIN, {"province_code": "38", "reason": "Ghi nhầm"})
    assert lifted.status_code == 200 and lifted.json()["pauses"] == []
    assert send(api, "POST", f"/api/v1/communes/{DONG_PHU}/assessments/2021", OTHER_OFFICER).status_code == 201

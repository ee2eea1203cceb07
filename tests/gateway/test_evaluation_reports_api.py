"""The reviewing units' yearly reports through the real gateway and the real assessment
service: a district records its report to the province, sending twice is 409, the wrong
level's report is 400, a report the regime lacks is 404, another unit is 403, a paused year
owes nothing, the year's list counts each status as of a day; and the workspace page shows
the list with its badges and records a sending from its form."""

import re

import pytest
import requests

from gateway.workspace import sessions
from tests.gateway import peers
from tests.support.assessment_platform import assessment_platform, send, token

pytestmark = pytest.mark.broker

URL = "/api/v1/evaluation-reports"
DONG_SON, THANH_HOA = "405", "38"
DISTRICT_JUSTICE = token("justice_officer", THANH_HOA, DONG_SON, sub="tuphap.dongson@test")
DISTRICT_CHAIRMAN = token("chairman", THANH_HOA, DONG_SON, sub="chutich.dongson@test")
OTHER_DISTRICT = token("justice_officer", THANH_HOA, "406")
PROVINCE_JUSTICE = token("justice_officer", THANH_HOA, sub="sotuphap.thanhhoa@test")
COUNCIL = token("council_secretary", THANH_HOA, DONG_SON)
ADMIN, AUDITOR = token("administrator"), token("auditor")
SENT = {"sent_on": "2023-02-14", "document_number": "15/BC-UBND"}
PAGE_PERSON = {"sub": "tuphap.dongson", "role": "justice_officer", "name": "Phòng Tư pháp Đông Sơn",
               "jurisdiction": {"province": THANH_HOA, "district": DONG_SON}, "agency": None}
SESSION = "phong-tu-phap-dong-son-".ljust(48, "x")


def platform(database_url):
    """The gateway and the assessment service; peers for the rest (the accounts peer holds the
    pages' signed-in session: ``browser``)."""
    return assessment_platform(database_url, peers.AccountsPeer)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('evaluation-reports')}/assessment.sqlite"
    with platform(url) as client:
        yield client


def report(year, report_id, unit):
    return f"{URL}/{year}/{report_id}/{unit}"


def test_a_district_records_its_report_once_and_a_correction_keeps_the_first(api):
    # Given Đông Sơn's report of 2022, due before 15/02/2023
    url = report(2022, "district_to_province", DONG_SON)
    # When its justice office records it sent on the last day on time
    sent = send(api, "POST", url, DISTRICT_JUSTICE, SENT)
    # Then it is sent on time, recorded by that office
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert (body["status"], body["due_before"], body["recorded_by"]) == (
        "sent", "2023-02-15", "tuphap.dongson@test")
    # When it is recorded again (by the chairman): 409 with a stable code, nothing changes
    again = send(api, "POST", url, DISTRICT_CHAIRMAN, {"sent_on": "2023-02-16"})
    assert again.status_code == 409 and again.json()["error"] == "report_already_sent"
    assert "14/02/2023" in again.json()["message"]
    # A correction says why; the list then shows the corrected day, late
    corrected = send(api, "POST", url + "/correction", DISTRICT_JUSTICE,
                     {"sent_on": "2023-02-15", "reason": "Ghi nhầm ngày gửi"})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["status"] == "sent_late"
    assert corrected.json()["corrections"][0]["previous"]["sent_on"] == "2023-02-14"


def test_the_years_list_counts_each_status_as_of_a_day(api):
    send(api, "POST", report(2022, "district_to_province", "406"),
         token("justice_officer", THANH_HOA, "406"), {"sent_on": "2023-02-10"})
    listed = send(api, "GET", f"{URL}?year=2022&province={THANH_HOA}&as_of=2023-02-15",
                  PROVINCE_JUSTICE)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    lines = {(x["report_id"], x["unit_code"]): x for x in body["lines"]}
    assert lines[("district_to_province", "406")]["status"] == "sent"
    assert lines[("district_to_province", DONG_SON)]["status"] == "sent_late"
    assert lines[("province_to_ministry", THANH_HOA)]["status"] == "due"  # before 20/02
    districts = sum(1 for key in lines if key[0] == "district_to_province")
    assert body["counts"] == {"sent": 1, "sent_late": 1, "due": 1, "overdue": districts - 2}
    # a day earlier Đông Sơn's (corrected to 15/02) was not yet sent, and not yet due
    earlier = send(api, "GET", f"{URL}?year=2022&province={THANH_HOA}&as_of=2023-02-14",
                   AUDITOR).json()
    assert {x["status"] for x in earlier["lines"] if x["unit_code"] == DONG_SON} == {"due"}
    # a district reads its own; the 2026 year under 27/2025 has the 34 provinces' only
    own = send(api, "GET", f"{URL}?year=2022", DISTRICT_JUSTICE).json()
    assert [x["unit_code"] for x in own["lines"]] == [DONG_SON]
    national = send(api, "GET", f"{URL}?year=2026", ADMIN).json()
    assert len(national["lines"]) == 34 and national["criteria_set_id"] == "27-2025"


@pytest.mark.parametrize("caller, path, body, status, code", [
    (DISTRICT_JUSTICE, report(2022, "province_to_ministry", DONG_SON), SENT, 400, "validation_failed"),
    (PROVINCE_JUSTICE, report(2026, "district_to_province", THANH_HOA), {"sent_on": "2027-01-05"},
     404, "not_found"),
    (OTHER_DISTRICT, report(2022, "district_to_province", DONG_SON), SENT, 403, "forbidden"),
    (PROVINCE_JUSTICE, report(2022, "district_to_province", DONG_SON), SENT, 403, "forbidden"),
    (ADMIN, report(2022, "province_to_ministry", THANH_HOA), SENT, 403, "forbidden"),
    (COUNCIL, report(2022, "district_to_province", DONG_SON), SENT, 403, "forbidden"),
    (PROVINCE_JUSTICE, report(2022, "province_to_ministry", "999"), SENT, 404, "not_found"),
    (PROVINCE_JUSTICE, report(2022, "province_to_ministry", THANH_HOA), {"sent_on": "2099-01-01"},
     400, "date_in_future"),
    (PROVINCE_JUSTICE, report(2022, "province_to_ministry", THANH_HOA), {"sent_on": "2022-12-31"},
     400, "validation_failed"),
    (PROVINCE_JUSTICE, report(2022, "province_to_ministry", THANH_HOA), {**SENT, "extra": 1},
     400, "validation_failed"),
])
def test_refusals_have_their_status_and_code(api, caller, path, body, status, code):
    answer = send(api, "POST", path, caller, body)
    assert (answer.status_code, answer.json()["error"]) == (status, code), answer.text


def test_the_refusals_of_the_regime_say_so_in_vietnamese(api):
    wrong = send(api, "POST", report(2022, "province_to_ministry", DONG_SON), DISTRICT_JUSTICE, SENT)
    assert "cấp tỉnh" in wrong.json()["message"]
    unknown = send(api, "POST", report(2026, "district_to_province", THANH_HOA), PROVINCE_JUSTICE,
                   {"sent_on": "2027-01-05"})
    assert "27-2025" in unknown.json()["message"] and "province_to_ministry" in unknown.json()["message"]


def test_a_paused_year_owes_no_report(api):
    paused = send(api, "POST", "/api/v1/evaluation-pauses/2023", PROVINCE_JUSTICE, {
        "province_code": THANH_HOA, "legal_basis": "Công văn số 9/STP ngày 01/10/2023"})
    assert paused.status_code == 201, paused.text
    refused = send(api, "POST", report(2023, "province_to_ministry", THANH_HOA), PROVINCE_JUSTICE,
                   {"sent_on": "2024-02-01"})
    assert refused.status_code == 409 and refused.json()["error"] == "year_paused"
    listed = send(api, "GET", f"{URL}?year=2023&province={THANH_HOA}", PROVINCE_JUSTICE).json()
    assert listed["lines"] == [] and listed["paused_provinces"] == [THANH_HOA]


# -- the workspace page ----------------------------------------------------------------------
def browser(api) -> requests.Session:
    # the peers are emptied before every test (tests/gateway/conftest.py): the session again
    peers.AccountsPeer.sessions = {sessions.id_hash(SESSION): PAGE_PERSON}
    session = requests.Session()
    session.cookies.set(sessions.SESSION_COOKIE, SESSION)
    return session


def test_the_page_lists_the_reports_with_badges_and_records_from_its_form(api):
    page = browser(api).get(api.url + "/can-bo/bao-cao-ket-qua?year=2024", timeout=15)
    assert page.status_code == 200, page.text[-500:]
    html = page.text
    assert "<h1>Báo cáo kết quả đánh giá, công nhận</h1>" in html
    assert f'data-unit="{DONG_SON}" data-status="overdue"' in html
    assert '<span class="badge badge-report-overdue">Quá hạn</span>' in html
    assert 'for="f-sent_on-district_to_province-405"' in html  # every field has its label
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    action = f"/can-bo/bao-cao-ket-qua/2024/district_to_province/{DONG_SON}"
    # a date in the future: the error summary and the field say what to do, nothing written
    bad = browser(api).post(api.url + action, data={"csrf_token": csrf, "sent_on": "2099-01-01"},
                            allow_redirects=False, timeout=15)
    assert bad.status_code == 400 and 'class="error-summary"' in bad.text
    assert "Ngày gửi không được sau hôm nay" in bad.text and 'aria-invalid="true"' in bad.text
    done = browser(api).post(api.url + action, data={
        "csrf_token": csrf, "sent_on": "2025-02-20", "document_number": "7/BC-UBND"},
        allow_redirects=False, timeout=15)
    assert done.status_code == 303, done.text[-500:]
    assert done.headers["Location"] == "/can-bo/bao-cao-ket-qua?year=2024&da=da-gui", done.headers
    after = browser(api).get(api.url + done.headers["Location"], timeout=15).text
    assert "Đã ghi nhận báo cáo đã gửi." in after
    assert '<span class="badge badge-report-sent_late">Gửi muộn</span>' in after
    assert "Văn bản số 7/BC-UBND" in after


def test_the_review_desk_links_to_the_reports_page(api):
    desk = browser(api).get(api.url + "/can-bo/tham-dinh?nam=2024", timeout=15).text
    assert 'href="/can-bo/bao-cao-ket-qua?year=2024"' in desk

"""The review and recognition pages over HTTP, against the whole platform (the real gateway and
the five real services): a district justice office's queue with due dates and late flags, its
check and supplement request (the commune answering through the API), the council's meeting,
opinions and every indicator appraised in one form, the chairman's decision published on the
board. Bad input gets a Vietnamese message and changes nothing; other units' and other roles'
pages are refused; a province office in a district-reviewed year is told who reviews."""

import io
import re

import openpyxl
import pytest
import requests

from rules.criteria import load_builtin_sets
from tests.support import evidence_files
from tests.support.accounts_platform import FAST_HASHING
from tests.support.assessment_figures import full_figures
from tests.support.assessment_platform import send, token, wait_for
from tests.support.full_platform import full_platform
from tests.test_province_cycle import Year

pytestmark = pytest.mark.broker

ADMIN = token("administrator", sub="quantri")
PASSWORD = "sông Mã chảy qua ba bản"
DONG_QUANG, DONG_PHU = "16426", "16420"
DESK = "/can-bo/tham-dinh"
PEOPLE = {
    "tuphap.dongson": ("justice_officer", {"province": "38", "district": "405"}),
    "thuky.dongson": ("council_secretary", {"province": "38", "district": "405"}),
    "chutich.dongson": ("chairman", {"province": "38", "district": "405"}),
    "sotuphap.hanoi": ("justice_officer", {"province": "01"}),
    "thuky.hanoi": ("council_secretary", {"province": "01"}),
    "sotuphap.thanhhoa": ("justice_officer", {"province": "38"}),
    "congchuc.dongquang": ("commune_officer", {"province": "38", "district": "405",
                                               "commune": DONG_QUANG}),
}


def create_accounts(api, people=PEOPLE):
    for username, (role, where) in people.items():
        made = api.request("POST", "/api/v1/accounts", ADMIN, json={
            "username": username, "display_name": f"Người dùng {username}", "role": role,
            "jurisdiction": where, "password": PASSWORD})
        assert made.status_code == 201, made.text


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workspace-review")
    with full_platform(folder, **FAST_HASHING) as client:
        create_accounts(client)
        assert send(client, "PUT", "/api/v1/provinces/38/reviewing-levels/2022", ADMIN,
                    {"level": "district"}).status_code == 200
        year = Year(client, 2022, "38", "405", ("25-2021", 2))
        year.self_assess(DONG_QUANG, comment=True)
        year.self_assess(DONG_PHU)
        client.year = year
        yield client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def key_of(html: str, form_id: str) -> str:
    form = html[html.index(f'id="{form_id}"'):]
    return re.search(r'name="idempotency_key" value="([^"]+)"', form).group(1)


def version_of(html: str) -> str:
    return re.search(r'name="expected_version" value="(\d+)"', html).group(1)


def signed_in(api, username) -> requests.Session:
    browser = requests.Session()
    form = browser.get(api.url + "/can-bo/dang-nhap")
    answer = browser.post(api.url + "/can-bo/dang-nhap", allow_redirects=False,
                          data={"csrf_token": csrf_of(form.text), "username": username,
                                "password": PASSWORD, "tiep": "/can-bo/"})
    assert answer.status_code == 303, answer.text[-500:]
    return browser


def post(api, browser, path, form_id, fields, page_path=None):
    """Send the form ``form_id`` as shown on ``page_path`` (default: ``path``'s page)."""
    shown = browser.get(api.url + (page_path or path))
    assert shown.status_code == 200, shown.text[-800:]
    data = {"csrf_token": csrf_of(shown.text), "idempotency_key": key_of(shown.text, form_id)}
    if 'name="expected_version"' in shown.text:
        data["expected_version"] = version_of(shown.text)
    data.update(fields)
    action = re.search(rf'action="([^"]+)"[^>]*id="{form_id}"', shown.text).group(1)
    return browser.post(api.url + action, data=data, allow_redirects=False)


def state(api, commune=DONG_QUANG):
    return send(api, "GET", api.year.url(commune), ADMIN).json()


def dossier(commune=DONG_QUANG):
    return f"{DESK}/{commune}/2022"


def test_the_justice_office_queue_lists_submitted_dossiers_with_due_dates(api):
    office = signed_in(api, "tuphap.dongson")
    home = office.get(api.url + "/can-bo/")
    assert 'href="/can-bo/tham-dinh"' in home.text
    queue = office.get(api.url + DESK + "?nam=2022")
    assert queue.status_code == 200
    for commune in (DONG_QUANG, DONG_PHU):
        row = re.search(rf'<tr data-commune="{commune}"[^>]*>(.*?)</tr>', queue.text, re.S).group(1)
        assert "Kiểm tra hồ sơ" in row  # the office's next step, as the service names it
        # the decision was due 09/02/2023: long overdue, counted in working days
        assert "Quyết định công nhận: đến hết 09/02/2023" in row
        assert re.search(r"quá hạn \d+ ngày làm việc", row)
    assert "Xã Đông Quang" in queue.text and "Huyện Đông Sơn" in queue.text


def test_a_province_office_is_told_the_district_reviews_that_year(api):
    department = signed_in(api, "sotuphap.thanhhoa")
    queue = department.get(api.url + DESK + "?nam=2022")
    assert queue.status_code == 200
    assert 'data-level="district"' in queue.text and "giao <strong>cấp huyện</strong>" in queue.text
    assert 'id="hang-doi"' not in queue.text
    # it reads the dossier (its province covers it) but the step is the district's
    shown = department.get(api.url + dossier())
    assert shown.status_code == 200 and 'id="form-kiem-tra"' not in shown.text
    refused = department.post(api.url + dossier() + "/kiem-tra", allow_redirects=False, data={
        "csrf_token": csrf_of(shown.text), "checked_on": "2023-01-06"})
    assert refused.status_code == 403 and 'data-rule="reviewing_level"' in refused.text
    assert "giao cấp huyện thẩm định" in refused.text


def test_other_units_and_roles_are_refused(api):
    other = signed_in(api, "sotuphap.hanoi")
    page = other.get(api.url + dossier())
    assert page.status_code == 403 and 'data-rule="covers_unit"' in page.text
    queue = other.get(api.url + DESK + "?nam=2022")
    assert DONG_QUANG not in queue.text
    commune = signed_in(api, "congchuc.dongquang")
    assert commune.get(api.url + DESK).status_code == 403
    refused = commune.get(api.url + dossier() + "/quyet-dinh")
    assert refused.status_code == 403
    # a council secretary cannot pass the check: the API's rule, on the page too
    council = signed_in(api, "thuky.dongson")
    shown = council.get(api.url + dossier())
    assert 'id="form-kiem-tra"' not in shown.text
    forged = council.post(api.url + dossier() + "/kiem-tra", data={
        "csrf_token": csrf_of(shown.text), "checked_on": "2023-01-06"}, allow_redirects=False)
    assert forged.status_code == 403 and state(api)["state"] == "dossier_submitted"


def test_the_whole_review_of_a_dossier_through_the_pages(api):
    office = signed_in(api, "tuphap.dongson")
    before = state(api)["version"]
    # a supplement request with no reason, then one dated in the future: nothing recorded
    answer = post(api, office, dossier(), "form-bo-sung", {"reason": "", "requested_on": "2023-01-02"})
    assert answer.status_code == 400 and "Nhập lý do" in answer.text
    assert "Lỗi: " in answer.text
    answer = post(api, office, dossier(), "form-bo-sung",
                  {"reason": "Thiếu Mẫu 03", "requested_on": "2099-01-02"})
    assert answer.status_code == 400 and "chưa đến" in answer.text
    assert state(api)["version"] == before
    answer = post(api, office, dossier(), "form-bo-sung",
                  {"reason": "Thiếu Mẫu 03 (tổng hợp ý kiến)", "requested_on": "2023-01-02"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("?da=bo-sung")
    shown = office.get(api.url + answer.headers["Location"])
    assert "Đã gửi yêu cầu bổ sung" in shown.text and 'id="cho-bo-sung"' in shown.text
    assert state(api)["state"] == "supplement_requested"

    # the commune answers through the API, with a file
    me = api.year.officer(DONG_QUANG)
    photo = evidence_files.png()
    attached = api.request("POST", f"{api.year.url(DONG_QUANG)}/evidence/C3.I1", me,
                           files={"file": ("biên bản hòa giải.png", photo)})
    assert attached.status_code == 201, attached.text
    assert send(api, "POST", f"{api.year.url(DONG_QUANG)}/dossier/supplements", me,
                {"provided_on": "2023-01-04", "note": "Đã bổ sung Mẫu 03"}).status_code == 200

    answer = post(api, office, dossier(), "form-kiem-tra", {"checked_on": "2023-01-06"})
    assert answer.status_code == 303, answer.text[-600:]
    assert state(api)["state"] == "checked"
    shown = office.get(api.url + dossier())
    assert "Đã bổ sung Mẫu 03" in shown.text and 'id="form-kiem-tra"' not in shown.text
    link = re.search(r'href="([^"]+/minh-chung/C3\.I1/[0-9a-f]{64})"', shown.text).group(1)
    download = office.get(api.url + link)
    assert download.status_code == 200 and download.content == photo
    assert "no-store" in download.headers["Cache-Control"]
    other = signed_in(api, "sotuphap.hanoi").get(api.url + link)
    assert other.status_code == 403

    # the council: a wrong size, then a meeting of five
    council = signed_in(api, "thuky.dongson")
    board = dossier() + "/hoi-dong"
    answer = post(api, council, board, "form-bat-dau",
                  {"method": "meeting", "council_size": "mười", "started_on": "2023-01-08"})
    assert answer.status_code == 400 and "từ 1 đến 15" in answer.text
    assert state(api)["state"] == "checked"
    answer = post(api, council, board, "form-bat-dau",
                  {"method": "meeting", "council_size": "5", "started_on": "2023-01-08"})
    assert answer.status_code == 303
    for name in ("Lê Văn Chủ", "Trần Thị Hai", "Phạm Văn Ba"):
        answer = post(api, council, board, "form-y-kien", {
            "member_name": name, "role": "thành viên", "opinion": "Nhất trí",
            "given_by": "meeting", "given_on": "2023-01-12"})
        assert answer.status_code == 303, answer.text[-600:]
    indicators = api.year.criteria_set.indicators()
    scores = {f"points-{i.id}": format(i.max, "f").replace(".", ",") for i in indicators}
    reasons = {f"reason-{i.id}": "Đối chiếu hồ sơ minh chứng" for i in indicators}
    wrong = {**scores, **reasons, f"points-{indicators[0].id}": "ba"}
    answer = post(api, council, board, "form-cham-diem", wrong)
    assert answer.status_code == 400
    assert f"Chỉ tiêu {indicators[0].id}: Điểm phải là một số" in answer.text
    assert f"Đã lưu {len(indicators) - 1} chỉ tiêu" in answer.text  # the rest are kept
    assert indicators[0].id not in state(api)["appraisal"]["scores"]
    answer = post(api, council, board, "form-cham-diem", {**scores, **reasons})
    assert answer.status_code == 303, answer.text[-800:]
    assert len(state(api)["appraisal"]["scores"]) == len(indicators)
    # three of five attended: below the quorum of four, the service refuses
    answer = post(api, council, board, "form-hoan-thanh", {"completed_on": "2023-01-15"})
    assert answer.status_code == 400 and "hai phần ba" in answer.text
    answer = post(api, council, board, "form-y-kien", {
        "member_name": "Đỗ Thị Tư", "role": "thành viên", "opinion": "Nhất trí",
        "given_by": "meeting", "given_on": "2023-01-12"})
    assert answer.status_code == 303
    answer = post(api, council, board, "form-hoan-thanh", {"completed_on": "2023-01-15"})
    assert answer.status_code == 303, answer.text[-800:]
    assert state(api)["state"] == "appraised"

    # the chairman decides; the board publishes it
    chairman = signed_in(api, "chutich.dongson")
    decision = dossier() + "/quyet-dinh"
    shown = chairman.get(api.url + decision)
    assert 'data-recognised="true"' in shown.text and 'value="true" checked' in shown.text
    answer = post(api, chairman, decision, "form-quyet-dinh",
                  {"recognised": "true", "decision_number": "", "decision_date": "2023-01-25"})
    assert answer.status_code == 400 and "Nhập số quyết định" in answer.text
    answer = post(api, chairman, decision, "form-quyet-dinh", {
        "recognised": "true", "decision_number": "125/QĐ-UBND", "decision_date": "2023-01-25"})
    assert answer.status_code == 303
    shown = chairman.get(api.url + answer.headers["Location"])
    assert "125/QĐ-UBND" in shown.text and 'href="/ket-qua/xa/16426"' in shown.text
    assert state(api)["state"] == "recognised"
    queue = chairman.get(api.url + DESK + "?nam=2022")
    listed = re.search(r'id="danh-sach-dat">(.*?)</ul>', queue.text, re.S).group(1)
    assert "Xã Đông Quang" in listed and "125/QĐ-UBND" in listed
    assert wait_for(lambda: "Đạt chuẩn" in requests.get(api.url + "/ket-qua/xa/16426").text)
    # Mẫu 08 of the district: the decision in the recognised list
    link = re.search(r'href="([^"]+mau-08\.xlsx[^"]*)"', queue.text).group(1)
    assert link == f"{DESK}/tinh/38/mau-08.xlsx?year=2022"
    workbook = wait_for(lambda: (lambda sheet: sheet if any(
        "Xã Đông Quang" in str(row) for row in sheet.iter_rows(values_only=True)) else None)(
        openpyxl.load_workbook(io.BytesIO(chairman.get(api.url + link).content))["Đạt chuẩn"]))
    assert workbook is not None
    assert chairman.get(api.url + link).headers["Cache-Control"] == "no-store"
    # Mẫu 09 and Mẫu 10 beside it: the report and its table, the commune in both
    for form in ("09", "10"):
        other_link = re.search(rf'href="([^"]+mau-{form}\.xlsx[^"]*)"', queue.text).group(1)
        assert other_link == f"{DESK}/tinh/38/mau-{form}.xlsx?year=2022"
        sheet = openpyxl.load_workbook(io.BytesIO(
            chairman.get(api.url + other_link).content)).active
        assert sheet.title == f"Mẫu {form}" and int(sheet.page_setup.paperSize) == 9
    table_10 = [row for row in sheet.iter_rows(values_only=True) if row[1] == "Xã Đông Quang"]
    assert table_10 and table_10[0][-2:] == ("Đạt chuẩn", "125/QĐ-UBND, ngày 25/01/2023")
    # the district's Mẫu 08 is no other province's to download
    other = signed_in(api, "sotuphap.hanoi").get(api.url + link)
    assert other.status_code == 403 and 'data-rule="covers_unit"' in other.text


def test_a_form_sent_twice_is_done_once(api):
    office = signed_in(api, "tuphap.dongson")
    shown = office.get(api.url + dossier(DONG_PHU))
    data = {"csrf_token": csrf_of(shown.text), "idempotency_key": key_of(shown.text, "form-kiem-tra"),
            "expected_version": version_of(shown.text), "checked_on": "2023-01-06"}
    first = office.post(api.url + dossier(DONG_PHU) + "/kiem-tra", data=data, allow_redirects=False)
    second = office.post(api.url + dossier(DONG_PHU) + "/kiem-tra", data=data, allow_redirects=False)
    assert first.status_code == second.status_code == 303
    events = send(api, "GET", api.year.url(DONG_PHU) + "/events", ADMIN).json()["events"]
    assert [e["type"] for e in events].count("DossierCheckPassed") == 1


def test_a_province_reviewed_2026_year_with_pass_fail_indicators(api):
    """Since the districts were abolished the province's department reviews: its queue lists
    a 2026 dossier of Ba Đình, and the council marks each 27/2025 indicator achieved or not."""
    criteria_set = load_builtin_sets()[("27-2025", 2)]
    commune, url = "00004", "/api/v1/communes/00004/assessments/2026"
    me = token("commune_officer", "01", None, commune, sub="congchuc.badinh")
    assert send(api, "POST", url, me).status_code == 201
    for indicator in criteria_set.indicators():
        assert send(api, "PUT", f"{url}/figures/{indicator.id}", me,
                    {"figures": full_figures(indicator)}).status_code == 200
    if criteria_set.recognition.conditions:
        assert send(api, "PUT", f"{url}/declarations", me, {"declarations": {
            c.id: True for c in criteria_set.recognition.conditions}}).status_code == 200
    for path, body in (("/self-assessment", {"submitted_on": "2026-10-30"}),
                       ("/posting", {"start": "2026-11-02", "channel": "office"}),
                       ("/posting/end", {"ended_on": "2026-11-20"}),
                       ("/dossier", {"submitted_on": "2026-11-23"})):
        answer = send(api, "POST", url + path, me, body)
        assert answer.status_code == 200, answer.text

    department = signed_in(api, "sotuphap.hanoi")
    queue = department.get(api.url + DESK + "?nam=2026")
    row = re.search(rf'<tr data-commune="{commune}"[^>]*>(.*?)</tr>', queue.text, re.S).group(1)
    assert "Kiểm tra hồ sơ" in row and "Thành phố Hà Nội" in queue.text
    answer = post(api, department, f"{DESK}/{commune}/2026", "form-kiem-tra",
                  {"checked_on": "2026-11-25"})
    assert answer.status_code == 303, answer.text[-600:]
    # a district office of Thanh Hóa has no 2026 dossiers to review: the province does
    district = signed_in(api, "tuphap.dongson")
    told = district.get(api.url + DESK + "?nam=2026")
    assert 'data-level="province"' in told.text and 'id="hang-doi"' not in told.text
    assert send(api, "GET", url, ADMIN).json()["state"] == "checked"
    # the province's council, on pass/fail indicators
    council = signed_in(api, "thuky.hanoi")
    board = f"{DESK}/{commune}/2026/hoi-dong"
    assert post(api, council, board, "form-bat-dau", {
        "method": "written", "council_size": "1", "started_on": "2026-11-26"}).status_code == 303
    shown = council.get(api.url + board)
    first = criteria_set.indicators()[0].id
    assert f'name="achieved-{first}" value="true"' in shown.text
    assert 'value="meeting"' not in shown.text.split('id="form-y-kien"')[1].split("</form>")[0]
    answer = post(api, council, board, "form-cham-diem",
                  {f"achieved-{first}": "false", f"reason-{first}": "Chưa đủ văn bản"})
    assert answer.status_code == 303
    assert send(api, "GET", url, ADMIN).json()["appraisal"]["scores"][first] == {
        "points": None, "achieved": False, "reason": "Chưa đủ văn bản"}

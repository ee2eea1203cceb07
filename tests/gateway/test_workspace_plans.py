"""The plans pages over HTTP against the whole real platform (gateway, plans, accounts …): a
.docx imported, its doubts shown beside the lines not read, a doubt fixed, the plan reviewed
and issued; an agency reporting on its own task and refused another's; bad input answered in
Vietnamese with nothing changed; another province's plan refused; the overdue list and the
yearly summary."""

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import docx
import openpyxl
import pytest
import requests
from nameko.standalone.rpc import ClusterRpcProxy

from tests.support.accounts_platform import FAST_HASHING
from tests.support.assessment_platform import token
from tests.support.full_platform import full_platform

pytestmark = pytest.mark.broker

ADMIN = token("administrator", sub="quantri")
SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "plans"  # copies of ../shared/seeds
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "huong-dan" / "anh"
AXE = ROOT / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
BROWSER_SCRIPT = Path(__file__).with_name("browser_plans.py")
PASSWORD = "sông Mã chảy qua ba bản"
ACCOUNTS = (
    ("tuphap.thanhhoa", "justice_officer", {"province": "38"}, None),
    ("tuphap.laichau", "justice_officer", {"province": "12"}, None),
    ("bao.thanhhoa", "agency_officer", {}, "38:bao-thanh-hoa"),
    ("sotuphap.thanhhoa", "agency_officer", {}, "38:so-tu-phap"),
)
PLAN_LINES = """ỦY BAN NHÂN DÂN
TỈNH THANH HÓA

KẾ HOẠCH
Xây dựng xã, phường đạt chuẩn tiếp cận pháp luật năm 2022

I. MỤC ĐÍCH, YÊU CẦU
Triển khai có hiệu quả.

II. NỘI DUNG

1. Tuyên truyền trên Báo Thanh Hóa.
- Đơn vị chủ trì: Báo Thanh Hóa.
- Thời gian thực hiện: Quý I/2022.
- Sản phẩm: Tin, bài.

2. Tập huấn nghiệp vụ cho công chức Tư pháp - Hộ tịch.
- Thời gian thực hiện: Quý II/2022.
- Sản phẩm: Hội nghị tập huấn.
""".splitlines()


def docx_plan() -> bytes:
    document = docx.Document()
    for line in PLAN_LINES:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workspace-plans")
    with full_platform(folder, **FAST_HASHING) as client:
        for username, role, where, agency in ACCOUNTS:
            made = client.request("POST", "/api/v1/accounts", ADMIN, json={
                "username": username, "display_name": f"Người dùng {username}", "role": role,
                "jurisdiction": where, "agency": agency, "password": PASSWORD})
            assert made.status_code == 201, made.text
        yield client


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def version_of(html: str) -> str:
    return re.search(r'name="expected_version" value="(\d+)"', html).group(1)


def signed_in(api, username) -> requests.Session:
    browser = requests.Session()
    form = browser.get(api.url + "/can-bo/dang-nhap")
    answer = browser.post(api.url + "/can-bo/dang-nhap", allow_redirects=False, data={
        "csrf_token": csrf_of(form.text), "username": username, "password": PASSWORD})
    assert answer.status_code == 303, answer.text[-500:]
    return browser


def post(browser, api, path, data, files=None):
    form = browser.get(api.url + path)
    assert form.status_code == 200, form.text[-800:]
    return browser.post(api.url + path, data={"csrf_token": csrf_of(form.text), **data},
                        files=files, allow_redirects=False)


def plan_of(api, plan_id):
    return api.request("GET", f"/api/v1/plans/{plan_id}", ADMIN).json()


def imported(api, browser) -> str:
    answer = post(browser, api, "/can-bo/ke-hoach/nhap", {"province_code": "38"},
                  files={"tep": ("ke-hoach-2022.docx", docx_plan(),
                                 "application/vnd.openxmlformats-officedocument."
                                 "wordprocessingml.document")})
    assert answer.status_code == 303, answer.text[-1500:]
    found = re.fullmatch(r"/can-bo/ke-hoach/(\w+)/ra-soat\?da=nhap", answer.headers["Location"])
    return found.group(1)


def test_a_docx_plan_is_imported_reviewed_with_a_doubt_fixed_and_issued(api):
    officer = signed_in(api, "tuphap.thanhhoa")
    listing = officer.get(api.url + "/can-bo/ke-hoach")
    assert listing.status_code == 200 and 'id="nhap-ke-hoach"' in listing.text
    plan_id = imported(api, officer)
    plan = plan_of(api, plan_id)
    assert plan["source"]["format"] == "docx" and plan["status"] == "draft"
    review = officer.get(api.url + f"/can-bo/ke-hoach/{plan_id}/ra-soat?da=nhap")
    assert review.status_code == 200
    assert "Đã nhập bản nháp kế hoạch" in review.text
    # The doubts, in Vietnamese, beside the parsed plan: task 2 has no lead; the .docx has no
    # number, date or signer.
    assert re.search(r'data-kind="lead_missing" data-task="2"', review.text)
    assert "Chưa đọc được người ký." in review.text and 'data-kind="number_missing">' in review.text
    assert "Nhiệm vụ chưa có cơ quan chủ trì." in review.text
    assert 'id="dong-chua-doc"' in review.text

    # A lead from another province is refused and changes nothing.
    form_path = f"/can-bo/ke-hoach/{plan_id}/nhiem-vu/2/sua"
    form = officer.get(api.url + form_path)
    assert "Sở Tư pháp" in form.text
    refused = officer.post(api.url + form_path, allow_redirects=False, data={
        "csrf_token": csrf_of(form.text), "expected_version": version_of(form.text),
        "title": "Tập huấn nghiệp vụ cho công chức Tư pháp - Hộ tịch.",
        "lead_agencies": ["12:so-tu-phap"], "timeframe": "Quý II/2022",
        "outputs": "Hội nghị tập huấn."})
    assert refused.status_code == 400 and "Có lỗi cần sửa" in refused.text
    assert "không thuộc tỉnh của kế hoạch" in refused.text
    assert plan_of(api, plan_id)["version"] == plan["version"]

    fixed = officer.post(api.url + form_path, allow_redirects=False, data={
        "csrf_token": csrf_of(form.text), "expected_version": version_of(form.text),
        "title": "Tập huấn nghiệp vụ cho công chức Tư pháp - Hộ tịch.",
        "lead_agencies": ["38:so-tu-phap"], "coordinating_agencies": ["38:ubnd-cap-xa"],
        "timeframe": "Quý II/2022", "outputs": "Hội nghị tập huấn."})
    assert fixed.status_code == 303, fixed.text[-1500:]
    task = next(t for t in plan_of(api, plan_id)["tasks"] if t["number"] == "2")
    assert [a["id"] for a in task["lead_agencies"]] == ["38:so-tu-phap"]
    review = officer.get(api.url + f"/can-bo/ke-hoach/{plan_id}/ra-soat")
    assert re.search(r'doubt-settled" data-kind="lead_missing" data-task="2"', review.text)

    # The form sent again with its old version: someone changed the plan meanwhile.
    stale = officer.post(api.url + form_path, allow_redirects=False, data={
        "csrf_token": csrf_of(form.text), "expected_version": version_of(form.text),
        "title": "Nội dung khác", "timeframe": "Quý II/2022"})
    assert stale.status_code == 400 and "vừa được người khác thay đổi" in stale.text

    # Issuing before review is refused; review, then issue with a number.
    early = post(officer, api, f"/can-bo/ke-hoach/{plan_id}/ban-hanh",
                 {"number": "12/KH-UBND", "expected_version": plan_of(api, plan_id)["version"]})
    assert early.status_code == 400 and "trạng thái bản nháp nên chưa ban hành được" in early.text
    reviewed = post(officer, api, f"/can-bo/ke-hoach/{plan_id}/ra-soat",
                    {"note": "Đã đối chiếu văn bản gốc.",
                     "expected_version": plan_of(api, plan_id)["version"]})
    assert reviewed.status_code == 303
    bad_date = post(officer, api, f"/can-bo/ke-hoach/{plan_id}/ban-hanh",
                    {"number": "12/KH-UBND", "issued_on": "15/01/2022",
                     "expected_version": plan_of(api, plan_id)["version"]})
    assert bad_date.status_code == 400 and 'aria-invalid="true"' in bad_date.text
    assert plan_of(api, plan_id)["status"] == "reviewed"
    issued = post(officer, api, f"/can-bo/ke-hoach/{plan_id}/ban-hanh",
                  {"number": "12/KH-UBND", "issued_on": "2022-01-15",
                   "expected_version": plan_of(api, plan_id)["version"]})
    assert issued.status_code == 303
    plan = plan_of(api, plan_id)
    assert (plan["status"], plan["number"], plan["date"]) == ("issued", "12/KH-UBND", "2022-01-15")
    page = officer.get(api.url + f"/can-bo/ke-hoach/{plan_id}?da=ban-hanh")
    assert "Đã ban hành kế hoạch" in page.text and 'id="form-tong-ket"' in page.text


def test_an_agency_reports_on_its_own_tasks_only(api):
    officer = signed_in(api, "tuphap.thanhhoa")
    plan_id = imported(api, officer)
    version = plan_of(api, plan_id)["version"]
    assert post(officer, api, f"/can-bo/ke-hoach/{plan_id}/ra-soat",
                {"expected_version": version}).status_code == 303
    assert post(officer, api, f"/can-bo/ke-hoach/{plan_id}/ban-hanh",
                {"number": "13/KH-UBND", "expected_version": version + 1}).status_code == 303

    newspaper = signed_in(api, "bao.thanhhoa")
    home = newspaper.get(api.url + "/can-bo/")
    assert "/can-bo/nhiem-vu-co-quan" in home.text and "/can-bo/ke-hoach/nhap" not in home.text
    tasks = newspaper.get(api.url + "/can-bo/nhiem-vu-co-quan")
    assert tasks.status_code == 200 and "Báo Thanh Hóa" in tasks.text
    assert f"/can-bo/ke-hoach/{plan_id}/nhiem-vu/1/tien-do" in tasks.text
    path = f"/can-bo/ke-hoach/{plan_id}/nhiem-vu/1/tien-do"
    # completed below 100%: the rule in Vietnamese, nothing recorded
    wrong = post(newspaper, api, path, {"status": "completed", "percent": "60"})
    assert wrong.status_code == 400 and "khi và chỉ khi đạt 100%" in wrong.text
    not_a_number = post(newspaper, api, path, {"status": "in_progress", "percent": "nhiều"})
    assert not_a_number.status_code == 400 and 'id="f-percent-loi"' in not_a_number.text
    assert "số nguyên từ 0 đến 100" in not_a_number.text and "Not a valid" not in not_a_number.text
    assert plan_of(api, plan_id)["tasks"][0]["reports"] == []
    done = post(newspaper, api, path, {"status": "in_progress", "percent": "60",
                                       "note": "Đã đăng 12 tin, bài."})
    assert done.status_code == 303 and done.headers["Location"] == "/can-bo/nhiem-vu-co-quan?da=tien-do"
    report = plan_of(api, plan_id)["tasks"][0]["last_report"]
    assert (report["agency"], report["percent"], report["note"]) == (
        "38:bao-thanh-hoa", 60, "Đã đăng 12 tin, bài.")
    plan_page = newspaper.get(api.url + f"/can-bo/ke-hoach/{plan_id}").text
    assert f"/can-bo/ke-hoach/{plan_id}/nhiem-vu/1/tien-do" in plan_page
    assert f"/can-bo/ke-hoach/{plan_id}/nhiem-vu/2/tien-do" not in plan_page
    # Task 2 is led by nobody (the import's doubt was left): the newspaper may not report it.
    other = post(newspaper, api, f"/can-bo/ke-hoach/{plan_id}/nhiem-vu/2/tien-do",
                 {"status": "in_progress", "percent": "10"})
    assert other.status_code == 400 and "không chủ trì nhiệm vụ 2" in other.text
    # and may not import, edit or issue
    for path in ("/can-bo/ke-hoach/nhap", f"/can-bo/ke-hoach/{plan_id}/sua",
                 f"/can-bo/ke-hoach/{plan_id}/ban-hanh"):
        assert newspaper.get(api.url + path).status_code == 403


def test_another_provinces_plan_and_bad_imports_are_refused_in_vietnamese(api):
    officer = signed_in(api, "tuphap.thanhhoa")
    plan_id = imported(api, officer)
    lai_chau = signed_in(api, "tuphap.laichau")
    shown = lai_chau.get(api.url + f"/can-bo/ke-hoach/{plan_id}")
    assert shown.status_code == 200  # plans are public; its editing is not
    assert 'id="buoc-tiep-theo"' not in shown.text and "/ra-soat" not in shown.text
    for path in (f"/can-bo/ke-hoach/{plan_id}/ra-soat", f"/can-bo/ke-hoach/{plan_id}/sua",
                 f"/can-bo/ke-hoach/{plan_id}/nhiem-vu/1/sua"):
        refused = lai_chau.get(api.url + path)
        assert refused.status_code == 403 and "data-rule" in refused.text, path
    form = lai_chau.get(api.url + "/can-bo/ke-hoach/nhap")
    # the hidden province changed by hand: refused by the import's rule, nothing imported
    before = len(api.request("GET", "/api/v1/plans?province=38", ADMIN).json()["plans"])
    forged = lai_chau.post(api.url + "/can-bo/ke-hoach/nhap", data={
        "csrf_token": csrf_of(form.text), "province_code": "38", "content": "\n".join(PLAN_LINES)})
    assert forged.status_code == 403
    empty = lai_chau.post(api.url + "/can-bo/ke-hoach/nhap", data={
        "csrf_token": csrf_of(form.text), "province_code": "12", "content": ""})
    assert empty.status_code == 400 and 'id="f-content-loi"' in empty.text
    assert "Chọn tệp Word (.docx) hoặc dán nội dung văn bản" in empty.text
    not_docx = lai_chau.post(api.url + "/can-bo/ke-hoach/nhap", data={
        "csrf_token": csrf_of(form.text), "province_code": "12"},
        files={"tep": ("ke-hoach.docx", b"PK\x03\x04 not a zip", "application/octet-stream")})
    assert not_docx.status_code == 400 and "không phải tệp .docx" in not_docx.text
    nothing = lai_chau.post(api.url + "/can-bo/ke-hoach/nhap", data={
        "csrf_token": csrf_of(form.text), "province_code": "12",
        "content": "Một đoạn văn không có nhiệm vụ nào."})
    assert nothing.status_code == 400 and "không có nhiệm vụ nào đọc được" in nothing.text
    assert len(api.request("GET", "/api/v1/plans?province=38", ADMIN).json()["plans"]) == before
    assert api.request("GET", "/api/v1/plans?province=12", ADMIN).json()["plans"] == []


def test_a_real_plan_pasted_as_text_shows_its_doubts_and_unread_lines(api):
    officer = signed_in(api, "tuphap.laichau")
    with open(SEEDS / "lai-chau-2021-plan.md", encoding="utf-8") as seed:
        answer = post(officer, api, "/can-bo/ke-hoach/nhap", {"province_code": "12",
                                                             "content": seed.read()})
    assert answer.status_code == 303, answer.text[-1500:]
    review = officer.get(api.url + answer.headers["Location"])
    assert "Chưa đọc được ngày ban hành." in review.text
    assert "TM. ỦY BAN NHÂN DÂN, KT. CHỦ TỊCH, PHÓ CHỦ TỊCH Tổng Thanh Hải" in review.text
    assert review.text.count('class="doubt"') == 2  # number and date, for the plan
    plan_id = answer.headers["Location"].split("/")[3]
    edit = post(officer, api, f"/can-bo/ke-hoach/{plan_id}/sua", {
        "title": plan_of(api, plan_id)["title"], "issuer": plan_of(api, plan_id)["issuer"],
        "number": "2150/KH-UBND", "date": "2021-09-20", "year": "2021",
        "expected_version": plan_of(api, plan_id)["version"]})
    assert edit.status_code == 303, edit.text[-1500:]
    review = officer.get(api.url + f"/can-bo/ke-hoach/{plan_id}/ra-soat")
    assert review.text.count('class="doubt doubt-settled"') == 2
    unchanged = post(officer, api, f"/can-bo/ke-hoach/{plan_id}/sua", {
        "title": plan_of(api, plan_id)["title"], "issuer": plan_of(api, plan_id)["issuer"],
        "number": "2150/KH-UBND", "date": "2021-09-20", "year": "2021",
        "expected_version": plan_of(api, plan_id)["version"]})
    assert unchanged.status_code == 400 and "Chưa có thay đổi nào" in unchanged.text
    stale = post(officer, api, f"/can-bo/ke-hoach/{plan_id}/sua", {
        "title": "Kế hoạch khác", "year": "2021", "expected_version": "1"})
    assert stale.status_code == 400 and "vừa được người khác thay đổi" in stale.text
    bad = post(officer, api, f"/can-bo/ke-hoach/{plan_id}/sua", {
        "title": plan_of(api, plan_id)["title"], "year": "hai nghìn", "date": "20/9/2021",
        "expected_version": plan_of(api, plan_id)["version"]})
    assert bad.status_code == 400 and 'id="f-year-loi"' in bad.text and 'id="f-date-loi"' in bad.text


def test_overdue_tasks_and_the_yearly_summary(api):
    officer = signed_in(api, "tuphap.thanhhoa")
    plan_id = imported(api, officer)
    version = plan_of(api, plan_id)["version"]
    post(officer, api, f"/can-bo/ke-hoach/{plan_id}/ra-soat", {"expected_version": version})
    post(officer, api, f"/can-bo/ke-hoach/{plan_id}/ban-hanh",
         {"number": "14/KH-UBND", "expected_version": version + 1})
    overdue = officer.get(api.url + "/can-bo/ke-hoach/qua-han")
    assert overdue.status_code == 200
    assert f'data-plan="{plan_id}"' not in overdue.text
    # The hourly check, run now as an operator would, for a day after task 1's due date.
    with ClusterRpcProxy(api.config, timeout=15) as proxy:
        proxy.plans.check_overdue("2022-04-01")
    overdue = officer.get(api.url + "/can-bo/ke-hoach/qua-han")
    assert re.search(rf'data-plan="{plan_id}" data-task="1"', overdue.text)
    assert "Báo Thanh Hóa" in overdue.text
    # As of any day, without the flags: late by working days (Sat 02/04 and Sun 03/04 skipped)
    on_day = officer.get(api.url + "/can-bo/ke-hoach/qua-han?ngay=2022-04-04")
    assert re.search(rf'data-plan="{plan_id}" data-task="1"', on_day.text)
    assert "tính đến ngày 04/04/2022" in on_day.text and "ngày làm việc)" in on_day.text
    assert officer.get(api.url + "/can-bo/ke-hoach/qua-han?ngay=4-4-22").status_code == 400
    tasks = signed_in(api, "bao.thanhhoa").get(api.url + "/can-bo/nhiem-vu-co-quan")
    assert "Quá hạn" in tasks.text
    summary = officer.get(api.url + f"/can-bo/ke-hoach/{plan_id}/tong-ket?nam=2022&loai=so_ket")
    assert summary.status_code == 200
    assert summary.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "so-ket" in summary.headers["Content-Disposition"]
    openpyxl.load_workbook(io.BytesIO(summary.content))
    bad = officer.get(api.url + f"/can-bo/ke-hoach/{plan_id}/tong-ket?nam=hai-nghin")
    assert bad.status_code == 400 and "<html" in bad.text


@pytest.mark.browser
def test_the_plans_pages_in_chromium(api, tmp_path):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/ensure-axe.sh")
    plan = tmp_path / "ke-hoach-thanh-hoa-2022.docx"
    plan.write_bytes(docx_plan())
    for old in SHOTS.glob("ke-hoach-*.png"):
        old.unlink()
    setup = json.dumps({"docx": str(plan), "axe": str(AXE), "accounts": {
        "department": {"username": "tuphap.thanhhoa", "password": PASSWORD},
        "agency": {"username": "bao.thanhhoa", "password": PASSWORD}}})
    # eventlet's green subprocess lets the in-process gateway serve the browser meanwhile.
    completed = subprocess.run([sys.executable, str(BROWSER_SCRIPT), api.url, str(SHOTS), setup],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    assert seen["errors"] == [] and seen["requests_outside"] == []
    assert seen["axe_violations"] == [] and len(seen["axe_checked"]) > 10
    assert seen["plans_heading"] == "Kế hoạch"
    assert seen["empty_import"] and "Nội dung kế hoạch" in seen["empty_import"][0]
    assert seen["after_import"].endswith("/ra-soat?da=nhap")
    assert "Đã nhập bản nháp kế hoạch" in seen["import_notice"]
    assert any("Nhiệm vụ 2" in d and "chưa có cơ quan chủ trì" in d for d in seen["doubts"])
    assert seen["after_fix"] == 0 and any("Đã sửa" in d for d in seen["settled"])
    assert sorted(seen["plan_doubts"]) == ["date_missing", "number_missing", "signer_missing"]
    assert seen["reviewed_status"] == "Đã rà soát"
    assert seen["issue_without_number"] == ["Số ký hiệu: Nhập số ký hiệu của kế hoạch, ví dụ "
                                            "123/KH-UBND."]
    assert seen["issued_status"] == "Đã ban hành" and "Đã ban hành" in seen["issued_notice"]
    assert seen["summary_file"].endswith("-2022.xlsx")
    assert "Nhiệm vụ của cơ quan" in seen["agency_links"]
    assert seen["progress_error"] == ["Tỷ lệ hoàn thành: Nhiệm vụ hoàn thành khi và chỉ khi "
                                      "đạt 100%."]
    assert "Đã ghi nhận" in seen["progress_notice"] and seen["progress_row"] == "completed"
    assert all(width <= 0 for width in seen["phone_overflow"].values()), seen["phone_overflow"]
    for name in ("danh-sach", "nhap", "ra-soat", "sua-nhiem-vu", "ban-hanh", "da-ban-hanh",
                 "co-quan", "bao-cao-tien-do", "dien-thoai", "co-quan-dien-thoai"):
        assert (SHOTS / f"ke-hoach-{name}.png").stat().st_size > 5_000, name

"""The survey pages over HTTP against the whole real platform: a province's justice department
opens a campaign, registers a kiosk (its pairing code shown once), issues single-use codes on a
print-friendly page, a kiosk sends answers, the results show the satisfaction rate, the
campaign is closed and the kiosk revoked; bad input is answered in Vietnamese and changes
nothing; another province's campaign and kiosk are refused; a commune officer reads their own
commune's campaign but cannot set one up. Then the same path in chromium, at 390 px too."""

import json
import re
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import requests

from kernel import clock
from tests.support.accounts_platform import FAST_HASHING
from tests.support.assessment_platform import token
from tests.support.full_platform import full_platform

pytestmark = pytest.mark.broker

ADMIN = token("administrator", sub="quantri")
PASSWORD = "sông Mã chảy qua ba bản"
HAM_RONG, BINH_LU = "14758", "03390"  # Thanh Hóa's Phường Hàm Rồng, Lai Châu's Xã Bình Lư
HAC_THANH = "14797"  # Thanh Hóa's Phường Hạc Thành
ACCOUNTS = (
    ("tuphap.thanhhoa", "justice_officer", {"province": "38"}),
    ("tuphap.laichau", "justice_officer", {"province": "12"}),
    ("congchuc.hamrong", "commune_officer", {"province": "38", "commune": HAM_RONG}),
)
QUESTIONS = ("cong-khai", "thai-do", "thoi-gian", "pho-bien", "chung")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "huong-dan" / "anh"
AXE = ROOT / "var" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
BROWSER_SCRIPT = Path(__file__).with_name("browser_survey.py")


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workspace-survey")
    with full_platform(folder, SURVEY_MIN_ANSWERS=2, **FAST_HASHING) as client:
        for username, role, where in ACCOUNTS:
            made = client.request("POST", "/api/v1/accounts", ADMIN, json={
                "username": username, "display_name": f"Người dùng {username}", "role": role,
                "jurisdiction": where, "password": PASSWORD})
            assert made.status_code == 201, made.text
        yield client


def today():
    return clock.now().date()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def signed_in(api, username) -> requests.Session:
    browser = requests.Session()
    form = browser.get(api.url + "/can-bo/dang-nhap")
    answer = browser.post(api.url + "/can-bo/dang-nhap", allow_redirects=False, data={
        "csrf_token": csrf_of(form.text), "username": username, "password": PASSWORD})
    assert answer.status_code == 303, answer.text[-500:]
    return browser


def post(browser, api, path, data):
    form = browser.get(api.url + path)
    assert form.status_code == 200, form.text[-800:]
    return browser.post(api.url + path, data={"csrf_token": csrf_of(form.text), **data},
                        allow_redirects=False)


def campaign_form(commune, period, **extra):
    return {"commune_code": commune, "period": period,
            "opens_on": (today() - timedelta(days=1)).isoformat(),
            "closes_on": (today() + timedelta(days=20)).isoformat(), "target_sample": "3",
            **extra}


def answer(api, kiosk_token, campaign_id, level, code=None):
    return api.session.post(api.url + "/api/v1/kiosk/responses", timeout=15,
                            headers={"Authorization": f"Kiosk {kiosk_token}"}, json={
                                "response_id": str(uuid.uuid4()), "campaign_id": campaign_id,
                                "questionnaire_id": "hai-long-tiep-can-phap-luat",
                                "questionnaire_version": 1, "code": code,
                                "answers": {q: level for q in QUESTIONS}})


def test_a_campaign_from_opening_to_its_results(api):
    officer = signed_in(api, "tuphap.thanhhoa")
    home = officer.get(api.url + "/can-bo/khao-sat")
    assert home.status_code == 200 and 'id="mo-dot"' in home.text
    period = str(today().year)
    # a mistake first: the messages in Vietnamese, nothing opened
    wrong = post(officer, api, "/can-bo/khao-sat/mo-dot",
                 campaign_form(HAM_RONG, "năm nay", target_sample="nhiều"))
    assert wrong.status_code == 400 and 'id="f-period-loi"' in wrong.text
    assert 'id="f-target_sample-loi"' in wrong.text and "Cỡ mẫu là số nguyên" in wrong.text
    missing = api.request("GET", f"/api/v1/survey/campaigns/{HAM_RONG}-{period}", ADMIN)
    assert missing.status_code == 404
    opened = post(officer, api, "/can-bo/khao-sat/mo-dot",
                  campaign_form(HAM_RONG, period, require_code="1"))
    assert opened.status_code == 303, opened.text[-1500:]
    campaign_id = f"{HAM_RONG}-{period}"
    assert opened.headers["Location"] == f"/can-bo/khao-sat/dot/{campaign_id}?da=mo-dot"
    again = post(officer, api, "/can-bo/khao-sat/mo-dot", campaign_form(HAM_RONG, period))
    assert again.status_code == 400 and "Có lỗi cần sửa" in again.text
    found = officer.get(api.url + f"/can-bo/khao-sat?xa={HAM_RONG}&ky={period}",
                        allow_redirects=False)
    assert found.headers["Location"] == f"/can-bo/khao-sat/dot/{campaign_id}"
    page = officer.get(api.url + f"/can-bo/khao-sat/dot/{campaign_id}")
    assert "Phường Hàm Rồng" in page.text and 'data-state="open"' in page.text

    # a kiosk: its pairing code once, on the registration's answer
    registered = post(officer, api, "/can-bo/khao-sat/thiet-bi/dang-ky",
                      {"commune_code": HAM_RONG, "label": "Quầy số 1"})
    assert registered.status_code == 200 and registered.headers["Cache-Control"] == "no-store"
    kiosk_token = re.search(r'id="ma-ghep-noi"><code>([^<]+)</code>', registered.text).group(1)
    kiosk_id = re.search(r"/can-bo/khao-sat/thiet-bi/([0-9a-f]{32})", registered.text).group(1)
    kiosk_page = officer.get(api.url + f"/can-bo/khao-sat/thiet-bi/{kiosk_id}")
    assert kiosk_page.status_code == 200 and kiosk_token not in kiosk_page.text

    # single-use codes to print
    too_many = post(officer, api, f"/can-bo/khao-sat/dot/{campaign_id}/ma", {"count": "501"})
    assert too_many.status_code == 400 and "Số mã là số nguyên từ 1 đến 500." in too_many.text
    codes = post(officer, api, f"/can-bo/khao-sat/dot/{campaign_id}/ma", {"count": "3"})
    assert codes.status_code == 200 and codes.headers["Cache-Control"] == "no-store"
    printed = re.findall(r'<li class="code-slip">.*?<code>([^<]+)</code>', codes.text)
    assert len(printed) == 3

    # answers from the kiosk, with the codes; the results at the publication minimum (2)
    for code, level in zip(printed, (5, 4, 2), strict=True):
        sent = answer(api, kiosk_token, campaign_id, level, code)
        assert sent.status_code in (200, 201), sent.text
    results = officer.get(api.url + f"/can-bo/khao-sat/dot/{campaign_id}/ket-qua")
    assert results.status_code == 200
    assert re.search(r'class="figure">66,67%', results.text), results.text[-3000:]
    assert "Tạm tính" in results.text

    # the commune's own officer reads it, sets up nothing
    own = signed_in(api, "congchuc.hamrong")
    assert 'id="ket-thuc"' not in own.get(api.url + f"/can-bo/khao-sat/dot/{campaign_id}").text
    assert own.get(api.url + f"/can-bo/khao-sat/dot/{campaign_id}/ket-qua").status_code == 200
    for path in ("/can-bo/khao-sat/mo-dot", f"/can-bo/khao-sat/dot/{campaign_id}/ma",
                 f"/can-bo/khao-sat/dot/{campaign_id}/ket-thuc",
                 f"/can-bo/khao-sat/thiet-bi/{kiosk_id}/thu-hoi"):
        assert own.get(api.url + path).status_code == 403, path

    # another province's department: refused, with the rule
    other = signed_in(api, "tuphap.laichau")
    for path in (f"/can-bo/khao-sat/dot/{campaign_id}", f"/can-bo/khao-sat/thiet-bi/{kiosk_id}"):
        refused = other.get(api.url + path)
        assert refused.status_code == 403 and "data-rule" in refused.text, path
    form = other.get(api.url + "/can-bo/khao-sat/mo-dot")
    forged = other.post(api.url + "/can-bo/khao-sat/mo-dot", data={
        "csrf_token": csrf_of(form.text), **campaign_form(HAM_RONG, f"{period}-q4")})
    assert forged.status_code == 403
    assert api.request("GET", f"/api/v1/survey/campaigns/{HAM_RONG}-{period}-q4",
                       ADMIN).status_code == 404

    # closing: final results; the kiosk then revoked
    closed = post(officer, api, f"/can-bo/khao-sat/dot/{campaign_id}/ket-thuc", {})
    assert closed.status_code == 303
    final = officer.get(api.url + closed.headers["Location"])
    assert "Đã kết thúc đợt khảo sát" in final.text and "Chính thức" in final.text
    late = post(officer, api, f"/can-bo/khao-sat/dot/{campaign_id}/ma", {"count": "1"})
    assert late.status_code == 400 and "Có lỗi cần sửa" in late.text

    # reopening: a reason and a new last day, or it is refused in Vietnamese, nothing changed
    campaign_page = officer.get(api.url + f"/can-bo/khao-sat/dot/{campaign_id}").text
    assert 'id="mo-lai"' in campaign_page
    reopen = f"/can-bo/khao-sat/dot/{campaign_id}/mo-lai"
    assert own.get(api.url + reopen).status_code == 403
    blank = post(officer, api, reopen, {"reason": "", "closes_on": today().isoformat()})
    assert blank.status_code == 400 and "Nhập lý do mở lại" in blank.text
    assert 'data-state="closed"' in officer.get(api.url + f"/can-bo/khao-sat/dot/{campaign_id}").text
    reopened = post(officer, api, reopen, {"reason": "Thiết bị hỏng tuần cuối",
                                           "closes_on": (today() + timedelta(days=3)).isoformat()})
    assert reopened.status_code == 303, reopened.text[-800:]
    shown = officer.get(api.url + reopened.headers["Location"]).text
    assert 'data-state="open"' in shown and "Thiết bị hỏng tuần cuối" in shown
    assert "Đã mở lại đợt khảo sát" in shown
    closed = post(officer, api, f"/can-bo/khao-sat/dot/{campaign_id}/ket-thuc", {})
    assert closed.status_code == 303
    revoked = post(officer, api, f"/can-bo/khao-sat/thiet-bi/{kiosk_id}/thu-hoi",
                   {"reason": "Thiết bị bị mất"})
    assert revoked.status_code == 303
    kiosk_page = officer.get(api.url + revoked.headers["Location"])
    assert 'data-state="revoked"' in kiosk_page.text and "Thiết bị bị mất" in kiosk_page.text


def test_a_form_04_campaign_beside_the_satisfaction_survey(api):
    """Mẫu 04 of Circular 09/2021/TT-BTP: the organiser chooses the form, the campaign gets its
    own id beside the commune's satisfaction survey of the same period, and its pages speak of
    effectiveness, not satisfaction."""
    officer = signed_in(api, "tuphap.thanhhoa")
    period = str(today().year)
    home = officer.get(api.url + "/can-bo/khao-sat")
    assert 'id="mo-dot-mau-04"' in home.text and 'id="loai-dot"' in home.text
    assert 'value="mau-04"' in officer.get(api.url + "/can-bo/khao-sat/mo-dot?loai=mau-04").text
    opened = post(officer, api, "/can-bo/khao-sat/mo-dot?loai=mau-04",
                  campaign_form(HAC_THANH, period, loai="mau-04"))
    assert opened.status_code == 303, opened.text[-1500:]
    campaign_id = f"{HAC_THANH}-{period}-mau04"
    assert opened.headers["Location"] == f"/can-bo/khao-sat/dot/{campaign_id}?da=mo-dot"
    found = officer.get(api.url + f"/can-bo/khao-sat?xa={HAC_THANH}&ky={period}&loai=mau-04",
                        allow_redirects=False)
    assert found.headers["Location"] == f"/can-bo/khao-sat/dot/{campaign_id}"
    page = officer.get(api.url + f"/can-bo/khao-sat/dot/{campaign_id}").text
    assert 'data-purpose="dissemination_models"' in page and "Mẫu 04" in page
    assert "tủ sách pháp luật" in page  # the built-in Form 04 questionnaire
    # the satisfaction survey of the same commune and period: not opened yet, then beside it
    assert 'id="dot-cung-ky" data-kind="hai-long"' in page
    offered = f"/can-bo/khao-sat/mo-dot?loai=hai-long&amp;xa={HAC_THANH}&amp;ky={period}"
    assert offered in page
    prefilled = officer.get(api.url + offered.replace("&amp;", "&")).text
    assert f'value="{HAC_THANH}"' in prefilled and f'id="f-period" name="period" type="text" value="{period}"' in prefilled
    satisfaction = post(officer, api, "/can-bo/khao-sat/mo-dot",
                        campaign_form(HAC_THANH, period))
    assert satisfaction.headers["Location"].startswith(f"/can-bo/khao-sat/dot/{HAC_THANH}-{period}?")
    page = officer.get(api.url + f"/can-bo/khao-sat/dot/{campaign_id}").text
    assert f'href="/can-bo/khao-sat/dot/{HAC_THANH}-{period}"' in page
    other = officer.get(api.url + f"/can-bo/khao-sat/dot/{HAC_THANH}-{period}").text
    assert 'data-purpose="satisfaction"' in other and f"{campaign_id}</a>" in other
    again = post(officer, api, "/can-bo/khao-sat/mo-dot",
                 campaign_form(HAC_THANH, period, loai="mau-04"))
    assert again.status_code == 400 and "Có lỗi cần sửa" in again.text

    results = officer.get(api.url + f"/can-bo/khao-sat/dot/{campaign_id}/ket-qua").text
    assert "tỷ lệ đánh giá hiệu quả" in results and "Rất không hiệu quả" in results
    assert "hài lòng" not in results.split("<main", 1)[-1].split("</main>")[0]


def test_finding_a_campaign_or_a_kiosk_checks_what_is_typed(api):
    officer = signed_in(api, "tuphap.thanhhoa")
    bad = officer.get(api.url + "/can-bo/khao-sat?xa=123&ky=nam-nay")
    assert bad.status_code == 400 and 'id="f-xa-loi"' in bad.text and 'id="f-ky-loi"' in bad.text
    kiosk = officer.get(api.url + "/can-bo/khao-sat?thiet_bi=khong-phai-ma")
    assert kiosk.status_code == 400 and 'id="f-thiet_bi-loi"' in kiosk.text
    none = officer.get(api.url + f"/can-bo/khao-sat/dot/{BINH_LU}-2020")
    assert none.status_code in (403, 404)


@pytest.mark.browser
def test_the_survey_pages_in_chromium(api):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    if not AXE.exists():
        pytest.fail("axe-core is missing: run scripts/ensure-axe.sh")
    for old in SHOTS.glob("khao-sat-*.png"):
        old.unlink()
    period = f"{today().year}-q{(today().month - 1) // 3 + 1}"
    setup = json.dumps({
        "username": "tuphap.thanhhoa", "password": PASSWORD, "commune": HAM_RONG, "axe": str(AXE),
        "period": period, "opens_on": (today() - timedelta(days=1)).isoformat(),
        "closes_on": (today() + timedelta(days=20)).isoformat()})
    # eventlet's green subprocess lets the in-process gateway serve the browser meanwhile.
    completed = subprocess.run([sys.executable, str(BROWSER_SCRIPT), api.url, str(SHOTS), setup],
                               capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    assert seen["errors"] == [] and seen["requests_outside"] == []
    assert seen["axe_violations"] == [] and len(seen["axe_checked"]) > 10
    assert any(e.startswith("Kỳ khảo sát:") for e in seen["open_errors"])
    assert seen["open_errors_heading"] == "Có lỗi cần sửa"
    assert seen["campaign_state"] == "Đang mở"
    assert len(seen["pairing_code"]) > 20
    assert seen["codes"] == 12
    assert seen["print_hides_header"] is True
    assert "66,67%" in seen["results_figure"]  # two of three satisfied
    assert seen["kiosk_state"] == "Đã thu hồi" and seen["kiosk_refused"] == 403
    assert all(width <= 0 for width in seen["phone_overflow"].values()), seen["phone_overflow"]
    for name in ("trang-chu", "mo-dot", "dot", "thiet-bi", "ma-in", "ket-qua", "thu-hoi",
                 "dien-thoai"):
        assert (SHOTS / f"khao-sat-{name}.png").stat().st_size > 5_000, name

"""The commune officer's self-assessment pages over HTTP, against the real gateway and the
real assessment and accounts services: a year opened, every indicator's form generated from
the criteria set and filled, the score computed by the service as typed (nothing kept) and
after saving, bad figures refused in Vietnamese with nothing changed, a signed PDF uploaded
(its SHA-256 and signature report shown) and removed, the summary, submitting, reopening
with a reason, declarations, and another commune's pages refused."""

import hashlib
import json
import re
from pathlib import Path

import pytest
import requests

from gateway.workspace import figures as fig
from tests.support import pdfs
from tests.support.accounts_platform import FAST_HASHING
from tests.support.assessment_platform import token
from tests.support.full_platform import full_platform

pytestmark = pytest.mark.broker

ADMIN = token("administrator", sub="quantri")
PASSWORD = "sông Mã chảy qua ba bản"
CRITERIA = Path(__file__).resolve().parents[2] / "rules/criteria/data"
OFFICERS = {
    "congchuc.dongson": {"province": "38", "district": None, "commune": "16378"},
    "congchuc.dongquang": {"province": "38", "district": "405", "commune": "16426"},
    "sotuphap.thanhhoa": {"province": "38", "district": None, "commune": None},
}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workspace-commune")
    ca = pdfs.certificate_authority()
    roots = pdfs.write_trust_roots(folder / "roots", ca)
    with full_platform(folder, EVIDENCE_TRUST_ROOTS=str(roots), **FAST_HASHING) as client:
        for username, where in OFFICERS.items():
            made = client.request("POST", "/api/v1/accounts", ADMIN, json={
                "username": username, "display_name": f"Cán bộ {username}",
                "role": "justice_officer" if username.startswith("sotuphap") else "commune_officer",
                "jurisdiction": where, "password": PASSWORD})
            assert made.status_code == 201, made.text
        client.ca = ca
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


def filled(indicator: dict) -> dict:
    """Figures that achieve the indicator, as the form's fields."""
    data = {}
    for item in fig.items(indicator):
        for f in item.fields:
            data[f.name] = {"count": "", "flag": "true", "points": item.max or "0",
                            "text": "Theo báo cáo của xã",
                            "activities": "Hoạt động một\nHoạt động hai\nHoạt động ba"}[f.kind]
            if f.kind == "count" and f.key != "count":  # activities are listed instead
                data[f.name] = "4"
    return data


def post(browser, url, data, page_html):
    return browser.post(url, data={"csrf_token": csrf_of(page_html),
                                   "expected_version": version_of(page_html), **data},
                        allow_redirects=False)


def test_an_officer_fills_every_indicator_scores_them_and_submits(api):
    base = api.url + "/can-bo/xa/16378/2026"
    browser = signed_in(api, "congchuc.dongson")
    years = browser.get(api.url + "/can-bo/xa")
    assert years.status_code == 200 and 'data-year="2026"' in years.text
    assert "Tự đánh giá của xã" in browser.get(api.url + "/can-bo/").text  # the home's card
    first = browser.get(base)
    assert first.status_code == 200 and "Chưa mở hồ sơ đánh giá" in first.text
    opened = browser.post(base + "/mo", data={"csrf_token": csrf_of(first.text)},
                          allow_redirects=False)
    assert opened.status_code == 303
    dashboard = browser.get(base)
    assert "Đang tự đánh giá, tự chấm điểm" in dashboard.text
    assert 'data-command="submit_self_assessment"' in dashboard.text
    assert "ngày làm việc" in dashboard.text and 'data-kind="dossier"' in dashboard.text
    assert "/niem-yet" not in dashboard.text  # not a next step yet

    criteria = json.loads((CRITERIA / "27-2025.v2.json").read_text(encoding="utf-8"))
    indicators = [i for c in criteria["criteria"] for i in c["indicators"]]
    rate = next(i for i in indicators if i["id"] == "C2.I2")
    page = browser.get(f"{base}/chi-tieu/C2.I2")
    assert page.status_code == 200
    assert "Số đã thực hiện đạt yêu cầu (tử số)" in page.text and "Đạt khi tỷ lệ" in page.text
    assert "<code>disclosed</code>" in page.text
    assert "Mức độ đạt chuẩn:" in page.text and "chưa chính thức" in page.text
    # a content no source names is said to be inferred, beside its name
    resources = browser.get(f"{base}/chi-tieu/C2.I6").text
    assert 'data-wording="inferred"' in resources and "nguồn không nêu tên nội dung này" in resources
    assert "Nội dung 1 của chỉ tiêu (chưa có nội dung trong nguồn)" not in resources
    # an activity-list indicator lists the text's activities to tick (at least one needed)
    digital = browser.get(f"{base}/chi-tieu/C2.I5").text
    assert 'value="Xây dựng chatbox giải đáp pháp luật"' in digital and "Cần ít nhất 1 hoạt động" in digital
    # scored as typed, by the service, and kept nowhere
    draft = browser.post(f"{base}/chi-tieu/C2.I2/tinh-diem", data={
        "csrf_token": csrf_of(page.text), "fig_disclosed": "2", "fig_issued": "4"})
    assert draft.status_code == 200 and "Không đạt" in draft.text and "50.00%" in draft.text
    over = browser.post(f"{base}/chi-tieu/C2.I2/tinh-diem", data={
        "csrf_token": csrf_of(page.text), "fig_disclosed": "5", "fig_issued": "4"})
    assert "lớn hơn tổng số" in over.text
    # bad figures: a Vietnamese message under the field, nothing recorded
    refused = post(browser, f"{base}/chi-tieu/C2.I2", {"fig_disclosed": "ba",
                                                       "fig_issued": "4"}, page.text)
    assert refused.status_code == 400
    assert "Nhập một số nguyên" in refused.text and 'href="#f-fig_disclosed"' in refused.text
    assert browser.get(base).text.count('data-recorded="no"') == len(indicators)
    saved = post(browser, f"{base}/chi-tieu/C2.I2", filled(rate), page.text)
    assert saved.status_code == 303
    shown = browser.get(saved.headers["Location"] if saved.headers["Location"].startswith("http")
                        else api.url + saved.headers["Location"])
    assert "Đã lưu số liệu" in shown.text and "Kết quả đã lưu" in shown.text and "Đạt" in shown.text

    summary = browser.get(base + "/tong-hop")
    assert "Chưa nhập số liệu" in summary.text and 'id="form-hoan-thanh"' in summary.text
    early = post(browser, base + "/hoan-thanh", {}, summary.text)
    assert early.status_code == 400 and "chưa nhập số liệu" in early.text

    for indicator in indicators:
        form = browser.get(f"{base}/chi-tieu/{indicator['id']}")
        answer = post(browser, f"{base}/chi-tieu/{indicator['id']}", filled(indicator), form.text)
        assert answer.status_code == 303, (indicator["id"], answer.text[-2000:])
    summary = browser.get(base + "/tong-hop")
    assert "Chưa nhập số liệu" not in summary.text
    future = post(browser, base + "/hoan-thanh", {"submitted_on": "2099-01-01"}, summary.text)
    assert future.status_code == 400 and "chưa đến" in future.text
    done = post(browser, base + "/hoan-thanh", {}, summary.text)
    assert done.status_code == 303
    dashboard = browser.get(base)
    assert "Đã hoàn thành tự đánh giá" in dashboard.text and "/niem-yet" in dashboard.text

    # reopening: a reason is needed; then drafting again, the figures kept
    form = browser.get(base + "/mo-lai")
    no_reason = post(browser, base + "/mo-lai", {"reason": "", "reopened_on": ""}, form.text)
    assert no_reason.status_code == 400 and 'href="#f-reason"' in no_reason.text
    reopened = post(browser, base + "/mo-lai", {"reason": "Nhập nhầm số liệu C2.I2",
                                                "reopened_on": re.search(
                                                    r'name="reopened_on" type="text" value="([^"]*)"',
                                                    form.text).group(1)}, form.text)
    assert reopened.status_code == 303, reopened.text[-1500:]
    dashboard = browser.get(base)
    assert "Đang tự đánh giá" in dashboard.text and "Nhập nhầm số liệu C2.I2" in dashboard.text
    assert dashboard.text.count('data-recorded="yes"') == len(indicators)


def test_a_signed_pdf_is_uploaded_shown_with_its_report_and_removed(api):
    base = api.url + "/can-bo/xa/16426/2022"
    browser = signed_in(api, "congchuc.dongquang")
    first = browser.get(base)
    browser.post(base + "/mo", data={"csrf_token": csrf_of(first.text)})
    page = browser.get(base + "/chi-tieu/C1.I1")
    signer = pdfs.signer_certified_by(api.ca, "Nguyễn Văn An", "UBND xã Đông Quang")
    pdf = pdfs.signed(pdfs.blank_pdf(), signer, (api.ca,))
    forged = browser.post(base + "/chi-tieu/C1.I1/minh-chung", data={
        "csrf_token": "x" * 43, "expected_version": version_of(page.text)},
        files={"file": ("bien-ban.pdf", pdf, "application/pdf")})
    assert forged.status_code == 403 and 'data-error="csrf_refused"' in forged.text
    none = browser.post(base + "/chi-tieu/C1.I1/minh-chung", data={
        "csrf_token": csrf_of(page.text), "expected_version": version_of(page.text)})
    assert none.status_code == 400 and "Tệp minh chứng" in none.text
    uploaded = browser.post(base + "/chi-tieu/C1.I1/minh-chung", data={
        "csrf_token": csrf_of(page.text), "expected_version": version_of(page.text)},
        files={"file": ("Biên bản họp.pdf", pdf, "application/pdf")}, allow_redirects=False)
    assert uploaded.status_code == 303, uploaded.text[-1500:]
    page = browser.get(base + "/chi-tieu/C1.I1")
    sha = hashlib.sha256(pdf).hexdigest()
    assert "Biên bản họp.pdf" in page.text and sha in page.text
    assert "Nguyễn Văn An" in page.text and 'data-verdict="valid"' in page.text
    download = browser.get(f"{base}/chi-tieu/C1.I1/minh-chung/{sha}")
    assert download.status_code == 200 and download.content == pdf
    text = browser.post(base + "/chi-tieu/C1.I1/minh-chung", data={
        "csrf_token": csrf_of(page.text), "expected_version": version_of(page.text)},
        files={"file": ("ghi-chu.txt", b"khong phai tai lieu", "text/plain")})
    assert text.status_code == 400 and "field-error" in text.text
    removed = post(browser, f"{base}/chi-tieu/C1.I1/minh-chung/{sha}/go", {}, page.text)
    assert removed.status_code == 303
    assert "Chưa có tài liệu minh chứng" in browser.get(base + "/chi-tieu/C1.I1").text

    # the declarations of 25/2021
    form = browser.get(base + "/ke-khai")
    assert form.status_code == 200 and "dk_no_head_disciplined" in form.text
    missing = post(browser, base + "/ke-khai", {}, form.text)
    assert missing.status_code == 400 and "Chọn “Đúng” hoặc “Không đúng”." in missing.text
    declared = post(browser, base + "/ke-khai", {"dk_no_head_disciplined": "true"}, form.text)
    assert declared.status_code == 303
    assert 'value="true" checked' in browser.get(base + "/ke-khai").text


def test_another_communes_pages_are_refused(api):
    browser = signed_in(api, "congchuc.dongquang")
    for path in ("/can-bo/xa/16378/2026", "/can-bo/xa/16378/2026/chi-tieu/C2.I2",
                 "/can-bo/xa/16378/2026/tong-hop"):
        refused = browser.get(api.url + path)
        assert refused.status_code == 403 and 'data-error="forbidden"' in refused.text, path
    page = browser.get(api.url + "/can-bo/xa/16426/2022/ke-khai")
    forged = browser.post(api.url + "/can-bo/xa/16378/2026/chi-tieu/C2.I2", data={
        "csrf_token": csrf_of(page.text), "fig_disclosed": "1", "fig_issued": "1"})
    assert forged.status_code == 403


def test_a_justice_office_reads_the_pages_without_their_buttons(api):
    opened = api.request("POST", "/api/v1/communes/16378/assessments/2026",
                         token("commune_officer", "38", None, "16378"))
    assert opened.status_code in (201, 409)  # opened here, or by the test before
    browser = signed_in(api, "sotuphap.thanhhoa")
    page = browser.get(api.url + "/can-bo/xa/16378/2026/chi-tieu/C2.I2")
    assert page.status_code == 200 and "Số đã thực hiện đạt yêu cầu" in page.text
    assert 'id="luu-so-lieu"' not in page.text and 'id="form-minh-chung"' not in page.text
    summary = browser.get(api.url + "/can-bo/xa/16378/2026/tong-hop")
    assert summary.status_code == 200 and 'id="form-hoan-thanh"' not in summary.text
    refused = browser.post(api.url + "/can-bo/xa/16378/2026/chi-tieu/C2.I2", data={
        "csrf_token": csrf_of(page.text), "fig_disclosed": "1", "fig_issued": "1"})
    assert refused.status_code == 403
    assert "Tự đánh giá của xã" not in browser.get(api.url + "/can-bo/").text


def test_a_points_year_is_filled_and_summed_by_the_service(api):
    """25/2021: points, bands, proportional rates, manual points with reasons, a penalty."""
    base = api.url + "/can-bo/xa/16426/2022"
    browser = signed_in(api, "congchuc.dongquang")
    first = browser.get(base)
    if 'id="mo-ho-so"' in first.text:
        browser.post(base + "/mo", data={"csrf_token": csrf_of(first.text)})
    criteria = json.loads((CRITERIA / "25-2021.v2.json").read_text(encoding="utf-8"))
    indicators = [i for c in criteria["criteria"] for i in c["indicators"]]
    page = browser.get(f"{base}/chi-tieu/C1.I1")
    assert "tối đa" in page.text and "Tên trong API" in page.text
    draft = browser.post(f"{base}/chi-tieu/C1.I1/tinh-diem", data={
        "csrf_token": csrf_of(page.text), **filled(indicators[0])})
    assert "Kết quả nếu lưu số liệu đang nhập" in draft.text and "điểm" in draft.text
    for indicator in indicators:
        form = browser.get(f"{base}/chi-tieu/{indicator['id']}")
        answer = post(browser, f"{base}/chi-tieu/{indicator['id']}", filled(indicator), form.text)
        assert answer.status_code == 303, (indicator["id"], answer.text[-2000:])
    summary = browser.get(base + "/tong-hop")
    total = re.search(r"<dt>Tổng điểm tự chấm</dt><dd>([^<]+)</dd>", summary.text).group(1)
    assert total.endswith("/ 100.00") and "Không còn" in summary.text
    assert "Xem trước điều kiện công nhận" in summary.text
    # Đông Quang was merged away in 2025: its officer is offered no 2026 to open
    assert 'data-year="2026"' not in browser.get(api.url + "/can-bo/xa").text

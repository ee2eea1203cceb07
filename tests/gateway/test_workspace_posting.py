"""The commune officer's posting, dossier and supplement pages over HTTP, against the whole real
platform: a self-assessment submitted through the API, then the posting started, a comment
recorded and answered, the posting ended, the dossier submitted and a supplement answered
through the pages alone. Bad input and the service's date rules (nothing after today, nothing
before the previous step, not before the posting's minimum end) give a Vietnamese message and
change nothing; another commune's officer and other roles are refused."""

import re
from datetime import date, timedelta

import pytest

from rules.criteria import load_builtin_sets
from tests.gateway.test_workspace_pages import PASSWORD, csrf_of, signed_in
from tests.support.accounts_platform import FAST_HASHING
from tests.support.assessment_figures import full_figures
from tests.support.assessment_platform import send, token
from tests.support.evidence_files import png
from tests.support.full_platform import full_platform

pytestmark = pytest.mark.broker

ADMIN = token("administrator", sub="quantri")
COMMUNE, YEAR = "16426", 2023  # Đông Quang, Đông Sơn, Thanh Hóa; a 25/2021 year
OFFICER = token("commune_officer", "38", "405", COMMUNE, sub="congchuc.dongquang")
JUSTICE = token("justice_officer", "38", "405", sub="tuphap.dongson")
API = f"/api/v1/communes/{COMMUNE}/assessments/{YEAR}"
PAGES = f"/can-bo/xa/{COMMUNE}/{YEAR}"
TOMORROW = (date.today() + timedelta(days=2)).isoformat()  # after today in Vietnam too


def submitted_self_assessment(api, commune=COMMUNE, officer=OFFICER):
    url = f"/api/v1/communes/{commune}/assessments/{YEAR}"
    assert send(api, "POST", url, officer).status_code == 201
    for indicator in load_builtin_sets()[("25-2021", 2)].indicators():
        answer = send(api, "PUT", f"{url}/figures/{indicator.id}", officer,
                      {"figures": full_figures(indicator)})
        assert answer.status_code == 200, answer.text
    assert send(api, "PUT", f"{url}/declarations", officer,
                {"declarations": {"no_head_disciplined": True}}).status_code == 200
    assert send(api, "POST", f"{url}/self-assessment", officer, {}).status_code == 200


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workspace-posting")
    with full_platform(folder, **FAST_HASHING) as client:
        for username, role, where in (
                ("congchuc.dongquang", "commune_officer",
                 {"province": "38", "district": "405", "commune": COMMUNE}),
                ("congchuc.dongtien", "commune_officer",
                 {"province": "38", "district": "405", "commune": "16423"}),
                ("tuphap.dongson", "justice_officer", {"province": "38", "district": "405"})):
            made = client.request("POST", "/api/v1/accounts", ADMIN, json={
                "username": username, "display_name": f"Người dùng {username}", "role": role,
                "jurisdiction": where, "password": PASSWORD})
            assert made.status_code == 201, made.text
        submitted_self_assessment(client)
        yield client


def assessment(api):
    return send(api, "GET", API, OFFICER).json()


def post(browser, api, path, fields, form_page=None):
    """The form as the browser sends it: the page's CSRF token and a fresh idempotency key."""
    shown = browser.get(api.url + (form_page or path))
    assert shown.status_code == 200, shown.text[-500:]
    key = re.search(r'name="idempotency_key" value="([^"]+)"', shown.text).group(1)
    return browser.post(api.url + path, allow_redirects=False,
                        data={"csrf_token": csrf_of(shown.text), "idempotency_key": key,
                              **fields})


def error_text(html: str) -> str:
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    return re.sub(r"<[^>]+>", " ", summary.group(0)) if summary else ""


def test_the_posting_its_comment_and_answer_and_its_end_through_the_pages(api):
    browser = signed_in(api)
    posting = PAGES + "/niem-yet"
    shown = browser.get(api.url + posting)
    assert shown.status_code == 200 and 'id="form-bat-dau"' in shown.text
    assert "Đã hoàn thành tự đánh giá, chờ niêm yết công khai" in shown.text
    assert f'max="{date.today().isoformat()}"' in shown.text or 'max="' in shown.text

    # a start in the future, a missing channel: Vietnamese messages, nothing recorded
    future = post(browser, api, posting + "/bat-dau", {"start": TOMORROW, "channel": "portal"},
                  posting)
    assert future.status_code == 400 and "<title>Lỗi: " in future.text
    assert "chưa đến" in error_text(future.text) and 'href="#f-start"' in future.text
    blank = post(browser, api, posting + "/bat-dau", {"start": "15/12/2023", "channel": ""},
                 posting)
    assert blank.status_code == 400 and "Chọn hình thức niêm yết." in error_text(blank.text)
    assert assessment(api)["posting"] is None

    # started on 15/12/2023 (typed as a person writes it), at the portal
    started = post(browser, api, posting + "/bat-dau", {"start": "15/12/2023",
                                                        "channel": "portal"}, posting)
    assert started.status_code == 303 and started.headers["Location"].endswith("da=bat-dau")
    shown = browser.get(api.url + started.headers["Location"])
    assert "Đã ghi nhận việc niêm yết" in shown.text and "15/12/2023" in shown.text
    assert assessment(api)["posting"]["start"] == "2023-12-15"

    # a comment received: sent twice with the same key, recorded once
    shown = browser.get(api.url + posting)
    key = re.search(r'name="idempotency_key" value="([^"]+)"', shown.text).group(1)
    fields = {"csrf_token": csrf_of(shown.text), "idempotency_key": key, "comment_id": "YK-01",
              "text": "Đề nghị ghi rõ số vụ hòa giải thành.", "author": "Ông Lê Văn Bình",
              "received_on": "2023-12-16"}
    for _ in range(2):
        sent = browser.post(api.url + posting + "/y-kien", data=fields, allow_redirects=False)
        assert sent.status_code == 303, error_text(sent.text)
    comments = assessment(api)["posting"]["comments"]
    assert [c["comment_id"] for c in comments] == ["YK-01"]
    again = post(browser, api, posting + "/y-kien", {  # a new form: the same number again
        "comment_id": "YK-01", "text": "Ý kiến khác", "received_on": "2023-12-16"}, posting)
    assert again.status_code == 400 and 'href="#f-comment_id"' in again.text
    assert "'YK-01' đã được ghi" in error_text(again.text).replace("&#39;", "'")
    assert len(assessment(api)["posting"]["comments"]) == 1

    # no dossier while the posting runs, and no end before its minimum
    dossier = browser.get(api.url + PAGES + "/ho-so")
    assert dossier.status_code == 200 and 'id="form-gui-ho-so"' not in dossier.text
    assert "việc niêm yết công khai chưa kết thúc" in dossier.text
    early = post(browser, api, posting + "/ket-thuc", {"ended_on": "2023-12-16"}, posting)
    assert early.status_code == 400 and "19/12/2023" in error_text(early.text)
    future = post(browser, api, posting + "/ket-thuc", {"ended_on": TOMORROW}, posting)
    assert future.status_code == 400 and "chưa đến" in error_text(future.text)

    # the answer: not before the comment was received, not empty
    answer_path = posting + "/y-kien/YK-01/tra-loi"
    before = post(browser, api, answer_path, {"answer": "Đã tiếp thu.",
                                              "answered_on": "2023-12-14"}, posting)
    assert before.status_code == 400 and "không được trước" in error_text(before.text)
    assert 'id="f-answer"' in before.text and 'href="#f-answered_on"' in before.text
    empty = post(browser, api, answer_path, {"answer": " ", "answered_on": "2023-12-18"}, posting)
    assert empty.status_code == 400 and "Nhập nội dung trả lời" in error_text(empty.text)
    assert assessment(api)["posting"]["comments"][0]["answer"] is None
    answered = post(browser, api, answer_path, {"answer": "Xã đã bổ sung số liệu vào Mẫu 02.",
                                                "answered_on": "2023-12-18"}, posting)
    assert answered.status_code == 303
    shown = browser.get(api.url + posting)
    assert "Xã đã bổ sung số liệu vào Mẫu 02." in shown.text and 'data-answered="yes"' in shown.text

    ended = post(browser, api, posting + "/ket-thuc", {"ended_on": "2023-12-20"}, posting)
    assert ended.status_code == 303 and ended.headers["Location"].startswith(PAGES + "/ho-so")
    assert assessment(api)["posting"]["ended_on"] == "2023-12-20"
    assert 'id="form-ket-thuc"' not in browser.get(api.url + posting).text


def test_the_dossier_is_submitted_and_a_supplement_answered(api):
    browser = signed_in(api)
    dossier = PAGES + "/ho-so"
    shown = browser.get(api.url + dossier)
    assert shown.status_code == 200 and 'id="thanh-phan-ho-so"' in shown.text
    assert "Mẫu 03" in shown.text and "1 ý kiến, đã trả lời 1" in shown.text
    sheet = browser.get(api.url + dossier + "/mau-02.xlsx")
    assert sheet.status_code == 200 and sheet.content[:2] == b"PK"

    before = post(browser, api, dossier, {"submitted_on": "2023-12-19",
                                          "requests_recognition": "co"})
    assert before.status_code == 400 and "không được trước" in error_text(before.text)
    assert assessment(api)["dossier"] is None
    sent = post(browser, api, dossier, {"submitted_on": "2024-01-05",
                                        "requests_recognition": "co"})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("da=gui")
    shown = browser.get(api.url + sent.headers["Location"])
    assert "Đã gửi hồ sơ đề nghị công nhận." in shown.text and "05/01/2024" in shown.text
    assert assessment(api)["dossier"]["requests_recognition"] is True

    supplement = PAGES + "/bo-sung"
    assert "chưa yêu cầu xã bổ sung" in browser.get(api.url + supplement).text
    asked = send(api, "POST", API + "/dossier/supplement-requests", JUSTICE,
                 {"reason": "Thiếu biên bản hội nghị niêm yết.", "requested_on": "2024-01-08"})
    assert asked.status_code == 200, asked.text
    shown = browser.get(api.url + supplement)
    assert "Thiếu biên bản hội nghị niêm yết." in shown.text and 'id="form-bo-sung"' in shown.text
    assert "Được yêu cầu bổ sung hồ sơ" in browser.get(api.url + dossier).text
    # a file uploaded while the supplement is asked for is listed as part of it
    assert f'href="{PAGES}/chi-tieu/C1.I1#minh-chung"' in shown.text
    uploaded = api.request("POST", API + "/evidence/C1.I1", OFFICER, files={
        "file": ("biên bản niêm yết.png", png(), "image/png")})
    assert uploaded.status_code == 201, uploaded.text
    listed = browser.get(api.url + supplement).text
    assert 'id="tep-bo-sung"' in listed and "C1.I1: biên bản niêm yết.png" in listed

    empty = post(browser, api, supplement, {"note": "", "provided_on": "2024-01-09"})
    assert empty.status_code == 400 and "Nhập nội dung bổ sung" in error_text(empty.text)
    future = post(browser, api, supplement, {"note": "Gửi kèm biên bản.", "provided_on": TOMORROW})
    assert future.status_code == 400 and "chưa đến" in error_text(future.text)
    assert assessment(api)["state"] == "supplement_requested"
    provided = post(browser, api, supplement, {"note": "Đã gửi kèm biên bản hội nghị.",
                                               "provided_on": "2024-01-09"})
    assert provided.status_code == 303
    shown = browser.get(api.url + provided.headers["Location"])
    assert "Đã gửi phần bổ sung hồ sơ." in shown.text and 'id="lich-su-bo-sung"' in shown.text
    assert assessment(api)["supplements"][0]["note"] == "Đã gửi kèm biên bản hội nghị."


def test_another_communes_officer_and_other_roles_are_refused(api):
    neighbour = signed_in(api, "congchuc.dongtien")
    for path in ("/niem-yet", "/ho-so", "/bo-sung"):
        refused = neighbour.get(api.url + PAGES + path)
        assert refused.status_code == 403 and 'data-error="forbidden"' in refused.text
    shown = neighbour.get(api.url + PAGES + "/bo-sung")
    sent = neighbour.post(api.url + PAGES + "/bo-sung", allow_redirects=False, data={
        "csrf_token": csrf_of(shown.text), "note": "Giả mạo", "provided_on": "2024-01-09"})
    assert sent.status_code == 403
    justice = signed_in(api, "tuphap.dongson")
    assert justice.get(api.url + PAGES + "/niem-yet").status_code == 403
    anonymous = api.session.get(api.url + PAGES + "/niem-yet", allow_redirects=False)
    assert anonymous.status_code == 303 and "/can-bo/dang-nhap?tiep=" in anonymous.headers["Location"]

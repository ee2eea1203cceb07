"""The administrator's pages over HTTP against the whole real platform: each province's
reviewing level set through a form (a stale form refused in Vietnamese, a bad level refused,
others refused), criteria-set versions listed and a new one published from a file, every
problem of a bad document listed in Vietnamese and nothing published, the platform's health,
and the pages refused to everyone but administrators."""

import copy
import html
import json
import re
from pathlib import Path

import pytest

from tests.support.accounts_platform import FAST_HASHING
from tests.support.assessment_platform import token, wait_for
from tests.support.full_platform import full_platform
from tests.support.workspace_people import (
    csrf_of,
    form_key_of,
    make_people,
    refusal,
    signed_in,
)

pytestmark = pytest.mark.broker
ROOT = Path(__file__).resolve().parents[2]
LEVELS = "/can-bo/quan-tri/cap-tham-dinh"
CRITERIA = "/can-bo/quan-tri/bo-tieu-chi"
ANYONE = token("auditor")
BUILT_IN = json.loads((ROOT / "rules/criteria/data/25-2021.v1.json")
                      .read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workspace-admin")
    with full_platform(folder, **FAST_HASHING) as client:
        make_people(client)
        yield client


@pytest.fixture(scope="module")
def admin(platform):
    return signed_in(platform, "quantri.minh")


def level_of(platform, province, year) -> dict:
    return platform.get(f"/api/v1/provinces/{province}/reviewing-levels/{year}", ANYONE).json()


def row_level(html, province) -> str:
    return re.search(rf'<tr id="tinh-{province}" data-province="{province}" data-level="(\w+)"',
                     html).group(1)


def test_reviewing_levels_are_listed_per_year_and_set_through_the_form(platform, admin):
    page = admin.get(platform.url + LEVELS, params={"nam": "2022"})
    assert page.status_code == 200
    assert row_level(page.text, "38") == "district" and "Thanh Hóa" in page.text
    assert 'data-province="74"' in page.text  # Bình Dương reviewed its communes until 2024
    assert row_level(admin.get(platform.url + LEVELS, params={"nam": "2026"}).text, "38") == "province"
    form = {"csrf_token": csrf_of(page.text), "idempotency_key": form_key_of(page.text),
            "level": "province", "expected_version": "0"}
    done = admin.post(f"{platform.url}{LEVELS}/38/2022", data=form, allow_redirects=False)
    assert done.status_code == 303 and done.headers["Location"].startswith(f"{LEVELS}?nam=2022")
    shown = admin.get(platform.url + done.headers["Location"])
    assert "Đã lưu cấp thẩm định." in shown.text and row_level(shown.text, "38") == "province"
    assert level_of(platform, "38", 2022)["level"] == "province"
    # The same form again, read before the change: its version is stale.
    stale = admin.post(f"{platform.url}{LEVELS}/38/2022",
                       data={**form, "idempotency_key": form_key_of(shown.text),
                             "level": "district"})
    assert stale.status_code == 409 and "vừa được người khác thay đổi" in stale.text
    assert level_of(platform, "38", 2022)["level"] == "province"
    bad = admin.post(f"{platform.url}{LEVELS}/38/2022",
                     data={**form, "idempotency_key": form_key_of(shown.text), "level": "xa"})
    assert bad.status_code == 400 and "Thanh Hóa: Phải là một trong: district, province." in bad.text
    assert admin.get(platform.url + LEVELS, params={"nam": "1990"}).status_code == 400
    assert admin.post(f"{platform.url}{LEVELS}/99/2022", data=form).status_code == 404


def publish(admin, platform, document=None, pasted=None):
    page = admin.get(platform.url + CRITERIA)
    data = {"csrf_token": csrf_of(page.text), "idempotency_key": form_key_of(page.text)}
    files = None
    if pasted is not None:
        data["noi_dung"] = pasted
    else:
        files = {"tep": ("bo-tieu-chi.json", json.dumps(document, ensure_ascii=False).encode(),
                         "application/json")}
    return admin.post(platform.url + CRITERIA, data=data, files=files, allow_redirects=False)


def problems_of(answer) -> list[str]:
    assert answer.status_code == 400, answer.text[-400:]
    listed = answer.text.split('class="problems"')[1].split("</ul>")[0]
    return [html.unescape(p) for p in re.findall(r"<li>([^<]+)</li>", listed)]


def versions(platform) -> set:
    return {(s["id"], s["version"]) for s in
            platform.get("/api/v1/criteria-sets", ANYONE).json()["criteria_sets"]}


def test_a_bad_criteria_set_lists_every_problem_in_vietnamese_and_publishes_nothing(platform, admin):
    before = versions(platform)
    listed = admin.get(platform.url + CRITERIA)
    assert listed.status_code == 200
    assert all(f'data-set="{i}" data-version="{v}"' in listed.text for i, v in before)
    broken = copy.deepcopy(BUILT_IN)
    broken["version"] = 7
    broken["criteria"][0]["max"] = "99"
    broken["criteria"][1]["id"] = "TC2"
    problems = problems_of(publish(admin, platform, broken))
    assert any("cộng lại là" in p for p in problems), problems
    assert any("mã tiêu chí có dạng C1" in p for p in problems), problems
    assert not any(re.search(r"\b(the|must|is not|looks)\b", p) for p in problems), problems
    misspelt = copy.deepcopy(BUILT_IN)
    misspelt["version"] = 7
    misspelt["criteria"][0]["indicators"][0]["colour"] = "đỏ"
    del misspelt["title"]
    problems = problems_of(publish(admin, platform, misspelt))
    assert "criteria[0] (C1).indicators[0] (C1.I1).colour: trường không có trong định dạng " \
           "(viết sai tên?)." in problems, problems
    assert "title: thiếu: trường này bắt buộc." in problems, problems
    assert versions(platform) == before
    existing = publish(admin, platform, BUILT_IN)
    assert existing.status_code == 409 and "phiên bản đã công bố không bao giờ được sửa" in existing.text
    not_json = publish(admin, platform, pasted="{ id: 25-2021 ")
    assert not_json.status_code == 400 and "Không đọc được JSON" in not_json.text
    nothing = publish(admin, platform, pasted="")
    assert nothing.status_code == 400 and "Chọn tệp JSON của bộ tiêu chí" in nothing.text
    assert versions(platform) == before


def test_a_new_version_is_published_from_a_file_and_shown(platform, admin):
    document = copy.deepcopy(BUILT_IN)
    document["version"] = 3
    answer = publish(admin, platform, document)
    assert answer.status_code == 303, answer.text[-600:]
    assert answer.headers["Location"].startswith(f"{CRITERIA}/25-2021/3")
    shown = admin.get(platform.url + answer.headers["Location"])
    assert shown.status_code == 200 and "Đã công bố phiên bản mới" in shown.text
    assert ("25-2021", 3) in versions(platform)
    listed = admin.get(platform.url + CRITERIA)
    assert "Do quản trị viên công bố" in listed.text


def test_the_platform_health_shows_each_service_and_its_queues(platform, admin):
    answer = admin.get(platform.url + "/can-bo/quan-tri/tinh-trang")
    assert answer.status_code == 200
    services = dict(re.findall(r'<tr data-service="(\w+)" data-status="(\w+)"', answer.text))
    assert set(services) == {"assessment", "plans", "publication", "survey", "accounts"}
    assert re.findall(r'<tr data-queue="[^"]+" data-dead-letters="(\d+)"', answer.text)
    assert "Máy chủ hàng đợi" in answer.text and "Kết nối được" in answer.text


@pytest.mark.parametrize("username", ["kiemtoan.trung", "congchuc.dongquang", "sotuphap.thanhhoa"])
def test_only_administrators_open_the_administration_pages(platform, username):
    browser = signed_in(platform, username)
    for path in (LEVELS, CRITERIA, "/can-bo/quan-tri/tinh-trang"):
        answer = browser.get(platform.url + path)
        assert answer.status_code == 403 and refusal(answer) == "forbidden", path
    home = browser.get(platform.url + "/can-bo/")
    form = {"csrf_token": csrf_of(home.text), "level": "district", "expected_version": ""}
    before = level_of(platform, "01", 2023)
    refused = browser.post(f"{platform.url}{LEVELS}/01/2023", data=form)
    assert refused.status_code == 403 and level_of(platform, "01", 2023) == before
    assert 'href="/can-bo/quan-tri/cap-tham-dinh"' not in home.text


def test_a_paused_year_is_recorded_through_the_form_and_the_board_says_so(platform, admin):
    pauses = "/can-bo/quan-tri/tam-dung"
    page = admin.get(platform.url + pauses)
    assert page.status_code == 200 and '<option value="toan-quoc"' in page.text
    form = {"csrf_token": csrf_of(page.text), "idempotency_key": form_key_of(page.text),
            "nam": "2025", "pham_vi": "toan-quoc", "can_cu": "", "ngay": "", "thong_bao": ""}
    empty = admin.post(platform.url + pauses, data=form)
    assert empty.status_code == 400 and 'href="#' in empty.text  # the basis is needed
    basis = "thông báo tạm dừng đánh giá năm 2025 của các tỉnh"
    done = admin.post(platform.url + pauses, allow_redirects=False,
                      data={**form, "idempotency_key": form_key_of(empty.text), "can_cu": basis})
    assert done.status_code == 303, done.text[-800:]
    listed = admin.get(platform.url + done.headers["Location"])
    assert "Đã ghi nhận năm đánh giá tạm dừng." in listed.text
    assert f"Năm 2025: tạm dừng đánh giá theo {basis}." in listed.text
    again = admin.post(platform.url + pauses, data={**form, "idempotency_key": form_key_of(listed.text),
                                                    "can_cu": basis})
    assert again.status_code == 409
    refused = platform.request("POST", "/api/v1/communes/00004/assessments/2025",
                               token("commune_officer", "01", None, "00004"))
    assert refused.status_code == 409 and refused.json()["error"] == "year_paused"
    board = wait_for(lambda: (lambda text: text if 'id="tam-dung"' in text else None)(
        platform.get("/ket-qua/toan-quoc/2025", None).text))
    assert f"Năm 2025: tạm dừng đánh giá theo {basis}." in board
    # the version in force shows which names are inferred, beside them
    version = admin.get(platform.url + CRITERIA + "/27-2025/2").text
    assert 'data-wording="inferred"' in version and "Mức độ đạt chuẩn: Từ 80% trở lên" in version
    # a province's department of justice records for its own province only
    department = signed_in(platform, "sotuphap.thanhhoa").get(platform.url + pauses)
    assert department.status_code == 200
    assert re.findall(r'<option value="([^"]+)"', department.text.split('id="pham-vi"')[1].split("</select>")[0]) == ["38"]

"""The auditor's pages over HTTP against the whole real platform (gateway and the five
services, each with its event store): the event browser's filters and pages, bad filters
refused in Vietnamese, the CSV export, a commune's timeline, one action's trail through the
services, every chain checked against its signatures, and the pages refused to everyone but
auditors."""

import csv
import io
import re

import pytest

from gateway.routes import workspace_audit
from tests.support.accounts_platform import FAST_HASHING
from tests.support.assessment_platform import token
from tests.support.full_platform import full_platform
from tests.support.workspace_people import make_people, refusal, signed_in

pytestmark = pytest.mark.broker
OFFICER = token("commune_officer", province="38", district="405", commune="16426",
                sub="congchuc.dongquang")
AUDIT = "/can-bo/kiem-toan"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    folder = tmp_path_factory.mktemp("workspace-audit")
    with full_platform(folder, **FAST_HASHING) as client:
        make_people(client)
        opened = client.request("POST", "/api/v1/communes/16426/assessments/2022", OFFICER)
        assert opened.status_code in (200, 201), opened.text
        client.correlation_id = opened.headers["X-Correlation-Id"]
        yield client


@pytest.fixture(scope="module")
def auditor(platform):
    return signed_in(platform, "kiemtoan.trung")


def types_of(html: str) -> list[str]:
    return re.findall(r'<tr data-source="[^"]+" data-type="([^"]+)"', html)


def sources_of(html: str) -> set[str]:
    return set(re.findall(r'<tr data-source="([^"]+)" data-type=', html))


def test_the_event_browser_shows_every_service_and_filters(platform, auditor):
    everything = auditor.get(platform.url + AUDIT)
    assert everything.status_code == 200, everything.text[-400:]
    assert {"AccountCreated", "SignedIn", "AssessmentOpened"} <= set(types_of(everything.text))
    assert {"accounts", "assessment"} <= sources_of(everything.text)
    assessment = auditor.get(platform.url + AUDIT, params={"dich_vu": "assessment", "xa": "16426"})
    assert sources_of(assessment.text) == {"assessment"}
    assert "AssessmentOpened" in types_of(assessment.text)
    sign_ins = auditor.get(platform.url + AUDIT, params={"loai": "SignedIn",
                                                         "nguoi": "kiemtoan.trung"})
    assert set(types_of(sign_ins.text)) == {"SignedIn"}
    by_action = auditor.get(platform.url + AUDIT, params={"tuong_quan": platform.correlation_id})
    assert "AssessmentOpened" in types_of(by_action.text)
    assert "AccountCreated" not in types_of(by_action.text)


def test_bad_filters_are_refused_in_vietnamese_and_nothing_is_listed(platform, auditor):
    answer = auditor.get(platform.url + AUDIT, params={"xa": "12", "tu": "hôm qua",
                                                       "tuong_quan": "có dấu cách"})
    assert answer.status_code == 400
    assert "Mã xã là 5 chữ số." in answer.text and "Cần ngày (2025-03-01)" in answer.text
    assert "Mã tương quan gồm chữ, số" in answer.text
    assert 'href="#f-xa"' in answer.text and 'id="su-kien"' not in answer.text
    assert "Lỗi: " in answer.text.split("</title>")[0]
    bad_page = auditor.get(platform.url + AUDIT, params={"trang": "khong-phai-con-tro"})
    assert bad_page.status_code == 400 and "Con trỏ trang không hợp lệ." in bad_page.text


def test_pages_follow_one_another_to_the_end(platform, auditor, monkeypatch):
    monkeypatch.setattr(workspace_audit, "PAGE_SIZE", 2)
    seen, url = [], platform.url + AUDIT + "?dich_vu=accounts"
    for _ in range(50):
        answer = auditor.get(url)
        assert answer.status_code == 200
        found = types_of(answer.text)
        assert len(found) <= 2
        seen += found
        following = re.search(r'<a href="([^"]+)" rel="next"', answer.text)
        if not following:
            break
        url = platform.url + following.group(1).replace("&amp;", "&")
    exported = auditor.get(platform.url + AUDIT + "/tai-ve.csv", params={"dich_vu": "accounts"})
    assert [row["type"] for row in csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff")))
            ][:len(seen)] == seen
    assert len(seen) >= 6  # four accounts made, then sign-ins


def test_the_csv_export_holds_every_matching_event(platform, auditor):
    answer = auditor.get(platform.url + AUDIT + "/tai-ve.csv", params={"xa": "16426"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in answer.headers["Content-Disposition"]
    assert answer.content.startswith("\ufeff".encode())
    table = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert table and all("16426" in (row["stream"] + row["data"]) for row in table)
    assert int(answer.headers["X-Exported-Count"]) == len(table)
    refused = auditor.get(platform.url + AUDIT + "/tai-ve.csv", params={"xa": "x"})
    assert refused.status_code == 400 and "Bộ lọc không hợp lệ" in refused.text


def test_a_communes_timeline_goes_day_by_day(platform, auditor):
    empty = auditor.get(platform.url + AUDIT + "/xa")
    assert empty.status_code == 200 and 'id="dong-thoi-gian"' not in empty.text
    answer = auditor.get(platform.url + AUDIT + "/xa", params={"ma": "16426"})
    assert answer.status_code == 200
    assert "Đông Quang" in answer.text and 'data-type="AssessmentOpened"' in answer.text
    elsewhere = auditor.get(platform.url + AUDIT + "/xa", params={"ma": "00004"})
    assert "Chưa có sự kiện nào của xã này" in elsewhere.text
    bad = auditor.get(platform.url + AUDIT + "/xa", params={"ma": "1642"})
    assert bad.status_code == 400 and "Mã xã là 5 chữ số." in bad.text


def test_one_actions_trail_and_its_export(platform, auditor):
    trail = auditor.get(f"{platform.url}{AUDIT}/tuong-quan/{platform.correlation_id}")
    assert trail.status_code == 200
    assert "AssessmentOpened" in types_of(trail.text) and 'id="nhan-qua"' in trail.text
    exported = auditor.get(f"{platform.url}{AUDIT}/tuong-quan/{platform.correlation_id}/tai-ve.csv")
    assert exported.status_code == 200 and "AssessmentOpened" in exported.text
    nothing = auditor.get(f"{platform.url}{AUDIT}/tuong-quan/khong-co-ai")
    assert nothing.status_code == 200 and "Không có sự kiện nào mang mã tương quan này." in nothing.text
    assert auditor.get(f"{platform.url}{AUDIT}/tuong-quan/c%C3%B3%20d%E1%BA%A5u").status_code == 404


def test_every_chain_is_checked_against_its_signatures(platform, auditor):
    answer = auditor.get(platform.url + AUDIT + "/chuoi-bam")
    assert answer.status_code == 200
    states = dict(re.findall(r'<tr data-source="([^"]+)" data-state="([^"]+)"', answer.text))
    assert set(states) == {"assessment", "plans", "publication", "survey", "accounts"}
    assert set(states.values()) == {"ok"}, states
    assert "Mọi chuỗi băm đều nguyên vẹn" in answer.text


@pytest.mark.parametrize("username", ["quantri.minh", "congchuc.dongquang", "sotuphap.thanhhoa"])
def test_only_auditors_open_the_audit_pages(platform, username):
    browser = signed_in(platform, username)
    for path in ("", "/tai-ve.csv", "/xa?ma=16426", "/chuoi-bam",
                 f"/tuong-quan/{platform.correlation_id}"):
        answer = browser.get(platform.url + AUDIT + path, allow_redirects=False)
        assert answer.status_code == 403 and refusal(answer) == "forbidden", path
        assert 'id="su-kien"' not in answer.text and 'id="dong-thoi-gian"' not in answer.text
    home = browser.get(platform.url + "/can-bo/")
    assert 'href="/can-bo/kiem-toan"' not in home.text
    anonymous = platform.session.get(platform.url + AUDIT, allow_redirects=False)
    assert anonymous.status_code == 303 and "/can-bo/dang-nhap?tiep=" in anonymous.headers["Location"]

"""The public results board over HTTP: every page and export, against a small real nameko
service named "publication" that answers the publication service's RPCs with fixture data
(matching names the way the real one does: folded, so "Dong Quang" finds "Đông Quang")."""

import csv
import datetime
import html
import io
import json
import re
from decimal import Decimal

import openpyxl
import pytest
from markupsafe import escape
from nameko.rpc import rpc

from gateway import board as board_module
from gateway.board import spreadsheet
from kernel.errors import NotFound
from reference.text import fold
from services.publication.unit_search import NameIndex
from tests.gateway import peers
from tests.gateway.conftest import start_gateway
from tests.support.printing import assert_prints_on_a4

pytestmark = pytest.mark.broker

EVIL = '<script>alert("xã")</script> & "Xã <b>Độc</b>"'
DONG_QUANG, BA_DINH, EVIL_CODE, THANH_HOA_X = "10105", "00004", "66666", "15001"
LAI_UYEN = "25777"  # Bình Dương (74), merged into Thành phố Hồ Chí Minh on 1 July 2025


def item(code, name, district, province_code, province_name, year, status, total=None,
         total_max="100.00", decision=None, set_id="25-2021", version=1, provisional=False,
         pass_fail=False, basis="appraised"):
    return {"commune_code": code, "commune_name": name, "district_code": district and "001",
            "district_name": district, "province_code": province_code,
            "province_name": province_name, "year": year, "status": status, "total": total,
            "total_max": total_max if total is not None else None, "basis": basis,
            "decision_number": decision and decision[0], "decision_date": decision and decision[1],
            "criteria_set_id": set_id, "criteria_set_version": version,
            "provisional": provisional, "pass_fail": pass_fail}


ITEMS = [
    item(DONG_QUANG, "Xã Đông Quang", None, "01", "Thành phố Hà Nội", 2025, "recognised",
         decision=("1234/QĐ-UBND", "2025-12-20"), set_id="27-2025", provisional=True,
         pass_fail=True, total_max=None),
    item(BA_DINH, "Phường Ba Đình", None, "01", "Thành phố Hà Nội", 2025, "not_recognised",
         decision=("1234/QĐ-UBND", "2025-12-20"), set_id="27-2025", provisional=True,
         pass_fail=True, total_max=None),
    item(EVIL_CODE, EVIL, None, "01", "Thành phố Hà Nội", 2025, "in_progress",
         set_id="27-2025", provisional=True, pass_fail=True),
    item(DONG_QUANG, "Xã Đông Quang", "Huyện Ba Vì", "01", "Thành phố Hà Nội", 2024,
         "recognised", total="86.50", decision=("88/QĐ-UBND", "2024-12-15"), provisional=True),
    item(BA_DINH, "Phường Ba Đình", "Quận Ba Đình", "01", "Thành phố Hà Nội", 2024,
         "revoked", total="81.00", decision=("88/QĐ-UBND", "2024-12-15"), provisional=True),
    item(THANH_HOA_X, "Xã Hoằng Hải", "Huyện Hoằng Hóa", "38", "Tỉnh Thanh Hóa", 2024,
         "not_recognised", total="89.78", decision=("77/QĐ-UBND", "2024-12-30"),
         provisional=True),
    item(LAI_UYEN, "Xã Lai Uyên", "Huyện Bàu Bàng", "74", "Tỉnh Bình Dương", 2024,
         "recognised", total="95.45", decision=("3001/QĐ-UBND", "2024-12-25"),
         provisional=True),
]

CRITERIA_2024 = [
    {"id": "C1", "name": "Ban hành văn bản theo thẩm quyền", "max": "10.00", "points": "9.50",
     "floor": "5.00", "meets_floor": True, "achieved": None},
    {"id": "C2", "name": "Tiếp cận thông tin, phổ biến, giáo dục pháp luật", "max": "30.00",
     "points": "27.00", "floor": "15.00", "meets_floor": True, "achieved": None},
    {"id": "C3", "name": "Hòa giải ở cơ sở", "max": "10.00", "points": "4.00",
     "floor": "5.00", "meets_floor": False, "achieved": None},
    {"id": "C4", "name": "Thực hiện dân chủ ở cơ sở", "max": "20.00", "points": "18.00",
     "floor": "10.00", "meets_floor": True, "achieved": None},
    {"id": "C5", "name": "Bảo đảm quyền tiếp cận pháp luật", "max": "30.00", "points": "28.00",
     "floor": "15.00", "meets_floor": True, "achieved": None},
]
# Hoằng Hải 2024: 89,78 points, every criterion above its floor, not recognised: the decision
# carries why (rules/recognition.py, public_explanation): the commune declared
# that its head official was disciplined.
CRITERIA_HOANG_HAI = [dict(c, points=p, meets_floor=True)
                      for c, p in zip(CRITERIA_2024, ("9.50", "27.00", "7.28", "18.00", "28.00"),
                                      strict=True)]
HEAD_DISCIPLINED = ("Trong năm đánh giá không có cán bộ, công chức là người đứng đầu cấp ủy, "
                    "chính quyền cấp xã bị xử lý kỷ luật")
WHY_HOANG_HAI = {"recognised": False, "provisional": False, "commune_class": None, "conditions": [
    {"id": "total", "kind": "total", "verdict": "met", "value": "89.78", "threshold": "80.00",
     "total_max": "100.00", "commune_class": None, "decisive": True, "provisional": False},
    *({"id": f"floor.{c['id']}", "kind": "floor", "verdict": "met", "value": c["points"],
       "threshold": c["floor"], "max": c["max"], "criterion_id": c["id"],
       "criterion_number": n, "name_vi": c["name"], "ratio_percent": "50", "decisive": True,
       "provisional": False} for n, c in enumerate(CRITERIA_HOANG_HAI, 1)),
    {"id": "no_head_disciplined", "kind": "declared", "verdict": "not_met", "value": "false",
     "threshold": "true", "name_vi": HEAD_DISCIPLINED, "decisive": True, "provisional": False}]}
SOURCES_2024 = [
    {"source": "assessment", "position": 41, "event_id": "0b6f7c1e-0000-4000-8000-000000000041",
     "type": "AppraisalCompleted"},
    {"source": "assessment", "position": 57, "event_id": "0b6f7c1e-0000-4000-8000-000000000057",
     "type": "RecognitionDecided"},
]


SIGNATURE = {"signer": "Lê Thị Hoa", "organisation": "UBND xã Đông Quang",
             "signing_time": "2024-08-29T10:00:00+07:00", "intact": True,
             "modified_after_signing": False, "trusted": True, "trust": "trusted",
             "verdict": "valid", "summary_vi": "Chữ ký của Lê Thị Hoa (UBND xã Đông Quang) hợp "
                                               "lệ, tệp không bị sửa đổi sau khi ký. Người ký "
                                               "được tin cậy."}
EVIDENCE_2024 = [{"indicator_id": "C1.I1", "indicator_name": "Ban hành văn bản quy phạm pháp luật",
                  "files": [
                      {"file_name": "Biên bản họp.pdf", "media_type": "application/pdf",
                       "kind": "PDF", "size": 48213, "sha256": "ab" * 32, "added_on": "2024-08-30",
                       "supplement": None,
                       "signatures": {"signed": True, "signatures": [SIGNATURE]}},
                      {"file_name": EVIL + ".png", "media_type": "image/png", "kind": "ảnh PNG",
                       "size": 900, "sha256": "cd" * 32, "added_on": "2024-10-02",
                       "supplement": 1, "signatures": None}]}]


def record_of(code):
    years = [i for i in ITEMS if i["commune_code"] == code]
    if not years:
        raise NotFound(f"Nothing has been published for commune {code}.", {"commune_code": code})
    newest = years[0]
    out = []
    for i in years:
        scored = i["total"] is not None
        out.append({
            "year": i["year"], "status": i["status"],
            "criteria_set": {"id": i["criteria_set_id"], "version": i["criteria_set_version"],
                             "title": "Xã, phường, thị trấn đạt chuẩn tiếp cận pháp luật",
                             "provisional": i["provisional"], "pass_fail": i["pass_fail"]},
            "posting": {"start": f"{i['year']}-09-01", "minimum_end": f"{i['year']}-09-15",
                        "ended_on": f"{i['year']}-09-16", "channel": "office",
                        "comments": [{"comment_id": "gy-1", "text": "Đề nghị công khai <rõ> hơn.",
                                      "received_on": f"{i['year']}-09-03",
                                      "answer": "Đã bổ sung.",
                                      "answered_on": f"{i['year']}-09-05"}]},
            "scores": {"basis": "appraised", "total": i["total"], "total_max": i["total_max"],
                       "criteria": CRITERIA_HOANG_HAI if code == THANH_HOA_X else CRITERIA_2024}
            if scored else {
                "basis": "self", "total": None, "total_max": None,
                "criteria": [{"id": "C1", "name": "Ban hành văn bản quy phạm pháp luật",
                              "max": None, "points": None, "floor": None, "meets_floor": None,
                              "achieved": True}]},
            "decision": {"recognised": i["status"] in ("recognised", "revoked"),
                         "decision_number": i["decision_number"],
                         "decision_date": i["decision_date"],
                         "publication_due": None,
                         "recognition": WHY_HOANG_HAI if code == THANH_HOA_X else None}
            if i["decision_number"] else None,
            "revocation": {"reason": "Vi phạm điều kiện", "revoked_on": "2025-03-01",
                           "decision_number": "9/QĐ-UBND"} if i["status"] == "revoked" else None,
            "satisfaction": {"period": str(i["year"]), "responses": 120, "target_sample": 90,
                             "rate_percent": "87.50", "published": True} if scored else {
                # a campaign closed without answers, then flagged days (made-up, for the page)
                "period": str(i["year"]), "responses": 0, "target_sample": 90,
                "rate_percent": None, "published": False, "no_data": True,
                "flags": [{"day": f"{i['year']}-06-05", "responses": 40,
                           "share_percent": "80.00", "reasons": ["unusual_day"]}]},
            "entries": [{"entry_id": "e-" + str(i["year"]), "kind": "decision",
                         "published_at": f"{i['year']}-12-21T09:00:00+07:00", "corrects": None,
                         "summary": f"Quyết định số {i['decision_number']}"}],
            "sources": SOURCES_2024 if scored else [],
            # the evidence list of a posted year (an unscored one has none yet)
            "evidence": EVIDENCE_2024 if scored else [],
        })
    return {"commune": {"code": code, "name": newest["commune_name"],
                        "district_code": newest["district_code"],
                        "district_name": newest["district_name"],
                        "province_code": newest["province_code"],
                        "province_name": newest["province_name"]},
            "years": out}


def overview_of(province_code, year):
    mine = [i for i in ITEMS if i["province_code"] == province_code and i["year"] == year]
    if not mine:
        raise NotFound("no such province-year", {"province_code": province_code, "year": year})
    districts = {}
    for i in mine:
        d = districts.setdefault(i["district_name"] or "", {
            "district_code": i["district_code"], "district_name": i["district_name"],
            "communes": 0, "decided": 0, "recognised": 0, "rate_percent": None})
        d["communes"] += 1
        d["decided"] += i["decision_number"] is not None
        d["recognised"] += i["status"] == "recognised"
    for d in districts.values():
        # the recognition rate: recognised ÷ every unit of the year (docs/board.md)
        d["rate_percent"] = f"{100 * d['recognised'] / d['communes']:.2f}"
    decided = sum(i["decision_number"] is not None for i in mine)
    recognised = sum(i["status"] == "recognised" for i in mine)
    return {"province": {"code": province_code, "name": mine[0]["province_name"]}, "year": year,
            "communes": len(mine), "assessed": len(mine), "decided": decided,
            "recognised": recognised, "not_recognised": decided - recognised,
            "rate_percent": f"{100 * recognised / len(mine):.2f}",
            "districts": list(districts.values())}


class BoardPublicationPeer(peers.Peer):
    """The publication service's read RPCs over ITEMS (a real nameko service)."""

    name = "publication"

    @rpc
    def search_communes(self, query="", province_code=None, year=None, status=None, limit=50,
                        offset=0):
        type(self).calls.append(("search_communes", query, province_code, year, status, limit,
                                 offset))
        words = fold(query or "").split()
        found = [i for i in ITEMS
                 if all(w in fold(i["commune_name"] + " " + (i["district_name"] or "")) + " "
                        + i["commune_code"] for w in words)
                 and (not province_code or i["province_code"] == province_code)
                 and (year is None or i["year"] == year) and (not status or i["status"] == status)]
        return {"total": len(found), "items": found[offset:offset + limit]}

    @rpc
    def search_units(self, query="", limit=20):
        type(self).calls.append(("search_units", query, limit))
        index = NameIndex.build([(i["province_code"], i["province_name"], i["district_code"],
                                  i["district_name"], i["commune_code"], i["commune_name"],
                                  i["year"]) for i in ITEMS])
        return {"items": index.find(query, limit)}

    @rpc
    def commune_record(self, commune_code):
        return record_of(commune_code)

    @rpc
    def province_overview(self, province_code, year):
        return overview_of(province_code, year)

    @rpc
    def national_overview(self, year):
        provinces = []
        for code in sorted({i["province_code"] for i in ITEMS if i["year"] == year}):
            o = overview_of(code, year)
            provinces.append({"province_code": code, "province_name": o["province"]["name"],
                              "communes": o["communes"], "decided": o["decided"],
                              "recognised": o["recognised"], "rate_percent": o["rate_percent"]})
        return {"year": year, "provinces": provinces, "pause": PAUSE if year == PAUSE["year"] else None,
                "totals": {"communes": sum(p["communes"] for p in provinces),
                           "decided": sum(p["decided"] for p in provinces),
                           "recognised": sum(p["recognised"] for p in provinces),
                           "rate_percent": "50.00"}}

    @rpc
    def decisions(self, province_code, year):
        mine = [i for i in ITEMS if i["province_code"] == province_code and i["year"] == year
                and i["decision_number"]]
        return {"recognised": [i for i in mine if i["status"] == "recognised"],
                "not_recognised": [i for i in mine if i["status"] != "recognised"]}

    @rpc
    def years(self):
        return sorted({i["year"] for i in ITEMS})

    @rpc
    def public_provinces(self):
        return [{"province_code": code, "province_name": name}
                for code, name in sorted({(i["province_code"], i["province_name"])
                                          for i in ITEMS})]

    @rpc
    def export_bundle(self, province_code, year):
        return {"format": "tcpl-publication-bundle", "province_code": province_code,
                "year": year, "events": [{"position": 1, "type": "RecognitionDecided"}]}


def start_board_platform(amqp_uri):
    # no page cache: the tests check what reaches the service on every request
    # (test_board_cache.py tests the cache)
    return start_gateway(amqp_uri, BoardPublicationPeer, peers.AssessmentPeer, peers.PlansPeer,
                         peers.SurveyPeer, BOARD_CACHE_SECONDS=0)


@pytest.fixture(scope="module")
def board(amqp_uri):
    runner, client = start_board_platform(amqp_uri)
    yield client
    client.session.close()
    runner.kill()


@pytest.fixture(autouse=True)
def fresh_board_peer():
    BoardPublicationPeer.calls = []


# -- helpers -----------------------------------------------------------------------------------
def listed(page_html, list_id):
    """(data-code, data-year) of each row of the table ``list_id``, in order."""
    table = re.search(rf'<table[^>]*id="{list_id}"[^>]*>(.*?)</table>', page_html, re.S).group(1)
    return re.findall(r'<tr data-code="([^"]*)"(?: data-year="(\d+)")?', table)


def csv_rows(response):
    assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    return rows[0], rows[1:]


def as_csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    return str(value)


def assert_exports_match(client, path, list_name=None, key="commune_code"):
    sep = "&" if "?" in path else "?"
    extra = f"&list={list_name}" if list_name else ""
    as_json = client.get(f"{path}{sep}format=json{extra}")
    assert as_json.status_code == 200 and as_json.headers["Content-Type"].startswith(
        "application/json")
    body = as_json.json()
    as_csv = client.get(f"{path}{sep}format=csv{extra}")
    assert as_csv.status_code == 200
    assert as_csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in as_csv.headers["Content-Disposition"]
    header, rows = csv_rows(as_csv)
    assert header == [c["label"] for c in body["columns"]]
    keys = [c["key"] for c in body["columns"]]
    assert rows == [[as_csv_cell(r[k]) for k in keys] for r in body["rows"]]
    assert body["count"] == len(body["rows"])
    as_xlsx = client.get(f"{path}{sep}format=xlsx{extra}")
    assert as_xlsx.status_code == 200 and as_xlsx.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert as_xlsx.headers["Content-Disposition"].endswith('.xlsx"')
    assert xlsx_rows(as_xlsx.content, keys) == [header, *(
        [as_points(k, cell) for k, cell in zip(keys, row, strict=True)] for row in rows)]
    return body


def as_points(key, text):
    """A point or rate cell with two decimals ("86.5" and "86.50" are one number)."""
    return f"{Decimal(text):.2f}" if key in spreadsheet.DECIMALS and text else text


def xlsx_rows(content, keys):
    """The workbook's cells written back as the CSV writes them: numbers of the point and
    rate columns with two decimals, dates as ISO dates. Also checks the sheet's set-up."""
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    assert_prints_on_a4(ws, header_row=1)

    def back(key, cell):
        value = cell.value
        if value is None:
            return ""
        if key in spreadsheet.DECIMALS and not isinstance(value, str):
            assert cell.number_format == "0.00", key
            return as_points(key, str(value))
        if isinstance(value, datetime.datetime) and key in spreadsheet.DATES:
            assert cell.number_format == "dd/mm/yyyy", key
            return value.date().isoformat()
        if isinstance(value, datetime.datetime):
            return value.isoformat()
        if isinstance(value, str):
            assert cell.data_type == "s"
            return board_module._csv_value(value)
        return str(value)

    rows = list(ws.iter_rows())
    return [[c.value for c in rows[0]]] + [[back(k, c) for k, c in zip(keys, row, strict=True)]
                                           for row in rows[1:]]


# -- the search page ---------------------------------------------------------------------------
def test_home_lists_everything_with_filters_and_links(board):
    response = board.get("/ket-qua")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    page = response.text
    assert '<html lang="vi">' in page and 'name="viewport"' in page
    assert "Tra cứu kết quả đánh giá chuẩn tiếp cận pháp luật" in page
    assert 'href="/ket-qua/toan-quoc/2025"' in page  # the national overview, latest year
    assert '<option value="38">Tỉnh Thanh Hóa</option>' in page or "Thanh Hóa" in page
    # a province merged on 1 July 2025 stays a choice, for the years it has results
    former = page.split('<optgroup label="Trước ngày 01/7/2025">')[1].split("</optgroup>")[0]
    assert re.findall(r'<option value="(\d+)">([^<]+)</option>', former) == [
        ("74", "Tỉnh Bình Dương")]
    assert [int(y) for y in re.findall(r'<option value="(\d{4})"', page)] == [2025, 2024]
    assert listed(page, "ket-qua") == [(i["commune_code"], str(i["year"])) for i in ITEMS]
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "http://" not in page.replace(board.url, "") and "https://" not in page  # no CDN


@pytest.mark.parametrize("query", ["Đông Quang", "Dong Quang", "dong quang", "DONG  QUANG"])
def test_search_passes_the_query_and_finds_dong_quang(board, query):
    response = board.get("/ket-qua", params={"q": query})
    assert response.status_code == 200
    assert listed(response.text, "ket-qua") == [(DONG_QUANG, "2025"), (DONG_QUANG, "2024")]
    assert BoardPublicationPeer.calls[0][:2] == ("search_communes", query.strip())
    assert 'value="' + html.escape(query.strip()) + '"' in response.text
    assert 'data-total="2"' in response.text


def test_search_finds_provinces_districts_and_communes_forgiving_one_typo(board):
    page = board.get("/ket-qua", params={"q": "Hoang Hia"}).text  # Hoằng Hải, one swap
    units = re.search(r'<ul id="don-vi"[^>]*>(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r'data-kind="(\w+)" data-code="(\d+)"><a href="([^"]+)">([^<]+)</a>',
                      units) == [("commune", THANH_HOA_X, f"/ket-qua/xa/{THANH_HOA_X}",
                                  "Xã Hoằng Hải"),  # a swap first, then one letter replaced
                                 ("district", "001", "/ket-qua/tinh/38/2024#huyen-001",
                                  "Huyện Hoằng Hóa")]
    assert "tên gần đúng" in units and "Huyện Hoằng Hóa, Tỉnh Thanh Hóa" in units
    assert ("search_units", "Hoang Hia", 10) in BoardPublicationPeer.calls
    page = board.get("/ket-qua", params={"q": "thanh hóa"}).text
    assert '<a href="/ket-qua/tinh/38/2024">Tỉnh Thanh Hóa</a>' in page
    page = board.get("/ket-qua", params={"q": "Huyen Bau Bang"}).text
    link = re.search(r'<a href="([^"]+)">Huyện Bàu Bàng</a>', page).group(1)
    assert link == "/ket-qua/tinh/74/2024#huyen-001"
    assert 'id="huyen-001"' in board.get(link.split("#")[0]).text
    assert 'id="don-vi"' not in board.get("/ket-qua").text  # no query, no units


def test_filters_reach_the_service(board):
    response = board.get("/ket-qua", params={"tinh": "01", "nam": "2024", "trang_thai": "revoked"})
    assert response.status_code == 200
    assert listed(response.text, "ket-qua") == [(BA_DINH, "2024")]
    assert BoardPublicationPeer.calls[0] == ("search_communes", "", "01", 2024, "revoked", 50, 0)
    assert '<option value="revoked" selected>' in response.text
    assert 'href="/ket-qua/tinh/01/2024"' in response.text


def test_bad_filters_get_a_vietnamese_400(board):
    for params in ({"nam": "abc"}, {"tinh": "<x>"}, {"trang_thai": "nope"}, {"trang": "0"},
                   {"format": "xml"}):
        response = board.get("/ket-qua", params=params)
        assert response.status_code == 400, params
        assert "Yêu cầu không hợp lệ" in response.text
        assert response.headers["Content-Type"].startswith("text/html")


def test_search_exports_are_the_rows_on_screen(board):
    params = "?q=dong+quang"
    page = board.get("/ket-qua" + params).text
    body = assert_exports_match(board, "/ket-qua" + params)
    assert [(r["commune_code"], str(r["year"])) for r in body["rows"]] == listed(page,
                                                                                   "ket-qua")
    assert body["total"] == 2 and body["filters"]["query"] == "dong quang"
    row = body["rows"][1]
    assert row["commune_name"] == "Xã Đông Quang" and row["total"] == "86.50"
    assert row["status_label"] == "Đạt chuẩn" and row["provisional"] is True
    assert row["criteria_set"] == "25-2021 (phiên bản 1)"
    # the .csv / .xlsx / .json URLs are the same exports, offered beside each other
    assert 'data-format="xlsx" href="/ket-qua?q=dong+quang&amp;format=xlsx"' in page
    assert board.get("/ket-qua.xlsx" + params).headers["Content-Disposition"] == (
        'attachment; filename="ket-qua-tra-cuu.xlsx"')
    assert board.get("/ket-qua.json" + params).json()["rows"] == body["rows"]
    assert board.get("/ket-qua.csv" + params).content == board.get(
        "/ket-qua" + params + "&format=csv").content
    # a Vietnamese header Excel can read
    header, rows = csv_rows(board.get("/ket-qua.csv" + params))
    assert header[:2] == ["Mã xã", "Xã, phường, thị trấn, đặc khu"] and rows[0][1] == "Xã Đông Quang"


def test_a_malicious_name_is_escaped_everywhere(board):
    page = board.get("/ket-qua").text
    assert "<script>alert" not in page and "<b>Độc</b>" not in page
    assert str(escape(EVIL)) in page
    commune = board.get(f"/ket-qua/xa/{EVIL_CODE}")
    assert commune.status_code == 200
    assert "<script>alert" not in commune.text and str(escape(EVIL)) in commune.text
    # JSON keeps the name as it is; CSV too (it starts with "<", not a formula character)
    rows = board.get("/ket-qua.json").json()["rows"]
    assert EVIL in [r["commune_name"] for r in rows]
    # the comment text on the commune page is escaped too, and a file's name
    assert "Đề nghị công khai &lt;rõ&gt; hơn." in commune.text
    evidence = board.get(f"/ket-qua/xa/{BA_DINH}").text
    assert "<script>alert" not in evidence and str(escape(EVIL + ".png")) in evidence


# -- a commune ---------------------------------------------------------------------------------
def test_commune_page_shows_history_chart_floor_decision_and_sources(board):
    response = board.get(f"/ket-qua/xa/{DONG_QUANG}")
    assert response.status_code == 200
    page = response.text
    assert '<h1 id="commune-name">Xã Đông Quang</h1>' in page
    assert re.findall(r'<tr data-year="(\d+)">', page) == ["2025", "2024"]
    # 2024: scored: a chart of five bars, each with its floor line, C3 below its floor
    year = page[page.index('id="nam-2024"'):]
    svg = re.search(r"<svg class=\"criteria-chart\"(.*?)</svg>", year, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert len(re.findall(r'<g class="bar (?:meets|below)"', svg)) == 5
    assert len(re.findall(r'<line class="floor"', svg)) == 6  # five bars and the legend
    assert '<g class="bar below" data-criterion="C3">' in svg
    assert "C3 Hòa giải ở cơ sở: 4 trên 10 điểm, điểm sàn 5, chưa đạt điểm sàn" in svg
    # the floor of C1 (5 of 10) sits at half the bar: x = 56 + 420 / 2
    c1 = re.search(r'data-criterion="C1">.*?<line class="floor" x1="([\d.]+)"', svg, re.S)
    assert float(c1.group(1)) == 56 + 210
    assert "86,5" in year and "Số <strong>88/QĐ-UBND</strong>" not in year
    assert "số <strong>88/QĐ-UBND</strong>, ngày 15/12/2024" in year
    assert "tạm tính" in year and 'id="provisional-2024"' in year
    assert "25-2021, phiên bản 1" in year
    assert "Niêm yết tại trụ sở" in year and "Đã bổ sung." in year and "87,5%" in year
    # the sources of the published scores, with links auditors can follow
    assert 'href="/api/v1/events?source=assessment&amp;after=40&amp;limit=1"' in year
    assert "0b6f7c1e-0000-4000-8000-000000000057" in year and "RecognitionDecided" in year
    # the evidence list of the posting: names, kinds, sizes, signatures, hashes; no file links
    files = year[year.index('id="minh-chung-2024"'):year.index("Mức độ hài lòng")]
    assert "Biên bản họp.pdf" in files and "PDF, 47,1 KB, ngày 30/08/2024" in files
    assert "<strong>Hợp lệ</strong>: Lê Thị Hoa (UBND xã Đông Quang), ký ngày 29/08/2024" in files
    assert "Người ký được tin cậy." in files and "ab" * 32 in files
    assert "ảnh PNG, 900 byte, ngày 02/10/2024, bổ sung theo yêu cầu lần 1" in files
    assert "Không có chữ ký số" not in files and "<a " not in files
    # 2025: pass/fail, no bars, but the criteria table says achieved
    y2025 = page[page.index('id="nam-2025"'):page.index('id="nam-2024"')]
    assert "minh-chung" not in y2025
    assert "criteria-chart" not in y2025 and "Đạt" in y2025
    assert "Đánh giá đạt / không đạt từng tiêu chí" in y2025
    # a survey without answers has no rate, and flagged days are shown with it
    assert "Chưa có số liệu" in y2025 and ">0%" not in y2025 and " 0%" not in y2025
    assert "Ngày 05/06/2025: 40 phiếu từ một thiết bị (80% số phiếu của đợt)" in y2025


def test_commune_page_says_why_it_is_not_recognised(board):
    """89,78 points, every criterion above its floor, and still not recognised: the page
    names the condition that failed, each condition with its value and threshold."""
    page = board.get(f"/ket-qua/xa/{THANH_HOA_X}").text
    why = page[page.index('id="vi-sao-2024"'):page.index("Điểm từng tiêu chí")]
    assert "Vì sao không đạt chuẩn" in why
    assert ("Không đạt chuẩn vì: xã đã kê khai không bảo đảm điều kiện “"
            + HEAD_DISCIPLINED) in html.unescape(why)
    conditions = dict(re.findall(r'<tr data-condition="([^"]+)" data-verdict="([^"]+)"', why))
    assert conditions == {"total": "met", **{f"floor.C{n}": "met" for n in range(1, 6)},
                          "no_head_disciplined": "not_met"}
    assert "89,78/100 điểm" in why and "tối thiểu 80 điểm" in why
    assert "7,28/10 điểm" in why and "điểm sàn 5 (50% điểm tối đa)" in why
    assert "Xã kê khai: không bảo đảm" in why
    # the older years of the fixture carry no conditions: the page explains what it can
    dong_quang = board.get(f"/ket-qua/xa/{DONG_QUANG}").text
    assert 'id="vi-sao-2024"' in dong_quang and "(theo điểm từng tiêu chí)" in dong_quang
    # the words of the year's regime, numbers and dates in Vietnamese form
    assert "Hình thức</dt><dd>Niêm yết tại trụ sở Ủy ban nhân dân cấp xã" in page
    assert "ngày 30/12/2024" in page and "2024-12-30" not in page


def test_methodology_page_states_the_rate_and_the_board_links_it(board):
    page = board.get("/ket-qua/phuong-phap")
    assert page.status_code == 200 and '<html lang="vi">' in page.text
    assert "Tỷ lệ đạt chuẩn = số đơn vị cấp xã được công nhận đạt chuẩn ÷ tổng số đơn vị cấp xã" \
        in page.text and 'id="ty-le"' in page.text and "Mẫu 09" in page.text
    province = board.get("/ket-qua/tinh/38/2024").text
    assert 'href="/ket-qua/phuong-phap#ty-le"' in province
    assert "của các xã, phường, thị trấn." in province  # the 2024 regime's units
    assert "Số xã, phường, thị trấn" in province
    assert '<a href="/ket-qua/phuong-phap">Phương pháp</a>' in province
    national_2025 = board.get("/ket-qua/toan-quoc/2025").text
    assert "Số xã, phường, đặc khu" in national_2025 and "thị trấn" not in national_2025


def test_commune_exports(board):
    page = board.get(f"/ket-qua/xa/{DONG_QUANG}").text
    years = assert_exports_match(board, f"/ket-qua/xa/{DONG_QUANG}", "nam")
    assert [str(r["year"]) for r in years["rows"]] == re.findall(r'<tr data-year="(\d+)">', page)
    assert years["commune"]["name"] == "Xã Đông Quang"
    criteria = assert_exports_match(board, f"/ket-qua/xa/{DONG_QUANG}", "tieu-chi")
    assert [(r["year"], r["criterion_id"]) for r in criteria["rows"]] == [
        (2025, "C1"), *((2024, c["id"]) for c in CRITERIA_2024)]
    assert board.get(f"/ket-qua/xa/{DONG_QUANG}.json?list=nam").json() == years
    assert board.get(f"/ket-qua/xa/{DONG_QUANG}?format=csv&list=xyz").status_code == 400


def test_unknown_commune_and_routes_get_the_vietnamese_404(board):
    for path in ("/ket-qua/xa/99999", "/ket-qua/xa/abc", "/ket-qua/khong-co",
                 "/ket-qua/tinh/01/1999", "/ket-qua/tinh/99/2024", "/ket-qua/toan-quoc/abc",
                 "/ket-qua/tai-nguyen/khong-co.css"):
        response = board.get(path)
        assert response.status_code == 404, path
        assert response.headers["Content-Type"] == "text/html; charset=utf-8", path
        assert "Không tìm thấy" in response.text and '<html lang="vi">' in response.text


# -- a province, the country -------------------------------------------------------------------
def test_province_overview_and_lists(board):
    response = board.get("/ket-qua/tinh/01/2024")
    assert response.status_code == 200
    page = response.text
    assert "<h1>Thành phố Hà Nội — năm 2024</h1>" in page
    assert '<dd id="stat-rate">50%</dd>' in page
    assert listed(page, "dat") == [(DONG_QUANG, "2024")]
    assert listed(page, "khong-dat") == [(BA_DINH, "2024")]
    assert len(listed(page, "huyen")) == 2
    assert 'href="/ket-qua/tinh/01/2024/du-lieu-kiem-chung.json"' in page
    for name, key in (("huyen", "district_code"), ("dat", "commune_code"),
                      ("khong-dat", "commune_code")):
        body = assert_exports_match(board, "/ket-qua/tinh/01/2024", name)
        assert [r[key] for r in body["rows"]] == [c for c, _ in listed(page, name)]
    assert board.get("/ket-qua/tinh/01/2024.csv?list=dat").content == board.get(
        "/ket-qua/tinh/01/2024?format=csv&list=dat").content


def test_province_bundle_download(board):
    response = board.get("/ket-qua/tinh/01/2024/du-lieu-kiem-chung.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert ('attachment; filename="du-lieu-kiem-chung-tinh-01-2024.json"'
            == response.headers["Content-Disposition"])
    assert response.json()["format"] == "tcpl-publication-bundle"


def test_national_overview(board):
    response = board.get("/ket-qua/toan-quoc/2024")
    assert response.status_code == 200
    page = response.text
    assert "<h1>Toàn quốc — năm 2024</h1>" in page
    assert listed(page, "tinh") == [("01", ""), ("38", ""), ("74", "")]  # 74: before the merger
    assert 'href="/ket-qua/tinh/38/2024"' in page and 'href="/ket-qua/toan-quoc/2025"' in page
    body = assert_exports_match(board, "/ket-qua/toan-quoc/2024", key="province_code")
    assert [r["province_code"] for r in body["rows"]] == ["01", "38", "74"]
    latest = board.get("/ket-qua/toan-quoc", allow_redirects=False)
    assert latest.status_code == 302 and latest.headers["Location"].endswith(
        "/ket-qua/toan-quoc/2025")


PAUSE = {"year": 2023, "province_code": None, "scope": "national", "scope_vi": "toàn quốc",
         "legal_basis": "Công văn thử", "notice": None, "decided_on": None,
         "summary_vi": "Năm 2023: tạm dừng đánh giá theo Công văn thử."}


def test_a_paused_year_says_so_with_its_basis_instead_of_showing_nothing(board):
    page = board.get("/ket-qua/toan-quoc/2023").text
    assert '<p class="paused-note" id="tam-dung" role="note">Năm 2023: tạm dừng đánh giá theo Công văn thử.</p>' in page
    assert 'id="tam-dung"' not in board.get("/ket-qua/toan-quoc/2024").text


def test_assets_and_openapi(board):
    css = board.get("/ket-qua/tai-nguyen/board.css")
    assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    js = board.get("/ket-qua/tai-nguyen/board.js")
    assert js.status_code == 200
    paths = board.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/ket-qua")]


def test_csv_neutralises_formulas():
    from gateway import board as module

    response = module.export("csv", "x", module.ITEM_COLUMNS[:2],
                             [{"commune_code": "=1+1", "commune_name": "-5"}])
    text = response.get_data().decode("utf-8-sig")
    assert text.splitlines()[1] == "'=1+1,-5"
    assert json.loads(module.export("json", "x", module.ITEM_COLUMNS[:1],
                                    [{"commune_code": "=1"}]).get_data())["rows"] == [
        {"commune_code": "=1"}]


def test_without_the_cache_every_page_asks_the_service_and_still_has_an_etag(board):
    for _ in range(2):
        response = board.get("/ket-qua", params={"q": "Ba Dinh"})
        assert response.status_code == 200 and "X-Cache" not in response.headers
    assert [c[:2] for c in BoardPublicationPeer.calls] == [
        ("search_communes", "Ba Dinh"), ("search_units", "Ba Dinh")] * 2
    again = board.get("/ket-qua", params={"q": "Ba Dinh"},
                      headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""

"""The .xlsx forms, read back with openpyxl: headers, rows and totals as the views and the
roll-up give them, the title block and the provisional note."""

import io
from decimal import Decimal

import openpyxl
import pytest

from rules.criteria import load_builtin_sets
from rules.scoring import appraised_sheet, score_sheet
from services.assessment import exports, rollups, views
from services.assessment.service import unit_names
from tests.assessment.test_rollups import LOW, RECOGNISED, REFUSED, YEAR, year_2022  # noqa: F401
from tests.assessment.test_service_handlers import handlers_for
from tests.support.assessment_figures import full_figures
from tests.support.printing import assert_prints_on_a4


def read(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def table(ws):
    """(title block texts, header row, data rows) of a form's sheet."""
    rows = list(ws.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == "STT")
    heading = [cell for row in rows[:start] for cell in row if cell]
    return heading, rows[start], rows[start + 1:]


def number(value):
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def assessments(year_2022):  # noqa: F811
    store, sets = year_2022
    _, handlers = handlers_for(store)
    bodies = {code: views.assessment(handlers.get(code, YEAR), sets) for code in (RECOGNISED, LOW)}
    return sets, bodies


def test_form_02_is_the_self_assessment_sheet(assessments):
    sets, bodies = assessments
    body = bodies[RECOGNISED]
    body["evidence"] = {"C1.I1": [{"file_name": "nghi-quyet-01.pdf"}, {"file_name": "bien-ban.pdf"}]}
    criteria_set = sets[("25-2021", 1)]
    ws = read(exports.form_02(body, criteria_set.to_dict(), unit_names(body))).active
    heading, headers, rows = table(ws)
    assert headers == ("STT", "Tiêu chí, chỉ tiêu", "Điểm tối đa", "Điểm tự chấm", "Tài liệu kiểm chứng")
    assert "Mẫu 02" in heading and "Năm 2022" in heading and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in heading
    assert any(text.startswith("ỦY BAN NHÂN DÂN XÃ ĐÔNG") for text in heading)
    assert any(text.startswith("Ghi chú: bộ tiêu chí 25-2021") for text in heading)  # provisional
    assert len(rows) == len(criteria_set.criteria) + len(criteria_set.indicators()) + 1
    first = rows[0]
    assert first[0] == "1" and first[1].startswith("Tiêu chí 1: ") and ws.cell(
        ws.max_row - len(rows) + 1, 1).font.bold
    assert number(first[2]) == Decimal("10.00") and number(first[3]) == Decimal(
        body["self_score"]["criteria"][0]["points"])
    assert rows[1][:2] == ("1.1", "Chỉ tiêu 1: " + criteria_set.indicator("C1.I1").name)
    assert rows[1][4] == "nghi-quyet-01.pdf; bien-ban.pdf"
    total = rows[-1]
    assert total[1] == "Tổng cộng" and number(total[3]) == Decimal(body["self_score"]["total"])
    assert number(total[2]) == Decimal("100.00")
    assert ws.cell(ws.max_row, 4).number_format == "0.00"


def test_form_07_shows_the_appraised_points_and_reasons(assessments):
    sets, bodies = assessments
    body = bodies[LOW]
    criteria_set = sets[("25-2021", 1)]
    _, headers, rows = table(read(exports.form_07(body, criteria_set.to_dict(), unit_names(body))).active)
    assert headers == ("STT", "Tiêu chí, chỉ tiêu", "Điểm tối đa", "Điểm tự chấm", "Điểm thẩm định", "Lý do")
    by_number = {row[0]: row for row in rows}
    assert number(by_number["1.2"][3]) == Decimal("7.00") and number(by_number["1.2"][4]) == Decimal("1.00")
    assert by_number["1.2"][5] == "checked" and by_number["1"][5] is None
    assert number(rows[-1][4]) == Decimal(body["appraised_score"]["total"]) == Decimal("94.00")
    assert number(rows[-1][3]) == Decimal("100.00")


def test_pass_fail_sheets_show_dat_or_khong_dat():
    criteria_set = load_builtin_sets()[("27-2025", 1)]
    ids = criteria_set.indicator_ids()
    own = score_sheet(criteria_set, {i.id: full_figures(i) for i in criteria_set.indicators()})
    council = appraised_sheet(criteria_set, {i: {"achieved": i != ids[3], "reason": "r"} for i in ids})
    body = {"commune_code": "00004", "year": 2025, "self_score": own.to_dict(),
            "appraised_score": council.to_dict(), "evidence": {},
            "appraisal": {"scores": {i: {"achieved": i != ids[3], "reason": "r"} for i in ids}}}
    _, _, rows = table(read(exports.form_07(body, criteria_set.to_dict())).active)
    values = {row[4] for row in rows}
    assert {"Đạt", "Không đạt"} <= values and rows[-1][4] == "Không đạt" and rows[-1][3] == "Đạt"
    assert rows[-1][1] == f"Tổng cộng (13/{len(ids)} chỉ tiêu đạt)"
    assert not any(isinstance(v, int | float) for row in rows for v in row[3:5])


def test_form_08_lists_the_decision_and_why_not(year_2022):  # noqa: F811
    store, sets = year_2022
    rollup = rollups.province_rollup(store.engine, sets, "38", YEAR, "405")
    workbook = read(exports.form_08(rollup))
    assert workbook.sheetnames == ["Đạt chuẩn", "Chưa đạt chuẩn"]
    heading, headers, rows = table(workbook["Đạt chuẩn"])
    assert headers == ("STT", "Xã, phường, thị trấn", "Huyện", "Tổng điểm", "Số, ngày quyết định", "Ghi chú")
    assert "Mẫu 08" in heading and "ỦY BAN NHÂN DÂN HUYỆN ĐÔNG SƠN" in heading
    lines = {line["commune_code"]: line for line in rollup["communes"]}
    assert rows == [(1, lines[RECOGNISED]["commune_name"], "Huyện Đông Sơn", 100,
                     f"{RECOGNISED}/QĐ-UBND, ngày 20/01/2023", None)]
    _, _, refused = table(workbook["Chưa đạt chuẩn"])
    notes = {row[1]: row for row in refused}
    assert len(refused) == 2
    low = notes[lines[LOW]["commune_name"]]
    assert number(low[3]) == Decimal("94.00") and "Tiêu chí 1 đạt 4.00 điểm" in low[5]
    assert "người đứng đầu" in notes[lines[REFUSED]["commune_name"]][5]


def test_form_09_counts_match_the_rollup(year_2022):  # noqa: F811
    store, sets = year_2022
    rollup = rollups.province_rollup(store.engine, sets, "38", YEAR)
    heading, headers, rows = table(read(exports.form_09(rollup)).active)
    assert headers == exports.HEADERS_09 and "Mẫu 09" in heading
    # A row for each of Thanh Hóa's 27 districts of 2022, then the province's total.
    *districts, total = rows
    assert [row[0] for row in districts] == list(range(1, 28))
    dong_son = next(row for row in districts if row[1] == "Huyện Đông Sơn")
    assert dong_son[2:] == (14, 1, 7.14, 2, 11, "Chưa đạt")
    assert total == (None, "Tổng cộng", 559, 1, 0.18, 2, 556, "0/27 huyện")
    district_only = rollups.province_rollup(store.engine, sets, "38", YEAR, "405")
    _, _, rows = table(read(exports.form_09(district_only)).active)
    assert rows == [(1, "Huyện Đông Sơn", 14, 1, 7.14, 2, 11, "Chưa đạt"),
                    (None, "Tổng cộng", 14, 1, 7.14, 2, 11, "0/1 huyện")]
    later = rollups.province_rollup(store.engine, sets, "01", 2025)
    _, headers, rows = table(read(exports.form_09(later)).active)
    assert headers == exports.HEADERS_09[:-1]
    assert rows == [(None, "Thành phố Hà Nội", 126, 0, 0, 0, 126)]


def test_form_10_lists_every_commune_with_its_criteria(year_2022):  # noqa: F811
    store, sets = year_2022
    rollup = rollups.province_rollup(store.engine, sets, "38", YEAR, "405")
    heading, headers, rows = table(read(exports.form_10(rollup)).active)
    assert "Mẫu 10" in heading and "ỦY BAN NHÂN DÂN HUYỆN ĐÔNG SƠN" in heading
    assert headers == ("STT", "Xã, phường, thị trấn", "Huyện", "Tiêu chí 1 (10 điểm)",
                       *(h for h in headers[4:8]), "Tổng điểm", "Kết quả", "Số, ngày quyết định")
    assert all(h.startswith(f"Tiêu chí {n} (") for n, h in enumerate(headers[3:8], 1))
    *communes, summary = rows
    assert len(communes) == 14 and summary[0].startswith("Đạt chuẩn 1/14 đơn vị (tỷ lệ 7,14%)")
    lines = {line["commune_code"]: line for line in rollup["communes"]}
    by_name = {row[1]: row for row in communes}
    low = by_name[lines[LOW]["commune_name"]]
    assert number(low[3]) == Decimal("4.00") and low[9] == "Chưa đạt chuẩn"
    assert number(low[8]) == Decimal("94.00") == sum(number(v) for v in low[3:8])
    assert by_name[lines[RECOGNISED]["commune_name"]][9:] == (
        "Đạt chuẩn", f"{RECOGNISED}/QĐ-UBND, ngày 20/01/2023")
    unopened = [row for row in communes if row[9] == "Chưa có quyết định"]
    assert len(unopened) == 11 and all(v is None for row in unopened for v in row[3:9])


def test_every_form_prints_on_a4(assessments, year_2022):  # noqa: F811
    """A4, one page wide, the header row repeated on each page, the margins of Nghị định
    30/2020/NĐ-CP; landscape where the columns are too wide for portrait."""
    sets, bodies = assessments
    store, _ = year_2022
    criteria_set = sets[("25-2021", 1)].to_dict()
    rollup = rollups.province_rollup(store.engine, sets, "38", YEAR, "405")
    workbooks = {"02": exports.form_02(bodies[RECOGNISED], criteria_set),
                 "07": exports.form_07(bodies[LOW], criteria_set),
                 "08": exports.form_08(rollup), "09": exports.form_09(rollup),
                 "10": exports.form_10(rollup)}
    for form, content in workbooks.items():
        for ws in read(content).worksheets:
            header = next(row[0].row for row in ws.iter_rows() if row[0].value == "STT")
            assert_prints_on_a4(ws, header, form)


def test_form_10_of_a_pass_fail_year_says_dat_or_khong_dat():
    def line(code, name, achieved, recognised, state):
        return {"commune_code": code, "commune_name": name, "district_code": None,
                "district_name": None, "state": state, "pass_fail": True,
                "appraised_total": None, "recognised": recognised,
                "appraised_criteria": None if achieved is None else [
                    {"number": n, "points": None, "max": None, "achieved": a}
                    for n, a in enumerate(achieved, 1)],
                "decision_number": "12/QĐ-UBND" if recognised is not None else None,
                "decision_date": "2027-02-01" if recognised is not None else None,
                "provisional": False}
    rollup = {"province_code": "01", "province_name": "Thành phố Hà Nội", "district_code": None,
              "year": 2026, "provisional": False, "districts": [],
              "communes": [line("00004", "Phường Ba Đình", (True, True, True), True, "recognised"),
                           line("00008", "Phường Ngọc Hà", (True, False, True), False,
                                "not_recognised"),
                           line("00025", "Phường Giảng Võ", None, None, "not_opened")],
              "totals": {"communes": 3, "recognised": 1, "not_recognised": 1, "undecided": 1,
                         "recognised_of_all": "33.33"}}
    heading, headers, rows = table(read(exports.form_10(rollup)).active)
    assert headers == ("STT", "Xã, phường, đặc khu", "Tiêu chí 1", "Tiêu chí 2", "Tiêu chí 3",
                       "Tổng điểm", "Kết quả", "Số, ngày quyết định")
    assert rows[0] == (1, "Phường Ba Đình", "Đạt", "Đạt", "Đạt", "Đạt", "Đạt chuẩn",
                       "12/QĐ-UBND, ngày 01/02/2027")
    assert rows[1][2:7] == ("Đạt", "Không đạt", "Đạt", "Không đạt", "Chưa đạt chuẩn")
    assert rows[2][2:] == (None, None, None, None, "Chưa có quyết định", None)
    assert rows[3][0].startswith("Đạt chuẩn 1/3 đơn vị (tỷ lệ 33,33%)")

""".xlsx exports in the column layout of the forms of Circular 09/2021/TT-BTP.

Plain Python: each builder takes the dicts the read model produces (``views.assessment``,
``CriteriaSet.to_dict()``, ``rollups.province_rollup``) and returns the workbook's bytes.

- Mẫu 02: a commune's self-assessment score sheet;
- Mẫu 07: the council's appraised score sheet, with the reason per indicator;
- Mẫu 08: the recognition decision's lists (two sheets: recognised, not recognised);
- Mẫu 09: the summary report per district (or for the province);
- Mẫu 10: the table of results per commune that goes with the report (see ``form_10``).

Every sheet opens with a title block like the paper forms (issuing body, national motto,
form number, title, year) and, when the criteria set is provisional, a note row saying so.
Points are written as numbers with two decimals; pass/fail sets (27/2025) show "Đạt" or
"Không đạt" instead of points.

Every sheet is set up to print on A4 (``kernel.printing.print_on_a4``): the orientation its
width needs, fitted to one page wide, the table's header row repeated on each page, and the
margins of administrative documents (Nghị định 30/2020/NĐ-CP).
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from kernel.printing import print_on_a4

MIME_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMBER_FORMAT = "0.00"
ACHIEVED, NOT_ACHIEVED = "Đạt", "Không đạt"
NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
PROVISIONAL_NOTE = ("Ghi chú: bộ tiêu chí {set_id} phiên bản {version} còn nội dung, điểm số tạm "
                    "thời (chưa đối chiếu phụ lục chính thức); số liệu chỉ để tham khảo.")

TITLE_02 = "BẢNG TỰ CHẤM ĐIỂM CÁC TIÊU CHÍ, CHỈ TIÊU TIẾP CẬN PHÁP LUẬT"
TITLE_07 = "BẢNG TỔNG HỢP KẾT QUẢ THẨM ĐỊNH ĐIỂM SỐ CÁC TIÊU CHÍ, CHỈ TIÊU TIẾP CẬN PHÁP LUẬT"
TITLE_08 = "DANH SÁCH {units} {outcome} CHUẨN TIẾP CẬN PHÁP LUẬT"
TITLE_09 = "BÁO CÁO KẾT QUẢ ĐÁNH GIÁ, CÔNG NHẬN {units} ĐẠT CHUẨN TIẾP CẬN PHÁP LUẬT"
TITLE_10 = "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ, CÔNG NHẬN {units} ĐẠT CHUẨN TIẾP CẬN PHÁP LUẬT"

HEADERS_02 = ("STT", "Tiêu chí, chỉ tiêu", "Điểm tối đa", "Điểm tự chấm", "Tài liệu kiểm chứng")
HEADERS_07 = ("STT", "Tiêu chí, chỉ tiêu", "Điểm tối đa", "Điểm tự chấm", "Điểm thẩm định", "Lý do")
HEADERS_09 = ("STT", "Đơn vị", "Tổng số đơn vị cấp xã", "Số đạt chuẩn", "Tỷ lệ %",
              "Số chưa đạt chuẩn", "Chưa đánh giá", "Huyện đạt chuẩn huyện")
SHEET_RECOGNISED, SHEET_NOT_RECOGNISED = "Đạt chuẩn", "Chưa đạt chuẩn"
RESULT_RECOGNISED, RESULT_NOT_RECOGNISED, RESULT_UNDECIDED = (
    "Đạt chuẩn", "Chưa đạt chuẩn", "Chưa có quyết định")
RESULT_REVOKED = "Đã thu hồi công nhận"


_BOLD = Font(bold=True)
_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


# -- the forms ----------------------------------------------------------------------------------

def form_02(assessment: dict, criteria_set: dict, names: dict | None = None) -> bytes:
    """Mẫu 02: the commune's self-assessment sheet (``assessment["self_score"]``)."""
    names = names or {}
    sheet_rows = _sheet_rows(criteria_set, assessment.get("self_score"))
    evidence = assessment.get("evidence") or {}
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Mẫu 02"
    row = _title_block(ws, len(HEADERS_02), _commune_issuer(names, assessment), "Mẫu 02",
                       TITLE_02, assessment["year"], _commune_line(names, assessment),
                       _note(criteria_set))
    header, row = row, _headers(ws, row, HEADERS_02)
    for item in sheet_rows:
        files = "" if item["kind"] != "indicator" else "; ".join(
            f["file_name"] for f in evidence.get(item["id"]) or ())
        _row(ws, row, (item["number"], item["name"], item["max"], item["points"], files or None),
             bold=item["kind"] != "indicator")
        row += 1
    _layout(ws, header, (8, 70, 12, 14, 40))
    return _bytes(workbook)


def form_07(assessment: dict, criteria_set: dict, names: dict | None = None) -> bytes:
    """Mẫu 07: the council's appraised sheet next to the self-assessment, with the reasons."""
    names = names or {}
    own = {r["key"]: r for r in _sheet_rows(criteria_set, assessment.get("self_score"))}
    appraised = _sheet_rows(criteria_set, assessment.get("appraised_score"))
    reasons = {key: (value or {}).get("reason") for key, value in
               ((assessment.get("appraisal") or {}).get("scores") or {}).items()}
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Mẫu 07"
    issuer = "HỘI ĐỒNG ĐÁNH GIÁ CHUẨN TIẾP CẬN PHÁP LUẬT " + (
        names.get("district_name") or names.get("province_name") or "").upper()
    row = _title_block(ws, len(HEADERS_07), issuer.strip(), "Mẫu 07", TITLE_07, assessment["year"],
                       _commune_line(names, assessment), _note(criteria_set))
    header, row = row, _headers(ws, row, HEADERS_07)
    for item in appraised:
        reason = reasons.get(item["id"]) if item["kind"] == "indicator" else None
        _row(ws, row, (item["number"], item["name"], item["max"], own[item["key"]]["points"],
                       item["points"], reason), bold=item["kind"] != "indicator")
        row += 1
    _layout(ws, header, (8, 64, 12, 14, 14, 40))
    return _bytes(workbook)


def form_08(rollup: dict) -> bytes:
    """Mẫu 08: the decision's lists of recognised and not recognised communes."""
    lines = rollup["communes"]
    with_district = any(line["district_code"] for line in lines)
    headers = ("STT", _units_header(rollup["year"])) + (("Huyện",) if with_district else ()) + (
        "Tổng điểm", "Số, ngày quyết định", "Ghi chú")
    workbook = Workbook()
    first = True
    for title, outcome, wanted in ((SHEET_RECOGNISED, "ĐẠT", True),
                                   (SHEET_NOT_RECOGNISED, "CHƯA ĐẠT", False)):
        ws = workbook.active if first else workbook.create_sheet()
        first = False
        ws.title = title
        subtitle = f"(Kèm theo Quyết định công nhận của Chủ tịch {_reviewer(rollup)})"
        row = _title_block(ws, len(headers), _rollup_issuer(rollup), "Mẫu 08",
                           TITLE_08.format(units=_units_header(rollup["year"]).upper(),
                                           outcome=outcome),
                           rollup["year"], subtitle, _rollup_note(rollup))
        header, row = row, _headers(ws, row, headers)
        for number, line in enumerate((x for x in lines if x["recognised"] is wanted), 1):
            values = [number, line["commune_name"] or line["commune_code"]]
            if with_district:
                values.append(line.get("district_name") or line["district_code"])
            values += [_total(line), _decision(line), None if wanted else _why_not(line)]
            _row(ws, row, values)
            row += 1
        _layout(ws, header, (8, 34) + ((26,) if with_district else ()) + (14, 30, 60))
    return _bytes(workbook)


def form_09(rollup: dict) -> bytes:
    """Mẫu 09: counts and rates per district (or for the province), with the district-level
    standard where it applies."""
    standard = any(d["district_standard"]["applicable"] for d in rollup["districts"])
    headers = HEADERS_09 if standard else HEADERS_09[:-1]
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Mẫu 09"
    row = _title_block(ws, len(headers), _rollup_issuer(rollup), "Mẫu 09",
                       TITLE_09.format(units=_units_header(rollup["year"]).upper()),
                       rollup["year"], _rollup_scope(rollup), _rollup_note(rollup))
    header, row = row, _headers(ws, row, headers)
    for number, district in enumerate(rollup["districts"], 1):
        values = [number, district["district_name"] or district["district_code"],
                  *_counts(district)]
        if standard:
            values.append(_standard_words(district["district_standard"]))
        _row(ws, row, values)
        row += 1
    totals = rollup["totals"]
    label = "Tổng cộng" if rollup["districts"] else (rollup.get("province_name") or
                                                      rollup["province_code"])
    values = [None, label, *_counts(totals)]
    if standard:
        values.append(f"{totals['districts_meeting_standard']}/{totals['districts_for_standard']} huyện")
    _row(ws, row, values, bold=True)
    _layout(ws, header, (8, 34, 14, 12, 10, 14, 14, 18)[:len(headers)])
    return _bytes(workbook)


def form_10(rollup: dict) -> bytes:
    """Mẫu 10: every commune of the report's area with its appraised points per criterion, its
    total, its result and the decision — the table that goes with the report (Mẫu 09) to the
    province (Circular 09/2021/TT-BTP: the district reports before 15/02, RULES.md).

    Where the columns come from: the official annex was not available here (see
    docs/assessment-api.md). The layout is inferred from the lists the districts published
    under the same regime's predecessor (for example the list attached to Quyết định
    2793/QĐ-UBND of huyện Bàu Bàng, 20/11/2017: STT, Tên xã, Tổng điểm, Điểm của từng tiêu
    chí) and from what Mẫu 09 counts: STT, the commune, its district (while districts exist),
    one column per criterion (appraised points, or Đạt/Không đạt in pass/fail sets), Tổng
    điểm (appraised), Kết quả (the decision: Đạt chuẩn, Chưa đạt chuẩn, Đã thu hồi công nhận,
    or Chưa có quyết định) and Số, ngày quyết định. Communes that opened no assessment are
    listed too (empty points, Chưa có quyết định), so the rows add up to Mẫu 09's totals."""
    lines = rollup["communes"]
    with_district = any(line["district_code"] for line in lines)
    criteria = _criteria_columns(lines)
    headers = (("STT", _units_header(rollup["year"])) + (("Huyện",) if with_district else ())
               + tuple(_criterion_header(c) for c in criteria)
               + ("Tổng điểm", "Kết quả", "Số, ngày quyết định"))
    workbook = Workbook()
    ws = workbook.active
    ws.title = "Mẫu 10"
    row = _title_block(ws, len(headers), _rollup_issuer(rollup), "Mẫu 10",
                       TITLE_10.format(units=_units_header(rollup["year"]).upper()),
                       rollup["year"], _rollup_scope(rollup), _rollup_note(rollup))
    header, row = row, _headers(ws, row, headers)
    for number, line in enumerate(lines, 1):
        values = [number, line["commune_name"] or line["commune_code"]]
        if with_district:
            values.append(line.get("district_name") or line["district_code"])
        own = {c["number"]: c for c in line.get("appraised_criteria") or ()}
        values += [_criterion_cell(own.get(c["number"]), line) for c in criteria]
        values += [_total_cell(line), _result(line), _decision(line)]
        _row(ws, row, values)
        row += 1
    totals = rollup["totals"]
    summary = (f"Đạt chuẩn {totals['recognised']}/{totals['communes']} đơn vị "
               f"(tỷ lệ {_points_words(totals['recognised_of_all'] or 0)}%); chưa đạt chuẩn "
               f"{totals['not_recognised']}; chưa có quyết định {totals['undecided']}")
    _merged(ws, row, 1, len(headers), summary, bold=True, align=_WRAP)
    _layout(ws, header, (8, 30) + ((24,) if with_district else ()) + (11,) * len(criteria)
            + (12, 18, 28))
    return _bytes(workbook)


# -- rows of a score sheet ------------------------------------------------------------------------

def _sheet_rows(criteria_set: dict, sheet: dict | None) -> list[dict]:
    """Criterion rows (with subtotal), indicator rows and the total row of a sheet, in the
    set's order; an indicator not scored yet has no points."""
    pass_fail = criteria_set["pass_fail"]
    scored = {}
    criterion_scores = {}
    for criterion in (sheet or {}).get("criteria", ()):
        criterion_scores[criterion["id"]] = criterion
        for indicator in criterion["indicators"]:
            scored[indicator["id"]] = indicator
    rows = []
    achieved = []
    for number, criterion in enumerate(criteria_set["criteria"], 1):
        own = criterion_scores.get(criterion["id"])
        rows.append({"kind": "criterion", "key": criterion["id"], "id": criterion["id"],
                     "number": str(number), "name": f"Tiêu chí {number}: {criterion['name']}",
                     "max": _number(criterion.get("max")),
                     "points": _shown(own, pass_fail) if own else None})
        for sub, indicator in enumerate(criterion["indicators"], 1):
            score = scored.get(indicator["id"])
            if pass_fail and score is not None:
                achieved.append(bool(score["achieved"]))
            rows.append({"kind": "indicator", "key": indicator["id"], "id": indicator["id"],
                         "number": f"{number}.{sub}", "name": f"Chỉ tiêu {sub}: {indicator['name']}",
                         "max": _number(indicator.get("max")),
                         "points": _shown(score, pass_fail) if score else None})
    count = sum(len(c["indicators"]) for c in criteria_set["criteria"])
    if pass_fail:
        total = None if sheet is None else (NOT_ACHIEVED if not all(achieved) else
                                            (ACHIEVED if len(achieved) == count else None))
        name = f"Tổng cộng ({sum(achieved)}/{count} chỉ tiêu đạt)"
    else:
        total, name = (_number(sheet["total"]) if sheet else None), "Tổng cộng"
    rows.append({"kind": "total", "key": "total", "id": None, "number": None, "name": name,
                 "max": _number(criteria_set.get("total_max")), "points": total})
    return rows


def _shown(score: dict, pass_fail: bool):
    if pass_fail:
        value = score.get("achieved")
        return None if value is None else (ACHIEVED if value else NOT_ACHIEVED)
    return _number(score.get("points"))


def _number(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


# -- lines of a roll-up ---------------------------------------------------------------------------

def _total(line: dict):
    if line.get("pass_fail"):
        return ACHIEVED if line["recognised"] else NOT_ACHIEVED
    return _number(line["appraised_total"])


def _decision(line: dict) -> str | None:
    if not line.get("decision_number"):
        return None
    day = line.get("decision_date")
    return line["decision_number"] + (f", ngày {_day(day)}" if day else "")


def _why_not(line: dict) -> str:
    if line["state"] == "revoked":
        return "Đã thu hồi quyết định công nhận" + (
            f": {line['revocation_reason']}" if line.get("revocation_reason") else "")
    return "; ".join(line.get("unmet_conditions_vi") or ()) or "Không được công nhận"


def _counts(counts: dict) -> list:
    rate = counts.get("recognition_rate")  # recognised ÷ every unit of the year (docs/board.md)
    return [counts["communes"], counts["recognised"], _number(rate), counts["not_recognised"],
            counts["undecided"]]


def _criteria_columns(lines: list[dict]) -> list[dict]:
    """The criteria the lines were appraised on, by number (with the maximum of the first
    line that has one): a year's communes share one criteria set."""
    found: dict[int, dict] = {}
    for line in lines:
        for criterion in line.get("appraised_criteria") or ():
            found.setdefault(criterion["number"], criterion)
    return [found[number] for number in sorted(found)]


def _criterion_header(criterion: dict) -> str:
    if criterion.get("max") is None:
        return f"Tiêu chí {criterion['number']}"
    return f"Tiêu chí {criterion['number']} ({_points_words(criterion['max'])} điểm)"


def _criterion_cell(criterion: dict | None, line: dict):
    if criterion is None:
        return None
    if line.get("pass_fail"):
        value = criterion.get("achieved")
        return None if value is None else (ACHIEVED if value else NOT_ACHIEVED)
    return _number(criterion.get("points"))


def _total_cell(line: dict):
    if line.get("pass_fail") and line["recognised"] is None:
        return None  # not decided: neither Đạt nor Không đạt yet
    return _total(line)


def _result(line: dict) -> str:
    if line["state"] == "revoked":
        return RESULT_REVOKED
    return {True: RESULT_RECOGNISED, False: RESULT_NOT_RECOGNISED}.get(line["recognised"],
                                                                        RESULT_UNDECIDED)


def _points_words(value) -> str:
    """A maximum as written in a header: "10", "22,5" (a decimal comma, no trailing zeros)."""
    text = format(Decimal(str(value)).normalize(), "f")
    return text.replace(".", ",")


def _standard_words(standard: dict) -> str:
    if not standard["applicable"]:
        return "Không áp dụng"
    return {"met": "Đạt", "not_met": "Chưa đạt"}.get(standard["verdict"], "Chưa đủ căn cứ")


def _units_header(year: int) -> str:
    return "Xã, phường, thị trấn" if year <= 2024 else "Xã, phường, đặc khu"


def _rollup_issuer(rollup: dict) -> str:
    return "ỦY BAN NHÂN DÂN " + _reviewing_unit(rollup).upper()


def _reviewer(rollup: dict) -> str:
    return "Ủy ban nhân dân " + _lower_first(_reviewing_unit(rollup))


def _reviewing_unit(rollup: dict) -> str:
    if rollup.get("district_code"):
        for district in rollup["districts"]:
            if district["district_code"] == rollup["district_code"]:
                return district["district_name"] or f"huyện {rollup['district_code']}"
    return rollup.get("province_name") or f"tỉnh {rollup['province_code']}"


def _rollup_scope(rollup: dict) -> str:
    return f"Đơn vị báo cáo: {_reviewing_unit(rollup)}"


def _rollup_note(rollup: dict) -> str | None:
    if not rollup.get("provisional"):
        return None
    sets = sorted({(line["criteria_set_id"], line["criteria_set_version"])
                   for line in rollup["communes"] if line["provisional"]})
    return "; ".join(PROVISIONAL_NOTE.format(set_id=s, version=v) for s, v in sets)


# -- layout ---------------------------------------------------------------------------------------

def _commune_issuer(names: dict, assessment: dict) -> str:
    return "ỦY BAN NHÂN DÂN " + (names.get("commune_name") or assessment["commune_code"]).upper()


def _commune_line(names: dict, assessment: dict) -> str:
    parts = [names.get("commune_name") or f"Mã xã {assessment['commune_code']}",
             names.get("district_name"), names.get("province_name")]
    return ", ".join(p for p in parts if p)


def _note(criteria_set: dict) -> str | None:
    if not criteria_set.get("provisional"):
        return None
    return PROVISIONAL_NOTE.format(set_id=criteria_set["id"], version=criteria_set["version"])


def _title_block(ws, width: int, issuer: str, form: str, title: str, year: int,
                 subtitle: str | None, note: str | None) -> int:
    """The form's heading; returns the row the table starts on."""
    split = 2 if width > 3 else 1
    _merged(ws, 1, 1, split, issuer, bold=True)
    _merged(ws, 1, split + 1, width, NATION, bold=True)
    _merged(ws, 2, split + 1, width, MOTTO, bold=True)
    _merged(ws, 3, 1, width, form, bold=True, align=Alignment(horizontal="right"))
    _merged(ws, 4, 1, width, title, bold=True)
    _merged(ws, 5, 1, width, f"Năm {year}", bold=True)
    row = 6
    if subtitle:
        _merged(ws, row, 1, width, subtitle)
        row += 1
    if note:
        _merged(ws, row, 1, width, note, align=_WRAP)
        ws.cell(row, 1).font = Font(italic=True)
        ws.row_dimensions[row].height = 30
        row += 1
    return row + 1


def _merged(ws, row: int, first: int, last: int, value, bold=False, align=_CENTER):
    cell = ws.cell(row, first, value)
    cell.font = Font(bold=bold)
    cell.alignment = align
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def _headers(ws, row: int, headers) -> int:
    for column, text in enumerate(headers, 1):
        cell = ws.cell(row, column, text)
        cell.font = _BOLD
        cell.border = _BORDER
        cell.alignment = _CENTER
    return row + 1


def _row(ws, row: int, values, bold: bool = False):
    for column, value in enumerate(values, 1):
        cell = ws.cell(row, column, value)
        cell.border = _BORDER
        cell.alignment = _WRAP
        if bold:
            cell.font = _BOLD
        if isinstance(value, Decimal):
            cell.number_format = NUMBER_FORMAT


def _layout(ws, header_row: int, widths):
    """The columns' widths, then the page set up for them, the table's header row repeated on
    every printed page (every form calls this last)."""
    for column, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(column)].width = width
    print_on_a4(ws, header_row)


def _bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _day(value: str) -> str:
    return date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]

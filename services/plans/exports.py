"""The yearly summary of a plan's progress (sơ kết / tổng kết) as .xlsx."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from kernel.printing import print_on_a4
from services.plans.plan import STATUS_LABELS

MIME_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KINDS = {"so_ket": "SƠ KẾT", "tong_ket": "TỔNG KẾT"}
HEADERS = ("STT", "Nhiệm vụ", "Cơ quan chủ trì", "Cơ quan phối hợp", "Thời gian thực hiện",
           "Hạn hoàn thành", "Kết quả, sản phẩm", "Tình trạng", "Tỷ lệ hoàn thành (%)",
           "Ghi chú", "Tài liệu minh chứng", "Quá hạn")
WIDTHS = (8, 50, 30, 30, 22, 14, 30, 16, 12, 30, 30, 14)
THIN = Side(style="thin")


def _due_in(task: dict, year: int) -> list[str]:
    return [d for d in task.get("due_dates", []) if d.startswith(str(year))]


def summary(plan: dict, year: int, kind: str = "tong_ket") -> bytes:
    """One row per task of ``plan`` (the service's plan view), as of now, for ``year``."""
    book = Workbook()
    sheet = book.active
    sheet.title = f"{KINDS.get(kind, 'TỔNG KẾT').title()} {year}"
    bold = Font(bold=True)
    sheet.append([plan.get("issuer") or ""])
    sheet.append([f"BÁO CÁO {KINDS.get(kind, 'TỔNG KẾT')} THỰC HIỆN KẾ HOẠCH NĂM {year}"])
    sheet.append([f"Kế hoạch số {plan.get('number') or '…'}: {plan.get('title') or ''}"])
    sheet.append([])
    for row in (1, 2, 3):
        sheet.cell(row=row, column=1).font = bold
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(HEADERS))
    sheet.append(list(HEADERS))
    header_row = sheet.max_row
    for column in range(1, len(HEADERS) + 1):
        cell = sheet.cell(row=header_row, column=column)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
    for task in plan["tasks"]:
        report = task.get("last_report") or {}
        evidence = report.get("evidence")
        overdue = [f["due_date"] for f in task.get("overdue", []) if f["due_date"].startswith(str(year))]
        note = report.get("note") or ""
        if task.get("link"):
            link = task["link"]
            counts = link.get("counts") or {}
            note = (f"Theo kết quả đánh giá năm {link['year']}: {counts.get('submitted', 0)} nộp hồ sơ, "
                    f"{counts.get('appraised', 0)} đã thẩm định, {counts.get('decided', 0)} đã có quyết định "
                    f"/ {link.get('communes', 0)} đơn vị cấp xã")
        sheet.append([
            task["number"], task["title"],
            "; ".join(a["name"] for a in task["lead_agencies"]) or task.get("lead_text") or "",
            "; ".join(a["name"] for a in task["coordinating_agencies"]) or task.get("coordinating_text") or "",
            (task.get("timeframe") or {}).get("text", ""),
            ", ".join(_vn_date(d) for d in _due_in(task, year)),
            task.get("outputs") or "", STATUS_LABELS.get(task["status"], task["status"]),
            task["percent"], note,
            f"{evidence['file_name']} (SHA-256 {evidence['sha256']})" if evidence else "",
            "Quá hạn " + ", ".join(_vn_date(d) for d in overdue) if overdue else "",
        ])
        for column in range(1, len(HEADERS) + 1):
            cell = sheet.cell(row=sheet.max_row, column=column)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    tasks = plan["tasks"]
    sheet.append([])
    sheet.append(["Tổng số nhiệm vụ", len(tasks)])
    sheet.append(["Đã hoàn thành", sum(1 for t in tasks if t["status"] == "completed")])
    sheet.append(["Đang thực hiện", sum(1 for t in tasks if t["status"] == "in_progress")])
    sheet.append(["Chưa thực hiện", sum(1 for t in tasks if t["status"] == "not_started")])
    sheet.append(["Có nhiệm vụ quá hạn", sum(1 for t in tasks if t.get("overdue"))])
    print_on_a4(sheet, header_row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _vn_date(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"

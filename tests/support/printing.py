"""The print set-up every .xlsx the platform hands out must have (kernel/printing.py), checked
on a workbook as read back with openpyxl."""

from kernel import printing


def assert_prints_on_a4(ws, header_row: int, label: str = ""):
    """A4, one page wide and as tall as needed, the header row repeated on every page and
    frozen, the margins of Nghị định 30/2020/NĐ-CP, landscape exactly when the columns are
    too wide for portrait."""
    setup = ws.page_setup
    assert int(setup.paperSize) == printing.A4, label
    assert ws.sheet_properties.pageSetUpPr.fitToPage, label
    assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0), label
    assert ws.print_title_rows == f"${header_row}:${header_row}", label
    assert ws.freeze_panes == f"A{header_row + 1}", label
    margins = ws.page_margins
    assert tuple(round(side * 2.54, 2) for side in (
        margins.left, margins.right, margins.top, margins.bottom)) == (3.0, 1.5, 2.0, 2.0), label
    width = sum(d.width or 0 for d in ws.column_dimensions.values())
    wanted = "landscape" if width > printing.PORTRAIT_WIDTH else "portrait"
    assert setup.orientation == wanted, (label, width)

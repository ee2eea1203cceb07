"""How every spreadsheet the platform hands out prints: on A4, one page wide.

Shared by the services' .xlsx forms and reports (services/assessment/exports.py,
services/plans/exports.py) and the board's downloads (gateway/board/spreadsheet.py), so that
an official prints each of them the same way without setting up the page.
"""

from __future__ import annotations

from openpyxl.worksheet.page import PageMargins

A4 = 9  # the paper size's number in the OOXML list
CM = 1 / 2.54  # openpyxl writes margins in inches
# The margins of administrative documents (Nghị định 30/2020/NĐ-CP, Phụ lục I): top and
# bottom 2 cm, left 3 cm (the binding), right 1.5 cm.
MARGINS = {"top": 2 * CM, "bottom": 2 * CM, "left": 3 * CM, "right": 1.5 * CM}
# Wider than this (the sum of the columns' widths, in characters) a sheet prints landscape:
# about what fits across portrait A4 between those margins at the default font.
PORTRAIT_WIDTH = 110


def print_on_a4(ws, header_row: int | None = None):
    """Set ``ws`` up to print on A4: landscape when its columns are too wide for portrait,
    fitted to one page wide (as many pages tall as the rows need), centred, with the margins
    above, and ``header_row`` (the table's column headings) repeated at the top of every page
    and frozen on screen."""
    width = sum(ws.column_dimensions[letter].width or 0 for letter in ws.column_dimensions)
    ws.page_setup.paperSize = A4
    ws.page_setup.orientation = "landscape" if width > PORTRAIT_WIDTH else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(header=0.8 * CM, footer=0.8 * CM, **MARGINS)
    if header_row is not None:
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.freeze_panes = ws.cell(header_row + 1, 1)

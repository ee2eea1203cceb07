"""Drive the public results board in Debian's chromium: ``python browser_board.py BASE_URL SHOTS_DIR``.

Run as its own process (Playwright's sync API hangs inside the eventlet-patched test process,
next to the in-process gateway). At a desktop width (1280 px) and a phone width (390 px) it
searches without and with diacritics, filters by year with a select, opens a commune (chart,
provisional flag), the province and national overviews, and downloads a CSV export and the
province's verification bundle; then prints two communes' pages to PDF (A4, print media).
Screenshots and PDFs go to SHOTS_DIR/board-*. Prints one JSON line with what the pages showed.
"""

import json
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PRINTED = ("10105", "15001")  # Đông Quang (two years, evidence, comments), Hoằng Hải
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def rows(page, table_id):
    return page.eval_on_selector_all(
        f"#{table_id} tbody tr[data-code]",
        "rows => rows.map(r => [r.dataset.code, r.dataset.year || ''])")


def overflow(page):
    """How many CSS pixels the page is wider than the viewport (0: no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def run_viewport(browser, base_url, shots_dir, name, viewport, errors, outside):
    seen = {}
    context = browser.new_context(viewport=viewport, locale="vi-VN", accept_downloads=True,
                                  is_mobile=name == "phone", has_touch=name == "phone")
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("pageerror", lambda exc: errors.append(f"{name}: {exc}"))
    page.on("console", lambda m: errors.append(f"{name}: {m.text}") if m.type == "error"
            else None)
    page.on("request", lambda r: None if r.url.startswith(base_url) else outside.append(r.url))

    def shot(what):
        page.screenshot(path=str(shots_dir / f"board-{what}-{name}.png"), full_page=True)

    # -- search: without diacritics, typed and submitted with Enter -------------------------
    page.goto(base_url + "/ket-qua", wait_until="load")
    seen["lang"] = page.get_attribute("html", "lang")
    seen["heading"] = page.inner_text("h1")
    seen["all_rows"] = rows(page, "ket-qua")
    page.fill("#q", "Dong Quang")
    with page.expect_navigation():
        page.press("#q", "Enter")
    seen["plain_rows"] = rows(page, "ket-qua")
    seen["plain_url"] = page.url
    seen["plain_count"] = page.inner_text("#result-count")
    seen["overflow_search"] = overflow(page)
    shot("search")
    # -- with diacritics, clicking the button -----------------------------------------------
    page.fill("#q", "Đông Quang")
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    seen["accented_rows"] = rows(page, "ket-qua")
    # -- a filter: choosing a year submits the form (board.js) ------------------------------
    with page.expect_navigation():
        page.select_option("#nam", "2024")
    seen["filtered_rows"] = rows(page, "ket-qua")
    seen["filtered_url"] = page.url

    # -- the commune page ---------------------------------------------------------------------
    with page.expect_navigation():
        page.click("#ket-qua tbody tr[data-code] a")
    seen["commune_url"] = page.url
    seen["commune_heading"] = page.inner_text("#commune-name")
    chart = page.locator("#nam-2024 svg.criteria-chart")
    seen["chart_visible"] = chart.is_visible()
    seen["chart_role"] = chart.get_attribute("role")
    seen["chart_bars"] = page.locator("#nam-2024 svg.criteria-chart g.bar").count()
    seen["chart_floor_lines"] = page.locator("#nam-2024 svg.criteria-chart line.floor").count()
    box = chart.bounding_box()
    seen["chart_width"] = box["width"]
    seen["provisional_badge"] = page.locator("#nam-2024 h2 .badge-provisional").inner_text()
    seen["provisional_note_visible"] = page.locator("#provisional-2024").is_visible()
    seen["evidence_rows"] = page.eval_on_selector_all(
        "#nam-2024 table.evidence tbody tr",
        "rows => rows.map(r => [r.dataset.indicator, r.querySelector('.file-name').innerText])")
    seen["evidence_hash_visible"] = page.locator("#nam-2024 table.evidence code.hash").first.is_visible()
    seen["overflow_commune"] = overflow(page)
    page.click("#nam-2024 details.sources summary")
    seen["source_links"] = page.eval_on_selector_all(
        "#nam-2024 li.source a", "links => links.map(a => a.getAttribute('href'))")
    shot("commune")

    # -- the province overview, its CSV export and the bundle --------------------------------
    page.goto(base_url + "/ket-qua/tinh/01/2024", wait_until="load")
    seen["province_heading"] = page.inner_text("h1")
    seen["province_rate"] = page.inner_text("#stat-rate")
    seen["province_recognised"] = rows(page, "dat")
    seen["overflow_province"] = overflow(page)
    shot("province")
    with page.expect_download() as download_info:
        page.click('a.export[data-format="csv"][href*="list=dat"]')
    download = download_info.value
    content = Path(download.path()).read_bytes()
    seen["csv_name"] = download.suggested_filename
    seen["csv_bom"] = content.startswith(b"\xef\xbb\xbf")
    seen["csv_lines"] = content.decode("utf-8-sig").splitlines()
    with page.expect_download() as download_info:
        page.click("#bundle")
    bundle = download_info.value
    seen["bundle_name"] = bundle.suggested_filename
    seen["bundle"] = json.loads(Path(bundle.path()).read_text(encoding="utf-8"))

    # -- the national overview ----------------------------------------------------------------
    page.goto(base_url + "/ket-qua/toan-quoc/2024", wait_until="load")
    seen["national_heading"] = page.inner_text("h1")
    seen["national_rows"] = rows(page, "tinh")
    seen["overflow_national"] = overflow(page)
    shot("national")
    with page.expect_navigation():
        page.click('#tinh a[href="/ket-qua/tinh/38/2024"]')
    seen["national_link"] = page.url
    # -- a commune that does not exist ---------------------------------------------------------
    response = page.goto(base_url + "/ket-qua/xa/99999", wait_until="load")
    seen["missing_status"] = response.status
    seen["missing_heading"] = page.inner_text("h1")
    context.close()
    return seen


def pdf_pages(content: bytes) -> int:
    """The number of pages of a PDF chromium printed (its page objects)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", content))


def print_commune(browser, base_url, shots_dir, code) -> dict:
    """Print a commune's page to PDF as a browser does (print media, A4): how many pages,
    and what the print stylesheet hides and keeps."""
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="vi-VN")
    page = context.new_page()
    page.goto(f"{base_url}/ket-qua/xa/{code}", wait_until="load")
    page.emulate_media(media="print")
    seen = {"nav_visible": page.locator("header.site nav").is_visible(),
            "exports_visible": page.locator(".exports").first.is_visible(),
            "why_visible": page.locator("section.year section.why").first.is_visible(),
            "older_year_visible": page.locator("section.year").nth(1).is_visible()}
    page.set_viewport_size({"width": 703, "height": 1000})  # A4's width inside its margins
    page.screenshot(path=str(shots_dir / f"board-print-{code}.png"), full_page=True)
    seen["height"] = page.evaluate("document.body.getBoundingClientRect().height")
    content = page.pdf(format="A4", prefer_css_page_size=True, print_background=True)
    (shots_dir / f"board-commune-{code}.pdf").write_bytes(content)
    seen["pages"] = pdf_pages(content)
    context.close()
    return seen


def main(base_url: str, shots: str) -> None:
    shots_dir = Path(shots)
    shots_dir.mkdir(parents=True, exist_ok=True)
    errors, outside, result = [], [], {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for name, viewport in VIEWPORTS.items():
                result[name] = run_viewport(browser, base_url, shots_dir, name, viewport,
                                            errors, outside)
            result["print"] = {code: print_commune(browser, base_url, shots_dir, code)
                               for code in PRINTED}
        finally:
            browser.close()
    # a missing commune logs its 404 to the console; nothing else may
    result["errors"] = [e for e in errors if "404" not in e]
    result["requests_outside"] = outside
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

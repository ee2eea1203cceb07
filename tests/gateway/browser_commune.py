"""Drive a commune officer's self-assessment in Debian's chromium:
``python browser_commune.py BASE_URL SHOTS_DIR SETUP_JSON``.

Run as its own process (Playwright's sync API hangs inside the eventlet-patched test process).
SETUP_JSON names the officer's account and password, the commune and year, and a signed PDF.
At a desktop width the officer goes from the home page to the year, opens it, types figures
and watches the service's score change, makes a mistake, fills every indicator, uploads the
signed PDF, reads the summary and submits; at 390 px the same pages are opened. Screenshots
go to SHOTS_DIR/xa-*.png (the guide, docs/huong-dan/can-bo-tu-phap-xa.md, shows them).
Prints one JSON line with what the pages showed.
"""

import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.gateway.browser_workspace import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    Browser,
    overflow,
    sign_in,
    summary,
)

# Fills an indicator's form with figures that achieve it, as a person would, each field with
# its input event (the live score listens to them).
FILL = """() => {
  const form = document.getElementById("form-chi-tieu");
  const fire = (el) => el.dispatchEvent(new Event("input", {bubbles: true}));
  for (const el of form.querySelectorAll("input[type=radio][value=true]")) {
    el.checked = true; fire(el);
  }
  for (const el of form.querySelectorAll("input[inputmode=numeric]")) {
    if (el.name !== "fig_count") { el.value = "4"; fire(el); }
  }
  for (const el of form.querySelectorAll("textarea[name=fig_activities]")) {
    el.value = "Hội nghị phổ biến pháp luật\\nTrang tin điện tử của xã\\nNhóm Zalo của thôn";
    fire(el);
  }
  for (const el of form.querySelectorAll("input[name=fig_manual_points]")) {
    el.value = "1"; fire(el);
  }
  for (const el of form.querySelectorAll("textarea[name=fig_reason]")) {
    el.value = "Theo báo cáo năm của xã"; fire(el);
  }
}"""


class CommuneBrowser(Browser):
    def shot(self, page, what):
        page.screenshot(path=str(self.shots_dir / f"xa-{what}.png"), full_page=True)


def main(base_url: str, shots: str, setup_json: str) -> None:
    setup = json.loads(setup_json)
    shots_dir = Path(shots)
    shots_dir.mkdir(parents=True, exist_ok=True)
    errors, outside, seen = [], [], {}
    with sync_playwright() as playwright:
        # in Vietnamese, down to the file chooser's own button
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=[*CHROMIUM_ARGS, "--lang=vi"])
        try:
            b = CommuneBrowser(browser, base_url, shots_dir, errors, outside)
            desktop(b, base_url, setup, seen)
            phone(b, base_url, setup, seen)
        finally:
            browser.close()
    seen["errors"], seen["requests_outside"] = errors, outside
    print(json.dumps(seen, ensure_ascii=False))


def desktop(b, base_url, setup, seen):
    year_path = f"/can-bo/xa/{setup['commune']}/{setup['year']}"
    page = b.page("tu-danh-gia")
    sign_in(page, base_url, setup["username"], setup["password"])
    with page.expect_navigation():
        page.click(".workspace-nav a[href='/can-bo/xa']")
    seen["years_heading"] = page.inner_text("h1")
    b.shot(page, "cac-nam")
    with page.expect_navigation():
        page.click(f"a[href='{year_path}']")
    seen["not_opened"] = page.inner_text("#trang-thai")
    with page.expect_navigation():
        page.click("#mo-ho-so")
    seen["opened_notice"] = page.inner_text(".notification p")
    seen["state"] = page.inner_text(".summary-list div:first-child dd")
    seen["next_steps"] = page.locator("#cac-buoc li").count()
    seen["deadlines"] = page.inner_text("#thoi-han tbody")
    b.shot(page, "nam-danh-gia")
    indicators = page.eval_on_selector_all(
        "#bang-chi-tieu tbody tr", "rows => rows.map(r => r.dataset.indicator)")
    seen["indicators"] = len(indicators)

    # the first indicator: the score as typed, a mistake, then saved, then the signed PDF
    first = indicators[0]  # C1.I1 of 27/2025: a rate, with a "not arising" rule
    page.goto(base_url + f"{year_path}/chi-tieu/{first}", wait_until="load")
    numbers = page.locator("#form-chi-tieu input[inputmode=numeric]")
    numbers.nth(0).fill("3")
    numbers.nth(1).fill("4")
    page.wait_for_selector("#ket-qua-tinh .score-box[data-state=scored] >> text=75.00%")
    seen["live_not_achieved"] = page.inner_text("#ket-qua-tinh")
    numbers.nth(0).fill("4")
    page.wait_for_selector("#ket-qua-tinh .score-box[data-state=scored] >> text=100.00%")
    seen["live_achieved"] = page.inner_text("#ket-qua-tinh")
    b.shot(page, "chi-tieu-tinh-diem")
    numbers.nth(0).fill("năm")
    with page.expect_navigation():
        page.click("#luu-so-lieu")
    seen["mistake"] = summary(page)
    seen["mistake_focused"] = page.evaluate(
        "document.activeElement.classList.contains('error-summary')")
    b.shot(page, "chi-tieu-loi")
    page.evaluate(FILL)
    with page.expect_navigation():
        page.click("#luu-so-lieu")
    seen["saved_notice"] = page.inner_text(".notification p")
    seen["saved_score"] = page.inner_text("#ket-qua-tinh")
    page.set_input_files("#f-file", setup["pdf"])
    with page.expect_navigation():
        page.click("#tai-len")
    seen["uploaded_notice"] = page.inner_text(".notification p")
    seen["evidence"] = page.inner_text("#bang-minh-chung tbody")
    b.shot(page, "minh-chung")

    for indicator in indicators:
        if indicator == first:
            continue
        page.goto(base_url + f"{year_path}/chi-tieu/{indicator}", wait_until="load")
        page.evaluate(FILL)
        with page.expect_navigation():
            page.click("#luu-so-lieu")
        if page.locator(".error-summary").count():
            seen.setdefault("fill_errors", []).append([indicator, summary(page)])
    page.goto(base_url + f"{year_path}/tong-hop", wait_until="load")
    seen["summary_missing"] = page.inner_text(".summary-list")
    b.shot(page, "tong-hop")
    with page.expect_navigation():
        page.click("#hoan-thanh")
    seen["submitted_notice"] = page.inner_text(".notification p")
    seen["submitted_state"] = page.inner_text(".summary-list div:first-child dd")
    seen["posting_link"] = page.locator("#niem-yet").count()
    b.shot(page, "da-hoan-thanh")
    page.goto(base_url + f"{year_path}/mo-lai", wait_until="load")
    b.shot(page, "mo-lai")
    page.context.close()


def phone(b, base_url, setup, seen):
    year_path = f"/can-bo/xa/{setup['commune']}/{setup['year']}"
    page = b.page("dien-thoai", PHONE)
    sign_in(page, base_url, setup["username"], setup["password"])
    widths = {}
    for name, path in (("cac-nam", "/can-bo/xa"), ("nam-danh-gia", year_path),
                       ("chi-tieu", f"{year_path}/chi-tieu/C1.I1"),
                       ("tong-hop", f"{year_path}/tong-hop"),
                       ("mo-lai", f"{year_path}/mo-lai")):
        page.goto(base_url + path, wait_until="load")
        widths[name] = overflow(page)
        b.shot(page, f"{name}-390")
    seen["phone_overflow"] = widths
    page.context.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])

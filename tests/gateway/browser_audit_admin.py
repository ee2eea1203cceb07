"""The auditor's and the administrator's main paths in Debian's chromium:
``python browser_audit_admin.py BASE_URL SHOTS_DIR SETUP_JSON``.

Run as its own process (Playwright's sync API hangs inside the eventlet-patched test process).
SETUP_JSON: the two accounts (username, password), the correlation id of an action to follow,
and two criteria-set files (one with mistakes, one good). At 1280 px the auditor browses the
events, filters them, makes a mistake in a filter, follows a commune's timeline to an action's
trail, checks the chains and downloads a CSV; the administrator changes a province's reviewing
level, uploads a bad criteria set and reads its problems, uploads a good one, and reads the
platform's health. At 390 px both open their pages again, checking nothing scrolls sideways.
Screenshots for the guides: SHOTS_DIR/kiem-tra-*.png and quan-tri-*.png. Prints one JSON line
with what the pages showed.
"""

import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


class Run:
    def __init__(self, browser, base_url, shots_dir):
        self.browser, self.base_url, self.shots_dir = browser, base_url, shots_dir
        self.errors, self.outside, self.seen = [], [], {}

    def page(self, name, viewport=DESKTOP):
        context = self.browser.new_context(viewport=viewport, locale="vi-VN",
                                           is_mobile=viewport is PHONE,
                                           has_touch=viewport is PHONE, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        page.on("console", lambda m: self.errors.append(f"{name}: {m.text}")
                if m.type == "error" and "status of" not in m.text else None)
        page.on("request", lambda r: None if r.url.startswith(self.base_url)
                else self.outside.append(r.url))
        return page

    def shot(self, page, name):
        page.screenshot(path=str(self.shots_dir / f"{name}.png"), full_page=True)

    def sign_in(self, page, account):
        page.goto(self.base_url + "/can-bo/dang-nhap", wait_until="load")
        page.fill("#f-username", account["username"])
        page.fill("#f-password", account["password"])
        with page.expect_navigation():
            page.click("#dang-nhap")

    def follow(self, page, selector):
        with page.expect_navigation():
            page.click(selector)


def overflow(page):
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def texts(page, selector):
    found = page.locator(selector)
    return [found.nth(i).inner_text() for i in range(found.count())]


def attribute_values(page, selector, name):
    found = page.locator(selector)
    return [found.nth(i).get_attribute(name) for i in range(found.count())]


def auditor(run, account, correlation_id):
    seen, page = run.seen, run.page("kiem-toan")
    run.sign_in(page, account)
    seen["auditor_nav"] = texts(page, ".workspace-nav a")
    run.follow(page, ".workspace-nav a[href='/can-bo/kiem-toan']")
    seen["events_heading"] = page.inner_text("h1")
    seen["events_sources"] = sorted(set(attribute_values(page, "#su-kien tbody tr", "data-source")))
    run.shot(page, "kiem-tra-su-kien")
    page.select_option("#f-dich_vu", "assessment")
    page.fill("#f-xa", "16426")
    run.follow(page, "#loc")
    seen["filtered_sources"] = sorted(set(attribute_values(page, "#su-kien tbody tr", "data-source")))
    seen["filtered_types"] = attribute_values(page, "#su-kien tbody tr", "data-type")
    seen["filtered_url"] = page.url.replace(run.base_url, "")
    run.shot(page, "kiem-tra-loc")
    with page.expect_download() as waiting:
        page.click("#tai-csv")
    download = waiting.value
    content = Path(download.path()).read_bytes()
    seen["csv_name"] = download.suggested_filename
    seen["csv_bom"] = content.startswith("\ufeff".encode())
    seen["csv_lines"] = len(content.decode("utf-8-sig").strip().splitlines())
    page.fill("#f-xa", "12")
    page.fill("#f-tu", "hôm qua")
    run.follow(page, "#loc")
    seen["filter_errors"] = texts(page, ".error-summary li")
    seen["filter_error_focused"] = page.evaluate(
        "document.activeElement.classList.contains('error-summary')")
    run.shot(page, "kiem-tra-loi-bo-loc")
    run.follow(page, ".subnav a[href='/can-bo/kiem-toan/xa']")
    page.fill("#f-ma", "16426")
    run.follow(page, "#xem")
    seen["timeline_heading"] = page.inner_text("#ten-xa")
    seen["timeline_types"] = attribute_values(page, "#dong-thoi-gian li[data-type]", "data-type")
    run.shot(page, "kiem-tra-dong-thoi-gian")
    run.follow(page, f"#dong-thoi-gian a[href$='{correlation_id}']")
    seen["trail_id"] = page.inner_text("#ma-tuong-quan")
    seen["trail_types"] = attribute_values(page, "#su-kien tbody tr", "data-type")
    run.shot(page, "kiem-tra-tuong-quan")
    run.follow(page, "#chuoi-bam")
    seen["chains"] = dict(zip(attribute_values(page, "#chuoi tbody tr", "data-source"),
                              attribute_values(page, "#chuoi tbody tr", "data-state"), strict=True))
    seen["chains_verdict"] = page.inner_text("#ket-luan")
    run.shot(page, "kiem-tra-chuoi-bam")
    page.context.close()

    phone = run.page("kiem-toan-390", PHONE)
    run.sign_in(phone, account)
    seen["auditor_overflow"] = {}
    for path, name in (("/can-bo/kiem-toan", "kiem-tra-su-kien-390"),
                       ("/can-bo/kiem-toan/xa?ma=16426", "kiem-tra-dong-thoi-gian-390"),
                       (f"/can-bo/kiem-toan/tuong-quan/{correlation_id}", None),
                       ("/can-bo/kiem-toan/chuoi-bam", "kiem-tra-chuoi-bam-390")):
        phone.goto(run.base_url + path, wait_until="load")
        seen["auditor_overflow"][path] = overflow(phone)
        if name:
            run.shot(phone, name)
    phone.context.close()


def administrator(run, account, bad_file, good_file):
    seen, page = run.seen, run.page("quan-tri")
    run.sign_in(page, account)
    seen["admin_nav"] = texts(page, ".workspace-nav a")
    run.follow(page, ".workspace-nav a[href='/can-bo/quan-tri/cap-tham-dinh']")
    page.select_option("#nam", "2022")
    run.follow(page, "#xem-nam")
    seen["level_before"] = page.get_attribute("#tinh-38", "data-level")
    page.select_option("#cap-38", "province")
    run.follow(page, "#tinh-38 button")
    seen["level_notice"] = page.inner_text(".notification p")
    seen["level_after"] = page.get_attribute("#tinh-38", "data-level")
    run.shot(page, "quan-tri-cap-tham-dinh")

    run.follow(page, ".workspace-nav a[href='/can-bo/quan-tri/bo-tieu-chi']")
    seen["sets"] = attribute_values(page, "#bo-tieu-chi tbody tr", "data-set")
    page.set_input_files("#f-tep", bad_file)
    run.follow(page, "#gui-bo-tieu-chi")
    seen["bad_summary"] = texts(page, ".error-summary[role=alert] li")
    seen["bad_problems"] = texts(page, "ul.problems li")
    run.shot(page, "quan-tri-bo-tieu-chi-loi")
    page.set_input_files("#f-tep", good_file)
    run.follow(page, "#gui-bo-tieu-chi")
    seen["published_heading"] = page.inner_text("h1")
    seen["published_notice"] = page.inner_text(".notification p")
    run.shot(page, "quan-tri-bo-tieu-chi-moi")
    run.follow(page, ".crumbs a[href='/can-bo/quan-tri/bo-tieu-chi']")
    run.shot(page, "quan-tri-bo-tieu-chi")

    run.follow(page, ".workspace-nav a[href='/can-bo/quan-tri/tinh-trang']")
    seen["health"] = dict(zip(attribute_values(page, "#dich-vu tbody tr", "data-service"),
                              attribute_values(page, "#dich-vu tbody tr", "data-status"),
                              strict=True))
    seen["queues"] = len(attribute_values(page, "#hang-doi tbody tr", "data-queue"))
    run.shot(page, "quan-tri-tinh-trang")
    page.context.close()

    phone = run.page("quan-tri-390", PHONE)
    run.sign_in(phone, account)
    seen["admin_overflow"] = {}
    for path, name in (("/can-bo/quan-tri/cap-tham-dinh?nam=2022", "quan-tri-cap-tham-dinh-390"),
                       ("/can-bo/quan-tri/bo-tieu-chi", "quan-tri-bo-tieu-chi-390"),
                       ("/can-bo/quan-tri/bo-tieu-chi/25-2021/3", None),
                       ("/can-bo/quan-tri/tinh-trang", "quan-tri-tinh-trang-390")):
        phone.goto(run.base_url + path, wait_until="load")
        seen["admin_overflow"][path] = overflow(phone)
        if name:
            run.shot(phone, name)
    phone.context.close()


def main(base_url: str, shots: str, setup_json: str) -> None:
    setup = json.loads(setup_json)
    shots_dir = Path(shots)
    shots_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        run = Run(browser, base_url, shots_dir)
        try:
            auditor(run, setup["auditor"], setup["correlation_id"])
            administrator(run, setup["administrator"], setup["bad_file"], setup["good_file"])
        finally:
            browser.close()
    run.seen["errors"], run.seen["requests_outside"] = run.errors, run.outside
    print(json.dumps(run.seen, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:4])

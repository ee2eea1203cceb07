"""Drive the commune officer's posting, dossier and supplement pages in Debian's chromium:
``python browser_posting.py BASE_URL SHOTS_DIR SETUP_JSON``.

Run as its own process (Playwright's sync API hangs inside the eventlet-patched test process).
SETUP_JSON names the officer's account and password, the commune and year, and the dates to
use, and a bearer token of the district's justice office. The walk, at a desktop width and
then again on a second commune at 390 px: sign in, start the posting (a date in the future
first), record a comment and answer it, try to end the posting too early, end it, submit the
dossier; the justice office asks for a supplement through the API; answer it (empty first).
Screenshots go to SHOTS_DIR/niem-yet-*.png. Prints one JSON line with what the pages showed.
"""

import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.gateway.browser_workspace import (  # the same browser, its checks and its sizes
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    overflow,
    summary,
)


class Walk:
    def __init__(self, browser, base_url, shots_dir, errors, outside):
        self.browser, self.base_url, self.shots_dir = browser, base_url, shots_dir
        self.errors, self.outside = errors, outside

    def page(self, name, viewport):
        context = self.browser.new_context(viewport=viewport, locale="vi-VN",
                                           is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        # Forms sent back with errors answer 400: chromium logs each as a failed resource.
        page.on("console", lambda m: self.errors.append(f"{name}: {m.text}")
                if m.type == "error" and "status of" not in m.text else None)
        page.on("request", lambda r: None if r.url.startswith(self.base_url)
                else self.outside.append(r.url))
        return page

    def shot(self, page, what, suffix=""):
        page.screenshot(path=str(self.shots_dir / f"niem-yet-{what}{suffix}.png"),
                        full_page=True)


def submit(page, selector):
    with page.expect_navigation():
        page.click(selector)


def notice(page) -> str:
    """The confirmation the page shows after a form, or what it shows instead."""
    page.wait_for_load_state("load")
    found = page.locator(".notification")
    if found.count():
        return found.inner_text()
    return f"no notice at {page.url}: {page.title()} {summary(page)}"


def walk(w: Walk, setup: dict, commune: str, viewport, seen: dict, suffix: str):
    """One commune's way from a submitted self-assessment to an answered supplement."""
    base = f"{w.base_url}/can-bo/xa/{commune}/{setup['year']}"
    dates = setup["dates"]
    widths = seen.setdefault("overflow", {})
    page = w.page("niem-yet" + suffix, viewport)
    page.goto(f"{base}/niem-yet", wait_until="load")
    page.fill("#f-username", setup["username"])
    page.fill("#f-password", setup["password"])
    submit(page, "#dang-nhap")
    seen["landed" + suffix] = page.url.replace(w.base_url, "")
    seen["state_before" + suffix] = page.inner_text("#trang-thai")
    w.shot(page, "bat-dau", suffix)
    widths["bat-dau" + suffix] = overflow(page)

    # a start date in the future: refused, in Vietnamese, on its field
    page.fill("#f-start", dates["future"])
    page.select_option("#f-channel", "office")
    submit(page, "#nut-bat-dau")
    seen["future_start" + suffix] = summary(page)
    seen["future_focused" + suffix] = page.evaluate(
        "document.activeElement.classList.contains('error-summary')")
    w.shot(page, "ngay-tuong-lai", suffix)
    page.fill("#f-start", dates["start"])
    page.select_option("#f-channel", "office")
    submit(page, "#nut-bat-dau")
    seen["started_notice" + suffix] = notice(page)

    # a comment received, then answered
    page.click(".add-comment summary")
    page.fill("#f-text", "Đề nghị công khai số vụ việc hòa giải thành trong năm.")
    page.fill("#f-author", "Bà Nguyễn Thị Lan, thôn 3")
    page.fill("#f-received_on", dates["comment"])
    submit(page, "#nut-ghi-y-kien")
    seen["comment_notice" + suffix] = notice(page)
    w.shot(page, "y-kien", suffix)
    widths["y-kien" + suffix] = overflow(page)
    page.fill("#f-answer-1", "Xã đã bổ sung số liệu hòa giải vào bảng điểm (Mẫu 02).")
    page.fill("#f-answered_on-1", dates["answer"])
    submit(page, "#form-tra-loi-1 button")
    seen["answered" + suffix] = page.get_attribute("#danh-sach-y-kien li", "data-answered")

    # ended too early, then on a good day: the dossier page follows
    page.fill("#f-ended_on", dates["too_early"])
    submit(page, "#nut-ket-thuc")
    seen["too_early" + suffix] = summary(page)
    w.shot(page, "ket-thuc-som", suffix)
    page.fill("#f-ended_on", dates["end"])
    submit(page, "#nut-ket-thuc")
    seen["after_end" + suffix] = page.url.replace(w.base_url, "")
    seen["end_notice" + suffix] = notice(page)
    w.shot(page, "ho-so", suffix)
    widths["ho-so" + suffix] = overflow(page)

    # the dossier sent
    page.fill("#f-submitted_on", dates["dossier"])
    page.check("#de-nghi-co")
    submit(page, "#nut-gui-ho-so")
    seen["dossier_notice" + suffix] = notice(page)
    seen["dossier_state" + suffix] = page.inner_text("#trang-thai")
    w.shot(page, "ho-so-da-gui", suffix)
    widths["ho-so-da-gui" + suffix] = overflow(page)

    # the justice office asks for a supplement, through the API with its token
    asked = page.request.post(
        f"{w.base_url}/api/v1/communes/{commune}/assessments/{setup['year']}"
        "/dossier/supplement-requests", headers={"Authorization": f"Bearer {setup['justice']}"},
        data={"reason": "Thiếu biên bản hội nghị niêm yết công khai.",
              "requested_on": dates["request"]})
    seen["request_status" + suffix] = asked.status
    page.goto(f"{base}/ho-so", wait_until="load")
    submit(page, "#den-bo-sung")
    seen["request_reason" + suffix] = page.inner_text("#ly-do-yeu-cau")
    w.shot(page, "bo-sung", suffix)
    widths["bo-sung" + suffix] = overflow(page)
    submit(page, "#nut-bo-sung")  # nothing written yet
    seen["empty_supplement" + suffix] = summary(page)
    page.fill("#f-note", "Xã gửi kèm biên bản hội nghị niêm yết và bảng tổng hợp ý kiến.")
    page.fill("#f-provided_on", dates["supplement"])
    submit(page, "#nut-bo-sung")
    seen["supplement_notice" + suffix] = notice(page)
    seen["supplement_state" + suffix] = page.inner_text("#trang-thai")
    w.shot(page, "da-bo-sung", suffix)
    widths["da-bo-sung" + suffix] = overflow(page)
    page.context.close()


def main(base_url: str, shots: str, setup_json: str) -> None:
    setup = json.loads(setup_json)
    shots_dir = Path(shots)
    shots_dir.mkdir(parents=True, exist_ok=True)
    errors, outside, seen = [], [], {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            w = Walk(browser, base_url, shots_dir, errors, outside)
            walk(w, setup, setup["communes"][0], DESKTOP, seen, "")
            walk(w, {**setup, "username": setup["phone_username"]}, setup["communes"][1], PHONE,
                 seen, "-dien-thoai")
        finally:
            browser.close()
    seen["errors"], seen["requests_outside"] = errors, outside
    print(json.dumps(seen, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])

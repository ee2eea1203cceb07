"""Drive the officials' workspace in Debian's chromium:
``python browser_workspace.py BASE_URL SHOTS_DIR SETUP_JSON``.

Run as its own process (Playwright's sync API hangs inside the eventlet-patched test process).
SETUP_JSON names the accounts the test made and their passwords, and the session's idle
seconds. At a desktop width it signs in with a wrong password, locks a name out, has an
administrator create an account (with a mistake first) and that account sign in, makes a
personal token and uses it on the API, then revokes it, forges two forms, opens a page of
another jurisdiction, disables an account while its session is open and its token in use, and
lets a session expire; at a phone width it opens every page. Screenshots go to
SHOTS_DIR/workspace-*.png. Prints one JSON line with what the pages showed.
"""

import json
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


class Browser:
    def __init__(self, browser, base_url, shots_dir, errors, outside):
        self.browser, self.base_url, self.shots_dir = browser, base_url, shots_dir
        self.errors, self.outside = errors, outside

    def page(self, name, viewport=DESKTOP):
        context = self.browser.new_context(viewport=viewport, locale="vi-VN",
                                           is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        # Refusals answer 401, 403, 429: chromium logs each as a failed resource.
        page.on("console", lambda m: self.errors.append(f"{name}: {m.text}")
                if m.type == "error" and "status of" not in m.text else None)
        page.on("request", lambda r: None if r.url.startswith(self.base_url)
                else self.outside.append(r.url))
        return page

    def shot(self, page, what):
        page.screenshot(path=str(self.shots_dir / f"workspace-{what}.png"), full_page=True)


def overflow(page):
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def summary(page):
    found = page.locator(".error-summary li")
    return [found.nth(i).inner_text() for i in range(found.count())]


def sign_in(page, base_url, username, password, path="/can-bo/dang-nhap"):
    page.goto(base_url + path, wait_until="load")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    with page.expect_navigation():
        page.click("#dang-nhap")


def api_status(page, base_url, token, path="/api/v1/account"):
    return page.request.get(base_url + path,
                            headers={"Authorization": f"Bearer {token}"}).status


def main(base_url: str, shots: str, setup_json: str) -> None:
    setup = json.loads(setup_json)
    accounts, idle = setup["accounts"], setup["idle_seconds"]
    shots_dir = Path(shots)
    shots_dir.mkdir(parents=True, exist_ok=True)
    errors, outside, seen = [], [], {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            b = Browser(browser, base_url, shots_dir, errors, outside)
            desktop(b, base_url, accounts, idle, seen)
            phone(b, base_url, accounts, seen)
        finally:
            browser.close()
    seen["errors"], seen["requests_outside"] = errors, outside
    print(json.dumps(seen, ensure_ascii=False))


def desktop(b, base_url, accounts, idle, seen):
    admin, officer = accounts["admin"], accounts["locked"]
    # -- a wrong password, then a name locked out --------------------------------------------
    page = b.page("sai-mat-khau")
    page.goto(base_url + "/can-bo/dang-nhap", wait_until="load")
    seen["lang"] = page.get_attribute("html", "lang")
    seen["sign_in_heading"] = page.inner_text("h1")
    sign_in(page, base_url, officer["username"], "không phải mật khẩu")
    seen["wrong_password"] = summary(page)
    seen["wrong_password_title"] = page.title()
    seen["summary_focused"] = page.evaluate(
        "document.activeElement.classList.contains('error-summary')")
    b.shot(page, "sai-mat-khau")
    for _ in range(2):
        sign_in(page, base_url, officer["username"], "vẫn sai mật khẩu")
    seen["locked"] = summary(page)
    sign_in(page, base_url, officer["username"], officer["password"])
    seen["locked_right_password"] = summary(page)
    b.shot(page, "tam-khoa")
    page.context.close()

    # -- an administrator creates an account, which then signs in -----------------------------
    page = b.page("quan-tri")
    page.goto(base_url + "/can-bo/quan-ly-tai-khoan", wait_until="load")
    seen["redirected_to"] = page.url.replace(base_url, "")
    page.fill("#f-username", admin["username"])
    page.fill("#f-password", admin["password"])
    with page.expect_navigation():
        page.click("#dang-nhap")
    seen["after_sign_in"] = page.url.replace(base_url, "")
    seen["person"] = page.inner_text("#nguoi-dung")
    with page.expect_navigation():
        page.click("#tao-tai-khoan")
    page.fill("#f-username", "congchuc.dongphu")
    page.select_option("#f-role", "commune_officer")
    page.select_option("#f-province", "38")
    page.fill("#f-district", "405")
    page.fill("#f-commune", "16420")
    with page.expect_navigation():
        page.click("#form-tai-khoan button[type=submit]")
    seen["create_errors"] = summary(page)
    seen["create_summary_focused"] = page.evaluate(
        "document.activeElement.classList.contains('error-summary')")
    b.shot(page, "tao-tai-khoan-loi")
    page.fill("#f-display_name", "Lê Thị Phú")
    with page.expect_navigation():
        page.click("#form-tai-khoan button[type=submit]")
    seen["created_heading"] = page.inner_text("h1")
    password = page.inner_text("#mat-khau-moi")
    b.shot(page, "da-tao-tai-khoan")

    new = b.page("tai-khoan-moi")
    sign_in(new, base_url, "congchuc.dongphu", password)
    seen["new_home_heading"] = new.inner_text("h1")
    seen["new_home_facts"] = new.inner_text("dl.summary-list")
    seen["new_home_links"] = new.eval_on_selector_all(
        "ul.cards a", "links => links.map(a => a.getAttribute('href'))")
    b.shot(new, "trang-chu")

    # -- a personal token, used on the API and revoked ---------------------------------------
    with new.expect_navigation():
        new.click("nav.workspace-nav a[href='/can-bo/tai-khoan-cua-toi']")
    new.fill("#form-tao-ma #f-name", "Bảng tổng hợp")
    with new.expect_navigation():
        new.click("#form-tao-ma button[type=submit]")
    first = new.inner_text("#ma-moi")
    seen["token_shown"] = first.startswith("tcpl_pat_")
    seen["token_api_before"] = api_status(new, base_url, first)
    new.goto(base_url + "/can-bo/tai-khoan-cua-toi", wait_until="load")
    seen["token_last_used"] = new.inner_text("#danh-sach-ma tbody tr >> nth=0")
    with new.expect_navigation():
        new.click("#danh-sach-ma tbody tr[data-state=active] button")
    seen["token_revoked_notice"] = new.inner_text(".notification")
    seen["token_api_after"] = api_status(new, base_url, first)
    new.fill("#form-tao-ma #f-name", "Máy trạm")
    with new.expect_navigation():
        new.click("#form-tao-ma button[type=submit]")
    second = new.inner_text("#ma-moi")
    seen["second_token_api"] = api_status(new, base_url, second)

    # -- forged forms: a token changed, a token removed ---------------------------------------
    new.goto(base_url + "/can-bo/tai-khoan-cua-toi", wait_until="load")
    new.eval_on_selector("#form-tao-ma input[name=csrf_token]", "i => i.value = 'gia-mao'")
    new.fill("#form-tao-ma #f-name", "Giả mạo một")
    with new.expect_navigation():
        new.click("#form-tao-ma button[type=submit]")
    seen["forged_heading"] = new.inner_text("h1")
    seen["forged_code"] = new.get_attribute("section.error-box", "data-error")
    new.goto(base_url + "/can-bo/tai-khoan-cua-toi", wait_until="load")
    new.eval_on_selector("#form-tao-ma input[name=csrf_token]", "i => i.remove()")
    new.fill("#form-tao-ma #f-name", "Giả mạo hai")
    with new.expect_navigation():
        new.click("#form-tao-ma button[type=submit]")
    seen["tokenless_code"] = new.get_attribute("section.error-box", "data-error")
    b.shot(new, "gia-mao")
    new.goto(base_url + "/can-bo/tai-khoan-cua-toi", wait_until="load")
    seen["forged_tokens_made"] = new.locator("#danh-sach-ma tbody tr[data-state]").count()
    response = new.goto(base_url + "/can-bo/quan-ly-tai-khoan", wait_until="load")
    seen["officer_admin_page"] = [response.status, new.inner_text("h1")]

    # -- disabled while signed in: its session and token lose access at once ------------------
    page.goto(base_url + "/can-bo/quan-ly-tai-khoan/congchuc.dongphu", wait_until="load")
    with page.expect_navigation():
        page.click("#khoa")
    page.fill("#f-reason", "Nghỉ hưu")
    with page.expect_navigation():
        page.click("#form-xac-nhan button[type=submit]")
    seen["disabled_state"] = page.inner_text("#trang-thai")
    seen["history"] = page.eval_on_selector_all(
        "#nhat-ky tbody tr", "rows => rows.map(r => r.dataset.type)")
    b.shot(page, "da-khoa")
    new.goto(base_url + "/can-bo/tai-khoan-cua-toi", wait_until="load")
    seen["disabled_redirect"] = new.url.replace(base_url, "")
    seen["disabled_notice"] = new.inner_text(".notification")
    seen["disabled_token_api"] = api_status(new, base_url, second)
    new.context.close()
    page.context.close()

    # -- pages of another jurisdiction -------------------------------------------------------
    other = b.page("so-tu-phap-ha-noi")
    sign_in(other, base_url, accounts["hanoi"]["username"], accounts["hanoi"]["password"])
    response = other.goto(base_url + "/can-bo/quan-ly-tai-khoan/congchuc.dongphu",
                          wait_until="load")
    seen["other_province"] = [response.status, other.inner_text("h1"),
                              other.get_attribute("section.error-box", "data-rule")]
    b.shot(other, "ngoai-pham-vi")
    other.goto(base_url + "/can-bo/quan-ly-tai-khoan", wait_until="load")
    seen["hanoi_list"] = other.eval_on_selector_all(
        "#danh-sach-tai-khoan tbody tr[data-username]", "r => r.map(x => x.dataset.username)")
    other.context.close()

    # -- a session left idle expires ---------------------------------------------------------
    idle_page = b.page("het-han")
    sign_in(idle_page, base_url, accounts["idle"]["username"], accounts["idle"]["password"])
    seen["idle_signed_in"] = idle_page.url.replace(base_url, "")
    time.sleep(idle + 1.5)
    idle_page.goto(base_url + "/can-bo/tai-khoan-cua-toi", wait_until="load")
    seen["expired_redirect"] = idle_page.url.replace(base_url, "")
    seen["expired_notice"] = idle_page.inner_text(".notification")
    b.shot(idle_page, "het-han")
    idle_page.context.close()


def phone(b, base_url, accounts, seen):
    page = b.page("dien-thoai", PHONE)
    page.goto(base_url + "/can-bo/dang-nhap", wait_until="load")
    widths = {"dang-nhap": overflow(page)}
    b.shot(page, "dang-nhap-dien-thoai")
    admin = accounts["admin"]
    sign_in(page, base_url, admin["username"], admin["password"])
    for name, path in (("trang-chu", "/can-bo/"), ("tai-khoan", "/can-bo/tai-khoan-cua-toi"),
                       ("danh-sach", "/can-bo/quan-ly-tai-khoan"),
                       ("tao-moi", "/can-bo/quan-ly-tai-khoan/tao-moi"),
                       ("chi-tiet", "/can-bo/quan-ly-tai-khoan/congchuc.dongphu")):
        page.goto(base_url + path, wait_until="load")
        widths[name] = overflow(page)
        b.shot(page, f"{name}-dien-thoai")
    seen["phone_overflow"] = widths
    page.context.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])

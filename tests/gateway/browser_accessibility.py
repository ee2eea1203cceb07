"""axe-core on every workspace page each role can reach, in Debian's chromium:
``python browser_accessibility.py BASE_URL AXE_FILE SETUP_JSON``.

Run as its own process (Playwright's sync API hangs inside the eventlet-patched test process).
SETUP_JSON lists the accounts (username, password, role). For each, it signs in, then walks
the workspace from the home page: the navigation's links and every link under /can-bo/ of
each page reached, breadth first (GET only: pages change nothing on GET; downloads and
sign-out are left alone). Each page is loaded once, checked by axe at 1280 px, then at 390 px.
Prints one JSON line: the pages checked, and every serious or critical violation with where it
was.
"""

import json
import re
import sys
import time
from collections import deque
from urllib.parse import urldefrag, urlsplit

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "390px": {"width": 390, "height": 844}}
MAX_PAGES_PER_ROLE = 60
TIMES: list[float] = []
VARIANTS = 1  # pages of one shape (the same route, other ids or filters) checked per role
# The sign-in form is checked once, apart, as anyone sees it.
SKIPPED = ("/can-bo/dang-xuat", "/can-bo/dang-nhap", "/can-bo/tai-nguyen/")
DOWNLOADS = (".csv", ".json", ".xlsx", ".docx", ".pdf", ".png", ".zip")
SEVERE = ("serious", "critical")
LINKS = """() => Array.from(document.querySelectorAll('a[href]'), a => a.href)"""
AXE = """async () => {
  const found = await axe.run(document, {resultTypes: ['violations']});
  return found.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def workspace_path(base_url: str, href: str) -> str | None:
    """The path (and query) of a workspace page a crawler may open, or None."""
    url, _ = urldefrag(href)
    if not url.startswith(base_url):
        return None
    parts = urlsplit(url)
    path = parts.path
    if not path.startswith("/can-bo/") or path.startswith(SKIPPED) or path.endswith(DOWNLOADS):
        return None
    if "/tai-ve" in path or "/tai-xuong" in path:
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def shape(path: str) -> str:
    """The route a path is of: ids (a segment with a digit, or a long one) and the query
    replaced, so that fifty events' trails count as one page to check, not fifty."""
    segments = path.split("?")[0].split("/")
    return "/".join("*" if re.search(r"[\d.]", s) or len(s) > 24 else s for s in segments)


def sign_in(page, base_url, username, password):
    page.goto(base_url + "/can-bo/dang-nhap", wait_until="load")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    with page.expect_navigation():
        page.click("#dang-nhap")


def new_context(browser, axe_file, **options):
    """A browser context whose every page has axe from its start: the script is handed to
    chromium once, not sent again with each page checked. bypass_csp: axe is injected as an
    inline script, which the pages' CSP rightly forbids."""
    context = browser.new_context(viewport=WIDTHS["desktop"], bypass_csp=True, **options)
    context.add_init_script(path=axe_file)
    return context


def check(page, where, found, milder):
    """axe over the page as it is now (axe already injected)."""
    started = time.monotonic()
    results = page.evaluate(AXE)
    TIMES.append(time.monotonic() - started)
    for violation in results:
        if violation["impact"] in SEVERE:
            found.append({**violation, "where": where})
        else:
            milder[violation["id"]] = milder.get(violation["id"], 0) + 1


def check_widths(page, where, found, milder):
    """axe at each width: the page is loaded once, the viewport resized (the layout's media
    queries follow the width, as they do on a phone)."""
    for name, size in WIDTHS.items():
        page.set_viewport_size(size)
        check(page, f"{name} {where}", found, milder)
    page.set_viewport_size(WIDTHS["desktop"])


def crawl(browser, base_url, axe_file, account, pages_checked, violations, milder, errors):
    context = new_context(browser, axe_file, locale="vi-VN")
    role = account["role"]
    try:
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        tab.on("pageerror", lambda exc: errors.append(f"{role}: {exc}"))
        sign_in(tab, base_url, account["username"], account["password"])
        # From home, and the pages of the account's error states (a GET shows them too).
        starts = ["/can-bo/", *account.get("also", [])]
        queue, seen, shapes = deque(starts), set(starts), {}
        while queue and len(pages_checked[role]) < MAX_PAGES_PER_ROLE:
            path = queue.popleft()
            answer = tab.goto(base_url + path, wait_until="load")
            if "/can-bo/dang-nhap" in tab.url:
                errors.append(f"{role}: {path} sent back to sign in")
                continue
            check_widths(tab, f"{role} {path} ({answer.status})", violations, milder)
            for href in tab.evaluate(LINKS):
                found = workspace_path(base_url, href)
                if found and found not in seen:
                    seen.add(found)
                    shapes[shape(found)] = shapes.get(shape(found), 0) + 1
                    if shapes[shape(found)] <= VARIANTS:
                        queue.append(found)
            pages_checked[role].append(path)
    finally:
        context.close()


def main(base_url: str, axe_file: str, setup_json: str) -> None:
    accounts = json.loads(setup_json)["accounts"]
    pages_checked = {account["role"]: [] for account in accounts}
    violations, milder, errors = [], {}, []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for account in accounts:
                crawl(browser, base_url, axe_file, account, pages_checked, violations, milder,
                      errors)
            # The sign-in form, as anyone sees it.
            context = new_context(browser, axe_file)
            page = context.new_page()
            page.goto(base_url + "/can-bo/dang-nhap", wait_until="load")
            check_widths(page, "anyone /can-bo/dang-nhap", violations, milder)
            context.close()
        finally:
            browser.close()
    print(json.dumps({"pages": pages_checked, "violations": violations, "milder": milder, "axe_seconds": round(sum(TIMES), 1),
                      "errors": errors}, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:4])

"""Open the docs page in Debian's chromium and screenshot it: ``python browser_docs.py URL PNG``.

Run as its own process: called inside the eventlet-patched test process, next to the
in-process gateway, Playwright's sync API hangs until the test times out.
Prints a JSON line: the page title, the number of operations rendered, any page errors.
"""

import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def main(url: str, screenshot: str) -> None:
    errors, requests_outside = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("request", lambda request: None if request.url.startswith(url.rsplit("/docs", 1)[0])
                    else requests_outside.append(request.url))
            page.goto(url, wait_until="load")
            page.wait_for_selector(".opblock .opblock-summary", timeout=30_000)
            Path(screenshot).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=screenshot, full_page=True)
            result = {
                "title": page.title(),
                "heading": page.inner_text("h1"),
                "operations": page.locator(".opblock").count(),
                "errors": errors,
                "requests_outside": requests_outside,
            }
        finally:
            browser.close()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

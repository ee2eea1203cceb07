"""Look at a board page's chain warning in Debian's chromium:
``python browser_chain_warning.py BASE_URL PATH SHOTS_DIR``.

Run as its own process (Playwright's sync API hangs inside the eventlet-patched test process).
At a desktop and a phone width it opens PATH, reads the warning (visible, its role, heading and
link, whether it comes before the page's first heading, nothing wider than the screen),
follows the link to the signatures page, and keeps screenshots in
SHOTS_DIR/board-chain-warning-*.png. Prints one JSON line with what it saw.
"""

import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def main(base_url: str, path: str, shots_dir: Path) -> None:
    shots_dir.mkdir(parents=True, exist_ok=True)
    seen, errors = {}, []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, viewport in VIEWPORTS.items():
            context = browser.new_context(viewport=viewport, locale="vi-VN",
                                          is_mobile=name == "phone", has_touch=name == "phone")
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.on("pageerror", lambda exc, n=name: errors.append(f"{n}: {exc}"))
            # (a console message does not say which resource failed; the response does)
            page.on("response", lambda r, n=name: errors.append(f"{n}: {r.status} {r.url}")
                    if r.status >= 400 else None)
            page.goto(base_url + path, wait_until="load")
            notice = page.locator("section.chain-notice")
            shown = {
                "visible": notice.is_visible(),
                "role": notice.get_attribute("role"),
                "heading": notice.locator("h2").inner_text(),
                "link": notice.locator("a").get_attribute("href"),
                "above_content": page.evaluate(
                    "document.querySelector('section.chain-notice').getBoundingClientRect().top"
                    " < document.querySelector('main h1').getBoundingClientRect().top"),
                "overflow": page.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
            }
            page.screenshot(path=str(shots_dir / f"board-chain-warning-{name}.png"), full_page=True)
            with page.expect_navigation():
                notice.locator("a").click()
            shown["signatures_state"] = page.get_attribute(
                "section.signer[data-source=assessment]", "data-state")
            shown["signatures_overflow"] = page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth")
            page.screenshot(path=str(shots_dir / f"board-signatures-{name}.png"), full_page=True)
            seen[name] = shown
            context.close()
        browser.close()
    print(json.dumps({**seen, "errors": errors}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))

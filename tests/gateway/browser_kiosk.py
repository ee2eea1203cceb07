"""Drive the kiosk page in Debian's chromium: ``python browser_kiosk.py BASE_URL TOKEN SHOTS_DIR``.

Run as its own process (Playwright's sync API hangs inside the eventlet-patched test process,
next to the in-process gateway). It sets the kiosk up with its device token, answers once
online with the mouse, goes offline and answers three times (one with the keyboard only),
checks the answers wait in the page's queue, loses the acknowledgement of the first resend
(the server gets it, the page does not hear back), comes back online and waits until the
queue is empty. Prints one JSON line: every response id the page made, what the page saw.
"""

import json
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
BATCH = "/api/v1/kiosk/responses/batch"


def main(base_url: str, kiosk_token: str, shots: str) -> None:
    shots_dir = Path(shots)
    shots_dir.mkdir(parents=True, exist_ok=True)
    errors, requests_outside, sent_ids, lost_acks = [], [], [], []
    result = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error"
                    and "Failed to fetch" not in m.text and "ERR_" not in m.text else None)
            page.on("request", lambda r: None if r.url.startswith(base_url)
                    else requests_outside.append(r.url))
            page.on("request", lambda r: sent_ids.extend(
                item["response_id"] for item in json.loads(r.post_data or "{}")["responses"])
                if r.url.endswith(BATCH) else None)

            def screen(name):
                page.wait_for_selector(f'body[data-screen="{name}"]')

            def queued():
                return int(page.get_attribute("#queue-status", "data-count"))

            def empty_queue(timeout=20_000):
                # a selector, not wait_for_function: the page's CSP forbids eval
                page.wait_for_selector('#queue-status[data-count="0"]', state="attached",
                                       timeout=timeout)

            def shot(name):
                page.screenshot(path=str(shots_dir / f"kiosk-{name}.png"))

            # -- set-up: the device token, typed once -------------------------------------
            page.goto(base_url + "/kiosk", wait_until="load")
            screen("setup")
            result["lang"] = page.get_attribute("html", "lang")
            result["setup_heading"] = page.inner_text("#setup-title")
            page.keyboard.type(kiosk_token)  # the token field has the focus
            shot("setup")
            page.keyboard.press("Enter")
            screen("welcome")
            result["token_stored"] = page.evaluate(
                "localStorage.getItem('tcpl.kiosk.token')") == kiosk_token
            result["welcome_heading"] = page.inner_text("#welcome-title")
            shot("welcome")

            # -- online, with the mouse -----------------------------------------------------
            page.click("#start")
            screen("question")
            result["first_question"] = page.inner_text("#question-text")
            result["scale_labels"] = page.locator("#scale button").all_inner_texts()
            box = page.locator('#scale button[data-value="5"]').bounding_box()
            result["scale_button_size"] = [box["width"], box["height"]]
            result["question_font_px"] = page.evaluate(
                "parseFloat(getComputedStyle(document.getElementById('question-text')).fontSize)")
            shot("question")
            for level in (5, 4, 5, 3, 5):
                page.click(f'#scale button[data-value="{level}"]')
            page.fill("#text-answer", "Cán bộ hướng dẫn tận tình, chu đáo.")
            page.click("#text-next")
            screen("thanks")
            result["thanks_heading"] = page.inner_text("#thanks-title")
            shot("thanks")
            empty_queue()
            # the thank-you screen resets itself
            screen("welcome")

            # -- offline: answers wait in the browser -------------------------------------
            context.set_offline(True)
            page.wait_for_selector('#net-status[data-online="false"]')
            for levels in ((4, 4, 4, 4, 4), (2, 3, 1, 2, 2)):
                page.click("#start")
                for level in levels:
                    page.click(f'#scale button[data-value="{level}"]')
                page.click("#text-skip")
                screen("thanks")
                page.click("#again")
                screen("welcome")

            # keyboard only: Enter, Tab, Space, digits; the focus must be visible throughout
            focus_checks = []

            def focus_visible():
                focus_checks.append(page.evaluate(
                    "(() => { const s = getComputedStyle(document.activeElement);"
                    " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 3; })()"))

            page.keyboard.press("Enter")  # "Bắt đầu khảo sát" has the focus
            screen("question")
            focus_visible()
            result["keyboard_start_focus"] = page.evaluate("document.activeElement.id")
            for _ in range(4):  # the question, then levels 1, 2, 3, 4
                page.keyboard.press("Tab")
            result["keyboard_focus_value"] = page.evaluate("document.activeElement.dataset.value")
            focus_visible()
            shot("keyboard")
            page.keyboard.press("Space")  # level 4 on question 1
            page.keyboard.press("Tab")
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")  # level 2 on question 2
            for key in ("5", "5", "4"):  # digits choose a level
                page.keyboard.press(key)
            page.keyboard.type("Thời gian chờ hơi lâu.")
            page.keyboard.press("Tab")  # to "Gửi phiếu"
            focus_visible()
            page.keyboard.press("Enter")
            screen("thanks")
            result["focus_visible"] = focus_checks
            result["queued_offline"] = queued()
            result["queue_text"] = page.inner_text("#queue-status")
            result["offline_text"] = page.inner_text("#net-status")
            offline_ids = [item["response_id"] for item in page.evaluate("tcplKiosk.queue()")]
            result["keyboard_answers"] = page.evaluate("tcplKiosk.queue()")[-1]["answers"]
            shot("offline")

            # -- back online, but the first acknowledgement is lost on the way back --------
            def lose_ack(route):
                response = route.fetch()  # the gateway receives and stores the batch
                lost_acks.append(response.status)
                route.abort("connectionreset")  # the page never hears back

            page.route("**" + BATCH, lose_ack, times=1)
            context.set_offline(False)
            for _ in range(100):
                if lost_acks:
                    break
                page.wait_for_timeout(100)
            page.wait_for_timeout(500)
            result["queued_after_lost_ack"] = queued()
            # the network flaps: the online event sends the queue again
            context.set_offline(True)
            context.set_offline(False)
            empty_queue(timeout=30_000)
            result["queued_after_online"] = queued()
            result["response_ids"] = [*dict.fromkeys(sent_ids)]
            result["offline_ids"] = offline_ids
            result["rejected"] = page.evaluate("localStorage.getItem('tcpl.kiosk.rejected')")
            result["lost_acks"] = lost_acks
        finally:
            browser.close()
    result["errors"] = errors
    result["requests_outside"] = requests_outside
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])

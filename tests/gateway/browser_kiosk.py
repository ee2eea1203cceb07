"""Drive the kiosk page in Debian's chromium: ``python browser_kiosk.py SCENARIO BASE_URL SHOTS_DIR``
with the scenario's parameters as one JSON object on stdin (tokens stay off the command line).

Run as its own process (Playwright's sync API hangs inside the eventlet-patched test process,
next to the in-process gateway). Prints one JSON line: what the page saw. Scenarios:

- ``queue`` (``kiosk_token``): sets the kiosk up with its device token, answers once online
  with the mouse, goes offline and answers three times (one with the keyboard only), checks
  the answers wait in the page's queue, loses the acknowledgement of the first resend (the
  server gets it, the page does not hear back), comes back online and waits until the queue
  is empty.
- ``reload`` (``kiosk_token``): loads the page online until its service worker controls it,
  goes offline and reloads: the page and the campaign come from the worker (the page's own
  copy of the campaign is removed first, so the worker's is the one used); answers once,
  reloads offline again (the answer is still queued), comes back online and waits until the
  queue is empty. Also checks, offline, that a POST fails instead of being answered by the
  worker, while a GET of an asset is.
- ``recheck`` (``kiosk_token``, ``admin_token``, ``campaign_id``, ``next_campaign`` and
  ``next_campaign_id``, ``third_campaign``): the page re-checks its campaign every second
  (``/kiosk?recheck=1``). Answers once, then the campaign is closed through the API and the
  page must say so by itself; a second campaign is opened and the page must take it. A
  third one opens while a citizen is answering the second: the page lets them finish (the
  second still accepts) and takes the third afterwards; the second is closed. One answer is
  given offline, the third is closed meanwhile, and back online the answer is refused
  (``campaign_closed``) and counted for the operator, and the page says the campaign ended.

Every scenario records each response to a request that is not a GET (none may come from the
service worker) and each request the service worker made itself (none may be a POST).
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
CAMPAIGN = "/api/v1/kiosk/campaign"
FULL_ANSWER = (5, 4, 5, 3, 5)
# The thank-you screen resets itself after RESET_SECONDS (kiosk.js). The page's clock is
# Playwright's (installed before the page loads, running in real time): the scenarios jump it
# past that wait instead of sitting through it; the page's own timer still does the reset.
RESET_MS = 6_000


class Kiosk:
    """One browser context on the kiosk page, and what was seen on the way."""

    def __init__(self, browser, base_url: str, shots_dir: Path):
        self.base_url, self.shots_dir = base_url, shots_dir
        self.errors, self.requests_outside, self.sent_ids = [], [], []
        self.not_get, self.worker_requests, self.failed_loads = [], [], []
        self.campaign_checks = self.campaign_answers = 0
        self.context = browser.new_context(viewport={"width": 1280, "height": 900},
                                           locale="vi-VN")
        # requests the service worker itself makes (its precache, its network-first fetches)
        self.context.on("request", lambda r: self.worker_requests.append(
            [r.method, r.url]) if r.service_worker else None)
        page = self.page = self.context.new_page()
        page.set_default_timeout(20_000)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", self._console)
        page.on("request", lambda r: None if r.url.startswith(base_url)
                else self.requests_outside.append(r.url))
        page.on("request", lambda r: self.sent_ids.extend(
            item["response_id"] for item in json.loads(r.post_data or "{}")["responses"])
            if r.url.endswith(BATCH) else None)
        page.on("request", self._count_checks)
        page.on("response", self._count_answers)
        page.on("response", lambda r: self.not_get.append({
            "method": r.request.method, "path": r.url[len(base_url):], "status": r.status,
            "from_service_worker": r.from_service_worker}) if r.request.method != "GET" else None)

    def _count_checks(self, request):
        if request.url.endswith(CAMPAIGN):
            self.campaign_checks += 1

    def _count_answers(self, response):
        if response.url.endswith(CAMPAIGN):
            self.campaign_answers += 1

    def _console(self, message):
        text = message.text
        if message.type != "error" or "Failed to fetch" in text or "ERR_" in text:
            return
        if text.startswith("Failed to load resource: the server responded with a status of"):
            # chromium's note of a 4xx: kept apart, the test says which ones it expects
            self.failed_loads.append(int(text.split("status of ")[1].split()[0]))
        else:
            self.errors.append(text)

    def install_clock(self):
        """Playwright's clock in the page (before it loads): time runs as usual, and
        ``after_reset`` can jump it forward."""
        self.page.clock.install()

    def after_reset(self):
        """Past the thank-you screen's RESET_SECONDS at once: its timer fires, as it would."""
        self.page.clock.fast_forward(RESET_MS)

    def screen(self, name, timeout=20_000):
        self.page.wait_for_selector(f'body[data-screen="{name}"]', timeout=timeout)

    def queued(self):
        return int(self.page.get_attribute("#queue-status", "data-count"))

    def empty_queue(self, timeout=20_000):
        # a selector, not wait_for_function: the page's CSP forbids eval
        self.page.wait_for_selector('#queue-status[data-count="0"]', state="attached",
                                    timeout=timeout)

    def shot(self, name):
        self.page.screenshot(path=str(self.shots_dir / f"kiosk-{name}.png"))

    def set_up(self, kiosk_token, path="/kiosk"):
        self.page.goto(self.base_url + path, wait_until="load")
        self.screen("setup")
        self.page.keyboard.type(kiosk_token)  # the token field has the focus
        self.page.keyboard.press("Enter")
        self.screen("welcome")

    def answer(self, levels=FULL_ANSWER, comment=None, start=True):
        page = self.page
        if start:
            page.click("#start")
        for level in levels:
            page.click(f'#scale button[data-value="{level}"]')
        if comment:
            page.fill("#text-answer", comment)
            page.click("#text-next")
        else:
            page.click("#text-skip")
        self.screen("thanks")

    def evaluate(self, expression):
        return self.page.evaluate(expression)

    def seen(self):
        return {"errors": self.errors, "requests_outside": self.requests_outside,
                "response_ids": [*dict.fromkeys(self.sent_ids)], "not_get": self.not_get,
                "worker_requests": self.worker_requests, "failed_loads": self.failed_loads}


def scenario_queue(kiosk: Kiosk, params: dict) -> dict:
    kiosk_token = params["kiosk_token"]
    page, context, shot, screen = kiosk.page, kiosk.context, kiosk.shot, kiosk.screen
    result, lost_acks = {}, []

    # -- set-up: the device token, typed once -----------------------------------------------
    kiosk.install_clock()
    page.goto(kiosk.base_url + "/kiosk", wait_until="load")
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

    # -- online, with the mouse ---------------------------------------------------------------
    page.click("#start")
    screen("question")
    result["first_question"] = page.inner_text("#question-text")
    result["scale_labels"] = page.locator("#scale button").all_inner_texts()
    box = page.locator('#scale button[data-value="5"]').bounding_box()
    result["scale_button_size"] = [box["width"], box["height"]]
    result["question_font_px"] = page.evaluate(
        "parseFloat(getComputedStyle(document.getElementById('question-text')).fontSize)")
    shot("question")
    for level in FULL_ANSWER:
        page.click(f'#scale button[data-value="{level}"]')
    page.fill("#text-answer", "Cán bộ hướng dẫn tận tình, chu đáo.")
    page.click("#text-next")
    screen("thanks")
    result["thanks_heading"] = page.inner_text("#thanks-title")
    shot("thanks")
    kiosk.empty_queue()
    # the thank-you screen resets itself
    kiosk.after_reset()
    screen("welcome")

    # -- offline: answers wait in the browser -----------------------------------------------
    context.set_offline(True)
    page.wait_for_selector('#net-status[data-online="false"]')
    for levels in ((4, 4, 4, 4, 4), (2, 3, 1, 2, 2)):
        kiosk.answer(levels)
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
    result["queued_offline"] = kiosk.queued()
    result["queue_text"] = page.inner_text("#queue-status")
    result["offline_text"] = page.inner_text("#net-status")
    offline_ids = [item["response_id"] for item in page.evaluate("tcplKiosk.queue()")]
    result["keyboard_answers"] = page.evaluate("tcplKiosk.queue()")[-1]["answers"]
    shot("offline")

    # -- back online, but the first acknowledgement is lost on the way back ------------------
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
    result["queued_after_lost_ack"] = kiosk.queued()
    # the network flaps: the online event sends the queue again
    context.set_offline(True)
    context.set_offline(False)
    kiosk.empty_queue(timeout=30_000)
    result["queued_after_online"] = kiosk.queued()
    result["offline_ids"] = offline_ids
    result["rejected"] = page.evaluate("localStorage.getItem('tcpl.kiosk.rejected')")
    result["lost_acks"] = lost_acks
    return result


# Run in the page while offline: what a POST and a GET get through the service worker.
OFFLINE_FETCHES = """async () => {
  const headers = {"Authorization": "Kiosk " + localStorage.getItem("tcpl.kiosk.token"),
                   "Content-Type": "application/json"};
  let post;
  try {
    const r = await fetch("/api/v1/kiosk/responses/batch",
                          {method: "POST", headers, body: JSON.stringify({responses: []})});
    post = "status " + r.status;
  } catch (e) { post = "network error"; }
  let asset;
  try {
    const r = await fetch("/kiosk/assets/kiosk.css");
    asset = "status " + r.status;
  } catch (e) { asset = "network error"; }
  return {post, asset};
}"""


def scenario_reload(kiosk: Kiosk, params: dict) -> dict:
    page, context, screen = kiosk.page, kiosk.context, kiosk.screen
    result = {}
    kiosk.set_up(params["kiosk_token"])
    # the worker takes over the open page (clients.claim) once it has cached the shell
    page.wait_for_selector('body[data-worker="active"]', state="attached")
    result["worker_script"] = page.evaluate(
        "navigator.serviceWorker.controller && navigator.serviceWorker.controller.scriptURL")
    # one reload online: now the campaign answer goes through the worker, which keeps it
    online_reload = page.reload(wait_until="load")
    screen("welcome")
    result["online_reload_from_worker"] = online_reload.from_service_worker
    result["online_source"] = page.get_attribute("body", "data-campaign-source")
    # the worker's copy must be enough: the page's own copy of the campaign goes
    page.evaluate("localStorage.removeItem('tcpl.kiosk.campaign')")

    context.set_offline(True)
    offline_reload = page.reload(wait_until="load")
    screen("welcome")
    result["offline_reload_status"] = offline_reload.status
    result["offline_reload_from_worker"] = offline_reload.from_service_worker
    result["offline_source"] = page.get_attribute("body", "data-campaign-source")
    result["offline_text"] = page.inner_text("#net-status")
    result["offline_fetches"] = page.evaluate(OFFLINE_FETCHES)
    kiosk.answer(comment="Trả lời khi mất mạng, sau khi tải lại trang.")
    result["queued_offline"] = kiosk.queued()
    kiosk.shot("offline-reload")
    # a second reload, still offline: the answer is still waiting
    page.reload(wait_until="load")
    screen("welcome")
    result["queued_after_second_reload"] = kiosk.queued()
    result["offline_ids"] = [item["response_id"] for item in page.evaluate("tcplKiosk.queue()")]

    context.set_offline(False)
    kiosk.empty_queue(timeout=30_000)
    result["queued_after_online"] = kiosk.queued()
    result["rejected"] = page.evaluate("localStorage.getItem('tcpl.kiosk.rejected')")
    return result


def scenario_recheck(kiosk: Kiosk, params: dict, api) -> dict:
    page, context, screen = kiosk.page, kiosk.context, kiosk.screen
    admin = {"Authorization": "Bearer " + params["admin_token"]}
    result = {}

    def close(campaign_id):
        response = api.post(f"/api/v1/survey/campaigns/{campaign_id}/close", headers=admin)
        assert response.status == 200, response.text()

    kiosk.install_clock()
    kiosk.set_up(params["kiosk_token"], "/kiosk?recheck=1")
    kiosk.answer()
    kiosk.empty_queue()
    page.click("#again")
    screen("welcome")

    # -- the campaign closes while the page is open: the page says so by itself ---------------
    close(params["campaign_id"])
    screen("message", timeout=10_000)
    result["closed_kind"] = page.get_attribute("#screen-message", "data-kind")
    result["closed_title"] = page.inner_text("#message-title")
    result["closed_text"] = page.inner_text("#message-text")
    result["start_visible"] = page.is_visible("#start")
    result["closed_focus"] = page.evaluate("document.activeElement.id")
    kiosk.shot("closed")

    # -- a new campaign opens: the page takes it -----------------------------------------------
    def open_campaign(body):
        opened = api.post("/api/v1/survey/campaigns", headers=admin, data=body)
        assert opened.status == 201, opened.text()
        return opened.json()["campaign_id"]

    assert open_campaign(params["next_campaign"]) == params["next_campaign_id"]
    screen("welcome", timeout=10_000)
    result["next_campaign_id"] = page.evaluate("tcplKiosk.campaignId()")

    # -- a third opens while a citizen answers the second: they finish first -----------------
    page.click("#start")
    for level in (4, 5):
        page.click(f'#scale button[data-value="{level}"]')
    third_id = open_campaign(params["third_campaign"])
    checks = kiosk.campaign_checks
    # the answer to a re-check (one a second) sent after the third opened, and a moment for
    # the page to act on it
    for _ in range(100):
        if kiosk.campaign_answers > checks:
            break
        page.wait_for_timeout(50)
    page.wait_for_timeout(500)
    result["checks_while_answering"] = kiosk.campaign_checks - checks
    result["still_answering"] = page.inner_text("#question-progress")
    result["campaign_while_answering"] = page.evaluate("tcplKiosk.campaignId()")
    kiosk.answer((5, 4, 4), start=False)
    kiosk.empty_queue()
    page.click("#again")
    screen("welcome")
    result["campaign_after_answer"] = page.evaluate("tcplKiosk.campaignId()")
    # the second closes too: otherwise, once the third closes, it is the one accepting again
    close(params["next_campaign_id"])

    # -- an answer queued offline for a campaign that closes meanwhile ----------------------------
    context.set_offline(True)
    page.wait_for_selector('#net-status[data-online="false"]')
    kiosk.answer((1, 2, 3, 4, 5))
    result["queued_offline"] = kiosk.queued()
    result["queued_ids"] = [item["response_id"] for item in page.evaluate("tcplKiosk.queue()")]
    close(third_id)
    context.set_offline(False)
    kiosk.empty_queue(timeout=30_000)
    page.wait_for_selector('#rejected-status[data-count="1"]', state="attached")
    # the page says so once its thank-you screen is over
    kiosk.after_reset()
    screen("message", timeout=10_000)
    result["after_kind"] = page.get_attribute("#screen-message", "data-kind")
    result["rejected_text"] = page.inner_text("#rejected-status")
    result["rejected"] = json.loads(page.evaluate("localStorage.getItem('tcpl.kiosk.rejected')"))
    kiosk.shot("refused")
    return result


def main(scenario: str, base_url: str, shots: str) -> None:
    params = json.loads(sys.stdin.read() or "{}")
    shots_dir = Path(shots)
    shots_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            kiosk = Kiosk(browser, base_url, shots_dir)
            if scenario == "queue":
                result = scenario_queue(kiosk, params)
            elif scenario == "reload":
                result = scenario_reload(kiosk, params)
            elif scenario == "recheck":
                # the API, as an officer would use it: not through the page, never offline
                api = playwright.request.new_context(base_url=base_url)
                try:
                    result = scenario_recheck(kiosk, params, api)
                finally:
                    api.dispose()
            else:
                raise SystemExit(f"unknown scenario {scenario!r}")
            result.update(kiosk.seen())
        finally:
            browser.close()
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])

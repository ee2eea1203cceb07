"""The kiosk page in Debian's chromium, against the real gateway and survey service: answers
given offline wait in the browser and arrive exactly once when the network is back; the
service worker lets the page reload offline and never answers a POST; the page notices by
itself that its campaign closed, takes a new one, and counts the answers refused meanwhile.

Each test uses its own commune: a kiosk is given the last opened campaign of its commune."""

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from kernel import clock
from tests.gateway.conftest import BA_DINH, HOAN_KIEM
from tests.gateway.test_survey_api import (
    kiosk_headers,
    open_campaign,
    register_kiosk,
    start_survey_platform,
)

pytestmark = pytest.mark.broker

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
BROWSER_SCRIPT = Path(__file__).with_name("browser_kiosk.py")
NGOC_HA = "00008"  # a third commune of Hà Nội
SHOT_NAMES = {"queue": ("setup", "welcome", "question", "keyboard", "thanks", "offline"),
              "reload": ("offline-reload",), "recheck": ("closed", "refused")}


@pytest.fixture(scope="module")
def kiosk_platform(amqp_uri, tmp_path_factory):
    runner, client = start_survey_platform(amqp_uri, tmp_path_factory.mktemp("kiosk"),
                                           rate_per_minute=100)
    yield client
    client.session.close()
    runner.kill()


def survey_events(client, auditor):
    events, after = [], 0
    while True:
        page = client.get(f"/api/v1/events?source=survey&after={after}&limit=1000", auditor)
        assert page.status_code == 200, page.text
        batch = page.json()["events"]
        if not batch:
            return events
        events += batch
        after = batch[-1]["position"]


def run_browser(platform, scenario, **params):
    """browser_kiosk.py SCENARIO in its own process; what the page saw."""
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    for name in SHOT_NAMES[scenario]:
        (SHOTS / f"kiosk-{name}.png").unlink(missing_ok=True)
    # eventlet's green subprocess lets the in-process gateway serve the browser meanwhile.
    completed = subprocess.run(
        [sys.executable, str(BROWSER_SCRIPT), scenario, platform.url, str(SHOTS)],
        input=json.dumps(params), capture_output=True, text=True, timeout=240)
    assert completed.returncode == 0, completed.stderr[-3000:]
    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    for name in SHOT_NAMES[scenario]:
        assert (SHOTS / f"kiosk-{name}.png").stat().st_size > 10_000, name
    # (c) in every scenario: no answer to a POST came from the service worker, and the
    # worker itself never sent one
    assert seen["not_get"] and all(r["method"] == "POST" for r in seen["not_get"])
    assert not any(r["from_service_worker"] for r in seen["not_get"]), seen["not_get"]
    assert all(method == "GET" for method, _ in seen["worker_requests"]), seen["worker_requests"]
    assert seen["errors"] == [] and seen["requests_outside"] == []
    if scenario != "recheck":
        assert seen["failed_loads"] == []
    return seen


def submitted_ids(platform, auditor, campaign_id):
    return [e["data"]["response_id"] for e in survey_events(platform, auditor)
            if e["type"] == "ResponseSubmitted" and e["data"]["campaign_id"] == campaign_id]


def responses_counted(platform, auditor, campaign_id):
    results = platform.get(f"/api/v1/survey/campaigns/{campaign_id}/results", auditor)
    assert results.status_code == 200, results.text
    return results.json()["responses"]


def test_the_service_worker_is_served_for_the_page(kiosk_platform):
    worker = kiosk_platform.get("/kiosk/sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["Content-Type"]
    # served under /kiosk/, allowed to control the page /kiosk itself
    assert worker.headers["Service-Worker-Allowed"] == "/kiosk"
    assert worker.headers["Cache-Control"] == "no-cache"
    version = re.search(r'var VERSION = "([0-9a-f]{16})";', worker.text)
    assert version and "__KIOSK_VERSION__" not in worker.text
    assert kiosk_platform.get("/kiosk/sw.js").text == worker.text  # stable between requests
    # not an asset: from /kiosk/assets/ it would control that folder only
    for path in ("/kiosk/assets/sw.js", "/kiosk/assets/./sw.js"):
        assert kiosk_platform.get(path).status_code == 404, path
    page = kiosk_platform.get("/kiosk")
    assert 'id="rejected-status"' in page.text


def test_the_worker_version_follows_the_files(tmp_path, monkeypatch):
    from gateway import kiosk

    for name in ("index.html", "kiosk.js", "kiosk.css", "sw.js"):
        (tmp_path / name).write_text(f"{name} v1", encoding="utf-8")
    monkeypatch.setattr(kiosk, "_directory", lambda: tmp_path)
    first = kiosk.version()
    assert kiosk.version() == first
    (tmp_path / "kiosk.css").write_text("kiosk.css v2", encoding="utf-8")
    assert kiosk.version() != first


@pytest.mark.browser
def test_answers_given_offline_arrive_exactly_once(kiosk_platform, token):
    admin, auditor = token("administrator"), token("auditor")
    campaign = open_campaign(kiosk_platform, admin, "2025-kiosk", commune=BA_DINH)
    kiosk = register_kiosk(kiosk_platform, admin, commune=BA_DINH, label="Quầy Một cửa số 1")
    seen = run_browser(kiosk_platform, "queue", kiosk_token=kiosk["token"])

    # the page: Vietnamese, big, keyboard-usable
    assert seen["lang"] == "vi" and seen["setup_heading"] == "Cài đặt thiết bị khảo sát"
    assert seen["token_stored"] is True
    assert seen["welcome_heading"] == "Ông/bà vui lòng cho biết mức độ hài lòng"
    assert seen["thanks_heading"] == "Xin cảm ơn ông/bà!"
    assert [label.split("\n")[-1] for label in seen["scale_labels"]] == [
        "Rất không hài lòng", "Không hài lòng", "Bình thường", "Hài lòng", "Rất hài lòng"]
    assert min(seen["scale_button_size"]) >= 96 and seen["question_font_px"] >= 40
    assert seen["focus_visible"] == [True, True, True]
    assert seen["keyboard_start_focus"] == "question-text"
    assert seen["keyboard_focus_value"] == "4"
    assert seen["keyboard_answers"] == {"cong-khai": 4, "thai-do": 2, "thoi-gian": 5,
                                        "pho-bien": 5, "chung": 4,
                                        "gop-y": "Thời gian chờ hơi lâu."}
    # offline: three answers waited on the page, and said so
    assert seen["queued_offline"] == 3 and seen["queue_text"] == "Đang chờ gửi: 3 phiếu"
    assert seen["offline_text"].startswith("Mất kết nối")
    # the first resend reached the server but its answer was lost: the page kept the queue
    assert seen["lost_acks"] == [200] and seen["queued_after_lost_ack"] == 3
    assert seen["queued_after_online"] == 0 and seen["rejected"] is None

    ids = seen["response_ids"]
    assert len(ids) == 4 and set(seen["offline_ids"]) <= set(ids)
    # through the API: every response arrived, exactly once
    results = kiosk_platform.get(f"/api/v1/survey/campaigns/{campaign['campaign_id']}/results",
                                 auditor).json()
    assert results["responses"] == 4
    submitted = [e for e in survey_events(kiosk_platform, auditor)
                 if e["type"] == "ResponseSubmitted"]
    assert sorted(e["data"]["response_id"] for e in submitted) == sorted(ids)
    assert all(e["data"]["kiosk_id"] == kiosk["kiosk_id"] for e in submitted)
    # the two comments are in the log only sealed (docs/survey.md, "Free text")
    assert all("gop-y" not in e["data"]["answers"] for e in submitted)
    assert sum(1 for e in submitted if e["data"]["sealed_text"]) == 2

    def resent(event):  # what the page would resend: its own copy, comment included
        answers = dict(event["data"]["answers"])
        if event["data"]["sealed_text"]:
            typed = {q: v for q, v in seen["keyboard_answers"].items() if q != "gop-y"}
            answers["gop-y"] = ("Thời gian chờ hơi lâu." if answers == typed
                                else "Cán bộ hướng dẫn tận tình, chu đáo.")
        return {"response_id": event["data"]["response_id"],
                "campaign_id": campaign["campaign_id"],
                "questionnaire_id": campaign["questionnaire_id"],
                "questionnaire_version": campaign["questionnaire_version"], "answers": answers}

    # what the page would resend now is recognised, not counted again
    replay = kiosk_platform.request("POST", "/api/v1/kiosk/responses/batch",
                                    headers=kiosk_headers(kiosk["token"]),
                                    json={"responses": [resent(e) for e in submitted]})
    assert replay.json()["summary"]["duplicate"] == 4


@pytest.mark.browser
def test_the_page_reloads_offline_and_its_answer_arrives_once(kiosk_platform, token):
    admin, auditor = token("administrator"), token("auditor")
    campaign = open_campaign(kiosk_platform, admin, "2025-reload", commune=HOAN_KIEM)
    kiosk = register_kiosk(kiosk_platform, admin, commune=HOAN_KIEM, label="Quầy số 2")
    seen = run_browser(kiosk_platform, "reload", kiosk_token=kiosk["token"])

    assert seen["worker_script"] == kiosk_platform.url + "/kiosk/sw.js"
    assert seen["online_reload_from_worker"] is True and seen["online_source"] == "network"
    # offline: the page, and the campaign, from the worker (the page's own copy was removed)
    assert seen["offline_reload_status"] == 200 and seen["offline_reload_from_worker"] is True
    assert seen["offline_source"] == "worker"
    assert seen["offline_text"].startswith("Mất kết nối")
    # (c) offline, a POST fails: it is not answered from a cache; a GET of an asset is
    assert seen["offline_fetches"] == {"post": "network error", "asset": "status 200"}
    assert seen["queued_offline"] == 1 and seen["queued_after_second_reload"] == 1
    assert seen["queued_after_online"] == 0 and seen["rejected"] is None
    # the worker fetched the shell itself (install, network first), never a POST
    assert any(url.endswith("/kiosk/assets/kiosk.js") for _, url in seen["worker_requests"])

    # exactly once on the server
    assert seen["response_ids"] == seen["offline_ids"] and len(seen["offline_ids"]) == 1
    assert responses_counted(kiosk_platform, auditor, campaign["campaign_id"]) == 1
    assert submitted_ids(kiosk_platform, auditor, campaign["campaign_id"]) == seen["offline_ids"]


@pytest.mark.browser
def test_the_page_notices_its_campaign_closed_and_a_new_one(kiosk_platform, token):
    admin, auditor = token("administrator"), token("auditor")
    first = open_campaign(kiosk_platform, admin, "2025-recheck", commune=NGOC_HA)
    kiosk = register_kiosk(kiosk_platform, admin, commune=NGOC_HA, label="Quầy số 3")
    today = clock.now().date()
    later = [{"commune_code": NGOC_HA, "period": period, "target_sample": 3,
              "opens_on": (today - timedelta(days=1)).isoformat(),
              "closes_on": (today + timedelta(days=30)).isoformat()}
             for period in ("2026-recheck", "2027-recheck")]
    next_id, third_id = f"{NGOC_HA}-2026-recheck", f"{NGOC_HA}-2027-recheck"
    seen = run_browser(kiosk_platform, "recheck", kiosk_token=kiosk["token"],
                       admin_token=admin, campaign_id=first["campaign_id"],
                       next_campaign=later[0], next_campaign_id=next_id,
                       third_campaign=later[1])

    # closed while the page was open: the page said so by itself, with no way to start
    assert seen["closed_kind"] == "closed"
    assert seen["closed_title"] == "Đợt khảo sát đã kết thúc"
    assert seen["closed_text"].startswith("Thiết bị tạm ngừng nhận phiếu.")
    assert seen["start_visible"] is False and seen["closed_focus"] == "message-retry"
    # a new campaign: taken without a reload
    assert seen["next_campaign_id"] == next_id
    # another one while a citizen was answering: re-checked, but they finished the questions
    # they had begun, and the page took the new campaign after them
    assert seen["checks_while_answering"] >= 1
    assert seen["still_answering"] == "Câu 3/6" and seen["campaign_while_answering"] == next_id
    assert seen["campaign_after_answer"] == third_id
    # the answer queued for it while offline was sent, refused and counted for the operator
    assert seen["queued_offline"] == 1 and seen["after_kind"] == "closed"
    [refused] = seen["rejected"]
    assert refused["error"] == "campaign_closed"
    assert refused["item"]["response_id"] == seen["queued_ids"][0]
    assert refused["item"]["campaign_id"] == third_id
    assert seen["rejected_text"] == "Phiếu không được tiếp nhận: 1 (đợt khảo sát đã kết thúc: 1)"
    assert seen["queued_ids"][0] in seen["response_ids"]  # it was sent, not dropped
    # chromium noted the campaign re-checks answered 404 while no campaign was open
    assert seen["failed_loads"] and set(seen["failed_loads"]) == {404}

    # the server: one answer for each of the first two campaigns, none for the third
    assert responses_counted(kiosk_platform, auditor, first["campaign_id"]) == 1
    assert responses_counted(kiosk_platform, auditor, next_id) == 1
    assert responses_counted(kiosk_platform, auditor, third_id) == 0
    assert submitted_ids(kiosk_platform, auditor, third_id) == []

"""The kiosk page in Debian's chromium, against the real gateway and survey service: answers
given offline wait in the browser and arrive exactly once when the network is back."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.browser
def test_answers_given_offline_arrive_exactly_once(kiosk_platform, token):
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    admin, auditor = token("administrator"), token("auditor")
    campaign = open_campaign(kiosk_platform, admin, "2025-kiosk")
    kiosk = register_kiosk(kiosk_platform, admin, label="Quầy Một cửa số 1")
    for old in SHOTS.glob("kiosk-*.png"):
        old.unlink()

    # eventlet's green subprocess lets the in-process gateway serve the browser meanwhile.
    completed = subprocess.run(
        [sys.executable, str(BROWSER_SCRIPT), kiosk_platform.url, kiosk["token"], str(SHOTS)],
        capture_output=True, text=True, timeout=240)
    assert completed.returncode == 0, completed.stderr[-3000:]
    seen = json.loads(completed.stdout.strip().splitlines()[-1])

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
    assert seen["errors"] == [] and seen["requests_outside"] == []

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
    # what the page would resend now is recognised, not counted again
    replay = kiosk_platform.request("POST", "/api/v1/kiosk/responses/batch",
                                    headers=kiosk_headers(kiosk["token"]),
                                    json={"responses": [{
                                        "response_id": e["data"]["response_id"],
                                        "campaign_id": campaign["campaign_id"],
                                        "questionnaire_id": campaign["questionnaire_id"],
                                        "questionnaire_version": campaign["questionnaire_version"],
                                        "answers": e["data"]["answers"]} for e in submitted]})
    assert replay.json()["summary"]["duplicate"] == 4
    for name in ("setup", "welcome", "question", "keyboard", "thanks", "offline"):
        assert (SHOTS / f"kiosk-{name}.png").stat().st_size > 10_000, name

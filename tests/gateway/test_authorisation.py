"""Issue 14's authorisation failures, each replayed through the real gateway against recording
peers: what was let through is refused before it reaches a service, and who should act still
can. Also: the reviewing level is read once for a run of review steps, and never assumed."""

import pytest

from tests.gateway import peers

pytestmark = pytest.mark.broker

THANH_HOA, DONG_SON, DONG_QUANG = "38", "405", "16426"  # Đông Quang lay in Đông Sơn in 2022
HANOI, BA_DINH, HOAN_KIEM = "01", "00004", "00070"
KIOSK_ID = "0123456789abcdef0123456789abcdef"


def calls(peer, method):
    return [call for call in peer.calls if call[0] == method]


def test_a_province_chairman_cannot_decide_a_year_the_province_has_districts_review(
        platform, token):
    admin = token("administrator")
    level_url = f"/api/v1/provinces/{THANH_HOA}/reviewing-levels/2022"
    assert platform.put(level_url, admin, json={"level": "district"}).status_code == 200
    decision = {"recognised": True, "decision_number": "12/QĐ-UBND", "decision_date": "2023-02-06"}
    url = f"/api/v1/communes/{DONG_QUANG}/assessments/2022/decision"
    province_chairman = token("chairman", province=THANH_HOA)
    district_chairman = token("chairman", province=THANH_HOA, district=DONG_SON)

    refused = platform.request("POST", url, province_chairman, json=decision)
    assert (refused.status_code, refused.json()["error"]) == (403, "forbidden")
    assert refused.json()["details"]["reviewing_level"] == "district"
    assert "Huyện Đông Sơn" in refused.json()["message"]
    assert calls(peers.AssessmentPeer, "decide") == []
    decided = platform.request("POST", url, district_chairman, json=decision)
    assert decided.status_code == 200, decided.text
    assert calls(peers.AssessmentPeer, "decide")[0][1:3] == (DONG_QUANG, 2022)

    # Configured the other way, the other way round, at once (the gateway keeps what it set).
    assert platform.put(level_url, admin, json={"level": "province"}).status_code == 200
    assert platform.request("POST", url, district_chairman, json=decision).status_code == 403
    assert platform.request("POST", url, province_chairman, json=decision).status_code == 200
    assert len(calls(peers.AssessmentPeer, "decide")) == 2


def test_a_commune_officers_token_scoped_to_a_province_covers_none_of_its_communes(
        platform, token):
    province_wide = token("commune_officer", province=HANOI)
    campaign = {"commune_code": HOAN_KIEM, "period": "2025", "target_sample": 30,
                "opens_on": "2025-03-01", "closes_on": "2025-03-31"}
    for method, path, body in (
            ("POST", "/api/v1/survey/kiosks", {"commune_code": HOAN_KIEM, "label": "Quầy 1"}),
            ("POST", "/api/v1/survey/campaigns", campaign),
            ("GET", f"/api/v1/survey/campaigns/{HOAN_KIEM}-2025/results", None),
            ("GET", f"/api/v1/communes/{HOAN_KIEM}/assessments/2025", None)):
        answer = platform.request(method, path, province_wide, json=body)
        assert (answer.status_code, answer.json()["error"]) == (403, "forbidden"), path
    assert peers.SurveyPeer.calls == [] and peers.AssessmentPeer.calls == []


def test_the_assessed_communes_own_officer_registers_no_kiosk_and_issues_no_code(
        platform, token):
    peers.SurveyPeer.kiosks = {KIOSK_ID: {"kiosk_id": KIOSK_ID, "commune_code": BA_DINH}}
    own = token("commune_officer", province=HANOI, commune=BA_DINH)
    campaign = f"/api/v1/survey/campaigns/{BA_DINH}-2025"
    kiosk = {"commune_code": BA_DINH, "label": "Quầy 1"}
    for method, path, body in (
            ("POST", "/api/v1/survey/kiosks", kiosk),
            ("POST", f"{campaign}/codes", {"count": 40}),
            ("POST", f"/api/v1/survey/kiosks/{KIOSK_ID}/revoke", {}),
            ("POST", "/api/v1/survey/campaigns", {
                "commune_code": BA_DINH, "period": "2025", "target_sample": 30,
                "opens_on": "2025-03-01", "closes_on": "2025-03-31"}),
            ("POST", f"{campaign}/close", None)):
        answer = platform.request(method, path, own, json=body)
        assert (answer.status_code, answer.json()["error"]) == (403, "forbidden"), path
    assert {call[0] for call in peers.SurveyPeer.calls} <= {"get_kiosk"}
    # The commune reads its own survey; the province's justice department sets it up.
    assert platform.get(f"{campaign}/results", own).status_code == 200
    justice = token("justice_officer", province=HANOI)
    assert platform.request("POST", "/api/v1/survey/kiosks", justice, json=kiosk).status_code == 201
    assert platform.request("POST", f"{campaign}/codes", justice,
                            json={"count": 40}).status_code == 201
    assert [call[0] for call in peers.SurveyPeer.calls if call[0] != "get_kiosk"] == [
        "get_results", "register_kiosk", "issue_codes"]


def test_the_reviewing_level_is_read_once_for_a_run_of_review_steps(platform, token):
    url = "/api/v1/communes/03390/assessments/2023"  # Bình Lư, Tam Đường (106), Lai Châu
    district = {"province": "12", "district": "106"}
    steps = ((token("justice_officer", **district), "/dossier/check", {"checked_on": "2024-01-05"}),
             (token("council_secretary", **district), "/appraisal",
              {"started_on": "2024-01-08", "council_size": 5, "method": "meeting"}),
             (token("council_secretary", **district), "/appraisal/complete",
              {"completed_on": "2024-01-15"}))
    for who, step, body in steps:
        assert platform.request("POST", url + step, who, json=body).status_code == 200
    assert calls(peers.AssessmentPeer, "get_reviewing_level") == [
        ("get_reviewing_level", "12", 2023)]
    assert [len(calls(peers.AssessmentPeer, rpc))
            for rpc in ("pass_check", "start_appraisal", "complete_appraisal")] == [1, 1, 1]


def test_a_reviewing_level_that_cannot_be_read_is_never_assumed(platform, token):
    # The assessment peer answers this year's level after the gateway's deadline.
    answer = platform.request(
        "POST", f"/api/v1/communes/{BA_DINH}/assessments/{peers.SLOW_YEAR}/decision",
        token("chairman", province=HANOI),
        json={"recognised": True, "decision_number": "1/QĐ", "decision_date": "2091-01-10"})
    assert (answer.status_code, answer.json()["error"]) == (503, "service_unavailable")
    assert calls(peers.AssessmentPeer, "decide") == []

"""The demo loader (scripts/load_demo.py over scripts/demo_cycle.py) against the real gateway
and assessment service: every demo commune reaches the step its story leaves it at, with steps
dated in order and never after today, so that every role has something to do; a second load
reads what is there and writes nothing. On PostgreSQL here: tests/test_platform.py runs the same
load through `make run`, on SQLite, twice."""

import json
from datetime import date

import pytest

from kernel import clock
from scripts import demo_cycle, load_demo
from tests.gateway.conftest import JWT_SECRET
from tests.support.assessment_platform import assessment_platform, token

pytestmark = pytest.mark.broker

ENDS = {("16426", 2022): "recognised", ("16420", 2022): "not_recognised",
        ("16417", 2022): "not_recognised", ("16378", 2026): "recognised",
        ("15853", 2026): "appraised", ("14797", 2026): "under_appraisal",
        ("16531", 2026): "dossier_submitted", ("16033", 2026): "drafting"}
# Who acts next on each 2026 commune left part-way.
NEXT_ROLE = {"15853": "chairman", "14797": "council_secretary", "16531": "justice_officer",
             "16033": "commune_officer"}
DATED_FIELDS = ("submitted_on", "start", "received_on", "answered_on", "ended_on",
                "checked_on", "requested_on", "provided_on", "started_on", "given_on",
                "completed_on", "decision_date", "revoked_on", "reopened_on")


def test_the_demo_loads_once_in_order_and_a_second_load_writes_nothing(
        postgres_url, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TCPL_JWT_SECRET", JWT_SECRET)
    auditor = token("auditor")
    with assessment_platform(postgres_url) as client:
        arguments = ["--url", client.url, "--tokens", str(tmp_path / "demo-tokens.jsonl")]
        assert load_demo.main(arguments) == 0
        first = capsys.readouterr().out
        head = client.get("/api/v1/events?source=assessment&limit=1", auditor).json()["head_position"]

        assessments = {}
        for (commune, year), end in ENDS.items():
            body = client.get(f"/api/v1/communes/{commune}/assessments/{year}", auditor).json()
            assert body["state"] == end, (commune, year, body["state"])
            assessments[commune, year] = body
            events = client.get(f"/api/v1/communes/{commune}/assessments/{year}/events",
                                auditor).json()["events"]
            days = [e["data"][f] for e in events for f in DATED_FIELDS if e["data"].get(f)]
            assert days == sorted(days) and all(d <= clock.today().isoformat() for d in days)
            assert bool(days) == (end != "drafting")
            if year == 2026 and days:
                assert days[0] >= "2026-01-01"
        assert assessments["16378", 2026]["decision"]["recognised"] is True
        assert assessments["16378", 2026]["criteria_set_id"] == "27-2025"
        assert assessments["16378", 2026]["reviewing_level"] == "province"
        for commune, role in NEXT_ROLE.items():
            steps = assessments[commune, 2026]["next_steps"]
            assert {s["actor"]["role"] for s in steps} == {role}, (commune, steps)
        drafting = {s["command"]: s for s in assessments["16033", 2026]["next_steps"]}
        assert drafting["submit_self_assessment"]["missing"][0]["code"] == "figures_missing"

        assert load_demo.main(arguments) == 0
        second = capsys.readouterr().out
        assert client.get("/api/v1/events?source=assessment&limit=1",
                          auditor).json()["head_position"] == head
    assert "demo data: 0 writes (everything was already loaded)" in second, second
    assert "đã có, không ghi thêm" in second and "bước vừa ghi" in first
    assert len((tmp_path / "demo-tokens.jsonl").read_text().splitlines()) >= 8


def test_the_2026_calendar_ends_by_today_and_keeps_the_rules_order():
    dates = demo_cycle.schedule(date(2026, 12, 7))
    order = ["self_assessment", "posting", "comment", "answer", "posting_end", "dossier",
             "check", "appraisal", "meeting", "appraisal_complete", "decision"]
    days = [dates[step] for step in order]
    assert days == sorted(days) and days[-1] <= "2026-12-07"
    # the posting stays up five calendar days, its start counted (provisional for 27/2025)
    assert (date.fromisoformat(dates["posting_end"])
            - date.fromisoformat(dates["posting"])).days >= 4


def test_every_official_of_the_demo_is_named_once_with_a_role_and_jurisdiction():
    officials = demo_cycle.officials()
    assert len({o["sub"] for o in officials}) == len(officials)
    roles = {o["role"] for o in officials}
    assert roles == {"commune_officer", "justice_officer", "council_secretary", "chairman"}
    thanh_hoa = [o for o in officials if o["jurisdiction"] == {"province": "38"}]
    assert {o["role"] for o in thanh_hoa} == {"justice_officer", "council_secretary", "chairman"}
    json.dumps(officials, ensure_ascii=False)

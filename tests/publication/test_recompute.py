"""The export bundle and the recompute command shipped with the project."""

import copy
import json
import subprocess
import sys
from pathlib import Path

from services.publication import export
from services.publication.recompute import main, recompute
from tests.publication.support import DONG_HOA, DONG_NAM, DONG_QUANG, THANH_HOA, YEAR

ROOT = Path(__file__).resolve().parents[2]


def bundle_of(setup):
    setup.walk(DONG_QUANG)
    setup.walk(DONG_HOA, recognised=False, points={"C1.I2": "1.00", "C2.I1": "2.35"})
    setup.walk(DONG_NAM, until="posting")
    setup.walk("16384", until="drafted")
    setup.sync()
    return json.loads(json.dumps(export.export_bundle(setup.engine, THANH_HOA, YEAR)))


def write(tmp_path, bundle, name="bundle.json"):
    path = tmp_path / name
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_the_bundle_holds_the_sets_the_events_and_every_published_score(setup):
    bundle = bundle_of(setup)
    assert bundle["format"] == "tcpl-publication-export/1"
    assert bundle["province_code"] == THANH_HOA and bundle["year"] == YEAR
    assert [s["id"] for s in bundle["criteria_sets"]] == ["25-2021"]
    streams = {e["stream"] for e in bundle["events"]}
    assert streams == {f"assessment-{c}-{YEAR}" for c in (DONG_QUANG, DONG_HOA, DONG_NAM)}
    assert all(e["hash"] and e["prev_hash"] for e in bundle["events"])
    keys = {(r["commune_code"], r["basis"]) for r in bundle["results"]}
    assert keys == {(DONG_QUANG, "self"), (DONG_QUANG, "appraised"), (DONG_HOA, "self"),
                    (DONG_HOA, "appraised"), (DONG_NAM, "self")}
    hoa = next(r for r in bundle["results"] if r["commune_code"] == DONG_HOA and r["basis"] == "appraised")
    assert hoa["total"] == "90.75" and hoa["criteria"]["C1"] == "4.00" and hoa["recognised"] is False


def test_an_untouched_bundle_recomputes_and_exits_0(setup, tmp_path, capsys):
    bundle = bundle_of(setup)
    assert main([write(tmp_path, bundle)]) == 0
    out = capsys.readouterr().out
    assert "OK" in out and "5 published scores recomputed" in out
    # the command as shipped, in its own process
    done = subprocess.run([sys.executable, "-m", "services.publication.recompute",
                           write(tmp_path, bundle)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_tampered_result_is_named_and_exits_1(setup, tmp_path, capsys):
    bundle = copy.deepcopy(bundle_of(setup))
    line = next(r for r in bundle["results"] if r["commune_code"] == DONG_HOA and r["basis"] == "appraised")
    line["total"] = "92.75"
    line["recognised"] = True
    assert main([write(tmp_path, bundle)]) == 1
    out = capsys.readouterr().out
    assert f"result {DONG_HOA}/{YEAR} (appraised): total is '92.75', recomputed '90.75'" in out
    assert f"result {DONG_HOA}/{YEAR} (appraised): recognised is True, recomputed False" in out


def test_a_tampered_event_is_named_and_exits_1(setup, tmp_path, capsys):
    bundle = copy.deepcopy(bundle_of(setup))
    event = next(e for e in bundle["events"] if e["type"] == "IndicatorAppraised"
                 and e["stream"] == f"assessment-{DONG_HOA}-{YEAR}" and e["data"]["indicator_id"] == "C1.I2")
    event["data"]["points"] = "7.00"  # and the result no longer follows from the events either
    assert main([write(tmp_path, bundle)]) == 1
    out = capsys.readouterr().out
    assert f"event {event['id']}" in out and "the hash does not match" in out
    assert f"result {DONG_HOA}/{YEAR} (appraised): total is '90.75', recomputed '96.75'" in out


def test_a_removed_event_or_a_forged_link_is_found(setup):
    bundle = bundle_of(setup)
    removed = copy.deepcopy(bundle)
    victim = next(e for e in removed["events"] if e["type"] == "PostingEnded")
    removed["events"].remove(victim)
    report = recompute(removed)
    assert not report.ok and any(f"stream {victim['stream']}: versions" in p for p in report.problems)

    forged = copy.deepcopy(bundle)
    ordered = sorted(forged["events"], key=lambda e: e["position"])
    pair = next((a, b) for a, b in zip(ordered, ordered[1:], strict=False)
                if b["position"] == a["position"] + 1)
    pair[1]["prev_hash"] = "f" * 64
    report = recompute(forged)
    assert any(f"event {pair[1]['id']}" in p and "prev_hash" in p for p in report.problems)


def test_a_bundle_of_another_format_is_refused(tmp_path):
    assert recompute({"format": "other"}).ok is False
    assert main([str(tmp_path / "missing.json")]) == 1

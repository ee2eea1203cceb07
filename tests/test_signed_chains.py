"""The issue's attack on the live platform: an assessment event edited in the service's
database while it runs, every later hash and the store head recomputed. Before signed heads
the API served the edited total with no warning and /health said "up"; now verify_chain, the
audit route, the background verifier, /health, the API's header, the board's pages and the
signatures page all report it, naming the broken range. Deleting the service's own signed
heads does not hide it (the publication service's copies), and a forged head is refused.

The real gateway and the four real services, with keys made for the test, on a vhost of
their own; the assessment store on SQLite and on PostgreSQL."""

import contextlib
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from nameko.runners import ServiceRunner
from nameko.standalone.rpc import ClusterRpcProxy
from sqlalchemy import select

from gateway.service import GatewayService
from kernel import clock
from kernel.schema import events as events_table
from kernel.signing import SignedHead, generate_keys
from kernel.store import EventStore
from rules.criteria import load_builtin_sets
from services.accounts.service import AccountsService
from services.assessment.service import AssessmentService
from services.plans.service import PlansService
from services.publication.service import PublicationService
from services.survey.service import SurveyService
from tests.conftest import BROKER_HOST
from tests.gateway.conftest import Platform, gateway_config
from tests.gateway.test_board_live import walk_to_appraised
from tests.support import databases, tampering

pytestmark = pytest.mark.broker
THANH_HOA, DONG_QUANG, YEAR = "38", "16426", 2022
SERVICES = ("assessment", "plans", "publication", "survey", "accounts")
WARNING = "Cảnh báo: dữ liệu có dấu hiệu bị sửa đổi"
ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "artifacts" / "screenshots"


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def signed_platform(folder: Path, assessment_url: str):
    keys = folder / "keys"
    generate_keys(keys, SERVICES)
    vhost = f"tcpl-test-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    amqp_uri = f"amqp://guest:guest@{BROKER_HOST}/{quote(vhost, safe='')}"
    config = gateway_config(amqp_uri)
    config.update(
        RPC_TIMEOUT=15, RETRY_DELAY_MS=200,
        DATABASES={**{name: f"sqlite:///{folder}/{name}.sqlite" for name in SERVICES},
                   "assessment": assessment_url},
        SIGNING_KEY_DIR=str(keys), SIGNING_KEYRING=str(keys),
        SIGNING_MIN_INTERVAL_SECONDS=0.1, CHAIN_SWEEP_INTERVAL_SECONDS=0.5,
        CHAIN_VERIFY_DUTY=1, SIGNED_HEADS_POLL_SECONDS=0.3, CHAIN_STATUS_SECONDS=0.3)
    runner = ServiceRunner(config)
    for service_cls in (GatewayService, AssessmentService, PlansService, PublicationService,
                        SurveyService, AccountsService):
        runner.add_service(service_cls)
    runner.start()
    client = Platform(url="http://" + config["WEB_SERVER_ADDRESS"])
    try:
        with ClusterRpcProxy({"AMQP_URI": amqp_uri}, timeout=60) as proxy:
            yield client, proxy, keys
    finally:
        client.session.close()
        runner.kill()
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(params=["sqlite", "postgresql"])
def platform(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/assessment.sqlite"
        with signed_platform(tmp_path, url) as found:
            yield (*found, url)
    else:
        with databases.fresh_postgres_database() as url, signed_platform(tmp_path, url) as found:
            yield (*found, url)


def wait_until(check, timeout=30.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(interval)


def auditor_token():
    from gateway.auth import issue_token
    from tests.gateway.conftest import JWT_SECRET

    return issue_token(JWT_SECRET, "auditor@test", "auditor", {}, ttl=timedelta(hours=1))


def decided_commune(client, proxy):
    """Đông Quang 2022 through the workflow to a recognition, on the board, every chain ok."""
    criteria_set = load_builtin_sets()[("25-2021", 2)]
    run = walk_to_appraised(proxy.assessment, DONG_QUANG, YEAR, criteria_set)
    run("decide", recognised=True, decision_number="12/QĐ-UBND",
        decision_date=(clock.now().date() - timedelta(days=1)).isoformat())
    assert wait_until(lambda: "12/QĐ-UBND" in client.get(f"/ket-qua/xa/{DONG_QUANG}").text)
    head = proxy.assessment.chain_status()["head_position"]

    def settled():
        states = client.get("/api/v1/units/provinces").headers.get("X-Chain-Verification")
        copies = proxy.publication.chain_status()["copies"]["assessment"]
        return (states == "ok" and copies["latest"] is not None
                and copies["latest"]["position"] >= head and copies["status"] == "ok")

    assert wait_until(settled), proxy.publication.chain_status()
    return head


def appraised_position(url: str) -> int:
    store = EventStore(url, "assessment")
    try:
        with store.reader.connect() as conn:
            return conn.execute(select(events_table.c.position).where(
                events_table.c.type == "IndicatorAppraised").order_by(events_table.c.position)
                .limit(1)).scalar_one()
    finally:
        store.dispose()


def test_an_edit_with_every_hash_recomputed_is_reported_everywhere(platform):
    client, proxy, keys, url = platform
    head = decided_commune(client, proxy)
    assert client.get("/health").json()["services"]["assessment"]["chain"]["status"] == "ok"
    page = client.get(f"/ket-qua/tinh/{THANH_HOA}/{YEAR}")
    assert page.status_code == 200 and WARNING not in page.text

    # -- the attack: points of one indicator changed, every later hash and the head recomputed
    edited = appraised_position(url)
    store = EventStore(url, "assessment")
    tampering.edit(store.engine, edited, {"indicator_id": "C1.I1", "points": "0.00",
                                          "reason": "sửa"})
    store.dispose()

    # verify_chain names the range between the last head that matches and the first that does not
    report = proxy.assessment.verify_chain()
    assert report["ok"] is False
    ranges = [(p["from_position"], p["to_position"]) for p in report["broken"]
              if p["kind"] == "signed_head"]
    assert ranges and ranges[0][0] <= edited <= ranges[0][1] <= head
    assert not any(p["kind"] in ("edited", "link") for p in report["broken"])  # rehashed: whole

    # the audit route, with the publication's copies
    chains = client.get("/api/v1/audit/chains", auditor_token()).json()
    assert chains["ok"] is False
    [broken] = [b for b in chains["broken"] if b["source"] == "assessment"]
    assert broken["first_broken"]["kind"] == "signed_head"
    assert any(p["from_position"] <= edited <= p["to_position"] for p in broken["places"])
    assert chains["services"]["assessment"]["copies_checked"] >= 1
    assert all(chains["services"][s]["ok"] for s in ("plans", "publication", "survey"))

    # the background verifier, /health, the API header
    status = wait_until(lambda: (s := proxy.assessment.chain_status())["status"] == "failed" and s)
    assert status and status["broken"][0]["kind"] in ("signed_head", "store_head")
    # (a requests Response is false when its status is 4xx or 5xx: wait for the body instead)
    health = wait_until(lambda: (h := client.get("/health")).status_code == 503 and h.json())
    assert health, "/health never answered 503"
    assessment = health["services"]["assessment"]
    assert assessment["status"] == "degraded" and assessment["chain"]["status"] == "failed"
    answer = wait_until(lambda: (a := client.get("/api/v1/units/provinces")).headers[
        "X-Chain-Verification"] == "failed" and a)
    assert "assessment=failed" in answer.headers["X-Chain-Verification-Detail"]
    assert "plans=ok" in answer.headers["X-Chain-Verification-Detail"]

    # every board page warns, kept pages included; the signatures page names the range
    for path in (f"/ket-qua/tinh/{THANH_HOA}/{YEAR}", f"/ket-qua/xa/{DONG_QUANG}", "/ket-qua",
                 f"/ket-qua/toan-quoc/{YEAR}"):
        shown = client.get(path)
        assert shown.status_code == 200 and WARNING in shown.text, path
        assert shown.headers["X-Chain-Verification"] == "failed"
    signatures = client.get("/ket-qua/chu-ky")
    assert signatures.status_code == 200 and 'data-source="assessment" data-state="failed"' in signatures.text
    assert "Vị trí sai lệch" in signatures.text

    # the service's own signed heads deleted: the publication's copies still contradict the log
    store = EventStore(url, "assessment")
    tampering.delete_signed_heads(store.engine)
    store.dispose()
    assert proxy.assessment.verify_chain()["ok"] is True  # nothing left here to say otherwise
    chains = client.get("/api/v1/audit/chains", auditor_token()).json()
    assert chains["services"]["assessment"]["ok"] is False
    assert chains["services"]["assessment"]["first_broken"]["kind"] == "signed_head"
    check = wait_until(lambda: (c := proxy.publication.chain_status()["copies"]["assessment"])[
        "status"] == "failed" and c)
    assert check and "changed after it was signed" in check["broken"][0]["reason"]


def test_a_forged_head_is_refused_by_the_copier_and_shown(platform):
    client, proxy, keys, url = platform
    decided_commune(client, proxy)
    store = EventStore(url, "assessment")
    genuine = store.latest_signed_heads(1)[0]
    forged = SignedHead(source="assessment", position=genuine.position + 1000,
                        head_hash="ab" * 32, merkle_root="cd" * 32,
                        signed_at=clock.now().isoformat(timespec="microseconds"),
                        key_id=genuine.key_id, signature=genuine.signature)
    tampering.insert_signed_head(store.engine, forged, genuine.frontier)
    store.dispose()

    def refused():
        entry = next(s for s in proxy.publication.signed_heads()["sources"]
                     if s["source"] == "assessment")
        return entry if entry["refused_count"] else None

    entry = wait_until(refused)
    assert entry and "does not verify" in entry["refused"][0]["reason"]
    assert all(h["position"] != forged.position for h in entry["heads"])  # never kept
    page = client.get("/ket-qua/chu-ky")
    assert "1 chữ ký bị từ chối" in page.text
    # the assessment's own verifier reports the forged row in its table, and the board warns
    assert wait_until(lambda: proxy.assessment.chain_status()["status"] == "failed")
    assert any(p["kind"] == "signature" for p in proxy.assessment.verify_chain()["broken"])
    exported = wait_until(lambda: (e := client.get("/ket-qua/chu-ky.json").json())[
        "services"]["assessment"] == "failed" and len({r["source"] for r in e["rows"]}) == 2 and e)
    assert exported, "the gateway never heard of the failure"
    # (plans and survey have empty logs here: nothing to sign)
    assert {row["source"] for row in exported["rows"]} == {"assessment", "publication"}
    assert all(row["verified"] for row in exported["rows"])
    assert {k["source"] for k in exported["keys"]} == set(SERVICES)


@pytest.mark.browser
def test_the_warning_in_chromium(platform):
    client, proxy, keys, url = platform
    decided_commune(client, proxy)
    store = EventStore(url, "assessment")
    tampering.edit(store.engine, appraised_position(url), {"points": "0.00"})
    store.dispose()
    assert wait_until(lambda: WARNING in client.get(f"/ket-qua/tinh/{THANH_HOA}/{YEAR}").text)
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("Debian's chromium is missing: run scripts/ensure-chromium.sh")
    script = ROOT / "tests" / "gateway" / "browser_chain_warning.py"
    completed = subprocess.run(
        [sys.executable, str(script), client.url, f"/ket-qua/tinh/{THANH_HOA}/{YEAR}", str(SHOTS)],
        capture_output=True, text=True, timeout=240)
    assert completed.returncode == 0, completed.stderr[-3000:]
    import json

    seen = json.loads(completed.stdout.strip().splitlines()[-1])
    assert seen["errors"] == []
    for width in ("desktop", "phone"):
        shown = seen[width]
        assert shown["visible"] and shown["role"] == "alert"
        assert shown["heading"] == WARNING
        assert shown["above_content"], "the warning comes before the numbers"
        assert shown["link"] == "/ket-qua/chu-ky" and shown["overflow"] <= 0
        assert shown["signatures_state"] == "failed"

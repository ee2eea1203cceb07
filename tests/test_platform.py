"""`make run` on this machine: every service and the gateway start, /health reports them up,
and the demo data travels the whole path (gateway → RPC → store with the actor → relay); a
second `make run` over the same var dir starts again and loads nothing twice."""

import json
import os
import socket
import stat
import subprocess
import time
import uuid
from urllib.parse import unquote, urlsplit

import pytest
import requests

from gateway.auth import DEFAULT_SECRET, principal_from_token
from kernel.errors import Unauthorised
from kernel.store import EventStore

pytestmark = [pytest.mark.broker, pytest.mark.slow]

SERVICES = {"assessment", "plans", "publication", "survey", "accounts"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def platform(amqp_uri, tmp_path):
    port = free_port()
    # Broker users are global to the broker: names of the test's own, deleted afterwards.
    prefix = f"tcpl-t{uuid.uuid4().hex[:8]}-"
    env = dict(os.environ, AMQP_URI=amqp_uri, TCPL_PORT=str(port), TCPL_VAR_DIR=str(tmp_path),
               TCPL_BROKER_USER_PREFIX=prefix)
    env.pop("TCPL_JWT_SECRET", None)  # make run makes one
    for name in SERVICES:
        env.pop(f"{name.upper()}_DB_URL", None)
    started = subprocess.run(["make", "run"], env=env, capture_output=True, text=True, timeout=600)
    yield started, port, tmp_path, prefix, unquote(urlsplit(amqp_uri).path[1:]), env
    subprocess.run(["make", "stop"], env=env, capture_output=True, timeout=120)
    for process in (*SERVICES, "gateway"):
        subprocess.run(["rabbitmqctl", "-q", "delete_user", f"{prefix}{process}"],
                       capture_output=True, timeout=60)


def test_make_run_starts_the_platform_with_demo_data(platform):
    started, port, var, prefix, vhost, env = platform
    assert started.returncode == 0, started.stdout[-3000:] + started.stderr[-3000:]
    # Each process is connected as its own broker user (scripts/broker_users.py).
    connected = subprocess.run(["rabbitmqctl", "-q", "list_connections", "user", "vhost"],
                               capture_output=True, text=True, timeout=60).stdout
    users = {line.split("\t")[0] for line in connected.splitlines()
             if line.split("\t")[-1] == vhost}
    assert {f"{prefix}{p}" for p in (*SERVICES, "gateway")} <= users, users
    assert stat.S_IMODE((var / "broker-passwords.json").stat().st_mode) == 0o600
    assert f"http://127.0.0.1:{port}/docs" in started.stdout
    assert f"http://127.0.0.1:{port}/health" in started.stdout

    health = requests.get(f"http://127.0.0.1:{port}/health", timeout=10)
    assert health.status_code == 200, health.text
    report = health.json()
    assert report["status"] == "up"
    assert set(report["services"]) == SERVICES
    assert all(s["status"] == "up" and s["database"]["ok"] for s in report["services"].values())

    tokens = [json.loads(line) for line in (var / "demo-tokens.jsonl").read_text().splitlines()]
    admin = next(t for t in tokens if t["role"] == "administrator")
    # signed with a secret of this var dir's own, readable by its owner only, not a public one
    secret_file = var / "jwt-secret"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    secret = secret_file.read_text().strip()
    assert len(secret) >= 32 and principal_from_token(admin["token"], secret).role == "administrator"
    with pytest.raises(Unauthorised):
        principal_from_token(admin["token"], DEFAULT_SECRET)
    store = EventStore(f"sqlite:///{var}/assessment.sqlite", "assessment")
    events = store.read_all(limit=10000)
    levels = [e for e in events if e.type == "ReviewingLevelSet"]
    assert len(levels) == 6
    assert {(e.metadata["actor"], e.metadata["role"]) for e in levels} == {(admin["sub"], "administrator")}
    # the demo years: each step recorded with the official who took it
    decisions = [e for e in events if e.type == "RecognitionDecided"]
    assert {e.metadata["role"] for e in decisions} == {"chairman"}
    assert {e.metadata["role"] for e in events if e.type == "FiguresRecorded"} == {"commune_officer"}
    assert [d.data["recognised"] for d in decisions if d.data["year"] == 2022] == [True, False, False]
    assert [d.data["recognised"] for d in decisions if d.data["year"] == 2026] == [True]
    opened_2026 = {e.data["commune_code"] for e in events
                   if e.type == "AssessmentOpened" and e.data["year"] == 2026}
    assert len(opened_2026) == 5
    assert store.verify_chain().ok
    deadline = time.monotonic() + 30
    while store.outbox_size() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert store.outbox_size() == 0  # the relay published every event, confirmed

    reviewed = requests.get(f"http://127.0.0.1:{port}/api/v1/provinces/38/reviewing-levels/2022",
                            headers={"Authorization": f"Bearer {admin['token']}"}, timeout=10)
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["level"] == "district" and reviewed.json()["source"] == "configured"

    # Again, over the same var dir: the platform restarts, finds the demo data and keeps it.
    again = subprocess.run(["make", "run"], env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "demo data: 0 writes (everything was already loaded)" in again.stdout, again.stdout
    assert requests.get(f"http://127.0.0.1:{port}/health", timeout=10).json()["status"] == "up"
    assert [(e.id, e.hash) for e in store.read_all(limit=10000)] == [(e.id, e.hash) for e in events]
    assert store.verify_chain().ok
    store.dispose()

    # demo accounts, one per role, with the workspace's address (scripts/demo_accounts.py)
    assert f"http://127.0.0.1:{port}/can-bo/" in started.stdout
    listed = var / "demo-accounts.jsonl"
    assert stat.S_IMODE(listed.stat().st_mode) == 0o600
    accounts = [json.loads(line) for line in listed.read_text().splitlines()]
    assert {a["role"] for a in accounts} == {
        "commune_officer", "justice_officer", "council_secretary", "chairman", "agency_officer",
        "auditor", "administrator"}
    officer = next(a for a in accounts if a["username"] == "congchuc.dongquang")
    assert officer["jurisdiction"] == {"province": "38", "district": "405", "commune": "16426"}
    browser = requests.Session()
    form = browser.get(f"http://127.0.0.1:{port}/can-bo/dang-nhap", timeout=10)
    token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    home = browser.post(f"http://127.0.0.1:{port}/can-bo/dang-nhap", timeout=30, data={
        "csrf_token": token, "username": officer["username"], "password": officer["password"]})
    assert home.status_code == 200 and "Xin chào" in home.text

"""Bulkheads and circuit breakers (gateway/bulkheads.py).

First the rules, with a clock of our own; then issue 14's failure on the real broker: the
publication service hung (a process of its own, SIGSTOPped: its queue exists, nobody answers),
50 board requests at once, and routes that need no service or another service still answer
in under 200 ms; kept board pages are served with a notice; when publication comes back the
breaker closes and the pages are fresh again.
"""

import json
import os
import signal
import statistics
import subprocess
import sys
import time

import eventlet
import pytest
import requests

from gateway.bulkheads import (
    CLOSED,
    DEFAULT_FAILURES,
    HALF_OPEN,
    OPEN,
    Bulkhead,
    CircuitBreaker,
    CircuitOpen,
    ServiceBusy,
    ServiceGuard,
    guards_from,
    worker_pool_size,
)
from gateway.schemas import BACKING_SERVICES
from tests.gateway import peers
from tests.gateway.conftest import RPC_TIMEOUT, start_gateway
from tests.gateway.test_board_pages import BA_DINH, DONG_QUANG, LAI_UYEN
from tests.support.processes import ROOT, ServiceProcess


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


# -- the rules ---------------------------------------------------------------------------------
def test_a_full_bulkhead_refuses_the_next_request_at_once():
    bulkhead = Bulkhead("publication", 2)
    bulkhead.enter()
    bulkhead.enter()
    with pytest.raises(ServiceBusy) as refused:
        bulkhead.enter()
    assert refused.value.http_status == 503 and refused.value.code == "service_unavailable"
    assert refused.value.retry_after == 1
    assert refused.value.details == {"service": "publication", "reason": "too_many_calls",
                                     "retry_after": 1}
    assert "Dịch vụ publication đang bận" in refused.value.message
    bulkhead.leave()
    bulkhead.enter()  # a place freed: taken at once
    assert (bulkhead.in_flight, bulkhead.rejected) == (2, 1)


def test_the_breaker_opens_after_consecutive_failures_only():
    breaker = CircuitBreaker("plans", failures=3, cooldown=5, clock=Clock())
    for _ in range(2):
        assert breaker.admit() is False
        breaker.record(False)
    breaker.record(True)  # an answer (even an error the service raised) starts the count again
    for _ in range(2):
        breaker.record(False)
    assert breaker.state == CLOSED
    breaker.record(None)  # a call cut short tells nothing
    assert breaker.state == CLOSED
    breaker.record(False)
    assert breaker.state == OPEN and breaker.times_opened == 1


def test_an_open_breaker_fails_fast_then_lets_one_probe_through():
    clock = Clock()
    breaker = CircuitBreaker("publication", failures=1, cooldown=5, clock=clock)
    breaker.record(False)
    clock.now += 1.2
    with pytest.raises(CircuitOpen) as refused:
        breaker.admit()
    assert refused.value.retry_after == 4  # whole seconds left of the cool-down, rounded up
    assert refused.value.details == {"service": "publication", "reason": "circuit_open",
                                     "retry_after": 4}
    clock.now += 4
    assert breaker.admit() is True  # the probe
    assert breaker.state == HALF_OPEN
    with pytest.raises(CircuitOpen) as meanwhile:  # one probe at a time
        breaker.admit()
    assert meanwhile.value.retry_after == 1
    breaker.record(True, probe=True)
    assert breaker.state == CLOSED and breaker.admit() is False


def test_a_failed_probe_opens_it_again_for_a_new_cooldown():
    clock = Clock()
    breaker = CircuitBreaker("publication", failures=2, cooldown=5, clock=clock)
    breaker.record(False)
    breaker.record(False)
    clock.now += 5
    assert breaker.admit() is True
    breaker.record(False, probe=True)
    assert breaker.state == OPEN and breaker.times_opened == 2
    assert breaker.retry_after() == 5
    clock.now += 5
    assert breaker.admit() is True
    breaker.record(None, probe=True)  # the probe's request was cut short: another may probe
    assert breaker.admit() is True


def test_late_outcomes_of_calls_sent_before_it_opened():
    clock = Clock()
    breaker = CircuitBreaker("publication", failures=2, cooldown=5, clock=clock)
    breaker.record(False)
    breaker.record(False)
    opened_at = breaker.opened_at
    clock.now += 2
    breaker.record(False)  # a call sent before it opened: the cool-down does not restart
    assert breaker.opened_at == opened_at and breaker.times_opened == 1
    breaker.record(True)  # an answer after all: the service answers, so it closes
    assert breaker.state == CLOSED


def test_the_health_report_of_a_guard():
    clock = Clock()
    guard = ServiceGuard(Bulkhead("publication", 16),
                         CircuitBreaker("publication", failures=1, cooldown=5, clock=clock))
    guard.bulkhead.enter()
    guard.breaker.record(False)
    assert guard.report() == {"breaker": "open", "consecutive_failures": 1, "times_opened": 1,
                              "in_flight": 1, "limit": 16, "rejected": 0, "retry_after": 5}
    clock.now += 5
    assert guard.report()["breaker"] == "half_open" and "retry_after" not in guard.report()


def test_the_gateway_has_workers_for_every_bulkhead_full_and_spare_ones():
    guards = guards_from({"BULKHEAD_CALLS": {"survey": 40}, "BREAKER_FAILURES": 2,
                          "BREAKER_COOLDOWN_SECONDS": 3}, BACKING_SERVICES)
    assert {name: g.bulkhead.limit for name, g in guards.items()} == {
        "assessment": 16, "plans": 16, "publication": 16, "survey": 40, "accounts": 32}
    assert guards["plans"].breaker.failures == 2 and guards["plans"].breaker.cooldown == 3
    assert worker_pool_size(guards, spare=10) == 16 * 3 + 40 + 32 + 10
    with pytest.raises(ValueError):
        guards_from({"BULKHEAD_CALLS": {"plans": -1}}, BACKING_SERVICES)


# -- issue 14: publication hung, the board and everything else under load ----------------------
KEPT_PAGES = (f"/ket-qua/xa/{DONG_QUANG}", f"/ket-qua/xa/{BA_DINH}", "/ket-qua/tinh/01/2024",
              "/ket-qua/toan-quoc/2024", "/ket-qua", f"/ket-qua/xa/{DONG_QUANG}.csv?list=nam")
NEVER_KEPT = f"/ket-qua/xa/{LAI_UYEN}"  # first asked for during the outage
BOARD_CLIENTS = 50
THINK_SECONDS = 0.25  # between one client's requests: 50 at once, ~200 a second in all
COOLDOWN = 1.0
NOTICE = "Dữ liệu có thể chưa được cập nhật"  # the notice on a page served stale


@pytest.fixture
def hung_publication(own_amqp_uri, tmp_path):
    """The fixture publication service as a process; the test SIGSTOPs it."""
    process = ServiceProcess("tests.gateway.publication_process:FixturePublication",
                             "publication", {"AMQP_URI": own_amqp_uri},
                             tmp_path / "publication.log").start()
    try:
        process.wait_ready()
        yield process
    finally:
        process.process.send_signal(signal.SIGCONT)
        process.stop()


def wait_until(check, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        eventlet.sleep(0.05)
    return check()


def timed_get(session, url, **kwargs):
    started = time.monotonic()
    response = session.get(url, timeout=30, **kwargs)
    return response, time.monotonic() - started


def board_readers(url, seconds, output):
    """BOARD_CLIENTS readers of the board in a process of their own (tests/gateway/board_load.py),
    writing what they got to ``output``."""
    paths = [(*KEPT_PAGES, NEVER_KEPT)[n % (len(KEPT_PAGES) + 1)] for n in range(BOARD_CLIENTS)]
    return subprocess.Popen(
        [sys.executable, "-m", "tests.gateway.board_load", url, str(seconds),
         str(THINK_SECONDS), *paths], cwd=ROOT, stdout=output,
        env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.mark.broker
def test_a_hung_publication_service_takes_nothing_from_the_other_routes(
        own_amqp_uri, hung_publication, token, tmp_path):
    runner, client = start_gateway(own_amqp_uri, peers.AssessmentPeer, peers.PlansPeer,
                                   peers.SurveyPeer, BOARD_CACHE_POLL_SECONDS=0.05,
                                   BREAKER_COOLDOWN_SECONDS=COOLDOWN)
    try:
        for page in KEPT_PAGES:
            assert wait_until(lambda p=page: client.get(p).headers.get("X-Cache") == "hit"), page
        admin = {"Authorization": f"Bearer {token('administrator')}"}
        unrelated = (client.url + "/api/v1/units/provinces/01",
                     client.url + "/api/v1/provinces/01/reviewing-levels/2024")

        hung_publication.process.send_signal(signal.SIGSTOP)
        # Long enough for the first board requests to reach the deadline (RPC_TIMEOUT), the
        # breaker to open, and probes after its cool-down.
        output = tmp_path / "board-readers.jsonl"
        with output.open("w") as out:
            readers = board_readers(client.url, 2 * RPC_TIMEOUT + 2 * COOLDOWN, out)
        latencies = []
        with requests.Session() as session:
            while readers.poll() is None:
                for url in unrelated:
                    response, seconds = timed_get(session, url, headers=admin)
                    assert response.status_code == 200, response.text
                    latencies.append(seconds)
                eventlet.sleep(0.05)
            health = session.get(client.url + "/health", timeout=30)
        assert readers.wait() == 0
        board = [json.loads(line) for line in output.read_text().splitlines()]

        # Routes that need no service, and another service, never waited for a worker. (The
        # bound is the 200 ms; on a machine whose other tests take its CPU, one
        # request in a hundred may be slowed by that, never by a deadline: before the
        # bulkheads, they waited seconds, one deadline per wave of board requests.)
        latencies.sort()
        p95, p99 = (latencies[int(q * (len(latencies) - 1))] for q in (0.95, 0.99))
        print(f"\nunrelated routes under the outage: {len(latencies)} requests, "
              f"p50 {statistics.median(latencies) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
              f"p99 {p99 * 1000:.1f} ms, max {latencies[-1] * 1000:.1f} ms; "
              f"{len(board)} board requests")
        assert p95 < 0.2, f"95 % of the unrelated requests took up to {p95:.3f} s"
        assert latencies[-1] < RPC_TIMEOUT / 2, f"one waited {latencies[-1]:.3f} s"
        assert board and all(status for _, status, *_ in board)  # every board request answered

        # Kept pages were served throughout, saying they may be out of date.
        kept = [(path, status, headers, notice) for path, status, _, headers, notice, _ in board
                if path != NEVER_KEPT]
        assert kept and all(status == 200 for _, status, _, _ in kept)
        stale = [(path, headers, notice) for path, _, headers, notice in kept
                 if headers["X-Cache"] == "stale"]
        assert {path for path, _, _ in stale} == set(KEPT_PAGES)
        for path, headers, notice in stale:
            assert headers["X-Stale-Since"] and headers["ETag"] is None
            assert notice == headers["Content-Type"].startswith("text/html"), path
        # A page nobody kept: the 503 page, and at once (Retry-After) once the breaker opened.
        never = [(status, headers, unavailable_page)
                 for path, status, _, headers, _, unavailable_page in board if path == NEVER_KEPT]
        assert never and all(status == 503 and page for status, _, page in never)
        assert any(headers["Retry-After"] for _, headers, _ in never)
        # Only the bulkhead's worth of requests waited for the deadline: those in it, those
        # that took a place freed by one of the first failures before enough of them opened
        # the breaker, and one probe each time it half-opened.
        report = health.json()
        publication = report["gateway"]["services"]["publication"]
        slow = sum(1 for _, _, seconds, *_ in board if seconds >= 0.9 * RPC_TIMEOUT)
        assert slow <= (publication["limit"] + DEFAULT_FAILURES - 1
                        + publication["times_opened"]), slow
        assert publication["in_flight"] <= publication["limit"]
        assert publication["breaker"] in (OPEN, HALF_OPEN)
        assert report["gateway"]["board"]["status"] == "stale"
        assert report["gateway"]["board"]["served_stale"] > 0
        assert report["status"] == "degraded" and health.status_code == 503
        assert report["gateway"]["services"]["assessment"]["breaker"] == CLOSED

        # Publication comes back: the breaker closes, the pages are fresh again.
        hung_publication.process.send_signal(signal.SIGCONT)
        fresh = wait_until(lambda: (r := client.get(NEVER_KEPT)).status_code == 200 and r)
        assert fresh and "X-Stale-Since" not in fresh.headers and NOTICE not in fresh.text
        assert wait_until(lambda: client.get("/health").json()["gateway"]["services"]
                          ["publication"]["breaker"] == CLOSED)
        for path in KEPT_PAGES:
            assert wait_until(lambda p=path: client.get(p).headers.get("X-Cache") == "hit"), path
            page = client.get(path)
            assert NOTICE not in page.text and "X-Stale-Since" not in page.headers
        assert wait_until(lambda: client.get("/health").json()["gateway"]["board"]["status"]
                          == "fresh")
    finally:
        client.session.close()
        runner.kill()

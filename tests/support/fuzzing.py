"""Schemathesis against a running platform, the way tests/test_fuzz.py and `make fuzz` run it.

The command-line tool runs in its own process (it makes its own threads; the platform lives in
this eventlet-patched one) over HTTP, as any client would. Every operation is called with a
token of a role it allows: an administrator's where administrators may, else the role's own,
for Phường Ba Đình (00004) in Hà Nội (01), the unit the OpenAPI examples name. The data the
examples point at exists first (``seed``), so that those requests reach the services' rules
instead of stopping at 404. The kiosk operations carry a registered kiosk's device token.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

from gateway.auth import issue_token
from gateway.http import AUTHENTICATED
from gateway.openapi import routes
from gateway.service import GatewayService
from kernel import clock
from tests.gateway.conftest import JWT_SECRET

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
HOOKS = Path(__file__).with_name("fuzz_hooks.py")
BA_DINH, HANOI = "00004", "01"
JURISDICTIONS = {
    "commune_officer": {"province": HANOI, "commune": BA_DINH},
    "justice_officer": {"province": HANOI},
    "council_secretary": {"province": HANOI},
    "chairman": {"province": HANOI},
}
# positive_data_acceptance is left out: the schemas state the shape of a request, not every
# rule of the domain (a district cannot review a 2025 assessment; a plan needs a task that can
# be read), so a request that fits the schema may rightly be refused with 400 or 409.
EXCLUDED_CHECKS = ("positive_data_acceptance",)
# What refuses a request that breaks its schema: schemathesis's list, without 5xx (a server
# error is never a refusal), with 413 (a body over 1 MiB) and 414 (a URL over 8 KiB).
REFUSALS = ["400", "401", "403", "404", "405", "406", "409", "413", "414", "415", "422", "428",
            "429"]


# /health answers 503 to say a part of the platform is degraded (a chain not yet signed, a
# service away): a report of the platform's state, documented, not a reaction to the request.
HEALTH, HEALTH_STATUSES = "GET /health", ["2xx", "3xx", "4xx", "503"]

# Schemathesis's examples phase calls an operation once with every value it captured from
# earlier answers (unbounded by max-examples). For one commune by its code that is every
# commune code of every province's list, old years' included: over 4,000 lookups of one table,
# two fifths of the suite's run. Its coverage and fuzzing phases still call it, with captured
# codes among the generated ones.
POOL_LEFT_OUT_OF_EXAMPLES = ("get_commune",)


def token(role: str) -> str:
    return issue_token(JWT_SECRET, f"{role}@fuzz", role, JURISDICTIONS.get(role, {}),
                       ttl=timedelta(hours=12))


def role_for(roles: tuple[str, ...] | None) -> str | None:
    if roles is None:
        return None
    if roles == AUTHENTICATED or "administrator" in roles:
        return "administrator"
    return roles[0]


def roles_by_operation() -> dict[str, str | None]:
    """operationId → the role its token has (None: the operation reads no bearer token)."""
    return {handler.__name__: role_for(handler.endpoint_spec.roles)
            for _, _, handler in routes(GatewayService)}


def seed(client) -> str:
    """What the OpenAPI examples name: Ba Đình's 2025 assessment and survey campaign, and a
    kiosk there, each made with the token the fuzz run gives its operation. Returns the kiosk's
    device token."""
    roles = roles_by_operation()
    today = clock.now().date()
    answers = [
        client.request("POST", f"/api/v1/communes/{BA_DINH}/assessments/2025",
                       token(roles["open_assessment"])),
        client.request("POST", "/api/v1/survey/campaigns", token(roles["open_campaign"]), json={
            "commune_code": BA_DINH, "period": "2025", "target_sample": 40,
            "opens_on": (today - timedelta(days=1)).isoformat(),
            "closes_on": (today + timedelta(days=60)).isoformat()}),
        # the account the examples name, and the fuzz run's administrator's own (its JWT's
        # subject), so that the own-account operations reach the accounts service
        client.request("POST", "/api/v1/accounts", token(roles["create_account"]), json={
            "username": "congchuc.badinh", "display_name": "Công chức Ba Đình",
            "role": "commune_officer", "jurisdiction": {"province": HANOI, "commune": BA_DINH}}),
        client.request("POST", "/api/v1/accounts", token(roles["create_account"]), json={
            "username": "administrator@fuzz", "display_name": "Quản trị viên thử",
            "role": "administrator"}),
        client.request("POST", "/api/v1/survey/kiosks", token(roles["register_kiosk"]),
                       json={"commune_code": BA_DINH, "label": "Quầy một cửa số 1"}),
    ]
    for answer in answers:
        if answer.status_code not in (200, 201):
            raise RuntimeError(f"seeding the fuzz run failed: {answer.status_code} {answer.text}")
    return answers[-1].json()["token"]


def authorizations(kiosk_token: str) -> dict[str, str]:
    """operationId → the Authorization header its requests carry (none for public ones)."""
    headers = {}
    for operation_id, role in sorted(roles_by_operation().items()):
        if role is not None:
            headers[operation_id] = f"Bearer {token(role)}"
        elif operation_id.startswith(("kiosk_", "submit_kiosk_")):
            headers[operation_id] = f"Kiosk {kiosk_token}"
    return headers


def config_toml(kiosk_token: str, seed_value: int | None, max_examples: int, workers: int) -> str:
    """schemathesis.toml for the run (written by hand: the standard library reads TOML only).
    Without a seed the run is deterministic: the same cases every time."""
    lines = [f"workers = {workers}", f"hooks = {json.dumps(str(HOOKS))}",
             "[cache]", "enabled = false"]
    if seed_value is not None:
        lines.insert(0, f"seed = {seed_value}")
    lines += ["[generation]", f"max-examples = {max_examples}",
              f"deterministic = {'true' if seed_value is None else 'false'}",
              "[checks.negative_data_rejection]",
              f"expected-statuses = {json.dumps(REFUSALS)}"]
    for operation_id, header in authorizations(kiosk_token).items():
        lines += ["[[operations]]", f"include-operation-id = {json.dumps(operation_id)}",
                  f"headers = {{ Authorization = {json.dumps(header)} }}"]
    lines += ["[[operations]]", 'include-operation-id = "get_health"',
              f"checks.not_a_server_error.expected-statuses = {json.dumps(HEALTH_STATUSES)}"]
    for operation_id in POOL_LEFT_OUT_OF_EXAMPLES:
        lines += ["[[operations]]", f"include-operation-id = {json.dumps(operation_id)}",
                  "phases.examples.extra-data-sources.responses = false"]
    return "\n".join(lines) + "\n"


@dataclass
class FuzzReport:
    """The figures of one run, as artifacts/fuzz/*.json and docs/gateway.md give them."""

    seed: int | None
    max_examples: int
    operations: int
    operations_tested: int
    test_cases: int
    calls: int
    calls_by_status: dict[str, int]
    calls_by_operation: dict[str, dict[str, int]]
    failures_by_check: dict[str, int]
    failing_operations: dict[str, list[str]]
    errors: list[str]
    phases: dict[str, str]
    seconds: float
    output_tail: str = field(repr=False, default="")

    @property
    def server_errors(self) -> int:
        """5xx answers, but for /health's 503 (a degraded platform, see HEALTH_STATUSES)."""
        return sum(n for operation, statuses in self.calls_by_operation.items()
                   for status, n in statuses.items()
                   if status.startswith("5") and (operation, status) != (HEALTH, "503"))

    def summary(self) -> str:
        return json.dumps({k: v for k, v in asdict(self).items() if k != "output_tail"},
                          ensure_ascii=False, indent=1)


def run(client, out: Path, max_examples: int, seed_value: int | None = None, workers: int = 1,
        timeout: float = 3600) -> FuzzReport:
    """Seed the platform, run schemathesis over every operation, and read its report.

    One worker: with two, Hypothesis describing a lambda in each thread at once trips CPython
    3.11.7's ast.parse (gh-106905, fixed in 3.11.8), and the platform it calls has one core."""
    out.mkdir(parents=True, exist_ok=True)
    kiosk = seed(client)
    config, tally = out / "schemathesis.toml", out / "calls.json"
    config.write_text(config_toml(kiosk, seed_value, max_examples, workers), encoding="utf-8")
    command = [SCHEMATHESIS, "--config-file", str(config), "run", client.url + "/openapi.json",
               "--checks", "all", "--exclude-checks", ",".join(EXCLUDED_CHECKS),
               "--report", "json", "--report-dir", str(out), "--no-color"]
    started = time.monotonic()
    finished = subprocess.run(command, cwd=out, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "PYTHONPATH": str(ROOT),
                                   "TCPL_FUZZ_TALLY": str(tally)})
    seconds = time.monotonic() - started
    output = finished.stdout + finished.stderr
    (out / "output.txt").write_text(output, encoding="utf-8")
    reports = sorted(out.glob("json-*.json"))
    if not reports or not tally.exists():
        raise RuntimeError("schemathesis wrote no report:\n" + output[-5000:])
    report = json.loads(reports[-1].read_text(encoding="utf-8"))
    by_operation = json.loads(tally.read_text(encoding="utf-8"))
    by_status: dict[str, int] = {}
    for statuses in by_operation.values():
        for status, n in statuses.items():
            by_status[status] = by_status.get(status, 0) + n
    return FuzzReport(
        seed=seed_value, max_examples=max_examples,
        operations=report["operations"]["total"], operations_tested=report["operations"]["tested"],
        test_cases=report["test_cases"]["generated"], calls=sum(by_status.values()),
        calls_by_status=dict(sorted(by_status.items())), calls_by_operation=by_operation,
        failures_by_check={f"{f['code']} {f['title']}": f["count"] for f in report["failures"]},
        failing_operations={f"{f['code']} {f['title']}": f["operations"] for f in report["failures"]},
        errors=[f"{e['title']}: {e['count']}" for e in report["errors"]],
        phases={name: phase["status"] for name, phase in report["phases"].items()},
        seconds=round(seconds, 1), output_tail=output[-20000:])


def write(report: FuzzReport, path: Path) -> None:
    """The figures as JSON, and a few lines of Markdown beside them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".json").write_text(report.summary() + "\n", encoding="utf-8")
    failures = ", ".join(f"{name}: {n}" for name, n in report.failures_by_check.items()) or "none"
    mode = "deterministic" if report.seed is None else f"seed {report.seed}"
    path.with_suffix(".md").write_text(
        f"# Fuzz run (schemathesis, {mode}, at most {report.max_examples} examples per "
        "operation and phase)\n\n"
        f"- operations: {report.operations_tested} of {report.operations} tested\n"
        f"- test cases: {report.test_cases}; calls: {report.calls} "
        f"({', '.join(f'{s}: {n}' for s, n in report.calls_by_status.items())})\n"
        f"- failures by check: {failures}\n"
        f"- errors: {', '.join(report.errors) or 'none'}\n"
        f"- phases: {', '.join(f'{p} {s}' for p, s in report.phases.items())}\n"
        f"- time: {report.seconds} s\n", encoding="utf-8")

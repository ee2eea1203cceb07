"""Plans through the real gateway, the real plans service and the real assessment service on a
throwaway vhost: import, review, issue, progress by the leading agency, overdue flags, a task
following a running assessment, and the yearly summary."""

import contextlib
import io
import subprocess
import time
import uuid
from datetime import timedelta
from urllib.parse import quote

import openpyxl
import pytest
from nameko.runners import ServiceRunner

from gateway.auth import issue_token
from gateway.service import GatewayService
from kernel import clock
from services.assessment.service import AssessmentService
from services.plans.service import PlansService
from tests.conftest import BROKER_HOST
from tests.gateway import peers
from tests.gateway.conftest import JWT_SECRET, Platform, gateway_config

pytestmark = pytest.mark.broker

PLANS_OPERATIONS = {
    ("/api/v1/plans", "get"), ("/api/v1/plans", "post"),
    ("/api/v1/plans/{plan_id}", "get"), ("/api/v1/plans/{plan_id}", "patch"),
    ("/api/v1/plans/{plan_id}/review", "post"), ("/api/v1/plans/{plan_id}/issue", "post"),
    ("/api/v1/plans/{plan_id}/tasks/{task}/progress", "post"),
    ("/api/v1/plans/{plan_id}/tasks/{task}/link", "put"),
    ("/api/v1/plans/{plan_id}/summary.xlsx", "get"),
    ("/api/v1/plans/{plan_id}/overdue", "get"),
    ("/api/v1/agencies/{agency_id}/tasks", "get"),
    ("/api/v1/provinces/{province_code}/agencies", "get"),
}
PLANS_SECURED = PLANS_OPERATIONS

THANH_HOA, DONG_SON, DONG_QUANG, YEAR = "38", "405", "16426", 2022
DONG_HOA = "16420"
PLAN_TEXT = """ỦY BAN NHÂN DÂN
HUYỆN ĐÔNG SƠN

KẾ HOẠCH
Xây dựng xã, thị trấn đạt chuẩn tiếp cận pháp luật năm 2022

Thực hiện Quyết định số 25/2021/QĐ-TTg, UBND huyện xây dựng Kế hoạch như sau:

I. MỤC ĐÍCH, YÊU CẦU
Triển khai có hiệu quả.

II. NỘI DUNG

1. Ban hành kế hoạch của huyện.
- Đơn vị chủ trì: Phòng Tư pháp.
- Thời gian thực hiện: Quý I/2022.
- Sản phẩm: Kế hoạch.

2. Tổ chức đánh giá, công nhận xã đạt chuẩn tiếp cận pháp luật.
- Đơn vị chủ trì: UBND cấp huyện.
- Đơn vị phối hợp: UBND cấp xã.
- Thời gian thực hiện: trước ngày 10/02/2023.
- Sản phẩm: Quyết định công nhận.

3. Tuyên truyền trên Báo Thanh Hóa.
- Đơn vị chủ trì: Báo Thanh Hóa.
- Thời gian thực hiện: Năm 2022.
- Sản phẩm: Tin, bài.
"""


def _rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def token(role, province=None, district=None, agency=None):
    return issue_token(JWT_SECRET, f"{role}@test", role,
                       {"province": province, "district": district, "commune": None},
                       ttl=timedelta(hours=1), agency=agency)


JUSTICE = token("justice_officer", THANH_HOA, DONG_SON)
OTHER_JUSTICE = token("justice_officer", "12")
PRESS = token("agency_officer", THANH_HOA, agency="38:bao-thanh-hoa")
LAI_CHAU_PRESS = token("agency_officer", "12", agency="12:bao-lai-chau")
COMMUNE = token("commune_officer", THANH_HOA, DONG_SON, None)
AUDITOR = token("auditor")


@contextlib.contextmanager
def plans_platform(tmp_path):
    vhost = f"tcpl-test-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    config = gateway_config(f"amqp://guest:guest@{BROKER_HOST}/{quote(vhost, safe='')}")
    config.update(RPC_TIMEOUT=15, RETRY_DELAY_MS=200,
                  DATABASES={"assessment": f"sqlite:///{tmp_path}/assessment.sqlite",
                             "plans": f"sqlite:///{tmp_path}/plans.sqlite"})
    runner = ServiceRunner(config)
    for service_cls in (GatewayService, AssessmentService, PlansService, peers.PublicationPeer,
                        peers.SurveyPeer):
        runner.add_service(service_cls)
    runner.start()
    client = Platform(url="http://" + config["WEB_SERVER_ADDRESS"])
    try:
        yield client, config
    finally:
        client.session.close()
        runner.kill()
        _rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with plans_platform(tmp_path_factory.mktemp("plans-api")) as pair:
        yield pair


def send(client, method, path, token_, body=None, **kwargs):
    if body is not None:
        kwargs["json"] = body
    return client.request(method, path, token_, **kwargs)


def rpc(config, method, *args):
    from nameko.standalone.rpc import ClusterRpcProxy
    with ClusterRpcProxy(config, timeout=15) as proxy:
        return getattr(proxy.plans, method)(*args)


def wait_for(check, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def imported_plan(client, token_=JUSTICE):
    answer = send(client, "POST", "/api/v1/plans", token_,
                  {"province_code": THANH_HOA, "district_code": DONG_SON,
                   "file_name": "dong-son-2022.txt", "content": PLAN_TEXT})
    return answer


def issued_plan(client):
    plan = imported_plan(client).json()
    url = f"/api/v1/plans/{plan['plan_id']}"
    assert send(client, "POST", url + "/review", JUSTICE, {"note": "Đã rà soát"}).status_code == 200
    issued = send(client, "POST", url + "/issue", JUSTICE, {"number": "12/KH-UBND",
                                                           "issued_on": "2022-01-05"})
    assert issued.status_code == 200, issued.text
    return issued.json()


def test_import_review_issue_and_roles(api):
    client, _ = api
    assert imported_plan(client, OTHER_JUSTICE).status_code == 403
    assert imported_plan(client, COMMUNE).status_code == 403
    answer = imported_plan(client)
    assert answer.status_code == 201, answer.text
    plan = answer.json()
    assert plan["status"] == "draft" and [t["number"] for t in plan["tasks"]] == ["1", "2", "3"]
    assert plan["review"]["unparsed"] == []
    url = f"/api/v1/plans/{plan['plan_id']}"
    refused = send(client, "POST", url + "/issue", JUSTICE, {"number": "1/KH-UBND"})
    assert refused.status_code == 409  # not reviewed yet
    edited = send(client, "PATCH", url, JUSTICE,
                  {"changes": {"tasks": {"1": {"timeframe": "Quý II/2022"}}},
                   "expected_version": plan["version"]})
    assert edited.status_code == 200 and edited.json()["tasks"][0]["due_dates"] == ["2022-06-30"]
    stale = send(client, "PATCH", url, JUSTICE, {"changes": {"title": "x"},
                                                 "expected_version": plan["version"]})
    assert stale.status_code == 409
    assert send(client, "PATCH", url, OTHER_JUSTICE, {"changes": {"title": "x"}}).status_code == 403
    assert send(client, "GET", url, AUDITOR).status_code == 200
    assert send(client, "GET", url, None).status_code == 401
    listed = send(client, "GET", f"/api/v1/plans?province={THANH_HOA}", COMMUNE).json()["plans"]
    assert plan["plan_id"] in {p["plan_id"] for p in listed}


def test_progress_by_the_leading_agency_and_overdue_flags(api):
    client, config = api
    plan = issued_plan(client)
    url = f"/api/v1/plans/{plan['plan_id']}"
    evidence = {"file_name": "tin-bai.pdf", "sha256": "c" * 64}
    # The press leads task 3 only; an agency of another province leads nothing here.
    assert send(client, "POST", url + "/tasks/1/progress", PRESS,
                {"status": "in_progress", "percent": 10}).status_code == 403
    assert send(client, "POST", url + "/tasks/3/progress", LAI_CHAU_PRESS,
                {"status": "in_progress", "percent": 10}).status_code == 403
    assert send(client, "POST", url + "/tasks/3/progress", PRESS,
                {"status": "in_progress", "percent": 120}).status_code == 400
    reported = send(client, "POST", url + "/tasks/3/progress", PRESS,
                    {"status": "in_progress", "percent": 60, "note": "12 tin bài",
                     "evidence": evidence})
    assert reported.status_code == 200, reported.text
    task = reported.json()["tasks"][2]
    assert (task["status"], task["percent"]) == ("in_progress", 60)
    assert task["last_report"]["evidence"] == evidence
    mine = send(client, "GET", "/api/v1/agencies/38:bao-thanh-hoa/tasks", PRESS).json()["tasks"]
    assert [(t["plan_id"], t["number"]) for t in mine if t["plan_id"] == plan["plan_id"]] == [
        (plan["plan_id"], "3")]
    # Overdue as of any day, read only: task 1 (Quý I/2022) is late from 01/04/2022; on
    # 01/01/2023 task 3 too, at 0% then (its 60% was reported today); task 2 (before
    # 10/02/2023) not yet. Today, task 3 is late at the 60% reported.
    def late(as_of):
        answer = send(client, "GET", url + f"/overdue?as_of={as_of}", COMMUNE)
        assert answer.status_code == 200, answer.text
        return {(r["task"], r["due_date"], r["days_late"], r["percent"]) for r in answer.json()["tasks"]}
    assert late("2022-03-31") == set()
    assert late("2022-07-01") == {("1", "2022-03-31", 92, 0)}
    assert late("2023-01-01") == {("1", "2022-03-31", 276, 0), ("3", "2022-12-31", 1, 0)}
    today = send(client, "GET", url + "/overdue", AUDITOR).json()  # today in Vietnam
    assert today["as_of"] == clock.today().isoformat()
    assert {(r["task"], r["due_date"], r["percent"]) for r in today["tasks"]} == {
        ("1", "2022-03-31", 0), ("2", "2023-02-10", 0), ("3", "2022-12-31", 60)}
    bad = send(client, "GET", url + "/overdue?as_of=01/07/2022", COMMUNE)
    assert bad.status_code == 400 and bad.json()["error"] == "validation_failed"
    assert bad.json()["details"] == {"as_of": ["Không phải một ngày hợp lệ (YYYY-MM-DD)."]}
    assert send(client, "GET", "/api/v1/plans/khong-co/overdue", COMMUNE).status_code == 404
    assert send(client, "GET", url + "/overdue", None).status_code == 401
    # The service's check, with "today" chosen by the test (the @timer runs it with today).
    flagged = rpc(config, "check_overdue", "2022-07-01")
    mine = {(f["task"], f["due_date"]) for f in flagged if f["plan_id"] == plan["plan_id"]}
    assert mine == {("1", "2022-03-31")}
    assert rpc(config, "check_overdue", "2022-07-02") == []  # one flag per task and due date
    later = rpc(config, "check_overdue", "2023-01-01")
    assert {(f["task"], f["due_date"]) for f in later if f["plan_id"] == plan["plan_id"]} == {
        ("3", "2022-12-31")}
    body = send(client, "GET", url, AUDITOR).json()
    assert [f["flagged_on"] for f in body["tasks"][2]["overdue"]] == ["2023-01-01"]
    summary = send(client, "GET", url + "/summary.xlsx?year=2022&kind=tong_ket", COMMUNE)
    assert summary.status_code == 200
    assert summary.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = [[c.value for c in row] for row in openpyxl.load_workbook(
        io.BytesIO(summary.content)).active.iter_rows()]
    assert rows[1][0] == "BÁO CÁO TỔNG KẾT THỰC HIỆN KẾ HOẠCH NĂM 2022"
    press_row = next(r for r in rows if r[0] == "3")
    assert press_row[7] == "Đang thực hiện" and press_row[8] == 60
    assert press_row[11] == "Quá hạn 31/12/2022"


def test_a_linked_task_follows_the_running_assessment(api):
    client, config = api
    plan = issued_plan(client)
    url = f"/api/v1/plans/{plan['plan_id']}"
    linked = send(client, "PUT", url + "/tasks/2/link", JUSTICE,
                  {"province_code": THANH_HOA, "district_code": DONG_SON, "year": YEAR,
                   "measure": "submitted"})
    assert linked.status_code == 200, linked.text
    before = linked.json()["tasks"][1]
    assert before["percent"] == 0 and before["link"]["communes"] > 0
    commune_token = issue_token(JWT_SECRET, "xa@test", "commune_officer",
                                {"province": THANH_HOA, "district": DONG_SON, "commune": DONG_QUANG},
                                ttl=timedelta(hours=1))
    opened = send(client, "POST", f"/api/v1/communes/{DONG_QUANG}/assessments/{YEAR}", commune_token)
    assert opened.status_code == 201, opened.text

    def opened_seen():
        task = send(client, "GET", url, AUDITOR).json()["tasks"][1]
        return task["link"]["counts"]["opened"] == 1 and task

    task = wait_for(opened_seen)
    assert task, "the plans service never saw the assessment being opened"
    assert task["link"]["counts"]["submitted"] == 0
    assert send(client, "POST", url + "/tasks/2/progress", JUSTICE,
                {"status": "in_progress", "percent": 10}).status_code == 409

    # a second commune runs its whole year: the linked task follows it to the decision
    from tests.test_province_cycle import Year

    year = Year(client, YEAR, THANH_HOA, DONG_SON, ("25-2021", 2))
    year.self_assess(DONG_HOA)
    submitted = wait_for(lambda: (lambda t: t["link"]["counts"]["submitted"] == 1 and t)(
        send(client, "GET", url, AUDITOR).json()["tasks"][1]))
    assert submitted, "the plans service never saw the dossier being submitted"
    assert submitted["percent"] == round(100 / submitted["link"]["communes"])
    year.review(DONG_HOA)
    decided = wait_for(lambda: (lambda t: t["link"]["counts"]["decided"] == 1 and t)(
        send(client, "GET", url, AUDITOR).json()["tasks"][1]))
    assert decided, "the plans service never saw the decision"
    assert decided["link"]["counts"]["appraised"] == 1

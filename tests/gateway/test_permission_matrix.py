"""The authorisation matrix: every operation of the gateway called with every role, with tokens
of the right unit, of another commune, another district and another province, with no unit,
expired, and with none, in a district-reviewed year, a province-reviewed year and after the
districts were abolished. Each cell is checked through the real gateway against recording
peers: refused cells answer 401 or 403 with the stable code and reach no service; allowed
cells reach the service.

Which roles each operation takes and which jurisdiction rule applies come from the table
(gateway/permissions.py): that is the data under test. Who passes each rule is written here
again, independently, from the rules as docs/gateway.md states them.
"""

import functools
import re
import uuid
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from gateway.auth import ROLES, issue_token
from gateway.permissions import AUTHENTICATED, PERMISSIONS
from gateway.workspace import sessions
from storage.blobs import LocalBlobStore
from tests.gateway import peers
from tests.gateway.conftest import EVIDENCE_STORE, JWT_SECRET, start_gateway

pytestmark = pytest.mark.broker

NATIONWIDE = {"administrator", "auditor"}
KINDS = ("own_commune", "other_commune", "own_district", "other_district", "own_province",
         "other_province", "no_unit")
KIOSK_ID = "0123456789abcdef0123456789abcdef"
EVIDENCE_SHA = peers.EVIDENCE_FILE["sha256"]
PLAN_ID = "ke-hoach-1"
ACCOUNT_NAME = "congchuc.ma-tran"  # the account the accounts routes and pages act on
TOKEN_ID = "0123456789abcdef"
# Calls the gateway makes to find a request's unit or its reviewing level, before deciding,
# and who a workspace page's session stands for.
LOOKUPS = {"get_kiosk", "get_plan", "get_reviewing_level", "get_account", "authenticate_session"}


@dataclass(frozen=True)
class Situation:
    name: str
    year: int
    province: str
    district: str | None  # the commune's district in the year; None after the districts
    commune: str
    other_commune: str  # same district (or province)
    district_token: str  # the district a district-level token of the commune's side names
    other_district: str  # another district of the province
    other_province: str
    level: str  # the province's reviewing level in the year


# Lai Châu's full legacy data places Bình Lư (03390) and Sin Suối Hồ (03394) in Tam Đường (106)
# in 2022; both are communes of Lai Châu today, so the survey routes take them too.
DISTRICT_YEAR = Situation("lai-chau-2022-district-reviewed", 2022, "12", "106", "03390", "03394",
                          "106", "107", "38", "district")
PROVINCE_YEAR = replace(DISTRICT_YEAR, name="lai-chau-2022-province-reviewed", level="province")
# Since July 2025 there are no districts: a district-level token covers nothing.
NO_DISTRICTS = Situation("ha-noi-2025", 2025, "01", None, "00004", "00070", "001", "002", "12",
                         "province")


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: object = None
    service: type | None = None  # the peer the operation's work reaches
    rpc: str | None = None
    unit: str | None = None  # "commune" (a commune in the year), "today" (today's units), "area"
    files: dict | None = None  # a multipart upload instead of a JSON body
    page: bool = False  # a workspace page: a session cookie, a form, an HTML answer


def page(method, path, form=None, rpc=None):
    """A workspace page: signed in by its session, its form sent as a browser sends it."""
    return Call(method, path, form, peers.AccountsPeer, rpc, "account", page=True)


def commune_page(method, path, form=None, rpc=None):
    """A commune self-assessment page (gateway/routes/workspace_commune.py): its unit is the
    path's commune in the path's year."""
    return Call(method, path, form, peers.AssessmentPeer, rpc, "commune", page=True)


def year_page(s, rest, method="GET", form=None, rpc="get_assessment"):
    """A workspace page of the situation's commune and year (the assessment peer answers)."""
    return Call(method, f"/can-bo/xa/{s.commune}/{s.year}{rest}", form, peers.AssessmentPeer,
                rpc, "commune", page=True)


def review_page(method, path, form=None, rpc=None):
    """A review page: a workspace page over the situation's commune in its year."""
    return Call(method, path, form, peers.AssessmentPeer, rpc, "commune", page=True)
def plan_page(method, path, form=None, rpc=None):
    """A plans page (gateway/routes/workspace_plans.py): its work reaches the plans peer."""
    return Call(method, path, form, peers.PlansPeer, rpc, "area", page=True)


def survey_page(method, path, form=None, rpc=None, unit="commune"):
    """A survey page (gateway/routes/workspace_survey.py): its work reaches the survey peer."""
    return Call(method, path, form, peers.SurveyPeer, rpc, unit, page=True)


# The plan the plans peer holds: enough of one for its pages to show (arrange()).
PEER_TASK = {"number": "1", "title": "Nhiệm vụ", "lead_agencies": [],
             "coordinating_agencies": [], "timeframe": None, "outputs": "", "due_dates": [],
             "status": "not_started", "percent": 0, "overdue": [], "reports": [], "link": None,
             "last_report": None}
PEER_PLAN = {"status": "draft", "version": 1, "title": "Kế hoạch", "source": {},
             "review_notes": [], "tasks": [PEER_TASK],
             "review": {"issues": [], "unparsed": [], "lines_total": 1, "lines_used": 1}}


def account_form(s, **extra) -> dict:
    return {"display_name": "Người mới", "role": "commune_officer", "province": s.province,
            "district": s.district or "", "commune": s.commune, **extra}


# An assessment route's RPC by default: the command it is named for (assessment.decide, …).
OWN_COMMAND = "<the operation's own command>"


def assessment(s, rest, method="POST", body=None, rpc=OWN_COMMAND):
    return Call(method, f"/api/v1/communes/{s.commune}/assessments/{s.year}{rest}", body,
                peers.AssessmentPeer, rpc, "commune")


def campaign_path(s, rest=""):
    return f"/api/v1/survey/campaigns/{s.commune}-{s.year}{rest}"


def kiosk_response(s):
    return {"response_id": str(uuid.uuid4()), "campaign_id": f"{s.commune}-{s.year}",
            "questionnaire_id": "hai-long-tiep-can-phap-luat", "questionnaire_version": 1,
            "answers": {"chung": 5}}


def commune_pages(s: Situation) -> dict:
    year = f"/can-bo/xa/{s.commune}/{s.year}"
    indicator = f"{year}/chi-tieu/C1.I1"
    return {
        "workspace_commune_years": page("GET", "/can-bo/xa"),
        "workspace_commune_year": commune_page("GET", year, None, "get_assessment"),
        "workspace_open_assessment": commune_page("POST", f"{year}/mo", {}, "open_assessment"),
        "workspace_indicator": commune_page("GET", indicator, None, "get_criteria_set"),
        "workspace_record_figures": commune_page("POST", indicator, {
            "fig_assigned": "0", "fig_issued": "0", "khong_phat_sinh": "1"}, "record_figures"),
        "workspace_score_figures": commune_page("POST", f"{indicator}/tinh-diem",
                                                {"fig_assigned": "1"}, "score_figures"),
        "workspace_attach_evidence": replace(
            commune_page("POST", f"{indicator}/minh-chung", {}, "attach_evidence"),
            files={"file": ("ảnh niêm yết.png", peers.EVIDENCE_PNG, "image/png")}),
        "workspace_download_evidence": commune_page(
            "GET", f"{indicator}/minh-chung/{EVIDENCE_SHA}", None, "evidence_file"),
        "workspace_remove_evidence": commune_page(
            "POST", f"{indicator}/minh-chung/{EVIDENCE_SHA}/go", {}, "remove_evidence"),
        "workspace_declarations": commune_page("GET", f"{year}/ke-khai", None, "get_assessment"),
        "workspace_declare": commune_page("POST", f"{year}/ke-khai",
                                          {"dk_no_head_disciplined": "true"}, "declare_conditions"),
        "workspace_summary": commune_page("GET", f"{year}/tong-hop", None, "get_assessment"),
        "workspace_submit_self_assessment": commune_page("POST", f"{year}/hoan-thanh", {},
                                                         "submit_self_assessment"),
        "workspace_reopen_form": commune_page("GET", f"{year}/mo-lai", None, "get_assessment"),
        "workspace_reopen": commune_page("POST", f"{year}/mo-lai", {
            "reason": "Nhập nhầm", "reopened_on": f"{s.year + 1}-01-10"}, "reopen_self_assessment"),
    }


@functools.cache
def recipes(s: Situation) -> dict:
    """A valid request of every operation, acting on the situation's commune and year (made
    once per situation: the matrix asks for it for every cell)."""
    y, day = s.year, f"{s.year + 1}-01-10"
    rollup = f"/api/v1/provinces/{s.province}/assessments"
    query = f"?year={y}" + (f"&district={s.district}" if s.district else "")
    plan = f"/api/v1/plans/{PLAN_ID}"
    A, S, P, Ac = peers.AssessmentPeer, peers.SurveyPeer, peers.PlansPeer, peers.AccountsPeer
    account, own = f"/api/v1/accounts/{ACCOUNT_NAME}", "/can-bo/tai-khoan-cua-toi"
    admin = "/can-bo/quan-ly-tai-khoan"
    review = f"/can-bo/tham-dinh/{s.commune}/{y}"
    # a district's report in the years it has districts, the province's after
    reports = (f"/api/v1/evaluation-reports/{y}/district_to_province/{s.district}" if s.district
               else f"/api/v1/evaluation-reports/{y}/province_to_ministry/{s.province}")
    report_page = "/can-bo/bao-cao-ket-qua" + reports[len("/api/v1/evaluation-reports"):]
    survey = f"/can-bo/khao-sat/dot/{s.commune}-{s.year}"
    found = {
        # public
        "get_health": Call("GET", "/health"),
        "openapi_document": Call("GET", "/openapi.json"),
        "docs_page": Call("GET", "/docs"),
        "docs_asset": Call("GET", "/docs/assets/swagger-ui.css"),
        "list_provinces": Call("GET", "/api/v1/units/provinces"),
        "get_province": Call("GET", f"/api/v1/units/provinces/{s.province}"),
        "list_communes": Call("GET", f"/api/v1/units/provinces/{s.province}/communes"),
        "get_commune": Call("GET", f"/api/v1/units/communes/{s.commune}"),
        "kiosk_page": Call("GET", "/kiosk"),
        "kiosk_asset": Call("GET", "/kiosk/assets/kiosk.js"),
        "kiosk_service_worker": Call("GET", "/kiosk/sw.js"),
        "bench_hello": Call("GET", "/bench/hello"),
        "board_home": Call("GET", "/ket-qua"),
        "board_home_export": Call("GET", "/ket-qua.csv"),
        "board_commune": Call("GET", f"/ket-qua/xa/{s.commune}"),
        "board_province": Call("GET", f"/ket-qua/tinh/{s.province}/{y}"),
        "board_province_bundle": Call("GET", f"/ket-qua/tinh/{s.province}/{y}/du-lieu-kiem-chung.json"),
        "board_national_latest": Call("GET", "/ket-qua/toan-quoc"),
        "board_national": Call("GET", f"/ket-qua/toan-quoc/{y}"),
        "board_asset": Call("GET", "/ket-qua/tai-nguyen/board.css"),
        "board_unknown": Call("GET", "/ket-qua/khong-co-trang-nay"),
        "board_signatures": Call("GET", "/ket-qua/chu-ky"),
        "board_methodology": Call("GET", "/ket-qua/phuong-phap"),
        "board_signatures_export": Call("GET", "/ket-qua/chu-ky.json"),
        # reviewing levels, criteria sets, the event logs
        "get_reviewing_level": Call("GET", f"/api/v1/provinces/{s.province}/reviewing-levels/{y}",
                                    None, A, "get_reviewing_level"),
        "set_reviewing_level": Call("PUT", f"/api/v1/provinces/{s.province}/reviewing-levels/{y}",
                                    {"level": s.level}, A, "set_reviewing_level"),
        "list_events": Call("GET", "/api/v1/events?source=plans", None, P, "events_after"),
        "list_criteria_sets": Call("GET", "/api/v1/criteria-sets", None, A, "list_criteria_sets"),
        "get_criteria_set": Call("GET", "/api/v1/criteria-sets/25-2021", None, A, "get_criteria_set"),
        "get_criteria_set_version": Call("GET", "/api/v1/criteria-sets/25-2021/versions/1", None,
                                         A, "get_criteria_set"),
        "list_pauses": Call("GET", f"/api/v1/evaluation-pauses?year={y}", None, A, "list_pauses"),
        "record_pause": Call("POST", f"/api/v1/evaluation-pauses/{y}", {
            "province_code": s.province, "legal_basis": "Công văn tạm dừng"}, A, "record_pause"),
        "lift_pause": Call("POST", f"/api/v1/evaluation-pauses/{y}/lift", {
            "province_code": s.province, "reason": "Ghi nhầm"}, A, "lift_pause"),
        "publish_criteria_set": Call("POST", "/api/v1/criteria-sets",
                                     {"id": "25-2021", "version": 9}, A, "publish_criteria_set"),
        # a commune's assessment
        "get_assessment": assessment(s, "", "GET", rpc="get_assessment"),
        "get_assessment_events": assessment(s, "/events", "GET", rpc="assessment_events"),
        "form_02": assessment(s, "/forms/02.xlsx", "GET", rpc="assessment_form"),
        "form_07": assessment(s, "/forms/07.xlsx", "GET", rpc="assessment_form"),
        "download_evidence": assessment(s, f"/evidence/C1.I1/{EVIDENCE_SHA}", "GET",
                                        rpc="evidence_file"),
        "open_assessment": assessment(s, "", rpc="open_assessment"),
        "record_figures": assessment(s, "/figures/C1.I1", "PUT", {"figures": {"issued": 1}}),
        "record_indicators_figures": assessment(s, "/figures", "PUT",
                                                {"figures": {"C1.I1": {"issued": 1}}}),
        "declare_conditions": assessment(s, "/declarations", "PUT",
                                         {"declarations": {"no_head_disciplined": True}}),
        "submit_self_assessment": assessment(s, "/self-assessment", body={}),
        "reopen_self_assessment": assessment(s, "/self-assessment/reopen", body={
            "reason": "Sửa số liệu chỉ tiêu 2.3", "reopened_on": f"{y}-12-09"}),
        "start_posting": assessment(s, "/posting", body={"start": f"{y}-12-10",
                                                         "channel": "office"}),
        "record_comment": assessment(s, "/posting/comments", body={
            "comment_id": "gy-1", "text": "Góp ý", "received_on": f"{y}-12-11"}),
        "answer_comment": assessment(s, "/posting/comments/gy-1/answer", body={
            "answer": "Đã trả lời", "answered_on": f"{y}-12-12"}),
        "end_posting": assessment(s, "/posting/end", body={"ended_on": f"{y}-12-16"}),
        "submit_dossier": assessment(s, "/dossier", body={"submitted_on": f"{y}-12-26"}),
        "provide_supplement": assessment(s, "/dossier/supplements", body={
            "provided_on": day, "note": "Đã bổ sung"}),
        "attach_evidence": replace(assessment(s, "/evidence/C1.I1", rpc="attach_evidence"),
                                   files={"file": ("ảnh niêm yết.png", peers.EVIDENCE_PNG)}),
        "remove_evidence": assessment(s, f"/evidence/C1.I1/{EVIDENCE_SHA}", "DELETE",
                                      rpc="remove_evidence"),
        "pass_check": assessment(s, "/dossier/check", body={"checked_on": day}),
        "request_supplement": assessment(s, "/dossier/supplement-requests", body={
            "reason": "Thiếu Mẫu 03", "requested_on": day}),
        "start_appraisal": assessment(s, "/appraisal", body={
            "started_on": day, "council_size": 5, "method": "meeting"}),
        "record_opinion": assessment(s, "/appraisal/opinions", body={
            "member_name": "Lê Văn Hùng", "role": "Thành viên", "opinion": "Nhất trí",
            "given_by": "meeting"}),
        "appraise_indicator": assessment(s, "/appraisal/indicators/C1.I1", "PUT", {
            "points": "1.00", "reason": "Khớp với hồ sơ"}),
        "appraise_indicators": assessment(s, "/appraisal/indicators", "PUT", {"scores": {
            "C1.I1": {"points": "1.00", "reason": "Khớp với hồ sơ"}}}),
        "complete_appraisal": assessment(s, "/appraisal/complete", body={"completed_on": day}),
        "decide": assessment(s, "/decision", body={
            "recognised": True, "decision_number": "1/QĐ-UBND", "decision_date": day}),
        "revoke": assessment(s, "/revocation", body={"reason": "Sai sót", "revoked_on": day}),
        # roll-ups
        "province_assessments": Call("GET", rollup + query, None, A, "province_rollup", "area"),
        "form_08": Call("GET", f"{rollup}/forms/08.xlsx{query}", None, A, "rollup_form", "area"),
        "form_09": Call("GET", f"{rollup}/forms/09.xlsx{query}", None, A, "rollup_form", "area"),
        "list_evaluation_reports": Call("GET", f"/api/v1/evaluation-reports{query}&province="
                                        f"{s.province}", None, A, "evaluation_reports", "area"),
        "record_evaluation_report": Call("POST", reports, {"sent_on": f"{y + 1}-02-10"}, A,
                                         "record_evaluation_report", "report"),
        "correct_evaluation_report": Call("POST", f"{reports}/correction", {
            "sent_on": f"{y + 1}-02-11", "reason": "Ghi nhầm ngày"}, A,
            "correct_evaluation_report", "report"),
        "form_10": Call("GET", f"{rollup}/forms/10.xlsx{query}", None, A, "rollup_form", "area"),
        # surveys
        "publish_questionnaire": Call("POST", "/api/v1/survey/questionnaires", {
            "questionnaire_id": "thu-nghiem", "title": "Thử nghiệm",
            "questions": [{"id": "chung", "text": "Hài lòng?", "kind": "scale5"}]},
            S, "publish_questionnaire"),
        "get_questionnaire": Call("GET", "/api/v1/survey/questionnaires/thu-nghiem", None, S,
                                  "get_questionnaire"),
        "open_campaign": Call("POST", "/api/v1/survey/campaigns", {
            "commune_code": s.commune, "period": str(y), "target_sample": 30,
            "opens_on": f"{y}-03-01", "closes_on": f"{y}-03-31"}, S, "open_campaign", "commune"),
        "get_campaign": Call("GET", campaign_path(s), None, S, "get_campaign", "commune"),
        "close_campaign": Call("POST", campaign_path(s, "/close"), None, S, "close_campaign",
                               "commune"),
        "reopen_campaign": Call("POST", campaign_path(s, "/reopen"), {
            "reason": "Thiết bị hỏng tuần cuối", "closes_on": f"{y}-12-31"}, S,
            "reopen_campaign", "commune"),
        "get_campaign_results": Call("GET", campaign_path(s, "/results"), None, S, "get_results",
                                     "commune"),
        "get_campaign_comments": Call("GET", campaign_path(s, "/comments"), None, S,
                                      "get_comments", "commune"),
        "erase_campaign_free_text": Call("POST", campaign_path(s, "/free-text/erase"),
                                         {"reason": "Yêu cầu xóa dữ liệu"}, S, "erase_free_text",
                                         "commune"),
        "issue_codes": Call("POST", campaign_path(s, "/codes"), {"count": 2}, S, "issue_codes",
                            "commune"),
        "register_kiosk": Call("POST", "/api/v1/survey/kiosks",
                               {"commune_code": s.commune, "label": "Quầy số 1"}, S,
                               "register_kiosk", "today"),
        "get_kiosk": Call("GET", f"/api/v1/survey/kiosks/{KIOSK_ID}", None, S, "get_kiosk",
                          "today"),
        "revoke_kiosk": Call("POST", f"/api/v1/survey/kiosks/{KIOSK_ID}/revoke", {}, S,
                             "revoke_kiosk", "today"),
        "kiosk_campaign": Call("GET", "/api/v1/kiosk/campaign", None, S, "kiosk_campaign"),
        "submit_kiosk_response": Call("POST", "/api/v1/kiosk/responses", kiosk_response(s), S,
                                      "submit_many"),
        "submit_kiosk_batch": Call("POST", "/api/v1/kiosk/responses/batch",
                                   {"responses": [kiosk_response(s)]}, S, "submit_batch"),
        # plans
        "list_plans": Call("GET", "/api/v1/plans", None, P, "list_plans"),
        "get_plan": Call("GET", plan, None, P, "get_plan"),
        "plan_summary": Call("GET", f"{plan}/summary.xlsx?year={y}", None, P, "summary_form"),
        "plan_overdue": Call("GET", f"{plan}/overdue?as_of={y}-07-01", None, P, "overdue_tasks"),
        "agency_tasks": Call("GET", f"/api/v1/agencies/{s.province}:so-tu-phap/tasks", None, P,
                             "agency_tasks"),
        "list_agencies": Call("GET", f"/api/v1/provinces/{s.province}/agencies", None, P,
                              "list_agencies"),
        "import_plan": Call("POST", "/api/v1/plans", {
            "province_code": s.province, "district_code": s.district,
            "content": "KẾ HOẠCH xây dựng xã đạt chuẩn tiếp cận pháp luật"}, P, "import_plan",
            "area"),
        "edit_plan": Call("PATCH", plan, {"changes": {"title": "Kế hoạch"}}, P, "edit_plan", "area"),
        "review_plan": Call("POST", f"{plan}/review", {}, P, "review_plan", "area"),
        "issue_plan": Call("POST", f"{plan}/issue", {}, P, "issue_plan", "area"),
        "link_task": Call("PUT", f"{plan}/tasks/1/link", {"province_code": s.province, "year": y},
                          P, "link_task", "area"),
        "report_progress": Call("POST", f"{plan}/tasks/1/progress",
                                {"status": "in_progress", "percent": 10}, P, "report_progress",
                                "area"),
        # audit
        "audit_events": Call("GET", "/api/v1/audit/events?source=plans", None, P, "query_events"),
        "audit_correlation": Call("GET", "/api/v1/audit/correlations/abc-123", None, P,
                                  "query_events"),
        "audit_chains": Call("GET", "/api/v1/audit/chains", None, P, "verify_chain"),
        # accounts: the account acted on is an officer of the situation's commune
        "list_accounts": Call("GET", "/api/v1/accounts", None, Ac, "list_accounts"),
        "create_account": Call("POST", "/api/v1/accounts", {
            "username": "nguoi.moi", "display_name": "Người mới", "role": "commune_officer",
            "jurisdiction": {"province": s.province, "district": s.district,
                             "commune": s.commune}}, Ac, "create_account", "account"),
        "get_account": Call("GET", account, None, Ac, "get_account", "account"),
        "account_history": Call("GET", f"{account}/events", None, Ac, "account_history",
                                "account"),
        "change_account": Call("PATCH", account, {"display_name": "Tên mới"}, Ac,
                               "change_account", "account"),
        "disable_account": Call("POST", f"{account}/disable", {"reason": "Chuyển công tác"}, Ac,
                                "disable_account", "account"),
        "enable_account": Call("POST", f"{account}/enable", None, Ac, "enable_account",
                               "account"),
        "reset_password": Call("POST", f"{account}/password", {}, Ac, "reset_password",
                               "account"),
        "get_own_account": Call("GET", "/api/v1/account", None, Ac, "get_account"),
        "list_own_tokens": Call("GET", "/api/v1/account/tokens", None, Ac, "list_tokens"),
        "create_own_token": Call("POST", "/api/v1/account/tokens", {"name": "Phần mềm"}, Ac,
                                 "create_token"),
        "revoke_own_token": Call("POST", f"/api/v1/account/tokens/{TOKEN_ID}/revoke", None, Ac,
                                 "revoke_token"),
        # the workspace's pages (gateway/routes/workspace.py)
        "workspace_sign_in_form": page("GET", "/can-bo/dang-nhap"),
        "workspace_sign_in": page("POST", "/can-bo/dang-nhap",
                                  {"username": "ai.do", "password": "không đúng đâu"}),
        "workspace_asset": page("GET", "/can-bo/tai-nguyen/workspace.css"),
        "workspace_unknown": page("GET", "/can-bo/khong-co-trang-nay"),
        "workspace_sign_out": page("POST", "/can-bo/dang-xuat", {}, "sign_out"),
        "workspace_home": page("GET", "/can-bo/"),
        "workspace_account": page("GET", own, None, "list_tokens"),
        "workspace_change_password": page("POST", f"{own}/mat-khau", {
            "current_password": "mật khẩu cũ dài", "new_password": "mật khẩu mới dài",
            "confirm_password": "mật khẩu mới dài"}, "change_password"),
        "workspace_create_token": page("POST", f"{own}/ma-truy-cap",
                                       {"name": "Phần mềm", "expires_in_days": "30"},
                                       "create_token"),
        "workspace_revoke_token": page("POST", f"{own}/ma-truy-cap/{TOKEN_ID}/thu-hoi", {},
                                       "revoke_token"),
        "workspace_accounts": page("GET", admin, None, "list_accounts"),
        "workspace_account_new": page("GET", f"{admin}/tao-moi"),
        "workspace_account_create": page("POST", f"{admin}/tao-moi", account_form(
            s, username="nguoi.moi"), "create_account"),
        "workspace_account_detail": page("GET", f"{admin}/{ACCOUNT_NAME}", None,
                                         "account_history"),
        "workspace_account_edit": page("GET", f"{admin}/{ACCOUNT_NAME}/sua", None,
                                       "get_account"),
        "workspace_account_change": page("POST", f"{admin}/{ACCOUNT_NAME}/sua", account_form(
            s, expected_version="1"), "change_account"),
        "workspace_account_disable_form": page("GET", f"{admin}/{ACCOUNT_NAME}/khoa", None,
                                               "get_account"),
        "workspace_account_disable": page("POST", f"{admin}/{ACCOUNT_NAME}/khoa",
                                          {"reason": "Chuyển công tác"}, "disable_account"),
        "workspace_account_enable_form": page("GET", f"{admin}/{ACCOUNT_NAME}/mo-khoa", None,
                                              "get_account"),
        "workspace_account_enable": page("POST", f"{admin}/{ACCOUNT_NAME}/mo-khoa", {},
                                         "enable_account"),
        "workspace_account_reset_form": page("GET", f"{admin}/{ACCOUNT_NAME}/dat-lai-mat-khau",
                                             None, "get_account"),
        **commune_pages(s),
        "workspace_account_reset": page("POST", f"{admin}/{ACCOUNT_NAME}/dat-lai-mat-khau", {},
                                        "reset_password"),
        # the commune officer's posting, dossier and supplement pages
        "workspace_posting": year_page(s, "/niem-yet"),
        "workspace_posting_start": year_page(s, "/niem-yet/bat-dau", "POST", {
            "start": day, "channel": "portal"}, "start_posting"),
        "workspace_posting_comment": year_page(s, "/niem-yet/y-kien", "POST", {
            "comment_id": "YK-01", "text": "Góp ý", "received_on": day}, "record_comment"),
        "workspace_posting_answer": year_page(s, "/niem-yet/y-kien/YK-01/tra-loi", "POST", {
            "answer": "Đã tiếp thu", "answered_on": day}, "answer_comment"),
        "workspace_posting_end": year_page(s, "/niem-yet/ket-thuc", "POST",
                                              {"ended_on": day}, "end_posting"),
        "workspace_dossier": year_page(s, "/ho-so"),
        "workspace_dossier_submit": year_page(s, "/ho-so", "POST", {
            "submitted_on": day, "requests_recognition": "co"}, "submit_dossier"),
        "workspace_dossier_form_02": year_page(s, "/ho-so/mau-02.xlsx", rpc="assessment_form"),
        "workspace_supplement": year_page(s, "/bo-sung"),
        "workspace_supplement_provide": year_page(s, "/bo-sung", "POST", {
            "provided_on": day, "note": "Đã bổ sung"}, "provide_supplement"),
        # the review and recognition pages (gateway/routes/workspace_review.py)
        "workspace_review_queue": page("GET", "/can-bo/tham-dinh"),
        "workspace_review_dossier": review_page("GET", review, None, "get_assessment"),
        "workspace_review_check": review_page("POST", f"{review}/kiem-tra", {"checked_on": day},
                                              "pass_check"),
        "workspace_review_supplement": review_page("POST", f"{review}/yeu-cau-bo-sung", {
            "reason": "Thiếu Mẫu 03", "requested_on": day}, "request_supplement"),
        "workspace_review_council": review_page("GET", f"{review}/hoi-dong", None,
                                                "get_assessment"),
        "workspace_review_start": review_page("POST", f"{review}/hoi-dong/bat-dau", {
            "method": "meeting", "council_size": "5", "started_on": day}, "start_appraisal"),
        "workspace_review_opinion": review_page("POST", f"{review}/hoi-dong/y-kien", {
            "member_name": "Lê Văn Chủ", "role": "Chủ tịch Hội đồng", "opinion": "Nhất trí",
            "given_by": "writing"}, "record_opinion"),
        "workspace_review_appraise": review_page("POST", f"{review}/hoi-dong/cham-diem", {
            "points-C1.I1": "3", "reason-C1.I1": "Đủ minh chứng"}, "appraise_indicator"),
        "workspace_review_complete": review_page("POST", f"{review}/hoi-dong/hoan-thanh",
                                                 {"completed_on": day}, "complete_appraisal"),
        "workspace_review_decision_form": review_page("GET", f"{review}/quyet-dinh", None,
                                                      "get_assessment"),
        "workspace_review_decide": review_page("POST", f"{review}/quyet-dinh", {
            "recognised": "true", "decision_number": "1/QĐ-UBND", "decision_date": day},
            "decide"),
        # the plans pages (gateway/routes/workspace_plans.py)
        "workspace_plans": plan_page("GET", "/can-bo/ke-hoach", None, "list_plans"),
        "workspace_plans_overdue": plan_page("GET", "/can-bo/ke-hoach/qua-han", None,
                                             "list_plans"),
        "workspace_plan_import_form": plan_page("GET", "/can-bo/ke-hoach/nhap"),
        "workspace_plan_import": plan_page("POST", "/can-bo/ke-hoach/nhap", {
            "province_code": s.province, "district_code": s.district or "",
            "content": "KẾ HOẠCH xây dựng xã đạt chuẩn tiếp cận pháp luật"}, "import_plan"),
        "workspace_plan": plan_page("GET", f"/can-bo/ke-hoach/{PLAN_ID}", None, "get_plan"),
        "workspace_plan_review_form": plan_page("GET", f"/can-bo/ke-hoach/{PLAN_ID}/ra-soat"),
        "workspace_plan_review": plan_page("POST", f"/can-bo/ke-hoach/{PLAN_ID}/ra-soat",
                                           {"expected_version": "1"}, "review_plan"),
        "workspace_plan_edit_form": plan_page("GET", f"/can-bo/ke-hoach/{PLAN_ID}/sua"),
        "workspace_plan_edit": plan_page("POST", f"/can-bo/ke-hoach/{PLAN_ID}/sua", {
            "title": "Kế hoạch mới", "expected_version": "1"}, "edit_plan"),
        "workspace_plan_task_form": plan_page("GET", f"/can-bo/ke-hoach/{PLAN_ID}/nhiem-vu/1/sua",
                                              None, "list_agencies"),
        "workspace_plan_task_edit": plan_page(
            "POST", f"/can-bo/ke-hoach/{PLAN_ID}/nhiem-vu/1/sua",
            {"title": "Nhiệm vụ mới", "expected_version": "1"}, "edit_plan"),
        "workspace_plan_issue_form": plan_page("GET", f"/can-bo/ke-hoach/{PLAN_ID}/ban-hanh"),
        "workspace_plan_issue": plan_page("POST", f"/can-bo/ke-hoach/{PLAN_ID}/ban-hanh",
                                          {"expected_version": "1"}, "issue_plan"),
        "workspace_plan_summary": plan_page("GET", f"/can-bo/ke-hoach/{PLAN_ID}/tong-ket?nam={y}",
                                            None, "summary_form"),
        "workspace_progress_form": plan_page("GET",
                                             f"/can-bo/ke-hoach/{PLAN_ID}/nhiem-vu/1/tien-do"),
        "workspace_progress": plan_page("POST", f"/can-bo/ke-hoach/{PLAN_ID}/nhiem-vu/1/tien-do",
                                        {"status": "in_progress", "percent": "10"},
                                        "report_progress"),
        "workspace_agency_tasks": plan_page("GET", "/can-bo/nhiem-vu-co-quan", None,
                                            "agency_tasks"),
        # the survey pages (gateway/routes/workspace_survey.py)
        "workspace_survey": survey_page("GET", "/can-bo/khao-sat"),
        "workspace_campaign_new": survey_page("GET", "/can-bo/khao-sat/mo-dot"),
        "workspace_campaign_open": survey_page("POST", "/can-bo/khao-sat/mo-dot", {
            "commune_code": s.commune, "period": str(y), "opens_on": f"{y}-01-01",
            "closes_on": f"{y}-12-31"}, "open_campaign"),
        "workspace_campaign": survey_page("GET", survey, None, "get_campaign"),
        "workspace_campaign_results": survey_page("GET", f"{survey}/ket-qua", None, "get_results"),
        "workspace_campaign_close_form": survey_page("GET", f"{survey}/ket-thuc", None,
                                                     "get_campaign"),
        "workspace_campaign_close": survey_page("POST", f"{survey}/ket-thuc", {},
                                                "close_campaign"),
        "workspace_campaign_reopen_form": survey_page("GET", f"{survey}/mo-lai", None,
                                                      "get_campaign"),
        "workspace_campaign_reopen": survey_page("POST", f"{survey}/mo-lai", {
            "reason": "Thiết bị hỏng", "closes_on": f"{y}-12-31"}, "reopen_campaign"),
        "workspace_codes_form": survey_page("GET", f"{survey}/ma", None, "get_campaign"),
        "workspace_codes": survey_page("POST", f"{survey}/ma", {"count": "5"}, "issue_codes"),
        "workspace_kiosk_new": survey_page("GET", "/can-bo/khao-sat/thiet-bi/dang-ky"),
        "workspace_kiosk_register": survey_page("POST", "/can-bo/khao-sat/thiet-bi/dang-ky", {
            "commune_code": s.commune, "label": "Quầy số 1"}, "register_kiosk", "today"),
        "workspace_kiosk": survey_page("GET", f"/can-bo/khao-sat/thiet-bi/{KIOSK_ID}", None,
                                       None, "today"),
        "workspace_kiosk_revoke_form": survey_page(
            "GET", f"/can-bo/khao-sat/thiet-bi/{KIOSK_ID}/thu-hoi", None, None, "today"),
        "workspace_kiosk_revoke": survey_page(
            "POST", f"/can-bo/khao-sat/thiet-bi/{KIOSK_ID}/thu-hoi", {"reason": "Mất"},
            "revoke_kiosk", "today"),
        # the auditor's pages
        "workspace_audit_events": page("GET", "/can-bo/kiem-toan?xa=" + s.commune, None,
                                       "query_events"),
        "workspace_audit_export": page("GET", "/can-bo/kiem-toan/tai-ve.csv", None, "query_events"),
        "workspace_audit_commune": page("GET", f"/can-bo/kiem-toan/xa?ma={s.commune}", None,
                                        "query_events"),
        "workspace_audit_correlation": page("GET", "/can-bo/kiem-toan/tuong-quan/ma-1", None,
                                            "query_events"),
        "workspace_audit_correlation_export": page(
            "GET", "/can-bo/kiem-toan/tuong-quan/ma-1/tai-ve.csv", None, "query_events"),
        "workspace_audit_chains": page("GET", "/can-bo/kiem-toan/chuoi-bam", None, "verify_chain"),
        # the administrator's pages
        "workspace_reviewing_levels": page("GET", f"/can-bo/quan-tri/cap-tham-dinh?nam={y}", None,
                                           "get_reviewing_level"),
        "workspace_reviewing_level_set": page(
            "POST", f"/can-bo/quan-tri/cap-tham-dinh/{s.province}/{y}", {"level": s.level},
            "set_reviewing_level"),
        "workspace_criteria_sets": page("GET", "/can-bo/quan-tri/bo-tieu-chi", None,
                                        "list_criteria_sets"),
        "workspace_criteria_set_publish": page("POST", "/can-bo/quan-tri/bo-tieu-chi", {
            "noi_dung": '{"id": "25-2021", "version": 9}'}, "publish_criteria_set"),
        "workspace_criteria_set_version": page("GET", "/can-bo/quan-tri/bo-tieu-chi/25-2021/1",
                                               None, "get_criteria_set"),
        "workspace_pauses": page("GET", "/can-bo/quan-tri/tam-dung", None, "list_pauses"),
        "workspace_pause_record": page("POST", "/can-bo/quan-tri/tam-dung", {
            "nam": str(y), "pham_vi": s.province, "can_cu": "Công văn tạm dừng"}, "record_pause"),
        "workspace_pause_lift": page("POST", f"/can-bo/quan-tri/tam-dung/{y}/bo", {
            "pham_vi": s.province, "ly_do": "Ghi nhầm"}, "lift_pause"),
        "workspace_platform_health": page("GET", "/can-bo/quan-tri/tinh-trang"),  # health: unrecorded
        "workspace_review_evidence": review_page(
            "GET", f"{review}/minh-chung/C1.I1/{EVIDENCE_SHA}", None, "evidence_file"),
        "workspace_evaluation_reports": Call(
            "GET", f"/can-bo/bao-cao-ket-qua{query}&province={s.province}", None, A,
            "evaluation_reports", "area", page=True),
        "workspace_evaluation_report_record": Call(
            "POST", report_page, {"sent_on": f"{y + 1}-02-10"}, A, "record_evaluation_report",
            "report", page=True),
        "workspace_review_form_08": Call(
            "GET", f"/can-bo/tham-dinh/tinh/{s.province}/mau-08.xlsx{query}", None, A,
            "rollup_form", "area", page=True),
        "workspace_review_form_09": Call(
            "GET", f"/can-bo/tham-dinh/tinh/{s.province}/mau-09.xlsx{query}", None, A,
            "rollup_form", "area", page=True),
        "workspace_review_form_10": Call(
            "GET", f"/can-bo/tham-dinh/tinh/{s.province}/mau-10.xlsx{query}", None, A,
            "rollup_form", "area", page=True),
    }
    return {operation: replace(call, rpc=operation) if call.rpc == OWN_COMMAND else call
            for operation, call in found.items()}


# -- who passes: the rules as docs/gateway.md states them, written again ------------------------
def unit_district(call: Call, s: Situation) -> str | None:
    """The district of the unit the call acts on: none in today's units."""
    return None if call.unit == "today" else s.district


def covers(role, kind, call, s) -> bool:
    if role in NATIONWIDE:
        return True
    if role == "commune_officer" or kind in ("own_commune", "other_commune"):
        return call.unit in ("commune", "today") and kind == "own_commune"
    if kind == "own_district":
        return unit_district(call, s) is not None
    return kind == "own_province"


def passes(operation, role, kind, call, s) -> bool:
    rule = PERMISSIONS[operation].jurisdiction.name
    if rule in ("any_token", "nationwide"):
        return True
    if rule == "covers_unit":
        return covers(role, kind, call, s)
    if rule == "reviewing_level":
        return kind == ("own_district" if s.level == "district" and s.district else
                        "own_province" if s.level == "province" else None)
    if rule == "justice_office":
        level = s.level if call.unit == "commune" else "province"  # kiosks: today's level
        return role == "administrator" or kind == "own_province" or (
            kind == "own_district" and unit_district(call, s) is not None and level == "district")
    if rule == "plan_reporter":
        return kind != "other_province" if role == "agency_officer" else covers(role, kind, call, s)
    if rule == "account_admin":  # the account (an officer of the commune) is the province's
        return role == "administrator" or (role == "justice_officer" and kind == "own_province")
    if rule == "pause_scope":  # the country: administrators; a province: also its department
        return role == "administrator" or (role == "justice_officer" and kind == "own_province")
    if rule == "reporting_unit":  # the unit itself: a district's report, else the province's
        return kind == ("own_district" if s.district else "own_province")
    if rule == "accounts_scope":  # a department administers its own province, whichever
        return role == "administrator" or (role == "justice_officer"
                                           and kind in ("own_province", "other_province"))
    raise AssertionError(f"no expectation written for the rule {rule}")


def jurisdiction_of(kind, s) -> dict:
    return {"own_commune": {"province": s.province, "district": s.district, "commune": s.commune},
            "other_commune": {"province": s.province, "district": s.district,
                              "commune": s.other_commune},
            "own_district": {"province": s.province, "district": s.district_token},
            "other_district": {"province": s.province, "district": s.other_district},
            "own_province": {"province": s.province},
            "other_province": {"province": s.other_province},
            "no_unit": {}}[kind]


def bearer(role, kind, s, ttl=3600):
    province = s.other_province if kind == "other_province" else s.province
    return issue_token(JWT_SECRET, f"{role}.{kind}@matrix", role, jurisdiction_of(kind, s),
                       ttl=timedelta(seconds=ttl),
                       agency=f"{province}:so-tu-phap" if role == "agency_officer" else None)


def principal_of(role, kind, s) -> dict:
    province = s.other_province if kind == "other_province" else s.province
    return {"sub": f"{role}.{kind}@matrix", "role": role, "jurisdiction": jurisdiction_of(kind, s),
            "name": f"{role} {kind}",
            "agency": f"{province}:so-tu-phap" if role == "agency_officer" else None}


def session_of(role, kind) -> str:
    """A session id (the cookie's value) for the role and kind; the accounts peer says whom it
    stands for (``arrange``)."""
    return f"{role}-{kind}-".ljust(48, "x")


@dataclass(frozen=True)
class Cell:
    """One caller of one operation, and what the gateway must answer them."""

    label: str
    authorization: str | None  # a header, or "Session <id>" for a page's cookie
    outcome: str  # "reaches", "unauthorised", "role", "jurisdiction", "public"


def page_cells(operation, s) -> list[Cell]:
    """A page is signed in by its session cookie only: a bearer token is no session."""
    rule = PERMISSIONS[operation]
    if rule.jurisdiction.token == "none":
        return [Cell("no session", None, "public"),
                *(Cell(role, f"Session {session_of(role, 'own_commune')}", "public")
                  for role in ROLES)]
    found = [Cell("no session", None, "unauthorised"),
             Cell("bearer only", f"Bearer {bearer('administrator', 'no_unit', s)}",
                  "unauthorised"),
             Cell("unknown session", f"Session {'z' * 48}", "unauthorised")]
    call = recipes(s)[operation]
    for role in ROLES:
        for kind in KINDS:
            if rule.roles != AUTHENTICATED and role not in rule.roles:
                outcome = "role"
            else:
                outcome = "reaches" if passes(operation, role, kind, call, s) else "jurisdiction"
            found.append(Cell(f"{role}/{kind}", f"Session {session_of(role, kind)}", outcome))
    return found


def cells(operation, s) -> list[Cell]:
    rule = PERMISSIONS[operation]
    if recipes(s)[operation].page:
        return page_cells(operation, s)
    expired = bearer("administrator", "own_province", s, ttl=-60)
    if rule.jurisdiction.token == "none":  # public: no caller is refused
        return [Cell("no token", None, "public"), Cell("expired", f"Bearer {expired}", "public"),
                *(Cell(role, f"Bearer {bearer(role, 'own_commune', s)}", "public")
                  for role in ROLES)]
    if rule.jurisdiction.token == "device":  # only a kiosk's device token authenticates
        return [Cell("no token", None, "unauthorised"),
                Cell("expired", f"Bearer {expired}", "unauthorised"),
                *(Cell(role, f"Bearer {bearer(role, 'own_commune', s)}", "unauthorised")
                  for role in ROLES),
                Cell("kiosk", f"Kiosk {KIOSK_ID}.secret", "reaches")]
    found = [Cell("no token", None, "unauthorised"),
             Cell("expired", f"Bearer {expired}", "unauthorised")]
    call = recipes(s)[operation]
    for role in ROLES:
        for kind in KINDS:
            if rule.roles != AUTHENTICATED and role not in rule.roles:
                outcome = "role"
            else:
                outcome = "reaches" if passes(operation, role, kind, call, s) else "jurisdiction"
            found.append(Cell(f"{role}/{kind}", f"Bearer {bearer(role, kind, s)}", outcome))
    return found


# The district-reviewed year runs every operation; the other two situations every operation
# whose answer depends on the unit (roll-ups name a district, so they run where there are some).
LEVEL_DEPENDENT = {"reviewing_level", "justice_office"}
UNIT_RULES = {"covers_unit", "reviewing_level", "justice_office", "plan_reporter",
              "account_admin", "pause_scope", "reporting_unit"}
PLAN = ([(DISTRICT_YEAR, op) for op in PERMISSIONS]
        + [(PROVINCE_YEAR, op) for op, rule in PERMISSIONS.items()
           if rule.jurisdiction.name in LEVEL_DEPENDENT]
        + [(NO_DISTRICTS, op) for op, rule in PERMISSIONS.items()
           if rule.jurisdiction.name in UNIT_RULES and rule.unit.name != "rollup_area"])
CELLS = sum(len(cells(op, s)) for s, op in PLAN)


@pytest.fixture(scope="module")
def gateway(amqp_uri):
    # Levels are read afresh for every request: each situation sets its own in the peer.
    runner, client = start_gateway(amqp_uri, *peers.ALL_PEERS, REVIEWING_LEVEL_CACHE_SECONDS=0)
    LocalBlobStore(EVIDENCE_STORE).store_bytes(peers.EVIDENCE_PNG)  # what downloads serve
    yield client
    client.session.close()
    runner.kill()


def arrange(s: Situation):
    peers.AssessmentPeer.levels = {(s.province, s.year): {
        "province_code": s.province, "year": s.year, "level": s.level, "version": 1,
        "source": "configured"}}
    peers.SurveyPeer.kiosks = {KIOSK_ID: {"kiosk_id": KIOSK_ID, "commune_code": s.commune,
                                          "label": "Quầy số 1", "state": "active"}}
    peers.PlansPeer.plans = {PLAN_ID: {**PEER_PLAN, "plan_id": PLAN_ID, "jurisdiction": {
        "province": s.province, "district": s.district}}}
    peers.AccountsPeer.accounts = {ACCOUNT_NAME: peers.account_view(
        ACCOUNT_NAME, "commune_officer", {"province": s.province, "district": s.district,
                                          "commune": s.commune})}
    peers.AccountsPeer.sessions = {
        sessions.id_hash(session_of(role, kind)): principal_of(role, kind, s)
        for role in ROLES for kind in KINDS}


def recorded():
    return [call for peer in peers.ALL_PEERS for call in peer.calls]


def forget_calls():
    for peer in peers.ALL_PEERS:
        peer.calls = []


SIGN_IN_FORM = "s" * 48  # the sign-in form's own cookie, for its CSRF token


def send_page(gateway, call, cell):
    """The page request a browser would send: the session cookie, and for a form its fields
    with the session's (or the sign-in form's) CSRF token."""
    cookies, form = {}, None
    session = cell.authorization[len("Session "):] if (
        cell.authorization or "").startswith("Session ") else None
    headers = {} if session or not cell.authorization else {"Authorization": cell.authorization}
    if session:
        cookies[sessions.SESSION_COOKIE] = session
    if call.method == "POST":
        form = dict(call.body or {})
        if call.path == sessions.SIGN_IN_PATH:
            cookies[sessions.SIGN_IN_COOKIE] = SIGN_IN_FORM
            form["csrf_token"] = sessions.sign_in_csrf_token(SIGN_IN_FORM)
        elif session:
            form["csrf_token"] = sessions.csrf_token(session)
    gateway.session.cookies.clear()  # only this cell's cookies, never an earlier answer's
    return gateway.session.request(call.method, gateway.url + call.path, headers=headers,
                                   cookies=cookies, data=form, files=call.files, timeout=30,
                                   allow_redirects=False)


def check_page(answer, call, operation, cell, made) -> str | None:
    to_sign_in = (answer.status_code == 303
                  and "/can-bo/dang-nhap?tiep=" in answer.headers.get("Location", ""))
    error = re.search(r'data-error="([^"]+)"(?: data-rule="([^"]+)")?', answer.text)
    if cell.outcome == "public":
        return None if answer.status_code != 403 and not to_sign_in else f"{answer.status_code}"
    if cell.outcome == "unauthorised":
        return None if to_sign_in and set(made) <= LOOKUPS else (
            f"{answer.status_code} {answer.headers.get('Location')}; calls {made}")
    if cell.outcome == "reaches":
        if answer.status_code >= 400 or to_sign_in or (call.rpc and call.rpc not in made):
            return f"{answer.status_code} {answer.text[-300:]}; calls {made} ({call.path})"
        return None
    if answer.status_code != 403 or error is None or error.group(1) != "forbidden":
        return f"{answer.status_code} {answer.text[-300:]} instead of a refusal page"
    if cell.outcome == "jurisdiction" and error.group(2) != PERMISSIONS[operation].jurisdiction.name:
        return f"jurisdiction refusal without its rule: {error.group(0)}"
    if set(made) - LOOKUPS:
        return f"refused, yet called {made}"
    return None


def check(gateway, operation, s, cell) -> str | None:
    """What is wrong with the gateway's answer to ``cell``, or None."""
    call = recipes(s)[operation]
    forget_calls()
    if call.page:
        answer = send_page(gateway, call, cell)
        return check_page(answer, call, operation, cell, [c[0] for c in recorded()])
    headers = {"Authorization": cell.authorization} if cell.authorization else {}
    kwargs = {"files": call.files} if call.files else (
        {} if call.body is None else {"json": call.body})
    answer = gateway.session.request(call.method, gateway.url + call.path, headers=headers,
                                     timeout=30, **kwargs)
    made = [c[0] for c in recorded()]
    body = answer.json() if answer.headers.get("Content-Type", "").startswith(
        "application/json") else {}
    if cell.outcome == "public":
        return None if answer.status_code not in (401, 403) else f"{answer.status_code}"
    if cell.outcome == "reaches":
        if not 200 <= answer.status_code < 300 or call.rpc not in made:
            return f"{answer.status_code} {answer.text[:200]}; calls {made}"
        return None
    expected = {"unauthorised": (401, "unauthorised"), "role": (403, "forbidden"),
                "jurisdiction": (403, "forbidden")}[cell.outcome]
    if (answer.status_code, body.get("error")) != expected:
        return f"{answer.status_code} {answer.text[:200]} instead of {expected}"
    details = body.get("details") or {}
    if cell.outcome == "role" and details.get("allowed_roles") != list(PERMISSIONS[operation].roles):
        return f"role refusal without the allowed roles: {details}"
    if cell.outcome == "jurisdiction" and details.get("rule") != PERMISSIONS[operation].jurisdiction.name:
        return f"jurisdiction refusal without its rule: {details}"
    allowed_calls = LOOKUPS if cell.outcome == "jurisdiction" else set()
    if set(made) - allowed_calls:
        return f"refused, yet called {made}"
    return None


@pytest.mark.parametrize("situation, operation", PLAN, ids=[f"{s.name}-{op}" for s, op in PLAN])
def test_every_cell_of_the_matrix(gateway, situation, operation):
    arrange(situation)
    wrong = {cell.label: problem for cell in cells(operation, situation)
             if (problem := check(gateway, operation, situation, cell))}
    assert wrong == {}


def test_the_matrix_covers_every_operation_and_says_how_many_cells():
    assert set(recipes(DISTRICT_YEAR)) == set(PERMISSIONS)
    assert {op for _, op in PLAN} == set(PERMISSIONS)
    # Every operation taking a bearer token is tried with every role and seven jurisdictions.
    assert CELLS > 5000, CELLS

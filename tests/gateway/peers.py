"""Small real nameko services standing in for the platform's backing services.

They answer the RPCs the gateway makes, in the shapes the real services use, and record
what they were sent so that tests can check what crossed the wire. Where a test needs only
to know that a call arrived (tests/gateway/test_permission_matrix.py), a peer answers it with
the smallest value the gateway can turn into a response.
"""

import hashlib

import eventlet
from nameko.rpc import rpc

from kernel.errors import ConcurrencyError, Forbidden, NotFound, Unauthorised
from rules.criteria import set_for_year
from services.assessment.commands import BY_NAME as COMMANDS
from tests.support import evidence_files

# Years that make the assessment peer misbehave, to drive the gateway's error paths.
SLOW_YEAR = 2090  # answers after the gateway's deadline
FORBIDDEN_YEAR = 2091  # refuses, as a service enforcing its own rules would
CRASH_YEAR = 2092  # fails with an error that is not a KernelError
SECRET_IN_CRASH = "password=hunter2"
SLOW_SECONDS = 4.0


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What the assessment peer says of any evidence file asked for: a small PNG.
EVIDENCE_PNG = evidence_files.png(4, 4)
EVIDENCE_FILE = {"file_name": "ảnh niêm yết.png", "media_type": "image/png",
                 "size": len(EVIDENCE_PNG), "sha256": hashlib.sha256(EVIDENCE_PNG).hexdigest(),
                 "signatures": None}


def recorded(method, answer=None):
    """An RPC ``method`` that records its arguments in the peer's ``calls`` and returns
    ``answer(peer, *args)`` (an empty object when no answer is given)."""

    def call(self, *args, **kwargs):
        type(self).calls.append((method, *args, *kwargs.values()))
        return answer(self, *args) if answer else {}

    call.__name__ = method
    return rpc(call)


def _assessment(commune_code, year) -> dict:
    """A year being drafted, in the shape the workspace's pages read."""
    return {"commune_code": commune_code, "year": year, "province_code": None,
            "district_code": None, "state": "drafting",
            "status_vi": "Đang tự đánh giá, tự chấm điểm", "version": 1,
            "allowed_commands": ["record_figures"], "today": f"{year}-06-01", "next_steps": [],
            "deadlines": [], "reopenings": [], "criteria_set_id": "25-2021",
            "criteria_set_version": 1, "criteria_set_provisional": True, "figures": {},
            "evidence": {}, "self_score": None, "recognition_preview": None,
            "declarations": {}, "commune_class": None}


def _file(self, *args):
    return {"content_base64": "", "media_type": XLSX, "file_name": "mau.xlsx"}


def health_report(name, status="up"):
    return {"service": name, "status": status,
            "database": {"ok": status == "up", "backend": "sqlite", "error": None},
            "broker": {"ok": True, "error": None, "published": 0}, "outbox_pending": 0}


class Peer:
    name = "peer"
    health_status = "up"
    calls: list = []

    @rpc
    def health(self):
        return health_report(self.name, type(self).health_status)

    @rpc
    def events_after(self, after_position=0, limit=1000):
        type(self).calls.append(("events_after", after_position, limit))
        events = [{"source": self.name, "position": p, "type": "Noted", "data": {}}
                  for p in range(after_position + 1, min(after_position + limit, 3) + 1)]
        return {"source": self.name, "events": events, "head_position": 3}

    query_events = recorded("query_events", lambda self, *args: {
        "source": self.name, "events": [], "last_position": 0, "complete": True,
        "head_position": 0})
    verify_chain = recorded("verify_chain", lambda self: {
        "source": self.name, "ok": True, "first_broken": None})


# What the workspace's review pages read of an assessment and its criteria set: the shape the
# service answers, one indicator, nothing done yet (tests/gateway/test_permission_matrix.py).
REVIEW_ASSESSMENT = {
    "commune_code": "00004", "year": 2022, "state": "under_appraisal", "version": 7,
    "status_vi": "Hội đồng đang thẩm định", "criteria_set_id": "25-2021",
    "criteria_set_version": 1, "today": "2026-01-05", "next_steps": [], "deadlines": [],
    "evidence": {}, "supplements": [], "dossier": None, "check": None, "posting": None,
    "self_score": None, "appraised_score": None, "recognition": None,
    "recognition_preview": None, "decision": None,
    "appraisal": {"started_on": "2023-01-05", "council_size": 1, "method": "written",
                  "opinions": [], "scores": {}, "completed_on": None}}


class AssessmentPeer(Peer):
    name = "assessment"
    levels: dict = {}

    @rpc
    def get_reviewing_level(self, province_code, year):
        type(self).calls.append(("get_reviewing_level", province_code, year))
        if year == SLOW_YEAR:
            eventlet.sleep(SLOW_SECONDS)
        stored = type(self).levels.get((province_code, year))
        if stored:
            return stored
        return {"province_code": province_code, "year": year,
                "level": "province" if year >= 2025 else "district", "version": 0,
                "source": "default"}

    @rpc
    def set_reviewing_level(self, province_code, year, level, expected_version, context):
        type(self).calls.append(("set_reviewing_level", province_code, year, level,
                                 expected_version, context))
        if year == FORBIDDEN_YEAR:
            raise Forbidden("Reviewing levels of that year are closed.", {"year": year})
        if year == CRASH_YEAR:
            raise RuntimeError(f"could not connect: {SECRET_IN_CRASH}")
        stream = f"reviewing-level-{province_code}-{year}"
        current = type(self).levels.get((province_code, year), {}).get("version", 0)
        if expected_version is not None and expected_version != current:
            raise ConcurrencyError.for_stream(stream, expected_version, current)
        record = {"province_code": province_code, "year": year, "level": level,
                  "version": current + 1, "source": "configured"}
        type(self).levels[(province_code, year)] = record
        return record

    get_assessment = recorded("get_assessment", lambda self, commune_code, year: {
        **REVIEW_ASSESSMENT, **_assessment(commune_code, year)})
    assessment_events = recorded("assessment_events", lambda self, *args: [])
    open_assessment = recorded("open_assessment")
    assessment_form = recorded("assessment_form", _file)
    list_criteria_sets = recorded("list_criteria_sets", lambda self: [])
    list_pauses = recorded("list_pauses", lambda self, year=None: [])
    record_pause = recorded("record_pause", lambda self, year, *args: {"year": year, "pauses": []})
    lift_pause = recorded("lift_pause", lambda self, year, *args: {"year": year, "pauses": []})
    publish_criteria_set = recorded("publish_criteria_set")
    get_criteria_set = recorded("get_criteria_set", lambda self, set_id, version=None: (
        set_for_year(2022).to_dict()))
    score_figures = recorded("score_figures", lambda self, *args: {
        "indicator_id": args[2], "score": None, "problems": []})
    commune_years = recorded("commune_years", lambda self, *args: [])
    province_rollup = recorded("province_rollup", lambda self, *args: {"communes": []})
    rollup_form = recorded("rollup_form", _file)
    evaluation_reports = recorded("evaluation_reports", lambda self, year, *args: {
        "year": year, "criteria_set_id": "25-2021", "as_of": f"{year + 1}-02-15",
        "province_code": args[0], "district_code": args[1], "reports": [], "lines": [],
        "counts": {"sent": 0, "sent_late": 0, "due": 0, "overdue": 0}, "paused_provinces": []})
    record_evaluation_report = recorded("record_evaluation_report")
    correct_evaluation_report = recorded("correct_evaluation_report")
    attach_evidence = recorded("attach_evidence")
    remove_evidence = recorded("remove_evidence")
    # The file the gateway then serves must be in its store (tests/gateway/conftest.py)
    evidence_file = recorded("evidence_file", lambda self, *args: dict(EVIDENCE_FILE))


# One RPC per command of an opened assessment, as the service has (its commands.py).
for _command in COMMANDS:
    setattr(AssessmentPeer, _command, recorded(_command))


def _stored(kind, key):
    """An answer reading the peer's ``kind`` dict (``kiosks``, ``plans``) at the first argument."""

    def answer(self, found_id, *args):
        record = getattr(type(self), kind).get(found_id)
        if record is None:
            raise NotFound(f"There is no {kind[:-1]} {found_id}.", {key: found_id})
        return record

    return answer


class PlansPeer(Peer):
    name = "plans"
    #: plan id → the plan (at least its ``jurisdiction``), for the gateway's jurisdiction checks
    plans: dict = {}

    list_plans = recorded("list_plans", lambda self, *args: [])
    import_plan = recorded("import_plan", lambda self, *args: {"plan_id": "ke-hoach-moi"})
    get_plan = recorded("get_plan", _stored("plans", "plan_id"))
    edit_plan = recorded("edit_plan")
    review_plan = recorded("review_plan")
    issue_plan = recorded("issue_plan")
    report_progress = recorded("report_progress")
    link_task = recorded("link_task")
    summary_form = recorded("summary_form", _file)
    overdue_tasks = recorded("overdue_tasks", lambda self, plan_id, as_of=None: {
        "plan_id": plan_id, "status": "issued", "as_of": as_of, "tasks": []})
    agency_tasks = recorded("agency_tasks", lambda self, *args: [])
    list_agencies = recorded("list_agencies", lambda self, *args: [])


class PublicationPeer(Peer):
    name = "publication"


def _campaign(self, campaign_id, *args):
    """A campaign of the id's commune and period, open, enough for the survey pages."""
    commune, _, period = campaign_id.partition("-")
    return {"campaign_id": campaign_id, "commune_code": commune, "period": period,
            "state": "open", "accepting": True, "target_sample": 30, "require_code": False,
            "opens_on": "2025-01-01", "closes_on": "2025-12-31", "closed_on": None,
            "questionnaire_version": 1,
            "questionnaire": {"title": "Khảo sát", "questions": []}}


def _results(self, campaign_id, *args):
    return {**_campaign(self, campaign_id), "final": False, "responses": 0,
            "late_responses": 0, "target_met": False, "min_answers": 30, "no_data": True,
            "overall": {"valid_answers": 0, "published": False}, "questions": [], "flags": []}


class SurveyPeer(Peer):
    name = "survey"
    #: kiosk id → the kiosk (at least its ``commune_code``)
    kiosks: dict = {}

    publish_questionnaire = recorded("publish_questionnaire")
    get_questionnaire = recorded("get_questionnaire")
    open_campaign = recorded("open_campaign", lambda self, body, *args: {
        "campaign_id": f"{body['commune_code']}-{body['period']}"})
    get_campaign = recorded("get_campaign", _campaign)
    close_campaign = recorded("close_campaign")
    reopen_campaign = recorded("reopen_campaign")
    get_results = recorded("get_results", _results)
    get_comments = recorded("get_comments")
    erase_free_text = recorded("erase_free_text")
    issue_codes = recorded("issue_codes", lambda self, *args: {"codes": []})
    register_kiosk = recorded("register_kiosk", lambda self, body, *args: {
        "kiosk_id": "0" * 32, "commune_code": body["commune_code"], "label": body["label"],
        "registered_on": "2025-06-15", "state": "active", "token": "thiet-bi.bi-mat"})
    get_kiosk = recorded("get_kiosk", _stored("kiosks", "kiosk_id"))
    revoke_kiosk = recorded("revoke_kiosk")
    kiosk_campaign = recorded("kiosk_campaign")
    submit_many = recorded("submit_many", lambda self, submissions: [
        {"response": {"result": "accepted"}} for _ in submissions])
    submit_batch = recorded("submit_batch", lambda self, token, responses: {
        "kiosk_id": "", "results": [], "summary": {}})


def _principal_of(kind):
    """authenticate_session and authenticate_token: who the peer's ``kind`` (``sessions``, by
    the session id's hash; ``tokens``, by (token id, secret hash)) says it is."""

    def answer(self, *key):
        found = getattr(type(self), kind).get(key[0] if len(key) == 1 else key)
        if found is None:
            raise Unauthorised("Phiên đăng nhập không hợp lệ.", {"reason": "unknown"})
        return {"principal": found, "session": {
            "created_at": "2025-06-15T09:00:00+07:00", "last_seen_at": "2025-06-15T09:00:00+07:00",
            "idle_expires_at": "2025-06-15T09:30:00+07:00",
            "expires_at": "2025-06-15T21:00:00+07:00"}}

    return answer


def account_view(username, role="commune_officer", jurisdiction=None):
    """An account as the accounts service shows it."""
    return {"username": username, "display_name": f"Tài khoản {username}", "role": role,
            "jurisdiction": {"province": None, "district": None, "commune": None,
                             **(jurisdiction or {})},
            "agency": None, "state": "active", "disabled_reason": None,
            "created_at": "2025-06-15T09:00:00+07:00", "changed_at": "2025-06-15T09:00:00+07:00",
            "last_sign_in_at": None, "version": 2}


def _account(self, username, *args):
    """A stored account; any other name is an account with no unit (its own account, for
    whoever asks about theirs)."""
    return type(self).accounts.get(username) or account_view(username, "auditor")


def _token(self, *args):
    return {"token": "tcpl_pat_0123456789abcdef_" + "s" * 43, "token_id": "0123456789abcdef",
            "name": "Phần mềm", "created_at": "2025-06-15T09:00:00+07:00",
            "expires_at": "2025-09-13T00:00:00+07:00", "last_used_at": None,
            "revoked_at": None, "state": "active"}


class AccountsPeer(Peer):
    name = "accounts"
    #: username → the account (at least its ``jurisdiction`` and ``role``)
    accounts: dict = {}
    #: SHA-256 of a session id → the principal it stands for
    sessions: dict = {}
    #: (token id, SHA-256 of its secret) → the principal
    tokens: dict = {}

    list_accounts = recorded("list_accounts", lambda self, *args: {
        "accounts": [], "total": 0, "limit": 50, "offset": 0})
    create_account = recorded("create_account", lambda self, body, *args: {
        "username": body["username"], "account": account_view(body["username"]),
        "password": "abcd-efgh-jkmn-pqrs"})
    get_account = recorded("get_account", _account)
    account_history = recorded("account_history", lambda self, username: {
        "username": username, "events": []})
    change_account = recorded("change_account")
    disable_account = recorded("disable_account")
    enable_account = recorded("enable_account")
    reset_password = recorded("reset_password", lambda self, username, *args: {
        "account": _account(self, username), "password": "abcd-efgh-jkmn-pqrs"})
    change_password = recorded("change_password")
    create_token = recorded("create_token", _token)
    revoke_token = recorded("revoke_token", _token)
    list_tokens = recorded("list_tokens", lambda self, username: {"username": username,
                                                                  "tokens": []})
    sign_in = recorded("sign_in", lambda self, *args: {"outcome": "refused"})
    sign_out = recorded("sign_out", lambda self, *args: {"signed_out": True})
    authenticate_session = recorded("authenticate_session", _principal_of("sessions"))
    authenticate_token = recorded("authenticate_token", _principal_of("tokens"))


ALL_PEERS = (AssessmentPeer, PlansPeer, PublicationPeer, SurveyPeer, AccountsPeer)


def reset():
    for peer in ALL_PEERS:
        peer.calls = []
        peer.health_status = "up"
    AssessmentPeer.levels = {}
    PlansPeer.plans = {}
    SurveyPeer.kiosks = {}
    AccountsPeer.accounts, AccountsPeer.sessions, AccountsPeer.tokens = {}, {}, {}

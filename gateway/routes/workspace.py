"""The officials' workspace (``/can-bo/``): sign-in and sign-out, the home page, one's own
account, and the accounts administration pages — the complete example docs/workspace.md walks
through. Every page wears ``gateway.workspace.page``; pages that carry out an API operation
name it (``performs=``) and call the same RPC the API route calls.

| URL | page |
|---|---|
| ``/can-bo/dang-nhap`` | sign-in form (GET), sign-in (POST) |
| ``/can-bo/dang-xuat`` | sign-out (POST) |
| ``/can-bo/`` | the signed-in person's home |
| ``/can-bo/tai-khoan-cua-toi`` | own account: password, personal tokens |
| ``/can-bo/quan-ly-tai-khoan`` | accounts: list, ``/tao-moi``, ``/<username>``, ``/sua``, ``/khoa``, ``/mo-khoa``, ``/dat-lai-mat-khau`` |
"""

from __future__ import annotations

from importlib import resources
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from gateway import lookup
from gateway.routes.accounts import query_filters
from gateway.routes.accounts_schemas import (
    AccountChangeSchema,
    AccountCreateSchema,
    DisableSchema,
    ResetPasswordSchema,
    TokenCreateSchema,
    TokenPathSchema,
    UsernamePathSchema,
)
from gateway.web import http
from gateway.workspace import labels, sessions
from gateway.workspace.pages import WorkspaceSettings, field_errors, page
from kernel.errors import Conflict, KernelError, NotFound, ValidationFailed
from kernel.roles import DELEGABLE_ROLES, ROLES

ADMIN = "/can-bo/quan-ly-tai-khoan"
OWN = "/can-bo/tai-khoan-cua-toi"
PAGE_SIZE = 50
NOTICES = {
    "dang-xuat": "Bạn đã đăng xuất.",
    "mat-khau": "Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc.",
    "thu-hoi": "Đã thu hồi mã truy cập: phần mềm dùng mã này không còn gọi được API.",
    "sua": "Đã lưu thay đổi.",
    "khoa": "Đã khóa tài khoản: các phiên đăng nhập và mã truy cập của tài khoản đã hết hiệu lực.",
    "mo-khoa": "Đã mở khóa tài khoản. Người dùng cần đăng nhập lại.",
}
SIGN_IN_NOTICES = {
    "het-han": "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại.",
    "ket-thuc": "Phiên đăng nhập đã kết thúc. Vui lòng đăng nhập lại.",
    "da-khoa": "Tài khoản đã bị khóa. Vui lòng liên hệ quản trị viên hoặc Sở Tư pháp.",
}
FIELD_LABELS = {"username": "Tên đăng nhập", "display_name": "Họ tên", "role": "Vai trò",
                "province": "Tỉnh", "district": "Mã huyện", "commune": "Mã xã",
                "agency": "Cơ quan", "password": "Mật khẩu", "reason": "Lý do",
                "current_password": "Mật khẩu hiện tại", "new_password": "Mật khẩu mới",
                "confirm_password": "Nhập lại mật khẩu mới", "name": "Tên gợi nhớ",
                "expires_in_days": "Hiệu lực", "jurisdiction": "Phạm vi",
                "expected_version": "Phiên bản"}


# -- reading forms into the API's bodies -----------------------------------------------------
def _blank(value) -> str | None:
    text = (value or "").strip()
    return text or None


def _jurisdiction(form: MultiDict) -> dict:
    return {level: _blank(form.get(level)) for level in ("province", "district", "commune")}


def account_form(form: MultiDict) -> dict:
    return {"username": (form.get("username") or "").strip().lower(),
            "display_name": (form.get("display_name") or "").strip(),
            "role": form.get("role") or "", "jurisdiction": _jurisdiction(form),
            "agency": _blank(form.get("agency")), "password": form.get("password") or None}


def account_changes_form(form: MultiDict) -> dict:
    version = (form.get("expected_version") or "").strip()
    changes = {"display_name": (form.get("display_name") or "").strip(),
               "role": form.get("role") or "", "jurisdiction": _jurisdiction(form),
               "expected_version": int(version) if version.isdigit() else (version or None)}
    if "agency" in form:  # a province's department edits no agency: its form has none
        changes["agency"] = _blank(form.get("agency"))
    return changes


def reason_form(form: MultiDict) -> dict:
    return {"reason": (form.get("reason") or "").strip()}


def password_form(form: MultiDict) -> dict:
    return {"password": form.get("password") or None}


def token_form(form: MultiDict) -> dict:
    days = (form.get("expires_in_days") or "").strip()
    return {"name": (form.get("name") or "").strip(),
            "expires_in_days": int(days) if days.isdigit() else (days or 90)}


def _history_rows(events: list[dict]) -> list[dict]:
    return [{**event, "label": labels.EVENT_LABELS.get(event["type"], event["type"]),
             "detail": labels.event_detail(event)} for event in events]


class WorkspaceRoutes:
    """Mixin of GatewayService: the workspace's pages. Needs ``backends``, ``answer_keys``
    and ``reviewing_levels`` like the API routes, and ``workspace_settings``."""

    workspace_settings = WorkspaceSettings()

    # -- signing in and out ----------------------------------------------------------------
    @http("GET", "/can-bo/dang-nhap")
    @page()
    def workspace_sign_in_form(self, page):
        args = page.request.args
        notice = NOTICES.get(args.get("da")) or SIGN_IN_NOTICES.get(args.get("ly_do"))
        return self._sign_in_page(page, notice=notice)

    @http("POST", "/can-bo/dang-nhap")
    @page()
    def workspace_sign_in(self, page):
        username = (page.form.get("username") or "").strip()
        password = page.form.get("password") or ""
        errors = {}
        if not username or len(username) > 200:
            errors["username"] = ["Nhập tên đăng nhập."]
        if not password or len(password) > 1000:
            errors["password"] = ["Nhập mật khẩu."]
        if errors:
            return self._sign_in_page(page, errors=errors, status=400)
        session_id = sessions.new_id()
        context = {"actor": {"subject": "anonymous", "role": "anonymous", "jurisdiction": {}},
                   "correlation_id": page.correlation_id, "client_address": page.client_address}
        answer = page.read("accounts", "sign_in", username, password,
                           sessions.id_hash(session_id), page.client_address,
                           page.request.headers.get("User-Agent", "")[:200], context)
        outcome = answer["outcome"]
        if outcome == "signed_in":
            response = page.redirect(sessions.local_path(page.form.get("tiep")))
            sessions.set_session(response, session_id, page.secure)
            sessions.clear_sign_in(response, page.secure)
            return response
        if outcome == "locked":
            minutes = max(1, -(-int(answer["retry_after_seconds"]) // 60))
            response = self._sign_in_page(page, errors={"_form": [
                "Đăng nhập tạm thời bị khóa vì nhập sai nhiều lần. Vui lòng thử lại sau "
                f"{minutes} phút."]}, status=429)
            response.headers["Retry-After"] = str(int(answer["retry_after_seconds"]))
            return response
        if outcome == "disabled":
            return self._sign_in_page(page, errors={"_form": [
                "Tài khoản này đã bị khóa. Vui lòng liên hệ quản trị viên hoặc Sở Tư pháp."]},
                status=403)
        return self._sign_in_page(page, errors={"_form": [
            "Tên đăng nhập hoặc mật khẩu không đúng."]}, status=401)

    def _sign_in_page(self, page, errors=None, status=200, notice=None):
        form_id = page.request.cookies.get(sessions.SIGN_IN_COOKIE)
        if not sessions.well_formed(form_id):
            form_id = sessions.new_id()
        page.on_response(lambda response: sessions.set_sign_in(response, form_id, page.secure))
        next_path = sessions.local_path(page.form.get("tiep") or page.request.args.get("tiep"))
        return page.render("sign_in.html", status=status, title="Đăng nhập", errors=errors or {},
                           csrf_token=sessions.sign_in_csrf_token(form_id), notice=notice,
                           next_path=next_path, field_labels=FIELD_LABELS)

    @http("POST", "/can-bo/dang-xuat")
    @page()
    def workspace_sign_out(self, page):
        page.write("accounts", "sign_out", sessions.id_hash(page.session_id))
        response = page.redirect(sessions.SIGN_IN_PATH, da="dang-xuat")
        sessions.clear_session(response, page.secure)
        return response

    # -- home, assets, anything else -------------------------------------------------------
    @http("GET", "/can-bo/")
    @page()
    def workspace_home(self, page):
        return page.render("home.html", title="Trang chủ", session=page.session)

    @http("GET", "/can-bo/tai-nguyen/<path:filename>")
    @page()
    def workspace_asset(self, page, filename):
        from werkzeug.exceptions import NotFound as WerkzeugNotFound
        from werkzeug.utils import send_from_directory

        directory = resources.files("gateway") / "static" / "workspace"
        try:
            return send_from_directory(str(directory), filename, page.request.environ,
                                       max_age=3600)
        except WerkzeugNotFound:
            raise NotFound("Không có tệp này.") from None

    @http("GET", "/can-bo/<path:rest>")
    @page()
    def workspace_unknown(self, page, rest):
        raise NotFound("Không tìm thấy trang bạn cần.")

    # -- one's own account -----------------------------------------------------------------
    @http("GET", OWN)
    @page()
    def workspace_account(self, page):
        return self._own_account_page(page, notice=NOTICES.get(page.request.args.get("da")))

    def _own_account_page(self, page, errors=None, status=200, notice=None):
        account = page.read("accounts", "get_account", page.principal.sub)
        tokens = page.read("accounts", "list_tokens", page.principal.sub)["tokens"]
        return page.render("account.html", status=status, title="Tài khoản của tôi",
                           account=account, tokens=tokens, errors=errors or {}, notice=notice,
                           min_length=page.service.workspace_settings.password_min_length,
                           field_labels=FIELD_LABELS)

    @http("POST", OWN + "/mat-khau")
    @page()
    def workspace_change_password(self, page):
        current = page.form.get("current_password") or ""
        new = page.form.get("new_password") or ""
        errors = {}
        if not current:
            errors["current_password"] = ["Nhập mật khẩu hiện tại."]
        if not new:
            errors["new_password"] = ["Nhập mật khẩu mới."]
        elif new != (page.form.get("confirm_password") or ""):
            errors["confirm_password"] = ["Hai lần nhập mật khẩu mới không khớp."]
        if not errors:
            try:
                page.write("accounts", "change_password", page.principal.sub, current, new,
                           sessions.id_hash(page.session_id))
                return page.redirect(OWN, da="mat-khau")
            except ValidationFailed as refused:
                errors = field_errors(refused.details)
            except KernelError as refused:
                if refused.http_status != 429:
                    raise
                return self._own_account_page(page, {"_form": [refused.message]}, 429)
        return self._own_account_page(page, errors, 400)

    @http("POST", OWN + "/ma-truy-cap")
    @page(form=token_form, schema=TokenCreateSchema, performs="create_own_token")
    def workspace_create_token(self, page):
        if not page.errors:
            try:
                token = page.write("accounts", "create_token", page.principal.sub, page.body)
                return page.render("token_created.html", title="Đã tạo mã truy cập",
                                   token=token)
            except (ValidationFailed, Conflict) as refused:
                page.errors = field_errors(refused.details) or {"_form": [refused.message]}
        return self._own_account_page(page, page.errors, 400)

    @http("POST", OWN + "/ma-truy-cap/<token_id>/thu-hoi")
    @page(path=TokenPathSchema, performs="revoke_own_token")
    def workspace_revoke_token(self, page, token_id):
        page.write("accounts", "revoke_token", page.principal.sub, token_id)
        return page.redirect(OWN + "#ma-truy-cap", da="thu-hoi")

    # -- accounts administration -----------------------------------------------------------
    def _scope(self, page) -> tuple[str | None, str | None]:
        """(code, name) of the province a justice department administers; (None, None) for
        an administrator."""
        if page.principal.role == "administrator":
            return None, None
        code = page.principal.jurisdiction.get("province")
        return code, labels.province_name(code)

    @http("GET", ADMIN)
    @page(performs="list_accounts")
    def workspace_accounts(self, page):
        args = page.request.args
        query = {"q": (args.get("q") or "").strip()[:100] or None,
                 "role": args.get("vai_tro") or None, "province": args.get("tinh") or None,
                 "state": args.get("trang_thai") or None}
        number = args.get("trang") or "1"
        if (query["role"] not in (None, *ROLES) or query["state"] not in (None, "active", "disabled")
                or (query["province"] and not (len(query["province"]) == 2
                                               and query["province"].isdigit()))
                or not number.isdigit() or not 1 <= int(number) <= 10_000):
            raise ValidationFailed("Bộ lọc không hợp lệ: hãy chọn lại trong danh sách.")
        number = int(number)
        found = page.read("accounts", "list_accounts", query_filters(query),
                          page.principal.to_actor().to_dict(), PAGE_SIZE,
                          (number - 1) * PAGE_SIZE)
        count = max(1, -(-found["total"] // PAGE_SIZE))
        shown = {k: v for k, v in (("q", query["q"]), ("vai_tro", query["role"]),
                                   ("tinh", query["province"]),
                                   ("trang_thai", query["state"])) if v}

        def at(n):
            return ADMIN + "?" + urlencode({**shown, "trang": n})

        pages = None if found["total"] <= PAGE_SIZE else {
            "current": number, "count": count, "prev": at(number - 1) if number > 1 else None,
            "next": at(number + 1) if number < count else None}
        code, name = self._scope(page)
        return page.render("accounts/list.html", title="Quản lý tài khoản",
                           accounts=found["accounts"], total=found["total"], query=query,
                           pages=pages, provinces=lookup.provinces(), scope_province=name,
                           notice=NOTICES.get(args.get("da")))

    def _account_form(self, page, account=None, status=200):
        code, name = self._scope(page)
        roles = [r for r in ROLES if account is not None or code is None or r in DELEGABLE_ROLES]
        if code is not None:
            roles = [r for r in roles if r in DELEGABLE_ROLES]
        username = account["username"] if account else None
        return page.render(
            "accounts/form.html", status=status, account=account,
            title="Sửa tài khoản" if account else "Tạo tài khoản",
            heading="Sửa tài khoản" if account else "Tạo tài khoản",
            action=f"{ADMIN}/{username}/sua" if account else f"{ADMIN}/tao-moi",
            submit="Lưu thay đổi" if account else "Tạo tài khoản",
            cancel=f"{ADMIN}/{username}" if account else ADMIN,
            role_options=[("", "— Chọn vai trò —")] + [(r, labels.ROLE_LABELS[r]) for r in roles],
            province_options=[("", "— Không chọn —")] + [(p.code, p.name)
                                                         for p in lookup.provinces()],
            scope_province=name, scope_province_code=code, field_labels=FIELD_LABELS,
            breadcrumbs=[("Quản lý tài khoản", ADMIN), ("Sửa" if account else "Tạo mới", None)])

    @http("GET", ADMIN + "/tao-moi")
    @page(performs="list_accounts")
    def workspace_account_new(self, page):
        return self._account_form(page)

    @http("POST", ADMIN + "/tao-moi")
    @page(form=account_form, schema=AccountCreateSchema, performs="create_account")
    def workspace_account_create(self, page):
        if not page.errors:
            try:
                made = page.write("accounts", "create_account", page.body)
                return page.render("accounts/created.html", title="Đã tạo tài khoản",
                                   heading="Đã tạo tài khoản", account=made["account"],
                                   password=made["password"], created=True)
            except (ValidationFailed, Conflict) as refused:
                page.errors = field_errors(refused.details) or {"_form": [refused.message]}
        return self._account_form(page, status=400)

    @http("GET", ADMIN + "/<username>")
    @page(path=UsernamePathSchema, performs="account_history")
    def workspace_account_detail(self, page, username):
        history = page.read("accounts", "account_history", username)["events"]
        return page.render("accounts/detail.html", title=page.target.record["display_name"],
                           account=page.target.record, history=_history_rows(history),
                           notice=NOTICES.get(page.request.args.get("da")),
                           breadcrumbs=[("Quản lý tài khoản", ADMIN),
                                        (page.target.record["display_name"], None)])

    @http("GET", ADMIN + "/<username>/sua")
    @page(path=UsernamePathSchema, performs="get_account")
    def workspace_account_edit(self, page, username):
        return self._account_form(page, page.target.record)

    @http("POST", ADMIN + "/<username>/sua")
    @page(path=UsernamePathSchema, form=account_changes_form, schema=AccountChangeSchema,
          performs="change_account")
    def workspace_account_change(self, page, username):
        if not page.errors:
            changes = {k: v for k, v in page.body.items() if k != "expected_version"}
            try:
                page.write("accounts", "change_account", username, changes,
                           page.body["expected_version"])
                return page.redirect(f"{ADMIN}/{username}", da="sua")
            except (ValidationFailed, Conflict) as refused:
                page.errors = field_errors(refused.details)
                if refused.code == "version_conflict" or not page.errors:
                    page.errors = {"_form": [refused.message]}
        return self._account_form(page, page.target.record, status=400)

    def _confirm(self, page, what: str, status: int = 200):
        account = page.target.record
        base = f"{ADMIN}/{account['username']}"
        pages = {
            "khoa": dict(heading="Khóa tài khoản", submit="Khóa tài khoản", ask_reason=True,
                         button_class="button-warning",
                         explanation="Người dùng mất quyền truy cập ngay: mọi phiên đăng nhập "
                                     "kết thúc, mọi mã truy cập cá nhân bị thu hồi."),
            "mo-khoa": dict(heading="Mở khóa tài khoản", submit="Mở khóa",
                            explanation="Người dùng đăng nhập lại bằng mật khẩu của mình; các "
                                        "mã truy cập đã thu hồi không dùng lại được."),
            "dat-lai-mat-khau": dict(heading="Đặt lại mật khẩu", submit="Đặt lại mật khẩu",
                                     ask_password=True,
                                     explanation="Mọi phiên đăng nhập của người dùng kết thúc "
                                                 "và việc tạm khóa vì nhập sai (nếu có) được gỡ."),
        }[what]
        return page.render("accounts/confirm.html", status=status, title=pages["heading"],
                           account=account, action=f"{base}/{what}", field_labels=FIELD_LABELS,
                           breadcrumbs=[("Quản lý tài khoản", ADMIN),
                                        (account["display_name"], base),
                                        (pages["heading"], None)], **pages)

    @http("GET", ADMIN + "/<username>/khoa")
    @page(path=UsernamePathSchema, performs="get_account")
    def workspace_account_disable_form(self, page, username):
        return self._confirm(page, "khoa")

    @http("POST", ADMIN + "/<username>/khoa")
    @page(path=UsernamePathSchema, form=reason_form, schema=DisableSchema,
          performs="disable_account")
    def workspace_account_disable(self, page, username):
        if not page.errors:
            page.write("accounts", "disable_account", username, page.body["reason"])
            return page.redirect(f"{ADMIN}/{username}", da="khoa")
        return self._confirm(page, "khoa", 400)

    @http("GET", ADMIN + "/<username>/mo-khoa")
    @page(path=UsernamePathSchema, performs="get_account")
    def workspace_account_enable_form(self, page, username):
        return self._confirm(page, "mo-khoa")

    @http("POST", ADMIN + "/<username>/mo-khoa")
    @page(path=UsernamePathSchema, performs="enable_account")
    def workspace_account_enable(self, page, username):
        page.write("accounts", "enable_account", username)
        return page.redirect(f"{ADMIN}/{username}", da="mo-khoa")

    @http("GET", ADMIN + "/<username>/dat-lai-mat-khau")
    @page(path=UsernamePathSchema, performs="get_account")
    def workspace_account_reset_form(self, page, username):
        return self._confirm(page, "dat-lai-mat-khau")

    @http("POST", ADMIN + "/<username>/dat-lai-mat-khau")
    @page(path=UsernamePathSchema, form=password_form, schema=ResetPasswordSchema,
          performs="reset_password")
    def workspace_account_reset(self, page, username):
        if not page.errors:
            try:
                done = page.write("accounts", "reset_password", username, page.body["password"])
                return page.render("accounts/created.html", title="Đã đặt lại mật khẩu",
                                   heading="Đã đặt lại mật khẩu", account=done["account"],
                                   password=done["password"], created=False)
            except ValidationFailed as refused:
                page.errors = field_errors(refused.details)
        return self._confirm(page, "dat-lai-mat-khau", 400)

"""The ``page`` decorator every workspace page wears (docs/workspace.md has the guide).

For a page, in this order:

1. its path and query text is checked (gateway/inputs.py): 400 page;
2. a signed-in page (its rule in gateway/permissions.py has roles) needs a session: the
   ``tcpl_session`` cookie, asked of the accounts service now (gateway/accounts.py); none, or
   one that ended, expired or whose account was disabled, redirects (303) to the sign-in form
   with the way back (``?tiep=``) and the reason (``&ly_do=``);
3. a POST carries the CSRF token of the session (or, on the sign-in form, of its own cookie)
   in ``csrf_token``: anything else is refused (403) before the form is read further, and
   nothing is done;
4. the role, as the API's: 403 page;
5. the path's values through ``path`` (a marshmallow schema): 404 page when they fail; the
   query's through ``query`` (the API route's query schema, for units read from it): 400 page;
6. a POST's form through ``form`` (a function of the form's fields giving the API's body)
   and ``schema`` (the API route's body schema): errors go to ``page.errors`` for the
   handler to show again with the error summary, and nothing is authorised or done;
7. the unit and the jurisdiction, exactly as the API route (``permissions.authorise``): 403
   or 404 page;
8. the handler ``fn(self, page, **path_values)`` runs and returns ``page.render(…)`` or
   ``page.redirect(…)``.

A page that carries out an API operation names it (``performs="create_account"``): its rule
in the table must be that operation's very Rule, or the gateway does not start. Pages call
the services with ``page.read`` and ``page.write`` (the same RPCs the API calls, with the
caller's context and an idempotency key from the form, so a form sent twice is done once).
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from nameko.extensions import DependencyProvider
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import redirect as werkzeug_redirect
from werkzeug.wrappers import Response

from gateway import idempotency, inputs, permissions, uploads
from gateway.accounts import principal_from
from gateway.errors import ServiceUnavailable
from gateway.http import CORRELATION_HEADER, Call, EndpointSpec, correlation_id_from
from gateway.http import _load as _load_with  # the API's loading, its messages included
from gateway.workspace import navigation, render, sessions
from kernel import idempotency as kernel_idempotency
from kernel import messages
from kernel.errors import Forbidden, KernelError, NotFound, Unauthorised, ValidationFailed

log = logging.getLogger(__name__)
MAX_FORM_BYTES = 1024 * 1024
KEY_FIELD = "idempotency_key"
# Units found from the request's body: authorised once the form is valid. Every other unit is
# authorised before the form is read, so a form sent back with errors shows nothing its sender
# may not see.
BODY_UNITS = (permissions.CAMPAIGN_BODY, permissions.KIOSK_BODY, permissions.PLAN_BODY,
              permissions.ACCOUNT_BODY, permissions.PAUSE_BODY)
SIGN_IN_REASONS = {"expired": "het-han", "ended": "ket-thuc", "disabled": "da-khoa",
                   "unknown": "ket-thuc"}


class CsrfRefused(Forbidden):
    code = "csrf_refused"


@dataclass(frozen=True)
class Settings:
    cookie_secure: bool = False
    trusted_proxy_hops: int = 0
    password_min_length: int = 12  # what the pages say; the accounts service decides


class WorkspaceSettings(DependencyProvider):
    """``SESSION_COOKIE_SECURE`` (true: the session cookie is always ``Secure``, for a
    deployment whose TLS ends before the gateway without ``X-Forwarded-Proto``),
    ``TRUSTED_PROXY_HOPS`` (how many proxies in front add to ``X-Forwarded-For``; 0: the
    connection's address is the client's) and ``PASSWORD_MIN_LENGTH`` (the accounts service's
    setting, read here to say it on the forms)."""

    def setup(self):
        config = self.container.config
        self.settings = Settings(
            cookie_secure=str(config.get("SESSION_COOKIE_SECURE", "")).lower() in ("1", "true", "yes"),
            trusted_proxy_hops=int(config.get("TRUSTED_PROXY_HOPS") or 0),
            password_min_length=int(config.get("PASSWORD_MIN_LENGTH") or 12))

    def get_dependency(self, worker_ctx):
        return self.settings


class Page:
    """One request to a workspace page, as its handler sees it."""

    def __init__(self, service, request, correlation_id: str, rule: permissions.Rule):
        self.service = service
        self.request = request
        self.correlation_id = correlation_id
        self.rule = rule
        settings = getattr(service, "workspace_settings", None) or Settings()
        self.secure = sessions.over_tls(request, settings.cookie_secure)
        self.client_address = sessions.client_address(request, settings.trusted_proxy_hops)
        self.principal = None
        self.session_id: str | None = None
        self.session: dict | None = None  # when it was made, last seen, when it expires
        self.form: MultiDict = MultiDict()
        self.body: dict | None = None
        self.errors: dict[str, list[str]] = {}
        self.target: permissions.Target | None = None
        self.upload: uploads.Upload | None = None  # the file of an upload page, if received
        self.path_args: dict = {}
        self.call = Call(request=request, correlation_id=correlation_id)
        self._cookies: list[Callable[[Response], None]] = []

    # -- what handlers use -------------------------------------------------------------------
    @property
    def csrf_token(self) -> str | None:
        return sessions.csrf_token(self.session_id) if self.session_id else None

    def render(self, template: str, status: int = 200, **context) -> Response:
        """The template with what every page's layout needs: the person, their links, the
        CSRF token, a fresh idempotency key for its forms, the form's values and the errors
        to summarise (each may be given instead)."""
        values = {"page": self, "principal": self.principal,
                  "links": navigation.visible(self.principal), "csrf_token": self.csrf_token,
                  "form_key": str(uuid.uuid4()), "errors": self.errors, "values": self.form}
        values.update(context)
        values["errors"] = {field: [messages.localise_field_message(str(m), messages.VI)
                                    for m in found]
                            for field, found in (values["errors"] or {}).items()}
        return render.html(template, status, **values)

    def redirect(self, location: str, **notice) -> Response:
        """303 to ``location`` (a path of this site), with ``notice`` as its query (a fixed
        word naming what was done, never free text)."""
        if notice:
            path, hash_mark, fragment = location.partition("#")
            location = (path + ("&" if "?" in path else "?") + urlencode(notice)
                        + hash_mark + fragment)
        response = werkzeug_redirect(location, code=303)
        return render.secure_headers(response)

    def read(self, service: str, method: str, *args, **kwargs):
        return self.service.backends.call(service, method, *args, **kwargs)

    def write(self, service: str, method: str, *args, key: str | None = None):
        """``service.method(*args, context)``: the write the API route makes, as this person,
        keyed by the form's idempotency key (or ``key``, for one of several writes a single
        form makes); the answer unwrapped."""
        key = key or self.form.get(KEY_FIELD)
        if not isinstance(key, str) or not kernel_idempotency.KEY_PATTERN.fullmatch(key):
            key = str(uuid.uuid4())
        keys = self.service.answer_keys
        self.call.request_key = idempotency.RequestKey(
            key=key, fingerprint=keys.sealed_fingerprint(
                idempotency.fingerprint("POST", self.request.path, {}, self.body)),
            answer_key=keys.for_request(self.principal.sub, key))
        answer = self.service.backends.call(service, method, *args, self.context())
        return idempotency.unwrap(answer, key)[0]

    def context(self) -> dict:
        context = self.call.context()
        context["client_address"] = self.client_address
        return context

    def on_response(self, change: Callable[[Response], None]) -> None:
        """Run ``change(response)`` on whatever this page answers (setting cookies)."""
        self._cookies.append(change)

    # -- the steps of the decorator ----------------------------------------------------------
    def read_form(self) -> None:
        self.request.max_content_length = MAX_FORM_BYTES
        try:
            self.form = self.request.form
        except RequestEntityTooLarge:
            raise ValidationFailed("Biểu mẫu quá lớn.", {"form": ["Tối đa 1 MiB."]}) from None
        inputs.check_parameters(self.form.items(multi=True))

    def sign_in(self) -> Response | None:
        """Who the session stands for, now; a redirect to the sign-in form if nobody."""
        cookie = self.request.cookies.get(sessions.SESSION_COOKIE)
        if not sessions.well_formed(cookie):
            return self.to_sign_in(None, cookie is not None)
        try:
            answer = self.service.backends.call("accounts", "authenticate_session",
                                                sessions.id_hash(cookie))
        except Unauthorised as refused:
            return self.to_sign_in(refused.details.get("reason"), True)
        self.principal = self.call.principal = principal_from(answer, "session")
        self.session_id, self.session = cookie, answer.get("session")
        return None

    def to_sign_in(self, reason: str | None, clear: bool) -> Response:
        back = self.request.full_path.rstrip("?") if self.request.method == "GET" else (
            urlsplit(self.request.headers.get("Referer", "")).path or "/can-bo/")
        query = {"tiep": sessions.local_path(back)}
        if reason in SIGN_IN_REASONS:
            query["ly_do"] = SIGN_IN_REASONS[reason]
        response = self.redirect(sessions.SIGN_IN_PATH + "?" + urlencode(query))
        if clear:
            sessions.clear_session(response, self.secure)
        return response

    def check_csrf(self) -> None:
        given = self.form.get(sessions.CSRF_FIELD)
        if self.session_id is not None:
            expected = sessions.csrf_token(self.session_id)
        else:
            form_id = self.request.cookies.get(sessions.SIGN_IN_COOKIE)
            if not sessions.well_formed(form_id):
                raise CsrfRefused("Trình duyệt cần cho phép cookie của trang này để đăng nhập. "
                                  "Hãy bật cookie rồi tải lại trang đăng nhập.",
                                  {"reason": "no_cookie"})
            expected = sessions.sign_in_csrf_token(form_id)
        if not sessions.csrf_matches(expected, given):
            raise CsrfRefused("Biểu mẫu đã hết hiệu lực hoặc không do trang này tạo ra, nên "
                              "không được thực hiện. Hãy tải lại trang và thử lại.",
                              {"reason": "csrf"})

    def failure(self, exc: BaseException) -> Response:
        """Any refusal or error as a Vietnamese page, with a stable code for machines in
        ``data-error`` (and the rule in ``data-rule``)."""
        if isinstance(exc, Unauthorised):
            return self.to_sign_in((exc.details or {}).get("reason"), True)
        if not isinstance(exc, KernelError):
            log.error("workspace page failed [correlation_id=%s]", self.correlation_id,
                      exc_info=exc)
            return self._error(500, "Đã có lỗi xảy ra", "Hệ thống gặp lỗi khi hiển thị trang. "
                               f"Lỗi đã được ghi lại; mã tra cứu: {self.correlation_id}.",
                               "internal_error")
        status = exc.http_status
        if status == 503 or isinstance(exc, ServiceUnavailable):
            response = self._error(503, "Hệ thống tạm thời chưa trả lời",
                                   "Một dịch vụ đang bận hoặc tạm ngừng. Xin vui lòng thử lại "
                                   "sau ít phút.", exc.code)
            retry = getattr(exc, "retry_after", None) or (exc.details or {}).get("retry_after")
            if retry:
                response.headers["Retry-After"] = str(int(retry))
            return response
        titles = {400: "Yêu cầu không hợp lệ", 403: "Bạn không có quyền thực hiện việc này",
                  404: "Không tìm thấy", 409: "Không thực hiện được",
                  413: "Biểu mẫu quá lớn", 429: "Tạm thời chưa thực hiện được"}
        message = exc.message if _vietnamese(exc.message) else {
            400: "Yêu cầu có giá trị không hợp lệ.", 404: "Không tìm thấy trang hoặc dữ liệu bạn cần."
        }.get(status, "Yêu cầu không thực hiện được.")
        if status >= 500:
            log.error("workspace page: %s [correlation_id=%s]", exc.code, self.correlation_id)
            status, message = 500, f"Hệ thống gặp lỗi; mã tra cứu: {self.correlation_id}."
        return self._error(status, titles.get(status, "Không thực hiện được"), message, exc.code,
                           (exc.details or {}).get("rule"))

    def _error(self, status, title, message, code, rule=None) -> Response:
        return self.render("error.html", status=status, title=title, message=message,
                           error_code=code, rule=rule, status_code=status)

    def finish(self, response: Response) -> Response:
        response.headers[CORRELATION_HEADER] = self.correlation_id
        for change in self._cookies:
            change(response)
        return response


def _vietnamese(text: str) -> bool:
    """Messages meant for people here are Vietnamese; a few of the gateway's own are not."""
    return any(ch in text for ch in "ăâđêôơưáàảãạếềểễệốồổỗộớờởỡợúùủũụứừửữựíìỉĩịýỳỷỹỵéèẻẽẹóòỏõọ")


def page(*, path=None, form: Callable[[MultiDict], dict] | None = None, schema=None,
         performs: str | None = None, query=None, upload: bool = False):
    """Wrap a workspace page ``fn(self, page, **path_values)`` (module docstring). An
    ``upload`` page takes a file (multipart/form-data, the API's gateway/uploads.py): its unit
    is authorised before a byte of the file is read, then the CSRF token in its fields is
    checked; a file the reader refuses (too large, none chosen) lands in
    ``page.errors["file"]`` with ``page.upload`` None."""

    def decorate(fn):
        rule = permissions.rule_for(fn.__name__)
        if performs is not None and permissions.rule_for(performs) is not rule:
            raise LookupError(
                f"the page {fn.__name__} performs {performs}: gateway/permissions.py must give "
                f"it {performs}'s very rule (PAGE_OPERATIONS)")
        spec = EndpointSpec(roles=rule.roles, path=path, document=False, rule=rule)

        @functools.wraps(fn)
        def handler(service, request, **path_values):
            current = Page(service, request, correlation_id_from(request), rule)
            try:
                response = _serve(fn, service, current, path, form, schema, path_values,
                                  query, upload)
            except Exception as exc:  # every failure leaves as a page
                response = current.failure(exc)
            finally:
                if current.upload is not None:
                    current.upload.close()
            return current.finish(response)

        handler.endpoint_spec = spec
        handler.page_performs = performs
        return handler

    return decorate


def _serve(fn, service, page: Page, path_schema, reader, schema, path_values,
           query_schema=None, upload: bool = False) -> Response:
    request, rule = page.request, page.rule
    inputs.check_parameters(path_values.items())
    inputs.check_parameters(request.args.items(multi=True))
    posted = request.method == "POST"
    if rule.roles is not None:
        refusal = page.sign_in()
        if refusal is not None:
            return refusal
    if posted and not upload:
        page.read_form()
        page.check_csrf()
    if rule.roles is not None:
        permissions.require_role(rule, page.principal)
    try:
        page.path_args = _load(path_schema, path_values)
    except ValidationFailed:
        raise NotFound("Không tìm thấy trang hoặc dữ liệu bạn cần.") from None
    if query_schema is not None:  # the API's query schema: units such as a roll-up's read it
        page.call.query = _load(query_schema, request.args.to_dict(flat=True))
    from_body = rule.unit in BODY_UNITS
    if not from_body:
        page.target = permissions.authorise(rule, service, page.call, page.path_args)
    if posted and upload:
        _receive(service, page)
    if posted and reader is not None:
        try:
            # A reader marked ``reads_files`` also gets the uploaded files (a .docx plan).
            read = (reader(page.form, page.request.files) if getattr(reader, "reads_files", False)
                    else reader(page.form))
            page.body = _load(schema, read)
        except ValidationFailed as refused:
            page.errors = field_errors(refused.details)
    if from_body and not page.errors:
        page.call.body = page.body
        page.target = permissions.authorise(rule, service, page.call, page.path_args)
    return fn(service, page, **page.path_args)


def _receive(service, page: Page) -> None:
    try:
        page.upload = uploads.receive(page.request, service.evidence.max_bytes)
    except KernelError as refused:  # too large (413), not multipart (415), no file (400)
        if refused.http_status >= 500:
            raise
        # Nothing is done with a refused upload: its form comes back with the reason, and a
        # forged one (whose token is not read here) achieves nothing either.
        found = field_errors(refused.details) if isinstance(refused, ValidationFailed) else {}
        page.errors = {uploads.FILE_FIELD: found.get(uploads.FILE_FIELD) or [refused.message]}
        return
    page.form = MultiDict(page.upload.fields)
    page.check_csrf()


def _load(schema_cls, data) -> dict:
    return _load_with(schema_cls, data)


def field_errors(details) -> dict[str, list[str]]:
    """``{field: [messages]}`` from a refusal's details, nested fields flattened to their own
    name (``jurisdiction.province`` → ``province``), as forms name their inputs."""
    found: dict[str, list[str]] = {}

    def walk(value, name):
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, name if key == "_schema" and name else str(key))
        elif isinstance(value, list | tuple):
            for inner in value:
                walk(inner, name)
        elif value not in (None, ""):
            # As the schema wrote it: a page may say more for its own field than the
            # catalogue's general words ("Chọn hình thức niêm yết." for a missing channel);
            # whatever is left in English is localised when the page is rendered.
            found.setdefault(name or "_form", []).append(str(value))

    walk(details or {}, "")
    return found

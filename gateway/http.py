"""JSON in and out: the ``endpoint`` decorator every route handler wears.

It authenticates when the route needs a role, validates path, query and body against
marshmallow schemas, enforces the route's rule of gateway/permissions.py, runs the handler,
and turns whatever was raised into the one error shape. Every response carries
``X-Correlation-Id``; every response to a signed-in caller's write carries its
``Idempotency-Key`` (gateway/idempotency.py).
"""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass, field

from marshmallow import ValidationError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from gateway import idempotency, inputs, language, permissions, uploads
from gateway.auth import Principal
from gateway.errors import InvalidJson, PayloadTooLarge, as_kernel_error
from gateway.permissions import AUTHENTICATED  # noqa: F401 (gateway/openapi.py reads it here)
from kernel.errors import ValidationFailed

CORRELATION_HEADER = "X-Correlation-Id"
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class EndpointSpec:
    """What the decorator knows about a route; the OpenAPI generator reads it too."""

    roles: tuple[str, ...] | None = None
    body: type | None = None
    query: type | None = None
    path: type | None = None
    document: bool = True
    rule: permissions.Rule | None = None
    #: a file upload (multipart/form-data): the schema of its fields besides ``file``
    upload: type | None = None


@dataclass
class Call:
    """One request as a handler sees it, after authentication and validation."""

    request: object
    correlation_id: str
    principal: Principal | None = None
    body: dict | None = None
    query: dict = field(default_factory=dict)
    #: the unit the request acts on, its jurisdiction checked (gateway/permissions.py)
    target: permissions.Target | None = None
    request_key: idempotency.RequestKey | None = None
    #: the received file of an upload route (gateway/uploads.py), closed after the handler
    upload: uploads.Upload | None = None

    def context(self) -> dict:
        """What every write passes to a backing service: who, which request, and its
        idempotency key."""
        context = {"actor": self.principal.to_actor().to_dict(),
                   "correlation_id": self.correlation_id}
        if self.request_key is not None:
            context["idempotency"] = self.request_key.context()
        return context

    @property
    def idempotency_key(self) -> str | None:
        return None if self.request_key is None else self.request_key.key


def correlation_id_from(request) -> str:
    """The caller's correlation id when it is a UUID, so traces can span systems; a new one otherwise."""
    given = request.headers.get(CORRELATION_HEADER, "").strip()
    try:
        return str(uuid.UUID(given))
    except ValueError:
        return str(uuid.uuid4())


def json_response(body, status: int = 200, correlation_id: str | None = None,
                  headers: dict | None = None) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                        mimetype="application/json", headers=headers)
    if correlation_id:
        response.headers[CORRELATION_HEADER] = correlation_id
    return response


def error_response(exc: BaseException, correlation_id: str, headers: dict | None = None,
                   request=None) -> Response:
    """The one error shape, its message in the language ``request`` asks for
    (gateway/language.py); Vietnamese without a request."""
    error = as_kernel_error(exc, correlation_id)
    answered_in = language.of(request)
    headers = {**(headers or {}), language.CONTENT_HEADER: answered_in,
               "Vary": language.HEADER}
    if error.http_status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="tcpl"'
    if getattr(error, "retry_after", None):  # a breaker open, a bulkhead full (bulkheads.py)
        headers["Retry-After"] = str(int(error.retry_after))
    return json_response(error.to_dict(answered_in), error.http_status, correlation_id, headers)


def endpoint(*, body=None, query=None, path=None, upload=None, document: bool = True):
    """Wrap a handler ``fn(self, call, **path_values) -> dict | (status, dict) | Response``.

    Who may call it is the rule gateway/permissions.py gives the handler's name: a handler
    the table does not name raises LookupError here, when its class is defined. The service
    must have ``auth`` (gateway.dependencies.Authenticator), ``backends`` and
    ``reviewing_levels`` (gateway.reviewing_levels.ReviewingLevels) dependencies, and for an
    ``upload`` route (a file in multipart/form-data, its other fields checked by the
    ``upload`` schema) ``evidence`` (gateway.evidence.EvidenceFilesProvider, the size limit).
    """
    if body is not None and upload is not None:
        raise ValueError("a route takes a JSON body or an upload, not both")

    def decorate(fn):
        rule = permissions.rule_for(fn.__name__)
        spec = EndpointSpec(roles=rule.roles, body=body, query=query, path=path,
                            document=document, rule=rule, upload=upload)

        @functools.wraps(fn)
        def handler(service, request, **path_values):
            correlation_id = correlation_id_from(request)
            call = None
            try:
                call, path_args = _prepare(service, request, path_values, correlation_id, spec)
                return _to_response(fn(service, call, **path_args), correlation_id,
                                    call.idempotency_key)
            except Exception as exc:  # every failure must leave as the one error shape
                return error_response(exc, correlation_id, idempotency.headers(
                    None if call is None else call.idempotency_key), request)
            finally:
                if call is not None and call.upload is not None:
                    call.upload.close()

        handler.endpoint_spec = spec
        return handler

    return decorate


def _prepare(service, request, path_values: dict, correlation_id: str,
             spec: EndpointSpec) -> tuple[Call, dict]:
    # Authenticate first, so that anonymous callers learn nothing from validation errors.
    principal = None
    if spec.roles is not None:
        principal = service.auth.authenticate(request, service.backends)
        permissions.require_role(spec.rule, principal)
    inputs.check_parameters(path_values.items())
    inputs.check_parameters(request.args.items(multi=True))
    path_args = _load(spec.path, path_values)
    call = Call(
        request=request,
        correlation_id=correlation_id,
        principal=principal,
        query=_load(spec.query, request.args.to_dict(flat=True)),
        body=_load(spec.body, _json_body(request)) if spec.body is not None else None,
    )
    if spec.upload is None:
        _key(service, request, spec, call)
        call.target = permissions.authorise(spec.rule, service, call, path_args)
        return call, path_args
    # The unit is in the path: a caller without jurisdiction is refused before a byte of the
    # file is read. The file is then received, and fingerprinted by its SHA-256.
    call.target = permissions.authorise(spec.rule, service, call, path_args)
    call.upload = uploads.receive(request, service.evidence.max_bytes)
    try:
        call.body = {**_load_fields(spec.upload, call.upload.fields),
                     "file": call.upload.describe()}
        _key(service, request, spec, call)
    except BaseException:
        call.upload.close()
        raise
    return call, path_args


def _key(service, request, spec: EndpointSpec, call: Call) -> None:
    if idempotency.keyed(request.method, spec.roles):
        call.request_key = idempotency.request_key(request, service.answer_keys,
                                                   call.principal.sub, call.query, call.body)


@functools.cache
def _schema(schema_cls):
    # Building a schema costs more than loading a small body with it; loading leaves the
    # instance unchanged, so one per class serves every request.
    return schema_cls()


def _load(schema_cls, data) -> dict:
    if schema_cls is None:
        return dict(data)
    try:
        return _schema(schema_cls).load(data)
    except ValidationError as exc:
        raise ValidationFailed("request.invalid", exc.messages) from None


@functools.cache
def _fields_schema(schema_cls):
    """The upload's schema without its file, which gateway/uploads.py receives."""
    return schema_cls(exclude=(uploads.FILE_FIELD,))


def _load_fields(schema_cls, data) -> dict:
    try:
        return _fields_schema(schema_cls).load(data)
    except ValidationError as exc:
        raise ValidationFailed("request.invalid", exc.messages) from None


def _json_body(request):
    # Also caps chunked bodies, which announce no length (Werkzeug stops reading at the cap).
    request.max_content_length = MAX_BODY_BYTES
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise PayloadTooLarge("request.body_too_large", {"max_bytes": MAX_BODY_BYTES}) from None
    if not raw.strip():
        raise InvalidJson("request.body_empty")
    return inputs.parse_body(raw)


def _to_response(result, correlation_id: str, idempotency_key: str | None = None) -> Response:
    if isinstance(result, Response):
        result.headers[CORRELATION_HEADER] = correlation_id
        result.headers.update(idempotency.headers(idempotency_key))
        return result
    status, body = result if isinstance(result, tuple) else (200, result)
    replayed = False
    if idempotency_key is not None:
        body, replayed = idempotency.unwrap(body, idempotency_key)
    return json_response(body, status, correlation_id,
                         idempotency.headers(idempotency_key, replayed))

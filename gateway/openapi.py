"""The OpenAPI document, generated from the routes, their docstrings and their schemas.

Each handler's docstring gives the summary (first line), the description (up to ``---``)
and, after ``---``, YAML for the rest of the operation (tags, responses). What the
``endpoint`` decorator knows (roles, path, query and body schemas) is added here, so the
document cannot drift from what the gateway enforces.
"""

from __future__ import annotations

import copy
import functools
import inspect
import re
import sys

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.yaml_utils import load_yaml_from_docstring
from marshmallow import Schema

from gateway import idempotency, language, schemas, uploads
from gateway.http import AUTHENTICATED
from gateway.web import JsonHttpRequestHandler
from storage import filetypes

TITLE = "API TCPL"
VERSION = "1.0.0"
DESCRIPTION = (
    "API của nền tảng chuẩn tiếp cận pháp luật (TCPL). Mọi lỗi có dạng "
    '`{"error": mã, "message": câu giải thích, "details": {...}}`; câu giải thích bằng tiếng '
    "Việt, hoặc tiếng Anh khi yêu cầu gửi `Accept-Language: en` (tiêu đề `Content-Language` "
    "của câu trả lời cho biết ngôn ngữ)."
)
SECURITY_SCHEME = "bearerAuth"
# Declared up front so that the docs page lists them in this order, not in path order.
TAGS = (
    {"name": "Hệ thống", "description": "Tình trạng của cổng và các dịch vụ phía sau."},
    {"name": "Đơn vị hành chính", "description": "Tỉnh, thành phố và xã, phường, đặc khu hiện hành."},
    {"name": "Cấp thẩm định", "description": "Cấp nào thẩm định hồ sơ đề nghị công nhận, theo tỉnh và năm."},
    {"name": "Kiểm toán", "description": "Đọc lại các sự kiện đã ghi của từng dịch vụ."},
)
UPLOADED_TYPES = ", ".join(kind.media_type for kind in filetypes.ALLOWED)
_WERKZEUG_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
# eventlet's web server answers a request line over 8 KiB itself, with no body.
URI_TOO_LONG = {"description": "Địa chỉ yêu cầu (URL) dài hơn 8 KiB: máy chủ web từ chối ngay, "
                               "không có nội dung trả về."}


@functools.cache
def document_for(service_cls) -> dict:
    """Built once per service class: the routes cannot change while it runs."""
    return build(service_cls)


def build(service_cls) -> dict:
    spec = APISpec(title=TITLE, version=VERSION, openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()], info={"description": DESCRIPTION})
    for tag in TAGS + tuple(t for cls in reversed(service_cls.__mro__)
                            for t in vars(cls).get("OPENAPI_TAGS", ())):
        spec.tag(tag)
    spec.components.security_scheme(
        SECURITY_SCHEME, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Error", schema=schemas.ErrorSchema)
    spec.components.response("Error", {
        "description": "Lỗi; xem trường error để biết mã lỗi.",
        "content": {"application/json": {"schema": "Error"}},
        "headers": {language.CONTENT_HEADER: {
            "description": "Ngôn ngữ của câu giải thích (message) và của các thông báo trong "
                           "details: vi hoặc en.",
            "schema": {"type": "string", "enum": ["vi", "en"]}}},
    })
    operations = []
    for url, method, handler in sorted(routes(service_cls)):
        path = _WERKZEUG_PARAM.sub(r"{\1}", url)
        operations.append((path, method.lower(), operation(handler, path, method)))
    _link_creations(operations)
    for path, method, op in operations:
        spec.path(path=path, operations={method: op})
    return spec.to_dict()


def _link_creations(operations) -> None:
    """OpenAPI links from what a creation (201) answers to the operations on what it created:
    its answer carries every path parameter they need (a plan's plan_id, an assessment's
    commune_code and year). Clients, and the fuzz run's stateful phase, follow them."""
    for _, _, op in operations:
        created = op["responses"].get("201")
        schema = (created.get("content", {}).get("application/json", {}).get("schema")
                  if isinstance(created, dict) else None)
        if not (isinstance(schema, type) and issubclass(schema, Schema)):
            continue
        carried = set(schema._declared_fields)
        links = {}
        for path, _, other in operations:
            needed = re.findall(r"{([^}]+)}", path)
            if other is not op and needed and set(needed) <= carried:
                links[other["operationId"]] = {
                    "operationId": other["operationId"],
                    "parameters": {name: f"$response.body#/{name}" for name in needed}}
        if links:
            created["links"] = links


def routes(service_cls):
    """(url, method, handler) for every documented HTTP route of the service."""
    for _, member in inspect.getmembers(service_cls, inspect.isfunction):
        endpoint_spec = getattr(member, "endpoint_spec", None)
        if endpoint_spec is None or not endpoint_spec.document:
            continue
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            if isinstance(entrypoint, JsonHttpRequestHandler):
                for method in entrypoint.method.split(","):
                    yield entrypoint.url, method.strip(), member


def operation(handler, path: str, method: str = "GET") -> dict:
    endpoint_spec = handler.endpoint_spec
    summary, description = _summary_and_description(handler.__doc__ or "")
    op = {"summary": summary, "operationId": handler.__name__}
    if description:
        op["description"] = description
    namespaces = (sys.modules[handler.__module__], schemas)
    op.update(_bind_schemas(load_yaml_from_docstring(handler.__doc__ or ""), namespaces))
    op["parameters"] = (_parameters(endpoint_spec, path) + op.get("parameters", [])
                        + [copy.deepcopy(LANGUAGE_PARAMETER)])
    responses = op.setdefault("responses", {})
    if endpoint_spec.body is not None:
        op["requestBody"] = {"required": True,
                             "content": {"application/json": {"schema": endpoint_spec.body}}}
    if endpoint_spec.upload is not None:  # a file, in multipart/form-data (gateway/uploads.py)
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {
            "schema": endpoint_spec.upload,
            "encoding": {uploads.FILE_FIELD: {"contentType": UPLOADED_TYPES}}}}}
        responses.setdefault(413, "Error")
        responses.setdefault(415, "Error")
    # Every route checks the text of its path and query (gateway/inputs.py), hence 400 always.
    responses.setdefault(400, "Error")
    responses.setdefault(414, URI_TOO_LONG)
    if "{" in path:  # a value its converter refuses (a year "next") matches no route
        responses.setdefault(404, "Error")
    if endpoint_spec.body is not None:
        responses.setdefault(413, "Error")  # larger than 1 MiB
    if endpoint_spec.roles is not None:
        op["security"] = [{SECURITY_SCHEME: []}]
        responses.setdefault(401, "Error")
        if endpoint_spec.roles != AUTHENTICATED:
            responses.setdefault(403, "Error")
            op["description"] = (op.get("description", "") +
                                 f"\n\nVai trò được phép: {', '.join(endpoint_spec.roles)}.").strip()
    responses.setdefault(500, "Error")
    if idempotency.keyed(method, endpoint_spec.roles):
        _document_idempotency(op, responses)
    op["responses"] = {str(code): responses[code] for code in sorted(responses, key=int)}
    return op


LANGUAGE_PARAMETER = {
    "in": "header", "name": language.HEADER, "required": False,
    "description": ("Ngôn ngữ của thông báo lỗi: tiếng Việt, trừ khi tiếng Anh được ưu tiên hơn "
                    "(ví dụ en, en-GB hoặc fr, en;q=0.8, vi;q=0.5). Chỉ message và các thông "
                    "báo trong details đổi theo; mã lỗi (error) thì không."),
    # Any value is taken (one the gateway cannot read gives Vietnamese), so none is refused.
    "schema": {"type": "string", "example": "en"},
}
IDEMPOTENCY_PARAMETER = {
    "in": "header", "name": idempotency.HEADER, "required": False,
    "description": (
        "Khóa để gửi lại yêu cầu mà không thực hiện hai lần: cùng khóa và cùng nội dung trả "
        "lại câu trả lời đầu tiên (kèm Idempotent-Replayed: true); cùng khóa, khác nội dung "
        "là 409 idempotency_key_reused. Không gửi thì cổng tự tạo một UUID và trả về trong "
        f"tiêu đề {idempotency.HEADER}. Khóa được giữ ít nhất IDEMPOTENCY_KEEP_DAYS ngày "
        "(mặc định 7)."),
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_LENGTH,
               "pattern": "^[!-~]+$"},
}
_IDEMPOTENCY_HEADERS = {
    idempotency.HEADER: {"description": "Khóa idempotency của yêu cầu (gửi lên hoặc cổng tạo).",
                         "schema": {"type": "string"}},
    idempotency.REPLAYED_HEADER: {
        "description": "true khi đây là câu trả lời đã lưu của lần gửi đầu tiên.",
        "schema": {"type": "string", "enum": ["true"]}},
}


def _document_idempotency(op: dict, responses: dict) -> None:
    """What the endpoint decorator adds to a signed-in caller's write: the key header, the
    400 for a malformed key, the 409 for a reused one, and the headers of the answer."""
    op["parameters"].append(copy.deepcopy(IDEMPOTENCY_PARAMETER))  # apispec edits in place
    responses.setdefault(400, "Error")
    responses.setdefault(409, "Error")
    for code, response in responses.items():
        if 200 <= int(code) < 300 and isinstance(response, dict):
            response.setdefault("headers", {}).update(copy.deepcopy(_IDEMPOTENCY_HEADERS))


def _parameters(endpoint_spec, path: str) -> list:
    params = []
    if endpoint_spec.path is not None:
        params.append({"in": "path", "schema": endpoint_spec.path})
    declared = set(endpoint_spec.path._declared_fields) if endpoint_spec.path else set()
    for name in re.findall(r"{([^}]+)}", path):
        if name not in declared:
            params.append({"in": "path", "name": name, "required": True,
                           "description": "Mã đơn vị hành chính.", "schema": {"type": "string"}})
    if endpoint_spec.query is not None:
        params.append({"in": "query", "schema": endpoint_spec.query})
    return params


def _bind_schemas(node, namespaces):
    """Replace schema names in docstring YAML by the classes of the handler's module or of
    gateway.schemas.

    apispec would look names up in marshmallow's global class registry, where another
    package's schema of the same name (reference.legacy_schema has a CommuneSchema) makes
    the name ambiguous and the reference dangle.
    """
    if isinstance(node, dict):
        return {key: (_schema_named(value, namespaces) if key == "schema" and isinstance(value, str)
                      else _bind_schemas(value, namespaces))
                for key, value in node.items()}
    if isinstance(node, list):
        return [_bind_schemas(value, namespaces) for value in node]
    return node


def _schema_named(name: str, namespaces):
    for namespace in namespaces:
        if hasattr(namespace, name):
            return getattr(namespace, name)
    raise LookupError(f"no schema named {name} for the OpenAPI document")


def _summary_and_description(docstring: str) -> tuple[str, str]:
    text = inspect.cleandoc(docstring).split("---", 1)[0].strip()
    summary, _, rest = text.partition("\n")
    return summary.strip(), rest.strip()

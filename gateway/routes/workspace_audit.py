"""The auditor's pages (``/can-bo/kiem-toan``): the event browser with its filters and pages,
a commune's timeline, one action's trail through every service, each service's hash chain and
its signed heads, and CSV exports. They ask the services exactly what the audit API routes
(gateway/routes/audit.py) ask, with the same query schema and the same rules.

| URL | page |
|---|---|
| ``/can-bo/kiem-toan`` | events, filtered (service, type, commune, stream, actor, dates, correlation), 50 a page |
| ``/can-bo/kiem-toan/tai-ve.csv`` | the same filters, every matching event as CSV |
| ``/can-bo/kiem-toan/xa`` | a commune's timeline, day by day |
| ``/can-bo/kiem-toan/tuong-quan/<id>`` | one action's events and what caused what; ``/tai-ve.csv`` |
| ``/can-bo/kiem-toan/chuoi-bam`` | each service's hash chain checked against its signatures |
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from gateway.routes.audit import audit_filters, causation, decode_cursor, download
from gateway.routes.audit_schemas import AuditEventsQuerySchema, CorrelationPathSchema
from gateway.schemas import BACKING_SERVICES
from gateway.web import http
from gateway.workspace import labels
from gateway.workspace.navigation import Link, register
from gateway.workspace.pages import _load, field_errors, page
from kernel import clock
from kernel.errors import ValidationFailed

AUDIT = "/can-bo/kiem-toan"
PAGE_SIZE = 50
TIMELINE_SIZE = 200
SERVICE_LABELS = {"assessment": "Đánh giá", "plans": "Kế hoạch", "publication": "Công bố",
                  "survey": "Khảo sát", "accounts": "Tài khoản"}
# The page's query words → the API's parameters (the schema validates the latter).
QUERY_WORDS = {"dich_vu": "source", "loai": "type", "xa": "commune", "luong": "stream",
               "nguoi": "actor", "tu": "from", "den": "to", "tuong_quan": "correlation_id"}
API_TO_WORD = {api: word for word, api in QUERY_WORDS.items()}
FIELD_LABELS = {"dich_vu": "Dịch vụ", "loai": "Loại sự kiện", "xa": "Mã xã", "luong": "Luồng",
                "nguoi": "Người thực hiện", "tu": "Từ ngày", "den": "Đến ngày",
                "tuong_quan": "Mã tương quan", "trang": "Trang", "ma": "Mã xã"}
BROKEN_KINDS = {"edited": "sự kiện bị sửa", "link": "liên kết băm sai",
                "missing": "sự kiện bị xóa", "signed_head": "đoạn sự kiện không khớp chữ ký",
                "signature": "chữ ký giả", "unknown_key": "chữ ký bằng khóa lạ",
                "equivocation": "hai chữ ký mâu thuẫn", "store_head": "đầu kho bị sửa",
                "signing": "dịch vụ từ chối ký tiếp"}

register(Link("Kiểm toán", AUDIT, "workspace_audit_events",
              "Tra cứu sự kiện của mọi dịch vụ, dòng thời gian của một xã, kiểm tra chuỗi băm "
              "và tải về CSV."))


def _vietnamese_messages(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """marshmallow's few English messages the filters can meet, said in Vietnamese."""
    said = {}
    for field, messages in errors.items():
        said[field] = [("Quá dài: tối đa 200 ký tự." if m.startswith("Length must be")
                        else "Hãy chọn trong danh sách." if m.startswith("Must be one of")
                        else "Giá trị không hợp lệ." if not any(ord(c) > 127 for c in m)
                        else m) for m in messages]
    return said


def read_filters(args) -> tuple[dict, dict, dict]:
    """(the words as typed, the loaded API query, errors by word) from a page's query."""
    typed = {word: (args.get(word) or "").strip() for word in QUERY_WORDS}
    data = {api: typed[word] for word, api in QUERY_WORDS.items() if typed[word]}
    data.setdefault("source", "all")
    try:
        query = _load(AuditEventsQuerySchema, data)
    except ValidationFailed as refused:
        found = field_errors(refused.details)
        return typed, {}, _vietnamese_messages(
            {API_TO_WORD.get(name, name): messages for name, messages in found.items()})
    return typed, query, {}


def _cursor(args) -> dict:
    try:
        return decode_cursor(args.get("trang") or None)
    except ValidationFailed:
        raise ValidationFailed("Liên kết trang không hợp lệ: hãy quay về trang đầu.",
                               {"trang": ["Con trỏ trang không hợp lệ."]}) from None


def event_row(event: dict) -> dict:
    """What a row of the pages shows of an event."""
    meta = event.get("metadata") or {}
    data = event.get("data") or {}
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
    commune = data.get("commune_code") if isinstance(data.get("commune_code"), str) else None
    return {"source": event["source"], "service": SERVICE_LABELS.get(event["source"], event["source"]),
            "position": event["position"], "type": event["type"],
            "label": labels.EVENT_LABELS.get(event["type"]), "stream": event["stream"],
            "version": event["version"], "recorded_at": meta.get("recorded_at"),
            "actor": meta.get("actor"), "role": meta.get("role"),
            "correlation_id": meta.get("correlation_id"), "causation_id": meta.get("causation_id"),
            "commune": commune, "data": text if len(text) <= 300 else text[:297] + "…",
            "id": event["id"], "hash": (event.get("hash") or "")[:16]}


def _tree_rows(nodes: list[dict], depth: int = 0) -> list[dict]:
    """The causation forest flattened, each node with its depth, for an indented list."""
    rows = []
    for node in nodes:
        rows.append({**node, "depth": min(depth, 8),
                     "service": SERVICE_LABELS.get(node["source"], node["source"])})
        rows += _tree_rows(node.get("caused") or [], depth + 1)
    return rows


def chain_row(source: str, report: dict) -> dict:
    heads = report.get("signed_heads") or {}
    latest = heads.get("latest") or {}
    state = ("ok" if report.get("ok") else "unverified" if report.get("error") else "failed")
    return {"source": source, "service": SERVICE_LABELS.get(source, source), "state": state,
            "state_label": {"ok": "Nguyên vẹn", "failed": "Có chỗ hỏng",
                            "unverified": "Chưa kiểm tra được"}[state],
            "checked": report.get("checked"), "head_position": report.get("head_position"),
            "heads_checked": heads.get("checked"), "keys_checked": heads.get("keys_checked"),
            "latest_position": latest.get("position"), "latest_signed_at": latest.get("signed_at"),
            "latest_key": latest.get("key_id"), "unsigned_events": heads.get("unsigned_events"),
            "copies_checked": report.get("copies_checked"),
            "copies_error": report.get("copies_error"), "error": report.get("error"),
            "broken": [{**place, "kind_label": BROKEN_KINDS.get(place.get("kind"), place.get("kind"))}
                       for place in report.get("broken") or []],
            "more_broken": report.get("more_broken") or 0}


class WorkspaceAuditRoutes:
    """Mixin of GatewayService (with AuditRoutes, whose ``_page``, ``_collect`` and
    ``chain_reports`` these pages share)."""

    @http("GET", AUDIT)
    @page(performs="audit_events")
    def workspace_audit_events(self, page):
        args = page.request.args
        typed, query, errors = read_filters(args)
        events, next_cursor, filtered = [], None, any(typed.values())
        if not errors:
            try:
                positions = _cursor(args)
                sources, filters = audit_filters(query, query.get("type") or [])
                found, next_cursor = page.service._page(sources, filters, positions, PAGE_SIZE)
                events = [event_row(e) for e in found]
            except ValidationFailed as refused:
                errors = _vietnamese_messages(field_errors(refused.details)) or {
                    "_form": [refused.message]}
        shown = {word: value for word, value in typed.items() if value}
        status = 400 if errors else 200
        return page.render(
            "audit/events.html", status=status, title="Tra cứu sự kiện", errors=errors,
            field_labels=FIELD_LABELS, typed=typed, events=events, filtered=filtered,
            services=SERVICE_LABELS,
            next_page=(AUDIT + "?" + urlencode({**shown, "trang": next_cursor})
                       if next_cursor else None),
            first_page=(AUDIT + "?" + urlencode(shown)) if args.get("trang") else None,
            export=AUDIT + "/tai-ve.csv" + ("?" + urlencode(shown) if shown else ""),
            breadcrumbs=[("Trang chủ", "/can-bo/"), ("Kiểm toán", None)])

    @http("GET", AUDIT + "/tai-ve.csv")
    @page(performs="audit_events")
    def workspace_audit_export(self, page):
        _, query, errors = read_filters(page.request.args)
        if errors:
            raise ValidationFailed("Bộ lọc không hợp lệ: hãy sửa bộ lọc ở trang tra cứu rồi tải lại.",
                                   errors)
        sources, filters = audit_filters(query, query.get("type") or [])
        events, cursor = page.service._collect(sources, filters, {})
        body = {"sources": list(sources), "filters": filters,
                "exported_at": clock.now().isoformat(), "next_cursor": cursor}
        return download(body, events, "csv", "tcpl-audit-events")

    @http("GET", AUDIT + "/xa")
    @page(performs="audit_events")
    def workspace_audit_commune(self, page):
        args = page.request.args
        code = (args.get("ma") or "").strip()
        typed = {"ma": code, "tu": (args.get("tu") or "").strip(),
                 "den": (args.get("den") or "").strip()}
        days, errors, next_cursor, name = [], {}, None, None
        if code:
            data = {"source": "all", "commune": code,
                    **{api: typed[word] for word, api in (("tu", "from"), ("den", "to"))
                       if typed[word]}}
            try:
                query = _load(AuditEventsQuerySchema, data)
            except ValidationFailed as refused:
                errors = _vietnamese_messages({{"commune": "ma", "from": "tu", "to": "den"}.get(k, k): v
                                               for k, v in field_errors(refused.details).items()})
            if not errors:
                name = labels.commune_name(code)
                sources, filters = audit_filters(query, [])
                found, next_cursor = page.service._page(sources, filters, _cursor(args),
                                                        TIMELINE_SIZE)
                for event in map(event_row, found):
                    day = (event["recorded_at"] or "")[:10]
                    if not days or days[-1]["day"] != day:
                        days.append({"day": day, "events": []})
                    days[-1]["events"].append(event)
        shown = {word: value for word, value in typed.items() if value}
        return page.render(
            "audit/commune.html", status=400 if errors else 200, title="Dòng thời gian của xã",
            errors=errors, field_labels=FIELD_LABELS, typed=typed, days=days, commune_name=name,
            next_page=(AUDIT + "/xa?" + urlencode({**shown, "trang": next_cursor})
                       if next_cursor else None),
            breadcrumbs=[("Trang chủ", "/can-bo/"), ("Kiểm toán", AUDIT),
                         ("Dòng thời gian của xã", None)])

    @http("GET", AUDIT + "/tuong-quan/<correlation_id>")
    @page(path=CorrelationPathSchema, performs="audit_correlation")
    def workspace_audit_correlation(self, page, correlation_id):
        events, cursor = page.service._collect(BACKING_SERVICES,
                                               {"correlation_id": correlation_id}, {})
        _, tree = causation(events)
        return page.render(
            "audit/correlation.html", title="Theo dấu một thao tác", correlation_id=correlation_id,
            events=[event_row(e) for e in events], tree=_tree_rows(tree), truncated=bool(cursor),
            sources=sorted({SERVICE_LABELS.get(e["source"], e["source"]) for e in events}),
            breadcrumbs=[("Trang chủ", "/can-bo/"), ("Kiểm toán", AUDIT),
                         ("Theo dấu một thao tác", None)])

    @http("GET", AUDIT + "/tuong-quan/<correlation_id>/tai-ve.csv")
    @page(path=CorrelationPathSchema, performs="audit_correlation")
    def workspace_audit_correlation_export(self, page, correlation_id):
        events, cursor = page.service._collect(BACKING_SERVICES,
                                               {"correlation_id": correlation_id}, {})
        return download({"correlation_id": correlation_id, "next_cursor": cursor}, events,
                        "csv", f"tcpl-audit-{correlation_id}")

    @http("GET", AUDIT + "/chuoi-bam")
    @page(performs="audit_chains")
    def workspace_audit_chains(self, page):
        report = page.service.chain_reports()
        rows = [chain_row(source, found) for source, found in report["services"].items()]
        return page.render(
            "audit/chains.html", title="Chuỗi băm và chữ ký số", ok=report["ok"], rows=rows,
            checked_at=clock.now().isoformat(),
            breadcrumbs=[("Trang chủ", "/can-bo/"), ("Kiểm toán", AUDIT),
                         ("Chuỗi băm và chữ ký số", None)])

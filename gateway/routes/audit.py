"""HTTP routes of the audit (docs/audit.md): auditors only (gateway/permissions.py).

Every backing service answers ``query_events(filters, after_position, limit)`` from its own
event store (kernel.nameko.EventSourcedService); these routes ask the selected services at
once, merge their answers in time order and page across them with one cursor. They also
follow one correlation id through every service, report each service's hash chain, and
export any result as a JSON or CSV (UTF-8 with BOM) file.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json

import eventlet
from werkzeug.wrappers import Response

from gateway.http import endpoint
from gateway.routes.audit_schemas import (  # response schemas: named in the docstrings
    ALL,
    AuditEventsPageSchema,
    AuditEventsQuerySchema,
    ChainsSchema,
    CorrelationPathSchema,
    CorrelationSchema,
    ExportQuerySchema,
    NoQuerySchema,
    event_types,
)
from gateway.schemas import BACKING_SERVICES, MAX_POSITION
from gateway.web import http
from kernel import clock
from kernel.errors import KernelError, ValidationFailed

DOCUMENTED_RESPONSES = (AuditEventsPageSchema, ChainsSchema, CorrelationSchema)
FETCH_LIMIT = 1000  # events asked of one service per call when collecting a whole result
EXPORT_MAX = 20000  # events in one export file; past it the file says where to go on
FILTER_NAMES = ("stream", "stream_prefix", "commune", "actor", "recorded_from", "recorded_to",
                "correlation_id")
CSV_COLUMNS = ("source", "position", "recorded_at", "stream", "version", "type",
               "schema_version", "event_id", "actor", "role", "correlation_id", "causation_id",
               "data", "hash", "prev_hash")


def order_key(event: dict) -> tuple:
    """Merged order: the time the event was recorded (ISO, UTC+7), then service, then position."""
    return (str((event.get("metadata") or {}).get("recorded_at") or ""), event["source"],
            event["position"])


# -- cursors: the last position read of each service ---------------------------------------------
def encode_cursor(positions: dict[str, int]) -> str:
    raw = json.dumps({"v": 1, "p": positions}, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, int]:
    if not cursor:
        return {}
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body = json.loads(raw)
        positions = body["p"]
        if body.get("v") != 1 or not isinstance(positions, dict) or not all(
                name in BACKING_SERVICES and isinstance(p, int) and not isinstance(p, bool)
                and 0 <= p <= MAX_POSITION
                for name, p in positions.items()):
            raise ValueError
        return positions
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise ValidationFailed("request.invalid",
                               {"cursor": ["Con trỏ không hợp lệ: dùng next_cursor của trang trước."]}) from None


def merge_page(pages: dict[str, dict], positions: dict[str, int], limit: int) -> tuple[list, str | None]:
    """At most ``limit`` events of the services' pages in merged order, and the cursor after
    them (None when every service is exhausted).

    Each service's page is in position order, which is its time order, so this is a k-way
    merge: a service that has more than it returned cannot hide an event before the cut,
    because it returned at least ``limit`` events itself."""
    candidates = sorted((e for page in pages.values() for e in page["events"]), key=order_key)
    taken = candidates[:limit]
    after = dict(positions)
    for event in taken:
        after[event["source"]] = max(after.get(event["source"], 0), event["position"])
    more = len(candidates) > limit or any(not page["complete"] for page in pages.values())
    return taken, encode_cursor(after) if more else None


def audit_filters(query: dict, types: list[str]) -> tuple[tuple[str, ...], dict]:
    """The services to ask and the filters to send them, from a loaded
    ``AuditEventsQuerySchema`` query and the raw ``type`` parameters."""
    sources = BACKING_SERVICES if query["source"] == ALL else (query["source"],)
    filters = {name: query[name] for name in FILTER_NAMES if query.get(name) is not None}
    if types:
        try:
            filters["types"] = event_types(types)
        except Exception as exc:
            raise ValidationFailed("request.invalid", {"type": exc.messages}) from None
    return sources, filters


# -- exports ------------------------------------------------------------------------------------
def csv_bytes(events: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for event in events:
        meta = event.get("metadata") or {}
        writer.writerow([
            event["source"], event["position"], meta.get("recorded_at"), event["stream"],
            event["version"], event["type"], event.get("schema_version"), event["id"],
            meta.get("actor"), meta.get("role"), meta.get("correlation_id"),
            meta.get("causation_id"),
            json.dumps(event.get("data"), ensure_ascii=False, sort_keys=True, separators=(",", ":")),
            event.get("hash"), event.get("prev_hash"),
        ])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def download(body: dict, events: list[dict], fmt: str, name: str) -> Response:
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    headers = {"Content-Disposition": f'attachment; filename="{name}-{stamp}.{fmt}"',
               "X-Exported-Count": str(len(events))}
    if body.get("next_cursor"):
        headers["X-Next-Cursor"] = body["next_cursor"]
    if fmt == "csv":
        return Response(csv_bytes(events), mimetype="text/csv", headers=headers,
                        content_type="text/csv; charset=utf-8")
    return Response(json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8"),
                    content_type="application/json; charset=utf-8", headers=headers)


def causation(events: list[dict]) -> tuple[list[dict], list[dict]]:
    """The causation links among ``events`` (causation_id → event id), and the same as a
    forest: roots are events whose cause is not among them."""
    by_id = {e["id"]: e for e in events}
    links, children, roots = [], {}, []
    for event in events:
        cause = (event.get("metadata") or {}).get("causation_id")
        if cause:
            found = by_id.get(cause)
            links.append({"event_id": event["id"], "source": event["source"],
                          "causation_id": cause, "cause_source": found["source"] if found else None})
        if cause and cause in by_id and cause != event["id"]:
            children.setdefault(cause, []).append(event)
        else:
            roots.append(event)

    def node(event, seen):
        seen = seen | {event["id"]}
        return {"event_id": event["id"], "source": event["source"], "type": event["type"],
                "stream": event["stream"],
                "caused": [node(child, seen) for child in children.get(event["id"], [])
                           if child["id"] not in seen]}

    return links, [node(root, frozenset()) for root in roots]


class AuditRoutes:
    # The "Kiểm toán" tag is declared in gateway/openapi.py.

    def _ask_each(self, sources, method: str, arguments) -> dict:
        """``method`` on each service at once; ``arguments(source)`` gives its arguments."""
        pool = eventlet.GreenPool(len(sources))
        answers = pool.imap(lambda s: self.backends.call(s, method, *arguments(s)), sources)
        return dict(zip(sources, answers, strict=True))

    def _page(self, sources, filters, positions, limit) -> tuple[list, str | None]:
        pages = self._ask_each(sources, "query_events",
                               lambda s: (filters, positions.get(s, 0), limit))
        return merge_page(pages, positions, limit)

    def _collect(self, sources, filters, positions, cap=EXPORT_MAX) -> tuple[list, str | None]:
        """Every matching event from ``positions`` on, up to ``cap``; and the cursor after them
        when the cap cut the result short."""
        collected = []
        while True:
            page, cursor = self._page(sources, filters, positions, min(FETCH_LIMIT, cap - len(collected)))
            collected.extend(page)
            if cursor is None or len(collected) >= cap:
                return collected, cursor
            positions = decode_cursor(cursor)

    # -- the events of any services, filtered -------------------------------------------------
    @http("GET", "/api/v1/audit/events")
    @endpoint(query=AuditEventsQuerySchema)
    def audit_events(self, call):
        """Tra cứu sự kiện của một hoặc mọi dịch vụ

        Lọc theo dịch vụ (source), luồng, xã, người thực hiện, loại sự kiện, khoảng thời gian
        ghi (from, to) và mã tương quan; kết quả của các dịch vụ được trộn theo thời gian ghi
        (rồi theo dịch vụ, vị trí). Đọc trang sau bằng next_cursor với cùng bộ lọc.
        format=json hoặc format=csv tải về toàn bộ kết quả từ cursor (tối đa 20.000 sự kiện;
        nếu còn, tiêu đề X-Next-Cursor cho biết con trỏ tiếp theo).
        ---
        tags: [Kiểm toán]
        responses:
          200:
            description: Một trang sự kiện, hoặc tệp JSON/CSV khi có format.
            content:
              application/json:
                schema: AuditEventsPageSchema
              text/csv:
                schema:
                  type: string
          503: Error
        """
        query = call.query
        sources, filters = audit_filters(query, call.request.args.getlist("type"))
        positions = decode_cursor(query.get("cursor"))
        shown = {**filters, "source": query["source"]}
        if query.get("format"):
            events, cursor = self._collect(sources, filters, positions)
            body = {"sources": list(sources), "filters": shown, "exported_at": clock.now().isoformat(),
                    "count": len(events), "next_cursor": cursor, "events": events}
            return download(body, events, query["format"], "tcpl-audit-events")
        events, cursor = self._page(sources, filters, positions, query["limit"])
        return {"sources": list(sources), "filters": shown, "events": events, "next_cursor": cursor}

    # -- one action through every service ------------------------------------------------------
    @http("GET", "/api/v1/audit/correlations/<correlation_id>")
    @endpoint(path=CorrelationPathSchema, query=ExportQuerySchema)
    def audit_correlation(self, call, correlation_id):
        """Theo dấu một thao tác qua mọi dịch vụ

        Mọi sự kiện mang mã tương quan này, ở mọi dịch vụ, theo thời gian ghi; kèm các liên kết
        nhân quả (causation_id → id sự kiện) dưới dạng danh sách (links) và cây (tree).
        format=json hoặc format=csv tải về thành tệp.
        ---
        tags: [Kiểm toán]
        responses:
          200:
            description: Các sự kiện của thao tác và quan hệ nhân quả giữa chúng.
            content:
              application/json:
                schema: CorrelationSchema
              text/csv:
                schema:
                  type: string
          503: Error
        """
        events, cursor = self._collect(BACKING_SERVICES, {"correlation_id": correlation_id}, {})
        links, tree = causation(events)
        body = {"correlation_id": correlation_id,
                "sources": sorted({e["source"] for e in events}),
                "events": events, "links": links, "tree": tree, "next_cursor": cursor}
        if call.query.get("format"):
            return download(body, events, call.query["format"], f"tcpl-audit-{correlation_id}")
        return body

    # -- the hash chains -----------------------------------------------------------------------
    @http("GET", "/api/v1/audit/chains")
    @endpoint(query=NoQuerySchema)
    def audit_chains(self, call):
        """Kiểm tra chuỗi băm của mọi dịch vụ, đối chiếu với mọi chữ ký số

        Mỗi dịch vụ tính lại chuỗi băm của kho sự kiện và đối chiếu với mọi chữ ký số (Ed25519)
        của đầu chuỗi: chữ ký dịch vụ đó lưu, và bản sao dịch vụ công bố (publication) giữ
        (copies_checked) — người sửa cơ sở dữ liệu của một dịch vụ có thể xóa chữ ký ở đó nhưng
        không xóa được bản sao. Báo mọi chỗ hỏng (broken), không chỉ chỗ đầu tiên: sự kiện bị
        sửa, bị xóa, đoạn sự kiện không khớp với chữ ký (sửa rồi tính lại mã băm), chữ ký giả,
        đầu kho bị sửa. ok chỉ đúng khi mọi dịch vụ đều nguyên vẹn; dịch vụ không trả lời được
        coi là chưa kiểm tra được (ok = false, có error).
        ---
        tags: [Kiểm toán]
        responses:
          200:
            description: Báo cáo của từng dịch vụ.
            content:
              application/json:
                schema: ChainsSchema
        """
        return self.chain_reports()

    def chain_reports(self) -> dict:
        """Every service's chain checked at once (the API route and the auditor's page)."""
        pool = eventlet.GreenPool(len(BACKING_SERVICES))
        reports = dict(zip(BACKING_SERVICES, pool.imap(self._chain_report, BACKING_SERVICES),
                           strict=True))
        broken = [{"source": name, "first_broken": report.get("first_broken"),
                   "places": report.get("broken", []),
                   **({"error": report["error"]} if "error" in report else {})}
                  for name, report in reports.items() if not report.get("ok")]
        return {"ok": not broken, "services": reports, "broken": broken}

    def _chain_report(self, source: str) -> dict:
        copies, copies_error = [], None
        if source != "publication":  # its own heads have no copies elsewhere
            try:
                copies = self.backends.call("publication", "signed_head_copies", source)
            except Exception as exc:  # check against the service's own heads, and say so
                copies_error = getattr(exc, "message", None) or type(exc).__name__
        try:
            report = self.backends.call(source, "verify_chain", copies,
                                        timeout=self.backends.verify_timeout)
            report["copies_checked"] = len(copies)
            if copies_error is not None:
                report["copies_error"] = copies_error
            return report
        except KernelError as exc:
            return {"source": source, "ok": False, "first_broken": None, "error": exc.message}
        except Exception as exc:  # a service that cannot verify is reported, not hidden
            name = getattr(exc, "exc_type", None) or type(exc).__name__
            return {"source": source, "ok": False, "first_broken": None,
                    "error": f"verify_chain() raised {name}"}

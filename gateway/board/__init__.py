"""The public results board (bảng kết quả công khai): server-rendered Jinja2 pages and exports.

Everything here is plain Python on dictionaries the publication service returns; the routes
(gateway/routes/board.py) fetch them and hand them over. Each list a page shows is built once,
as rows of (key → value), by one of the ``*_rows`` functions below: the page renders those
rows, and the CSV and JSON exports write the very same rows, so an export never disagrees
with the screen.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources

from jinja2 import Environment, FileSystemLoader, select_autoescape
from nameko.extensions import DependencyProvider
from werkzeug.wrappers import Response

from gateway.board import cache as page_cache
from gateway.board import spreadsheet
from gateway.board.cache import Page, PageCache  # noqa: F401 (the routes use board.Page)
from gateway.board.explain import explanation
from gateway.board.terms import unit_terms
from gateway.chains import LABELS as CHAIN_LABELS
from gateway.errors import ServiceUnavailable
from kernel import vietnamese
from kernel.signing import SignedHead

STATUS_LABELS = {
    "recognised": "Đạt chuẩn",
    "not_recognised": "Không đạt chuẩn",
    "revoked": "Bị thu hồi công nhận",
    "in_progress": "Đang đánh giá",
}
BASIS_LABELS = {"self": "điểm tự đánh giá của xã", "appraised": "điểm thẩm định của Hội đồng"}
CHANNEL_LABELS = {key: words[:1].upper() + words[1:]
                  for key, words in vietnamese.POSTING_CHANNELS.items()}
ENTRY_KINDS = {"self_assessment": "Niêm yết kết quả tự đánh giá", "comment": "Ý kiến góp ý",
               "comment_answer": "Trả lời ý kiến", "posting_ended": "Kết thúc niêm yết",
               "appraisal": "Kết quả thẩm định", "decision": "Quyết định công nhận",
               "revocation": "Thu hồi công nhận", "satisfaction": "Kết quả khảo sát hài lòng",
               "dissemination_models": "Kết quả lấy ý kiến về hiệu quả mô hình phổ biến, giáo "
                                       "dục pháp luật (Mẫu 04)",
               "evidence": "Bổ sung tài liệu minh chứng"}
SIGNATURE_VERDICTS = {"valid": "Hợp lệ", "untrusted": "Chưa xác định được người ký tin cậy",
                      "modified": "Bị sửa sau khi ký", "broken": "Không hợp lệ"}
PAGE_SIZE = 50
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
BOM = "\ufeff"


@dataclass(frozen=True)
class Column:
    key: str
    label: str


ITEM_COLUMNS = (
    Column("commune_code", "Mã xã"), Column("commune_name", "Xã, phường, thị trấn, đặc khu"),
    Column("district_name", "Huyện (trước 2025)"), Column("province_code", "Mã tỉnh"),
    Column("province_name", "Tỉnh, thành phố"), Column("year", "Năm"),
    Column("status", "Mã kết quả"), Column("status_label", "Kết quả"),
    Column("total", "Tổng điểm"), Column("total_max", "Điểm tối đa"),
    Column("basis", "Căn cứ điểm"), Column("decision_number", "Số quyết định"),
    Column("decision_date", "Ngày quyết định"),
    Column("criteria_set", "Bộ tiêu chí"), Column("provisional", "Tạm tính"),
)


def item_columns(year: int | None = None) -> tuple[Column, ...]:
    """ITEM_COLUMNS with the commune column named in the words of ``year``'s regime (a list
    of several years keeps the words of both)."""
    if year is None:
        return ITEM_COLUMNS
    return tuple(Column(c.key, unit_terms(year, capital=True)) if c.key == "commune_name" else c
                 for c in ITEM_COLUMNS)


YEAR_COLUMNS = (
    Column("year", "Năm"), Column("status", "Mã kết quả"), Column("status_label", "Kết quả"),
    Column("total", "Tổng điểm"), Column("total_max", "Điểm tối đa"),
    Column("basis", "Căn cứ điểm"), Column("decision_number", "Số quyết định"),
    Column("decision_date", "Ngày quyết định"), Column("criteria_set", "Bộ tiêu chí"),
    Column("provisional", "Tạm tính"),
)
CRITERION_COLUMNS = (
    Column("year", "Năm"), Column("criterion_id", "Mã tiêu chí"),
    Column("criterion_name", "Tiêu chí"), Column("points", "Điểm"), Column("max", "Điểm tối đa"),
    Column("floor", "Điểm sàn (50%)"), Column("meets_floor", "Đạt điểm sàn"),
    Column("achieved", "Đạt tiêu chí"),
)
DISTRICT_COLUMNS = (
    Column("district_code", "Mã huyện"), Column("district_name", "Huyện / khu vực"),
    Column("communes", "Số xã"), Column("decided", "Đã có quyết định"),
    Column("recognised", "Đạt chuẩn"), Column("rate_percent", "Tỷ lệ đạt chuẩn (%)"),
)
SIGNED_HEAD_COLUMNS = (
    Column("source", "Dịch vụ"), Column("position", "Vị trí trong sổ"),
    Column("signed_at", "Thời điểm ký"), Column("head_hash", "Mã băm của sự kiện cuối"),
    Column("merkle_root", "Gốc cây Merkle"), Column("key_id", "Mã khóa"),
    Column("signature", "Chữ ký (Ed25519, base64)"), Column("verified", "Chữ ký hợp lệ"),
)
CHAIN_STATE_LABELS = {"ok": "Toàn vẹn", "failed": "Phát hiện sai lệch",
                      "unverified": "Chưa xác minh được"}
PROVINCE_COLUMNS = (
    Column("province_code", "Mã tỉnh"), Column("province_name", "Tỉnh, thành phố"),
    Column("communes", "Số xã"), Column("decided", "Đã có quyết định"),
    Column("recognised", "Đạt chuẩn"), Column("rate_percent", "Tỷ lệ đạt chuẩn (%)"),
)


# -- values ------------------------------------------------------------------------------------
def decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def number(value, places: int | None = None) -> str:
    """Points, rates and counts the Vietnamese way: "17,5", "100", "1.234"; blank when none
    (the one form of the board: kernel/vietnamese.py)."""
    return vietnamese.number(value, places)


def date_vi(value) -> str:
    """"2025-12-20" → "20/12/2025"; anything else as it is."""
    return vietnamese.day(value)


def file_size(value) -> str:
    """A file's size as people read it: "820 byte", "12,4 KB", "3,1 MB"."""
    if not isinstance(value, int) or isinstance(value, bool):
        return ""
    if value < 1024:
        return f"{value} byte"
    unit, amount = ("KB", value / 1024) if value < 1024 * 1024 else ("MB", value / 1024 / 1024)
    text = f"{amount:.1f}".removesuffix(".0")
    return f"{text.replace('.', ',')} {unit}"


def yes_no(value) -> str:
    if value is None:
        return ""
    return "Có" if value else "Không"


def _plain(value):
    """A JSON-safe export value: strings stay as the service gave them (Decimals too)."""
    if isinstance(value, Decimal):
        return str(value)
    return value


def criteria_set_label(version_id, version) -> str:
    if not version_id:
        return ""
    return f"{version_id} (phiên bản {version})" if version is not None else str(version_id)


# -- rows: one builder per list, shared by the page and its exports ----------------------------
def item_rows(items) -> list[dict]:
    rows = []
    for item in items:
        rows.append({
            "commune_code": item.get("commune_code"), "commune_name": item.get("commune_name"),
            "district_name": item.get("district_name") or "",
            "province_code": item.get("province_code"), "province_name": item.get("province_name"),
            "year": item.get("year"), "status": item.get("status"),
            "status_label": STATUS_LABELS.get(item.get("status"), item.get("status") or ""),
            "total": _plain(item.get("total")), "total_max": _plain(item.get("total_max")),
            "basis": item.get("basis") or "",
            "decision_number": item.get("decision_number") or "",
            "decision_date": item.get("decision_date") or "",
            "criteria_set": criteria_set_label(item.get("criteria_set_id"),
                                               item.get("criteria_set_version")),
            "provisional": bool(item.get("provisional")),
        })
    return rows


def year_rows(record) -> list[dict]:
    rows = []
    for year in record.get("years", []):
        scores, decision = year.get("scores") or {}, year.get("decision") or {}
        criteria_set = year.get("criteria_set") or {}
        rows.append({
            "year": year.get("year"), "status": year.get("status"),
            "status_label": STATUS_LABELS.get(year.get("status"), year.get("status") or ""),
            "total": _plain(scores.get("total")), "total_max": _plain(scores.get("total_max")),
            "basis": scores.get("basis") or "",
            "decision_number": decision.get("decision_number") or "",
            "decision_date": decision.get("decision_date") or "",
            "criteria_set": criteria_set_label(criteria_set.get("id"), criteria_set.get("version")),
            "provisional": bool(criteria_set.get("provisional")),
        })
    return rows


def criterion_rows(record) -> list[dict]:
    rows = []
    for year in record.get("years", []):
        for criterion in ((year.get("scores") or {}).get("criteria") or []):
            rows.append({
                "year": year.get("year"), "criterion_id": criterion.get("id"),
                "criterion_name": criterion.get("name"),
                "points": _plain(criterion.get("points")), "max": _plain(criterion.get("max")),
                "floor": _plain(criterion.get("floor")),
                "meets_floor": criterion.get("meets_floor"),
                "achieved": criterion.get("achieved"),
            })
    return rows


UNIT_LIMIT = 10
UNIT_KIND_LABELS = {"province": "Tỉnh, thành phố", "district": "Huyện, quận, thị xã, thành phố",
                    "commune": "Xã, phường, thị trấn, đặc khu"}


def unit_rows(units) -> list[dict]:
    """The units the forgiving name search found, each with the page it opens: a commune's own
    page, a province's page of the latest year it has results, a district's row on that page."""
    rows = []
    for unit in units:
        kind, year = unit["kind"], unit["year"]
        if kind == "commune":
            url = f"/ket-qua/xa/{unit['code']}"
            where = ", ".join(n for n in (unit.get("district_name"), unit.get("province_name")) if n)
        elif kind == "district":
            url = f"/ket-qua/tinh/{unit['province_code']}/{year}#huyen-{unit['code']}"
            where = unit.get("province_name") or ""
        else:
            url = f"/ket-qua/tinh/{unit['code']}/{year}"
            where = ""
        rows.append({"kind": kind, "kind_label": UNIT_KIND_LABELS.get(kind, kind),
                     "code": unit["code"], "name": unit["name"], "where": where, "year": year,
                     "url": url, "approximate": unit["match"] == "fuzzy"})
    return rows


def district_rows(overview) -> list[dict]:
    return [{column.key: _plain(district.get(column.key)) for column in DISTRICT_COLUMNS}
            for district in overview.get("districts", [])]


def province_rows(overview) -> list[dict]:
    # ``pause``: the notice that paused the year there, shown on the page (the exports keep columns)
    return [{**{column.key: _plain(province.get(column.key)) for column in PROVINCE_COLUMNS},
             "pause": province.get("pause")}
            for province in overview.get("provinces", [])]


def signatures(answer: dict, keyring, states: dict[str, str], reports: dict[str, dict | None]) -> dict:
    """The signatures page and its exports: per service its chain state (as the gateway last
    heard it), the keys, the newest signed heads each checked with the gateway's own
    ``keyring`` (``verified`` None when it has none), copies, refusals and broken places."""
    services, rows, keys = [], [], []
    for entry in answer.get("sources", []):
        source = entry["source"]
        pinned = None if keyring is None else [k.to_dict(source) for k in keyring.keys_of(source)]
        keys += pinned if pinned is not None else entry.get("keys", [])
        heads = []
        for body in entry.get("heads", []):
            try:
                problem = None if keyring is None else keyring.problem(SignedHead.from_dict(body))
            except ValueError as exc:
                problem = ("malformed", str(exc))
            row = {column.key: body.get(column.key) for column in SIGNED_HEAD_COLUMNS}
            row.update(source=source, verified=None if keyring is None else problem is None)
            rows.append(row)
            heads.append({**row, "problem": problem[1] if problem else None})
        report = reports.get(source) or {}
        check = entry.get("check") or {}
        state = states.get(source, "unverified")
        services.append({
            "source": source, "label": CHAIN_LABELS.get(source, source), "state": state,
            "state_label": CHAIN_STATE_LABELS.get(state, state),
            "public_keys": pinned if pinned is not None else entry.get("keys", []),
            "keys_pinned_here": keyring is not None, "heads": heads,
            "copies": entry.get("copies"), "refused": entry.get("refused", []),
            "refused_count": entry.get("refused_count", 0),
            "broken": (report.get("broken") or [])[:10] + (check.get("broken") or [])[:10],
            "unsigned_events": report.get("unsigned_events"),
            "last_full_sweep": report.get("last_full_sweep"),
        })
    return {"services": services, "rows": rows, "keys": keys, "states": dict(states)}


def datetime_vi(value) -> str:
    """"2025-03-01T09:00:00.123456+07:00" → "01/03/2025 09:00:00"; anything else as it is."""
    return vietnamese.moment(value)


def groups(value, size: int = 4) -> str:
    """A fingerprint in groups of four, easier to compare by eye."""
    text = "" if value is None else str(value)
    return " ".join(text[i:i + size] for i in range(0, len(text), size))


# -- the bar chart -----------------------------------------------------------------------------
CHART_LABEL_WIDTH, CHART_BAR_WIDTH, CHART_ROW = 56, 420, 34


def chart(criteria) -> dict | None:
    """Geometry of one year's criterion chart (SVG units), or None when nothing is scored in
    points (a pass/fail regime): bars of points against the maximum, the floor marked."""
    bars = []
    for index, criterion in enumerate(criteria or [], start=1):
        maximum, points = decimal(criterion.get("max")), decimal(criterion.get("points"))
        if not maximum or points is None:
            continue
        floor = decimal(criterion.get("floor"))  # None: the regime sets no floor
        share = max(Decimal(0), min(Decimal(1), points / maximum))
        floor_share = None if floor is None else max(Decimal(0), min(Decimal(1), floor / maximum))
        meets = criterion.get("meets_floor")
        if meets is None and floor is not None:
            meets = points >= floor
        y = (len(bars)) * CHART_ROW + 8
        bars.append({
            "index": index, "id": criterion.get("id") or f"TC{index}",
            "name": criterion.get("name") or "", "y": y, "bar_y": y + 4, "text_y": y + 19,
            "width": round(float(share) * CHART_BAR_WIDTH, 1),
            "floor_x": None if floor_share is None else round(
                CHART_LABEL_WIDTH + float(floor_share) * CHART_BAR_WIDTH, 1),
            "points": number(points), "max": number(maximum),
            "floor": None if floor is None else number(floor),
            "meets": meets, "percent": round(float(share) * 100),
        })
    if not bars:
        return None
    return {"bars": bars, "label_width": CHART_LABEL_WIDTH, "bar_width": CHART_BAR_WIDTH,
            "value_x": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 8,
            "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 96,
            "height": len(bars) * CHART_ROW + 30,
            "legend_y": len(bars) * CHART_ROW + 24}


# -- rendering ---------------------------------------------------------------------------------
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _BoardEnvironment(Environment):
    """Jinja's environment, with ``a.b`` on a dict looked up as ``a["b"]`` straight away.

    Jinja tries the attribute first and the item only after an AttributeError; the pages read
    hundreds of dict keys each, and those failed lookups were a third of a page's rendering.
    The result is the same: a dict has no attributes but its methods, which still win."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def _environment() -> Environment:
    directory = resources.files("gateway") / "board"
    env = _BoardEnvironment(loader=FileSystemLoader(str(directory)),
                      autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters.update(number=number, date_vi=date_vi, yes_no=yes_no, datetime_vi=datetime_vi,
                       groups=groups, file_size=file_size)
    env.globals.update(STATUS_LABELS=STATUS_LABELS, BASIS_LABELS=BASIS_LABELS,
                       CHANNEL_LABELS=CHANNEL_LABELS, SIGNATURE_VERDICTS=SIGNATURE_VERDICTS,
                       ENTRY_KINDS=ENTRY_KINDS, chart=chart, explanation=explanation,
                       unit_terms=unit_terms)
    return env


_ENV = _environment()


def commune_page(record: dict, code: str, chain_notice=None) -> Response:
    """The commune's page from its ``commune_record`` (years newest first)."""
    commune = record["commune"]
    rows = year_rows(record)
    latest = rows[0]["year"] if rows else None
    crumbs = [("Tra cứu", "/ket-qua")]
    if commune.get("province_name") and latest:
        crumbs.append((commune["province_name"],
                       f"/ket-qua/tinh/{commune['province_code']}/{latest}"))
    crumbs.append((commune.get("name") or code, None))
    return html("commune.html", title=commune.get("name") or code, chain_notice=chain_notice,
                commune=commune, years=record["years"], rows=rows,
                paused_years=record.get("paused_years") or [],
                latest_row_year=latest, latest_year=None, breadcrumbs=crumbs,
                export_base=f"/ket-qua/xa/{code}")


def html(template: str, status: int = 200, **context) -> Response:
    body = _ENV.get_template(template).render(**context)
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Results change when a decision is recorded: browsers check again every time.
    response.headers["Cache-Control"] = "no-cache"
    return response


def error_page(status: int, title: str, message: str) -> Response:
    return html("error.html", status=status, title=title, message=message, status_code=status)


def not_found(message: str = "Không tìm thấy trang hoặc đơn vị bạn cần.") -> Response:
    return error_page(404, "Không tìm thấy", message)


def unavailable_page(retry_after: int | None = None) -> Response:
    """The 503 page: the publication service did not answer and nothing was kept to show."""
    response = error_page(503, "Hệ thống tạm thời chưa trả lời",
                          "Dịch vụ công bố kết quả đang bận hoặc tạm ngừng. Xin vui lòng thử "
                          "lại sau ít phút.")
    if retry_after:
        response.headers["Retry-After"] = str(int(retry_after))
    return response


def stale_response(page: Page, since) -> Response:
    """A kept page served while the publication service does not answer: on an HTML page a
    notice says so and since when (``since``, Vietnam's time); every kind of page says it in
    ``X-Cache: stale`` and ``X-Stale-Since`` (see cache.py)."""
    notice = None
    if any(k.lower() == "content-type" and v.startswith("text/html") for k, v in page.headers):
        notice = _ENV.get_template("stale_notice.html").render(
            time=since.strftime("%H:%M"), date=since.strftime("%d/%m/%Y")).encode("utf-8")
    return page.stale_response(since, notice)


def export(fmt: str, name: str, columns, rows: list[dict], extra: dict | None = None) -> Response:
    """The rows of one list as CSV (UTF-8 with BOM, Vietnamese headers), a spreadsheet
    (.xlsx, the same rows with typed cells: see spreadsheet.py) or JSON."""
    if fmt == "xlsx":
        response = Response(spreadsheet.workbook(name, columns, rows),
                            mimetype=spreadsheet.MIME_TYPE)
        suffix = "xlsx"
    elif fmt == "json":
        body = {"list": name, "columns": [{"key": c.key, "label": c.label} for c in columns],
                "rows": rows, "count": len(rows), **(extra or {})}
        response = Response(json.dumps(body, ensure_ascii=False, default=str),
                            mimetype="application/json")
        suffix = "json"
    else:
        out = io.StringIO()
        out.write(BOM)
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([column.label for column in columns])
        for row in rows:
            writer.writerow([_csv_value(row.get(column.key)) for column in columns])
        response = Response(out.getvalue().encode("utf-8"), mimetype="text/csv")
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        suffix = "csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{suffix}"'
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    text = str(value)
    # A cell starting with =, +, - or @ is a formula to Excel: never let a name run as one.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    return decimal(text) is not None


def attachment(body, filename: str) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False, indent=1, default=str),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def asset(request, filename: str) -> Response:
    from werkzeug.exceptions import NotFound as WerkzeugNotFound
    from werkzeug.utils import send_from_directory

    directory = resources.files("gateway") / "static" / "board"
    try:
        return send_from_directory(str(directory), filename, request.environ, max_age=3600)
    except WerkzeugNotFound:
        return not_found()


# -- the cache of rendered pages (gateway/board/cache.py), one per gateway container -----------------
class _PollEntrypoint:
    """Stands for an entrypoint in the poller's worker context (RPC headers name it)."""

    method_name = "board_cache_poll"


class BoardCache(DependencyProvider):
    """The gateway's PageCache and the green thread that keeps it in step with the public
    record by polling the publication service's ``changes_after`` (see cache.py).

    Settings: ``BOARD_CACHE_SECONDS`` (longest a page is kept, default 600; 0 turns the cache
    off), ``BOARD_CACHE_ENTRIES`` (default 2000), ``BOARD_CACHE_BYTES`` (default 64 MiB),
    ``BOARD_CACHE_POLL_SECONDS`` (default 0.1), ``BOARD_CACHE_MAX_LAG_SECONDS`` (kept pages are
    served only while the last successful poll was sent less than this ago; default 0.5).
    """

    def setup(self):
        config = self.container.config
        self.cache = PageCache(
            max_entries=int(config.get("BOARD_CACHE_ENTRIES", page_cache.DEFAULT_MAX_ENTRIES)),
            max_bytes=int(config.get("BOARD_CACHE_BYTES", page_cache.DEFAULT_MAX_BYTES)),
            max_age=float(config.get("BOARD_CACHE_SECONDS", page_cache.DEFAULT_MAX_AGE)),
            max_lag=float(config.get("BOARD_CACHE_MAX_LAG_SECONDS", page_cache.DEFAULT_MAX_LAG)))
        self.poll_seconds = max(0.01, float(config.get("BOARD_CACHE_POLL_SECONDS",
                                                       page_cache.DEFAULT_POLL_SECONDS)))
        # a poll slower than this is a failed one (serving stopped after max_lag anyway)
        self.poll_timeout = min(float(config.get("RPC_TIMEOUT", 10)),
                                max(1.0, 4 * self.cache.max_lag))
        self._stopping = False

    def start(self):
        if self.cache.enabled:
            self.container.spawn_managed_thread(self._poll_forever,
                                                identifier="board_cache_poller")

    def stop(self):
        self._stopping = True

    def kill(self):
        self._stopping = True

    def get_dependency(self, worker_ctx):
        return self.cache

    def _poll_forever(self):
        import eventlet

        while not self._stopping:
            started = time.monotonic()
            if self.cache.wants_poll(started):
                self.poll()
            eventlet.sleep(max(0.0, self.poll_seconds - (time.monotonic() - started)))

    def poll(self) -> None:
        """Ask for the changes after the last one seen; forget what they concern."""
        sent = time.monotonic()
        position = self.cache.position
        try:
            answer = self._call("changes_after", *((position[1], position[0]) if position else ()))
            self.cache.apply(answer, sent)
        except ServiceUnavailable as exc:  # no answer at all: kept pages become the fallback
            self.cache.failed(f"{type(exc).__name__}: {exc}", unavailable=True)
        except Exception as exc:  # any other failure: stop serving kept pages
            # (and never let it end this thread: nameko would stop the gateway)
            self.cache.failed(f"{type(exc).__name__}: {exc}")

    def _call(self, method: str, *args):
        from nameko.containers import WorkerContext

        from gateway.dependencies import Backends, BackingServices

        backing = next(d for d in self.container.dependencies if isinstance(d, BackingServices))
        worker_ctx = WorkerContext(self.container, None, _PollEntrypoint())
        backends = Backends(worker_ctx, backing.reply_listener, self.poll_timeout,
                            self.poll_timeout)
        return backends.call("publication", method, *args)

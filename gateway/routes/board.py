"""The public results board (bảng kết quả công khai): server-rendered HTML for citizens, with
CSV, spreadsheet (.xlsx) and JSON exports of every list. No login; the data comes from the
publication service.

| URL | page |
|---|---|
| ``/ket-qua`` | search (``q``, ``tinh``, ``nam``, ``trang_thai``, ``trang``); with ``q``, also the
  provinces, districts and communes so named, a typo or a missing diacritic forgiven |
| ``/ket-qua/xa/<commune_code>`` | one commune across the years |
| ``/ket-qua/tinh/<province_code>/<year>`` | a province's overview and its decision lists |
| ``/ket-qua/toan-quoc/<year>`` | the national overview |
| ``/ket-qua/tinh/<code>/<year>/du-lieu-kiem-chung.json`` | the province's export bundle |
| ``/ket-qua/chu-ky`` | the services' signed chain heads, their keys, the verification state |

Every list page also answers ``?format=csv|xlsx|json`` (or a ``.csv`` / ``.xlsx`` / ``.json``
suffix) with
``list=`` choosing the list on pages that show several. The pages are not in the OpenAPI
document (they are HTML for people); docs/board.md describes them and the exports.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import urlencode

from gateway import board, lookup
from gateway.errors import ServiceUnavailable
from gateway.http import endpoint
from gateway.web import http
from kernel.errors import KernelError, NotFound

log = logging.getLogger(__name__)

COMMUNE_CODE = re.compile(r"^\d{5}$")
PROVINCE_CODE = re.compile(r"^\d{2}$")
FIRST_YEAR, LAST_YEAR = 2017, 2100
EXPORTS = ("csv", "xlsx", "json")
FORMATS = ("html", *EXPORTS)
MAX_QUERY = 100
YEARS_KEY = ("rpc", "years")
PROVINCES_KEY = ("rpc", "public_provinces")


class BadRequest(Exception):
    pass


def _split_format(value: str, request) -> tuple[str, str]:
    """``"2025.csv"`` → ``("2025", "csv")``; otherwise the ``format`` query parameter."""
    for fmt in EXPORTS:
        if value.endswith("." + fmt):
            return value[: -len(fmt) - 1], fmt
    fmt = request.args.get("format", "html") or "html"
    if fmt not in FORMATS:
        raise BadRequest("Định dạng không hợp lệ: chỉ có html, csv, xlsx hoặc json.")
    return value, fmt


def _year(text: str | None, required: bool = True) -> int | None:
    if not text:
        if required:
            raise NotFound("no year")
        return None
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise NotFound(f"no year {text}")
    return int(text)


def answer_sources(answer: dict) -> list[str]:
    return [entry["source"] for entry in answer.get("sources", [])]


def _list_name(request, allowed: tuple[str, ...]) -> str:
    name = request.args.get("list") or allowed[0]
    if name not in allowed:
        raise BadRequest("Danh sách không hợp lệ; chọn một trong: " + ", ".join(allowed) + ".")
    return name


class BoardRoutes:
    """Mixin of GatewayService: the board's pages. Needs the ``backends`` dependency.

    Rendered pages are kept by ``board_cache`` until the public record changes (see
    gateway/board/cache.py): each handler checks its parameters first, then asks ``_page``
    for the page under a key made of those checked parameters (so that unknown query
    parameters cannot fill the cache), with the tags of what the page shows."""

    board_cache = board.BoardCache()
    chain_notice = None  # the page's chain warning (gateway/chains.py), set by _board_page

    def _board(self, call, render):
        """Run ``render()``; any failure becomes a Vietnamese error page (or JSON error for
        an export, which machines read)."""
        try:
            return render()
        except BadRequest as exc:
            return board.error_page(400, "Yêu cầu không hợp lệ", str(exc))
        except NotFound:
            return board.not_found()
        except KernelError as exc:
            if exc.http_status == 503:
                return board.unavailable_page(getattr(exc, "retry_after", None))
            if exc.http_status < 500:
                return board.error_page(exc.http_status, "Yêu cầu không hợp lệ",
                                        "Không thể hiển thị kết quả theo yêu cầu này.")
            return self._board_failed(call)
        except Exception:
            return self._board_failed(call)

    @staticmethod
    def _board_failed(call):
        log.exception("board page failed [correlation_id=%s]", call.correlation_id)
        return board.error_page(500, "Đã có lỗi xảy ra",
                                "Hệ thống gặp lỗi khi hiển thị trang. Lỗi đã được ghi lại; "
                                f"mã tra cứu: {call.correlation_id}.")

    def _board_page(self, call, key, tags, render):
        """The kept page for ``key``, or ``render()`` kept under ``tags`` (see
        gateway/board/cache.py). Runs inside ``_board``: an error raised by ``render`` becomes
        an error page, which is never kept; so is anything but a 200. Every 200 has an ETag and
        a browser holding that version gets a 304."""
        cache = self.board_cache
        # A page of numbers from a chain that failed, or could not be verified, says so; such
        # pages are kept apart from the plain ones, and dropped with them.
        self.chain_notice = self.chain_verification.board_notice()
        if self.chain_notice is not None:
            key = (*key, self.chain_notice.key)
        kept, state = cache.get(key)
        if kept is not None:
            return kept.response(call.request, state)
        if cache.unavailable:  # the poller found publication silent: do not wait for it too
            stale = self._stale_page(key)
            if stale is not None:
                return stale
        ticket = cache.ticket()
        try:
            response = render()
        except ServiceUnavailable:  # its breaker open, its bulkhead full, its deadline past
            stale = self._stale_page(key)
            if stale is None:
                raise
            return stale
        if response.status_code != 200:
            return response
        page = board.Page.of(response)
        cache.put(key, ticket, tags, page, page.size)
        return page.response(call.request, state)

    def _stale_page(self, key):
        """The page kept under ``key`` served with the notice that it may be out of date, or
        None when nothing is kept (then the 503 page)."""
        page, since = self.board_cache.stale(key)
        return None if page is None else board.stale_response(page, since)

    def _years(self) -> list[int]:
        """The years with public data, newest first (kept like a page, under "years")."""
        cache = self.board_cache
        found, _ = cache.get(YEARS_KEY)
        if found is None:
            ticket = cache.ticket()
            found = tuple(sorted((int(y) for y in self.backends.call("publication", "years")),
                                 reverse=True))
            cache.put(YEARS_KEY, ticket, ("years",), found, 64 + 8 * len(found))
        return list(found)

    def _former_provinces(self) -> list[dict]:
        """Provinces with public results that are not among today's 34 (merged on 1 July
        2025): the province filter offers them too, or their earlier years could not be
        filtered. Kept like ``years``: both change when a commune-year becomes public."""
        cache = self.board_cache
        found, _ = cache.get(PROVINCES_KEY)
        if found is None:
            ticket = cache.ticket()
            found = tuple((p["province_code"], p["province_name"] or p["province_code"])
                          for p in self.backends.call("publication", "public_provinces"))
            cache.put(PROVINCES_KEY, ticket, ("years",), found, 64 + 64 * len(found))
        current = {p.code for p in lookup.provinces()}
        return [{"code": code, "name": name} for code, name in found if code not in current]

    # -- search ----------------------------------------------------------------------------
    @http("GET", "/ket-qua")
    @endpoint(document=False)
    def board_home(self, call):
        return self._board(call, lambda: self._home(call, None))

    @http("GET", "/ket-qua.<fmt>")
    @endpoint(document=False)
    def board_home_export(self, call, fmt):
        if fmt not in EXPORTS:
            return board.not_found()
        return self._board(call, lambda: self._home(call, fmt))

    def _home(self, call, fmt):
        args = call.request.args
        if fmt is None:
            _, fmt = _split_format("", call.request)
        q = (args.get("q") or "").strip()[:MAX_QUERY]
        province = (args.get("tinh") or "").strip()
        if province and not PROVINCE_CODE.match(province):
            raise BadRequest("Mã tỉnh không hợp lệ.")
        try:
            year = _year((args.get("nam") or "").strip(), required=False)
        except NotFound:
            raise BadRequest("Năm đánh giá không hợp lệ.") from None
        status = (args.get("trang_thai") or "").strip()
        if status and status not in board.STATUS_LABELS:
            raise BadRequest("Kết quả cần lọc không hợp lệ.")
        page_text = args.get("trang") or "1"
        if not page_text.isdigit() or not 1 <= int(page_text) <= 10_000:
            raise BadRequest("Số trang không hợp lệ.")
        page = int(page_text)
        # what the results depend on: the narrowest list the filters select
        tags = {(f"tinh:{province}:{year}" if year else f"tinh:{province}") if province
                else (f"nam:{year}" if year else "tim")}
        if fmt == "html":
            tags.add("years")  # the year filter's choices
        return self._board_page(call, ("ket-qua", fmt, q, province, year, status, page), tags,
                          lambda: self._render_home(fmt, q, province, year, status, page))

    def _render_home(self, fmt, q, province, year, status, page):
        found = self.backends.call("publication", "search_communes", query=q,
                                   province_code=province or None, year=year,
                                   status=status or None, limit=board.PAGE_SIZE,
                                   offset=(page - 1) * board.PAGE_SIZE)
        rows = board.item_rows(found["items"])
        units = []
        if q and fmt == "html" and page == 1:  # the units so named, each linked to its page
            units = board.unit_rows(self.backends.call(
                "publication", "search_units", query=q, limit=board.UNIT_LIMIT)["items"])
        filters = {k: v for k, v in (("q", q), ("tinh", province), ("nam", year or ""),
                                     ("trang_thai", status)) if v}
        if fmt != "html":
            return board.export(fmt, "ket-qua-tra-cuu", board.ITEM_COLUMNS, rows,
                                {"total": found["total"], "page": page,
                                 "filters": {"query": q, "province_code": province or None,
                                             "year": year, "status": status or None}})
        total = int(found["total"])
        count = max(1, -(-total // board.PAGE_SIZE))

        def page_url(n):
            return "/ket-qua?" + urlencode({**filters, "trang": n}) if n != 1 else (
                "/ket-qua" + ("?" + urlencode(filters) if filters else ""))

        pages = None
        if total > board.PAGE_SIZE:
            pages = {"current": page, "count": count,
                     "prev": page_url(page - 1) if page > 1 else None,
                     "next": page_url(page + 1) if page < count else None}
        years = self._years()
        export_filters = {**filters, **({"trang": page} if page != 1 else {})}
        return board.html(
            "home.html", title="Tra cứu kết quả", chain_notice=self.chain_notice,
            query={"q": q, "tinh": province, "nam": year, "trang_thai": status},
            provinces=lookup.provinces(), former_provinces=self._former_provinces(),
            years=years, latest_year=years[0] if years else None, rows=rows, units=units,
            total=total, first=(page - 1) * board.PAGE_SIZE + 1, pages=pages,
            export_base="/ket-qua" + ("?" + urlencode(export_filters) if export_filters else ""),
            breadcrumbs=None)

    # -- one commune -----------------------------------------------------------------------
    @http("GET", "/ket-qua/xa/<commune_code>")
    @endpoint(document=False)
    def board_commune(self, call, commune_code):
        def page():
            code, fmt = _split_format(commune_code, call.request)
            if not COMMUNE_CODE.match(code):
                raise NotFound(code)
            name = None if fmt == "html" else _list_name(call.request, ("nam", "tieu-chi"))
            return self._board_page(call, ("xa", code, fmt, name), (f"xa:{code}",),
                              lambda: self._render_commune(code, fmt, name))

        return self._board(call, page)

    def _render_commune(self, code, fmt, name):
        record = self.backends.call("publication", "commune_record", code)
        record["years"] = sorted(record.get("years", []), key=lambda y: y["year"], reverse=True)
        if fmt != "html":
            if name == "nam":
                return board.export(fmt, f"xa-{code}-ket-qua", board.YEAR_COLUMNS,
                                    board.year_rows(record), {"commune": record["commune"]})
            return board.export(fmt, f"xa-{code}-tieu-chi", board.CRITERION_COLUMNS,
                                board.criterion_rows(record), {"commune": record["commune"]})
        return board.commune_page(record, code, self.chain_notice)

    # -- a province ------------------------------------------------------------------------
    @http("GET", "/ket-qua/tinh/<province_code>/<year>")
    @endpoint(document=False)
    def board_province(self, call, province_code, year):
        def page():
            year_text, fmt = _split_format(year, call.request)
            number = _year(year_text)
            if not PROVINCE_CODE.match(province_code):
                raise NotFound(province_code)
            name = None if fmt == "html" else _list_name(call.request,
                                                         ("huyen", "dat", "khong-dat"))
            return self._board_page(call, ("tinh", province_code, number, fmt, name),
                              (f"tinh:{province_code}:{number}",),
                              lambda: self._render_province(province_code, number, fmt, name))

        return self._board(call, page)

    def _render_province(self, province_code, number, fmt, name):
        if fmt != "html":
            stem = f"tinh-{province_code}-{number}"
            if name == "huyen":
                overview = self.backends.call("publication", "province_overview",
                                              province_code, number)
                return board.export(fmt, f"{stem}-theo-huyen", board.DISTRICT_COLUMNS,
                                    board.district_rows(overview),
                                    {"province": overview["province"], "year": number})
            decisions = self.backends.call("publication", "decisions", province_code, number)
            key = "recognised" if name == "dat" else "not_recognised"
            return board.export(fmt, f"{stem}-{name}", board.item_columns(number),
                                board.item_rows(decisions[key]),
                                {"province_code": province_code, "year": number})
        overview = self.backends.call("publication", "province_overview", province_code, number)
        decisions = self.backends.call("publication", "decisions", province_code, number)
        province = overview["province"]
        return board.html(
            "province.html", title=f"{province['name']} năm {number}", province=province,
            chain_notice=self.chain_notice,
            year=number, overview=overview, district_rows=board.district_rows(overview),
            recognised_rows=board.item_rows(decisions["recognised"]),
            not_recognised_rows=board.item_rows(decisions["not_recognised"]),
            latest_year=number,
            breadcrumbs=[("Tra cứu", "/ket-qua"),
                         (f"Toàn quốc {number}", f"/ket-qua/toan-quoc/{number}"),
                         (province["name"], None)],
            export_base=f"/ket-qua/tinh/{province_code}/{number}")

    @http("GET", "/ket-qua/tinh/<province_code>/<year>/du-lieu-kiem-chung.json")
    @endpoint(document=False)
    def board_province_bundle(self, call, province_code, year):
        def page():
            number = _year(year)
            if not PROVINCE_CODE.match(province_code):
                raise NotFound(province_code)

            def render():
                bundle = self.backends.call("publication", "export_bundle", province_code,
                                            number)
                return board.attachment(
                    bundle, f"du-lieu-kiem-chung-tinh-{province_code}-{number}.json")

            return self._board_page(call, ("goi", province_code, number),
                              (f"goi:{province_code}:{number}",), render)

        return self._board(call, page)

    # -- the country -----------------------------------------------------------------------
    @http("GET", "/ket-qua/toan-quoc")
    @endpoint(document=False)
    def board_national_latest(self, call):
        def render():
            years = self._years()
            if not years:
                return board.not_found("Chưa có năm đánh giá nào được công bố.")
            from werkzeug.utils import redirect

            return redirect(f"/ket-qua/toan-quoc/{years[0]}", code=302)

        return self._board(call, render)

    @http("GET", "/ket-qua/toan-quoc/<year>")
    @endpoint(document=False)
    def board_national(self, call, year):
        def page():
            year_text, fmt = _split_format(year, call.request)
            number = _year(year_text)
            if fmt != "html":
                _list_name(call.request, ("tinh",))
            return self._board_page(call, ("toan-quoc", number, fmt), (f"nam:{number}", "years"),
                              lambda: self._render_national(number, fmt))

        return self._board(call, page)

    def _render_national(self, number, fmt):
        overview = self.backends.call("publication", "national_overview", number)
        rows = board.province_rows(overview)
        if fmt != "html":
            return board.export(fmt, f"toan-quoc-{number}", board.PROVINCE_COLUMNS, rows,
                                {"year": number, "totals": overview.get("totals")})
        years = self._years()
        return board.html(
            "national.html", title=f"Toàn quốc năm {number}", year=number,
            chain_notice=self.chain_notice,
            overview=overview, rows=rows, latest_year=years[0] if years else number,
            other_years=[y for y in years if y != number],
            breadcrumbs=[("Tra cứu", "/ket-qua"), (f"Toàn quốc {number}", None)],
            export_base=f"/ket-qua/toan-quoc/{number}")

    # -- how the board computes what it shows ----------------------------------------------
    @http("GET", "/ket-qua/phuong-phap")
    @endpoint(document=False)
    def board_methodology(self, call):
        def render():
            years = self._years()
            return board.html("methodology.html", title="Phương pháp",
                              latest_year=years[0] if years else None,
                              breadcrumbs=[("Tra cứu", "/ket-qua"), ("Phương pháp", None)])

        return self._board(call, lambda: self._board_page(call, ("phuong-phap",), ("years",),
                                                          render))

    # -- the signed chain heads ------------------------------------------------------------
    @http("GET", "/ket-qua/chu-ky")
    @endpoint(document=False)
    def board_signatures(self, call):
        return self._board(call, lambda: self._signatures(call, None))

    @http("GET", "/ket-qua/chu-ky.<fmt>")
    @endpoint(document=False)
    def board_signatures_export(self, call, fmt):
        if fmt not in EXPORTS:
            return board.not_found()
        return self._board(call, lambda: self._signatures(call, fmt))

    def _signatures(self, call, fmt):
        """Not kept by the page cache: new heads come every few seconds, and the record's
        change log does not name them. Each head is verified here too, with the gateway's
        own pinned keys (``SIGNING_KEYRING``), never the service's."""
        if fmt is None:
            _, fmt = _split_format("", call.request)
        answer = self.backends.call("publication", "signed_heads")
        chains = self.chain_verification
        view = board.signatures(answer, chains.keyring, chains.states(),
                                {s: chains.report(s) for s in answer_sources(answer)})
        if fmt != "html":
            return board.export(fmt, "chu-ky", board.SIGNED_HEAD_COLUMNS, view["rows"],
                                {"keys": view["keys"], "services": view["states"]})
        self.chain_notice = chains.board_notice()
        return board.html("signatures.html", title="Chữ ký số của sổ sự kiện",
                          chain_notice=self.chain_notice, view=view, latest_year=None,
                          breadcrumbs=[("Tra cứu", "/ket-qua"), ("Chữ ký số", None)],
                          export_base="/ket-qua/chu-ky")

    # -- assets and anything else under /ket-qua -------------------------------------------
    @http("GET", "/ket-qua/tai-nguyen/<path:filename>")
    @endpoint(document=False)
    def board_asset(self, call, filename):
        return board.asset(call.request, filename)

    @http("GET", "/ket-qua/<path:rest>")
    @endpoint(document=False)
    def board_unknown(self, call, rest):
        return board.not_found()

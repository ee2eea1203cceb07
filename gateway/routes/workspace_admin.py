"""The administrator's pages (``/can-bo/quan-tri``), besides the accounts pages of
gateway/routes/workspace.py: each province's reviewing level for a year, the criteria-set
versions (and publishing a new one, its problems shown in Vietnamese), and the platform's
health as /health gathers it. They call the RPCs the API routes call, with their schemas
and rules.

| URL | page |
|---|---|
| ``/can-bo/quan-tri/cap-tham-dinh`` | every province's reviewing level in a year (``?nam=``) |
| ``/can-bo/quan-tri/cap-tham-dinh/<province>/<year>`` | POST: set one |
| ``/can-bo/quan-tri/bo-tieu-chi`` | the versions; POST: publish a new one (file or pasted) |
| ``/can-bo/quan-tri/bo-tieu-chi/<set_id>/<version>`` | one version's criteria and indicators |
| ``/can-bo/quan-tri/tam-dung`` | the paused evaluation years and their basis; a form to record one |
| ``/can-bo/quan-tri/tam-dung`` (POST) | record a pause (country: administrator; a province: also its Sở Tư pháp) |
| ``/can-bo/quan-tri/tam-dung/<evaluation_year>/bo`` | POST: lift a pause recorded by mistake |
| ``/can-bo/quan-tri/tinh-trang`` | services, broker, chains, subscriptions, dead letters |
"""

from __future__ import annotations

import json

import eventlet
from marshmallow import fields, validate
from werkzeug.datastructures import MultiDict

from gateway import health, lookup
from gateway.routes.assessment_schemas import (
    CriteriaSetDocumentSchema,
    CriteriaSetVersionPathSchema,
    PauseLiftSchema,
    PauseSchema,
    PauseYearPathSchema,
)
from gateway.routes.workspace_audit import SERVICE_LABELS
from gateway.schemas import (
    FIRST_YEAR,
    LAST_YEAR,
    ReviewingLevelPathSchema,
    ReviewingLevelUpdateSchema,
)
from gateway.web import http
from gateway.workspace import labels
from gateway.workspace.criteria_problems import in_vietnamese
from gateway.workspace.navigation import Link, register
from gateway.workspace.pages import _load, field_errors, page
from kernel import clock
from kernel.errors import ConcurrencyError, Conflict, NotFound, ValidationFailed
from reference import units

ADMIN = "/can-bo/quan-tri"
LEVELS = ADMIN + "/cap-tham-dinh"
CRITERIA = ADMIN + "/bo-tieu-chi"
HEALTH = ADMIN + "/tinh-trang"
PAUSES = ADMIN + "/tam-dung"
NATIONAL_SCOPE = "toan-quoc"
LEVEL_LABELS = {"district": "Cấp huyện", "province": "Cấp tỉnh"}
SOURCE_LABELS = {"configured": "Đã cấu hình", "default": "Mặc định theo quy định"}
STATUS_LABELS = {"up": "Hoạt động", "degraded": "Suy giảm", "down": "Ngừng"}
CHAIN_LABELS = {"ok": "Nguyên vẹn, đã ký", "verifying": "Đang kiểm tra lần đầu",
                "unsigned": "Chưa có khóa ký", "failed": "Có chỗ hỏng"}
BREAKER_LABELS = {"closed": "Đóng (bình thường)", "open": "Mở (tạm ngừng gọi)",
                  "half_open": "Nửa mở (đang thử lại)"}
BOARD_LABELS = {"fresh": "Trang lưu khớp dữ liệu", "stale": "Đang phục vụ trang lưu cũ",
                "bypass": "Dựng lại mọi trang", "idle": "Chưa dùng gần đây", "off": "Tắt"}
NOTICES = {"cap": "Đã lưu cấp thẩm định.", "cong-bo": "Đã công bố phiên bản mới của bộ tiêu chí.",
           "tam-dung": "Đã ghi nhận năm đánh giá tạm dừng.", "bo-tam-dung": "Đã bỏ tạm dừng."}
MAX_DOCUMENT_BYTES = 900 * 1024  # inside the form's 1 MiB
LEVEL_READERS = 4  # reviewing levels asked at once: well inside the assessment bulkhead

register(Link("Cấp thẩm định", LEVELS, "workspace_reviewing_levels",
              "Cấp huyện hay cấp tỉnh thẩm định hồ sơ của từng tỉnh trong từng năm."))
register(Link("Bộ tiêu chí", CRITERIA, "workspace_criteria_sets",
              "Các phiên bản bộ tiêu chí; công bố phiên bản mới và xem lỗi của tệp."))
# Shown to those who may record a pause (reading the list is open to every official, but it
# is no page for a commune's desk).
register(Link("Năm tạm dừng đánh giá", PAUSES, "workspace_pause_record",
              "Ghi nhận năm đánh giá tạm dừng (toàn quốc hoặc một tỉnh) và căn cứ."))
register(Link("Tình trạng hệ thống", HEALTH, "workspace_platform_health",
              "Các dịch vụ, hàng đợi, chuỗi băm, thư lỗi (dead letter) và mạch ngắt."))


def _this_year() -> int:
    return clock.now().year


def level_form(form: MultiDict) -> dict:
    version = (form.get("expected_version") or "").strip()
    return {"level": form.get("level") or "",
            "expected_version": int(version) if version.isdigit() else (version or None)}


def _scope(form: MultiDict) -> str | None:
    scope = (form.get("pham_vi") or "").strip()
    return None if scope in ("", NATIONAL_SCOPE) else scope


class PausePageSchema(PauseSchema):
    year = fields.Integer(required=True, validate=validate.Range(FIRST_YEAR, LAST_YEAR))


def pause_form(form: MultiDict) -> dict:
    year = (form.get("nam") or "").strip()
    return {"year": int(year) if year.isdigit() else year, "province_code": _scope(form), "legal_basis": (form.get("can_cu") or "").strip(),
            "notice": (form.get("thong_bao") or "").strip() or None,
            "decided_on": (form.get("ngay") or "").strip() or None}


def lift_form(form: MultiDict) -> dict:
    return {"province_code": _scope(form), "reason": (form.get("ly_do") or "").strip()}


def provinces_in(year: int) -> list[tuple[str, str]]:
    """(code, name) of every province a reviewing level can be set for in ``year``: today's,
    and before the 2025 reorganisation the legacy ones the reference data knows."""
    found = {p.code: p.name for p in lookup.provinces()}
    if year <= 2024:
        for number in range(1, 100):
            code = f"{number:02d}"
            if code not in found and units.legacy_districts(code, year):
                found[code] = labels.province_name(code)
    return sorted(found.items())


class WorkspaceAdminRoutes:
    """Mixin of GatewayService: needs ``backends``, ``reviewing_levels``, ``broker`` and
    ``board_cache`` like the API routes."""

    # -- reviewing levels --------------------------------------------------------------------
    @http("GET", LEVELS)
    @page(performs="set_reviewing_level")
    def workspace_reviewing_levels(self, page):
        text = (page.request.args.get("nam") or "").strip()
        if text and not (text.isdigit() and FIRST_YEAR <= int(text) <= LAST_YEAR):
            raise ValidationFailed(f"Năm đánh giá là một năm từ {FIRST_YEAR} đến {LAST_YEAR}.")
        year = int(text) if text else _this_year()
        return self._levels_page(page, year, notice=NOTICES.get(page.request.args.get("da")))

    def _levels_page(self, page, year, status=200, notice=None, errors=None):
        provinces = provinces_in(year)
        pool = eventlet.GreenPool(LEVEL_READERS)
        records = pool.imap(lambda p: page.read("assessment", "get_reviewing_level", p[0], year),
                            provinces)
        rows = [{"code": code, "name": name, **record}
                for (code, name), record in zip(provinces, records, strict=True)]
        return page.render(
            "admin/levels.html", status=status, title="Cấp thẩm định", year=year, rows=rows,
            years=range(min(_this_year() + 1, LAST_YEAR), FIRST_YEAR - 1, -1),
            level_labels=LEVEL_LABELS, source_labels=SOURCE_LABELS, notice=notice,
            errors=errors or {}, field_labels={"level": "Cấp thẩm định"},
            breadcrumbs=[("Trang chủ", "/can-bo/"), ("Cấp thẩm định", None)])

    @http("POST", LEVELS + "/<province_code>/<int:year>")
    @page(path=ReviewingLevelPathSchema, form=level_form, schema=ReviewingLevelUpdateSchema,
          performs="set_reviewing_level")
    def workspace_reviewing_level_set(self, page, province_code, year):
        lookup.require_province_in(province_code, year)
        name = labels.province_name(province_code)
        if not page.errors:
            try:
                record = page.write("assessment", "set_reviewing_level", province_code, year,
                                    page.body["level"], page.body["expected_version"])
                page.service.reviewing_levels.remember(record)
                return page.redirect(f"{LEVELS}?nam={year}#tinh-{province_code}", da="cap")
            except ConcurrencyError:
                page.errors = {"_form": [
                    f"Cấp thẩm định của {name} năm {year} vừa được người khác thay đổi. Trang "
                    "đã hiện giá trị mới nhất: hãy xem lại rồi lưu lại nếu vẫn cần đổi."]}
                return self._levels_page(page, year, status=409, errors=page.errors)
            except (ValidationFailed, Conflict) as refused:
                page.errors = field_errors(refused.details) or {"_form": [refused.message]}
        errors = {"_form": [f"{name}: {in_vietnamese(message)}" for messages in page.errors.values()
                            for message in messages]}
        return self._levels_page(page, year, status=400, errors=errors)

    # -- paused evaluation years ------------------------------------------------------------
    @http("GET", PAUSES)
    @page(performs="list_pauses")
    def workspace_pauses(self, page):
        return self._pauses_page(page, notice=NOTICES.get(page.request.args.get("da")))

    def _pauses_page(self, page, status=200, notice=None, errors=None, values=None):
        pauses = page.read("assessment", "list_pauses", None)
        own = page.principal.jurisdiction.get("province")
        nationwide = page.principal.role == "administrator"
        year = _this_year()
        scopes = ([(NATIONAL_SCOPE, "Toàn quốc")] if nationwide else []) + [
            (code, name) for code, name in provinces_in(year - 1) if nationwide or code == own]
        return page.render(
            "admin/pauses.html", status=status, title="Năm tạm dừng đánh giá", pauses=pauses,
            scopes=scopes, years=range(min(year + 1, LAST_YEAR), FIRST_YEAR - 1, -1),
            default_year=year - 1, notice=notice, errors=errors or {}, values=values or {},
            field_labels={"can_cu": "Căn cứ", "ngay": "Ngày ban hành", "pham_vi": "Phạm vi",
                          "ly_do": "Lý do", "legal_basis": "Căn cứ", "decided_on": "Ngày ban hành",
                          "province_code": "Phạm vi", "reason": "Lý do"},
            breadcrumbs=[("Trang chủ", "/can-bo/"), ("Năm tạm dừng đánh giá", None)])

    @http("POST", PAUSES)
    @page(form=pause_form, schema=PausePageSchema, performs="record_pause")
    def workspace_pause_record(self, page):
        status = 400
        if not page.errors:
            body = page.body
            try:
                page.write("assessment", "record_pause", body["year"], body["province_code"],
                           body["legal_basis"], body["notice"],
                           body["decided_on"].isoformat() if body["decided_on"] else None)
                return page.redirect(PAUSES, da="tam-dung")
            except ValidationFailed as refused:
                page.errors = field_errors(refused.details) or {"_form": [refused.message]}
            except Conflict as refused:  # already recorded for that year and scope
                page.errors, status = {"_form": [refused.message]}, 409
        return self._pauses_page(page, status=status, errors=page.errors,
                                 values=page.form.to_dict())

    @http("POST", PAUSES + "/<int:evaluation_year>/bo")
    @page(path=PauseYearPathSchema, form=lift_form, schema=PauseLiftSchema, performs="lift_pause")
    def workspace_pause_lift(self, page, evaluation_year):
        if not page.errors:
            try:
                page.write("assessment", "lift_pause", evaluation_year, page.body["province_code"],
                           page.body["reason"])
                return page.redirect(PAUSES, da="bo-tam-dung")
            except (ValidationFailed, NotFound) as refused:
                page.errors = {"_form": [refused.message]}
        return self._pauses_page(page, status=400, errors=page.errors)

    # -- criteria sets -----------------------------------------------------------------------
    @http("GET", CRITERIA)
    @page(performs="publish_criteria_set")
    def workspace_criteria_sets(self, page):
        return self._criteria_page(page, notice=NOTICES.get(page.request.args.get("da")))

    def _criteria_page(self, page, status=200, notice=None, problems=None, pasted=""):
        sets = page.read("assessment", "list_criteria_sets")
        sets = sorted(sets, key=lambda s: (-(s.get("first_year") or 0), s["id"], -s["version"]))
        return page.render(
            "admin/criteria_sets.html", status=status, title="Bộ tiêu chí", sets=sets,
            notice=notice, problems=problems or [], pasted=pasted,
            field_labels={"tep": "Tệp bộ tiêu chí", "noi_dung": "Nội dung"},
            breadcrumbs=[("Trang chủ", "/can-bo/"), ("Bộ tiêu chí", None)])

    @http("POST", CRITERIA)
    @page(performs="publish_criteria_set")
    def workspace_criteria_set_publish(self, page):
        pasted = (page.form.get("noi_dung") or "").strip()
        upload = page.request.files.get("tep")
        raw = upload.read(MAX_DOCUMENT_BYTES + 1) if upload and upload.filename else b""
        field = "tep" if raw else "noi_dung"
        try:
            if len(raw) > MAX_DOCUMENT_BYTES:
                raise ValueError("Tệp quá lớn: tối đa 900 KiB.")
            text = raw.decode("utf-8-sig") if raw else pasted
            if not text:
                raise ValueError("Chọn tệp JSON của bộ tiêu chí, hoặc dán nội dung vào ô bên dưới.")
            try:
                document = json.loads(text)
            except ValueError as bad:
                raise ValueError(f"Không đọc được JSON: lỗi ở dòng {bad.lineno}, cột {bad.colno}."
                                 if hasattr(bad, "lineno") else "Không đọc được JSON.") from None
            if not isinstance(document, dict):
                raise ValueError("Tệp bộ tiêu chí là một đối tượng JSON ({…}).")
        except (ValueError, UnicodeDecodeError) as unreadable:
            message = (str(unreadable) if isinstance(unreadable, ValueError)
                       and not isinstance(unreadable, UnicodeDecodeError)
                       else "Tệp không phải văn bản UTF-8.")
            page.errors = {field: [message]}
            return self._criteria_page(page, status=400, pasted=pasted)
        try:
            page.body = _load(CriteriaSetDocumentSchema, document)
            published = page.write("assessment", "publish_criteria_set", page.body)
        except ValidationFailed as refused:
            lines = (refused.details or {}).get("problems") if isinstance(refused.details, dict) else None
            problems = [in_vietnamese(line) for line in lines or [
                f"{name}: {message}" for name, messages in field_errors(refused.details).items()
                for message in messages]]
            page.errors = {"_form": [f"Bộ tiêu chí chưa công bố được: {len(problems)} lỗi, "
                                     "liệt kê bên dưới. Sửa tệp rồi gửi lại."]}
            return self._criteria_page(page, status=400, problems=problems, pasted=pasted)
        except Conflict as refused:
            details = refused.details or {}
            versions = ", ".join(str(v) for v in details.get("versions") or [])
            page.errors = {"_form": [
                f"Bộ tiêu chí {details.get('set_id', document.get('id'))} đã có phiên bản "
                f"{details.get('version', document.get('version'))}: phiên bản đã công bố không bao "
                f"giờ được sửa. Hãy đặt số phiên bản mới (đang có: {versions or 'không rõ'})."]}
            return self._criteria_page(page, status=409, pasted=pasted)
        return page.redirect(f"{CRITERIA}/{published['id']}/{published['version']}"
                             if published.get("id") else CRITERIA, da="cong-bo")

    @http("GET", CRITERIA + "/<set_id>/<int:version>")
    @page(path=CriteriaSetVersionPathSchema, performs="get_criteria_set_version")
    def workspace_criteria_set_version(self, page, set_id, version):
        found = page.read("assessment", "get_criteria_set", set_id, version)
        return page.render(
            "admin/criteria_set.html", title=f"Bộ tiêu chí {set_id}, phiên bản {version}",
            criteria_set=found, notice=NOTICES.get(page.request.args.get("da")),
            breadcrumbs=[("Trang chủ", "/can-bo/"), ("Bộ tiêu chí", CRITERIA),
                         (f"{set_id}, phiên bản {version}", None)])

    # -- the platform's health ---------------------------------------------------------------
    @http("GET", HEALTH)
    @page()
    def workspace_platform_health(self, page):
        service = page.service
        report = health.gather(service.backends, service.broker, service.board_cache)
        return page.render(
            "admin/health.html", title="Tình trạng hệ thống", report=report,
            checked_at=clock.now().isoformat(), status_labels=STATUS_LABELS,
            chain_labels=CHAIN_LABELS, breaker_labels=BREAKER_LABELS, board_labels=BOARD_LABELS,
            service_labels=SERVICE_LABELS,
            breadcrumbs=[("Trang chủ", "/can-bo/"), ("Tình trạng hệ thống", None)])

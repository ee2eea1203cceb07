"""The workspace's plans pages (``/can-bo/ke-hoach``) and an agency's own tasks
(``/can-bo/nhiem-vu-co-quan``): the same plans RPCs, rules and body schemas as
gateway/routes/plans.py (docs/workspace.md, "Plans and agencies").

| URL | page |
|---|---|
| ``/can-bo/ke-hoach`` | plans of a province, ``/nhap`` import (pasted text or a .docx), ``/qua-han`` overdue tasks |
| ``/can-bo/ke-hoach/<id>`` | a plan; ``/ra-soat`` review, ``/sua`` edit, ``/ban-hanh`` issue, ``/tong-ket`` the yearly summary (.xlsx) |
| ``/can-bo/ke-hoach/<id>/nhiem-vu/<task>/sua`` | edit one task (its lead, timeframe …) |
| ``/can-bo/ke-hoach/<id>/nhiem-vu/<task>/tien-do`` | report a task's progress |
| ``/can-bo/nhiem-vu-co-quan`` | an agency officer's tasks, across plans |
"""

from __future__ import annotations

import base64
from datetime import date

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from gateway import lookup, permissions
from gateway.routes.plans_schemas import (
    PlanEditSchema,
    PlanImportSchema,
    PlanIssueSchema,
    PlanPathSchema,
    PlanReviewSchema,
    ProgressSchema,
    SummaryQuerySchema,
    TaskPathSchema,
)
from gateway.web import http
from gateway.workspace import labels
from gateway.workspace.navigation import Link, register
from gateway.workspace.pages import _load, page
from gateway.workspace.pages import _vietnamese as is_vietnamese
from kernel.errors import Conflict, Forbidden, IllegalTransition, NotFound, ValidationFailed

PLANS = "/can-bo/ke-hoach"
AGENCY = "/can-bo/nhiem-vu-co-quan"
REFUSALS = (ValidationFailed, Conflict, IllegalTransition, Forbidden, NotFound)
PLAN_STATUS = {"draft": "Bản nháp", "reviewed": "Đã rà soát", "issued": "Đã ban hành"}
TASK_STATUS = {"not_started": "Chưa bắt đầu", "in_progress": "Đang thực hiện",
               "completed": "Hoàn thành"}
SUMMARY_KINDS = {"so_ket": "Sơ kết", "tong_ket": "Tổng kết"}
DOUBTS = {
    "number_missing": "Chưa đọc được số ký hiệu của văn bản.",
    "date_missing": "Chưa đọc được ngày ban hành.",
    "year_missing": "Chưa xác định được năm của kế hoạch.",
    "lead_missing": "Nhiệm vụ chưa có cơ quan chủ trì.",
    "timeframe_missing": "Nhiệm vụ chưa có thời gian thực hiện.",
    "timeframe_unknown": "Chưa hiểu được thời gian thực hiện.",
    "agency_unmatched": "Tên cơ quan không có trong danh mục cơ quan của tỉnh",
    "place_missing": "Chưa đọc được địa danh nơi ban hành.",
    "year_inferred": "Năm của kế hoạch được suy ra, cần kiểm tra lại",
    "signer_missing": "Chưa đọc được người ký.",
    "signer_position_missing": "Chưa đọc được chức vụ của người ký.",
    "timeframe_ambiguous": "Thời gian thực hiện vừa nêu thời hạn vừa nêu “theo hướng dẫn, "
                           "theo quy định”, cần kiểm tra lại",
    "due_before_date": "Hạn hoàn thành trước ngày ký kế hoạch, cần kiểm tra lại năm",
    "agency_levels_assumed": "“UBND các cấp” được hiểu là UBND cấp huyện và UBND cấp xã, "
                             "cần kiểm tra lại.",
}
UNREAD = {
    "outside any part of the plan": "nằm ngoài các phần của kế hoạch",
    "after the signature": "sau phần chữ ký",
    "text before the first task": "trước nhiệm vụ đầu tiên",
    "a task field outside any task": "thông tin nhiệm vụ không thuộc nhiệm vụ nào",
    "no plan or directive found": "không nhận ra kế hoạch hay văn bản chỉ đạo",
    "before the document": "trước phần đầu văn bản",
    "after the document": "sau phần cuối văn bản",
    "not read": "không đọc được",
}
NOTICES = {
    "nhap": "Đã nhập bản nháp kế hoạch. Hãy kiểm tra những dòng chưa đọc được và các điểm cần "
            "xem lại, sửa nếu cần, rồi xác nhận đã rà soát.",
    "sua": "Đã lưu thay đổi. Kế hoạch trở về bản nháp: cần rà soát lại trước khi ban hành.",
    "ra-soat": "Đã xác nhận rà soát. Kế hoạch có thể ban hành.",
    "ban-hanh": "Đã ban hành kế hoạch. Các cơ quan chủ trì báo cáo tiến độ nhiệm vụ của mình.",
    "tien-do": "Đã ghi nhận báo cáo tiến độ.",
}
FIELD_LABELS = {
    "province_code": "Tỉnh", "district_code": "Mã huyện", "content": "Nội dung kế hoạch",
    "file_name": "Tệp", "issuer": "Cơ quan ban hành", "number": "Số ký hiệu", "date": "Ngày",
    "year": "Năm", "title": "Trích yếu", "issued_on": "Ngày ban hành", "note": "Ghi chú",
    "status": "Tình trạng", "percent": "Tỷ lệ hoàn thành", "lead_agencies": "Cơ quan chủ trì",
    "coordinating_agencies": "Cơ quan phối hợp", "timeframe": "Thời gian thực hiện",
    "outputs": "Sản phẩm", "expected_version": "Phiên bản", "kind": "Loại báo cáo",
    "changes": "Thay đổi",
}
PLAN_FIELDS = ("issuer", "number", "date", "year", "title")
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _vietnamese(refused, fallback: str) -> str:
    """The service's message when it is for people (Vietnamese), else the page's own."""
    message = getattr(refused, "message", "") or ""
    return message if is_vietnamese(message) else fallback


REFUSAL_TEXT = {
    "version_conflict": "Kế hoạch vừa được người khác thay đổi. Trang đã tải lại bản mới nhất; "
                        "hãy xem lại rồi thực hiện lại.",
    "illegal_transition": "Bước này không thực hiện được ở trạng thái hiện tại của kế hoạch.",
    "forbidden": "Cơ quan của bạn không chủ trì nhiệm vụ này nên không báo cáo được.",
    "not_found": "Không tìm thấy nhiệm vụ hoặc cơ quan này.",
    "validation_failed": "Dữ liệu chưa hợp lệ: hãy kiểm tra lại.",
}


FIELD_MESSAGES = {
    "content": "Chọn tệp Word (.docx) hoặc dán nội dung văn bản (tối đa khoảng 500 KB).",
    "province_code": "Chọn tỉnh, thành phố.", "district_code": "Mã huyện gồm 3 chữ số.",
    "file_name": "Tên tệp tối đa 255 ký tự.", "encoding": "Chọn lại tệp.",
    "status": "Chọn tình trạng trong danh sách.",
    "percent": "Nhập tỷ lệ hoàn thành là số nguyên từ 0 đến 100.",
    "note": "Ghi chú tối đa 4000 ký tự.", "number": "Số ký hiệu tối đa 80 ký tự.",
    "issued_on": "Ngày ban hành theo dạng năm-tháng-ngày, ví dụ 2022-01-15.",
    "expected_version": "Trang đã cũ: hãy tải lại trang rồi thử lại.",
    "changes": "Thay đổi không hợp lệ: hãy tải lại trang rồi thử lại.",
}


def vietnamese_errors(errors: dict, messages: dict) -> dict:
    """The form's errors for people: a schema's English default ("Not a valid integer.")
    becomes the field's Vietnamese message; Vietnamese ones stay as they are."""
    fallback = "Giá trị chưa hợp lệ: hãy kiểm tra lại."
    return {field: [m if is_vietnamese(m) else messages.get(field, fallback) for m in found]
            for field, found in errors.items()}


def _refusal_errors(refused) -> dict:
    fallback = REFUSAL_TEXT.get(refused.code, REFUSAL_TEXT["validation_failed"])
    return {"_form": [_vietnamese(refused, fallback)]}


# -- reading forms into the API's bodies -----------------------------------------------------
def _blank(value) -> str | None:
    text = (value or "").strip()
    return text or None


def _int_or_text(value):
    text = (value or "").strip()
    return int(text) if text.isdigit() else (text or None)


def import_form(form: MultiDict, files: MultiDict) -> dict:
    """A .docx sent goes as base64 (the API's ``encoding``); else the pasted text."""
    body = {"province_code": (form.get("province_code") or "").strip(),
            "district_code": _blank(form.get("district_code")), "file_name": None,
            "content": form.get("content") or "", "encoding": "text"}
    upload = files.get("tep")
    if upload is not None and upload.filename:
        raw = upload.read()
        body.update(file_name=upload.filename[:255], encoding="base64",
                    content=base64.b64encode(raw).decode("ascii") if raw else "")
    return body


import_form.reads_files = True


def plan_fields_form(form: MultiDict) -> dict:
    changes = {name: (form.get(name) or "").strip() for name in PLAN_FIELDS}
    changes["year"] = _int_or_text(changes["year"])
    return {"changes": changes, "expected_version": _int_or_text(form.get("expected_version"))}


def task_form(form: MultiDict) -> dict:
    changes = {"title": (form.get("title") or "").strip(),
               "lead_agencies": form.getlist("lead_agencies"),
               "coordinating_agencies": form.getlist("coordinating_agencies"),
               "timeframe": (form.get("timeframe") or "").strip(),
               "outputs": (form.get("outputs") or "").strip()}
    return {"changes": changes, "expected_version": _int_or_text(form.get("expected_version"))}


def review_form(form: MultiDict) -> dict:
    return {"note": _blank(form.get("note")),
            "expected_version": _int_or_text(form.get("expected_version"))}


def issue_form(form: MultiDict) -> dict:
    return {"number": _blank(form.get("number")), "issued_on": _blank(form.get("issued_on")),
            "expected_version": _int_or_text(form.get("expected_version"))}


def progress_form(form: MultiDict) -> dict:
    return {"status": form.get("status") or "", "percent": _int_or_text(form.get("percent")),
            "note": _blank(form.get("note"))}


# -- what the pages show -----------------------------------------------------------------------
def _task(plan: dict, number: str) -> dict:
    for task in plan["tasks"]:
        if task["number"] == number:
            return task
    raise NotFound(f"Kế hoạch không có nhiệm vụ {number}.", {"task": number})


def doubts(plan: dict) -> list[dict]:
    """The import's doubts in Vietnamese, each marked settled when the plan as it stands no
    longer has the problem (the import's list is kept as it was read)."""
    tasks = {t["number"]: t for t in plan["tasks"]}
    shown = []
    for issue in plan.get("review", {}).get("issues", []):
        kind, task = issue["kind"], tasks.get(issue.get("task"))
        text = DOUBTS.get(kind, "Cần xem lại.")
        if kind == "agency_unmatched":
            text += ": " + issue["message"].partition(": ")[2] if ": " in issue["message"] else "."
        elif kind == "year_inferred":
            text += f": năm {plan.get('year')}."
        elif kind == "due_before_date" and task is not None:
            text += f": “{(task.get('timeframe') or {}).get('text', '')}”."
        elif kind == "timeframe_ambiguous" and task is not None:
            text += f": “{(task.get('timeframe') or {}).get('text', '')}”."
        signer = plan.get("signer") or {}
        settled = {"number_missing": bool(plan.get("number")), "date_missing": bool(plan.get("date")),
                   "year_missing": bool(plan.get("year")), "place_missing": bool(plan.get("place")),
                   "signer_missing": bool(signer.get("name")),
                   "signer_position_missing": bool(signer.get("position"))}.get(kind)
        if issue.get("task"):
            if task is None:
                settled = True
            elif kind == "lead_missing":
                settled = bool(task["lead_agencies"])
            elif kind in ("timeframe_missing", "timeframe_unknown"):
                settled = bool(task.get("timeframe")) and task["timeframe"].get("kind") != "unknown"
        shown.append({**issue, "text": text, "settled": bool(settled)})
    return shown


def signer_label(plan: dict) -> str | None:
    """The signer's block as signed: "TM. ỦY BAN NHÂN DÂN, KT. CHỦ TỊCH, PHÓ CHỦ TỊCH Tống Thanh Hải"."""
    signer = plan.get("signer") or {}
    marks = [f"{b['mark']} {b['of']}" for b in signer.get("on_behalf") or []]
    titles = ", ".join(marks + [signer["position"]] if signer.get("position") else marks)
    return " ".join(filter(None, [titles, signer.get("name")])) or None


def unread_lines(plan: dict) -> list[dict]:
    return [{**line, "why": UNREAD.get(line.get("reason"), line.get("reason") or "")}
            for line in plan.get("review", {}).get("unparsed", [])]


def _agency_names(agencies: list[dict]) -> str:
    return "; ".join(a["name"] for a in agencies)


def _where(plan: dict) -> str:
    where = plan.get("jurisdiction") or {}
    return labels.jurisdiction_label({"province": where.get("province"),
                                      "district": where.get("district"), "commune": None})


def may(page, operation: str, target: permissions.Target) -> bool:
    """Whether ``operation``'s rule admits this person over ``target``: a button leading to
    it is shown only then, so that it never leads to a refusal (the rule decides again when
    the button is used)."""
    rule = permissions.rule_for(operation)
    if rule.roles != permissions.AUTHENTICATED and page.principal.role not in rule.roles:
        return False
    service = page.service
    try:
        rule.jurisdiction.check(page.principal, target, lambda province, year: (
            service.reviewing_levels.level(service.backends, province, year)))
    except Forbidden:
        return False
    return True


def _plan_target(plan: dict) -> permissions.Target:
    where = plan.get("jurisdiction") or {}
    return permissions.Target(where.get("province"), where.get("district"), record=plan)


def _filters() -> dict:
    return {"PLAN_STATUS": PLAN_STATUS, "TASK_STATUS": TASK_STATUS}


class WorkspacePlansRoutes:
    """Mixin of GatewayService: the plans officer's and the agencies' pages."""

    # -- plans of a province ---------------------------------------------------------------
    def _home_province(self, page) -> str | None:
        principal = page.principal
        if principal.role == "agency_officer" and principal.agency:
            return principal.agency.partition(":")[0]
        return principal.jurisdiction.get("province")

    @http("GET", PLANS)
    @page(performs="list_plans")
    def workspace_plans(self, page):
        province = page.request.args.get("tinh", self._home_province(page) or "")
        if province and not (len(province) == 2 and province.isdigit()):
            raise ValidationFailed("Bộ lọc không hợp lệ: hãy chọn tỉnh trong danh sách.")
        plans = page.read("plans", "list_plans", province or None, None)
        plans.sort(key=lambda p: (p.get("year") or 0, p.get("date") or ""), reverse=True)
        return page.render("plans/list.html", title="Kế hoạch", plans=plans, province=province,
                           provinces=lookup.provinces(), where=_where, **_filters(),
                           may_edit=page.principal.role in ("justice_officer", "administrator"),
                           notice=NOTICES.get(page.request.args.get("da")))

    @http("GET", PLANS + "/qua-han")
    @page(performs="list_plans")
    def workspace_plans_overdue(self, page):
        """The tasks the hourly check flagged; with ``ngay``, every task overdue on that day
        (the progress reported up to it), late by how many working days."""
        province = self._home_province(page)
        as_of = page.request.args.get("ngay") or None
        if as_of is not None and not _iso(as_of):
            raise ValidationFailed("Ngày xét không hợp lệ: hãy chọn một ngày, ví dụ 31/03/2022.")
        rows = []
        for listed in page.read("plans", "list_plans", province, None):
            if listed["status"] != "issued":
                continue
            plan = page.read("plans", "get_plan", listed["plan_id"])
            if as_of is None:
                for task in plan["tasks"]:
                    if task["overdue"] and task["percent"] < 100:
                        rows.append({"plan": plan, "task": task, "dues": task["overdue"],
                                     "due": max(f["due_date"] for f in task["overdue"])})
                continue
            tasks = {t["number"]: t for t in plan["tasks"]}
            late: dict[str, list] = {}
            for row in page.read("plans", "overdue_tasks", plan["plan_id"], as_of)["tasks"]:
                late.setdefault(row["task"], []).append(row)
            for number, dues in late.items():
                task = {**tasks[number], "percent": dues[0]["percent"], "status": dues[0]["status"]}
                rows.append({"plan": plan, "task": task, "dues": dues,
                             "due": max(d["due_date"] for d in dues)})
        rows.sort(key=lambda r: r["due"])
        return page.render("plans/overdue.html", title="Nhiệm vụ quá hạn", rows=rows,
                           province_name=labels.province_name(province) if province else None,
                           as_of=as_of, agency_names=_agency_names, **_filters(),
                           breadcrumbs=[("Kế hoạch", PLANS), ("Nhiệm vụ quá hạn", None)])

    # -- importing -------------------------------------------------------------------------
    def _import_page(self, page, status=200):
        principal = page.principal
        fixed = principal.role != "administrator"
        return page.render("plans/import.html", status=status, title="Nhập kế hoạch",
                           fixed_province=principal.jurisdiction.get("province") if fixed else None,
                           fixed_district=principal.jurisdiction.get("district") if fixed else None,
                           province_options=[("", "Chọn tỉnh")] + [
                               (p.code, p.name) for p in lookup.provinces()],
                           field_labels=FIELD_LABELS,
                           breadcrumbs=[("Kế hoạch", PLANS), ("Nhập kế hoạch", None)])

    @http("GET", PLANS + "/nhap")
    @page()
    def workspace_plan_import_form(self, page):
        return self._import_page(page)

    @http("POST", PLANS + "/nhap")
    @page(form=import_form, schema=PlanImportSchema, performs="import_plan")
    def workspace_plan_import(self, page):
        page.errors = vietnamese_errors(page.errors, FIELD_MESSAGES)
        if not page.errors:
            body = page.body
            try:
                plan = page.write("plans", "import_plan", body["content"], body["file_name"],
                                  {"province": body["province_code"],
                                   "district": body["district_code"]}, body["encoding"])
                return page.redirect(f"{PLANS}/{plan['plan_id']}/ra-soat", da="nhap")
            except ValidationFailed as refused:
                page.errors = {"content": [_vietnamese(refused, _unreadable(refused))]}
        return self._import_page(page, status=400)

    # -- one plan --------------------------------------------------------------------------
    def _plan_crumbs(self, plan, *more):
        return [("Kế hoạch", PLANS), (plan.get("title") or plan["plan_id"],
                                      f"{PLANS}/{plan['plan_id']}" if more else None), *more]

    @http("GET", PLANS + "/<plan_id>")
    @page(path=PlanPathSchema, performs="get_plan")
    def workspace_plan(self, page, plan_id):
        plan = page.read("plans", "get_plan", plan_id)
        agency = page.principal.agency if page.principal.role == "agency_officer" else None
        years = sorted({int(d[:4]) for t in plan["tasks"] for d in t.get("due_dates", [])}
                       | ({plan["year"]} if plan.get("year") else set()))
        return page.render("plans/detail.html", title=plan.get("title") or "Kế hoạch", plan=plan,
                           where=_where(plan), doubts=doubts(plan), agency=agency,
                           may_edit=may(page, "edit_plan", _plan_target(plan)),
                           may_report=may(page, "report_progress", _plan_target(plan)),
                           agency_names=_agency_names,
                           years=years, kinds=SUMMARY_KINDS, **_filters(),
                           notice=NOTICES.get(page.request.args.get("da")),
                           breadcrumbs=self._plan_crumbs(plan))

    @http("GET", PLANS + "/<plan_id>/ra-soat")
    @page(path=PlanPathSchema, performs="review_plan")
    def workspace_plan_review_form(self, page, plan_id):
        return self._review_page(page)

    def _review_page(self, page, status=200, plan=None):
        plan = plan or page.target.record
        return page.render("plans/review.html", status=status, title="Rà soát kế hoạch",
                           plan=plan, where=_where(plan), doubts=doubts(plan), signer=signer_label(plan),
                           unread=unread_lines(plan), agency_names=_agency_names, **_filters(),
                           field_labels=FIELD_LABELS,
                           notice=NOTICES.get(page.request.args.get("da")),
                           breadcrumbs=self._plan_crumbs(plan, ("Rà soát", None)))

    @http("POST", PLANS + "/<plan_id>/ra-soat")
    @page(path=PlanPathSchema, form=review_form, schema=PlanReviewSchema, performs="review_plan")
    def workspace_plan_review(self, page, plan_id):
        page.errors = vietnamese_errors(page.errors, FIELD_MESSAGES)
        if not page.errors:
            try:
                page.write("plans", "review_plan", plan_id, page.body["note"],
                           page.body["expected_version"])
                return page.redirect(f"{PLANS}/{plan_id}", da="ra-soat")
            except REFUSALS as refused:
                page.errors = _refusal_errors(refused)
        return self._review_page(page, 409 if page.body else 400,
                                 page.read("plans", "get_plan", plan_id))

    @http("GET", PLANS + "/<plan_id>/sua")
    @page(path=PlanPathSchema, performs="edit_plan")
    def workspace_plan_edit_form(self, page, plan_id):
        return self._edit_page(page)

    def _edit_page(self, page, status=200):
        plan = page.target.record
        return page.render("plans/edit.html", status=status, title="Sửa kế hoạch", plan=plan,
                           fields=PLAN_FIELDS, field_labels=FIELD_LABELS,
                           breadcrumbs=self._plan_crumbs(plan, ("Sửa", None)))

    @http("POST", PLANS + "/<plan_id>/sua")
    @page(path=PlanPathSchema, form=plan_fields_form, schema=PlanEditSchema,
          performs="edit_plan")
    def workspace_plan_edit(self, page, plan_id):
        page.errors = vietnamese_errors(page.errors, FIELD_MESSAGES)
        plan = page.target.record
        if not page.errors:
            changes = {k: v for k, v in page.body["changes"].items()
                       if (v or None) != (plan.get(k) or None)}
            if isinstance(changes.get("year"), str):
                page.errors["year"] = ["Năm là một số, ví dụ 2022."]
            if changes.get("date") and not _iso(changes["date"]):
                page.errors["date"] = ["Ngày theo dạng năm-tháng-ngày, ví dụ 2022-03-15."]
            if not page.errors and not changes:
                page.errors = {"_form": ["Chưa có thay đổi nào để lưu."]}
            if not page.errors:
                done = self._edit(page, plan_id, changes)
                if done is not None:
                    return done
        return self._edit_page(page, status=400)

    def _edit(self, page, plan_id, changes, back=None):
        try:
            page.write("plans", "edit_plan", plan_id, changes, page.body["expected_version"])
            return page.redirect(back or f"{PLANS}/{plan_id}/ra-soat", da="sua")
        except REFUSALS as refused:
            page.errors = _refusal_errors(refused)
            if isinstance(refused, ValidationFailed) and "agency" in (refused.details or {}):
                page.errors = {"lead_agencies": ["Có cơ quan không thuộc tỉnh của kế hoạch."]}
            return None

    @http("GET", PLANS + "/<plan_id>/nhiem-vu/<task>/sua")
    @page(path=TaskPathSchema, performs="edit_plan")
    def workspace_plan_task_form(self, page, plan_id, task):
        return self._task_page(page, task)

    def _task_page(self, page, number, status=200):
        plan = page.target.record
        task = _task(plan, number)
        agencies = page.read("plans", "list_agencies", plan["jurisdiction"]["province"])
        return page.render("plans/task.html", status=status, title=f"Sửa nhiệm vụ {number}",
                           plan=plan, task=task, agencies=agencies, field_labels=FIELD_LABELS,
                           doubts=[d for d in doubts(plan) if d.get("task") == number],
                           breadcrumbs=self._plan_crumbs(plan, (f"Nhiệm vụ {number}", None)))

    @http("POST", PLANS + "/<plan_id>/nhiem-vu/<task>/sua")
    @page(path=TaskPathSchema, form=task_form, schema=PlanEditSchema, performs="edit_plan")
    def workspace_plan_task_edit(self, page, plan_id, task):
        page.errors = vietnamese_errors(page.errors, FIELD_MESSAGES)
        current = _task(page.target.record, task)
        if not page.errors:
            given = page.body["changes"]
            was = {"title": current.get("title") or "",
                   "lead_agencies": [a["id"] for a in current["lead_agencies"]],
                   "coordinating_agencies": [a["id"] for a in current["coordinating_agencies"]],
                   "timeframe": (current.get("timeframe") or {}).get("text") or "",
                   "outputs": current.get("outputs") or ""}
            patch = {k: v for k, v in given.items() if v != was[k]}
            if not given["title"]:
                page.errors = {"title": ["Nhập nội dung nhiệm vụ."]}
            elif not patch:
                page.errors = {"_form": ["Chưa có thay đổi nào để lưu."]}
            else:
                done = self._edit(page, plan_id, {"tasks": {task: patch}},
                                  f"{PLANS}/{plan_id}/ra-soat#nhiem-vu-{task}")
                if done is not None:
                    return done
        return self._task_page(page, task, status=400)

    @http("GET", PLANS + "/<plan_id>/ban-hanh")
    @page(path=PlanPathSchema, performs="issue_plan")
    def workspace_plan_issue_form(self, page, plan_id):
        return self._issue_page(page)

    def _issue_page(self, page, status=200):
        plan = page.target.record
        return page.render("plans/issue.html", status=status, title="Ban hành kế hoạch",
                           plan=plan, field_labels=FIELD_LABELS,
                           breadcrumbs=self._plan_crumbs(plan, ("Ban hành", None)))

    @http("POST", PLANS + "/<plan_id>/ban-hanh")
    @page(path=PlanPathSchema, form=issue_form, schema=PlanIssueSchema, performs="issue_plan")
    def workspace_plan_issue(self, page, plan_id):
        page.errors = vietnamese_errors(page.errors, FIELD_MESSAGES)
        if not page.errors:
            issued_on = page.body["issued_on"]
            try:
                page.write("plans", "issue_plan", plan_id, page.body["number"],
                           issued_on.isoformat() if issued_on else None,
                           page.body["expected_version"])
                return page.redirect(f"{PLANS}/{plan_id}", da="ban-hanh")
            except REFUSALS as refused:
                page.errors = _refusal_errors(refused)
                if isinstance(refused, ValidationFailed) and (refused.details or {}).get(
                        "field") == "number":
                    page.errors = {"number": ["Nhập số ký hiệu của kế hoạch, ví dụ 123/KH-UBND."]}
        return self._issue_page(page, status=400)

    @http("GET", PLANS + "/<plan_id>/tong-ket")
    @page(path=PlanPathSchema, performs="plan_summary")
    def workspace_plan_summary(self, page, plan_id):
        args = page.request.args
        query = _load(SummaryQuerySchema, {"year": args.get("nam", ""),
                                           "kind": args.get("loai") or "tong_ket"})
        file = page.read("plans", "summary_form", plan_id, query["year"], query["kind"])
        return Response(base64.b64decode(file["content_base64"]), mimetype=file["media_type"],
                        headers={"Content-Disposition":
                                 f'attachment; filename="{file["file_name"]}"',
                                 "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

    # -- progress ----------------------------------------------------------------------------
    @http("GET", PLANS + "/<plan_id>/nhiem-vu/<task>/tien-do")
    @page(path=TaskPathSchema, performs="report_progress")
    def workspace_progress_form(self, page, plan_id, task):
        return self._progress_page(page, task)

    def _progress_page(self, page, number, status=200):
        plan = page.target.record
        task = _task(plan, number)
        back = AGENCY if page.principal.role == "agency_officer" else f"{PLANS}/{plan['plan_id']}"
        return page.render("plans/progress.html", status=status, title=f"Báo cáo tiến độ nhiệm vụ {number}",
                           plan=plan, task=task, statuses=TASK_STATUS, back=back,
                           agency_names=_agency_names, field_labels=FIELD_LABELS, **_filters(),
                           breadcrumbs=self._plan_crumbs(plan, (f"Tiến độ nhiệm vụ {number}", None)))

    @http("POST", PLANS + "/<plan_id>/nhiem-vu/<task>/tien-do")
    @page(path=TaskPathSchema, form=progress_form, schema=ProgressSchema,
          performs="report_progress")
    def workspace_progress(self, page, plan_id, task):
        page.errors = vietnamese_errors(page.errors, FIELD_MESSAGES)
        if not page.errors:
            body = page.body
            agency = page.principal.agency if page.principal.role == "agency_officer" else None
            if (body["status"] == "completed") != (body["percent"] == 100):
                page.errors = {"percent": ["Nhiệm vụ hoàn thành khi và chỉ khi đạt 100%."]}
            else:
                try:
                    page.write("plans", "report_progress", plan_id, task, agency, body["status"],
                               body["percent"], body["note"], None)
                    back = (AGENCY if page.principal.role == "agency_officer"
                            else f"{PLANS}/{plan_id}")
                    return page.redirect(back, da="tien-do")
                except REFUSALS as refused:
                    page.errors = _refusal_errors(refused)
        return self._progress_page(page, task, status=400)

    # -- an agency's own tasks -----------------------------------------------------------------
    @http("GET", AGENCY)
    @page()
    def workspace_agency_tasks(self, page):
        agency = page.principal.agency
        tasks = page.read("plans", "agency_tasks", agency) if agency else []
        names = {a["id"]: a["name"] for a in page.read(
            "plans", "list_agencies", agency.partition(":")[0])} if agency else {}
        tasks.sort(key=lambda t: (t["plan_status"] != "issued", t["role"] != "lead",
                                  min(t.get("due_dates") or ["9999"])))
        return page.render("plans/agency.html", title="Nhiệm vụ của cơ quan", tasks=tasks,
                           agency=agency, agency_name=names.get(agency, agency),
                           agency_names=_agency_names, **_filters(),
                           notice=NOTICES.get(page.request.args.get("da")))


def _iso(text: str) -> bool:
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False


def _unreadable(refused) -> str:
    if "review" in (refused.details or {}):
        return ("Không đọc được nhiệm vụ nào trong văn bản nên chưa nhập. Hãy kiểm tra văn bản có "
                "phần nội dung, nhiệm vụ được đánh số (1., 1.1., a) …).")
    return ("Không đọc được tệp hoặc văn bản này: hãy dán nội dung văn bản, hoặc chọn tệp .docx "
            "(Word) không đặt mật khẩu.")


# Shown to those who work on plans (editors and reporters: report_progress's roles); anyone
# signed in may still open the list, plans being public documents.
register(Link("Kế hoạch", PLANS, "workspace_progress_form",
              "Nhập, rà soát, ban hành kế hoạch; theo dõi tiến độ và nhiệm vụ quá hạn."))
register(Link("Nhiệm vụ của cơ quan", AGENCY, "workspace_agency_tasks",
              "Các nhiệm vụ cơ quan chủ trì, phối hợp; báo cáo tiến độ."))

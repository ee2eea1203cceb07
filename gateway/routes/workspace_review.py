"""The review and recognition pages of the workspace: the justice office's queue and check,
the council's appraisal, the chairman's decision (docs/workspace.md, "Thẩm định và công nhận").

| URL | page |
|---|---|
| ``/can-bo/tham-dinh?nam=`` | the queue of the caller's province or district: dossiers, due dates, late flags; the year's recognised and not-recognised lists |
| ``/can-bo/tham-dinh/<xã>/<năm>`` | one dossier: self-assessment, evidence, posting, supplements; the justice office's check and supplement request |
| ``…/minh-chung/<chỉ tiêu>/<sha256>`` | an evidence file, downloaded |
| ``…/hoi-dong`` | the council: the meeting (date, members, quorum), opinions, every indicator's appraised points with reasons, completion |
| ``…/quyet-dinh`` | the chairman's decision: number, date, recognised or not; its publication on the board |
| ``/can-bo/tham-dinh/tinh/<tỉnh>/mau-08.xlsx?year=`` | Mẫu 08: the year's decisions, recognised and not-recognised lists |

Each form posts to the API operation's page (``performs=``), with the API's body schema, and
calls the command's RPC (``assessment.pass_check``, …) as the API route does. Which forms a
person sees comes from the service's ``next_steps`` (the step's role is theirs), never from the page's own reading of
the state.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from werkzeug.datastructures import MultiDict

from gateway.routes.assessment import _arguments, _xlsx
from gateway.routes.assessment_schemas import (
    AppraisalStartSchema,
    AppraiseSchema,
    AssessmentPathSchema,
    CheckSchema,
    CompleteAppraisalSchema,
    DecisionSchema,
    OpinionSchema,
    RollupPathSchema,
    RollupQuerySchema,
    SupplementRequestSchema,
)
from gateway.routes.evidence_schemas import EvidenceFilePathSchema
from gateway.schemas import FIRST_YEAR
from gateway.web import http
from gateway.workspace import labels, navigation, render
from gateway.workspace.pages import _load, _vietnamese, page
from kernel import clock
from kernel.errors import Conflict, NotFound, ValidationFailed

DESK = "/can-bo/tham-dinh"
DOSSIER = DESK + "/<commune_code>/<int:year>"
REVIEW_STATES = ("dossier_submitted", "supplement_requested", "checked", "under_appraisal",
                 "appraised", "recognised", "not_recognised", "revoked")
NOTICES = {
    "kiem-tra": "Đã ghi kết quả kiểm tra: hồ sơ đạt, chuyển Hội đồng thẩm định.",
    "bo-sung": "Đã gửi yêu cầu bổ sung hồ sơ. Xã bổ sung trong thời hạn ghi dưới đây.",
    "bat-dau": "Đã bắt đầu thẩm định.",
    "y-kien": "Đã ghi ý kiến của thành viên Hội đồng.",
    "cham-diem": "Đã lưu điểm thẩm định.",
    "hoan-thanh": "Đã hoàn thành thẩm định: hồ sơ chuyển Chủ tịch quyết định.",
    "quyet-dinh": "Đã ghi quyết định. Kết quả được công bố trên bảng kết quả công khai.",
}
# What to do, per field: shown for any error the schema finds in it
FIELD_MESSAGES = {
    "checked_on": "Nhập ngày kiểm tra xong hồ sơ.",
    "requested_on": "Nhập ngày yêu cầu bổ sung.",
    "reason": "Nhập lý do (tối đa 4.000 ký tự).",
    "started_on": "Nhập ngày bắt đầu thẩm định (ngày họp hoặc ngày gửi lấy ý kiến).",
    "council_size": "Nhập số thành viên Hội đồng, từ 1 đến 15.",
    "method": "Chọn hình thức thẩm định: họp Hội đồng hoặc lấy ý kiến bằng văn bản.",
    "member_name": "Nhập họ tên thành viên.",
    "role": "Nhập chức danh trong Hội đồng, ví dụ Chủ tịch Hội đồng, thành viên.",
    "opinion": "Nhập ý kiến của thành viên.",
    "given_by": "Chọn: dự họp hoặc ý kiến bằng văn bản.",
    "given_on": "Nhập ngày họp hoặc ngày có ý kiến bằng văn bản, hoặc để trống.",
    "points": "Nhập điểm thẩm định, tối đa hai chữ số thập phân, ví dụ 2,50.",
    "achieved": "Chọn đạt hoặc không đạt.",
    "completed_on": "Nhập ngày hoàn thành thẩm định.",
    "recognised": "Chọn công nhận hoặc không công nhận đạt chuẩn.",
    "decision_number": "Nhập số quyết định, ví dụ 123/QĐ-UBND.",
    "decision_date": "Nhập ngày ký quyết định.",
    "expected_version": "Hồ sơ đã thay đổi; hãy tải lại trang.",
}
FIELD_LABELS = {
    "checked_on": "Ngày kiểm tra xong", "requested_on": "Ngày yêu cầu", "reason": "Lý do",
    "started_on": "Ngày bắt đầu", "council_size": "Số thành viên", "method": "Hình thức",
    "member_name": "Họ tên", "role": "Chức danh", "opinion": "Ý kiến", "given_by": "Tham gia",
    "given_on": "Ngày", "completed_on": "Ngày hoàn thành", "recognised": "Kết quả",
    "decision_number": "Số quyết định", "decision_date": "Ngày ký"}
CHANNELS = {"office": "Niêm yết tại trụ sở", "portal": "Cổng thông tin điện tử",
            "radio": "Đài truyền thanh"}
METHODS = {"meeting": "Họp Hội đồng", "written": "Lấy ý kiến bằng văn bản"}
GIVEN_BY = {"meeting": "Dự họp", "writing": "Bằng văn bản"}
VERDICTS = {"met": "Đạt", "not_met": "Không đạt", "unknown": "Chưa xác định"}


# -- forms into the API's bodies -------------------------------------------------------------
def _text(form: MultiDict, name: str) -> dict:
    value = (form.get(name) or "").strip()
    return {name: value} if value else {}  # left out: the schema says it is needed


def _version(form: MultiDict) -> dict:
    value = (form.get("expected_version") or "").strip()
    return {"expected_version": int(value)} if value.isdigit() else {}


def check_form(form: MultiDict) -> dict:
    return {**_text(form, "checked_on"), **_version(form)}


def supplement_request_form(form: MultiDict) -> dict:
    return {**_text(form, "reason"), **_text(form, "requested_on"), **_version(form)}


def appraisal_start_form(form: MultiDict) -> dict:
    size = (form.get("council_size") or "").strip()
    body = {**_text(form, "started_on"), **_text(form, "method"), **_version(form)}
    if size:
        body["council_size"] = int(size) if size.isdigit() else size
    return body


def opinion_form(form: MultiDict) -> dict:
    return {**_text(form, "member_name"), **_text(form, "role"), **_text(form, "opinion"),
            **_text(form, "given_by"), **_text(form, "given_on"), **_version(form)}


def complete_form(form: MultiDict) -> dict:
    return {**_text(form, "completed_on"), **_version(form)}


def decision_form(form: MultiDict) -> dict:
    body = {**_text(form, "decision_number"), **_text(form, "decision_date"), **_version(form)}
    choice = form.get("recognised")
    if choice in ("true", "false"):
        body["recognised"] = choice == "true"
    return body


def indicator_score(form: MultiDict, indicator_id: str, pass_fail: bool) -> dict:
    """One indicator's row of the appraisal form as the API's ``AppraiseSchema`` body."""
    body = _text(form, f"reason-{indicator_id}")
    body = {"reason": body[f"reason-{indicator_id}"]} if body else {}
    if pass_fail:
        choice = form.get(f"achieved-{indicator_id}")
        if choice in ("true", "false"):
            body["achieved"] = choice == "true"
        elif choice:
            body["achieved"] = choice  # the schema refuses it
    else:
        points = (form.get(f"points-{indicator_id}") or "").strip().replace(",", ".")
        if points:
            body["points"] = points
    return body


# -- errors in Vietnamese ----------------------------------------------------------------------
def schema_errors(errors: dict[str, list[str]], prefix: str = "") -> dict[str, list[str]]:
    """The schema's messages replaced by what to do in each field (the API's are for
    programmers)."""
    return {prefix + name: [FIELD_MESSAGES.get(name, "Giá trị không hợp lệ.")]
            for name in errors}


def refusal_errors(refused: ValidationFailed | Conflict, field_prefix: str = "") -> dict:
    """A service's refusal as the form's errors: dated steps say which date, in Vietnamese."""
    details = refused.details or {}
    message = _vietnamese_refusal(refused)
    field = details.get("field")
    if field in FIELD_MESSAGES:
        return {field_prefix + field: [message]}
    return {"_form": [message]}


def _vietnamese_refusal(refused) -> str:
    """The service's refusal in Vietnamese: the dated steps' already are; the review steps'
    other refusals are told from their details (they are written for the API's programmers)."""
    if _vietnamese(refused.message):
        return refused.message
    details, message = refused.details or {}, refused.message
    if refused.code == "illegal_transition":
        return ("Hồ sơ đã chuyển sang bước khác nên việc này không thực hiện được nữa. Hãy tải "
                "lại trang để xem trạng thái hiện tại.")
    if refused.code == "version_conflict":
        return "Hồ sơ vừa được người khác thay đổi. Hãy tải lại trang, xem lại rồi gửi lại."
    if "missing" in details:
        return (f"Hội đồng chưa thẩm định {len(details['missing'])} chỉ tiêu: "
                f"{', '.join(details['missing'])}.")
    if "needed" in details:
        return (f"Cuộc họp có {details['present']}/{details['council_size']} thành viên dự; cần "
                f"ít nhất hai phần ba ({details['needed']}) thành viên.")
    if "max" in details:
        return f"Điểm của chỉ tiêu này từ 0 đến {_comma(details['max'])}."
    if details.get("field") == "given_by":
        return "Hội đồng lấy ý kiến bằng văn bản: không có cuộc họp để dự."
    if "already given an opinion" in message:
        return f"{details.get('member_name')} đã có ý kiến; mỗi thành viên cho ý kiến một lần."
    if "council_size" in details:
        return "Đã ghi đủ ý kiến của mọi thành viên Hội đồng."
    if "No council member" in message:
        return "Chưa ghi ý kiến của thành viên Hội đồng nào."
    if details.get("field") in FIELD_MESSAGES:
        return FIELD_MESSAGES[details["field"]]
    return "Hệ thống không ghi được việc này. Hãy kiểm tra lại các thông tin đã nhập."


def _comma(number) -> str:
    """A decimal as Vietnamese writes it: 2,50."""
    return str(number).replace(".", ",")


def _condition_name(condition: dict, criteria_set: dict) -> str:
    """A recognition condition in Vietnamese (the service names them for programmers)."""
    cid, threshold = condition["id"], _comma(condition.get("threshold") or "")
    if cid == "total":
        return f"Tổng điểm từ {threshold} điểm trở lên"
    if cid.startswith("floor."):
        return f"Tiêu chí {cid.split('.', 1)[1][1:]} đạt từ 50% điểm tối đa trở lên ({threshold} điểm)"
    if cid == "all_indicators_achieved":
        return "Mọi chỉ tiêu đều đạt"
    if cid == "satisfaction":
        return f"Tỷ lệ hài lòng của người dân từ {threshold}% trở lên"
    for declared in (criteria_set.get("recognition") or {}).get("conditions", []):
        if declared["id"] == cid:
            return declared.get("wording_vi") or cid
    return cid


def _indicators(criteria_set: dict) -> list[dict]:
    found = []
    for criterion in criteria_set["criteria"]:
        for indicator in criterion["indicators"]:
            found.append({"id": indicator["id"], "name": indicator["name"],
                          "max": indicator.get("max"), "pass_fail": indicator.get("max") is None,
                          "criterion": criterion["id"]})
    return found


def _self_scores(assessment: dict) -> dict[str, dict]:
    scores = {}
    for criterion in (assessment.get("self_score") or {}).get("criteria", []):
        for indicator in criterion["indicators"]:
            scores[indicator["id"]] = indicator
    return scores


def is_mine(step: dict, principal) -> bool:
    """Whether the service names this person's office for the step: their role, at the unit
    the step's actor sits (the reviewing level's province or district)."""
    actor, own = step["actor"], principal.jurisdiction
    unit = actor.get("unit") or {}
    return actor["role"] == principal.role and all(
        (unit.get(level) or None) == (own.get(level) or None)
        for level in ("province", "district", "commune"))


def _default_year(today: date) -> int:
    """The year whose dossiers are under review: a year's are sent, checked and decided from
    its December to the next February, so until June it is last year's."""
    return today.year - 1 if today.month <= 6 else today.year


class ReviewRoutes:
    """Mixin of GatewayService: the review desk's pages."""

    # -- the queue ---------------------------------------------------------------------------
    @http("GET", DESK)
    @page()
    def workspace_review_queue(self, page):
        today = clock.today()
        asked = page.request.args.get("nam") or ""
        year = int(asked) if asked.isdigit() and FIRST_YEAR <= int(asked) <= today.year else (
            _default_year(today))
        own = page.principal.jurisdiction
        province, district = own.get("province"), own.get("district")
        context = {"year": year, "years": list(range(today.year, FIRST_YEAR - 1, -1)), "lines": [],
                   "recognised": [], "not_recognised": [], "province": province,
                   "level": None, "own_level": "district" if district else "province",
                   "unit_name": None}
        if province:
            level = self.reviewing_levels.level(self.backends, province, year)
            context["level"] = level
            context["unit_name"] = (labels.district_name(province, district) if district
                                    else labels.province_name(province))
            if level == context["own_level"]:
                context.update(self._queue(page, province, district, year))
        return page.render("review/queue.html", title="Thẩm định, công nhận",
                           province_name=labels.province_name(province) if province else None,
                           **context)

    @http("GET", DESK + "/tinh/<province_code>/mau-08.xlsx")
    @page(path=RollupPathSchema, query=RollupQuerySchema, performs="form_08")
    def workspace_review_form_08(self, page, province_code):
        """Mẫu 08, as the API's ``form_08``: the decisions, the recognised and the
        not-recognised lists of the caller's province (or district) in the year."""
        area = page.target
        return render.secure_headers(_xlsx(page.read(
            "assessment", "rollup_form", province_code, area.year, area.district, "08")))

    @http("GET", DESK + "/tinh/<province_code>/mau-09.xlsx")
    @page(path=RollupPathSchema, query=RollupQuerySchema, performs="form_09")
    def workspace_review_form_09(self, page, province_code):
        """Mẫu 09, as the API's ``form_09``: the report's counts per district (or province)."""
        area = page.target
        return render.secure_headers(_xlsx(page.read(
            "assessment", "rollup_form", province_code, area.year, area.district, "09")))

    @http("GET", DESK + "/tinh/<province_code>/mau-10.xlsx")
    @page(path=RollupPathSchema, query=RollupQuerySchema, performs="form_10")
    def workspace_review_form_10(self, page, province_code):
        """Mẫu 10, as the API's ``form_10``: every commune's points per criterion and result."""
        area = page.target
        return render.secure_headers(_xlsx(page.read(
            "assessment", "rollup_form", province_code, area.year, area.district, "10")))

    def _queue(self, page, province, district, year) -> dict:
        try:
            rollup = page.read("assessment", "province_rollup", province, year, district)
        except NotFound:  # no such district in that year: nothing to review there
            return {}
        lines = []
        for line in rollup["communes"]:
            if line["state"] not in REVIEW_STATES:
                continue
            assessment = page.read("assessment", "get_assessment", line["commune_code"], year)
            # a revocation stays possible for years after a recognition: no work waiting
            mine = [step for step in assessment["next_steps"]
                    if is_mine(step, page.principal) and step["command"] != "revoke"]
            due = next((d for d in assessment["deadlines"] if d["done_on"] is None), None)
            lines.append({**line, "status_vi": assessment["status_vi"], "mine": mine,
                          "due": due, "dossier": assessment["dossier"],
                          "late": [d for d in assessment["deadlines"] if d["late"]
                                   or d["overdue"]]})
        lines.sort(key=lambda line: (not line["mine"], (line["due"] or {}).get("last_day") or "9"))
        decided = [line for line in lines if line["recognised"] is not None]
        return {"lines": lines,
                "recognised": [line for line in decided if line["recognised"]],
                "not_recognised": [line for line in decided if not line["recognised"]]}

    # -- one dossier: the justice office's check -------------------------------------------------
    @http("GET", DOSSIER)
    @page(path=AssessmentPathSchema, performs="get_assessment")
    def workspace_review_dossier(self, page, commune_code, year):
        return self._dossier(page, commune_code, year)

    def _dossier(self, page, commune_code, year, status=200):
        assessment = page.read("assessment", "get_assessment", commune_code, year)
        criteria_set = page.read("assessment", "get_criteria_set",
                                 assessment["criteria_set_id"], assessment["criteria_set_version"])
        return page.render(
            "review/dossier.html", status=status, title="Hồ sơ " + labels.commune_name(commune_code),
            **self._common(page, assessment, criteria_set),
            self_scores=_self_scores(assessment), channels=CHANNELS,
            breadcrumbs=[("Thẩm định, công nhận", f"{DESK}?nam={year}"),
                         (labels.commune_name(commune_code), None)])

    @http("GET", DOSSIER + "/minh-chung/<indicator_id>/<sha256>")
    @page(path=EvidenceFilePathSchema, performs="download_evidence")
    def workspace_review_evidence(self, page, commune_code, year, indicator_id, sha256):
        """One evidence file, as the API's ``download_evidence`` serves it (checked against
        its SHA-256 on the way out)."""
        file = page.read("assessment", "evidence_file", commune_code, year, indicator_id, sha256)
        return self.evidence.download(page.request, file)

    def _common(self, page, assessment, criteria_set) -> dict:
        commune, year = assessment["commune_code"], assessment["year"]
        steps = {step["command"]: step for step in assessment["next_steps"]
                 if is_mine(step, page.principal)}
        recognition = assessment.get("recognition") or assessment.get("recognition_preview")
        conditions = [{**c, "name_vi": _condition_name(c, criteria_set),
                       "verdict_vi": VERDICTS.get(c["verdict"], c["verdict"]),
                       # a declared condition's value is its yes/no, said by its verdict
                       "value": None if c.get("value") in ("true", "false") else c.get("value")}
                      for c in (recognition or {}).get("conditions", [])]
        return {"assessment": assessment, "criteria_set": criteria_set,
                "indicators": _indicators(criteria_set), "steps": steps,
                "commune_name": labels.commune_name(commune),
                "base": f"{DESK}/{commune}/{year}", "conditions": conditions,
                "recognition": recognition, "field_labels": FIELD_LABELS,
                "notice": NOTICES.get(page.request.args.get("da")),
                "board_url": f"/ket-qua/xa/{commune}"}

    def _run(self, page, commune_code, year, command, key=None, **extra):
        arguments, expected_version = _arguments(command, page.body, **extra)
        return page.write("assessment", command, commune_code, year, arguments,
                          expected_version, key=key)

    def _step(self, page, commune_code, year, command, notice, back, again, anchor=""):
        """Run the form's command; on a refusal show ``again`` (the form's page) with it."""
        if page.errors:
            page.errors = schema_errors(page.errors)
        else:
            try:
                self._run(page, commune_code, year, command)
                return page.redirect(back + anchor, da=notice)
            except (ValidationFailed, Conflict) as refused:
                page.errors = refusal_errors(refused)
        return again(page, commune_code, year, status=400)

    @http("POST", DOSSIER + "/kiem-tra")
    @page(path=AssessmentPathSchema, form=check_form, schema=CheckSchema, performs="pass_check")
    def workspace_review_check(self, page, commune_code, year):
        return self._step(page, commune_code, year, "pass_check", "kiem-tra",
                          f"{DESK}/{commune_code}/{year}", self._dossier)

    @http("POST", DOSSIER + "/yeu-cau-bo-sung")
    @page(path=AssessmentPathSchema, form=supplement_request_form, schema=SupplementRequestSchema,
          performs="request_supplement")
    def workspace_review_supplement(self, page, commune_code, year):
        return self._step(page, commune_code, year, "request_supplement", "bo-sung",
                          f"{DESK}/{commune_code}/{year}", self._dossier)

    # -- the council ---------------------------------------------------------------------------
    @http("GET", DOSSIER + "/hoi-dong")
    @page(path=AssessmentPathSchema, performs="appraise_indicator")
    def workspace_review_council(self, page, commune_code, year):
        return self._council(page, commune_code, year)

    def _council(self, page, commune_code, year, status=200, notice=None):
        assessment = page.read("assessment", "get_assessment", commune_code, year)
        criteria_set = page.read("assessment", "get_criteria_set",
                                 assessment["criteria_set_id"], assessment["criteria_set_version"])
        appraisal = assessment.get("appraisal") or {}
        present = sum(1 for o in appraisal.get("opinions", []) if o["given_by"] == "meeting")
        size = appraisal.get("council_size") or 0
        common = self._common(page, assessment, criteria_set)
        common["notice"] = notice or common["notice"]
        return page.render(
            "review/council.html", status=status, title="Hội đồng thẩm định", **common,
            appraisal=appraisal, self_scores=_self_scores(assessment), methods=METHODS,
            given_by=GIVEN_BY, present=present, quorum=-(-2 * size // 3) if size else None,
            breadcrumbs=[("Thẩm định, công nhận", f"{DESK}?nam={year}"),
                         (labels.commune_name(commune_code), f"{DESK}/{commune_code}/{year}"),
                         ("Hội đồng thẩm định", None)])

    @http("POST", DOSSIER + "/hoi-dong/bat-dau")
    @page(path=AssessmentPathSchema, form=appraisal_start_form, schema=AppraisalStartSchema,
          performs="start_appraisal")
    def workspace_review_start(self, page, commune_code, year):
        return self._step(page, commune_code, year, "start_appraisal", "bat-dau",
                          f"{DESK}/{commune_code}/{year}/hoi-dong", self._council)

    @http("POST", DOSSIER + "/hoi-dong/y-kien")
    @page(path=AssessmentPathSchema, form=opinion_form, schema=OpinionSchema,
          performs="record_opinion")
    def workspace_review_opinion(self, page, commune_code, year):
        return self._step(page, commune_code, year, "record_opinion", "y-kien",
                          f"{DESK}/{commune_code}/{year}/hoi-dong", self._council, "#y-kien")

    @http("POST", DOSSIER + "/hoi-dong/cham-diem")
    @page(path=AssessmentPathSchema, performs="appraise_indicator")
    def workspace_review_appraise(self, page, commune_code, year):
        """Every indicator in one form: each row is the API's ``AppraiseSchema`` body, checked
        all before any is written; rows left blank or unchanged are not sent."""
        assessment = page.read("assessment", "get_assessment", commune_code, year)
        criteria_set = page.read("assessment", "get_criteria_set",
                                 assessment["criteria_set_id"], assessment["criteria_set_version"])
        saved = (assessment.get("appraisal") or {}).get("scores", {})
        bodies, errors, saved_now = {}, {}, 0
        for indicator in _indicators(criteria_set):
            iid = indicator["id"]
            body = indicator_score(page.form, iid, indicator["pass_fail"])
            if not body:
                continue
            try:
                body = _load(AppraiseSchema, body)
            except ValidationFailed as refused:
                for name in refused.details:
                    errors[f"{'achieved' if name == 'achieved' else name}-{iid}"] = [
                        f"Chỉ tiêu {iid}: {FIELD_MESSAGES.get(name, 'giá trị không hợp lệ.')}"]
                continue
            old = saved.get(iid)
            if old and old["reason"] == body["reason"] and old.get("achieved") == body[
                    "achieved"] and _same_points(old["points"], body["points"]):
                continue
            bodies[iid] = body
        if not errors:
            form_key = page.form.get("idempotency_key") or ""
            for iid, body in bodies.items():
                page.body = body
                try:
                    self._run(page, commune_code, year, "appraise_indicator",
                              key=f"{form_key}/{iid}"[:100] if form_key else None,
                              indicator_id=iid)
                    saved_now += 1
                except (ValidationFailed, Conflict) as refused:
                    field = (refused.details or {}).get("field")
                    errors[f"{'achieved' if field == 'achieved' else 'points'}-{iid}"] = [
                        f"Chỉ tiêu {iid}: {_vietnamese_refusal(refused)}"]
            if not errors:
                return page.redirect(f"{DESK}/{commune_code}/{year}/hoi-dong#cham-diem",
                                     da="cham-diem")
        page.errors = errors
        # the rows the service took are kept: say so, the form shows what is still to fix
        notice = (f"Đã lưu {saved_now} chỉ tiêu; các chỉ tiêu có lỗi dưới đây chưa được lưu."
                  if saved_now else None)
        return self._council(page, commune_code, year, status=400, notice=notice)

    @http("POST", DOSSIER + "/hoi-dong/hoan-thanh")
    @page(path=AssessmentPathSchema, form=complete_form, schema=CompleteAppraisalSchema,
          performs="complete_appraisal")
    def workspace_review_complete(self, page, commune_code, year):
        return self._step(page, commune_code, year, "complete_appraisal", "hoan-thanh",
                          f"{DESK}/{commune_code}/{year}/hoi-dong", self._council)

    # -- the chairman -------------------------------------------------------------------------
    @http("GET", DOSSIER + "/quyet-dinh")
    @page(path=AssessmentPathSchema, performs="decide")
    def workspace_review_decision_form(self, page, commune_code, year):
        return self._decision(page, commune_code, year)

    def _decision(self, page, commune_code, year, status=200):
        assessment = page.read("assessment", "get_assessment", commune_code, year)
        criteria_set = page.read("assessment", "get_criteria_set",
                                 assessment["criteria_set_id"], assessment["criteria_set_version"])
        return page.render(
            "review/decision.html", status=status, title="Quyết định công nhận",
            **self._common(page, assessment, criteria_set),
            breadcrumbs=[("Thẩm định, công nhận", f"{DESK}?nam={year}"),
                         (labels.commune_name(commune_code), f"{DESK}/{commune_code}/{year}"),
                         ("Quyết định công nhận", None)])

    @http("POST", DOSSIER + "/quyet-dinh")
    @page(path=AssessmentPathSchema, form=decision_form, schema=DecisionSchema, performs="decide")
    def workspace_review_decide(self, page, commune_code, year):
        return self._step(page, commune_code, year, "decide", "quyet-dinh",
                          f"{DESK}/{commune_code}/{year}/quyet-dinh", self._decision)


def _same_points(old, new) -> bool:
    if old is None or new is None:
        return old is None and new is None
    try:
        return Decimal(old) == Decimal(new)
    except InvalidOperation:
        return False


navigation.register(navigation.Link(
    "Thẩm định, công nhận", DESK, "workspace_review_queue",
    "Hồ sơ đề nghị công nhận của các xã: kiểm tra, Hội đồng thẩm định, quyết định công nhận."))

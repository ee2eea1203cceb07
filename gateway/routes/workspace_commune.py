"""The commune justice officer's self-assessment pages (docs/workspace.md, "Tự đánh giá"):
the year's dashboard, each indicator's form generated from the criteria set with its evidence
files, the declarations, the summary, submitting and reopening. Each page that carries out an
API operation takes its rule and calls its RPC (gateway/routes/assessment.py, evidence.py).

| URL under ``/can-bo/xa`` | page |
|---|---|
| (none) | the officer's years |
| ``/<commune>/<year>`` | the year's dashboard; ``/mo`` opens the year |
| ``/<commune>/<year>/chi-tieu/<id>`` | an indicator: figures (POST), ``/tinh-diem`` (scored, not kept), ``/minh-chung`` (upload), ``/minh-chung/<sha256>`` (download), ``/go`` (removal) |
| ``/<commune>/<year>/ke-khai`` | the declarations |
| ``/<commune>/<year>/tong-hop`` | the summary; ``/hoan-thanh`` submits, ``/mo-lai`` reopens |
"""

from __future__ import annotations

from marshmallow import ValidationError

from gateway import permissions
from gateway.http import _schema
from gateway.routes.assessment import _arguments
from gateway.routes.assessment_schemas import (
    AssessmentPathSchema,
    DeclarationsSchema,
    FiguresSchema,
    IndicatorPathSchema,
    ReopenSchema,
    SelfAssessmentSchema,
)
from gateway.routes.evidence_schemas import EvidenceFilePathSchema
from gateway.web import http
from gateway.workspace import figures as fig
from gateway.workspace.navigation import Link, register
from gateway.workspace.pages import field_errors, page
from kernel import clock
from kernel.errors import ConcurrencyError, Conflict, IllegalTransition, NotFound, ValidationFailed

ROOT = "/can-bo/xa"
YEAR = ROOT + "/<commune_code>/<int:year>"
INDICATOR = YEAR + "/chi-tieu/<indicator_id>"
NOTICES = {
    "mo": "Đã mở hồ sơ đánh giá của năm.",
    "luu": "Đã lưu số liệu của chỉ tiêu.",
    "tai-len": "Đã tải lên tài liệu minh chứng.",
    "go": "Đã gỡ tài liệu minh chứng khỏi chỉ tiêu.",
    "ke-khai": "Đã lưu kê khai các điều kiện.",
    "hoan-thanh": "Đã hoàn thành tự đánh giá. Bước tiếp theo: niêm yết công khai kết quả.",
    "mo-lai": "Đã mở lại bản tự đánh giá: có thể sửa số liệu, rồi hoàn thành lại.",
}
CHANGED = ("Hồ sơ vừa được thay đổi (ở một trang khác hoặc bởi người khác) sau khi trang này "
           "được mở. Trang đã hiện dữ liệu mới nhất; hãy kiểm tra rồi gửi lại.")
FIELD_LABELS = {"reason": "Lý do", "reopened_on": "Ngày mở lại",
                "submitted_on": "Ngày hoàn thành", "file": "Tệp minh chứng",
                "commune_class": "Phân loại đơn vị hành chính"}
# The posting's and dossier's pages (gateway/routes/workspace_posting.py) are linked when the
# service's next steps name one of their commands.
POSTING_COMMANDS = {"start_posting", "record_comment", "answer_comment", "end_posting"}
DOSSIER_COMMANDS = {"submit_dossier", "provide_supplement"}

register(Link("Tự đánh giá của xã", ROOT, "workspace_commune_years",
              "Các năm đánh giá của xã: nhập số liệu từng chỉ tiêu, tài liệu minh chứng, "
              "kê khai, hoàn thành tự đánh giá."))


def year_path(commune_code: str, year: int) -> str:
    return f"{ROOT}/{commune_code}/{year}"


def _load(schema_cls, data: dict) -> tuple[dict | None, dict]:
    """The API's schema over a body the page built: (body, errors)."""
    try:
        return _schema(schema_cls).load(data), {}
    except ValidationError as refused:
        return None, field_errors(refused.messages)


def _version(page) -> int | None:
    text = (page.form.get("expected_version") or "").strip()
    return int(text) if text.isdigit() else None


def _refusal(refused) -> list[str]:
    """A service's refusal as the form's message, in Vietnamese."""
    if isinstance(refused, ConcurrencyError):
        return [CHANGED]
    if isinstance(refused, IllegalTransition) and not _vietnamese(refused.message):
        return ["Hồ sơ đang ở bước không cho phép việc này. Xem “Bước tiếp theo” ở trang năm "
                "đánh giá."]
    if _vietnamese(refused.message):
        return [refused.message]
    return ["Không thực hiện được: dữ liệu gửi lên chưa hợp lệ."]


def _service_errors(refused) -> dict:
    """A refusal as the form's errors: under the field the service names, if it names one."""
    named = (refused.details or {}).get("field")
    if isinstance(named, str) and _vietnamese(refused.message):
        return {named: [refused.message]}
    return {"_form": _refusal(refused)}


def _vietnamese(text: str) -> bool:
    return any(ch in text for ch in "ăâđêôơưáàảãạếềểễệốồổỗộớờởỡợúùủũụứừửữựíìỉĩịýỳỷỹỵéèẻẽẹóòỏõọ")


def _step(assessment: dict, command: str) -> dict | None:
    return next((s for s in assessment.get("next_steps") or [] if s["command"] == command), None)


def _may(page, operation: str) -> bool:
    """Whether the person's role takes ``operation`` (its rule's roles): a reader from a
    justice office sees the forms without their buttons. The jurisdiction is the page's own
    (already checked over the same commune and year)."""
    roles = permissions.rule_for(operation).roles
    return roles == permissions.AUTHENTICATED or page.principal.role in roles


def _scores(assessment: dict) -> dict:
    """Indicator id → its score in the commune's own sheet (the service's scoring)."""
    sheet = assessment.get("self_score") or {}
    return {i["id"]: i for c in sheet.get("criteria", []) for i in c["indicators"]}


class CommuneWorkspaceRoutes:
    """Mixin of GatewayService: the commune officer's self-assessment pages."""

    # -- reading helpers -------------------------------------------------------------------
    def _assessment(self, page, commune_code, year) -> dict:
        return page.read("assessment", "get_assessment", commune_code, year)

    def _criteria_set(self, page, assessment) -> dict:
        return page.read("assessment", "get_criteria_set", assessment["criteria_set_id"],
                         assessment["criteria_set_version"])

    def _crumbs(self, commune_code, year, *more):
        return [("Tự đánh giá của xã", ROOT),
                (f"Năm {year}", year_path(commune_code, year) if more else None), *more]

    # -- the officer's years ---------------------------------------------------------------
    @http("GET", ROOT)
    @page()
    def workspace_commune_years(self, page):
        commune_code = page.principal.jurisdiction.get("commune")
        if not commune_code:  # an account without a commune has no years to show
            return page.render("commune/years.html", title="Tự đánh giá của xã",
                               commune_code=None, years=[], root=ROOT)
        listed = page.read("assessment", "commune_years", commune_code)
        this_year = clock.today().year
        years = list(listed)
        if this_year not in {row["year"] for row in listed} and _exists(commune_code, this_year):
            years.append({"year": this_year, "state": "new",
                          "status_vi": "Chưa mở hồ sơ đánh giá"})
        years.sort(key=lambda row: -row["year"])
        return page.render("commune/years.html", title="Tự đánh giá của xã",
                           commune_code=commune_code, years=years, root=ROOT)

    # -- the year's dashboard --------------------------------------------------------------
    @http("GET", YEAR)
    @page(path=AssessmentPathSchema, performs="get_assessment")
    def workspace_commune_year(self, page, commune_code, year):
        try:
            assessment = self._assessment(page, commune_code, year)
        except NotFound as missing:
            if (missing.details or {}).get("state") != "new":
                raise
            return page.render("commune/not_opened.html", title=f"Năm đánh giá {year}",
                               commune_code=commune_code, year=year,
                               steps=missing.details.get("next_steps") or [],
                               breadcrumbs=self._crumbs(commune_code, year))
        criteria_set = self._criteria_set(page, assessment)
        commands = {s["command"] for s in assessment.get("next_steps") or []}
        scores = _scores(assessment)
        rows = [{"criterion": c, "indicator": i, "score": scores.get(i["id"]),
                 "recorded": i["id"] in (assessment.get("figures") or {}),
                 "files": len((assessment.get("evidence") or {}).get(i["id"]) or [])}
                for c, i in fig.indicators(criteria_set)]
        return page.render(
            "commune/dashboard.html", title=f"Năm đánh giá {year}", assessment=assessment,
            criteria_set=criteria_set, rows=rows, base=year_path(commune_code, year),
            posting_link=bool(commands & POSTING_COMMANDS),
            dossier_link=bool(commands & DOSSIER_COMMANDS),
            has_declarations=bool(criteria_set["recognition"].get("conditions"))
            or criteria_set["id"] == "619-2017",
            notice=NOTICES.get(page.request.args.get("da")),
            breadcrumbs=self._crumbs(commune_code, year))

    @http("POST", YEAR + "/mo")
    @page(path=AssessmentPathSchema, performs="open_assessment")
    def workspace_open_assessment(self, page, commune_code, year):
        page.body = {}
        try:
            page.write("assessment", "open_assessment", commune_code, year)
        except Conflict:  # opened meanwhile (another tab): the year is there all the same
            pass
        return page.redirect(year_path(commune_code, year), da="mo")

    # -- an indicator ----------------------------------------------------------------------
    def _indicator_page(self, page, commune_code, year, indicator_id, status=200,
                        assessment=None, shown=None, score=None, problems=None):
        assessment = assessment or self._assessment(page, commune_code, year)
        criteria_set = self._criteria_set(page, assessment)
        found = fig.find_indicator(criteria_set, indicator_id)
        if found is None:
            raise NotFound("Bộ tiêu chí của năm này không có chỉ tiêu đó.")
        criterion, indicator = found
        recorded = (assessment.get("figures") or {}).get(indicator_id)
        ids = [i["id"] for _, i in fig.indicators(criteria_set)]
        at = ids.index(indicator_id)
        base = year_path(commune_code, year)
        # The survey-fed indicator (619/2017 C2.I5): shown with where its figures came from,
        # never as a form (services/assessment/workflow/survey_steps.py).
        taken = assessment.get("survey_result")
        survey_fed = taken if taken and taken["indicator_id"] == indicator_id else None
        problem = assessment.get("survey_problem")
        return page.render(
            "commune/indicator.html", status=status, title=f"Chỉ tiêu {indicator_id}",
            survey_fed=survey_fed,
            survey_problem=problem if problem and problem["indicator_id"] == indicator_id else None,
            assessment=assessment, criterion=criterion, indicator=indicator,
            items=fig.items(indicator), shown=shown if shown is not None else fig.values(recorded),
            wording_labels=fig.WORDING_VI,
            recorded=recorded is not None,
            score=score if score is not None else _scores(assessment).get(indicator_id),
            problems=problems or [], gap=fig.gap,
            files=(assessment.get("evidence") or {}).get(indicator_id) or [],
            editable=_step(assessment, "record_figures") is not None
            and _may(page, "record_figures") and survey_fed is None,
            evidence_open="attach_evidence" in (assessment.get("allowed_commands") or [])
            and _may(page, "attach_evidence"),
            removable="remove_evidence" in (assessment.get("allowed_commands") or [])
            and _may(page, "remove_evidence"),
            # uploaded while answering a supplement request: the way back to that answer
            supplement=_step(assessment, "provide_supplement") is not None
            and _may(page, "provide_supplement"),
            base=base, action=f"{base}/chi-tieu/{indicator_id}",
            previous=ids[at - 1] if at else None, following=ids[at + 1] if at + 1 < len(ids)
            else None, pass_fail=criteria_set["pass_fail"],
            field_labels=self._labels(indicator), notice=NOTICES.get(page.request.args.get("da")),
            breadcrumbs=self._crumbs(commune_code, year, (f"Chỉ tiêu {indicator_id}", None)))

    def _labels(self, indicator) -> dict:
        found = {f.name: f.label for item in fig.items(indicator) for f in item.fields}
        return {**found, fig.NOT_ARISING: "Không phát sinh", **FIELD_LABELS}

    @http("GET", INDICATOR)
    @page(path=IndicatorPathSchema, performs="get_assessment")
    def workspace_indicator(self, page, commune_code, year, indicator_id):
        return self._indicator_page(page, commune_code, year, indicator_id)

    @http("POST", INDICATOR)
    @page(path=IndicatorPathSchema, performs="record_figures")
    def workspace_record_figures(self, page, commune_code, year, indicator_id):
        figures = fig.read(page.form)
        page.body, page.errors = _load(FiguresSchema, {"figures": figures,
                                                       "expected_version": _version(page)})
        assessment = None
        if not page.errors:
            try:
                arguments, expected = _arguments("record_figures", page.body,
                                                 indicator_id=indicator_id)
                page.write("assessment", "record_figures", commune_code, year, arguments,
                           expected)
                return page.redirect(f"{year_path(commune_code, year)}/chi-tieu/{indicator_id}",
                                     da="luu")
            except ValidationFailed as refused:
                problems = (refused.details or {}).get("problems")
                if problems:
                    assessment = self._assessment(page, commune_code, year)
                    criteria_set = self._criteria_set(page, assessment)
                    _, indicator = fig.find_indicator(criteria_set, indicator_id) or (None, None)
                    keys = fig.keys_of(fig.items(indicator)) if indicator else set()
                    page.errors = fig.problem_errors(problems, indicator_id, keys)
                else:
                    page.errors = {"_form": _refusal(refused)}
            except (Conflict, IllegalTransition, ConcurrencyError) as refused:
                page.errors = {"_form": _refusal(refused)}
        return self._indicator_page(page, commune_code, year, indicator_id, status=400,
                                    assessment=assessment, shown=_shown(page.form))

    @http("POST", INDICATOR + "/tinh-diem")
    @page(path=IndicatorPathSchema, performs="record_figures")
    def workspace_score_figures(self, page, commune_code, year, indicator_id):
        """The figures as typed, scored by the service and kept nowhere: what the form's
        script shows as the officer types (the same result box the page shows after saving)."""
        body, errors = _load(FiguresSchema, {"figures": fig.read(page.form)})
        if errors:  # the API's body schema first, as a save would
            raise ValidationFailed("Số liệu chưa hợp lệ.", errors)
        answer = page.read("assessment", "score_figures", commune_code, year, indicator_id,
                           body["figures"])
        assessment = self._assessment(page, commune_code, year)
        criteria_set = self._criteria_set(page, assessment)
        _, indicator = fig.find_indicator(criteria_set, indicator_id) or (None, None)
        if indicator is None:
            raise NotFound("Bộ tiêu chí của năm này không có chỉ tiêu đó.")
        errors = fig.problem_errors(answer.get("problems") or [], indicator_id,
                                    fig.keys_of(fig.items(indicator)))
        return page.render("commune/_score.html", score=answer.get("score"),
                           problems=[m for ms in errors.values() for m in ms],
                           indicator=indicator, pass_fail=criteria_set["pass_fail"], draft=True,
                           gap=fig.gap)

    # -- evidence files --------------------------------------------------------------------
    @http("POST", INDICATOR + "/minh-chung")
    @page(path=IndicatorPathSchema, performs="attach_evidence", upload=True)
    def workspace_attach_evidence(self, page, commune_code, year, indicator_id):
        if not page.errors:
            page.body = {"file": page.upload.describe(), "expected_version": _version(page)}
            try:
                file = self.evidence.keep(page.upload)
                page.write("assessment", "attach_evidence", commune_code, year, indicator_id,
                           file, page.body["expected_version"])
                return page.redirect(
                    f"{year_path(commune_code, year)}/chi-tieu/{indicator_id}#minh-chung",
                    da="tai-len")
            except (ValidationFailed, Conflict, IllegalTransition, ConcurrencyError) as refused:
                page.errors = {"file": _refusal(refused)}
            except Exception as refused:  # 413, 415, an unreadable file: said in Vietnamese
                status = getattr(refused, "http_status", 500)
                if status >= 500 or not _vietnamese(getattr(refused, "message", "")):
                    raise
                page.errors = {"file": [refused.message]}
        return self._indicator_page(page, commune_code, year, indicator_id, status=400)

    @http("GET", INDICATOR + "/minh-chung/<sha256>")
    @page(path=EvidenceFilePathSchema, performs="download_evidence")
    def workspace_download_evidence(self, page, commune_code, year, indicator_id, sha256):
        file = page.read("assessment", "evidence_file", commune_code, year, indicator_id, sha256)
        return self.evidence.download(page.request, file)

    @http("POST", INDICATOR + "/minh-chung/<sha256>/go")
    @page(path=EvidenceFilePathSchema, performs="remove_evidence")
    def workspace_remove_evidence(self, page, commune_code, year, indicator_id, sha256):
        page.body = {"expected_version": _version(page)}
        try:
            page.write("assessment", "remove_evidence", commune_code, year, indicator_id,
                       sha256, page.body["expected_version"])
        except (Conflict, IllegalTransition, ConcurrencyError) as refused:
            page.errors = {"_form": _refusal(refused)}
            return self._indicator_page(page, commune_code, year, indicator_id, status=409)
        return page.redirect(f"{year_path(commune_code, year)}/chi-tieu/{indicator_id}"
                             "#minh-chung", da="go")

    # -- declarations ----------------------------------------------------------------------
    def _declarations_page(self, page, commune_code, year, status=200, assessment=None):
        assessment = assessment or self._assessment(page, commune_code, year)
        criteria_set = self._criteria_set(page, assessment)
        return page.render(
            "commune/declarations.html", status=status, title="Kê khai điều kiện công nhận",
            assessment=assessment, conditions=criteria_set["recognition"].get("conditions") or [],
            classes=criteria_set["id"] == "619-2017",
            editable=_step(assessment, "declare_conditions") is not None
            and _may(page, "declare_conditions"),
            action=f"{year_path(commune_code, year)}/ke-khai", field_labels=FIELD_LABELS,
            breadcrumbs=self._crumbs(commune_code, year, ("Kê khai điều kiện", None)))

    @http("GET", YEAR + "/ke-khai")
    @page(path=AssessmentPathSchema, performs="get_assessment")
    def workspace_declarations(self, page, commune_code, year):
        return self._declarations_page(page, commune_code, year)

    @http("POST", YEAR + "/ke-khai")
    @page(path=AssessmentPathSchema, performs="declare_conditions")
    def workspace_declare(self, page, commune_code, year):
        assessment = self._assessment(page, commune_code, year)
        criteria_set = self._criteria_set(page, assessment)
        declarations, errors = {}, {}
        for condition in criteria_set["recognition"].get("conditions") or []:
            answer = page.form.get("dk_" + condition["id"])
            if answer in ("true", "false"):
                declarations[condition["id"]] = answer == "true"
            else:
                errors["dk_" + condition["id"]] = ["Chọn “Đúng” hoặc “Không đúng”."]
        body = {"declarations": declarations, "expected_version": _version(page)}
        if page.form.get("commune_class"):
            body["commune_class"] = page.form.get("commune_class")
        page.body, page.errors = _load(DeclarationsSchema, body)
        page.errors = {**errors, **page.errors}
        if not page.errors:
            try:
                arguments, expected = _arguments("declare_conditions", page.body)
                page.write("assessment", "declare_conditions", commune_code, year, arguments,
                           expected)
                return page.redirect(year_path(commune_code, year), da="ke-khai")
            except (ValidationFailed, Conflict, IllegalTransition, ConcurrencyError) as refused:
                page.errors = {"_form": _refusal(refused)}
        return self._declarations_page(page, commune_code, year, status=400)

    # -- the summary, submitting and reopening --------------------------------------------
    def _summary_page(self, page, commune_code, year, status=200):
        assessment = self._assessment(page, commune_code, year)
        criteria_set = self._criteria_set(page, assessment)
        scores = _scores(assessment)
        sheet = assessment.get("self_score") or {}
        criteria = {c["id"]: c for c in sheet.get("criteria", [])}
        groups = [{"criterion": c, "score": criteria.get(c["id"]),
                   "rows": [{"indicator": i, "score": scores.get(i["id"]),
                             "files": len((assessment.get("evidence") or {}).get(i["id"]) or [])}
                            for i in c["indicators"]]}
                  for c in criteria_set["criteria"]]
        base = year_path(commune_code, year)
        return page.render(
            "commune/summary.html", status=status, title="Tổng hợp trước khi hoàn thành",
            assessment=assessment, groups=groups, sheet=sheet, base=base,
            pass_fail=criteria_set["pass_fail"],
            preview=assessment.get("recognition_preview"),
            wordings={c["id"]: c["wording_vi"]
                      for c in criteria_set["recognition"].get("conditions") or []},
            submit=_may(page, "submit_self_assessment")
            and _step(assessment, "submit_self_assessment"),
            reopen=_may(page, "reopen_self_assessment")
            and _step(assessment, "reopen_self_assessment"),
            notice=NOTICES.get(page.request.args.get("da")), field_labels=FIELD_LABELS,
            breadcrumbs=self._crumbs(commune_code, year, ("Tổng hợp", None)))

    @http("GET", YEAR + "/tong-hop")
    @page(path=AssessmentPathSchema, performs="get_assessment")
    def workspace_summary(self, page, commune_code, year):
        return self._summary_page(page, commune_code, year)

    @http("POST", YEAR + "/hoan-thanh")
    @page(path=AssessmentPathSchema, performs="submit_self_assessment")
    def workspace_submit_self_assessment(self, page, commune_code, year):
        body = {"expected_version": _version(page)}
        if (page.form.get("submitted_on") or "").strip():
            body["submitted_on"] = page.form.get("submitted_on").strip()
        page.body, page.errors = _load(SelfAssessmentSchema, body)
        if not page.errors:
            try:
                arguments, expected = _arguments("submit_self_assessment", page.body)
                page.write("assessment", "submit_self_assessment", commune_code, year,
                           arguments, expected)
                return page.redirect(year_path(commune_code, year), da="hoan-thanh")
            except ValidationFailed as refused:
                missing = (refused.details or {}).get("missing")
                page.errors = ({"_form": [f"Còn {len(missing)} chỉ tiêu chưa nhập số liệu: "
                                          f"{', '.join(missing)}."]} if missing
                               else _service_errors(refused))
            except (Conflict, IllegalTransition, ConcurrencyError) as refused:
                page.errors = _service_errors(refused)
        return self._summary_page(page, commune_code, year, status=400)

    def _reopen_page(self, page, commune_code, year, status=200):
        assessment = self._assessment(page, commune_code, year)
        return page.render(
            "commune/reopen.html", status=status, title="Mở lại bản tự đánh giá",
            assessment=assessment, step=_may(page, "reopen_self_assessment")
            and _step(assessment, "reopen_self_assessment"),
            action=f"{year_path(commune_code, year)}/mo-lai", field_labels=FIELD_LABELS,
            breadcrumbs=self._crumbs(commune_code, year, ("Mở lại", None)))

    @http("GET", YEAR + "/mo-lai")
    @page(path=AssessmentPathSchema, performs="get_assessment")
    def workspace_reopen_form(self, page, commune_code, year):
        return self._reopen_page(page, commune_code, year)

    @http("POST", YEAR + "/mo-lai")
    @page(path=AssessmentPathSchema, performs="reopen_self_assessment")
    def workspace_reopen(self, page, commune_code, year):
        page.body, page.errors = _load(ReopenSchema, {
            "reason": (page.form.get("reason") or "").strip(),
            "reopened_on": (page.form.get("reopened_on") or "").strip(),
            "expected_version": _version(page)})
        if not page.errors:
            try:
                arguments, expected = _arguments("reopen_self_assessment", page.body)
                page.write("assessment", "reopen_self_assessment", commune_code, year,
                           arguments, expected)
                return page.redirect(year_path(commune_code, year), da="mo-lai")
            except (ValidationFailed, Conflict, IllegalTransition, ConcurrencyError) as refused:
                page.errors = _service_errors(refused)
        return self._reopen_page(page, commune_code, year, status=400)


def _exists(commune_code: str, year: int) -> bool:
    """Whether the commune is a unit in ``year`` (a commune merged away in 2025 opens no new
    year: its page would be refused)."""
    try:
        permissions.unit_in_year(commune_code, year)
    except NotFound:
        return False
    return True


def _shown(form) -> dict:
    """The form as typed, to show back: one value a field, a list for the sub-items."""
    shown = form.to_dict(flat=True)
    shown[fig.NOT_ARISING_ITEMS] = form.getlist(fig.NOT_ARISING_ITEMS)
    activities = fig.PREFIX + "activities"
    if activities in form:  # ticked activities and the typed ones, one line each, as recorded
        shown[activities] = "\n".join(value.strip() for value in form.getlist(activities) if value.strip())
    return shown

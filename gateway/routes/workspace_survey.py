"""The workspace's survey pages (``/can-bo/khao-sat``): the organiser's campaigns, kiosks and
single-use codes, and a campaign's results, over the same survey RPCs, rules and body schemas
as gateway/routes/survey.py (docs/workspace.md, "Surveys").

| URL | page |
|---|---|
| ``/can-bo/khao-sat`` | find a campaign (commune, period and kind) or a kiosk |
| ``/can-bo/khao-sat/mo-dot`` | open a campaign (``?loai=mau-04``: a Form 04 one) |
| ``/can-bo/khao-sat/dot/<id>`` | a campaign; ``/ket-qua`` results, ``/ket-thuc`` close, ``/mo-lai`` reopen, ``/ma`` codes to print |
| ``/can-bo/khao-sat/thiet-bi/dang-ky`` | register a kiosk (its pairing code shown once) |
| ``/can-bo/khao-sat/thiet-bi/<id>`` | a kiosk; ``/thu-hoi`` revoke |

The survey service lists neither campaigns nor kiosks; a campaign's id is ``<commune>-<period>``
for a satisfaction survey and ``<commune>-<period>-mau04`` for Form 04 of Circular
09/2021/TT-BTP (the effectiveness of legal dissemination, indicator C2.I4), so the organiser
finds it by commune, period and kind, a campaign's page links to the other kind's campaign of
the same commune and period, and a kiosk is found by the id its page showed.
"""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from gateway import lookup
from gateway.routes.survey_schemas import (
    CampaignInputSchema,
    CampaignPathSchema,
    CodesInputSchema,
    KioskInputSchema,
    KioskPathSchema,
    KioskRevokeSchema,
    ReopenInputSchema,
)
from gateway.routes.workspace_plans import may, vietnamese_errors
from gateway.web import http
from gateway.workspace import labels
from gateway.workspace.navigation import Link, register
from gateway.workspace.pages import _vietnamese as is_vietnamese
from gateway.workspace.pages import page
from kernel import clock
from kernel.errors import Conflict, IllegalTransition, NotFound, ValidationFailed

SURVEY = "/can-bo/khao-sat"
# The section's name: satisfaction surveys and Form 04 opinion surveys alike.
SECTION = "Khảo sát ý kiến người dân"
CAMPAIGN = SURVEY + "/dot/<campaign_id>"
KIOSK = SURVEY + "/thiet-bi/<kiosk_id>"
REFUSALS = (ValidationFailed, Conflict, IllegalTransition)
CAMPAIGN_STATE = {"open": "Đang mở", "closed": "Đã kết thúc"}
KIOSK_STATE = {"active": "Đang hoạt động", "revoked": "Đã thu hồi"}
SCALE = {"1": "Rất không hài lòng", "2": "Không hài lòng", "3": "Bình thường", "4": "Hài lòng",
         "5": "Rất hài lòng"}
SATISFACTION, DISSEMINATION_MODELS = "satisfaction", "dissemination_models"
# The scale and the words of each purpose of a questionnaire (services/survey/questionnaires.py).
SCALES = {SATISFACTION: SCALE,
          DISSEMINATION_MODELS: {"1": "Rất không hiệu quả", "2": "Không hiệu quả",
                                 "3": "Bình thường", "4": "Hiệu quả", "5": "Rất hiệu quả"}}
PURPOSE_WORDS = {
    SATISFACTION: {"kind": "Khảo sát sự hài lòng", "rate": "tỷ lệ hài lòng",
                   "levels": "mức hài lòng hoặc rất hài lòng",
                   "slip": "Phiếu khảo sát mức độ hài lòng"},
    DISSEMINATION_MODELS: {
        "kind": "Mẫu 04: hiệu quả các hình thức, mô hình phổ biến, giáo dục pháp luật",
        "rate": "tỷ lệ đánh giá hiệu quả", "levels": "mức hiệu quả hoặc rất hiệu quả",
        "slip": "Phiếu lấy ý kiến về hiệu quả phổ biến, giáo dục pháp luật"},
}
# The kinds of campaign the organiser chooses from: the word in the URL (``loai``), the
# built-in questionnaire, its purpose, and the suffix of the campaign's id.
KINDS = {
    "hai-long": ("hai-long-tiep-can-phap-luat", SATISFACTION, ""),
    "mau-04": ("mau-04-pbgdpl", DISSEMINATION_MODELS, "-mau04"),
}
KIND_OF_PURPOSE = {purpose: kind for kind, (_, purpose, _) in KINDS.items()}
KIND_OPTIONS = [("hai-long", "Khảo sát sự hài lòng"),
                ("mau-04", "Mẫu 04: hiệu quả phổ biến, giáo dục pháp luật")]
NOTICES = {
    "mo-dot": "Đã mở đợt khảo sát. Đăng ký thiết bị tại Bộ phận Một cửa, hoặc in mã dùng một "
              "lần nếu đợt yêu cầu mã.",
    "ket-thuc": "Đã kết thúc đợt khảo sát: kết quả tính trên các phiếu nhận trước lúc kết thúc.",
    "mo-lai": "Đã mở lại đợt khảo sát: khi kết thúc lại, kết quả mới thay kết quả trước trong hồ "
              "sơ đánh giá của xã.",
    "thu-hoi": "Đã thu hồi thiết bị: thiết bị không gửi phiếu được nữa.",
}
FIELD_LABELS = {"questionnaire_id": "Loại phiếu", "commune_code": "Mã xã", "period": "Kỳ khảo sát", "opens_on": "Ngày bắt đầu",
                "closes_on": "Ngày kết thúc", "target_sample": "Cỡ mẫu",
                "last_year_cases": "Số hồ sơ năm trước", "require_code": "Mã dùng một lần",
                "label": "Tên thiết bị", "reason": "Lý do", "count": "Số mã",
                "campaign": "Đợt khảo sát", "kiosk_id": "Mã thiết bị"}
FIELD_MESSAGES = {
    "commune_code": "Mã xã gồm 5 chữ số, ví dụ 16426.",
    "period": "Kỳ khảo sát là một năm (2026) hoặc một quý (2026-q3).",
    "opens_on": "Nhập ngày theo dạng năm-tháng-ngày.",
    "closes_on": "Nhập ngày theo dạng năm-tháng-ngày.",
    "target_sample": "Cỡ mẫu là số nguyên không âm.",
    "last_year_cases": "Số hồ sơ là số nguyên không âm.",
    "label": "Nhập tên thiết bị (tối đa 100 ký tự).", "reason": "Lý do tối đa 200 ký tự.",
    "count": "Số mã là số nguyên từ 1 đến 500.",
}
REFUSAL_TEXT = {
    "campaign_exists": "Xã này đã có đợt khảo sát loại này trong kỳ này.",
    "campaign_closed": "Đợt khảo sát đã kết thúc: không cấp thêm mã được.",
    "illegal_transition": "Bước này không thực hiện được ở trạng thái hiện tại.",
}


def _message(refused, fallback="Dữ liệu chưa hợp lệ: hãy kiểm tra lại.") -> str:
    message = getattr(refused, "message", "") or ""
    return message if is_vietnamese(message) else REFUSAL_TEXT.get(refused.code, fallback)


def _blank(value) -> str | None:
    text = (value or "").strip()
    return text or None


def _number(value):
    text = (value or "").strip()
    return int(text) if text.isdigit() else (text or None)


# -- reading forms into the API's bodies -----------------------------------------------------
def campaign_form(form: MultiDict) -> dict:
    """The kind (``loai``) chooses the built-in questionnaire, and so the campaign's id."""
    body = {"commune_code": (form.get("commune_code") or "").strip(),
            "period": (form.get("period") or "").strip().lower(),
            "opens_on": _blank(form.get("opens_on")), "closes_on": _blank(form.get("closes_on")),
            "require_code": form.get("require_code") == "1"}
    for name in ("target_sample", "last_year_cases"):
        if _blank(form.get(name)) is not None:
            body[name] = _number(form.get(name))
    kind = KINDS.get((form.get("loai") or "").strip())
    if kind is not None:
        body["questionnaire_id"] = kind[0]
    return body


def campaign_id_of(commune: str, period: str, kind: str) -> str:
    return f"{commune}-{period}{KINDS[kind][2]}"


def purpose_of(record: dict) -> str:
    """A campaign's or a result's purpose; none: a satisfaction survey's (earlier releases)."""
    return record.get("purpose") or SATISFACTION


def kiosk_form(form: MultiDict) -> dict:
    return {"commune_code": (form.get("commune_code") or "").strip(),
            "label": (form.get("label") or "").strip()}


def revoke_form(form: MultiDict) -> dict:
    return {"reason": (form.get("reason") or "").strip()}


REOPEN_MESSAGES = {**FIELD_MESSAGES, "reason": "Nhập lý do mở lại (tối đa 500 ký tự).",
                   "closes_on": "Nhập ngày kết thúc mới theo dạng năm-tháng-ngày."}


def reopen_form(form: MultiDict) -> dict:
    return {"reason": (form.get("reason") or "").strip(),
            "closes_on": _blank(form.get("closes_on"))}


def codes_form(form: MultiDict) -> dict:
    return {"count": _number(form.get("count"))}


def _commune(code: str | None) -> str:
    return labels.commune_name(code) if code else ""


class WorkspaceSurveyRoutes:
    """Mixin of GatewayService: the survey organiser's pages."""

    def _survey_organiser(self, page) -> bool:
        return page.principal.role in ("justice_officer", "administrator")

    @http("GET", SURVEY)
    @page()
    def workspace_survey(self, page):
        args = page.request.args
        errors = {}
        commune, period = (args.get("xa") or "").strip(), (args.get("ky") or "").strip().lower()
        kind = (args.get("loai") or "hai-long").strip()
        kiosk_id = (args.get("thiet_bi") or "").strip().lower()
        if "xa" in args or "ky" in args:
            if not re.fullmatch(r"\d{5}", commune):
                errors["xa"] = ["Mã xã gồm 5 chữ số, ví dụ 16426."]
            if not re.fullmatch(r"\d{4}(-q[1-4])?", period):
                errors["ky"] = ["Kỳ khảo sát là một năm (2026) hoặc một quý (2026-q3)."]
            if kind not in KINDS:
                errors["loai"] = ["Chọn loại phiếu: khảo sát hài lòng hoặc Mẫu 04."]
            if not errors:
                return page.redirect(f"{SURVEY}/dot/{campaign_id_of(commune, period, kind)}")
        if "thiet_bi" in args:
            if re.fullmatch(r"[0-9a-f]{32}", kiosk_id):
                return page.redirect(f"{SURVEY}/thiet-bi/{kiosk_id}")
            errors["thiet_bi"] = ["Mã thiết bị gồm 32 ký tự 0-9, a-f, như trên trang đăng ký."]
        return page.render("survey/home.html", status=400 if errors else 200,
                           title=SECTION, errors=errors, values=args,
                           may_organise=self._survey_organiser(page), kinds=KIND_OPTIONS,
                           field_labels={"xa": "Mã xã", "ky": "Kỳ", "loai": "Loại phiếu",
                                         "thiet_bi": "Mã thiết bị"})

    # -- campaigns -------------------------------------------------------------------------
    def _campaign_form(self, page, status=200):
        year = clock.today().year  # Vietnam's date, as the services count days
        args = page.request.args
        asked = page.form.get("loai") or args.get("loai")
        values = page.form
        if not values and ("xa" in args or "ky" in args):  # from a campaign's page: prefilled
            values = MultiDict({"commune_code": args.get("xa", ""), "period": args.get("ky", "")})
        return page.render("survey/open.html", status=status, title="Mở đợt khảo sát",
                           field_labels=FIELD_LABELS, year=year, kinds=KIND_OPTIONS,
                           kind=asked if asked in KINDS else "hai-long", values=values,
                           breadcrumbs=[(SECTION, SURVEY), ("Mở đợt khảo sát", None)])

    @http("GET", SURVEY + "/mo-dot")
    @page()
    def workspace_campaign_new(self, page):
        return self._campaign_form(page)

    @http("POST", SURVEY + "/mo-dot")
    @page(form=campaign_form, schema=CampaignInputSchema, performs="open_campaign")
    def workspace_campaign_open(self, page):
        page.errors = vietnamese_errors(page.errors, FIELD_MESSAGES)
        if not page.errors:
            body = dict(page.body)
            try:
                lookup.commune(body["commune_code"])
                for day in ("opens_on", "closes_on"):
                    body[day] = body[day].isoformat()
                made = page.write("survey", "open_campaign", body)
                return page.redirect(f"{SURVEY}/dot/{made['campaign_id']}", da="mo-dot")
            except NotFound:
                page.errors = {"commune_code": ["Không có xã, phường, đặc khu với mã này."]}
            except REFUSALS as refused:
                page.errors = {"_form": [_message(refused)]}
        return self._campaign_form(page, status=400)

    def _survey_crumbs(self, campaign_id, *more):
        return [(SECTION, SURVEY),
                (f"Đợt {campaign_id}", f"{SURVEY}/dot/{campaign_id}" if more else None), *more]

    @http("GET", CAMPAIGN)
    @page(path=CampaignPathSchema, performs="get_campaign")
    def workspace_campaign(self, page, campaign_id):
        campaign = page.read("survey", "get_campaign", campaign_id)
        purpose = purpose_of(campaign)
        # The other kind's campaign of the same commune and period (same commune and year,
        # so the same permission): shown beside this one, or offered to be opened.
        other = next(kind for kind, (_, p, _) in KINDS.items() if p != purpose)
        other_id = campaign_id_of(campaign["commune_code"], campaign["period"], other)
        try:
            sibling = page.read("survey", "get_campaign", other_id)
        except NotFound:
            sibling = None
        return page.render("survey/campaign.html", title=f"Đợt khảo sát {campaign_id}",
                           campaign=campaign, commune=_commune(campaign["commune_code"]),
                           states=CAMPAIGN_STATE, words=PURPOSE_WORDS[purpose],
                           sibling=sibling, sibling_id=other_id, sibling_kind=other,
                           sibling_words=PURPOSE_WORDS[KINDS[other][1]],
                           may_organise=may(page, "close_campaign", page.target),
                           may_reopen=may(page, "reopen_campaign", page.target),
                           notice=NOTICES.get(page.request.args.get("da")),
                           breadcrumbs=self._survey_crumbs(campaign_id))

    @http("GET", CAMPAIGN + "/ket-qua")
    @page(path=CampaignPathSchema, performs="get_campaign_results")
    def workspace_campaign_results(self, page, campaign_id):
        results = page.read("survey", "get_results", campaign_id)
        purpose = purpose_of(results)
        return page.render("survey/results.html", title=f"Kết quả khảo sát {campaign_id}",
                           results=results, commune=_commune(results["commune_code"]),
                           scale=SCALES[purpose], words=PURPOSE_WORDS[purpose],
                           states=CAMPAIGN_STATE,
                           notice=NOTICES.get(page.request.args.get("da")),
                           breadcrumbs=self._survey_crumbs(campaign_id, ("Kết quả", None)))

    def _close_page(self, page, campaign_id, status=200):
        campaign = page.read("survey", "get_campaign", campaign_id)
        return page.render("survey/close.html", status=status, title="Kết thúc đợt khảo sát",
                           campaign=campaign, commune=_commune(campaign["commune_code"]),
                           breadcrumbs=self._survey_crumbs(campaign_id, ("Kết thúc", None)))

    @http("GET", CAMPAIGN + "/ket-thuc")
    @page(path=CampaignPathSchema, performs="close_campaign")
    def workspace_campaign_close_form(self, page, campaign_id):
        return self._close_page(page, campaign_id)

    @http("POST", CAMPAIGN + "/ket-thuc")
    @page(path=CampaignPathSchema, performs="close_campaign")
    def workspace_campaign_close(self, page, campaign_id):
        try:
            page.write("survey", "close_campaign", campaign_id)
            return page.redirect(f"{SURVEY}/dot/{campaign_id}/ket-qua", da="ket-thuc")
        except REFUSALS as refused:
            page.errors = {"_form": [_message(refused)]}
        return self._close_page(page, campaign_id, status=409)

    def _campaign_reopen_page(self, page, campaign_id, status=200):
        campaign = page.read("survey", "get_campaign", campaign_id)
        return page.render("survey/reopen.html", status=status, title="Mở lại đợt khảo sát",
                           campaign=campaign, commune=_commune(campaign["commune_code"]),
                           field_labels=FIELD_LABELS,
                           breadcrumbs=self._survey_crumbs(campaign_id, ("Mở lại", None)))

    @http("GET", CAMPAIGN + "/mo-lai")
    @page(path=CampaignPathSchema, performs="reopen_campaign")
    def workspace_campaign_reopen_form(self, page, campaign_id):
        return self._campaign_reopen_page(page, campaign_id)

    @http("POST", CAMPAIGN + "/mo-lai")
    @page(path=CampaignPathSchema, form=reopen_form, schema=ReopenInputSchema,
          performs="reopen_campaign")
    def workspace_campaign_reopen(self, page, campaign_id):
        page.errors = vietnamese_errors(page.errors, REOPEN_MESSAGES)
        if not page.errors:
            try:
                page.write("survey", "reopen_campaign", campaign_id, page.body["reason"],
                           page.body["closes_on"].isoformat())
                return page.redirect(f"{SURVEY}/dot/{campaign_id}", da="mo-lai")
            except REFUSALS as refused:
                page.errors = {"_form": [_message(refused)]}
        return self._campaign_reopen_page(page, campaign_id, status=400)

    def _codes_page(self, page, campaign_id, status=200):
        campaign = page.read("survey", "get_campaign", campaign_id)
        return page.render("survey/codes_form.html", status=status, title="Cấp mã dùng một lần",
                           campaign=campaign, commune=_commune(campaign["commune_code"]),
                           field_labels=FIELD_LABELS,
                           breadcrumbs=self._survey_crumbs(campaign_id, ("Mã dùng một lần", None)))

    @http("GET", CAMPAIGN + "/ma")
    @page(path=CampaignPathSchema, performs="issue_codes")
    def workspace_codes_form(self, page, campaign_id):
        return self._codes_page(page, campaign_id)

    @http("POST", CAMPAIGN + "/ma")
    @page(path=CampaignPathSchema, form=codes_form, schema=CodesInputSchema,
          performs="issue_codes")
    def workspace_codes(self, page, campaign_id):
        page.errors = vietnamese_errors(page.errors, FIELD_MESSAGES)
        if not page.errors:
            try:
                issued = page.write("survey", "issue_codes", campaign_id, page.body["count"])
                campaign = page.read("survey", "get_campaign", campaign_id)
                # Shown once, in this answer (no-store), ready to print: never kept or linked.
                return page.render("survey/codes.html", title="Mã dùng một lần",
                                   codes=issued["codes"], campaign=campaign,
                                   words=PURPOSE_WORDS[purpose_of(campaign)],
                                   commune=_commune(campaign["commune_code"]))
            except REFUSALS as refused:
                page.errors = {"_form": [_message(refused)]}
        return self._codes_page(page, campaign_id, status=400)

    # -- kiosks ------------------------------------------------------------------------------
    def _kiosk_form(self, page, status=200):
        return page.render("survey/kiosk_new.html", status=status, title="Đăng ký thiết bị",
                           field_labels=FIELD_LABELS,
                           breadcrumbs=[(SECTION, SURVEY), ("Đăng ký thiết bị", None)])

    @http("GET", SURVEY + "/thiet-bi/dang-ky")
    @page()
    def workspace_kiosk_new(self, page):
        return self._kiosk_form(page)

    @http("POST", SURVEY + "/thiet-bi/dang-ky")
    @page(form=kiosk_form, schema=KioskInputSchema, performs="register_kiosk")
    def workspace_kiosk_register(self, page):
        page.errors = vietnamese_errors(page.errors, FIELD_MESSAGES)
        if not page.errors:
            try:
                lookup.commune(page.body["commune_code"])
                made = page.write("survey", "register_kiosk", page.body)
                # The device token is the pairing code: shown once, here, never again.
                return page.render("survey/kiosk_registered.html", title="Đã đăng ký thiết bị",
                                   kiosk=made, commune=_commune(made["commune_code"]),
                                   kiosk_url=page.request.host_url.rstrip("/") + "/kiosk#cai-dat")
            except NotFound:
                page.errors = {"commune_code": ["Không có xã, phường, đặc khu với mã này."]}
            except REFUSALS as refused:
                page.errors = {"_form": [_message(refused)]}
        return self._kiosk_form(page, status=400)

    @http("GET", KIOSK)
    @page(path=KioskPathSchema, performs="get_kiosk")
    def workspace_kiosk(self, page, kiosk_id):
        kiosk = page.target.record
        return page.render("survey/kiosk.html", title=kiosk["label"], kiosk=kiosk,
                           commune=_commune(kiosk["commune_code"]), states=KIOSK_STATE,
                           may_organise=may(page, "revoke_kiosk", page.target),
                           notice=NOTICES.get(page.request.args.get("da")),
                           breadcrumbs=[(SECTION, SURVEY), (kiosk["label"], None)])

    def _revoke_page(self, page, status=200):
        kiosk = page.target.record
        return page.render("survey/revoke.html", status=status, title="Thu hồi thiết bị",
                           kiosk=kiosk, commune=_commune(kiosk["commune_code"]),
                           field_labels=FIELD_LABELS,
                           breadcrumbs=[(SECTION, SURVEY),
                                        (kiosk["label"], f"{SURVEY}/thiet-bi/{kiosk['kiosk_id']}"),
                                        ("Thu hồi", None)])

    @http("GET", KIOSK + "/thu-hoi")
    @page(path=KioskPathSchema, performs="revoke_kiosk")
    def workspace_kiosk_revoke_form(self, page, kiosk_id):
        return self._revoke_page(page)

    @http("POST", KIOSK + "/thu-hoi")
    @page(path=KioskPathSchema, form=revoke_form, schema=KioskRevokeSchema,
          performs="revoke_kiosk")
    def workspace_kiosk_revoke(self, page, kiosk_id):
        page.errors = vietnamese_errors(page.errors, FIELD_MESSAGES)
        if not page.errors:
            try:
                page.write("survey", "revoke_kiosk", kiosk_id, page.body["reason"])
                return page.redirect(f"{SURVEY}/thiet-bi/{kiosk_id}", da="thu-hoi")
            except REFUSALS as refused:
                page.errors = {"_form": [_message(refused)]}
        return self._revoke_page(page, status=400)


# Shown to the organisers; a commune's own officer may still open a campaign of their commune.
register(Link(SECTION, SURVEY, "workspace_campaign_new",
              "Đợt khảo sát hài lòng và lấy ý kiến theo Mẫu 04 (hiệu quả phổ biến, giáo dục "
              "pháp luật), thiết bị tại Bộ phận Một cửa, mã dùng một lần, kết quả."))

"""The workspace's survey pages (``/can-bo/khao-sat``): the organiser's campaigns, kiosks and
single-use codes, and a campaign's results, over the same survey RPCs, rules and body schemas
as gateway/routes/survey.py (docs/workspace.md, "Surveys").

| URL | page |
|---|---|
| ``/can-bo/khao-sat`` | find a campaign (commune and period) or a kiosk |
| ``/can-bo/khao-sat/mo-dot`` | open a campaign |
| ``/can-bo/khao-sat/dot/<id>`` | a campaign; ``/ket-qua`` results, ``/ket-thuc`` close, ``/mo-lai`` reopen, ``/ma`` codes to print |
| ``/can-bo/khao-sat/thiet-bi/dang-ky`` | register a kiosk (its pairing code shown once) |
| ``/can-bo/khao-sat/thiet-bi/<id>`` | a kiosk; ``/thu-hoi`` revoke |

The survey service lists neither campaigns nor kiosks; a campaign's id is ``<commune>-<period>``,
so the organiser finds it by commune and period, and a kiosk by the id its page showed.
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
CAMPAIGN = SURVEY + "/dot/<campaign_id>"
KIOSK = SURVEY + "/thiet-bi/<kiosk_id>"
REFUSALS = (ValidationFailed, Conflict, IllegalTransition)
CAMPAIGN_STATE = {"open": "Đang mở", "closed": "Đã kết thúc"}
KIOSK_STATE = {"active": "Đang hoạt động", "revoked": "Đã thu hồi"}
SCALE = {"1": "Rất không hài lòng", "2": "Không hài lòng", "3": "Bình thường", "4": "Hài lòng",
         "5": "Rất hài lòng"}
NOTICES = {
    "mo-dot": "Đã mở đợt khảo sát. Đăng ký thiết bị tại Bộ phận Một cửa, hoặc in mã dùng một "
              "lần nếu đợt yêu cầu mã.",
    "ket-thuc": "Đã kết thúc đợt khảo sát: kết quả tính trên các phiếu nhận trước lúc kết thúc.",
    "mo-lai": "Đã mở lại đợt khảo sát: khi kết thúc lại, kết quả mới thay kết quả trước trong hồ "
              "sơ đánh giá của xã.",
    "thu-hoi": "Đã thu hồi thiết bị: thiết bị không gửi phiếu được nữa.",
}
FIELD_LABELS = {"commune_code": "Mã xã", "period": "Kỳ khảo sát", "opens_on": "Ngày bắt đầu",
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
    "campaign_exists": "Xã này đã có đợt khảo sát trong kỳ này.",
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
    body = {"commune_code": (form.get("commune_code") or "").strip(),
            "period": (form.get("period") or "").strip().lower(),
            "opens_on": _blank(form.get("opens_on")), "closes_on": _blank(form.get("closes_on")),
            "require_code": form.get("require_code") == "1"}
    for name in ("target_sample", "last_year_cases"):
        if _blank(form.get(name)) is not None:
            body[name] = _number(form.get(name))
    return body


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
        kiosk_id = (args.get("thiet_bi") or "").strip().lower()
        if "xa" in args or "ky" in args:
            if not re.fullmatch(r"\d{5}", commune):
                errors["xa"] = ["Mã xã gồm 5 chữ số, ví dụ 16426."]
            if not re.fullmatch(r"\d{4}(-q[1-4])?", period):
                errors["ky"] = ["Kỳ khảo sát là một năm (2026) hoặc một quý (2026-q3)."]
            if not errors:
                return page.redirect(f"{SURVEY}/dot/{commune}-{period}")
        if "thiet_bi" in args:
            if re.fullmatch(r"[0-9a-f]{32}", kiosk_id):
                return page.redirect(f"{SURVEY}/thiet-bi/{kiosk_id}")
            errors["thiet_bi"] = ["Mã thiết bị gồm 32 ký tự 0-9, a-f, như trên trang đăng ký."]
        return page.render("survey/home.html", status=400 if errors else 200,
                           title="Khảo sát hài lòng", errors=errors, values=args,
                           may_organise=self._survey_organiser(page),
                           field_labels={"xa": "Mã xã", "ky": "Kỳ", "thiet_bi": "Mã thiết bị"})

    # -- campaigns -------------------------------------------------------------------------
    def _campaign_form(self, page, status=200):
        year = clock.today().year  # Vietnam's date, as the services count days
        return page.render("survey/open.html", status=status, title="Mở đợt khảo sát",
                           field_labels=FIELD_LABELS, year=year,
                           breadcrumbs=[("Khảo sát hài lòng", SURVEY), ("Mở đợt khảo sát", None)])

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
        return [("Khảo sát hài lòng", SURVEY),
                (f"Đợt {campaign_id}", f"{SURVEY}/dot/{campaign_id}" if more else None), *more]

    @http("GET", CAMPAIGN)
    @page(path=CampaignPathSchema, performs="get_campaign")
    def workspace_campaign(self, page, campaign_id):
        campaign = page.read("survey", "get_campaign", campaign_id)
        return page.render("survey/campaign.html", title=f"Đợt khảo sát {campaign_id}",
                           campaign=campaign, commune=_commune(campaign["commune_code"]),
                           states=CAMPAIGN_STATE,
                           may_organise=may(page, "close_campaign", page.target),
                           may_reopen=may(page, "reopen_campaign", page.target),
                           notice=NOTICES.get(page.request.args.get("da")),
                           breadcrumbs=self._survey_crumbs(campaign_id))

    @http("GET", CAMPAIGN + "/ket-qua")
    @page(path=CampaignPathSchema, performs="get_campaign_results")
    def workspace_campaign_results(self, page, campaign_id):
        results = page.read("survey", "get_results", campaign_id)
        return page.render("survey/results.html", title=f"Kết quả khảo sát {campaign_id}",
                           results=results, commune=_commune(results["commune_code"]),
                           scale=SCALE, states=CAMPAIGN_STATE,
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
                                   commune=_commune(campaign["commune_code"]))
            except REFUSALS as refused:
                page.errors = {"_form": [_message(refused)]}
        return self._codes_page(page, campaign_id, status=400)

    # -- kiosks ------------------------------------------------------------------------------
    def _kiosk_form(self, page, status=200):
        return page.render("survey/kiosk_new.html", status=status, title="Đăng ký thiết bị",
                           field_labels=FIELD_LABELS,
                           breadcrumbs=[("Khảo sát hài lòng", SURVEY), ("Đăng ký thiết bị", None)])

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
                           breadcrumbs=[("Khảo sát hài lòng", SURVEY), (kiosk["label"], None)])

    def _revoke_page(self, page, status=200):
        kiosk = page.target.record
        return page.render("survey/revoke.html", status=status, title="Thu hồi thiết bị",
                           kiosk=kiosk, commune=_commune(kiosk["commune_code"]),
                           field_labels=FIELD_LABELS,
                           breadcrumbs=[("Khảo sát hài lòng", SURVEY),
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
register(Link("Khảo sát hài lòng", SURVEY, "workspace_campaign_new",
              "Đợt khảo sát, thiết bị tại Bộ phận Một cửa, mã dùng một lần, tỷ lệ hài lòng."))

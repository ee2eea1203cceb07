"""Who may call each operation of the gateway: one table of role × operation × jurisdiction.

``PERMISSIONS`` names every route by its handler (the OpenAPI ``operationId``) and gives its
``Rule``: the roles allowed, the administrative unit the request acts on (its ``Unit``: where
to find it and for which year) and the jurisdiction rule the caller must meet over it. The
``endpoint`` decorator (gateway/http.py) looks a route's rule up when the route is defined, so
a route the table does not name cannot exist, and enforces it before the handler runs: the
token (401), the role (403, before anything else in the request is read), then, once the
request is valid, the unit (404 when there is none) and the jurisdiction over it (403). The
handler finds the resolved unit in ``call.target``.

docs/gateway.md shows the table: ``python -m gateway.permissions --write`` regenerates its
marked section, and tests/gateway/test_permissions.py fails when it is out of date.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gateway import lookup
from gateway.auth import NATIONWIDE_ROLES, ROLES, Principal, covers
from kernel import clock
from kernel.errors import Forbidden, NotFound
from kernel.roles import DELEGABLE_ROLES
from reference import units

# Any valid token, whatever its role.
AUTHENTICATED = ("*",)

# -- the roles of the workflow (docs/assessment-workflow.md, "Who does each step") -------------
COMMUNE = ("commune_officer",)
JUSTICE = ("justice_officer",)
COUNCIL = ("council_secretary",)
CHAIRMAN = ("chairman",)
ADMINISTRATOR = ("administrator",)
AUDITOR = ("auditor",)
READERS = ("commune_officer", "justice_officer", "council_secretary", "chairman",
           "administrator", "auditor")
REVIEWERS = ("justice_officer", "council_secretary", "chairman", "administrator", "auditor")
SURVEY_ORGANISERS = ("justice_officer", "administrator")
PLAN_EDITORS = ("justice_officer", "administrator")
PLAN_REPORTERS = ("agency_officer", "justice_officer", "administrator")
ACCOUNT_ADMINS = ("administrator", "justice_officer")
PAUSE_RECORDERS = ("administrator", "justice_officer")
# the reviewing unit's yearly report is sent by its people's committee, prepared by its justice office
REPORT_SENDERS = ("justice_officer", "chairman")


@dataclass(frozen=True)
class Target:
    """The administrative unit a request acts on, where it lay in ``year`` (this year for a
    kiosk; None for a plan, which names its units itself), and the record read to find it (a
    kiosk, a plan)."""

    province: str | None = None
    district: str | None = None
    commune: str | None = None
    year: int | None = None
    record: dict | None = None

    def describe(self) -> dict:
        return {"province": self.province, "district": self.district, "commune": self.commune}


LevelOf = Callable[[str, int], str]  # (province, year) -> "district" | "province"


@dataclass(frozen=True)
class Jurisdiction:
    """A jurisdiction rule: ``check(principal, target, level_of)`` raises Forbidden, or passes.

    ``token`` says what authenticates the caller: ``bearer`` (a signed-in person: a JWT or a
    personal token on the API, the session cookie on workspace pages), ``device`` (a kiosk's
    token, checked by the survey service) or ``none``."""

    name: str
    summary: str
    check: Callable[[Principal, Target, LevelOf], None] | None = None
    token: str = "bearer"


@dataclass(frozen=True)
class Unit:
    """Where a request's unit comes from: ``resolve(service, call, path_args) -> Target``."""

    name: str
    summary: str
    resolve: Callable[..., Target]


@dataclass(frozen=True)
class Rule:
    roles: tuple[str, ...] | None
    jurisdiction: Jurisdiction
    unit: Unit | None = None
    reason: Why | None = None

    def __post_init__(self):
        # The table checks itself on import: a rule that cannot be enforced is not a rule.
        if (self.roles is None) != (self.jurisdiction.token != "bearer"):
            raise ValueError(f"{self.jurisdiction.name}: roles must be None exactly when no "
                             "bearer token is read")
        if self.roles not in (None, AUTHENTICATED) and not set(self.roles) <= set(ROLES):
            raise ValueError(f"unknown roles in {self.roles}")
        if (self.jurisdiction.check is not None) != (self.unit is not None):
            raise ValueError(f"{self.jurisdiction.name}: a unit is needed exactly when the "
                             "jurisdiction is checked over one")
        if self.reason is None:
            raise ValueError("every rule says why")
        if self.jurisdiction is NATIONWIDE and not set(self.roles) <= NATIONWIDE_ROLES:
            raise ValueError(f"{self.roles} are not all nationwide roles")
        if any(self.jurisdiction is j for j in (REVIEWING_LEVEL, JUSTICE_OFFICE, PLAN_REPORTER,
                                                ACCOUNT_ADMIN, ACCOUNTS_SCOPE, PAUSE_SCOPE,
                                                REPORTING_UNIT)
               ) and self.roles == AUTHENTICATED:
            raise ValueError(f"{self.jurisdiction.name} needs the roles it names")
        if (self.jurisdiction is REVIEWING_LEVEL or self.jurisdiction is REPORTING_UNIT) and (
                set(self.roles) & NATIONWIDE_ROLES):
            raise ValueError("the reviewing level is nobody's everywhere")


# -- where the units lie -----------------------------------------------------------------------
def unit_in_year(commune_code: str, year: int) -> tuple[str, str | None]:
    """(province, district) of the commune in the evaluation year; district only up to 2024
    (from the legacy data), not_found when the commune did not exist then."""
    district = units.district_of_commune(commune_code, year)
    if district is not None:
        for commune in units.legacy_communes(district, year):
            if commune.code == commune_code:
                return commune.province_code, district
    current = units.commune(commune_code)
    if current is None:
        raise NotFound("place.commune_not_found_in_year", {"commune_code": commune_code, "year": year})
    return current.province_code, None


def _commune_target(commune_code: str, year: int, record: dict | None = None) -> Target:
    province, district = unit_in_year(commune_code, year)
    return Target(province, district, commune_code, year, record)


def _today_year() -> int:
    return clock.now().year


def _commune_year(service, call, args) -> Target:
    return _commune_target(args["commune_code"], args["year"])


# <commune>-<period> (satisfaction), <commune>-<period>-mau04 (Form 04): services/survey/campaigns.py
CAMPAIGN_ID = re.compile(r"^(\d{5})-(\d{4})(?:-[A-Za-z0-9]{1,10})?(?:-mau04)?$")


def _campaign(service, call, args) -> Target:
    found = CAMPAIGN_ID.match(args["campaign_id"])
    if found is None:  # open_campaign makes no other ids
        raise NotFound("survey.campaign_id_format", {"campaign_id": args["campaign_id"]})
    return _commune_target(found.group(1), int(found.group(2)))


def _campaign_body(service, call, args) -> Target:
    return _commune_target(call.body["commune_code"], int(call.body["period"][:4]))


def _kiosk_body(service, call, args) -> Target:
    return _commune_target(call.body["commune_code"], _today_year())


def _kiosk(service, call, args) -> Target:
    kiosk = service.backends.call("survey", "get_kiosk", args["kiosk_id"])
    year = _today_year()
    try:
        return _commune_target(kiosk["commune_code"], year, kiosk)
    except NotFound:
        # A kiosk of a commune the unit tables no longer know (merged away) stays reachable
        # by whoever covers everything, so that it can still be read and revoked.
        return Target(commune=kiosk["commune_code"], year=year, record=kiosk)


def _rollup_area(service, call, args) -> Target:
    province, year, district = args["province_code"], call.query["year"], call.query["district"]
    lookup.require_province_in(province, year)
    own = call.principal.jurisdiction
    if call.principal.role not in NATIONWIDE_ROLES and own.get("district") and district is None:
        district = own["district"]  # a district officer's roll-up is their district's
    if district is not None and district not in {
            d.code for d in units.legacy_districts(province, year)}:
        raise NotFound("place.district_not_found", {"district_code": district, "province_code": province, "year": year})
    return Target(province, district, None, year)


def _pause_body(service, call, args) -> Target:
    """The body's province (None: the whole country) in the path's year (a page's form: its own)."""
    year = args["evaluation_year"] if "evaluation_year" in args else call.body["year"]
    province = call.body.get("province_code")
    if province is not None:
        lookup.require_province_in(province, year)
    return Target(province, None, None, year)


def _reports_area(service, call, args) -> Target:
    """The query's province and district; an official's list defaults to their own unit."""
    year, province, district = call.query["year"], call.query["province"], call.query["district"]
    own = call.principal.jurisdiction
    if call.principal.role not in NATIONWIDE_ROLES:
        province = province or own.get("province")
        if year <= units.LAST_DISTRICT_YEAR:  # no district since 2025: the token covers none
            district = district or own.get("district")
    if province is not None:
        lookup.require_province_in(province, year)
    if district is not None and (province is None or district not in {
            d.code for d in units.legacy_districts(province, year)}):
        raise NotFound("place.district_not_found", {"district_code": district, "province_code": province, "year": year})
    return Target(province, district, None, year)


def _report_unit(service, call, args) -> Target:
    """The path's unit in its year: a province (2 digits) or, until 2024, a district (3)."""
    code, year = args["unit_code"], args["year"]
    if len(code) == 2 and units.province_known_in(code, year):
        return Target(code, None, None, year)
    if len(code) == 3 and year <= units.LAST_DISTRICT_YEAR:
        for number in range(1, 100):
            province = f"{number:02d}"
            if any(d.code == code for d in units.legacy_districts(province, year)):
                return Target(province, code, None, year)
    raise NotFound("place.unit_not_found_in_year", {"unit_code": code, "year": year})


def _plan(service, call, args) -> Target:
    plan = service.backends.call("plans", "get_plan", args["plan_id"])
    jurisdiction = plan["jurisdiction"]
    return Target(jurisdiction.get("province"), jurisdiction.get("district"), record=plan)


def _plan_body(service, call, args) -> Target:
    return Target(call.body["province_code"], call.body["district_code"])


COMMUNE_YEAR = Unit("commune_year", "the path's commune where it lay in the path's year "
                    "(its district from the legacy data, for years up to 2024)", _commune_year)
ROLLUP_AREA = Unit("rollup_area", "the path's province in the query's year, or the query's "
                   "district; a district-level token's request defaults to its own district",
                   _rollup_area)
CAMPAIGN = Unit("campaign", "the campaign's commune (the id is `<commune>-<period>`, or "
                "`<commune>-<period>-mau04` for Form 04) in the "
                "period's year", _campaign)
CAMPAIGN_BODY = Unit("campaign_body", "the body's commune in the year of its `period`",
                     _campaign_body)
KIOSK_BODY = Unit("kiosk_body", "the body's commune, in this year's units", _kiosk_body)
KIOSK = Unit("kiosk", "the kiosk's commune as the survey service has it (`get_kiosk`), in "
             "this year's units", _kiosk)
def _account(service, call, args) -> Target:
    account = service.backends.call("accounts", "get_account", args["username"])
    where = account["jurisdiction"]
    return Target(where.get("province"), where.get("district"), where.get("commune"),
                  record=account)


def _account_body(service, call, args) -> Target:
    where = call.body.get("jurisdiction") or {}
    return Target(where.get("province"), where.get("district"), where.get("commune"),
                  record={"role": call.body["role"]})


def _own_scope(service, call, args) -> Target:
    return Target(province=call.principal.jurisdiction.get("province"))


REPORTS_AREA = Unit("reports_area", "the query's province and district in the query's year; an "
                    "official's request defaults to their own province and district",
                    _reports_area)
REPORT_UNIT = Unit("report_unit", "the path's unit in the path's year: a province (2 digits) "
                   "or, for years up to 2024, a district (3 digits) and its province", _report_unit)
PAUSE_BODY = Unit("pause_body", "the body's `province_code` in the path's (or the form's) year; "
                  "none: the whole country", _pause_body)
PLAN = Unit("plan", "the plan's province and district (`plans.get_plan`)", _plan)
PLAN_BODY = Unit("plan_body", "the body's `province_code` and `district_code`", _plan_body)
ACCOUNT = Unit("account", "the account's jurisdiction and role (`accounts.get_account`)",
               _account)
ACCOUNT_BODY = Unit("account_body", "the body's `jurisdiction` and `role`: the account as it "
                    "would be", _account_body)
OWN_SCOPE = Unit("own_scope", "the accounts the caller administers: the caller's own province",
                 _own_scope)


# -- the jurisdiction rules --------------------------------------------------------------------
def _outside(principal: Principal, target: Target, rule: str, message: str | None = None,
             **details) -> Forbidden:
    year = f" năm {target.year}" if target.year else ""
    return Forbidden(
        message or f"Phạm vi quản lý của bạn không bao gồm đơn vị hành chính này{year}.",
        {"rule": rule, "jurisdiction": dict(principal.jurisdiction), "year": target.year,
         "target": target.describe(), **details})


def _level_of_token(principal: Principal) -> str | None:
    """The most specific level a token names: commune, district, province or None."""
    own = principal.jurisdiction
    return next((level for level in ("commune", "district", "province") if own.get(level)), None)


def _check_covers(principal, target, level_of) -> None:
    if not covers(principal, target.province, target.district, target.commune):
        raise _outside(principal, target, "covers_unit")


def _check_reviewing_level(principal, target, level_of) -> None:
    own, level = principal.jurisdiction, _level_of_token(principal)
    at_district = level == "district" and own["district"] == target.district
    at_province = level == "province" and own["province"] == target.province
    if not (at_district or at_province):  # no reviewer of this commune at any level
        raise _outside(principal, target, "reviewing_level")
    reviewing = level_of(target.province, target.year)
    if reviewing == level:
        return
    year, province = target.year, _province_name(target.province)
    if reviewing == "province":
        message = (f"Năm {year}, {province} giao cấp tỉnh thẩm định hồ sơ: bước này do cán bộ "
                   "cấp tỉnh thực hiện, không phải cấp huyện.")
    elif target.district:
        message = (f"Năm {year}, {province} giao cấp huyện thẩm định hồ sơ: bước này do cán bộ "
                   f"của {_district_name(target)} thực hiện, không phải cấp tỉnh.")
    else:
        message = (f"Năm {year}, {province} giao cấp huyện thẩm định hồ sơ, nhưng dữ liệu đơn "
                   "vị hành chính không cho biết xã thuộc huyện nào năm đó: quản trị viên cần "
                   "nạp dữ liệu đơn vị hành chính cũ, hoặc đặt cấp thẩm định năm đó là cấp tỉnh.")
    raise _outside(principal, target, "reviewing_level", message, reviewing_level=reviewing)


def _province_name(code: str) -> str:
    found = units.province(code)
    return found.name if found else f"tỉnh {code}"


def _district_name(target: Target) -> str:
    names = {d.code: d.name for d in units.legacy_districts(target.province, target.year)}
    return names.get(target.district, f"huyện {target.district}")


def _check_justice_office(principal, target, level_of) -> None:
    if principal.role in NATIONWIDE_ROLES:
        return
    own, level = principal.jurisdiction, _level_of_token(principal)
    if level == "province" and own["province"] == target.province:
        return  # the province's justice department
    if level == "district" and own["district"] == target.district and (
            level_of(target.province, target.year) == "district"):
        return  # the district's justice office, in a year its province has districts review
    raise _outside(
        principal, target, "justice_office",
        "Thiết bị khảo sát, đợt khảo sát và mã dùng một lần của một xã do Sở Tư pháp của tỉnh "
        "(hoặc Phòng Tư pháp của huyện, trong năm tỉnh giao cấp huyện thẩm định) hoặc quản trị "
        "viên thiết lập, không do chính xã được đánh giá.")


def _check_pause_scope(principal, target, level_of) -> None:
    if principal.role == "administrator":
        return
    if (principal.role == "justice_officer" and _level_of_token(principal) == "province"
            and target.province is not None and principal.jurisdiction["province"] == target.province):
        return  # the province's justice department, for its own province
    raise _outside(principal, target, "pause_scope",
                   "Quản trị viên ghi nhận việc tạm dừng đánh giá của toàn quốc hoặc của một tỉnh; "
                   "Sở Tư pháp chỉ ghi nhận cho tỉnh mình.")


def _check_plan_reporter(principal, target, level_of) -> None:
    if principal.role != "agency_officer":
        if not covers(principal, target.province, target.district, target.commune):
            raise _outside(principal, target, "plan_reporter")
        return
    if not principal.agency or principal.agency.partition(":")[0] != target.province:
        raise _outside(principal, target, "plan_reporter",
                       "Cơ quan của bạn không thuộc tỉnh của kế hoạch này.", agency=principal.agency)


def _check_account_admin(principal, target, level_of) -> None:
    if principal.role == "administrator":
        return
    own = principal.jurisdiction
    if (principal.role == "justice_officer" and _level_of_token(principal) == "province"
            and target.province == own["province"] and (target.district or target.commune)
            and (target.record or {}).get("role") in DELEGABLE_ROLES):
        return  # the province's justice department, over its communes' and districts' accounts
    raise _outside(principal, target, "account_admin",
                   "Tài khoản này do quản trị viên quản lý; Sở Tư pháp chỉ quản lý tài khoản "
                   "của các xã, huyện trong tỉnh mình.")


def _check_accounts_scope(principal, target, level_of) -> None:
    if principal.role == "administrator" or (
            principal.role == "justice_officer" and _level_of_token(principal) == "province"):
        return
    raise _outside(principal, target, "accounts_scope",
                   "Chỉ quản trị viên và Sở Tư pháp (cấp tỉnh) được quản lý tài khoản.")


def _check_reporting_unit(principal, target, level_of) -> None:
    own, level = principal.jurisdiction, _level_of_token(principal)
    if target.district is not None and level == "district" and own["district"] == target.district:
        return  # the district's justice office or chairman, for their district
    if target.district is None and level == "province" and own["province"] == target.province:
        return  # the province's justice department or chairman, for their province
    raise _outside(principal, target, "reporting_unit",
                   "Việc gửi báo cáo kết quả do chính đơn vị gửi ghi nhận: Phòng Tư pháp hoặc Chủ "
                   "tịch Ủy ban nhân dân huyện cho huyện mình, Sở Tư pháp hoặc Chủ tịch Ủy ban nhân "
                   "dân tỉnh cho tỉnh mình.")


PUBLIC = Jurisdiction("public", "no token: anyone, citizens included", token="none")
KIOSK_DEVICE = Jurisdiction(
    "kiosk_device", "a kiosk's device token (`Authorization: Kiosk <token>`), not a JWT; the "
    "survey service checks it, and a kiosk acts for its own commune only", token="device")
ANY_TOKEN = Jurisdiction("any_token", "any valid token; the operation names no unit")
NATIONWIDE = Jurisdiction("nationwide", "nationwide roles only (administrators and auditors "
                          "cover every unit)")
COVERS_UNIT = Jurisdiction(
    "covers_unit", "the token's jurisdiction covers the unit: its most specific level (commune; "
    "district, for years up to 2024; province) holds it; a commune officer covers only their "
    "own commune, whatever else the token names; administrators and auditors cover every unit",
    _check_covers)
REVIEWING_LEVEL = Jurisdiction(
    "reviewing_level", "the token sits at the level that reviews the commune's province in that "
    "year (`assessment.get_reviewing_level`): `district` → a district-level token of the "
    "commune's district in that year; `province` → a province-level token of its province. "
    "Nobody else, nationwide roles included", _check_reviewing_level)
JUSTICE_OFFICE = Jurisdiction(
    "justice_office", "administrators, or the justice office over the commune: a province-level "
    "token of its province (the Sở Tư pháp), or a district-level token of its district in a "
    "year its province has districts review (the Phòng Tư pháp). Never a commune-level token: "
    "never the commune's own officer", _check_justice_office)
PLAN_REPORTER = Jurisdiction(
    "plan_reporter", "an agency officer: their `agency` claim is an agency of the plan's "
    "province; other roles: `covers_unit` over the plan's unit", _check_plan_reporter)
ACCOUNT_ADMIN = Jurisdiction(
    "account_admin", "administrators; or the province's justice department (a province-level "
    "`justice_officer` token) over an account of one of its districts or communes in a role it "
    "may give (commune officer, justice office, council secretary, chairman): never an account "
    "at its own level or above. The accounts service checks the same, and the account as changed",
    _check_account_admin)
ACCOUNTS_SCOPE = Jurisdiction(
    "accounts_scope", "administrators (every account) and province-level `justice_officer` "
    "tokens (their province's district and commune accounts: the service lists those only)",
    _check_accounts_scope)
PAUSE_SCOPE = Jurisdiction(
    "pause_scope", "administrators (the whole country or any province); a province-level "
    "`justice_officer` token for its own province only (the Sở Tư pháp records its province's "
    "notice)", _check_pause_scope)
REPORTING_UNIT = Jurisdiction(
    "reporting_unit", "the token sits at the reporting unit itself: a district-level token of "
    "that district, or a province-level token of that province (not its districts'). Nobody "
    "else, nationwide roles included", _check_reporting_unit)
JURISDICTIONS = (PUBLIC, KIOSK_DEVICE, ANY_TOKEN, NATIONWIDE, COVERS_UNIT, REVIEWING_LEVEL,
                 JUSTICE_OFFICE, PLAN_REPORTER, ACCOUNT_ADMIN, ACCOUNTS_SCOPE, PAUSE_SCOPE,
                 REPORTING_UNIT)
UNITS = (COMMUNE_YEAR, ROLLUP_AREA, CAMPAIGN, CAMPAIGN_BODY, KIOSK_BODY, KIOSK, PLAN, PLAN_BODY,
         ACCOUNT, ACCOUNT_BODY, OWN_SCOPE, PAUSE_BODY, REPORTS_AREA, REPORT_UNIT)

# -- why (the reasons the table gives, named in its last column) ------------------------------
@dataclass(frozen=True)
class Why:
    name: str
    text: str


PUBLIC_DATA = Why("public", "public information (results, units, the docs, the kiosk page's "
                  "code); citizens have no token")
PROBE = Why("probe", "operators and monitors probe health without a token; the benchmark's "
            "baseline answers a constant")
OWN_COMMUNE = Why("own commune", "the commune assesses itself (Circulars 07/2017, 09/2021): its "
                  "own officer, and nobody else, records its figures, posting and dossier")
READ_COMMUNE = Why("read assessment", "the commune and the offices over it read its assessment, "
                   "as do nationwide roles; other communes do not")
REVIEW_STEP = Why(
    "review step", "the level configured for the province and year checks the dossier, runs "
    "the council and decides (RULES.md: the district until the 2024 evaluation, the province "
    "since districts were abolished on 1 July 2025; a province may be configured otherwise for "
    "a year). A district-reviewed year whose districts are gone is revoked by the province once "
    "an administrator sets that year's level to `province`")
EVIDENCE_FILES = Why(
    "evidence files", "an assessment's evidence files (minutes, mediation records, lists of "
    "people) may name citizens and are not what the rules publish: the self-assessment's "
    "results are posted, and the board lists each file (name, type, size, SHA-256, "
    "signatures) without serving it. Those who read the assessment download them: the "
    "commune's officer, the offices over the commune that review it, administrators and "
    "auditors")
ROLLUP = Why("roll-up", "the offices over a province or district read its results; a commune "
             "reads its own through its assessment")
REFERENCE = Why("reference", "reference data every user of the API needs")
PAUSE = Why("paused year", "a year's evaluation paused by notice (2025: the new regime and the "
            "two-tier local government): the country's by the administrator, a province's by its "
            "justice department, which issued the notice")
REPORT = Why("yearly report", "once a year's decisions are made, the reviewing unit reports "
             "its results upwards (Decision 25/2021, Circular 09/2021: the district people's "
             "committee to the province before 15/02 with Mẫu 09 and 10, the province to the "
             "Ministry of Justice before 20/02): its justice office or chairman records that it "
             "was sent; the offices over it, administrators and auditors read who has reported")
ADMINISTRATION = Why("national configuration", "decides how every commune is scored or "
                     "reviewed: administrators only")
ERASURE = Why("erasure", "deleting a campaign's free text for good answers a data subject's "
              "request (Decree 13/2023/NĐ-CP) on behalf of the platform's controller")
AUDIT = Why("audit", "the event logs of every service: auditors only")
QUESTIONNAIRE = Why("questionnaire", "the questionnaire is the national instrument the "
                    "satisfaction indicator is scored from: one text for every commune, "
                    "published by administrators")
SURVEY_SETUP = Why(
    "survey set-up", "the satisfaction rate is one of the commune's own scores, so the commune "
    "does not set up its own measurement: opening a campaign fixes the window, the sample and "
    "whether codes are required, closing it fixes which answers count, and kiosks and "
    "single-use codes let answers in (one officer registering kiosks and issuing codes for their "
    "own commune added 40 counted responses in seconds: issue 14). The justice office that "
    "checks the commune's dossier, or the province's department, sets it up; administrators too")
SURVEY_READ = Why("read survey", "a campaign, its results and its kiosks are read like the "
                  "commune's assessment: the commune's own officer included")
PLAN_EDIT = Why("plan", "justice offices draft, review, issue and link their own "
                "jurisdiction's plans")
PLAN_PROGRESS = Why("progress", "a lead agency reports on its tasks (the plans service keeps it "
                    "to those); a justice office may report for it in its own jurisdiction")
PLAN_READ = Why("plans are public", "plans are public documents of the authorities that issue "
                "them")
KIOSK_API = Why("kiosk", "a registered kiosk answers for its own commune; the citizens who "
                "answer on it stay anonymous")
ACCOUNTS = Why("accounts", "administrators manage every account; a province's justice "
               "department those of its own communes and districts, never giving more than it "
               "holds (issue 15)")
OWN_ACCOUNT = Why("own account", "a person's own account: their password, personal tokens and "
                  "sessions; nobody else's")
SIGN_IN = Why("sign-in", "people sign in to the workspace here; the form is public, every "
              "attempt is throttled and recorded")
WORKSPACE = Why("workspace", "any signed-in person sees their own home page; what it links to "
                "follows their role")
PLATFORM = Why("platform", "the platform's health in detail (each service's queues, dead "
                "letters, chains, breakers) for those who run it: administrators; /health stays "
                "public for probes")
WHYS = (PUBLIC_DATA, PROBE, REFERENCE, ADMINISTRATION, AUDIT, READ_COMMUNE, EVIDENCE_FILES,
        OWN_COMMUNE, REVIEW_STEP, ROLLUP, QUESTIONNAIRE, SURVEY_SETUP, SURVEY_READ, KIOSK_API,
        PLAN_READ, PLAN_EDIT, PLAN_PROGRESS, ERASURE, ACCOUNTS, OWN_ACCOUNT, SIGN_IN, WORKSPACE,
        PLATFORM, REPORT)

PERMISSIONS: dict[str, Rule] = {
    # -- system, docs and reference data
    "get_health": Rule(None, PUBLIC, reason=PROBE),
    "openapi_document": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "docs_page": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "docs_asset": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "list_provinces": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "get_province": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "list_communes": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "get_commune": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "get_reviewing_level": Rule(AUTHENTICATED, ANY_TOKEN, reason=REFERENCE),
    "set_reviewing_level": Rule(ADMINISTRATOR, NATIONWIDE, reason=ADMINISTRATION),
    "list_events": Rule(AUDITOR, NATIONWIDE, reason=AUDIT),
    # -- a commune's assessment: reading
    "get_assessment": Rule(READERS, COVERS_UNIT, COMMUNE_YEAR, READ_COMMUNE),
    "get_assessment_events": Rule(READERS, COVERS_UNIT, COMMUNE_YEAR, READ_COMMUNE),
    "form_02": Rule(READERS, COVERS_UNIT, COMMUNE_YEAR, READ_COMMUNE),
    "form_07": Rule(READERS, COVERS_UNIT, COMMUNE_YEAR, READ_COMMUNE),
    "download_evidence": Rule(READERS, COVERS_UNIT, COMMUNE_YEAR, EVIDENCE_FILES),
    # -- the commune's steps
    "open_assessment": Rule(COMMUNE, COVERS_UNIT, COMMUNE_YEAR, OWN_COMMUNE),
    "record_figures": Rule(COMMUNE, COVERS_UNIT, COMMUNE_YEAR, OWN_COMMUNE),
    "record_indicators_figures": Rule(COMMUNE, COVERS_UNIT, COMMUNE_YEAR, OWN_COMMUNE),
    "declare_conditions": Rule(COMMUNE, COVERS_UNIT, COMMUNE_YEAR, OWN_COMMUNE),
    "submit_self_assessment": Rule(COMMUNE, COVERS_UNIT, COMMUNE_YEAR, OWN_COMMUNE),
    "reopen_self_assessment": Rule(COMMUNE, COVERS_UNIT, COMMUNE_YEAR, OWN_COMMUNE),
    "start_posting": Rule(COMMUNE, COVERS_UNIT, COMMUNE_YEAR, OWN_COMMUNE),
    "record_comment": Rule(COMMUNE, COVERS_UNIT, COMMUNE_YEAR, OWN_COMMUNE),
    "answer_comment": Rule(COMMUNE, COVERS_UNIT, COMMUNE_YEAR, OWN_COMMUNE),
    "end_posting": Rule(COMMUNE, COVERS_UNIT, COMMUNE_YEAR, OWN_COMMUNE),
    "submit_dossier": Rule(COMMUNE, COVERS_UNIT, COMMUNE_YEAR, OWN_COMMUNE),
    "provide_supplement": Rule(COMMUNE, COVERS_UNIT, COMMUNE_YEAR, OWN_COMMUNE),
    "attach_evidence": Rule(COMMUNE, COVERS_UNIT, COMMUNE_YEAR, OWN_COMMUNE),
    "remove_evidence": Rule(COMMUNE, COVERS_UNIT, COMMUNE_YEAR, OWN_COMMUNE),
    # -- the review steps: the reviewing level of the province and year
    "pass_check": Rule(JUSTICE, REVIEWING_LEVEL, COMMUNE_YEAR, REVIEW_STEP),
    "request_supplement": Rule(JUSTICE, REVIEWING_LEVEL, COMMUNE_YEAR, REVIEW_STEP),
    "start_appraisal": Rule(COUNCIL, REVIEWING_LEVEL, COMMUNE_YEAR, REVIEW_STEP),
    "record_opinion": Rule(COUNCIL, REVIEWING_LEVEL, COMMUNE_YEAR, REVIEW_STEP),
    "appraise_indicator": Rule(COUNCIL, REVIEWING_LEVEL, COMMUNE_YEAR, REVIEW_STEP),
    "appraise_indicators": Rule(COUNCIL, REVIEWING_LEVEL, COMMUNE_YEAR, REVIEW_STEP),
    "complete_appraisal": Rule(COUNCIL, REVIEWING_LEVEL, COMMUNE_YEAR, REVIEW_STEP),
    "decide": Rule(CHAIRMAN, REVIEWING_LEVEL, COMMUNE_YEAR, REVIEW_STEP),
    "revoke": Rule(CHAIRMAN, REVIEWING_LEVEL, COMMUNE_YEAR, REVIEW_STEP),
    # -- criteria sets and roll-ups
    "list_criteria_sets": Rule(AUTHENTICATED, ANY_TOKEN, reason=REFERENCE),
    "get_criteria_set": Rule(AUTHENTICATED, ANY_TOKEN, reason=REFERENCE),
    "get_criteria_set_version": Rule(AUTHENTICATED, ANY_TOKEN, reason=REFERENCE),
    "publish_criteria_set": Rule(ADMINISTRATOR, NATIONWIDE, reason=ADMINISTRATION),
    "list_pauses": Rule(AUTHENTICATED, ANY_TOKEN, reason=REFERENCE),
    "record_pause": Rule(PAUSE_RECORDERS, PAUSE_SCOPE, PAUSE_BODY, PAUSE),
    "lift_pause": Rule(PAUSE_RECORDERS, PAUSE_SCOPE, PAUSE_BODY, PAUSE),
    "province_assessments": Rule(REVIEWERS, COVERS_UNIT, ROLLUP_AREA, ROLLUP),
    "form_08": Rule(REVIEWERS, COVERS_UNIT, ROLLUP_AREA, ROLLUP),
    "list_evaluation_reports": Rule(REVIEWERS, COVERS_UNIT, REPORTS_AREA, REPORT),
    "record_evaluation_report": Rule(REPORT_SENDERS, REPORTING_UNIT, REPORT_UNIT, REPORT),
    "correct_evaluation_report": Rule(REPORT_SENDERS, REPORTING_UNIT, REPORT_UNIT, REPORT),
    "form_09": Rule(REVIEWERS, COVERS_UNIT, ROLLUP_AREA, ROLLUP),
    "form_10": Rule(REVIEWERS, COVERS_UNIT, ROLLUP_AREA, ROLLUP),
    # -- surveys
    "publish_questionnaire": Rule(ADMINISTRATOR, NATIONWIDE, reason=QUESTIONNAIRE),
    "get_questionnaire": Rule(AUTHENTICATED, ANY_TOKEN, reason=REFERENCE),
    "open_campaign": Rule(SURVEY_ORGANISERS, JUSTICE_OFFICE, CAMPAIGN_BODY, SURVEY_SETUP),
    "close_campaign": Rule(SURVEY_ORGANISERS, JUSTICE_OFFICE, CAMPAIGN, SURVEY_SETUP),
    "reopen_campaign": Rule(SURVEY_ORGANISERS, JUSTICE_OFFICE, CAMPAIGN, SURVEY_SETUP),
    "issue_codes": Rule(SURVEY_ORGANISERS, JUSTICE_OFFICE, CAMPAIGN, SURVEY_SETUP),
    "register_kiosk": Rule(SURVEY_ORGANISERS, JUSTICE_OFFICE, KIOSK_BODY, SURVEY_SETUP),
    "revoke_kiosk": Rule(SURVEY_ORGANISERS, JUSTICE_OFFICE, KIOSK, SURVEY_SETUP),
    "get_campaign": Rule(AUTHENTICATED, COVERS_UNIT, CAMPAIGN, SURVEY_READ),
    "get_campaign_results": Rule(AUTHENTICATED, COVERS_UNIT, CAMPAIGN, SURVEY_READ),
    "get_campaign_comments": Rule(AUTHENTICATED, COVERS_UNIT, CAMPAIGN, SURVEY_READ),
    "erase_campaign_free_text": Rule(ADMINISTRATOR, NATIONWIDE, reason=ERASURE),
    "get_kiosk": Rule(AUTHENTICATED, COVERS_UNIT, KIOSK, SURVEY_READ),
    # -- the kiosk's own API and page
    "kiosk_campaign": Rule(None, KIOSK_DEVICE, reason=KIOSK_API),
    "submit_kiosk_response": Rule(None, KIOSK_DEVICE, reason=KIOSK_API),
    "submit_kiosk_batch": Rule(None, KIOSK_DEVICE, reason=KIOSK_API),
    "kiosk_page": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "kiosk_asset": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "kiosk_service_worker": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "bench_hello": Rule(None, PUBLIC, reason=PROBE),
    # -- plans
    "list_plans": Rule(AUTHENTICATED, ANY_TOKEN, reason=PLAN_READ),
    "get_plan": Rule(AUTHENTICATED, ANY_TOKEN, reason=PLAN_READ),
    "plan_summary": Rule(AUTHENTICATED, ANY_TOKEN, reason=PLAN_READ),
    "plan_overdue": Rule(AUTHENTICATED, ANY_TOKEN, reason=PLAN_READ),
    "agency_tasks": Rule(AUTHENTICATED, ANY_TOKEN, reason=PLAN_READ),
    "list_agencies": Rule(AUTHENTICATED, ANY_TOKEN, reason=REFERENCE),
    "import_plan": Rule(PLAN_EDITORS, COVERS_UNIT, PLAN_BODY, PLAN_EDIT),
    "edit_plan": Rule(PLAN_EDITORS, COVERS_UNIT, PLAN, PLAN_EDIT),
    "review_plan": Rule(PLAN_EDITORS, COVERS_UNIT, PLAN, PLAN_EDIT),
    "issue_plan": Rule(PLAN_EDITORS, COVERS_UNIT, PLAN, PLAN_EDIT),
    "link_task": Rule(PLAN_EDITORS, COVERS_UNIT, PLAN, PLAN_EDIT),
    "report_progress": Rule(PLAN_REPORTERS, PLAN_REPORTER, PLAN, PLAN_PROGRESS),
    # -- audit
    "audit_events": Rule(AUDITOR, NATIONWIDE, reason=AUDIT),
    "audit_correlation": Rule(AUDITOR, NATIONWIDE, reason=AUDIT),
    "audit_chains": Rule(AUDITOR, NATIONWIDE, reason=AUDIT),
    # -- the public results board
    "board_home": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "board_home_export": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "board_commune": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "board_province": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "board_province_bundle": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "board_national_latest": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "board_national": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "board_asset": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "board_unknown": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "board_signatures": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "board_methodology": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "board_signatures_export": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    # -- accounts (gateway/routes/accounts.py)
    "list_accounts": Rule(ACCOUNT_ADMINS, ACCOUNTS_SCOPE, OWN_SCOPE, ACCOUNTS),
    "create_account": Rule(ACCOUNT_ADMINS, ACCOUNT_ADMIN, ACCOUNT_BODY, ACCOUNTS),
    "get_account": Rule(ACCOUNT_ADMINS, ACCOUNT_ADMIN, ACCOUNT, ACCOUNTS),
    "account_history": Rule(ACCOUNT_ADMINS, ACCOUNT_ADMIN, ACCOUNT, ACCOUNTS),
    "change_account": Rule(ACCOUNT_ADMINS, ACCOUNT_ADMIN, ACCOUNT, ACCOUNTS),
    "disable_account": Rule(ACCOUNT_ADMINS, ACCOUNT_ADMIN, ACCOUNT, ACCOUNTS),
    "enable_account": Rule(ACCOUNT_ADMINS, ACCOUNT_ADMIN, ACCOUNT, ACCOUNTS),
    "reset_password": Rule(ACCOUNT_ADMINS, ACCOUNT_ADMIN, ACCOUNT, ACCOUNTS),
    "get_own_account": Rule(AUTHENTICATED, ANY_TOKEN, reason=OWN_ACCOUNT),
    "list_own_tokens": Rule(AUTHENTICATED, ANY_TOKEN, reason=OWN_ACCOUNT),
    "create_own_token": Rule(AUTHENTICATED, ANY_TOKEN, reason=OWN_ACCOUNT),
    "revoke_own_token": Rule(AUTHENTICATED, ANY_TOKEN, reason=OWN_ACCOUNT),
    # -- the workspace's own pages (gateway/routes/workspace.py); pages that carry out an
    # operation above take its rule in PAGE_OPERATIONS, below
    "workspace_sign_in_form": Rule(None, PUBLIC, reason=SIGN_IN),
    "workspace_sign_in": Rule(None, PUBLIC, reason=SIGN_IN),
    "workspace_asset": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "workspace_unknown": Rule(None, PUBLIC, reason=PUBLIC_DATA),
    "workspace_sign_out": Rule(AUTHENTICATED, ANY_TOKEN, reason=OWN_ACCOUNT),
    "workspace_home": Rule(AUTHENTICATED, ANY_TOKEN, reason=WORKSPACE),
    "workspace_account": Rule(AUTHENTICATED, ANY_TOKEN, reason=OWN_ACCOUNT),
    "workspace_change_password": Rule(AUTHENTICATED, ANY_TOKEN, reason=OWN_ACCOUNT),
    # the commune officer's own years (gateway/routes/workspace_commune.py): the commune is
    # the officer's own account's, never one named in the request
    "workspace_commune_years": Rule(COMMUNE, ANY_TOKEN, reason=OWN_COMMUNE),
    # the review desk (gateway/routes/workspace_review.py): the dossiers of the caller's own
    # province or district, as its roll-up lists them; each dossier's page holds its own rule
    "workspace_review_queue": Rule(JUSTICE + COUNCIL + CHAIRMAN, ANY_TOKEN, reason=ROLLUP),
    # plans (gateway/routes/workspace_plans.py): the import form names no unit yet (the
    # import itself is import_plan's); an agency officer's own tasks
    "workspace_plan_import_form": Rule(PLAN_EDITORS, ANY_TOKEN, reason=PLAN_EDIT),
    "workspace_agency_tasks": Rule(("agency_officer",), ANY_TOKEN, reason=PLAN_PROGRESS),
    # surveys (gateway/routes/workspace_survey.py): finding a campaign or a kiosk, and the
    # blank forms, name no unit yet (what they lead to are the operations' own)
    "workspace_survey": Rule(AUTHENTICATED, ANY_TOKEN, reason=SURVEY_READ),
    "workspace_campaign_new": Rule(SURVEY_ORGANISERS, ANY_TOKEN, reason=SURVEY_SETUP),
    "workspace_kiosk_new": Rule(SURVEY_ORGANISERS, ANY_TOKEN, reason=SURVEY_SETUP),
    # the administrator's pages (gateway/routes/workspace_admin.py)
    "workspace_platform_health": Rule(ADMINISTRATOR, NATIONWIDE, reason=PLATFORM),
}

# A page that carries out an API operation (or shows its form) takes that operation's rule,
# the very same Rule: the page decorator (gateway/workspace/pages.py) checks that a page
# declaring ``performs=`` has it, so a page can never be laxer than its API route.
PAGE_OPERATIONS = {
    "workspace_create_token": "create_own_token",
    "workspace_revoke_token": "revoke_own_token",
    "workspace_accounts": "list_accounts",
    "workspace_account_new": "list_accounts",
    "workspace_account_create": "create_account",
    "workspace_account_detail": "account_history",
    "workspace_account_edit": "get_account",
    "workspace_account_change": "change_account",
    "workspace_account_disable_form": "get_account",
    "workspace_account_disable": "disable_account",
    "workspace_account_enable_form": "get_account",
    "workspace_account_enable": "enable_account",
    "workspace_account_reset_form": "get_account",
    "workspace_account_reset": "reset_password",
    # the commune's self-assessment (gateway/routes/workspace_commune.py)
    "workspace_commune_year": "get_assessment",
    "workspace_open_assessment": "open_assessment",
    "workspace_indicator": "get_assessment",
    "workspace_record_figures": "record_figures",
    "workspace_score_figures": "record_figures",
    "workspace_attach_evidence": "attach_evidence",
    "workspace_download_evidence": "download_evidence",
    "workspace_remove_evidence": "remove_evidence",
    "workspace_declarations": "get_assessment",
    "workspace_declare": "declare_conditions",
    "workspace_summary": "get_assessment",
    "workspace_submit_self_assessment": "submit_self_assessment",
    "workspace_reopen_form": "get_assessment",
    "workspace_reopen": "reopen_self_assessment",
    # the commune officer's posting, dossier and supplement (gateway/routes/workspace_posting.py)
    "workspace_posting": "start_posting",
    "workspace_posting_start": "start_posting",
    "workspace_posting_comment": "record_comment",
    "workspace_posting_answer": "answer_comment",
    "workspace_posting_end": "end_posting",
    "workspace_dossier": "submit_dossier",
    "workspace_dossier_submit": "submit_dossier",
    "workspace_dossier_form_02": "form_02",
    "workspace_supplement": "provide_supplement",
    "workspace_supplement_provide": "provide_supplement",
    # the review and recognition pages (gateway/routes/workspace_review.py)
    "workspace_review_dossier": "get_assessment",
    "workspace_review_check": "pass_check",
    "workspace_review_supplement": "request_supplement",
    "workspace_review_council": "appraise_indicator",
    "workspace_review_start": "start_appraisal",
    "workspace_review_opinion": "record_opinion",
    "workspace_review_appraise": "appraise_indicator",
    "workspace_review_complete": "complete_appraisal",
    "workspace_review_decision_form": "decide",
    "workspace_review_decide": "decide",
    # plans (gateway/routes/workspace_plans.py)
    "workspace_plans": "list_plans",
    "workspace_plans_overdue": "list_plans",
    "workspace_plan_import": "import_plan",
    "workspace_plan": "get_plan",
    "workspace_plan_review_form": "review_plan",
    "workspace_plan_review": "review_plan",
    "workspace_plan_edit_form": "edit_plan",
    "workspace_plan_edit": "edit_plan",
    "workspace_plan_task_form": "edit_plan",
    "workspace_plan_task_edit": "edit_plan",
    "workspace_plan_issue_form": "issue_plan",
    "workspace_plan_issue": "issue_plan",
    "workspace_plan_summary": "plan_summary",
    "workspace_progress_form": "report_progress",
    "workspace_progress": "report_progress",
    # surveys (gateway/routes/workspace_survey.py)
    "workspace_campaign_open": "open_campaign",
    "workspace_campaign": "get_campaign",
    "workspace_campaign_results": "get_campaign_results",
    "workspace_campaign_close_form": "close_campaign",
    "workspace_campaign_close": "close_campaign",
    "workspace_campaign_reopen_form": "reopen_campaign",
    "workspace_campaign_reopen": "reopen_campaign",
    "workspace_codes_form": "issue_codes",
    "workspace_codes": "issue_codes",
    "workspace_kiosk_register": "register_kiosk",
    "workspace_kiosk": "get_kiosk",
    "workspace_kiosk_revoke_form": "revoke_kiosk",
    "workspace_kiosk_revoke": "revoke_kiosk",
    # the auditor's pages (gateway/routes/workspace_audit.py)
    "workspace_audit_events": "audit_events",
    "workspace_audit_export": "audit_events",
    "workspace_audit_commune": "audit_events",
    "workspace_audit_correlation": "audit_correlation",
    "workspace_audit_correlation_export": "audit_correlation",
    "workspace_audit_chains": "audit_chains",
    # the administrator's pages (gateway/routes/workspace_admin.py)
    "workspace_reviewing_levels": "set_reviewing_level",
    "workspace_reviewing_level_set": "set_reviewing_level",
    "workspace_criteria_sets": "publish_criteria_set",
    "workspace_criteria_set_publish": "publish_criteria_set",
    "workspace_criteria_set_version": "get_criteria_set_version",
    "workspace_pauses": "list_pauses",
    "workspace_pause_record": "record_pause",
    "workspace_pause_lift": "lift_pause",
    "workspace_evaluation_reports": "list_evaluation_reports",
    "workspace_evaluation_report_record": "record_evaluation_report",
    "workspace_review_form_08": "form_08",
    "workspace_review_form_09": "form_09",
    "workspace_review_form_10": "form_10",
    "workspace_review_evidence": "download_evidence",
}
PERMISSIONS.update({page: PERMISSIONS[operation] for page, operation in PAGE_OPERATIONS.items()})


def rule_for(operation: str) -> Rule:
    """The operation's rule; LookupError when the table has none (the route cannot be defined)."""
    try:
        return PERMISSIONS[operation]
    except KeyError:
        raise LookupError(
            f"gateway/permissions.py has no rule for the operation {operation!r}: add one "
            "(roles, unit and jurisdiction) to PERMISSIONS") from None


# -- enforcement (gateway/http.py calls these) ---------------------------------------------------
def require_role(rule: Rule, principal: Principal) -> None:
    if rule.roles != AUTHENTICATED and principal.role not in rule.roles:
        raise Forbidden("role.not_allowed",
                        {"role": principal.role, "allowed_roles": list(rule.roles)},
                        {"roles": ", ".join(rule.roles)})


def authorise(rule: Rule, service, call, path_args: dict) -> Target | None:
    """The unit the request acts on, once the caller's jurisdiction over it is checked;
    None for an operation that names no unit. ``service`` is the gateway's worker: its
    ``backends`` find kiosks and plans, its ``reviewing_levels`` the reviewing level."""
    if rule.unit is None:
        return None
    target = rule.unit.resolve(service, call, path_args)
    rule.jurisdiction.check(call.principal, target,
                            lambda province, year: service.reviewing_levels.level(
                                service.backends, province, year))
    return target


# -- the table in docs/gateway.md ------------------------------------------------------------------
BEGIN = ("<!-- BEGIN permissions: generated from gateway/permissions.py by "
         "`python -m gateway.permissions --write`; do not edit by hand -->")
END = "<!-- END permissions -->"
DOC = Path(__file__).resolve().parents[1] / "docs" / "gateway.md"
_WERKZEUG_PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _routes() -> dict[str, tuple[str, str]]:
    """operation → (method, path) of every route of the gateway."""
    import inspect

    from gateway.service import GatewayService
    from gateway.web import JsonHttpRequestHandler

    found = {}
    for name, member in inspect.getmembers(GatewayService, inspect.isfunction):
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            if isinstance(entrypoint, JsonHttpRequestHandler):
                found[name] = (entrypoint.method, _WERKZEUG_PARAM.sub(r"{\1}", entrypoint.url))
    return found


def markdown() -> str:
    """The generated section of docs/gateway.md: the table, then its rules and units."""
    routes = _routes()
    lines = [BEGIN, "", "| operation | method and path | roles | jurisdiction | unit | why |",
             "|---|---|---|---|---|---|"]
    for operation, rule in PERMISSIONS.items():
        method, path = routes.get(operation, ("?", "?"))
        roles = ("—" if rule.roles is None else "any token" if rule.roles == AUTHENTICATED
                 else ", ".join(f"`{role}`" for role in rule.roles))
        unit = f"`{rule.unit.name}`" if rule.unit else "—"
        why = rule.reason.name + (f" (the page of `{PAGE_OPERATIONS[operation]}`)"
                                  if operation in PAGE_OPERATIONS else "")
        lines.append(f"| `{operation}` | `{method} {path}` | {roles} | "
                     f"`{rule.jurisdiction.name}` | {unit} | {why} |")
    lines += ["", "| jurisdiction | who passes |", "|---|---|"]
    lines += [f"| `{j.name}` | {j.summary} |" for j in JURISDICTIONS]
    lines += ["", "| unit | what the request acts on |", "|---|---|"]
    lines += [f"| `{u.name}` | {u.summary} |" for u in UNITS]
    lines += ["", "| why | the reason |", "|---|---|"]
    lines += [f"| {why.name} | {why.text} |" for why in WHYS]
    return "\n".join([*lines, "", END])


def document_with_table(text: str) -> str:
    """``text`` (docs/gateway.md) with its generated section replaced by ``markdown()``."""
    start, end = text.find(BEGIN.split(":")[0]), text.find(END)
    if start < 0 or end < start:
        raise ValueError("docs/gateway.md has no generated permissions section (BEGIN … END)")
    return text[:start] + markdown() + text[end + len(END):]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.permissions",
                                     description="The gateway's role × operation table.")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--write", nargs="?", const=str(DOC), metavar="FILE",
                        help="rewrite the generated section of FILE (default docs/gateway.md)")
    args = parser.parse_args(argv)
    if args.write:
        path = Path(args.write)
        path.write_text(document_with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"rewrote the permissions table in {path}")
    if args.markdown or not args.write:
        print(markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())

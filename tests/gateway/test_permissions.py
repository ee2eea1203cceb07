"""The role × operation × jurisdiction table (gateway/permissions.py) as data, without a broker:
complete, enforceable, documented, and its rules over real units."""

import inspect

import pytest

from gateway import permissions
from gateway.auth import NATIONWIDE_ROLES, ROLES, Principal
from gateway.http import endpoint
from gateway.permissions import PERMISSIONS, Target
from gateway.reviewing_levels import ReviewingLevelCache
from gateway.service import GatewayService
from gateway.web import JsonHttpRequestHandler
from kernel.errors import Forbidden, NotFound

LAI_CHAU, TAM_DUONG, MUONG_TE = "12", "106", "107"  # Lai Châu and two of its districts (2022)
BINH_LU = "03390"  # a commune of Tam Đường in 2022, of Lai Châu today (no district)


def routes():
    return {name: member for name, member in inspect.getmembers(GatewayService, inspect.isfunction)
            if any(isinstance(e, JsonHttpRequestHandler)
                   for e in getattr(member, "nameko_entrypoints", ()))}


def principal(role, province=None, district=None, commune=None, agency=None):
    return Principal(sub="someone", role=role, agency=agency,
                     jurisdiction={"province": province, "district": district, "commune": commune})


def test_every_route_has_exactly_its_rule_and_the_table_names_no_other():
    found = routes()
    assert set(found) == set(PERMISSIONS)
    for name, handler in found.items():
        assert handler.endpoint_spec.rule is PERMISSIONS[name]
        assert handler.endpoint_spec.roles == PERMISSIONS[name].roles


def test_a_route_the_table_does_not_name_cannot_be_defined():
    with pytest.raises(LookupError, match="no rule for the operation 'export_everything'"):
        @endpoint()
        def export_everything(self, call):
            return {}


def test_the_rules_are_enforceable():
    for name, rule in PERMISSIONS.items():
        assert rule.reason is not None, name
        if rule.roles not in (None, permissions.AUTHENTICATED):
            assert set(rule.roles) <= set(ROLES), name
        if rule.jurisdiction is permissions.REVIEWING_LEVEL:
            assert not set(rule.roles) & NATIONWIDE_ROLES, name
    with pytest.raises(ValueError, match="unit is needed"):
        permissions.Rule(("chairman",), permissions.COVERS_UNIT, reason=permissions.REVIEW_STEP)
    with pytest.raises(ValueError, match="nationwide"):
        permissions.Rule(("chairman",), permissions.NATIONWIDE, reason=permissions.AUDIT)


def test_the_table_names_the_issues_cases():
    # An independent reading of issue 14, not derived from the table.
    for step in ("pass_check", "request_supplement", "start_appraisal", "record_opinion",
                 "appraise_indicator", "complete_appraisal", "decide", "revoke"):
        assert PERMISSIONS[step].jurisdiction is permissions.REVIEWING_LEVEL, step
    for setup in ("register_kiosk", "revoke_kiosk", "issue_codes", "open_campaign",
                  "close_campaign", "reopen_campaign"):
        assert "commune_officer" not in PERMISSIONS[setup].roles, setup
        assert PERMISSIONS[setup].jurisdiction is permissions.JUSTICE_OFFICE, setup


def test_the_table_in_the_docs_is_the_table_in_the_code():
    text = permissions.DOC.read_text(encoding="utf-8")
    assert permissions.document_with_table(text) == text, (
        "docs/gateway.md is out of date: run python -m gateway.permissions --write")
    assert all(f"| `{name}` |" in text for name in PERMISSIONS)


# -- the rules over real units -------------------------------------------------------------------
def never_asked(province, year):
    raise AssertionError("the reviewing level was asked for a caller who cannot be the reviewer")


def levels(level):
    asked = []

    def level_of(province, year):
        asked.append((province, year))
        return level

    return level_of, asked


def test_where_a_commune_lay_decides_the_unit():
    assert permissions.unit_in_year(BINH_LU, 2022) == (LAI_CHAU, TAM_DUONG)
    assert permissions.unit_in_year(BINH_LU, 2026) == (LAI_CHAU, None)
    with pytest.raises(NotFound):
        permissions.unit_in_year("99999", 2022)


@pytest.mark.parametrize("level, reviewer, refused", [
    ("district", principal("chairman", LAI_CHAU, TAM_DUONG), principal("chairman", LAI_CHAU)),
    ("province", principal("chairman", LAI_CHAU), principal("chairman", LAI_CHAU, TAM_DUONG)),
])
def test_a_review_step_belongs_to_the_reviewing_level(level, reviewer, refused):
    target = Target(LAI_CHAU, TAM_DUONG, BINH_LU, 2022)
    level_of, asked = levels(level)
    permissions.REVIEWING_LEVEL.check(reviewer, target, level_of)
    with pytest.raises(Forbidden) as caught:
        permissions.REVIEWING_LEVEL.check(refused, target, level_of)
    assert caught.value.details["reviewing_level"] == level
    assert caught.value.details["rule"] == "reviewing_level"
    assert asked == [(LAI_CHAU, 2022)] * 2


@pytest.mark.parametrize("outsider", [
    principal("chairman", LAI_CHAU, MUONG_TE), principal("chairman", "38"),
    principal("chairman", LAI_CHAU, TAM_DUONG, BINH_LU), principal("chairman"),
    principal("administrator"),
])
def test_who_is_no_reviewer_at_any_level_is_refused_without_asking(outsider):
    with pytest.raises(Forbidden) as caught:
        permissions.REVIEWING_LEVEL.check(outsider, Target(LAI_CHAU, TAM_DUONG, BINH_LU, 2022),
                                          never_asked)
    assert "reviewing_level" not in caught.value.details


def test_a_district_reviewed_year_without_its_district_in_the_data_says_what_to_do():
    with pytest.raises(Forbidden, match="đặt cấp thẩm định năm đó là cấp tỉnh"):
        permissions.REVIEWING_LEVEL.check(principal("chairman", "01"),
                                          Target("01", None, "00004", 2022), levels("district")[0])


def test_the_justice_office_over_the_commune_sets_surveys_up_and_the_commune_does_not():
    in_2022 = Target(LAI_CHAU, TAM_DUONG, BINH_LU, 2022)
    today = Target(LAI_CHAU, None, BINH_LU, 2026)
    check = permissions.JUSTICE_OFFICE.check
    for allowed in (principal("administrator"), principal("justice_officer", LAI_CHAU)):
        check(allowed, in_2022, never_asked)
        check(allowed, today, never_asked)
    district_office = principal("justice_officer", LAI_CHAU, TAM_DUONG)
    check(district_office, in_2022, levels("district")[0])
    for refused, target, level_of in (
            (district_office, in_2022, levels("province")[0]),  # the province reviews that year
            (district_office, today, never_asked),  # no districts today
            (principal("commune_officer", LAI_CHAU, TAM_DUONG, BINH_LU), in_2022, never_asked),
            (principal("justice_officer", LAI_CHAU, TAM_DUONG, BINH_LU), in_2022, never_asked),
            (principal("justice_officer", "38"), in_2022, never_asked),
            (principal("justice_officer", LAI_CHAU, MUONG_TE), in_2022, never_asked)):
        with pytest.raises(Forbidden) as caught:
            check(refused, target, level_of)
        assert caught.value.details["rule"] == "justice_office"


def test_an_agency_reports_on_the_plans_of_its_own_province():
    plan = Target(LAI_CHAU, None)
    permissions.PLAN_REPORTER.check(principal("agency_officer", agency="12:so-tu-phap"), plan,
                                    never_asked)
    for refused in (principal("agency_officer", agency="38:bao-thanh-hoa"),
                    principal("agency_officer", LAI_CHAU), principal("justice_officer", "38")):
        with pytest.raises(Forbidden):
            permissions.PLAN_REPORTER.check(refused, plan, never_asked)


# -- the reviewing levels the checks read ----------------------------------------------------------
class Backends:
    def __init__(self, *answers):
        self.answers, self.calls = list(answers), []

    def call(self, service, method, *args):
        self.calls.append((service, method, *args))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def record(level, version=1, province=LAI_CHAU, year=2022):
    return {"province_code": province, "year": year, "level": level, "version": version,
            "source": "configured" if version else "default"}


def test_a_reviewing_level_is_kept_for_a_while_then_asked_again():
    now = [100.0]
    cache = ReviewingLevelCache(ttl=30, clock=lambda: now[0])
    backends = Backends(record("district"), record("province", 2))
    assert cache.level(backends, LAI_CHAU, 2022) == "district"
    now[0] += 29
    assert cache.level(backends, LAI_CHAU, 2022) == "district"
    assert len(backends.calls) == 1
    now[0] += 2
    assert cache.level(backends, LAI_CHAU, 2022) == "province"
    assert backends.calls == [("assessment", "get_reviewing_level", LAI_CHAU, 2022)] * 2


def test_a_level_set_here_applies_at_once_and_an_older_answer_cannot_replace_it():
    now = [100.0]
    cache = ReviewingLevelCache(ttl=30, clock=lambda: now[0])
    cache.remember(record("district", 1))
    cache.remember(record("province", 2))  # set through this gateway: applies at once
    assert cache.level(Backends(), LAI_CHAU, 2022) == "province"
    cache.remember(record("district", 1))  # a read that started before the change, late
    assert cache.level(Backends(), LAI_CHAU, 2022) == "province"
    now[0] += 31  # once expired, the service's answer is taken, whatever its version
    assert cache.level(Backends(record("district", 1)), LAI_CHAU, 2022) == "district"


def test_a_level_that_cannot_be_read_is_never_assumed():
    from gateway.errors import ServiceUnavailable

    cache = ReviewingLevelCache(ttl=30)
    down = ServiceUnavailable("The assessment service is not running; try again later.")
    with pytest.raises(ServiceUnavailable):
        cache.level(Backends(down), LAI_CHAU, 2022)
    assert cache.level(Backends(record("district")), LAI_CHAU, 2022) == "district"


@pytest.mark.parametrize("campaign_id, commune, year", [
    ("00004-2025", "00004", "2025"), ("00004-2025-q3", "00004", "2025"),
    ("00004-2025-mau04", "00004", "2025"), ("00004-2025-q3-mau04", "00004", "2025")])
def test_a_campaign_id_of_either_kind_names_its_commune_and_year(campaign_id, commune, year):
    """Satisfaction campaigns are <commune>-<period>, Form 04 ones <commune>-<period>-mau04."""
    assert permissions.CAMPAIGN_ID.match(campaign_id).groups() == (commune, year)


@pytest.mark.parametrize("campaign_id", ["00004", "0004-2025", "00004-2025-q3-x-mau04"])
def test_other_campaign_ids_name_nothing(campaign_id):
    assert permissions.CAMPAIGN_ID.match(campaign_id) is None

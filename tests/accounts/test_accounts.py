"""Given/When/Then: accounts are created, changed, disabled and enabled by administrators, and
by a province's justice department for its own communes and districts only; people change
their own password and personal tokens. No event holds a password or a token."""

import pytest

from kernel.errors import Conflict, Forbidden, IllegalTransition, NotFound, ValidationFailed
from services.accounts.accounts import (
    ACCOUNT_CHANGED,
    ACCOUNT_CREATED,
    ACCOUNT_DISABLED,
    MAX_TOKENS,
    TOKEN_REVOKED,
    Account,
    Actor,
    check_username,
)
from tests.accounts.support import (
    ADMIN,
    DONG_QUANG,
    DONG_SON,
    HA_NOI,
    THANH_HOA,
    given,
    officer,
)

USER = "congchuc.dongquang"
SELF = Actor(USER, "commune_officer", DONG_QUANG)


def test_given_nothing_when_an_administrator_creates_an_officer_then_it_is_recorded_whole():
    [event] = officer()
    assert event.type == ACCOUNT_CREATED
    assert event.data == {"username": USER, "display_name": "Nguyễn Thị Lan",
                          "role": "commune_officer", "jurisdiction": DONG_QUANG, "agency": None}
    account = given(USER, [event])
    assert account.principal() == {"sub": USER, "role": "commune_officer",
                                   "jurisdiction": DONG_QUANG, "name": "Nguyễn Thị Lan",
                                   "agency": None}
    assert account.to_dict()["state"] == "active"


def test_given_an_account_when_created_again_then_the_name_is_taken():
    with pytest.raises(Conflict) as refused:
        given(USER, officer()).create(ADMIN, "Ai đó", "commune_officer", DONG_QUANG, None)
    assert "đã được dùng" in refused.value.message


@pytest.mark.parametrize("username", ["ab", "Có Dấu", "-dau", "cuoi.", "x" * 65, "a b c", ""])
def test_usernames_are_plain_lowercase_names(username):
    with pytest.raises(ValidationFailed) as refused:
        check_username(username)
    assert "username" in refused.value.details


def test_usernames_are_compared_without_case_or_surrounding_spaces():
    assert check_username("  CongChuc.DongQuang ") == USER


@pytest.mark.parametrize("role, where, agency, field", [
    ("commune_officer", {"province": "38"}, None, "commune"),
    ("commune_officer", {"province": "38", "district": "405", "commune": "00004"}, None, "commune"),
    ("commune_officer", {"province": "99", "commune": "16426"}, None, "province"),
    ("justice_officer", {"province": "38", "district": "999"}, None, "district"),
    ("justice_officer", {"province": "38", "commune": "16426"}, None, "commune"),
    ("chairman", {}, None, "province"),
    ("administrator", {"province": "01"}, None, "jurisdiction"),
    ("agency_officer", {}, None, "agency"),
    ("agency_officer", {"province": "38"}, "38:so-tu-phap", "jurisdiction"),
    ("justice_officer", {"province": "38"}, "38:so-tu-phap", "agency"),
    ("mayor", {}, None, "role"),
])
def test_a_jurisdiction_is_checked_against_the_role_and_the_reference_units(role, where,
                                                                           agency, field):
    with pytest.raises(ValidationFailed) as refused:
        Account("nguoi.moi").create(ADMIN, "Người mới", role, where, agency)
    assert field in refused.value.details, refused.value.details
    assert all(isinstance(m, str) for messages in refused.value.details.values() for m in messages)


def test_current_and_legacy_units_are_both_accepted():
    current = Account("congchuc.badinh").create(ADMIN, "Cán bộ Ba Đình", "commune_officer",
                                                {"province": "01", "commune": "00004"}, None)
    assert current[0].data["jurisdiction"] == {"province": "01", "district": None,
                                               "commune": "00004"}
    legacy = Account("tuphap.dongson").create(ADMIN, "Phòng Tư pháp Đông Sơn",
                                              "justice_officer",
                                              {"province": "38", "district": "405"}, None)
    assert legacy[0].data["jurisdiction"]["district"] == "405"
    agency = Account("vanphong.ubnd").create(ADMIN, "Văn phòng", "agency_officer", None,
                                             "38:so-tu-phap")
    assert agency[0].data["agency"] == "38:so-tu-phap"


def test_given_a_province_department_when_it_creates_accounts_of_its_communes_then_it_may():
    assert officer(by=THANH_HOA)[0].data["role"] == "commune_officer"
    made = Account("tuphap.dongson").create(THANH_HOA, "Phòng Tư pháp", "justice_officer",
                                            {"province": "38", "district": "405"}, None)
    assert made[0].type == ACCOUNT_CREATED


@pytest.mark.parametrize("by, role, where", [
    (HA_NOI, "commune_officer", DONG_QUANG),  # another province's commune
    (THANH_HOA, "justice_officer", {"province": "38"}),  # its own level: more than below it
    (THANH_HOA, "administrator", {}),  # more than it holds
    (THANH_HOA, "auditor", {}),
    (DONG_SON, "commune_officer", DONG_QUANG),  # a district office administers nobody
    (Actor("congchuc", "commune_officer", DONG_QUANG), "commune_officer", DONG_QUANG),
])
def test_nobody_else_creates_accounts_and_a_department_never_grants_more_than_it_holds(
        by, role, where):
    with pytest.raises(Forbidden) as refused:
        Account("nguoi.moi").create(by, "Người mới", role, where, None)
    assert refused.value.details["rule"] == "account_admin"


def test_given_an_officer_when_a_department_moves_it_out_of_its_province_then_refused():
    account = given(USER, officer(by=THANH_HOA))
    with pytest.raises(Forbidden):
        account.change(THANH_HOA, {"jurisdiction": {"province": "01", "commune": "00004"}})
    with pytest.raises(Forbidden):  # nor raises it to the province's own level
        account.change(THANH_HOA, {"role": "justice_officer",
                                   "jurisdiction": {"province": "38"}})
    with pytest.raises(Forbidden):  # nor may another province's department touch it
        account.change(HA_NOI, {"display_name": "Tên khác"})


def test_given_an_officer_when_changed_then_the_event_says_what_was_and_what_is():
    account = given(USER, officer())
    [event] = account.change(ADMIN, {"role": "justice_officer",
                                     "jurisdiction": {"province": "38", "district": "405"}})
    assert event.type == ACCOUNT_CHANGED
    assert event.data["before"] == {"role": "commune_officer", "jurisdiction": DONG_QUANG}
    assert event.data["after"] == {"role": "justice_officer", "jurisdiction": {
        "province": "38", "district": "405", "commune": None}}
    changed = given(USER, officer(), [event])
    assert (changed.role, changed.jurisdiction["commune"], changed.version) == (
        "justice_officer", None, 2)
    assert changed.change(ADMIN, {"display_name": "Nguyễn Thị Lan"}) == []  # nothing changes


def test_nobody_changes_their_own_role():
    me = Actor("quantri", "administrator", {})
    account = given("quantri", Account("quantri").create(ADMIN, "Quản trị", "administrator",
                                                         {}, None))
    with pytest.raises(Forbidden):
        account.change(me, {"role": "auditor"})
    assert account.change(me, {"display_name": "Quản trị hệ thống"})[0].type == ACCOUNT_CHANGED


def test_given_an_account_with_tokens_when_disabled_then_its_tokens_are_revoked_with_it():
    created = officer()
    token = given(USER, created).create_token(SELF, "a1b2c3d4e5f60718", "Phần mềm", "2026-01-01")
    [disabled] = given(USER, created, token).disable(ADMIN, "Chuyển công tác")
    assert disabled.type == ACCOUNT_DISABLED
    assert disabled.data == {"username": USER, "reason": "Chuyển công tác",
                             "tokens_revoked": ["a1b2c3d4e5f60718"]}
    account = given(USER, created, token, [disabled])
    assert account.disabled and account.live_tokens() == []
    with pytest.raises(IllegalTransition):
        account.disable(ADMIN, "Lần nữa")
    with pytest.raises(Forbidden):  # a disabled account makes no token
        account.create_token(SELF, "0000000000000000", "Khác", None)
    enabled = given(USER, created, token, [disabled], account.enable(ADMIN))
    assert not enabled.disabled and enabled.live_tokens() == []  # revoked for good
    with pytest.raises(IllegalTransition):
        enabled.enable(ADMIN)


def test_a_disabling_needs_a_reason_and_nobody_disables_themselves():
    account = given(USER, officer())
    with pytest.raises(ValidationFailed) as refused:
        account.disable(ADMIN, "  ")
    assert "reason" in refused.value.details
    with pytest.raises(Forbidden):
        account.disable(SELF, "Tự khóa")


def test_tokens_and_passwords_are_the_persons_own():
    account = given(USER, officer())
    with pytest.raises(Forbidden):
        account.create_token(ADMIN, "0123456789abcdef", "Của người khác", None)
    with pytest.raises(Forbidden):
        account.change_password(ADMIN)
    [created] = account.create_token(SELF, "0123456789abcdef", " Phần mềm tổng hợp ", None)
    assert created.data["name"] == "Phần mềm tổng hợp"
    with_token = given(USER, officer(), [created])
    [revoked] = with_token.revoke_token(SELF, "0123456789abcdef")
    assert revoked.type == TOKEN_REVOKED
    with pytest.raises(IllegalTransition):
        given(USER, officer(), [created], [revoked]).revoke_token(SELF, "0123456789abcdef")
    with pytest.raises(NotFound):
        with_token.revoke_token(SELF, "ffffffffffffffff")


def test_an_account_holds_a_bounded_number_of_live_tokens():
    events = [officer()]
    for n in range(MAX_TOKENS):
        events.append(given(USER, *events).create_token(SELF, f"{n:016x}", f"Mã {n}", None))
    with pytest.raises(Conflict):
        given(USER, *events).create_token(SELF, "f" * 16, "Một mã nữa", None)


def test_no_event_of_an_account_holds_a_secret():
    events = [*officer(), *given(USER, officer()).set_password(ADMIN, "reset"),
              *given(USER, officer()).change_password(SELF)]
    for event in events:
        assert not {"password", "hash", "token", "secret"} & set(event.data), event

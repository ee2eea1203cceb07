"""The accounts use cases on a real store, SQLite and PostgreSQL, each write run as the
service runs it (one unit of work): sign-in, lock-out that survives a restart, sessions and
tokens refused at once when the account is disabled, expiry, password changes, and a log with
no secret in it."""

import json

import pytest

from contracts.accounts import TooManyAttempts
from gateway.accounts import split_token
from kernel.errors import Forbidden, Unauthorised, ValidationFailed
from kernel.idempotency import carry_out
from services.accounts.application import AccountsApp
from services.accounts.credentials import SessionRules, sha256
from services.accounts.passwords import Hasher
from services.accounts.signins import ACCOUNT, ADDRESS, Rule, Throttle
from tests.support.stores import open_store

ADMIN = {"actor": {"subject": "quantri", "role": "administrator", "jurisdiction": {}},
         "correlation_id": "c-admin"}
THANH_HOA = {"actor": {"subject": "sotuphap.thanhhoa", "role": "justice_officer",
                       "jurisdiction": {"province": "38"}}}
DONG_QUANG = {"province": "38", "district": "405", "commune": "16426"}
PASSWORD = "sông Mã chảy qua ba bản"
SESSION, OTHER_SESSION = sha256("phiên-1"), sha256("phiên-2")
# Cheap hashes where the test is not about them; the parameters' own test is test_passwords.
FAST = Hasher(time_cost=1, memory_cost=8192, parallelism=1)


class Clock:
    def __init__(self, now=1_750_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def store(database_url):
    store = open_store(database_url, source="accounts")
    yield store
    store.dispose()


@pytest.fixture
def clock():
    return Clock()


def make_app(store, clock, **kwargs):
    rules = {ACCOUNT: Rule(3, 900, 600), ADDRESS: Rule(6, 900, 600)}
    return AccountsApp(store, hasher=kwargs.pop("hasher", FAST), throttle=Throttle(rules),
                       session_rules=SessionRules(idle_seconds=600, max_seconds=3600),
                       now=clock, **kwargs)


@pytest.fixture
def app(store, clock):
    return make_app(store, clock)


def write(app, method, *args):
    """As @idempotent runs a write RPC: one unit of work."""
    return carry_out(app.store, None, lambda: getattr(app, method)(*args))


def create_officer(app, password=PASSWORD, context=ADMIN, username="congchuc.dongquang"):
    return write(app, "create_account", {
        "username": username, "display_name": "Nguyễn Thị Lan", "role": "commune_officer",
        "jurisdiction": DONG_QUANG, "password": password}, context)


def sign_in(app, password=PASSWORD, session=SESSION, address="10.0.0.1",
            username="congchuc.dongquang"):
    return write(app, "sign_in", username, password, session, address, "Chromium", {})


def test_an_officer_created_by_an_administrator_signs_in_and_is_known_by_the_session(app):
    made = create_officer(app, password=None)
    generated = made["password"]
    assert made["account"]["state"] == "active" and len(generated) == 19
    assert sign_in(app, PASSWORD)["outcome"] == "refused"
    signed = sign_in(app, generated)
    assert signed["outcome"] == "signed_in"
    assert signed["principal"] == {"sub": "congchuc.dongquang", "role": "commune_officer",
                                   "jurisdiction": DONG_QUANG, "name": "Nguyễn Thị Lan",
                                   "agency": None}
    known = app.authenticate_session(SESSION)
    assert known["principal"]["sub"] == "congchuc.dongquang"
    with pytest.raises(Unauthorised) as refused:
        app.authenticate_session(OTHER_SESSION)
    assert refused.value.details["reason"] == "unknown"
    assert app.get_account("congchuc.dongquang")["last_sign_in_at"] is not None
    assert write(app, "sign_out", SESSION, {})["signed_out"] is True
    with pytest.raises(Unauthorised) as refused:
        app.authenticate_session(SESSION)
    assert refused.value.details["reason"] == "ended"
    types = [e.type for e in app.store.read_stream("sign-ins-congchuc.dongquang")]
    assert types == ["SignInFailed", "SignedIn", "SignedOut"]


def test_wrong_names_and_passwords_get_one_answer_and_lock_out_for_good_measure(store, clock):
    app = make_app(store, clock)
    create_officer(app)
    assert sign_in(app, "sai mật khẩu rồi nhé")["outcome"] == "refused"
    assert sign_in(app, "sai mật khẩu rồi nhé", username="khong.co.ai")["outcome"] == "refused"
    assert sign_in(app, "sai mật khẩu lần hai")["outcome"] == "refused"
    third = sign_in(app, "sai mật khẩu lần ba")
    assert third["outcome"] == "locked" and third["retry_after_seconds"] == 600
    # locked: the right password too, and after a restart (a new app on the same database)
    restarted = make_app(store, clock)
    assert sign_in(restarted, PASSWORD)["outcome"] == "locked"
    # a name that is no account locks the same way: the answers do not tell them apart
    assert sign_in(restarted, "x" * 14, username="khong.co.ai")["outcome"] == "refused"
    assert sign_in(restarted, "x" * 14, username="khong.co.ai")["outcome"] == "locked"
    clock.now += 601
    assert sign_in(restarted, PASSWORD)["outcome"] == "signed_in"
    recorded = [(e.type, e.data.get("reason") or e.data.get("scope"), e.data["username"])
                for e in store.read_stream("sign-ins-congchuc.dongquang")]
    assert recorded == [("SignInFailed", "wrong_password", "congchuc.dongquang"),
                        ("SignInFailed", "wrong_password", "congchuc.dongquang"),
                        ("SignInFailed", "wrong_password", "congchuc.dongquang"),
                        ("SignInLockedOut", "account", "congchuc.dongquang"),
                        ("SignedIn", None, "congchuc.dongquang")]
    unknown = store.read_stream("sign-ins-unknown")
    assert {e.data["username"] for e in unknown} == {None}  # never the name as typed
    assert "khong.co.ai" not in json.dumps([e.data for e in unknown])


def test_an_address_guessing_at_many_names_is_locked_out(app):
    create_officer(app)
    for n in range(5):
        assert sign_in(app, "đoán bừa mật khẩu", username=f"ten.{n}")["outcome"] == "refused"
    assert sign_in(app, "đoán bừa mật khẩu", username="ten.6")["outcome"] == "locked"
    assert sign_in(app, PASSWORD)["outcome"] == "locked"  # from that address
    assert sign_in(app, PASSWORD, address="10.0.0.2")["outcome"] == "signed_in"


def test_a_disabled_account_loses_its_sessions_and_tokens_at_once(app):
    create_officer(app)
    sign_in(app)
    officer = {"actor": {"subject": "congchuc.dongquang", "role": "commune_officer",
                         "jurisdiction": DONG_QUANG}}
    made = write(app, "create_token", "congchuc.dongquang",
                 {"name": "Phần mềm tổng hợp", "expires_in_days": 30}, officer)
    token_id, secret_hash = split_token(made["token"])
    assert app.authenticate_token(token_id, secret_hash)["principal"]["role"] == "commune_officer"
    assert app.list_tokens("congchuc.dongquang")["tokens"][0]["last_used_at"] is not None

    write(app, "disable_account", "congchuc.dongquang", "Chuyển công tác", ADMIN)
    for check in (lambda: app.authenticate_session(SESSION),
                  lambda: app.authenticate_token(token_id, secret_hash)):
        with pytest.raises(Unauthorised) as refused:
            check()
        assert refused.value.details["reason"] in ("disabled", "revoked")
    assert sign_in(app, PASSWORD, session=OTHER_SESSION)["outcome"] == "disabled"
    write(app, "enable_account", "congchuc.dongquang", ADMIN)
    with pytest.raises(Unauthorised):  # its sessions and tokens ended for good
        app.authenticate_session(SESSION)
    with pytest.raises(Unauthorised):
        app.authenticate_token(token_id, secret_hash)
    assert sign_in(app, PASSWORD, session=OTHER_SESSION)["outcome"] == "signed_in"
    ended = [e.data for e in app.store.read_stream("sign-ins-congchuc.dongquang")
             if e.type == "SessionsEnded"]
    assert ended == [{"username": "congchuc.dongquang", "reason": "account_disabled",
                      "sessions": [SESSION[:16]]}]


def test_tokens_are_revoked_expire_and_are_checked_by_their_hash(app, clock):
    create_officer(app)
    officer = {"actor": {"subject": "congchuc.dongquang", "role": "commune_officer",
                         "jurisdiction": DONG_QUANG}}
    made = write(app, "create_token", "congchuc.dongquang",
                 {"name": "Bảng tính", "expires_in_days": 1}, officer)
    token_id, secret_hash = split_token(made["token"])
    with pytest.raises(Unauthorised):
        app.authenticate_token(token_id, sha256("đoán"))
    clock.now += 3 * 86400
    with pytest.raises(Unauthorised) as refused:
        app.authenticate_token(token_id, secret_hash)
    assert refused.value.details["reason"] == "expired"
    second = write(app, "create_token", "congchuc.dongquang", {"name": "Khác"}, officer)
    second_id, second_hash = split_token(second["token"])
    write(app, "revoke_token", "congchuc.dongquang", second_id, officer)
    with pytest.raises(Unauthorised) as refused:
        app.authenticate_token(second_id, second_hash)
    assert refused.value.details["reason"] == "revoked"
    states = {t["name"]: t["state"] for t in app.list_tokens("congchuc.dongquang")["tokens"]}
    assert states == {"Bảng tính": "expired", "Khác": "revoked"}


def test_sessions_expire_when_idle_and_after_their_longest_life(app, clock):
    create_officer(app)
    sign_in(app)
    clock.now += 590
    app.authenticate_session(SESSION)  # used: the idle time starts again
    clock.now += 590
    app.authenticate_session(SESSION)
    clock.now += 601
    with pytest.raises(Unauthorised) as refused:
        app.authenticate_session(SESSION)
    assert refused.value.details["reason"] == "expired"
    sign_in(app, session=OTHER_SESSION)
    for _ in range(7):
        clock.now += 550
        if clock.now - 1_750_000_000.0 - 1781 > 3600:
            break
        app.authenticate_session(OTHER_SESSION)
    with pytest.raises(Unauthorised):
        app.authenticate_session(OTHER_SESSION)


def test_changing_ones_password_ends_the_other_sessions(app):
    create_officer(app)
    sign_in(app)
    sign_in(app, session=OTHER_SESSION)
    officer = {"actor": {"subject": "congchuc.dongquang", "role": "commune_officer",
                         "jurisdiction": DONG_QUANG}, "client_address": "10.0.0.1"}
    with pytest.raises(ValidationFailed) as refused:
        write(app, "change_password", "congchuc.dongquang", "không phải nó đâu",
              "một mật khẩu mới thật dài", SESSION, officer)
    assert "current_password" in refused.value.details
    with pytest.raises(ValidationFailed) as refused:
        write(app, "change_password", "congchuc.dongquang", PASSWORD, "ngắn", SESSION, officer)
    assert "new_password" in refused.value.details
    done = write(app, "change_password", "congchuc.dongquang", PASSWORD,
                 "một mật khẩu mới thật dài", SESSION, officer)
    assert done["sessions_ended"] == 1
    app.authenticate_session(SESSION)
    with pytest.raises(Unauthorised):
        app.authenticate_session(OTHER_SESSION)
    assert sign_in(app, "một mật khẩu mới thật dài", session=sha256("3"))["outcome"] == "signed_in"
    failed = [e.data["reason"] for e in app.store.read_stream("sign-ins-congchuc.dongquang")
              if e.type == "SignInFailed"]
    assert failed == ["wrong_current_password"]  # recorded though the command was refused
    with pytest.raises(Forbidden):  # only the person changes their password
        write(app, "change_password", "congchuc.dongquang", "một mật khẩu mới thật dài",
              "lại một mật khẩu khác", None, ADMIN)


def test_repeated_wrong_current_passwords_lock_the_change_out(app):
    create_officer(app)
    officer = {"actor": {"subject": "congchuc.dongquang", "role": "commune_officer",
                         "jurisdiction": DONG_QUANG}}
    for _ in range(2):
        with pytest.raises(ValidationFailed):
            write(app, "change_password", "congchuc.dongquang", "sai rồi sai rồi",
                  "mật khẩu mới thật dài", None, officer)
    with pytest.raises(TooManyAttempts):
        write(app, "change_password", "congchuc.dongquang", "sai rồi sai rồi",
              "mật khẩu mới thật dài", None, officer)
    assert sign_in(app)["outcome"] == "locked"
    write(app, "reset_password", "congchuc.dongquang", "đặt lại bởi quản trị viên", ADMIN)
    assert sign_in(app, "đặt lại bởi quản trị viên")["outcome"] == "signed_in"


def test_a_department_lists_and_administers_its_own_communes_only(app):
    create_officer(app, context=THANH_HOA)
    write(app, "create_account", {"username": "congchuc.badinh", "display_name": "Trần Văn Bình",
                                  "role": "commune_officer",
                                  "jurisdiction": {"province": "01", "commune": "00004"}}, ADMIN)
    listed = app.list_accounts({}, THANH_HOA["actor"])
    assert [a["username"] for a in listed["accounts"]] == ["congchuc.dongquang"]
    everyone = app.list_accounts({"query": "Binh"}, ADMIN["actor"])  # without diacritics
    assert [a["username"] for a in everyone["accounts"]] == ["congchuc.badinh"]
    with pytest.raises(Forbidden):
        write(app, "disable_account", "congchuc.badinh", "Không phải của tỉnh", THANH_HOA)
    with pytest.raises(Forbidden):
        app.list_accounts({}, {"subject": "x", "role": "commune_officer",
                               "jurisdiction": DONG_QUANG})
    changed = write(app, "change_account", "congchuc.dongquang", {"display_name": "Nguyễn Lan"},
                    2, THANH_HOA)
    assert changed["display_name"] == "Nguyễn Lan"
    from kernel.errors import ConcurrencyError
    with pytest.raises(ConcurrencyError):
        write(app, "change_account", "congchuc.dongquang", {"display_name": "Cũ"}, 2, THANH_HOA)
    assert app.get_account("congchuc.dongquang")["display_name"] == "Nguyễn Lan"


def test_a_hash_made_with_weaker_parameters_is_made_again_at_sign_in(store, clock):
    create_officer(make_app(store, clock))
    stronger = make_app(store, clock, hasher=Hasher(time_cost=2, memory_cost=8192,
                                                    parallelism=1))
    assert sign_in(stronger)["outcome"] == "signed_in"
    with store.reader.connect() as conn:
        from services.accounts.credentials import password_hash
        assert password_hash(conn, "congchuc.dongquang").startswith("$argon2id$v=19$m=8192,t=2")


def test_the_log_holds_no_password_hash_or_token(app):
    made = create_officer(app, password=None)
    sign_in(app, made["password"])
    officer = {"actor": {"subject": "congchuc.dongquang", "role": "commune_officer",
                         "jurisdiction": DONG_QUANG}}
    token = write(app, "create_token", "congchuc.dongquang", {"name": "A"}, officer)["token"]
    write(app, "change_password", "congchuc.dongquang", made["password"],
          "một mật khẩu mới thật dài", None, officer)
    log = json.dumps([e.to_message() for e in app.store.read_all(0, 1000)], ensure_ascii=False)
    for secret in (made["password"], "một mật khẩu mới thật dài", token, token.split("_")[-1],
                   "$argon2", SESSION):
        assert secret not in log

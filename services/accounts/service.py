"""nameko entrypoints of the accounts service (docs/accounts.md).

Settings (nameko config): PASSWORD_MIN_LENGTH (12); PASSWORD_HASH_TIME_COST,
PASSWORD_HASH_MEMORY_KIB, PASSWORD_HASH_PARALLELISM (argon2-cffi's defaults: 3, 65536, 4);
SESSION_IDLE_SECONDS (1800), SESSION_MAX_SECONDS (43200); SIGN_IN_MAX_FAILURES (5, per
account name), SIGN_IN_ADDRESS_MAX_FAILURES (20, per client address), SIGN_IN_WINDOW_SECONDS
(900), SIGN_IN_LOCKOUT_SECONDS (900). Every RPC takes and returns JSON-able values.
"""

from __future__ import annotations

from eventlet import tpool
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.timer import timer

from contracts import accounts as _errors  # noqa: F401 (its refusals cross RPC intact)
from kernel.errors import KernelError
from kernel.idempotency import idempotent
from kernel.nameko import EventSourcedService, EventStoreProvider, FollowedProjection
from services.accounts import application, passwords, signins
from services.accounts.application import AccountsApp
from services.accounts.credentials import SessionRules
from services.accounts.projections import AccountsDirectory

expected = rpc(expected_exceptions=KernelError)
PRUNE_INTERVAL_SECONDS = 3600
KEEP_SESSIONS_DAYS = 30


class AccountsSettings(DependencyProvider):
    """The service's settings, and its tables outside the log (credentials, sign-in
    counters), created once per container."""

    def setup(self):
        config = self.container.config
        store = next(ext for ext in self.container.dependencies
                     if isinstance(ext, EventStoreProvider)).open()
        application.migrate(store.engine)
        self.hasher = passwords.Hasher.from_config(config)
        self.policy = passwords.Policy(int(config.get("PASSWORD_MIN_LENGTH")
                                           or passwords.MIN_LENGTH))
        self.throttle = signins.Throttle(signins.rules_from_config(config))
        self.sessions = SessionRules.from_config(config)

    def get_dependency(self, worker_ctx):
        return self


class AccountsService(EventSourcedService):
    name = "accounts"
    # No service subscribes to accounts: its events stay in its log, read by auditors.
    store = EventStoreProvider(published_types=())
    directory = FollowedProjection(AccountsDirectory())
    settings = AccountsSettings()

    @property
    def app(self) -> AccountsApp:
        s = self.settings
        return AccountsApp(self.store, self.directory.processor, s.hasher, s.policy, s.throttle,
                           s.sessions, run=tpool.execute)

    # -- administration ------------------------------------------------------------------------
    @expected
    @idempotent
    def create_account(self, account: dict, context: dict | None = None) -> dict:
        return self.app.create_account(account, context)

    @expected
    def get_account(self, username: str) -> dict:
        return self.app.get_account(username)

    @expected
    def list_accounts(self, filters: dict | None = None, actor: dict | None = None,
                      limit: int = 50, offset: int = 0) -> dict:
        return self.app.list_accounts(filters, actor, limit, offset)

    @expected
    def account_history(self, username: str, limit: int = 50) -> dict:
        return self.app.history(username, limit)

    @expected
    @idempotent
    def change_account(self, username: str, changes: dict, expected_version: int | None = None,
                       context: dict | None = None) -> dict:
        return self.app.change_account(username, changes, expected_version, context)

    @expected
    @idempotent
    def disable_account(self, username: str, reason: str, context: dict | None = None) -> dict:
        return self.app.disable_account(username, reason, context)

    @expected
    @idempotent
    def enable_account(self, username: str, context: dict | None = None) -> dict:
        return self.app.enable_account(username, context)

    @expected
    @idempotent
    def reset_password(self, username: str, password: str | None = None,
                       context: dict | None = None) -> dict:
        return self.app.reset_password(username, password, context)

    # -- one's own account ---------------------------------------------------------------------
    @expected
    @idempotent
    def change_password(self, username: str, current_password: str, new_password: str,
                        keep_session: str | None = None, context: dict | None = None) -> dict:
        return self.app.change_password(username, current_password, new_password, keep_session,
                                        context)

    @expected
    @idempotent
    def create_token(self, username: str, token: dict, context: dict | None = None) -> dict:
        return self.app.create_token(username, token, context)

    @expected
    @idempotent
    def revoke_token(self, username: str, token_id: str, context: dict | None = None) -> dict:
        return self.app.revoke_token(username, token_id, context)

    @expected
    def list_tokens(self, username: str) -> dict:
        return self.app.list_tokens(username)

    # -- signing in ----------------------------------------------------------------------------
    @expected
    @idempotent
    def sign_in(self, username: str, password: str, session_hash: str, client_address: str,
                user_agent: str = "", context: dict | None = None) -> dict:
        return self.app.sign_in(username, password, session_hash, client_address, user_agent,
                                context)

    @expected
    @idempotent
    def sign_out(self, session_hash: str, context: dict | None = None) -> dict:
        return self.app.sign_out(session_hash, context)

    @expected
    def authenticate_session(self, session_hash: str) -> dict:
        return self.app.authenticate_session(session_hash)

    @expected
    def authenticate_token(self, token_id: str, secret_hash: str) -> dict:
        return self.app.authenticate_token(token_id, secret_hash)

    @timer(interval=PRUNE_INTERVAL_SECONDS)
    def prune_sessions(self):
        self.app.prune_sessions(KEEP_SESSIONS_DAYS)

"""HTTP routes of accounts (tài khoản), over the accounts service's RPCs (docs/accounts.md).

Who may do what is gateway/permissions.py's table: administrators manage every account, a
province's justice department (a province-level justice_officer) the accounts of its own
districts and communes; the accounts service checks the same, and that nobody grants more
than they hold. Anyone signed in reads their own account and manages their own personal
tokens (``/api/v1/account``): a token made here is shown once, and works as
``Authorization: Bearer <token>`` until revoked, expired or its account disabled.
"""

from __future__ import annotations

from contracts import accounts as _accounts_errors  # noqa: F401 (they cross RPC intact)
from gateway.http import endpoint
from gateway.routes.accounts_schemas import (  # response schemas: named in the docstrings
    AccountChangeSchema,
    AccountCreatedSchema,
    AccountCreateSchema,
    AccountHistorySchema,
    AccountListQuerySchema,
    AccountListSchema,
    AccountSchema,
    DisableSchema,
    PasswordResetSchema,
    ResetPasswordSchema,
    TokenCreatedSchema,
    TokenCreateSchema,
    TokenListSchema,
    TokenPathSchema,
    TokenSchema,
    UsernamePathSchema,
)
from gateway.web import http
from kernel.errors import Forbidden

DOCUMENTED_RESPONSES = (AccountCreatedSchema, AccountHistorySchema, AccountListSchema,
                        AccountSchema, PasswordResetSchema, TokenCreatedSchema, TokenListSchema,
                        TokenSchema)
ACCOUNT_URL = "/api/v1/accounts/<username>"


def query_filters(query: dict) -> dict:
    return {"query": query["q"], "role": query["role"], "province": query["province"],
            "state": query["state"]}


class AccountsRoutes:
    OPENAPI_TAGS = (
        {"name": "Tài khoản", "description": "Tài khoản cán bộ: tạo, sửa, khóa, mở khóa, đặt lại "
                                             "mật khẩu; mã truy cập cá nhân cho phần mềm."},
    )

    # -- administration ------------------------------------------------------------------------
    @http("GET", "/api/v1/accounts")
    @endpoint(query=AccountListQuerySchema)
    def list_accounts(self, call):
        """Danh sách tài khoản

        Quản trị viên thấy mọi tài khoản; Sở Tư pháp thấy tài khoản các xã, huyện trong tỉnh.
        ---
        tags: [Tài khoản]
        responses:
          200:
            description: Một trang tài khoản.
            content:
              application/json:
                schema: AccountListSchema
          503: Error
        """
        query = call.query
        return self.backends.call("accounts", "list_accounts", query_filters(query),
                                  call.principal.to_actor().to_dict(), query["limit"],
                                  query["offset"])

    @http("POST", "/api/v1/accounts")
    @endpoint(body=AccountCreateSchema)
    def create_account(self, call):
        """Tạo một tài khoản

        Không gửi password thì hệ thống tạo mật khẩu và trả về một lần duy nhất (password).
        Mật khẩu: ít nhất 12 ký tự, không chứa tên đăng nhập hay họ tên, không phải mật khẩu
        phổ biến. Mọi thay đổi được ghi vào nhật ký sự kiện của dịch vụ accounts.
        ---
        tags: [Tài khoản]
        responses:
          201:
            description: Tài khoản đã tạo.
            content:
              application/json:
                schema: AccountCreatedSchema
          409: Error
          503: Error
        """
        body = dict(call.body)
        return 201, self.backends.call("accounts", "create_account", body, call.context())

    @http("GET", ACCOUNT_URL)
    @endpoint(path=UsernamePathSchema)
    def get_account(self, call, username):
        """Một tài khoản
        ---
        tags: [Tài khoản]
        responses:
          200:
            description: Tài khoản.
            content:
              application/json:
                schema: AccountSchema
          404: Error
          503: Error
        """
        return call.target.record

    @http("GET", ACCOUNT_URL + "/events")
    @endpoint(path=UsernamePathSchema)
    def account_history(self, call, username):
        """Nhật ký của một tài khoản

        Các sự kiện của tài khoản (tạo, sửa, khóa, mật khẩu, mã truy cập) và các lần đăng nhập,
        mới nhất trước.
        ---
        tags: [Tài khoản]
        responses:
          200:
            description: Các sự kiện.
            content:
              application/json:
                schema: AccountHistorySchema
          404: Error
          503: Error
        """
        return self.backends.call("accounts", "account_history", username)

    @http("PATCH", ACCOUNT_URL)
    @endpoint(path=UsernamePathSchema, body=AccountChangeSchema)
    def change_account(self, call, username):
        """Sửa họ tên, vai trò, phạm vi hoặc cơ quan của một tài khoản
        ---
        tags: [Tài khoản]
        responses:
          200:
            description: Tài khoản sau khi sửa.
            content:
              application/json:
                schema: AccountSchema
          404: Error
          409: Error
          503: Error
        """
        changes = {k: v for k, v in call.body.items() if k != "expected_version"}
        return self.backends.call("accounts", "change_account", username, changes,
                                  call.body["expected_version"], call.context())

    @http("POST", ACCOUNT_URL + "/disable")
    @endpoint(path=UsernamePathSchema, body=DisableSchema)
    def disable_account(self, call, username):
        """Khóa một tài khoản

        Có hiệu lực ngay: mọi phiên đăng nhập kết thúc và mọi mã truy cập cá nhân bị thu hồi.
        ---
        tags: [Tài khoản]
        responses:
          200:
            description: Tài khoản đã khóa.
            content:
              application/json:
                schema: AccountSchema
          404: Error
          409: Error
          503: Error
        """
        return self.backends.call("accounts", "disable_account", username, call.body["reason"],
                                  call.context())

    @http("POST", ACCOUNT_URL + "/enable")
    @endpoint(path=UsernamePathSchema)
    def enable_account(self, call, username):
        """Mở khóa một tài khoản

        Người dùng đăng nhập lại; các mã truy cập đã thu hồi khi khóa không dùng lại được.
        ---
        tags: [Tài khoản]
        responses:
          200:
            description: Tài khoản đang hoạt động.
            content:
              application/json:
                schema: AccountSchema
          404: Error
          409: Error
          503: Error
        """
        return self.backends.call("accounts", "enable_account", username, call.context())

    @http("POST", ACCOUNT_URL + "/password")
    @endpoint(path=UsernamePathSchema, body=ResetPasswordSchema)
    def reset_password(self, call, username):
        """Đặt lại mật khẩu của một tài khoản

        Cho người quên mật khẩu: mọi phiên đăng nhập của họ kết thúc và việc tạm khóa vì nhập
        sai được gỡ. Không gửi password thì hệ thống tạo và trả về một lần.
        ---
        tags: [Tài khoản]
        responses:
          200:
            description: Mật khẩu đã đặt lại.
            content:
              application/json:
                schema: PasswordResetSchema
          404: Error
          503: Error
        """
        return self.backends.call("accounts", "reset_password", username,
                                  call.body["password"], call.context())

    # -- one's own account ---------------------------------------------------------------------
    @http("GET", "/api/v1/account")
    @endpoint()
    def get_own_account(self, call):
        """Tài khoản của chính mình

        404 nếu người gọi không có tài khoản (mã JWT cấp bằng công cụ dòng lệnh).
        ---
        tags: [Tài khoản]
        responses:
          200:
            description: Tài khoản.
            content:
              application/json:
                schema: AccountSchema
          404: Error
          503: Error
        """
        return self.backends.call("accounts", "get_account", call.principal.sub)

    @http("GET", "/api/v1/account/tokens")
    @endpoint()
    def list_own_tokens(self, call):
        """Các mã truy cập cá nhân của mình
        ---
        tags: [Tài khoản]
        responses:
          200:
            description: Tên, thời điểm tạo, hết hạn, lần dùng gần nhất, trạng thái.
            content:
              application/json:
                schema: TokenListSchema
          403: Error
          404: Error
          503: Error
        """
        return self.backends.call("accounts", "list_tokens", call.principal.sub)

    @http("POST", "/api/v1/account/tokens")
    @endpoint(body=TokenCreateSchema)
    def create_own_token(self, call):
        """Tạo một mã truy cập cá nhân

        Mã chỉ hiển thị một lần (token); hệ thống chỉ giữ mã băm. Không tạo được mã mới bằng
        một mã truy cập cá nhân: hãy đăng nhập (trang tài khoản) hoặc dùng mã JWT.
        ---
        tags: [Tài khoản]
        responses:
          201:
            description: Mã mới.
            content:
              application/json:
                schema: TokenCreatedSchema
          403: Error
          404: Error
          409: Error
          503: Error
        """
        if call.principal.via == "personal_token":
            # A leaked token must not be able to mint tokens that outlive its revocation.
            raise Forbidden("personal_token.cannot_mint", {"via": "personal_token"})
        return 201, self.backends.call("accounts", "create_token", call.principal.sub,
                                       dict(call.body), call.context())

    @http("POST", "/api/v1/account/tokens/<token_id>/revoke")
    @endpoint(path=TokenPathSchema)
    def revoke_own_token(self, call, token_id):
        """Thu hồi một mã truy cập cá nhân

        Có hiệu lực ngay ở yêu cầu kế tiếp dùng mã đó.
        ---
        tags: [Tài khoản]
        responses:
          200:
            description: Mã đã thu hồi.
            content:
              application/json:
                schema: TokenSchema
          403: Error
          404: Error
          409: Error
          503: Error
        """
        return self.backends.call("accounts", "revoke_token", call.principal.sub, token_id,
                                  call.context())

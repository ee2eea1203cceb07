"""How the workspace names roles, units and account states in Vietnamese."""

from __future__ import annotations

from functools import lru_cache

from reference import units

ROLE_LABELS = {
    "commune_officer": "Công chức tư pháp cấp xã",
    "justice_officer": "Cán bộ tư pháp (Sở hoặc Phòng Tư pháp)",
    "council_secretary": "Thư ký Hội đồng đánh giá",
    "chairman": "Chủ tịch Ủy ban nhân dân",
    "agency_officer": "Cán bộ cơ quan chủ trì nhiệm vụ kế hoạch",
    "auditor": "Kiểm toán viên",
    "administrator": "Quản trị viên",
}
STATE_LABELS = {"active": "Đang hoạt động", "disabled": "Đã khóa"}
TOKEN_STATE_LABELS = {"active": "Đang dùng", "revoked": "Đã thu hồi", "expired": "Đã hết hạn"}
LEGACY_YEARS = range(2024, 2016, -1)  # newest first: the name a unit had last


@lru_cache(maxsize=256)
def province_name(code: str) -> str:
    found = units.province(code)
    return found.name if found else f"Tỉnh mã {code}"


@lru_cache(maxsize=1024)
def district_name(province: str, code: str) -> str:
    for year in LEGACY_YEARS:
        for district in units.legacy_districts(province, year):
            if district.code == code:
                return district.name
    return f"Huyện mã {code}"


@lru_cache(maxsize=4096)
def commune_name(code: str) -> str:
    current = units.commune(code)
    if current is not None:
        return current.name
    for year in LEGACY_YEARS:
        district = units.district_of_commune(code, year)
        if district is not None:
            for commune in units.legacy_communes(district, year):
                if commune.code == code:
                    return commune.name
    return f"Xã mã {code}"


def jurisdiction_label(jurisdiction: dict | None, agency: str | None = None,
                       role: str | None = None) -> str:
    """"Xã Đông Quang, Huyện Đông Sơn, Tỉnh Thanh Hóa"; "Toàn quốc" for nationwide roles."""
    found = jurisdiction or {}
    if role in ("administrator", "auditor"):
        return "Toàn quốc"
    if agency:
        return f"Cơ quan {agency} ({province_name(agency.partition(':')[0])})"
    parts = []
    if found.get("commune"):
        parts.append(commune_name(found["commune"]))
    if found.get("district") and found.get("province"):
        parts.append(district_name(found["province"], found["district"]))
    if found.get("province"):
        parts.append(province_name(found["province"]))
    return ", ".join(parts) or "Chưa có phạm vi"

EVENT_LABELS = {
    "AccountCreated": "Tạo tài khoản", "AccountChanged": "Sửa thông tin",
    "AccountDisabled": "Khóa tài khoản", "AccountEnabled": "Mở khóa tài khoản",
    "PasswordSet": "Đặt mật khẩu", "PasswordChanged": "Tự đổi mật khẩu",
    "PersonalTokenCreated": "Tạo mã truy cập", "PersonalTokenRevoked": "Thu hồi mã truy cập",
    "SignedIn": "Đăng nhập", "SignInFailed": "Đăng nhập không thành công",
    "SignInLockedOut": "Tạm khóa đăng nhập", "SignedOut": "Đăng xuất",
    "SessionsEnded": "Kết thúc các phiên đăng nhập",
}
_REASONS = {"wrong_password": "sai mật khẩu", "account_disabled": "tài khoản đang bị khóa",
            "wrong_current_password": "sai mật khẩu hiện tại khi đổi mật khẩu",
            "password_changed": "do đổi mật khẩu", "password_reset": "do đặt lại mật khẩu",
            "created": "khi tạo tài khoản", "reset": "đặt lại bởi người quản lý"}
_FIELDS = {"display_name": "họ tên", "role": "vai trò", "jurisdiction": "phạm vi",
           "agency": "cơ quan"}


def event_detail(event: dict) -> str:
    """One line saying what an account's event changed, for its history table."""
    data, kind = event.get("data") or {}, event.get("type")
    if kind == "AccountCreated":
        return f"{ROLE_LABELS.get(data.get('role'), data.get('role'))}; " + jurisdiction_label(
            data.get("jurisdiction"), data.get("agency"), data.get("role"))
    if kind == "AccountChanged":
        after = data.get("after") or {}
        parts = []
        for name, value in after.items():
            if name == "role":
                value = ROLE_LABELS.get(value, value)
            elif name == "jurisdiction":
                value = jurisdiction_label(value)
            parts.append(f"{_FIELDS.get(name, name)}: {value or '—'}")
        return "; ".join(parts)
    if kind == "AccountDisabled":
        return data.get("reason") or ""
    if kind in ("PasswordSet", "SignInFailed", "SessionsEnded"):
        reason = _REASONS.get(data.get("reason"), data.get("reason") or "")
        address = data.get("client_address")
        return f"{reason}" + (f" (từ {address})" if address else "")
    if kind in ("PersonalTokenCreated",):
        return f"“{data.get('name')}”, hết hạn {data.get('expires_on')}"
    if kind == "SignedIn":
        return f"từ {data.get('client_address')}"
    if kind == "SignInLockedOut":
        scope = "theo tài khoản" if data.get("scope") == "account" else "theo địa chỉ"
        return f"{scope}, đến {data.get('locked_until')}"
    return ""

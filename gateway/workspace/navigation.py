"""The workspace's links: the header's navigation and the home page's cards.

Each link names the page's operation in gateway/permissions.py; a person sees a link only if
that operation's roles include theirs (and, for a page over their own scope, its jurisdiction
rule passes), so a link never leads to a refusal. Engineers adding a role's pages add their
links with ``register`` where their routes are defined.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway import permissions
from gateway.auth import Principal
from kernel.errors import Forbidden


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    operation: str  # the page's operation: who may open it
    description: str = ""
    on_home: bool = True  # also a card on the home page


LINKS: list[Link] = []


def register(link: Link) -> Link:
    permissions.rule_for(link.operation)  # a link to a page the table does not know is a bug
    LINKS.append(link)
    return link


def may_open(principal: Principal, operation: str) -> bool:
    rule = permissions.rule_for(operation)
    if rule.roles is None:
        return True
    if rule.roles != permissions.AUTHENTICATED and principal.role not in rule.roles:
        return False
    if rule.unit is permissions.OWN_SCOPE:
        try:
            rule.jurisdiction.check(principal, permissions.Target(
                province=principal.jurisdiction.get("province")), None)
        except Forbidden:
            return False
    return True


def visible(principal: Principal | None) -> list[Link]:
    if principal is None:
        return []
    return [link for link in LINKS if may_open(principal, link.operation)]


register(Link("Trang chủ", "/can-bo/", "workspace_home", on_home=False))
register(Link("Tài khoản của tôi", "/can-bo/tai-khoan-cua-toi", "workspace_account",
              "Đổi mật khẩu; tạo và thu hồi mã truy cập cá nhân cho phần mềm."))
register(Link("Quản lý tài khoản", "/can-bo/quan-ly-tai-khoan", "workspace_accounts",
              "Tạo, sửa, khóa và mở khóa tài khoản cán bộ; đặt lại mật khẩu."))

"""Where an account acts, checked against the reference units, and who may administer whom.

A jurisdiction names a province, a district and a commune, each a code or None; its most
specific level is the one the gateway's rules read (gateway/auth.py ``covers``). Which levels
a role takes:

| role | jurisdiction |
|---|---|
| ``commune_officer`` | a commune and its province (its district too, for a commune of before July 2025) |
| ``justice_officer``, ``council_secretary``, ``chairman`` | a province, or a district of it (before July 2025) |
| ``agency_officer`` | none: its ``agency`` (``<province>:<slug>``) places it |
| ``administrator``, ``auditor`` | none: they cover every unit |

Units are checked against the ``reference`` package: a current unit, or one the legacy data
knows in an evaluation year up to 2024 (the demo's Đông Sơn district and its communes were
merged away in 2025, and their 2022 evaluation is still reviewed).
"""

from __future__ import annotations

import re
from functools import lru_cache

from kernel.errors import ValidationFailed
from kernel.roles import DELEGABLE_ROLES, LEVELS, NATIONWIDE_ROLES, ROLES
from reference import units

LEGACY_YEARS = range(2017, 2025)
COMMUNE_ROLES = frozenset({"commune_officer"})
OFFICE_ROLES = frozenset({"justice_officer", "council_secretary", "chairman"})
assert DELEGABLE_ROLES == COMMUNE_ROLES | OFFICE_ROLES  # a department gives these, below itself
AGENCY = re.compile(r"^(\d{2}):[a-z0-9][a-z0-9-]{0,60}$")
_CODE = {"province": re.compile(r"^\d{2}$"), "district": re.compile(r"^\d{3}$"),
         "commune": re.compile(r"^\d{5}$")}
EMPTY = {"province": None, "district": None, "commune": None}


def level_of(jurisdiction: dict | None) -> str | None:
    """The most specific level named: commune, district, province, or None."""
    found = jurisdiction or {}
    return next((level for level in ("commune", "district", "province") if found.get(level)),
                None)


@lru_cache(maxsize=256)
def province_known(code: str) -> bool:
    return units.province(code) is not None or any(
        units.legacy_districts(code, year) for year in LEGACY_YEARS)


@lru_cache(maxsize=1024)
def district_in(province: str, district: str) -> bool:
    return any(d.code == district for year in LEGACY_YEARS
               for d in units.legacy_districts(province, year))


@lru_cache(maxsize=4096)
def commune_in(province: str, district: str | None, commune: str) -> bool:
    current = units.commune(commune)
    if district is None and current is not None and current.province_code == province:
        return True
    for year in LEGACY_YEARS:
        found = units.district_of_commune(commune, year)
        if found is not None and (district is None or found == district) and district_in(
                province, found):
            return True
    return False


def checked(role: str, jurisdiction: dict | None, agency: str | None) -> tuple[dict, str | None]:
    """(jurisdiction with every level, agency) for an account of ``role``, or
    ValidationFailed naming each wrong field in Vietnamese."""
    if role not in ROLES:
        raise ValidationFailed("account.role_invalid", {"role": ["Chọn một vai trò trong danh sách."]})
    given = dict(EMPTY)
    problems: dict[str, list[str]] = {}
    if jurisdiction is not None and not isinstance(jurisdiction, dict):
        raise ValidationFailed("account.jurisdiction_invalid", {"jurisdiction": ["Phải là một đối tượng."]})
    for level, value in (jurisdiction or {}).items():
        if level not in LEVELS:
            problems.setdefault("jurisdiction", []).append(f"Không có cấp {level}.")
        elif value not in (None, ""):
            if not isinstance(value, str) or not _CODE[level].match(value):
                problems[level] = [{"province": "Mã tỉnh gồm 2 chữ số.",
                                    "district": "Mã huyện gồm 3 chữ số.",
                                    "commune": "Mã xã gồm 5 chữ số."}[level]]
            else:
                given[level] = value
    agency = agency or None
    if problems:
        raise ValidationFailed("account.jurisdiction_invalid", problems)
    province, district, commune = given["province"], given["district"], given["commune"]
    if role in NATIONWIDE_ROLES:
        if any(given.values()) or agency:
            problems["jurisdiction"] = ["Quản trị viên và kiểm toán viên làm việc trên toàn "
                                        "quốc: không chọn tỉnh, huyện, xã hay cơ quan."]
    elif role == "agency_officer":
        found = AGENCY.match(agency or "")
        if any(given.values()):
            problems["jurisdiction"] = ["Cán bộ cơ quan được xác định theo cơ quan: không chọn "
                                        "tỉnh, huyện, xã."]
        if found is None:
            problems["agency"] = ["Chọn cơ quan (mã dạng <mã tỉnh>:<tên>, ví dụ 38:so-tu-phap)."]
        elif not province_known(found.group(1)):
            problems["agency"] = [f"Không có tỉnh mã {found.group(1)}."]
    else:
        if agency:
            problems["agency"] = ["Chỉ cán bộ cơ quan (agency_officer) có cơ quan."]
        if province is None:
            problems["province"] = ["Chọn tỉnh, thành phố."]
        elif not province_known(province):
            problems["province"] = [f"Không có tỉnh, thành phố mã {province}."]
        elif district is not None and not district_in(province, district):
            problems["district"] = [f"Tỉnh mã {province} không có huyện mã {district} "
                                    "(trong dữ liệu đến năm 2024)."]
        if role in COMMUNE_ROLES:
            if commune is None:
                problems["commune"] = ["Công chức tư pháp cấp xã cần mã xã của mình."]
            elif not problems and not commune_in(province, district, commune):
                problems["commune"] = [f"Xã mã {commune} không thuộc "
                                       + (f"huyện mã {district}." if district
                                          else f"tỉnh mã {province}.")]
        elif commune is not None:
            problems["commune"] = ["Vai trò này làm việc ở cấp tỉnh hoặc huyện: không chọn xã."]
    if problems:
        raise ValidationFailed("account.jurisdiction_fields", problems)
    return given, agency


# -- who administers whom ------------------------------------------------------------------
def is_province_department(actor_role: str, actor_jurisdiction: dict | None) -> bool:
    """A province's justice department: a justice officer whose jurisdiction is a province."""
    return actor_role == "justice_officer" and level_of(actor_jurisdiction) == "province"


def administers(actor_role: str, actor_jurisdiction: dict | None, role: str,
                jurisdiction: dict | None) -> bool:
    """Whether the actor may create, change, disable or enable an account of ``role`` over
    ``jurisdiction``: administrators any; a province's justice department only the accounts
    of its own communes and districts, in roles below its own, so it never grants more than
    it holds."""
    if actor_role == "administrator":
        return True
    if not is_province_department(actor_role, actor_jurisdiction):
        return False
    own = (actor_jurisdiction or {}).get("province")
    return (role in DELEGABLE_ROLES and (jurisdiction or {}).get("province") == own
            and level_of(jurisdiction) in ("district", "commune"))

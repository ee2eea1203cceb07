"""Issue bearer tokens from the command line.

    python -m gateway.tokens issue --role administrator --sub admin@demo [--province 01]
        [--district X] [--commune 00004] [--name "..."] [--ttl-hours 12] [--secret ...]
    python -m gateway.tokens demo [--ttl-hours 12] [--secret ...]

The secret defaults to $TCPL_JWT_SECRET. A missing, published or short secret is refused
(exit status 2) unless $TCPL_DEVELOPMENT=1 declares a development run, where the development
secret stands in for a missing one (gateway/jwt_secret.py).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta

from gateway.auth import ROLES, issue_token, normalise_jurisdiction
from gateway.jwt_secret import (
    DEVELOPMENT_ENV,
    SECRET_ENV,
    SecretRefused,
    is_development,
    signing_secret,
)

# Hà Nội (province 01) and its Phường Ba Đình (00004): real codes of the units in force
# since 1 July 2025, as the reference package ships them. Đông Sơn district (405) of Thanh
# Hóa (38) reviewed its communes' 2022 evaluations (the demo year, scripts/demo_cycle.py):
# the review steps belong to the reviewing level, so that year needs district officials.
DEMO_PROVINCE, DEMO_COMMUNE = "01", "00004"
DEMO_DISTRICT = {"province": "38", "district": "405"}
DEMO_USERS = (
    {"sub": "admin@demo", "role": "administrator", "name": "Quản trị hệ thống",
     "jurisdiction": {}},
    {"sub": "auditor@demo", "role": "auditor", "name": "Kiểm toán viên", "jurisdiction": {}},
    {"sub": "tuphap.hanoi@demo", "role": "justice_officer", "name": "Công chức Sở Tư pháp Hà Nội",
     "jurisdiction": {"province": DEMO_PROVINCE}},
    {"sub": "chutich.hanoi@demo", "role": "chairman", "name": "Chủ tịch UBND thành phố Hà Nội",
     "jurisdiction": {"province": DEMO_PROVINCE}},
    {"sub": "congchuc.badinh@demo", "role": "commune_officer",
     "name": "Công chức tư pháp - hộ tịch phường Ba Đình",
     "jurisdiction": {"province": DEMO_PROVINCE, "commune": DEMO_COMMUNE}},
    {"sub": "tuphap.dongson@demo", "role": "justice_officer", "name": "Phòng Tư pháp huyện Đông Sơn",
     "jurisdiction": DEMO_DISTRICT},
    {"sub": "thuky.dongson@demo", "role": "council_secretary",
     "name": "Thư ký Hội đồng đánh giá huyện Đông Sơn", "jurisdiction": DEMO_DISTRICT},
    {"sub": "chutich.dongson@demo", "role": "chairman", "name": "Chủ tịch UBND huyện Đông Sơn",
     "jurisdiction": DEMO_DISTRICT},
)


def default_secret(secret: str | None = None) -> str:
    """``secret``, else $TCPL_JWT_SECRET, as long as it may sign tokens (SecretRefused if not;
    see gateway/jwt_secret.py)."""
    return signing_secret(secret or os.environ.get(SECRET_ENV),
                          is_development(os.environ.get(DEVELOPMENT_ENV)))


def demo_tokens(secret: str | None = None, ttl: timedelta = timedelta(hours=12)) -> list[dict]:
    """One {"sub", "role", "jurisdiction", "token"} per demo user."""
    secret = default_secret(secret)
    return [
        {"sub": user["sub"], "role": user["role"],
         "jurisdiction": normalise_jurisdiction(user["jurisdiction"]),
         "token": issue_token(secret, user["sub"], user["role"], user["jurisdiction"],
                              user["name"], ttl)}
        for user in DEMO_USERS
    ]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    ttl = timedelta(hours=args.ttl_hours)
    try:
        secret = default_secret(args.secret)
    except SecretRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.command == "issue":
        jurisdiction = {"province": args.province, "district": args.district,
                        "commune": args.commune}
        try:
            print(issue_token(secret, args.sub, args.role, jurisdiction, args.name, ttl,
                              agency=args.agency))
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    for line in demo_tokens(secret, ttl):
        print(json.dumps(line, ensure_ascii=False))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gateway.tokens",
                                     description="Issue TCPL bearer tokens (HS256 JWTs).")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--secret", help=f"signing secret, 32 bytes or more (default: "
                                         f"${SECRET_ENV})")
    common.add_argument("--ttl-hours", type=float, default=12.0, help="lifetime (default 12)")
    commands = parser.add_subparsers(dest="command", required=True)
    issue = commands.add_parser("issue", parents=[common], help="print one token")
    issue.add_argument("--role", required=True, choices=ROLES)
    issue.add_argument("--sub", required=True, help="the user's identifier")
    issue.add_argument("--name", help="display name (default: the sub)")
    issue.add_argument("--province", help="province code, e.g. 01")
    issue.add_argument("--district", help="district code (units before July 2025)")
    issue.add_argument("--commune", help="commune code, e.g. 00004")
    issue.add_argument("--agency", help="an agency_officer's agency, e.g. 12:so-tu-phap "
                                        "(ids in services/plans/data/agencies.json)")
    commands.add_parser("demo", parents=[common],
                        help="print one token per demo user, as JSON lines")
    return parser


if __name__ == "__main__":
    sys.exit(main())

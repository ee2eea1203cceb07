"""Demo accounts for `make run`: one per role over the demo data (Đông Sơn, Thanh Hóa, whose
2022 evaluation its district reviewed), made through the accounts API as any administrator
would, with passwords written to ``var/demo-accounts.jsonl`` (mode 0600).

Idempotent: an account that exists keeps its password (the one the file holds) and is
enabled again if someone disabled it; only an account whose password the file lost gets a
new one, by an administrator's reset. The calls are signed with a short-lived administrator
JWT made from ``TCPL_JWT_SECRET`` (the same secret `make run` gives the gateway), named
``tcpl-demo`` in the accounts log."""

import argparse
import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import requests

from gateway.auth import issue_token
from kernel import broker_access

PROVINCE, DISTRICT = "38", "405"  # Thanh Hóa, Đông Sơn (until 2025)
DONG_SON = {"province": PROVINCE, "district": DISTRICT}
# The communes whose 2022 evaluation the demo data carries (scripts/demo_cycle.py).
COMMUNES = {"16426": ("dongquang", "Đông Quang"), "16420": ("dongphu", "Đông Phú"),
            "16417": ("dongvan", "Đông Văn")}
# The current communes of the 2026 demo year (scripts/demo_cycle.py, ENDS_2026), and Hàm Rồng,
# whose 2026 year nobody has opened: the one a newcomer takes from an empty year to a decision.
CURRENT_COMMUNES = {"16378": ("phuongdongson", "phường Đông Sơn"),
                    "15853": ("dongtien", "phường Đông Tiến"),
                    "14797": ("hacthanh", "phường Hạc Thành"),
                    "16531": ("samson", "phường Sầm Sơn"),
                    "16033": ("dongthanh", "xã Đông Thành"),
                    "14758": ("hamrong", "phường Hàm Rồng")}
ACCOUNTS = [
    *({"username": f"congchuc.{slug}", "display_name": f"Công chức tư pháp xã {name}",
       "role": "commune_officer", "jurisdiction": {**DONG_SON, "commune": code}}
      for code, (slug, name) in COMMUNES.items()),
    {"username": "tuphap.dongson", "display_name": "Phòng Tư pháp huyện Đông Sơn",
     "role": "justice_officer", "jurisdiction": DONG_SON},
    {"username": "thuky.dongson", "display_name": "Thư ký Hội đồng đánh giá huyện Đông Sơn",
     "role": "council_secretary", "jurisdiction": DONG_SON},
    {"username": "chutich.dongson", "display_name": "Chủ tịch UBND huyện Đông Sơn",
     "role": "chairman", "jurisdiction": DONG_SON},
    {"username": "sotuphap.thanhhoa", "display_name": "Sở Tư pháp tỉnh Thanh Hóa",
     "role": "justice_officer", "jurisdiction": {"province": PROVINCE}},
    # 2026 (27/2025): the province reviews, its council appraises, its chairman decides.
    {"username": "thuky.thanhhoa", "display_name": "Thư ký Hội đồng đánh giá tỉnh Thanh Hóa",
     "role": "council_secretary", "jurisdiction": {"province": PROVINCE}},
    {"username": "chutich.thanhhoa", "display_name": "Chủ tịch UBND tỉnh Thanh Hóa",
     "role": "chairman", "jurisdiction": {"province": PROVINCE}},
    *({"username": f"congchuc.{slug}", "display_name": f"Công chức tư pháp {name}",
       "role": "commune_officer", "jurisdiction": {"province": PROVINCE, "commune": code}}
      for code, (slug, name) in CURRENT_COMMUNES.items()),
    {"username": "coquan.thanhhoa", "display_name": "Văn phòng UBND tỉnh Thanh Hóa",
     "role": "agency_officer", "jurisdiction": {}, "agency": f"{PROVINCE}:van-phong-ubnd-tinh"},
    {"username": "kiemtoan", "display_name": "Kiểm toán viên", "role": "auditor",
     "jurisdiction": {}},
    {"username": "quantri", "display_name": "Quản trị hệ thống", "role": "administrator",
     "jurisdiction": {}},
]


def _saved(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    return {entry["username"]: entry for entry in map(json.loads, path.read_text(
        encoding="utf-8").splitlines()) if entry.get("password")}


def ensure(session: requests.Session, url: str, account: dict, saved: dict | None) -> dict:
    """The account as the file should list it: made, enabled, with a password we know."""
    base = f"{url}/api/v1/accounts"
    found = session.get(f"{base}/{account['username']}", timeout=30)
    if found.status_code == 404:
        made = session.post(base, json=account, timeout=60)
        made.raise_for_status()
        return {**account, "password": made.json()["password"]}
    found.raise_for_status()
    if found.json()["state"] == "disabled":
        session.post(f"{base}/{account['username']}/enable", timeout=30).raise_for_status()
    if saved is None:
        reset = session.post(f"{base}/{account['username']}/password", json={}, timeout=60)
        reset.raise_for_status()
        return {**account, "password": reset.json()["password"]}
    return {**account, "password": saved["password"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default="var/demo-accounts.jsonl", type=Path)
    args = parser.parse_args(argv)
    secret = os.environ.get("TCPL_JWT_SECRET")
    if not secret:
        print("demo accounts: TCPL_JWT_SECRET is not set (make run sets it)", file=sys.stderr)
        return 2
    session = requests.Session()
    session.headers["Authorization"] = "Bearer " + issue_token(
        secret, "tcpl-demo", "administrator", name="Dữ liệu mẫu", ttl=timedelta(minutes=10))
    saved = _saved(args.out)
    try:
        listed = [ensure(session, args.url.rstrip("/"), account, saved.get(account["username"]))
                  for account in ACCOUNTS]
    except requests.RequestException as exc:
        body = getattr(getattr(exc, "response", None), "text", "")
        print(f"demo accounts: {exc} {body}", file=sys.stderr)
        return 1
    lines = [json.dumps({"username": a["username"], "password": a["password"], "role": a["role"],
                         "jurisdiction": a["jurisdiction"], "agency": a.get("agency"),
                         "display_name": a["display_name"]}, ensure_ascii=False) + "\n"
             for a in listed]
    broker_access.write_file(args.out, "".join(lines))  # mode 0600 from its creation on
    print(f"  {len(listed)} demo accounts in {args.out}; sign in at {args.url.rstrip('/')}/can-bo/")
    return 0


if __name__ == "__main__":
    sys.exit(main())

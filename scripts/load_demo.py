"""Demo data for `make run`, loaded through the gateway like any client would: demo users'
tokens, the reviewing level of a few provinces, the 2025 evaluation paused nationwide, and the
demo evaluation years (2022 in Đông
Sơn district, 2026 in five current communes of Thanh Hóa: see scripts/demo_cycle.py).

It loads once: what the platform already holds is read and skipped (a reviewing level already
configured, an assessment already where its story leaves it), so `make run` over existing
data writes nothing and an interrupted load carries on where it stopped."""

import argparse
import json
import sys

import requests

from gateway.tokens import demo_tokens
from scripts import demo_cycle

# Bình Dương's 2017 and Thanh Hóa's 2022 evaluations were district-reviewed; since 2025 the
# province reviews (Thanh Hóa's 2026 is set explicitly, as its demo year). Lai Châu is
# configured for 2021 as an example of a change.
REVIEWING_LEVELS = [("74", 2017, "district"), ("38", 2022, "district"), ("12", 2021, "district"),
                    ("01", 2025, "province"), ("79", 2025, "province"), ("38", 2026, "province")]


# 2025 was not evaluated: provinces announced the pause while the two-tier local government and
# Decision 27/2025/QĐ-TTg came in (RULES.md). No single national text is on file, so the basis
# says what is known rather than quoting a document number.
PAUSED_YEAR = 2025
PAUSE_BASIS = ("thông báo tạm dừng đánh giá năm 2025 của các tỉnh, thành phố khi chuyển sang "
               "chính quyền địa phương hai cấp; năm 2026 là năm đánh giá đầu tiên theo Quyết định "
               "27/2025/QĐ-TTg và Thông tư 15/2025/TT-BTP")


def record_paused_year(url: str, token: str) -> int:
    """Record 2025 as paused for the whole country unless it is already; the number of writes."""
    headers = {"Authorization": f"Bearer {token}"}
    listed = requests.get(f"{url}/api/v1/evaluation-pauses", params={"year": PAUSED_YEAR},
                          headers=headers, timeout=30)
    listed.raise_for_status()
    if any(p["province_code"] is None for p in listed.json()["pauses"]):
        print(f"  {PAUSED_YEAR}: tạm dừng đánh giá toàn quốc (already recorded)")
        return 0
    response = requests.post(f"{url}/api/v1/evaluation-pauses/{PAUSED_YEAR}", headers=headers,
                             json={"legal_basis": PAUSE_BASIS}, timeout=30)
    if response.status_code != 201:
        raise RuntimeError(f"POST evaluation-pauses -> {response.status_code} {response.text}")
    print(f"  {PAUSED_YEAR}: tạm dừng đánh giá toàn quốc (recorded)")
    return 1


def set_reviewing_levels(url: str, token: str) -> int:
    """Configure the levels not configured yet; the number of writes."""
    headers, writes = {"Authorization": f"Bearer {token}"}, 0
    for province, year, level in REVIEWING_LEVELS:
        path = f"{url}/api/v1/provinces/{province}/reviewing-levels/{year}"
        current = requests.get(path, headers=headers, timeout=30)
        current.raise_for_status()
        if current.json()["source"] == "configured":  # set before: by this loader or by hand
            print(f"  reviewing level {province}/{year}: {current.json()['level']} (already set)")
            continue
        response = requests.put(path, json={"level": level}, headers=headers, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(f"PUT {path} -> {response.status_code} {response.text}")
        writes += 1
        print(f"  reviewing level {province}/{year}: {response.json()['level']}")
    return writes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--tokens", default="var/demo-tokens.jsonl")
    args = parser.parse_args(argv)

    users = demo_tokens()  # tokens expire: fresh ones on every run
    with open(args.tokens, "w", encoding="utf-8") as out:
        for user in users:
            out.write(json.dumps(user, ensure_ascii=False) + "\n")
    admin = next(u for u in users if u["role"] == "administrator")
    writes = set_reviewing_levels(args.url, admin["token"])
    writes += record_paused_year(args.url, admin["token"])
    for story, view, steps in demo_cycle.run(args.url):
        done = f"{steps} bước vừa ghi" if steps else "đã có, không ghi thêm"
        print(f"  {story.year} {story.name} ({story.commune}): {view['status_vi']} ({done})")
        writes += steps
    print(f"  {len(users)} demo users' tokens written to {args.tokens}")
    print(f"  demo data: {writes} writes" + ("" if writes else " (everything was already loaded)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Demo data for `make run`, loaded through the gateway like any client would: demo users'
tokens, the reviewing level of a few provinces, and the demo evaluation years (2022 in Đông
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
    for story, view, steps in demo_cycle.run(args.url):
        done = f"{steps} bước vừa ghi" if steps else "đã có, không ghi thêm"
        print(f"  {story.year} {story.name} ({story.commune}): {view['status_vi']} ({done})")
        writes += steps
    print(f"  {len(users)} demo users' tokens written to {args.tokens}")
    print(f"  demo data: {writes} writes" + ("" if writes else " (everything was already loaded)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())

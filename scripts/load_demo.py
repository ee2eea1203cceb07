"""Demo data for `make run`, loaded through the gateway like any client would: demo users'
tokens, the reviewing level of a few provinces, and a whole 2022 evaluation year of three
communes of Đông Sơn district (see scripts/demo_cycle.py)."""

import argparse
import json
import sys

import requests

from gateway.tokens import demo_tokens
from scripts import demo_cycle

# Bình Dương's 2017 and Thanh Hóa's 2022 evaluations were district-reviewed; since 2025 the
# province reviews. Lai Châu is configured explicitly for 2021 as an example of a change.
REVIEWING_LEVELS = [("74", 2017, "district"), ("38", 2022, "district"), ("12", 2021, "district"),
                    ("01", 2025, "province"), ("79", 2025, "province")]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--tokens", default="var/demo-tokens.jsonl")
    args = parser.parse_args(argv)

    users = demo_tokens()
    with open(args.tokens, "w", encoding="utf-8") as out:
        for user in users:
            out.write(json.dumps(user, ensure_ascii=False) + "\n")
    admin = next(u for u in users if u["role"] == "administrator")
    headers = {"Authorization": f"Bearer {admin['token']}"}
    for province, year, level in REVIEWING_LEVELS:
        url = f"{args.url}/api/v1/provinces/{province}/reviewing-levels/{year}"
        response = requests.put(url, json={"level": level}, headers=headers, timeout=30)
        if response.status_code != 200:
            print(f"demo data: PUT {url} -> {response.status_code} {response.text}", file=sys.stderr)
            return 1
        print(f"  reviewing level {province}/{year}: {response.json()['level']}")
    for result in demo_cycle.run(args.url):
        verdict = "đạt chuẩn" if result["recognition"]["recognised"] else "chưa đạt chuẩn"
        print(f"  2022 assessment of commune {result['commune_code']}: {verdict}")
    print(f"  {len(users)} demo users' tokens written to {args.tokens}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

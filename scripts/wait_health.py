"""Waits until the gateway's /health reports every service up; prints the report if not."""

import argparse
import json
import sys
import time

import requests


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--timeout", type=float, default=90)
    args = parser.parse_args(argv)
    deadline, last = time.monotonic() + args.timeout, "no answer"
    while time.monotonic() < deadline:
        try:
            response = requests.get(f"{args.url}/health", timeout=5)
            if response.status_code == 200:
                return 0
            last = json.dumps(response.json(), ensure_ascii=False, indent=2)
        except (requests.RequestException, ValueError) as exc:
            last = str(exc)
        time.sleep(0.5)
    print(f"The platform did not report healthy within {args.timeout:.0f}s:\n{last}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

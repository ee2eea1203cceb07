"""Board readers in a process of their own, so that their work does not share the gateway's
CPU in the test process: ``python -m tests.gateway.board_load URL SECONDS THINK PATH...``
runs one thread per path (a path may repeat), each asking for its page, waiting THINK
seconds and asking again until SECONDS have passed, and prints one JSON line per response:
``[path, status, seconds, headers, has_notice, is_unavailable_page]`` (status 0: the request
failed without an answer)."""

import json
import sys
import threading
import time

import requests

NOTICE = "Dữ liệu có thể chưa được cập nhật"
UNAVAILABLE = "Hệ thống tạm thời chưa trả lời"
HEADERS = ("X-Cache", "X-Stale-Since", "Retry-After", "ETag", "Content-Type")


def main(url: str, seconds: float, think: float, paths: list[str]) -> None:
    until = time.monotonic() + seconds
    results, lock = [], threading.Lock()

    def reader(path):
        with requests.Session() as session:
            while time.monotonic() < until:
                started = time.monotonic()
                try:
                    response = session.get(url + path, timeout=60)
                except requests.RequestException as exc:  # status 0: no answer at all
                    with lock:
                        results.append([path, 0, time.monotonic() - started, {"error": str(exc)},
                                        False, False])
                    continue
                elapsed = time.monotonic() - started
                text = response.text if response.headers.get("Content-Type", "").startswith(
                    "text/html") else ""
                with lock:
                    results.append([path, response.status_code, elapsed,
                                    {h: response.headers.get(h) for h in HEADERS},
                                    NOTICE in text, UNAVAILABLE in text])
                time.sleep(think)

    threads = [threading.Thread(target=reader, args=(path,)) for path in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:])

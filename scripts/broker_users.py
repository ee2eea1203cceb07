"""`make run`'s broker users (kernel/broker_access.py): a password per process, made once and
kept in ``<var>/broker-passwords.json``; the definitions for the broker; and each process's
AMQP URI in ``<var>/amqp-uris`` (``<process> <uri>`` lines). Every file is mode 0600.
scripts/run.sh imports the definitions with rabbitmqctl and starts each process with its URI;
``guest`` is left to the developer's own tools."""

import argparse
import json
import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kernel import broker_access


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--var", type=Path, required=True)
    parser.add_argument("--amqp-uri", default="amqp://guest:guest@127.0.0.1:5672/",
                        help="the broker and vhost (its user is not used)")
    parser.add_argument("--user-prefix", default=broker_access.DEFAULT_USER_PREFIX)
    args = parser.parse_args(argv)
    saved = args.var / "broker-passwords.json"
    passwords = json.loads(saved.read_text(encoding="utf-8")) if saved.exists() else {}
    # A var dir made before a process existed (the accounts service) gets its password now.
    missing = {process: password for process, password in broker_access.new_passwords().items()
               if process not in passwords}
    if missing:
        passwords.update(missing)
        broker_access.write_file(saved, json.dumps(passwords, indent=2))
    path = urlsplit(args.amqp_uri).path
    vhost = unquote(path[1:]) if path not in ("", "/") else "/"
    broker_access.write_file(args.var / "broker-definitions.json", json.dumps(
        broker_access.definitions(passwords, vhost, args.user_prefix), indent=2))
    broker_access.write_file(args.var / "amqp-uris", "".join(
        f"{process} {broker_access.uri_for(args.amqp_uri, process, passwords[process], args.user_prefix)}\n"
        for process in broker_access.PROCESSES))
    print(f"  broker users {', '.join(broker_access.user_name(p, args.user_prefix) for p in passwords)}"
          f" in vhost {vhost!r}; passwords in {os.path.relpath(saved)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

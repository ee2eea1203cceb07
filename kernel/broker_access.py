"""Who may do what on the broker: one RabbitMQ user per process, allowed its own names only.

Anyone who could publish to RabbitMQ could once publish an event under any service's name
(every process shared ``guest``). Now each service has a user (``tcpl-assessment``, …,
``tcpl-gateway``) whose permissions are regular expressions over names, and whose *topic*
permissions are regular expressions over routing keys on the topic exchanges:

- ``tcpl.events``: a service publishes only ``<service>.*`` (its own events); it may bind
  its queues to anyone's, which is how it subscribes.
- ``tcpl.queues``: the moves between a subscription's queues (retries, dead letters,
  replays) are addressed by queue name, which starts with the owning service's name; a
  service reaches its own queues only. The default exchange, which reaches every queue, is
  allowed to nobody.
- ``nameko-rpc``: a service may answer calls (replies go to a random reply queue's UUID),
  call the log-reading RPCs of other services (what ``RpcSource`` does), and bind its own
  RPC queue only, so it can neither call another service's commands nor listen to calls
  meant for another; the gateway may call every service and bind nothing but its replies.
- ``tcpl.events`` and ``tcpl.queues`` are declared by the broker's set-up (the definitions
  below): no service may declare or delete them, because an exchange recreated as another
  type would route without topic checks. ``nameko-rpc`` cannot be spared that right (nameko
  declares it on every connection): a stolen credential could delete it and recreate it as
  a fanout. That stops every call at once (the bindings go with the exchange, and nameko
  cannot bind to a retyped one), and the calls published meanwhile could be read, but no
  call reaches a service and no answer reaches a caller: a denial of service, not a
  forgery.

``definitions()`` writes all of it as a RabbitMQ definitions document: ``make run`` imports
it with ``rabbitmqctl import_definitions``, and the compose file's broker loads it when it
boots (docs/deployment.md). Passwords never appear in it, only salted SHA-256 hashes.

    python -m kernel.broker_access definitions --out FILE [--vhost /] [--user-prefix tcpl-]
        passwords from TCPL_BROKER_PASSWORD_<PROCESS> (and TCPL_BROKER_ADMIN_PASSWORD for an
        administrator user, optional), or --passwords FILE (JSON, process -> password)
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from kernel.messaging import EVENTS_EXCHANGE, QUEUES_EXCHANGE, SHARED_EXCHANGES, UNROUTED_EXCHANGE

SERVICES = ("assessment", "plans", "publication", "survey", "accounts")
GATEWAY = "gateway"
PROCESSES = (*SERVICES, GATEWAY)
DEFAULT_USER_PREFIX = "tcpl-"
RPC_EXCHANGE = "nameko-rpc"
# What a service may call on another: reads of its log (RpcSource) and of its signed heads
# and their proofs (the publication service's copies and bundles), never its commands.
LOG_RPCS = ("events_after", "stream_events", "event_hashes", "signed_heads_after",
            "inclusion_proofs")
# A nameko reply queue's routing key: str(uuid4()).
_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


@dataclass(frozen=True)
class Access:
    """One user's permissions in a vhost: regexes over resource names, and per topic
    exchange (write, read) regexes over routing keys (read: binding keys)."""

    configure: str
    write: str
    read: str
    topics: dict[str, tuple[str, str]]


def access_for(process: str) -> Access:
    if process == GATEWAY:
        own = r"rpc\.reply-gateway-.*"
        names = rf"^({own}|{re.escape(RPC_EXCHANGE)})$"
        callable_services = "|".join(SERVICES)
        return Access(configure=names, write=names, read=names, topics={
            RPC_EXCHANGE: (rf"^({callable_services})\.[a-z_]+$", rf"^{_UUID}$")})
    if process not in SERVICES:
        raise ValueError(f"unknown process {process!r}; one of {', '.join(PROCESSES)}")
    service = re.escape(process)
    # Its subscriptions' queues (<service>.<projection>[.retry|.dlq]), its RPC queue and
    # the reply queues of its calls (RpcSource names them after the caller).
    own = rf"{service}\..*|rpc-{service}|rpc\.reply-{service}-.*"
    shared = "|".join(re.escape(name) for name in (
        EVENTS_EXCHANGE, QUEUES_EXCHANGE, UNROUTED_EXCHANGE, RPC_EXCHANGE))
    return Access(
        # tcpl.unrouted: the bounded queue (and its fanout exchange) every process declares.
        configure=rf"^({own}|{re.escape(UNROUTED_EXCHANGE)}|{re.escape(RPC_EXCHANGE)})$",
        write=rf"^({own}|{shared})$",
        read=rf"^({own}|{shared})$",
        topics={
            EVENTS_EXCHANGE: (rf"^{service}\.", ".*"),
            QUEUES_EXCHANGE: (rf"^{service}\.", rf"^{service}\."),
            RPC_EXCHANGE: (rf"^({_UUID}|[a-z_]+\.({'|'.join(LOG_RPCS)}))$",
                           rf"^({_UUID}|{service}\.\*)$"),
        })


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + SHA-256(salt + password))."""
    salt = os.urandom(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def user_name(process: str, prefix: str = DEFAULT_USER_PREFIX) -> str:
    return f"{prefix}{process}"


def definitions(passwords: dict[str, str], vhost: str = "/",
                prefix: str = DEFAULT_USER_PREFIX, admin_password: str | None = None) -> dict:
    """A RabbitMQ definitions document: a user per process of ``passwords`` (all of
    PROCESSES), their permissions in ``vhost``, the shared exchanges, and an administrator
    (``<prefix>admin``, for operators and the management UI) if ``admin_password``."""
    missing = sorted(set(PROCESSES) - set(passwords))
    if missing:
        raise ValueError(f"no password for {', '.join(missing)}")
    users, permissions, topic_permissions = [], [], []
    for process in PROCESSES:
        name, access = user_name(process, prefix), access_for(process)
        users.append(_user(name, passwords[process], []))
        permissions.append({"user": name, "vhost": vhost, "configure": access.configure,
                            "write": access.write, "read": access.read})
        topic_permissions += [{"user": name, "vhost": vhost, "exchange": exchange,
                               "write": write, "read": read}
                              for exchange, (write, read) in access.topics.items()]
    if admin_password:
        admin = user_name("admin", prefix)
        users.append(_user(admin, admin_password, ["administrator"]))
        permissions.append({"user": admin, "vhost": vhost, "configure": ".*", "write": ".*",
                            "read": ".*"})
    exchanges = [_exchange(vhost, UNROUTED_EXCHANGE, "fanout", {}),
                 *(_exchange(vhost, name, kind, arguments)
                   for name, kind, arguments in SHARED_EXCHANGES),
                 _exchange(vhost, RPC_EXCHANGE, "topic", {})]
    return {"users": users, "vhosts": [{"name": vhost}], "permissions": permissions,
            "topic_permissions": topic_permissions, "exchanges": exchanges,
            "queues": [], "bindings": [], "parameters": [], "policies": []}


def _user(name: str, password: str, tags: list[str]) -> dict:
    return {"name": name, "password_hash": password_hash(password),
            "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": tags}


def _exchange(vhost: str, name: str, kind: str, arguments: dict) -> dict:
    return {"name": name, "vhost": vhost, "type": kind, "durable": True, "auto_delete": False,
            "internal": False, "arguments": arguments}


def uri_for(base_uri: str, process: str, password: str, prefix: str = DEFAULT_USER_PREFIX) -> str:
    """``base_uri`` (host, port, vhost) with ``process``'s user and password."""
    parts = urlsplit(base_uri)
    host = parts.hostname or "localhost"
    netloc = (f"{quote(user_name(process, prefix), safe='')}:{quote(password, safe='')}"
              f"@{host}{f':{parts.port}' if parts.port else ''}")
    return urlunsplit((parts.scheme or "amqp", netloc, parts.path or "/", "", ""))


def new_passwords() -> dict[str, str]:
    return {process: secrets.token_urlsafe(24) for process in PROCESSES}


def write_file(path: Path, text: str, mode: int = 0o600) -> None:
    """Write ``text`` to a file that has ``mode`` from its creation on (by default only its
    owner may read it: it holds passwords or their hashes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    os.chmod(path, mode)  # os.open's mode does not change an existing file's
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)


def _passwords_from_environment() -> dict[str, str]:
    found = {process: os.environ.get(f"TCPL_BROKER_PASSWORD_{process.upper()}")
             for process in PROCESSES}
    missing = [f"TCPL_BROKER_PASSWORD_{p.upper()}" for p, value in found.items() if not value]
    if missing:
        raise SystemExit(f"set {', '.join(missing)}")
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kernel.broker_access", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    write = commands.add_parser("definitions", help="write the broker's definitions document")
    write.add_argument("--out", required=True, type=Path)
    write.add_argument("--vhost", default="/")
    write.add_argument("--user-prefix", default=DEFAULT_USER_PREFIX)
    write.add_argument("--passwords", type=Path,
                       help="JSON file of process -> password (default: the environment)")
    write.add_argument("--mode", default="600",
                       help="octal file mode (the broker's own user must be able to read it)")
    args = parser.parse_args(argv)
    passwords = (json.loads(args.passwords.read_text(encoding="utf-8")) if args.passwords
                 else _passwords_from_environment())
    document = definitions(passwords, args.vhost, args.user_prefix,
                           os.environ.get("TCPL_BROKER_ADMIN_PASSWORD") or None)
    write_file(args.out, json.dumps(document, indent=2), int(args.mode, 8))
    print(f"broker definitions for {', '.join(user_name(p, args.user_prefix) for p in PROCESSES)}"
          f" in vhost {args.vhost!r} written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

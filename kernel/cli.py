"""`tcpl`: operator commands over a store, the broker, or signing keys.

  tcpl verify-chain --db URL --keys KEYRING [--heads FILE]
                                       check a store's hash chain against every signed head
                                       (its own, and copies from FILE); exit 1 and name every
                                       broken place
  tcpl keys generate --dir DIR SERVICE...
                                       make the services' signing keys (kept if present)
  tcpl keys show KEYRING               the keys of a keyring and their fingerprints
  tcpl dead-letters QUEUE [--limit N]  list a queue's dead letters (they stay in place)
  tcpl replay-dead-letters QUEUE       send them back to their queue
  tcpl rebuild SERVICE PROJECTION [--page N] [--config FILE]
                                       forget a read model and rebuild it from its sources'
                                       logs, N events per transaction (5,000), with a
                                       progress bar and an ETA on stderr

KEYRING is a directory of <service>.pub files or a keyring JSON file (kernel/signing.py):
the public keys you trust, from a source other than the service you check. FILE holds
signed heads as JSON: a list, or an object with "signed_heads" (a verification bundle),
"rows" (the board's /ket-qua/chu-ky.json) or "heads".
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from kernel.signing import Keyring, SignedHead, generate_keys
from kernel.store import EventStore
from kernel.subscriber import dead_letters, replay_dead_letters


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tcpl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify-chain", help="check a store's hash chain")
    verify.add_argument("--db", required=True, help="the store's database URL")
    verify.add_argument("--source", help="the service name (default: the one its signed heads name)")
    verify.add_argument("--keys", help="the keyring of pinned public keys (without it no "
                                       "signature can be checked, so no signed head is used)")
    verify.add_argument("--heads", help="a JSON file of signed heads held elsewhere")
    keys = commands.add_parser("keys", help="signing keys")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    make = key_commands.add_parser("generate", help="make signing keys that do not exist yet")
    make.add_argument("--dir", required=True, help="where <service>.key and <service>.pub go")
    make.add_argument("services", nargs="+")
    show = key_commands.add_parser("show", help="list a keyring's keys")
    show.add_argument("keyring")
    letters = commands.add_parser("dead-letters", help="list a queue's dead letters")
    letters.add_argument("queue")
    letters.add_argument("--limit", type=int, default=100)
    replay = commands.add_parser("replay-dead-letters", help="send dead letters back to their queue")
    replay.add_argument("queue")
    replay.add_argument("--limit", type=int, default=1000)
    rebuild = commands.add_parser("rebuild", help="rebuild a read model from its logs")
    rebuild.add_argument("service", help="the service that keeps the read model")
    rebuild.add_argument("projection", help="the projection's name (e.g. assessment_rollup)")
    rebuild.add_argument("--page", type=int, default=None,
                         help="events per transaction (default 5,000)")
    rebuild.add_argument("--config", default=os.environ.get("TCPL_CONFIG", "config/nameko.yaml"),
                         help="the services' config, whose DATABASES (or <SERVICE>_DB_URL in "
                              "the environment) name each store")
    args = parser.parse_args(argv)

    if args.command == "verify-chain":
        return verify_chain(args)
    if args.command == "keys":
        if args.keys_command == "generate":
            for path in generate_keys(args.dir, args.services):
                print(f"wrote {path}")
            return 0
        for entry in Keyring.load(args.keyring).entries():
            print(f"{entry['source']}\t{entry['key_id']}\t{entry['fingerprint']}")
        return 0
    if args.command == "rebuild":
        return rebuild_projection(args)
    if args.command == "dead-letters":
        for letter in dead_letters(args.amqp_uri, args.queue, args.limit):
            print(json.dumps(letter, ensure_ascii=False))
        return 0
    print(f"replayed {replay_dead_letters(args.amqp_uri, args.queue, args.limit)} messages")
    return 0


def verify_chain(args) -> int:
    store = EventStore(args.db, args.source or "store")
    try:
        if args.source is None:
            newest = store.latest_signed_heads(1)
            store.source = newest[0].source if newest else "store"
        keyring = Keyring.load(args.keys) if args.keys else None
        if keyring is None:
            print("warning: no --keys: signatures cannot be checked, so the chain is checked "
                  "against itself only (an edit with every later hash recomputed passes)",
                  file=sys.stderr)
        copies = [h for h in _heads_in(args.heads) if h.source == store.source] if args.heads else []
        report = store.verify_chain(keyring, copies).to_dict()
    finally:
        store.dispose()
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0 if report["ok"] else 1


def rebuild_projection(args) -> int:
    # Here, not above: the services' modules (nameko, eventlet) load for this command only.
    from kernel.errors import NotFound
    from kernel.nameko import database_url
    from kernel.rebuild import ProgressBar, Rebuild, load_config

    config = load_config(args.config)
    try:
        job = Rebuild(args.service, args.projection, lambda name: database_url(config, name),
                      **({"page": args.page} if args.page else {}))
    except NotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        bar = ProgressBar(job.heads())
        applied = job.run(bar)
        bar.finish(applied)
    finally:
        job.dispose()
    return 0


def _heads_in(path: str) -> list[SignedHead]:
    with open(path, encoding="utf-8") as handle:
        body = json.load(handle)
    if isinstance(body, dict):
        body = body.get("signed_heads") or body.get("rows") or body.get("heads") or []
    return [SignedHead.from_dict(item) for item in body]


if __name__ == "__main__":
    sys.exit(main())

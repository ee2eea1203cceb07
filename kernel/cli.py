"""`tcpl`: operator commands over a store or the broker.

  tcpl verify-chain --db URL           check a store's hash chain; exit 1 and name the first broken link
  tcpl dead-letters QUEUE [--limit N]  list a queue's dead letters (they stay in place)
  tcpl replay-dead-letters QUEUE       send them back to their queue
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from kernel.store import EventStore
from kernel.subscriber import dead_letters, replay_dead_letters


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tcpl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--amqp-uri", default=os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/"))
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify-chain", help="check a store's hash chain")
    verify.add_argument("--db", required=True, help="the store's database URL")
    verify.add_argument("--source", default="store", help="the service name, for the report")
    letters = commands.add_parser("dead-letters", help="list a queue's dead letters")
    letters.add_argument("queue")
    letters.add_argument("--limit", type=int, default=100)
    replay = commands.add_parser("replay-dead-letters", help="send dead letters back to their queue")
    replay.add_argument("queue")
    replay.add_argument("--limit", type=int, default=1000)
    args = parser.parse_args(argv)

    if args.command == "verify-chain":
        store = EventStore(args.db, args.source)
        report = store.verify_chain().to_dict()
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0 if report["ok"] else 1
    if args.command == "dead-letters":
        for letter in dead_letters(args.amqp_uri, args.queue, args.limit):
            print(json.dumps(letter, ensure_ascii=False))
        return 0
    print(f"replayed {replay_dead_letters(args.amqp_uri, args.queue, args.limit)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())

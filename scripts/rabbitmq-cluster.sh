#!/usr/bin/env bash
# A three-node RabbitMQ cluster of this machine, on free ports, with its data, logs and Erlang
# cookie under DIR (tests/support/rabbitmq_cluster.py); the broker on 5672 is never touched.
#   scripts/rabbitmq-cluster.sh start DIR   # prints each node's AMQP URI once all three run
#   scripts/rabbitmq-cluster.sh stop DIR
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
if [ $# -ne 2 ] || { [ "$1" != start ] && [ "$1" != stop ]; }; then
  echo "usage: $0 start|stop DIR" >&2
  exit 2
fi
exec "$VENV/bin/python" -m tests.support.rabbitmq_cluster "$1" "$2"

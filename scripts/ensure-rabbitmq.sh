#!/usr/bin/env bash
# Makes sure a RabbitMQ answers on 127.0.0.1:5672: installs Debian's package and starts it
# when nothing does, then waits until the broker is really up (not merely pinging).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if port_open 127.0.0.1 5672; then
  exit 0
fi
if ! command -v rabbitmq-server >/dev/null; then
  say "Installing RabbitMQ from Debian's packages"
  apt_install rabbitmq-server
fi
say "Starting RabbitMQ"
as_root rabbitmq-server -detached
for _ in $(seq 1 300); do
  if as_root rabbitmq-diagnostics -q check_running >/dev/null 2>&1 && port_open 127.0.0.1 5672; then
    exit 0
  fi
  sleep 0.2
done
echo "RabbitMQ did not start within 60 s" >&2
exit 1

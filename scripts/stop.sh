#!/usr/bin/env bash
# `make stop`: stops what `make run` started.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
for pidfile in "${TCPL_VAR_DIR:-$ROOT/var}"/run/*.pid; do
  [ -e "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    echo "stopped $(basename "$pidfile" .pid)"
  fi
  rm -f "$pidfile"
done

#!/usr/bin/env bash
# `make stop`: stops what `make run` started. Every process is asked at once (SIGTERM) and
# given five seconds between them to finish what it is doing; whatever is left is killed.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
declare -A stopping=()
for pidfile in "${TCPL_VAR_DIR:-$ROOT/var}"/run/*.pid; do
  [ -e "$pidfile" ] || continue
  pid="$(cat "$pidfile")"
  if kill "$pid" 2>/dev/null; then
    stopping[$pid]="$(basename "$pidfile" .pid)"
  fi
  rm -f "$pidfile"
done
for _ in $(seq 1 50); do
  for pid in "${!stopping[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "stopped ${stopping[$pid]}"
      unset "stopping[$pid]"
    fi
  done
  [ "${#stopping[@]}" -eq 0 ] && break
  sleep 0.1
done
for pid in "${!stopping[@]}"; do
  kill -9 "$pid" 2>/dev/null || true
  echo "stopped ${stopping[$pid]} (killed)"
done

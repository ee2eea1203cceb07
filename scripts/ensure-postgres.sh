#!/usr/bin/env bash
# Makes sure a local PostgreSQL runs for the tests and prints the admin URL they should use:
# TCP as "postgres" where trust auth allows it (CI), else the Unix socket as a superuser
# role named after the OS user (a fresh Debian install, where TCP needs a password).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if ! port_open 127.0.0.1 5432; then
  if ! command -v pg_ctlcluster >/dev/null; then
    echo "==> Installing PostgreSQL from Debian's packages" >&2
    apt_install postgresql
  fi
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  echo "==> Starting PostgreSQL $version" >&2
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 2>/dev/null \
    || as_root pg_ctlcluster "$version" main start >&2
  for _ in $(seq 1 100); do port_open 127.0.0.1 5432 && break; sleep 0.1; done
fi
if psql "postgresql://postgres@127.0.0.1:5432/postgres" -tAc "select 1" >/dev/null 2>&1; then
  echo "postgresql://postgres@127.0.0.1:5432/postgres"
  exit 0
fi
me="$(id -un)"
if ! psql "postgresql:///postgres?host=/var/run/postgresql" -tAc "select 1" >/dev/null 2>&1; then
  as_root su postgres -c "createuser --superuser '$me'" >&2 || true
fi
echo "postgresql://$me@/postgres?host=/var/run/postgresql"

#!/usr/bin/env bash
# Creates .venv with Python 3.11 and installs the pinned packages, once per pyproject change.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
  echo "TCPL needs Python 3.11 (Debian 12's python3); found: $("$PYTHON" --version 2>&1)" >&2
  exit 1
fi
if [ ! -x "$VENV/bin/python" ]; then
  say "Creating the virtualenv in .venv"
  "$PYTHON" -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; rm -rf "$VENV"; "$PYTHON" -m venv "$VENV"; }
fi
stamp="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  say "Installing the pinned Python packages"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$ROOT[dev]" 2>&1 | grep -v "is ignored" || true
  "$VENV/bin/python" -m pip check
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

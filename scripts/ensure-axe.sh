#!/usr/bin/env bash
# Makes sure axe-core (npm, MPL-2.0), pinned, is at var/axe/node_modules/axe-core/axe.min.js
# for the workspace's accessibility test (tests/gateway/test_workspace_accessibility.py): the
# browser test injects that file into each page. npm is Debian's; the file's SHA-256 is checked
# so that a fresh machine tests with exactly the same rules. Idempotent.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

AXE_VERSION=4.14.1
AXE_SHA256=29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c
TARGET="$ROOT/var/axe"
FILE="$TARGET/node_modules/axe-core/axe.min.js"

sha_of() { sha256sum "$1" | cut -d' ' -f1; }

if [ -f "$FILE" ] && [ "$(sha_of "$FILE")" = "$AXE_SHA256" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  say "Installing npm from Debian's packages"
  apt_install --no-install-recommends npm
fi
say "Installing axe-core $AXE_VERSION from npm into var/axe"
mkdir -p "$TARGET"
npm install --prefix "$TARGET" --no-audit --no-fund --no-save --ignore-scripts \
  "axe-core@$AXE_VERSION" >/dev/null
found="$(sha_of "$FILE")"
if [ "$found" != "$AXE_SHA256" ]; then
  echo "axe-core $AXE_VERSION: axe.min.js has SHA-256 $found, expected $AXE_SHA256" >&2
  exit 1
fi

#!/usr/bin/env bash
# Makes sure Debian's chromium is at /usr/bin/chromium for the browser tests: Playwright
# drives it through executable_path, since Playwright's own browser downloads are not
# reachable here. Idempotent: does nothing when it is already installed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if [ -x /usr/bin/chromium ] && [ -f /usr/lib/chromium/locales/vi.pak ]; then
  exit 0
fi
say "Installing chromium from Debian's packages"
# fonts-dejavu-core: a font with every Vietnamese diacritic, for pages and screenshots;
# chromium-l10n: the browser's own controls (file choosers, date fields) in Vietnamese, as
# officials see them and as the guides' screenshots show them.
apt_install --no-install-recommends chromium chromium-l10n fonts-dejavu-core
/usr/bin/chromium --version

#!/usr/bin/env bash
# `make test`: the whole suite against a real RabbitMQ, SQLite and PostgreSQL, and a real
# browser (Debian's chromium) for the web pages. Extra arguments go to pytest.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/ensure-python.sh"
"$ROOT/scripts/ensure-rabbitmq.sh"
"$ROOT/scripts/ensure-chromium.sh"
"$ROOT/scripts/ensure-axe.sh"
TCPL_TEST_PG_ADMIN_URL="$("$ROOT/scripts/ensure-postgres.sh")"
export TCPL_TEST_PG_ADMIN_URL TCPL_REQUIRE_POSTGRES=1

say "Linting"
"$VENV/bin/ruff" check .
say "Running the test suite"
exec "$VENV/bin/python" -m pytest "$@"

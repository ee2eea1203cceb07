# Every target installs what it needs first (see scripts/ensure-*.sh).
.PHONY: run stop test test-fast bench lint setup

setup:
	@scripts/ensure-python.sh
	@scripts/ensure-rabbitmq.sh

run:
	@scripts/run.sh

stop:
	@scripts/stop.sh

test:
	@scripts/test.sh

# Without the process-killing and broker-restarting tests.
test-fast:
	@scripts/test.sh -m "not slow"

bench:
	@scripts/ensure-python.sh
	@scripts/ensure-rabbitmq.sh
	@TCPL_TEST_PG_ADMIN_URL="$$(scripts/ensure-postgres.sh)" .venv/bin/python -m bench.run

lint:
	@scripts/ensure-python.sh
	@.venv/bin/ruff check .

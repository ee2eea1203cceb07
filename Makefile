# Every target installs what it needs first (see scripts/ensure-*.sh).
.PHONY: run stop test test-fast cluster-test fuzz bench lint setup

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

# Quorum queues on a three-node RabbitMQ cluster of its own (other ports, its own data), a
# node killed mid-load (tests/kernel/test_cluster.py, 35-50 s; docs/deployment.md). Left
# out of `make test` by the `cluster` marker.
cluster-test:
	@scripts/test.sh -m cluster tests/kernel/test_cluster.py

# tests/test_fuzz.py with a long budget and a seed: schemathesis over the whole API, no 5xx
# allowed (docs/gateway.md, "Fuzzing"). Figures in artifacts/fuzz/campaign.md.
fuzz:
	@TCPL_FUZZ_MAX_EXAMPLES=$${TCPL_FUZZ_MAX_EXAMPLES:-400} TCPL_FUZZ_SEED=$${TCPL_FUZZ_SEED:-14} \
	  TCPL_FUZZ_REPORT=$${TCPL_FUZZ_REPORT:-campaign} TCPL_FUZZ_TIMEOUT=$${TCPL_FUZZ_TIMEOUT:-14400} \
	  scripts/test.sh tests/test_fuzz.py

bench:
	@scripts/ensure-python.sh
	@scripts/ensure-rabbitmq.sh
	@TCPL_TEST_PG_ADMIN_URL="$$(scripts/ensure-postgres.sh)" .venv/bin/python -m bench.run

lint:
	@scripts/ensure-python.sh
	@.venv/bin/ruff check .

#!/usr/bin/env bash
# `make run`: installs what is missing, starts every service and the gateway in the
# background, loads the demo data and prints where everything is. `make stop` stops them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/ensure-python.sh"
"$ROOT/scripts/ensure-rabbitmq.sh"
"$ROOT/scripts/stop.sh" >/dev/null 2>&1 || true  # a previous `make run` in the same var dir

PORT="${TCPL_PORT:-8000}"
VAR="${TCPL_VAR_DIR:-$ROOT/var}"
export WEB_SERVER_ADDRESS="0.0.0.0:$PORT"
export TCPL_JWT_SECRET="${TCPL_JWT_SECRET:-dev-only-secret-change-me-in-production}"
for service in assessment plans publication survey; do
  var_name="$(echo "$service" | tr a-z A-Z)_DB_URL"
  export "$var_name=${!var_name:-sqlite:///$VAR/$service.sqlite}"
done
mkdir -p "$VAR/log" "$VAR/run"

# One broker user per process, each allowed its own names only (docs/deployment.md, "Broker
# users"); AMQP_URI, if set, names the broker and vhost. Passwords stay in $VAR (mode 0600).
say "Creating the broker users"
"$VENV/bin/python" -m scripts.broker_users --var "$VAR" \
  --amqp-uri "${AMQP_URI:-amqp://guest:guest@127.0.0.1:5672/}" \
  --user-prefix "${TCPL_BROKER_USER_PREFIX:-tcpl-}"
as_root rabbitmqctl -q import_definitions --format json <"$VAR/broker-definitions.json"

start() {  # name module:Class
  say "Starting $1"
  AMQP_URI="$(sed -n "s/^$1 //p" "$VAR/amqp-uris")" \
    nohup "$VENV/bin/nameko" run --config config/nameko.yaml "$2" >"$VAR/log/$1.log" 2>&1 &
  echo $! >"$VAR/run/$1.pid"
}
start assessment services.assessment.service:AssessmentService
start plans services.plans.service:PlansService
start publication services.publication.service:PublicationService
start survey services.survey.service:SurveyService
start gateway gateway.service:GatewayService

say "Waiting until /health reports every service up"
if ! "$VENV/bin/python" -m scripts.wait_health --url "http://127.0.0.1:$PORT" --timeout 90; then
  echo "See the logs in $VAR/log/" >&2
  exit 1
fi

say "Loading demo data"
"$VENV/bin/python" -m scripts.load_demo --url "http://127.0.0.1:$PORT" --tokens "$VAR/demo-tokens.jsonl"

cat <<MSG

TCPL is running.
  Public board:   http://127.0.0.1:$PORT/ket-qua
  Survey kiosk:   http://127.0.0.1:$PORT/kiosk
  API:            http://127.0.0.1:$PORT/api/v1/
  API docs:       http://127.0.0.1:$PORT/docs
  OpenAPI:        http://127.0.0.1:$PORT/openapi.json
  Health:         http://127.0.0.1:$PORT/health
  Demo tokens:    $VAR/demo-tokens.jsonl (one per demo user; send as "Authorization: Bearer ...")
  Logs:           $VAR/log/<service>.log
Stop everything with: make stop
MSG

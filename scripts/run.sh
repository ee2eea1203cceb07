#!/usr/bin/env bash
# `make run`: installs what is missing, starts every service and the gateway in the
# background, loads the demo data and prints where everything is. `make stop` stops them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/ensure-python.sh"
"$ROOT/scripts/ensure-rabbitmq.sh"
"$ROOT/scripts/stop.sh" >/dev/null 2>&1 || true

PORT="${TCPL_PORT:-8000}"
export WEB_SERVER_ADDRESS="0.0.0.0:$PORT"
export TCPL_JWT_SECRET="${TCPL_JWT_SECRET:-dev-secret-change-me}"
mkdir -p var/log var/run

start() {  # name module:Class
  say "Starting $1"
  nohup "$VENV/bin/nameko" run --config config/nameko.yaml "$2" >"var/log/$1.log" 2>&1 &
  echo $! >"var/run/$1.pid"
}
start assessment services.assessment.service:AssessmentService
start plans services.plans.service:PlansService
start publication services.publication.service:PublicationService
start survey services.survey.service:SurveyService
start gateway gateway.service:GatewayService

say "Waiting until /health reports every service up"
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$PORT/health" >var/run/health.json 2>/dev/null; then break; fi
  sleep 0.5
done
if ! curl -fsS "http://127.0.0.1:$PORT/health" >var/run/health.json; then
  echo "The platform did not come up; see var/log/*.log" >&2
  cat var/run/health.json >&2 || true
  exit 1
fi

say "Loading demo data"
"$VENV/bin/python" -m scripts.load_demo --url "http://127.0.0.1:$PORT" --tokens var/demo-tokens.jsonl

cat <<MSG

TCPL is running.
  API:            http://127.0.0.1:$PORT/api/v1/
  API docs:       http://127.0.0.1:$PORT/docs
  OpenAPI:        http://127.0.0.1:$PORT/openapi.json
  Health:         http://127.0.0.1:$PORT/health
  Demo tokens:    var/demo-tokens.jsonl (one per demo user; send as "Authorization: Bearer ...")
  Logs:           var/log/<service>.log
Stop everything with: make stop
MSG

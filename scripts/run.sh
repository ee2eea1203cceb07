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
# The gateway refuses the published development secret: a random one is made once per var
# dir (readable by its owner only) and signs the demo tokens too.
if [ -z "${TCPL_JWT_SECRET:-}" ]; then
  mkdir -p "$VAR"
  if [ ! -s "$VAR/jwt-secret" ]; then
    (umask 077 && "$VENV/bin/python" -c "import secrets; print(secrets.token_urlsafe(48))" >"$VAR/jwt-secret")
  fi
  chmod 600 "$VAR/jwt-secret"
  TCPL_JWT_SECRET="$(cat "$VAR/jwt-secret")"
fi
export TCPL_JWT_SECRET
for service in assessment plans publication survey accounts; do
  var_name="$(echo "$service" | tr a-z A-Z)_DB_URL"
  export "$var_name=${!var_name:-sqlite:///$VAR/$service.sqlite}"
done
mkdir -p "$VAR/log" "$VAR/run"
# Uploaded evidence files, by SHA-256, shared by the gateway and the assessment service.
export EVIDENCE_STORE="${EVIDENCE_STORE:-$VAR/evidence}"

# Signing keys of the chain heads: made once, kept (a new key would orphan every head the old
# one signed). On one machine the private keys and the public keyring share a directory.
export SIGNING_KEY_DIR="${SIGNING_KEY_DIR:-$VAR/keys}"
export SIGNING_KEYRING="${SIGNING_KEYRING:-$SIGNING_KEY_DIR}"
"$VENV/bin/python" -m kernel.cli keys generate --dir "$SIGNING_KEY_DIR" \
  assessment plans publication survey accounts >/dev/null
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
start accounts services.accounts.service:AccountsService
start gateway gateway.service:GatewayService

say "Waiting until /health reports every service up"
if ! "$VENV/bin/python" -m scripts.wait_health --url "http://127.0.0.1:$PORT" --timeout 90; then
  echo "See the logs in $VAR/log/" >&2
  exit 1
fi

# Before the demo data, so that a failure there still leaves the accounts to sign in with.
say "Creating the demo accounts"
"$VENV/bin/python" -m scripts.demo_accounts --url "http://127.0.0.1:$PORT" --out "$VAR/demo-accounts.jsonl"

say "Loading demo data"
"$VENV/bin/python" -m scripts.load_demo --url "http://127.0.0.1:$PORT" --tokens "$VAR/demo-tokens.jsonl"

cat <<MSG

TCPL is running.
  Workspace:      http://127.0.0.1:$PORT/can-bo/ (sign in with an account of $VAR/demo-accounts.jsonl)
  Public board:   http://127.0.0.1:$PORT/ket-qua
  Survey kiosk:   http://127.0.0.1:$PORT/kiosk
  API:            http://127.0.0.1:$PORT/api/v1/
  API docs:       http://127.0.0.1:$PORT/docs
  OpenAPI:        http://127.0.0.1:$PORT/openapi.json
  Health:         http://127.0.0.1:$PORT/health
  Demo accounts:  $VAR/demo-accounts.jsonl (username, password, role, jurisdiction; mode 0600)
  Demo tokens:    $VAR/demo-tokens.jsonl (one per demo user; send as "Authorization: Bearer ...")
  Token secret:   $VAR/jwt-secret, unless TCPL_JWT_SECRET was set (python -m gateway.tokens reads it from TCPL_JWT_SECRET)
  Evidence files: $EVIDENCE_STORE (uploads, by SHA-256; EVIDENCE_TRUST_ROOTS: the CAs PDF signers are trusted through)
  Signing keys:   $SIGNING_KEY_DIR (private <service>.key, mode 0600; public <service>.pub)
  Signatures:     http://127.0.0.1:$PORT/ket-qua/chu-ky
  Logs:           $VAR/log/<service>.log
Stop everything with: make stop
MSG

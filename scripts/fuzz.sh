#!/usr/bin/env bash
# Fuzz the running API from its own OpenAPI schema; any 5xx or schema mismatch fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${FUZZ_PORT:-8765}"
export DJANGO_DEBUG="${DJANGO_DEBUG:-1}" DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost"
DB_NAME=mnistsite_fuzz
if [ -n "${DATABASE_URL:-}" ]; then
  # A throwaway database beside the configured one, so fuzzing never touches real rows.
  psql "${DATABASE_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS ${DB_NAME}" -c "CREATE DATABASE ${DB_NAME}" >/dev/null
  export DATABASE_URL="${DATABASE_URL%/*}/${DB_NAME}"
else
  export DATABASE_URL="sqlite:///$(mktemp -d)/fuzz.sqlite3"
fi
export PREDICT_ANON_RATE="100000/min" PREDICT_USER_RATE="100000/min"
python manage.py migrate --noinput -v 0
python manage.py collectstatic --noinput -v 0
gunicorn mnistsite.wsgi --bind "127.0.0.1:${PORT}" --workers 2 --access-logfile /dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:${PORT}/healthz" >/dev/null && break; sleep 0.5; done

# Excluded, on purpose: random strings are rarely images, so "positive data" gets 4xx by
# design; and an empty query value (?digit=) means "no filter", as in any HTML form, which
# the negative-data check counts as accepting bad input. Bad filter values proper are
# covered by tests/recognizer/test_api.py::test_list_bad_filters_are_400.
schemathesis run "http://127.0.0.1:${PORT}/api/schema/" \
  --checks all \
  --exclude-checks positive_data_acceptance,negative_data_rejection \
  --max-examples "${FUZZ_EXAMPLES:-40}" \
  --seed 1 \
  --request-timeout 20 \
  --suppress-health-check all \
  --no-color

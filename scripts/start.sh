#!/usr/bin/env bash
# Install, migrate, seed the demo season and serve on the embedded default (SQLite in instance/).
# Mail goes to .eml files under instance/mail/ unless MAIL_SERVER is set.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh requirements.txt
export FLASK_APP=app
host="${HOST:-127.0.0.1}"
port="${PORT:-5000}"
export BASE_URL="${BASE_URL:-http://$host:$port}"
.venv/bin/flask db upgrade
.venv/bin/flask seed-demo
worker_pid=""
if .venv/bin/flask --help 2>/dev/null | grep -q outbox-worker; then
  .venv/bin/flask outbox-worker &
  worker_pid=$!
  trap '[ -n "$worker_pid" ] && kill "$worker_pid" 2>/dev/null' EXIT
fi
echo
echo "Library events is running at $BASE_URL/  (Ctrl+C stops it)"
echo
.venv/bin/flask run --host "$host" --port "$port"

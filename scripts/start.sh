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
.venv/bin/flask outbox-worker &
worker_pid=$!
# Served by gunicorn as in production (several worker processes sharing the SQLite file);
# deploy/gunicorn.conf.py shares the metrics between them. The app logs each request itself (JSON on
# stderr, secrets left out), so gunicorn's own access log stays off.
.venv/bin/gunicorn --config deploy/gunicorn.conf.py --workers "${WORKERS:-2}" --bind "$host:$port" app:app &
server_pid=$!
trap 'kill "$worker_pid" "$server_pid" 2>/dev/null' EXIT
for _ in $(seq 1 50); do
  if .venv/bin/python -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=10)" "http://$host:$port/" 2>/dev/null; then
    break
  fi
  sleep 0.2
done
echo
echo "Library events is running at $BASE_URL/  (Ctrl+C stops it)"
echo
wait "$server_pid"

#!/usr/bin/env bash
# Install everything the tests need, start what they need, and run the whole suite.
# SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (then it must be reachable).
# Redis: TEST_REDIS_URL if set (then it must be reachable), else a throwaway server of our own.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh requirements-dev.txt
scripts/install-chromium.sh
scripts/install-test-tools.sh
if [ -z "${TEST_REDIS_URL:-}" ]; then
  TEST_REDIS_URL=$(scripts/start-test-redis.sh $$)
  export TEST_REDIS_URL
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"

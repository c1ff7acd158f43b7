#!/usr/bin/env bash
# Install everything the tests need and run the whole suite.
# SQLite always; PostgreSQL too when TEST_DATABASE_URL is set (then it must be reachable).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-venv.sh requirements-dev.txt
scripts/install-chromium.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"

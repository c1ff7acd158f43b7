"""gunicorn's settings: ``gunicorn --config deploy/gunicorn.conf.py app:app`` (the systemd unit
deploy/systemd/library-events-web.service, scripts/start.sh). Command-line options override these.

Metrics across worker processes: prometheus_client keeps each worker's values in files under
``PROMETHEUS_MULTIPROC_DIR`` and a scrape adds them up. The variable is set here, before any
worker imports the app (a private temporary folder unless the environment names one), the
folder's old files are removed when the server starts, and a worker that exits is marked dead.
"""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

# Only nginx may reach this address (see docs/DEPLOYMENT.md): the application believes the
# X-Forwarded-For of whoever connects here when TRUSTED_PROXIES is set.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers: each serves one request at a time with one database connection, so PostgreSQL
# needs at least workers x hosts connections, plus the outbox workers and cron jobs.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))

# A request that takes longer than this is a bug, not a wait: the worker is restarted.
timeout = 30
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, spread out so that they do not all restart at once.
max_requests = 2000
max_requests_jitter = 200

# To the journal, through systemd. No access log: gunicorn's would write the secret tokens of
# visitors' /r/<token> addresses; the app logs every request itself, with secrets left out.
errorlog = "-"

# Remembered in the environment too: a reload (SIGHUP) reads this file again.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="calendar-metrics-")
    os.environ["CALENDAR_TEMPORARY_METRICS_DIR"] = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def on_starting(server: Any) -> None:
    """Start from zero: the files of a previous run would be added to this one's counts."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    temporary = os.environ.get("CALENDAR_TEMPORARY_METRICS_DIR")
    if temporary and temporary == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(temporary, ignore_errors=True)

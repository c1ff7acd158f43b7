"""gunicorn settings, read from the working directory (``gunicorn app:app`` in the project root).

Metrics across worker processes: prometheus_client keeps each worker's values in files under
``PROMETHEUS_MULTIPROC_DIR`` and a scrape adds them up. The variable is set here, before any
worker imports the app (a private temporary folder unless the environment names one), the
folder's old files are removed when the server starts, and a worker that exits is marked dead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

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

"""Backups of the database, safe to take while the service runs.

SQLite: the online backup API copies a consistent snapshot (one read transaction; in WAL mode
writers go on meanwhile), and the copy is checked before it gets its final name. PostgreSQL:
``pg_dump --format=custom`` (restore with ``pg_restore``), which also reads one snapshot.
A backup is written beside its destination and renamed into place once complete, so a file with
the destination's name is always a whole backup.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from .errors import Conflict


@dataclass(frozen=True)
class Backup:
    path: Path
    kind: str  # "sqlite" or "pg_dump"
    size: int


def backup_database(database_url: str, destination: Path) -> Backup:
    """Write a backup of the database at ``database_url`` to ``destination`` (a new file)."""
    destination = Path(destination)
    if destination.exists():
        raise Conflict(f"{destination} exists already; choose a new file name.")
    if not destination.parent.is_dir():
        raise Conflict(f"{destination.parent} is not a directory.")
    url = make_url(database_url)
    partial = destination.with_name(destination.name + ".partial")
    try:
        if url.get_backend_name() == "sqlite":
            kind = "sqlite"
            _backup_sqlite(_sqlite_path(url.database), partial)
        elif url.get_backend_name() == "postgresql":
            kind = "pg_dump"
            _backup_postgresql(database_url, partial)
        else:
            raise Conflict(f"No backup method for {url.get_backend_name()} databases.")
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(path=destination, kind=kind, size=destination.stat().st_size)


def _sqlite_path(database: str | None) -> Path:
    if not database or database == ":memory:":
        raise Conflict("An in-memory SQLite database has nothing to back up.")
    path = Path(database)
    if not path.is_file():
        raise Conflict(f"The SQLite database {path} does not exist.")
    return path


def _backup_sqlite(source_path: Path, target_path: Path) -> None:
    source = sqlite3.connect(source_path, timeout=30)
    target = sqlite3.connect(target_path)
    try:
        # One step (pages=-1): a single read transaction, so the copy is one consistent
        # moment; copying in smaller steps would restart on every write by another process.
        source.backup(target, pages=-1)
        target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        result = target.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise Conflict(f"The backup copy failed its integrity check: {result}")
    finally:
        target.close()
        source.close()


def _backup_postgresql(database_url: str, target_path: Path) -> None:
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise Conflict(
            "pg_dump is not installed: install Debian's postgresql-client (the same major "
            "version as the server, or newer) and run the backup again."
        )
    url = make_url(database_url).set(drivername="postgresql")
    environment = dict(os.environ)
    if url.password is not None:  # kept out of the command line, which others can see
        environment["PGPASSWORD"] = str(url.password)
    dsn = url.set(password=None).render_as_string(hide_password=False)
    completed = subprocess.run(
        [pg_dump, "--format=custom", "--file", str(target_path), "--dbname", dsn],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise Conflict(f"pg_dump failed: {completed.stderr.strip()}")

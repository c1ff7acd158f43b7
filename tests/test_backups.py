"""backup-database: a backup taken while another process writes holds everything committed
before it began, and restores into a database the application opens."""

from __future__ import annotations

import multiprocessing
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from calendar_app import create_app
from calendar_app.extensions import db
from calendar_app.models import Registration
from tests.conftest import make_test_config
from tests.factories import make_event
from tests.race_worker import register_until_stopped


def registration_ids(app) -> set[int]:
    with app.app_context():
        ids = set(db.session.execute(select(Registration.id)).scalars())
        db.session.rollback()
        return ids


@contextmanager
def writer_process(app, database_url: str, tmp_path: Path) -> Iterator[object]:
    """Another process committing registrations one after another until the block ends."""
    with app.app_context():
        event_id = make_event(capacity=5000, max_party=1).id
        db.session.commit()
    context = multiprocessing.get_context("spawn")
    stop, committed = context.Event(), context.Value("i", 0)
    config = make_test_config(database_url, tmp_path / "writer-instance")
    writer = context.Process(
        target=register_until_stopped, args=(config, event_id, stop, committed, 3000)
    )
    writer.start()
    try:
        yield committed
    finally:
        stop.set()
        writer.join(timeout=120)
        if writer.is_alive():
            writer.terminate()
    assert writer.exitcode == 0


def wait_for(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the writer process made no progress"
        time.sleep(0.05)


@contextmanager
def restored_app(backend: str, backup: Path, database_url: str, tmp_path: Path):
    """An application on a fresh database restored from ``backup``."""
    if backend == "sqlite":
        restored = tmp_path / "restored.sqlite3"
        shutil.copyfile(backup, restored)  # restoring a SQLite backup is putting the file back
        url = f"sqlite:///{restored}"
        yield create_app(make_test_config(url, tmp_path / "restored-instance"))
        return
    import psycopg

    base = make_url(database_url).set(drivername="postgresql")
    scratch = f"{base.database}_restore"
    admin = base.set(database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')
        conn.execute(f'CREATE DATABASE "{scratch}" TEMPLATE template0')
    target = base.set(database=scratch).render_as_string(hide_password=False)
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", target, str(backup)],
        check=True,
        capture_output=True,
    )
    app = create_app(make_test_config(target, tmp_path / "restored-instance"))
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}"')


@pytest.mark.slow
def test_backup_while_another_process_writes_keeps_all_committed(
    app, backend, database_url, tmp_path
):
    backup = tmp_path / "backup.db"
    with writer_process(app, database_url, tmp_path) as committed:
        wait_for(lambda: committed.value >= 20)
        before = registration_ids(app)  # committed before the backup began
        result = app.test_cli_runner().invoke(args=["backup-database", str(backup)])
        assert result.exit_code == 0, result.output
        assert f"written to {backup}" in result.output
        count_at_backup_end = committed.value
        wait_for(lambda: committed.value >= count_at_backup_end + 5)  # still writing after
    final = registration_ids(app)
    assert len(before) >= 20 and len(final) > len(before)
    assert not list(tmp_path.glob("*.partial"))

    with restored_app(backend, backup, database_url, tmp_path) as restored:
        in_backup = registration_ids(restored)
        assert before <= in_backup <= final
        response = restored.test_client().get("/")
        assert response.status_code == 200


def test_backup_refuses_to_overwrite_a_file(app, tmp_path):
    existing = tmp_path / "backup.db"
    existing.write_bytes(b"an older backup")
    result = app.test_cli_runner().invoke(args=["backup-database", str(existing)])
    assert result.exit_code != 0
    assert "exists already" in result.output
    assert existing.read_bytes() == b"an older backup"


def test_backup_into_a_missing_directory_is_refused(app, tmp_path):
    target = tmp_path / "missing" / "backup.db"
    result = app.test_cli_runner().invoke(args=["backup-database", str(target)])
    assert result.exit_code != 0
    assert "is not a directory" in result.output
    assert not target.parent.exists()

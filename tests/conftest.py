"""Test fixtures: every database test runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.

The schema is built once per backend (and per xdist worker) by the real migrations; each test then
starts from empty tables. When TEST_DATABASE_URL is set and PostgreSQL cannot be reached, the run
fails instead of skipping.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from calendar_app import create_app
from calendar_app.extensions import db

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
BASE_URL = "https://events.example.kz"
# Tests of state shared across processes need a Redis server: scripts/test.sh starts a throwaway
# one and .ci/run points at the machine's. Unset: those tests skip; set but down: they fail.
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
requires_redis = pytest.mark.skipif(
    not TEST_REDIS_URL,
    reason="TEST_REDIS_URL is not set (scripts/test.sh starts a throwaway Redis for these tests)",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgresql_only`` keep their PostgreSQL parametrization alone: the SQLite one
    is deselected (without TEST_DATABASE_URL nothing is left to run, and nothing is skipped)."""
    kept, deselected = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec else None
        if item.get_closest_marker("postgresql_only") and backend != "postgresql":
            deselected.append(item)
        else:
            kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def _worker_id(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


def _postgres_url_for_worker(worker: str) -> str:
    """A database of its own for this worker, created fresh on the configured server."""
    import psycopg

    base = make_url(TEST_DATABASE_URL.replace("postgresql+psycopg://", "postgresql://"))
    tag = os.environ.get("TEST_DATABASE_TAG", "")  # lets several checkouts share one server
    name = f"{base.database or 'test'}_calendar_{tag}{worker}"
    admin_dsn = base.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=10) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    except psycopg.OperationalError as error:  # fail loudly: PostgreSQL tests are required
        pytest.exit(
            f"TEST_DATABASE_URL is set but PostgreSQL is unreachable: {error}", returncode=3
        )
    return base.set(drivername="postgresql+psycopg", database=name).render_as_string(
        hide_password=False
    )


def make_test_config(database_url: str, instance_path: Path, **extra: Any) -> dict[str, Any]:
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": "test-secret-key",
        "BASE_URL": BASE_URL,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "DEFAULT_LOCALE": "en",
        "MAIL_SERVER": "",
        "MAIL_DEFAULT_SENDER": "Library events <no-reply@events.example.kz>",
        "SERVER_NAME": None,
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database for one backend."""
    from flask_migrate import upgrade

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'calendar.sqlite3'}"
    else:
        url = _postgres_url_for_worker(_worker_id(request))
    app = create_app(make_test_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        db.engine.dispose()
    return url


def _empty_all_tables() -> None:
    tables = [
        table.name
        for table in reversed(db.metadata.sorted_tables)
        if table.name != "content_version"  # one row the migrations made, never removed
    ]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f"DELETE FROM {name}"))
    db.session.commit()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """TEST_REDIS_URL, checked once: a Redis that was asked for but does not answer fails."""
    import redis

    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        pytest.fail(f"TEST_REDIS_URL is set but Redis is unreachable: {error}")
    return TEST_REDIS_URL


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module (or parametrize indirectly) to change the app's config."""
    return {}


@pytest.fixture
def app(database_url: str, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    application = create_app(make_test_config(database_url, tmp_path / "instance", **app_config))
    with application.app_context():
        _empty_all_tables()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    """An application context for calling services and models directly."""
    with app.app_context():
        yield app
        db.session.rollback()


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def staff_branches(app: Flask, client) -> dict[str, int | str]:
    """Two branches with a staff account each (``staff_support.make_two_branches``); the client
    is logged in as the staff of the first."""
    from tests.staff_support import log_in, make_two_branches

    with app.app_context():
        ids = make_two_branches()
    log_in(client, ids["staff"])
    return ids


@pytest.fixture
def backend(database_url: str) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "PRAGMA")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask):
    """Context manager factory: ``with count_queries() as counter: ...; counter.count``."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    return counting

"""A scratch database for a bench run: a temporary SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def scratch_database(url: str | None, tmp: Path, purpose: str) -> tuple[str, Callable[[], None]]:
    """A fresh database URL and a function that removes it.

    With no ``url``, a SQLite file under ``tmp``; otherwise ``<name>_<purpose>_bench`` is created
    (again) on that PostgreSQL server.
    """
    if not url:
        return f"sqlite:///{tmp / 'bench.sqlite3'}", lambda: None
    import psycopg
    from sqlalchemy.engine import make_url

    base = make_url(url.replace("postgresql+psycopg://", "postgresql://"))
    name = f"{base.database or 'test'}_{purpose}_bench"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

    drop()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    return base.set(database=name).render_as_string(hide_password=False), drop

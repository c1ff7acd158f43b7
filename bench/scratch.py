"""A scratch database for a bench run: a temporary SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any


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


def add_one_event(database_url: str, instance: Path, **fields: Any) -> int:
    """Migrate the scratch database and add one children's library, one room and one event a
    week ahead (``fields`` are EventData's, over the defaults); returns the event's id."""
    return add_events(database_url, instance, 1, **fields)[0]


def add_events(database_url: str, instance: Path, count: int, **fields: Any) -> list[int]:
    """Like ``add_one_event``, with ``count`` such events in the one room; returns their ids."""
    from flask_migrate import upgrade

    from calendar_app import create_app
    from calendar_app.extensions import db
    from calendar_app.models import Branch, Venue
    from calendar_app.services.events import EventData, create_event
    from calendar_app.timeutil import utcnow

    app = create_app(
        {"DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "bench"}
    )
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parent.parent / "migrations"))
        now = utcnow()
        branch = Branch(
            slug="begalin",
            name="Бегалин атындағы балалар кітапханасы",
            timezone="Asia/Almaty",
            created_at=now,
            updated_at=now,
        )
        db.session.add(branch)
        db.session.flush()
        venue = Venue(
            branch_id=branch.id, name="Hall", capacity=300, created_at=now, updated_at=now
        )
        db.session.add(venue)
        db.session.flush()
        events = []
        for number in range(count):
            starts = now + timedelta(days=7 + number)
            values = {
                "title": "Балаларға арналған эко шеберлік сабағы",
                "venue_id": venue.id,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=2),
                "category": "master_class",
                "audience": "children",
                "waitlist_enabled": True,
                **fields,
            }
            events.append(create_event(branch, EventData(**values), now))
        db.session.commit()
        event_ids = [event.id for event in events]
        db.engine.dispose()
    return event_ids

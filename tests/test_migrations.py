"""The migrations after the first go up and down with data in place, on SQLite and PostgreSQL,
and leave the schema the models describe."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from calendar_app import create_app
from calendar_app.content_version import QUIET
from calendar_app.extensions import db
from tests.conftest import BACKENDS, _postgres_url_for_worker, _worker_id, make_test_config

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
ROWS = [
    "INSERT INTO branches (id, slug, name, address, timezone, phone, email, website,"
    " description, translations, created_at, updated_at) VALUES (1, 'b', 'B', '',"
    " 'Asia/Almaty', '', '', '', '', '{}', :now, :now)",
    "INSERT INTO venues (id, branch_id, name, capacity, accessibility_notes, translations,"
    " created_at, updated_at) VALUES (1, 1, 'Hall', 10, '', '{}', :now, :now)",
    "INSERT INTO events (id, branch_id, venue_id, title, description, category, audience,"
    " language, translations, starts_at, ends_at, registration, capacity, max_party,"
    " waitlist_enabled, status, sequence, created_at, updated_at) VALUES (1, 1, 1,"
    " 'Күй кеші', '', 'concert', 'all', 'kk', '{}', :later, :latest, 'required', 5, 4,"
    " true, 'scheduled', 0, :now, :now)",
    "INSERT INTO registrations (id, event_id, name, email, email_normalized, seats, status,"
    " language, source, token_hash, checkin_code_hash, created_at, updated_at) VALUES (1, 1,"
    " 'Әлия', 'a@example.kz', 'a@example.kz', 2, 'confirmed', 'kk', 'web', 'h', 'c', :now,"
    " :now)",
    "INSERT INTO staff_users (id, email, name, password_hash, is_admin, active, created_at,"
    " updated_at) VALUES (1, 'anna@example.kz', 'Anna', 'h', true, true, :now, :now),"
    " (2, 'bota@example.kz', 'Bota', 'h', false, true, :now, :now)",
]
TIMES = {
    "now": "2026-05-01 06:00:00",
    "later": "2026-06-01 13:00:00",
    "latest": "2026-06-01 14:00:00",
}


@pytest.fixture(params=BACKENDS)
def scratch_app(request, tmp_path):
    """An app on an empty database of its own (not the shared, already migrated one)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        url = _postgres_url_for_worker(_worker_id(request) + "_migrations")
    app = create_app(make_test_config(url, tmp_path / "instance"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


TALLY_TRIGGERS = {
    "events_seat_tally",
    "registrations_seat_tally_insert",
    "registrations_seat_tally_update",
    "registrations_seat_tally_delete",
}


def tally_triggers() -> set[str]:
    """The names of the triggers that keep the seat tallies, as the database lists them."""
    if db.engine.dialect.name == "postgresql":
        query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    return set(db.session.execute(text(query)).scalars())


def columns(table: str) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns(table)}


def test_migrations_upgrade_and_downgrade_with_data_in_place(scratch_app):
    with scratch_app.app_context():
        upgrade(directory=MIGRATIONS, revision="0002")
        for statement in ROWS:  # written as that revision's code did, without a content version
            db.session.execute(text(statement), TIMES, execution_options={QUIET: True})
        db.session.commit()
        upgrade(directory=MIGRATIONS, revision="0014")
        for number, (status, standby) in enumerate(
            [("waitlisted", True), ("waitlisted", False), ("cancelled", False)], start=2
        ):
            db.session.execute(
                text(
                    "INSERT INTO registrations (id, event_id, name, email, email_normalized,"
                    " seats, status, standby, language, source, token_hash, checkin_code_hash,"
                    " created_at, updated_at) VALUES (:id, 1, 'Гость', :email, :email, 3,"
                    " :status, :standby, 'kk', 'web', :hash, :hash, :now, :now)"
                ),
                {
                    **TIMES,
                    "id": number,
                    "email": f"guest{number}@example.kz",
                    "status": status,
                    "standby": standby,
                    "hash": f"h{number}",
                },
                execution_options={QUIET: True},
            )
        db.session.commit()

        upgrade(directory=MIGRATIONS)
        assert {"series", "closures"} <= set(inspect(db.engine).get_table_names())
        assert "series_id" in columns("events") and "booking_id" in columns("registrations")
        assert "confirm_attendance_hours" in columns("events")
        assert {"staff_id", "label", "token_hash", "last_used_at", "revoked_at"} <= columns(
            "api_tokens"
        )
        with db.engine.connect() as connection:  # the models and the migrated schema agree
            assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
        assert {"attendance_asked_at", "attendance_confirmed_at", "address_digest"} <= columns(
            "registrations"
        )
        assert "attendance_asked_at" in columns("events")
        # The event's seats taken before its tally existed are counted into it.
        tally = "SELECT confirmed_seats, waiting_parties, standby_parties FROM event_seat_tallies"
        assert db.session.execute(text(tally)).one() == (2, 2, 1)
        assert tally_triggers() == TALLY_TRIGGERS
        # Accounts that existed get a random session stamp each (logging out ends sessions).
        stamps = db.session.execute(text("SELECT session_stamp FROM staff_users")).scalars().all()
        assert len(set(stamps)) == 2 and all(len(stamp) == 32 for stamp in stamps)
        # The purge leaves registrations without a name or an address; a downgrade keeps them.
        db.session.execute(
            text(
                "UPDATE registrations SET name = NULL, email = NULL, email_normalized = NULL,"
                " attendance_confirmed_at = :now"
            ),
            TIMES,
        )
        db.session.commit()
        downgrade(directory=MIGRATIONS, revision="0004")
        assert "attendance_confirmed_at" not in columns("registrations")
        assert "session_stamp" not in columns("staff_users")
        assert db.session.execute(
            text("SELECT name, seats FROM registrations WHERE id = 1")
        ).one() == ("", 2)
        db.session.commit()
        upgrade(directory=MIGRATIONS)

        downgrade(directory=MIGRATIONS, revision="0002")
        assert "confirm_attendance_hours" not in columns("events")
        assert "series_id" not in columns("events") and "booking_id" not in columns("registrations")
        assert "series" not in inspect(db.engine).get_table_names()
        assert "api_tokens" not in inspect(db.engine).get_table_names()
        assert db.session.execute(text("SELECT title FROM events")).scalar_one() == "Күй кеші"
        assert db.session.execute(text("SELECT count(*) FROM registrations")).scalar_one() == 4
        db.session.commit()

        upgrade(directory=MIGRATIONS)
        assert "confirm_attendance_hours" in columns("events")
        # Batch migrations rebuild SQLite tables, which drops their triggers: all are back.
        assert tally_triggers() == TALLY_TRIGGERS
        # Counted again (the standby flag went with the downgrade below 0006).
        assert db.session.execute(text(tally)).one() == (2, 2, 0)


def test_an_empty_database_goes_to_head_down_to_base_and_up_again(scratch_app):
    with scratch_app.app_context():
        upgrade(directory=MIGRATIONS)
        downgrade(directory=MIGRATIONS, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        if db.engine.dialect.name == "postgresql":  # nothing left that a new upgrade trips on
            leftovers = db.session.execute(
                text(
                    "SELECT relname FROM pg_class JOIN pg_namespace n ON n.oid = relnamespace"
                    " WHERE nspname = 'public' AND relname <> 'alembic_version'"
                    " AND relname NOT LIKE 'alembic_version%'"
                    " UNION ALL SELECT typname FROM pg_type JOIN pg_namespace n"
                    " ON n.oid = typnamespace WHERE nspname = 'public' AND typtype = 'e'"
                    " UNION ALL SELECT proname FROM pg_proc JOIN pg_namespace n"
                    " ON n.oid = pronamespace WHERE nspname = 'public'"
                )
            ).scalars()
            assert list(leftovers) == []
        db.session.commit()

        upgrade(directory=MIGRATIONS)
        with db.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []

"""Each event's running seat figures, kept by triggers, for a newcomer's registration.

A newcomer's registration used to count the event's confirmed seats, waiting parties and parties
on standby under the event's lock. On PostgreSQL, counting a long waitlist visits every waiting
row (their index entries are not yet known visible to all during a rush), so each registration
cost more than the one before it. ``event_seat_tallies`` holds the three figures; triggers move
them with every insert, delete and change of event, status, seats or standby of a registration,
whatever code or SQL makes it, and a trigger on ``events`` adds each new event's row. The
existing rows are counted once here, with the writers of both tables kept out on PostgreSQL
until the triggers stand (the upgrade may run while the service still serves).

SQLite drops a table's triggers when it rebuilds the table, as a batch migration
(``batch_alter_table``) of ``events`` or ``registrations`` does: such a migration must create
them again (``tests/test_migrations.py`` checks they are all there at head).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

COUNTED_CHANGE = (
    "OLD.event_id {ne} NEW.event_id OR OLD.status {ne} NEW.status"
    " OR OLD.seats {ne} NEW.seats OR OLD.standby {ne} NEW.standby"
)


def _move(row: str, sign: str) -> str:
    """An UPDATE adding (sign '+') or taking away (sign '-') one registration row's share."""
    return (
        f"UPDATE event_seat_tallies SET"
        f" confirmed_seats = confirmed_seats {sign}"
        f" CASE WHEN {row}.status = 'confirmed' THEN {row}.seats ELSE 0 END,"
        f" waiting_parties = waiting_parties {sign}"
        f" CASE WHEN {row}.status = 'waitlisted' THEN 1 ELSE 0 END,"
        f" standby_parties = standby_parties {sign}"
        f" CASE WHEN {row}.status = 'waitlisted' AND {row}.standby THEN 1 ELSE 0 END"
        f" WHERE event_id = {row}.event_id AND {row}.status IN ('confirmed', 'waitlisted');"
    )


POSTGRESQL = [
    "CREATE FUNCTION event_seat_tally_add() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN INSERT INTO event_seat_tallies (event_id) VALUES (NEW.id); RETURN NULL; END $$",
    "CREATE TRIGGER events_seat_tally AFTER INSERT ON events"
    " FOR EACH ROW EXECUTE FUNCTION event_seat_tally_add()",
    "CREATE FUNCTION registration_seat_tally() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    f" IF TG_OP <> 'INSERT' THEN {_move('OLD', '-')} END IF;"
    f" IF TG_OP <> 'DELETE' THEN {_move('NEW', '+')} END IF;"
    " RETURN NULL; END $$",
    "CREATE TRIGGER registrations_seat_tally_insert AFTER INSERT ON registrations"
    " FOR EACH ROW EXECUTE FUNCTION registration_seat_tally()",
    "CREATE TRIGGER registrations_seat_tally_update"
    " AFTER UPDATE OF event_id, status, seats, standby ON registrations FOR EACH ROW"
    f" WHEN ({COUNTED_CHANGE.format(ne='IS DISTINCT FROM')})"
    " EXECUTE FUNCTION registration_seat_tally()",
    "CREATE TRIGGER registrations_seat_tally_delete AFTER DELETE ON registrations"
    " FOR EACH ROW EXECUTE FUNCTION registration_seat_tally()",
]
POSTGRESQL_DOWN = [
    "DROP TRIGGER registrations_seat_tally_delete ON registrations",
    "DROP TRIGGER registrations_seat_tally_update ON registrations",
    "DROP TRIGGER registrations_seat_tally_insert ON registrations",
    "DROP FUNCTION registration_seat_tally()",
    "DROP TRIGGER events_seat_tally ON events",
    "DROP FUNCTION event_seat_tally_add()",
]
SQLITE = [
    "CREATE TRIGGER events_seat_tally AFTER INSERT ON events"
    " BEGIN INSERT INTO event_seat_tallies (event_id) VALUES (NEW.id); END",
    "CREATE TRIGGER registrations_seat_tally_insert AFTER INSERT ON registrations"
    f" BEGIN {_move('NEW', '+')} END",
    "CREATE TRIGGER registrations_seat_tally_update"
    " AFTER UPDATE OF event_id, status, seats, standby ON registrations"
    f" WHEN {COUNTED_CHANGE.format(ne='IS NOT')}"
    f" BEGIN {_move('OLD', '-')} {_move('NEW', '+')} END",
    "CREATE TRIGGER registrations_seat_tally_delete AFTER DELETE ON registrations"
    f" BEGIN {_move('OLD', '-')} END",
]
SQLITE_DOWN = [
    "DROP TRIGGER registrations_seat_tally_delete",
    "DROP TRIGGER registrations_seat_tally_update",
    "DROP TRIGGER registrations_seat_tally_insert",
    "DROP TRIGGER events_seat_tally",
]
COUNT_EXISTING = (
    "INSERT INTO event_seat_tallies (event_id, confirmed_seats, waiting_parties, standby_parties)"
    " SELECT events.id,"
    " (SELECT coalesce(sum(seats), 0) FROM registrations"
    " WHERE event_id = events.id AND status = 'confirmed'),"
    " (SELECT count(*) FROM registrations"
    " WHERE event_id = events.id AND status = 'waitlisted'),"
    " (SELECT count(*) FROM registrations"
    " WHERE event_id = events.id AND status = 'waitlisted' AND standby)"
    " FROM events"
)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:  # no registration written between the count and the triggers goes uncounted
        op.execute("LOCK TABLE events, registrations IN SHARE ROW EXCLUSIVE MODE")
    op.create_table(
        "event_seat_tallies",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("confirmed_seats", sa.Integer(), server_default="0", nullable=False),
        sa.Column("waiting_parties", sa.Integer(), server_default="0", nullable=False),
        sa.Column("standby_parties", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_seat_tallies_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_event_seat_tallies")),
    )
    op.execute(COUNT_EXISTING)
    for statement in POSTGRESQL if postgresql else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in POSTGRESQL_DOWN if postgresql else SQLITE_DOWN:
        op.execute(statement)
    op.drop_table("event_seat_tallies")

"""An index on registrations (event, status, standby) for a newcomer's seat figures.

A newcomer's registration counts the parties waiting, and those on standby, from the index under
the event's lock instead of reading every registration of an event with a long waitlist.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_registrations_event_status_standby",
        "registrations",
        ["event_id", "status", "standby"],
    )


def downgrade() -> None:
    op.drop_index("ix_registrations_event_status_standby", table_name="registrations")

"""Attendance confirmation (who was asked, who confirmed), purgeable names, no-show digests.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from calendar_app.models.types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("attendance_asked_at", UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("attendance_asked_at", UTCDateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("attendance_confirmed_at", UTCDateTime(timezone=True), nullable=True)
        )
        batch.alter_column("name", existing_type=sa.String(200), nullable=True)
        batch.add_column(sa.Column("address_digest", sa.String(64), nullable=True))
        batch.create_index("ix_registrations_address_digest", ["address_digest"])


def downgrade() -> None:
    # Names removed by the purge come back as empty text: the older schema requires one.
    op.execute("UPDATE registrations SET name = '' WHERE name IS NULL")
    with op.batch_alter_table("registrations") as batch:
        batch.alter_column("name", existing_type=sa.String(200), nullable=False)
        batch.drop_index("ix_registrations_address_digest")
        batch.drop_column("address_digest")
        batch.drop_column("attendance_confirmed_at")
        batch.drop_column("attendance_asked_at")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("attendance_asked_at")

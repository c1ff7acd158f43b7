"""Series of events, branch closures, and whole-series bookings.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from calendar_app.models.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("rrule", sa.String(500), nullable=False),
        sa.Column("registration_mode", sa.String(20), nullable=False),
        sa.Column("skip_public_holidays", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_series_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
    )
    op.create_table(
        "closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("rrule", sa.String(500), nullable=True),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(rrule IS NULL AND end_date IS NOT NULL AND end_date >= start_date)"
            " OR (rrule IS NOT NULL AND end_date IS NULL)",
            name=op.f("ck_closures_closure_range_or_rule"),
        ),
        sa.ForeignKeyConstraint(
            ["branch_id"], ["branches.id"], name=op.f("fk_closures_branch_id_branches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closures")),
    )
    op.create_index("ix_closures_branch", "closures", ["branch_id", "start_date"])
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_events_series_id_series"), "series", ["series_id"], ["id"])
        batch.create_index("ix_events_series_starts", ["series_id", "starts_at"])
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("booking_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_registrations_booking_id_registrations"), "registrations", ["booking_id"], ["id"]
        )
        batch.create_index("ix_registrations_booking", ["booking_id"])


def downgrade() -> None:
    with op.batch_alter_table("registrations") as batch:
        batch.drop_index("ix_registrations_booking")
        batch.drop_constraint(op.f("fk_registrations_booking_id_registrations"), type_="foreignkey")
        batch.drop_column("booking_id")
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_series_starts")
        batch.drop_constraint(op.f("fk_events_series_id_series"), type_="foreignkey")
        batch.drop_column("series_id")
    op.drop_index("ix_closures_branch", table_name="closures")
    op.drop_table("closures")
    op.drop_table("series")

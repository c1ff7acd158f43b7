"""Tokens for the staff JSON API; events.confirm_attendance_hours.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import calendar_app.models.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at", calendar_app.models.types.UTCDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_used_at", calendar_app.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column(
            "revoked_at", calendar_app.models.types.UTCDateTime(timezone=True), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff_users.id"],
            name=op.f("fk_api_tokens_staff_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_staff_id"), "api_tokens", ["staff_id"])
    # Adding a nullable column needs no copy of the table, on SQLite either.
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("confirm_attendance_hours", sa.Integer(), nullable=True))


def downgrade() -> None:
    # SQLite (3.35 and later) drops a column that no index or constraint uses in place. Copying
    # the table instead, as batch mode otherwise would, fails once registrations refer to events.
    with op.batch_alter_table("events", recreate="never") as batch:
        batch.drop_column("confirm_attendance_hours")
    op.drop_index(op.f("ix_api_tokens_staff_id"), table_name="api_tokens")
    op.drop_table("api_tokens")

"""Posters: images stored under UPLOADS_DIR by content hash, one per event at most.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from calendar_app.models.types import UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("widths", sa.JSON(), nullable=False),
        sa.Column("alt", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_images")),
    )
    op.create_index(op.f("ix_images_key"), "images", ["key"])
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("poster_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_events_poster_id_images"), "images", ["poster_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint(op.f("fk_events_poster_id_images"), type_="foreignkey")
        batch.drop_column("poster_id")
    op.drop_index(op.f("ix_images_key"), table_name="images")
    op.drop_table("images")

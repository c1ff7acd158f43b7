"""Reports of past events with their photos, the visitors' photo consent, and series posters.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from calendar_app.models.types import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("series") as batch:
        batch.add_column(sa.Column("poster_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_series_poster_id_images"), "images", ["poster_id"], ["id"])
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(
            sa.Column("photo_consent", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.JSON(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("show_attendance", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_reports_event_id_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("event_id", name=op.f("uq_reports_event_id")),
    )
    op.create_index("ix_reports_published", "reports", ["published", "event_id"])
    op.create_table(
        "report_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("consent_confirmed_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("consent_confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_report_photos_report_id_reports")
        ),
        sa.ForeignKeyConstraint(
            ["image_id"], ["images.id"], name=op.f("fk_report_photos_image_id_images")
        ),
        sa.ForeignKeyConstraint(
            ["consent_confirmed_by_id"],
            ["staff_users.id"],
            name=op.f("fk_report_photos_consent_confirmed_by_id_staff_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_photos")),
    )
    op.create_index("ix_report_photos_report", "report_photos", ["report_id", "position"])


def downgrade() -> None:
    op.drop_index("ix_report_photos_report", table_name="report_photos")
    op.drop_table("report_photos")
    op.drop_index("ix_reports_published", table_name="reports")
    op.drop_table("reports")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("photo_consent")
    with op.batch_alter_table("series") as batch:
        batch.drop_constraint(op.f("fk_series_poster_id_images"), type_="foreignkey")
        batch.drop_column("poster_id")

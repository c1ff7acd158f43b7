"""Mail rendered by the outbox worker: when an outbox row's subject and bodies were written.

A row written by a request or a command holds what is to be said to whom (kind, registration,
language); the worker renders it when it first takes the row. Rows from before this revision
were rendered when they were written.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from calendar_app.models.types import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.add_column(sa.Column("rendered_at", UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE outbox_messages SET rendered_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages") as batch:
        batch.drop_column("rendered_at")

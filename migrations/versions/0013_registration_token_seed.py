"""A random seed per registration from which the manage token is derived under SECRET_KEY.

The token of a new registration no longer depends on its id, so the row is written once, with
its final token hashes, instead of being written and then updated under the event's lock.
Registrations from before keep their id-derived tokens (no seed).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("token_seed", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("token_seed")

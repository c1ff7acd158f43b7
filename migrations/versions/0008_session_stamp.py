"""Staff session stamp: logout and a new password end every session of the account.

Revision ID: 0008
Revises: 0007
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("session_stamp", sa.String(32), nullable=True))
    staff_users = sa.table("staff_users", sa.column("id", sa.Integer), sa.column("session_stamp"))
    connection = op.get_bind()
    for (staff_id,) in connection.execute(sa.select(staff_users.c.id)).all():
        connection.execute(
            staff_users.update()
            .where(staff_users.c.id == staff_id)
            .values(session_stamp=secrets.token_hex(16))
        )
    with op.batch_alter_table("staff_users") as batch:
        batch.alter_column("session_stamp", existing_type=sa.String(32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("session_stamp")

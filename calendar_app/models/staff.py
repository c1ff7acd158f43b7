"""Staff accounts: admins see every branch, branch staff only their own."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .branch import Branch
from .types import UTCDateTime

staff_branches = Table(
    "staff_branches",
    db.Model.metadata,
    Column("staff_id", ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True),
    Column("branch_id", ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True),
)


def new_session_stamp() -> str:
    return secrets.token_hex(16)


class StaffUser(UserMixin, db.Model):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(300))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the id Flask-Login keeps in the session and the remember cookie: a new stamp
    # (logout, a new password) makes every earlier session of the account worthless.
    session_stamp: Mapped[str] = mapped_column(String(32), default=new_session_stamp)

    branches: Mapped[list[Branch]] = relationship(secondary=staff_branches, order_by=Branch.name)

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active

    def get_id(self) -> str:  # Flask-Login keeps this in the session
        return f"{self.id}:{self.session_stamp}"

    def __repr__(self) -> str:
        return f"<StaffUser {self.email}{' admin' if self.is_admin else ''}>"

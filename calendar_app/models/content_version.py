"""One row whose number moves with every commit that changes what visitors can see."""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class ContentVersion(db.Model):
    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

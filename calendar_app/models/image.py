"""Images shown to visitors (posters): the files are on disk under UPLOADS_DIR, named by the
content hash (``key``); the row says which sizes exist and what the picture shows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime


class Image(db.Model):
    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    width: Mapped[int]  # of the largest size
    height: Mapped[int]
    widths: Mapped[list] = mapped_column(JSON, default=list)  # every stored width, ascending
    alt: Mapped[dict] = mapped_column(JSON, default=dict)  # {"kk": ..., "ru": ..., "en": ...}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

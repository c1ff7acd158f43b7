"""Recurring programmes and the days a branch is closed."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime

if TYPE_CHECKING:
    from .branch import Branch
    from .event import Event
    from .image import Image

MODE_PER_OCCURRENCE = "per_occurrence"
MODE_WHOLE_SERIES = "whole_series"
REGISTRATION_MODES = (MODE_PER_OCCURRENCE, MODE_WHOLE_SERIES)


class Series(db.Model):
    """A rule that made events; each occurrence is a real event with ``series_id`` set."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    title: Mapped[str] = mapped_column(String(300))
    rrule: Mapped[str] = mapped_column(String(500))
    registration_mode: Mapped[str] = mapped_column(String(20), default=MODE_PER_OCCURRENCE)
    skip_public_holidays: Mapped[bool] = mapped_column(default=True)
    # The poster every occurrence without one of its own shows (services/posters.py).
    poster_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    branch: Mapped[Branch] = relationship()
    poster: Mapped[Image | None] = relationship()
    events: Mapped[list[Event]] = relationship(
        back_populates="series", order_by="(Event.starts_at, Event.id)"
    )

    @property
    def is_whole_series(self) -> bool:
        return self.registration_mode == MODE_WHOLE_SERIES

    def __repr__(self) -> str:
        return f"<Series {self.id} {self.rrule!r}>"


class Closure(db.Model):
    """Days a branch is shut: a date range (``end_date`` inclusive) or a rule from ``start_date``."""

    __tablename__ = "closures"
    __table_args__ = (
        CheckConstraint(
            "(rrule IS NULL AND end_date IS NOT NULL AND end_date >= start_date)"
            " OR (rrule IS NOT NULL AND end_date IS NULL)",
            name="closure_range_or_rule",
        ),
        Index("ix_closures_branch", "branch_id", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    rrule: Mapped[str | None] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    branch: Mapped[Branch] = relationship()

    def __repr__(self) -> str:
        return f"<Closure {self.id} {self.start_date}..{self.end_date or self.rrule}>"

"""Events: what happens, where and when, and how one takes part."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime

if TYPE_CHECKING:
    from .branch import Branch, Venue
    from .image import Image
    from .registration import Registration
    from .report import Report
    from .series import Series

REGISTRATION_NONE = "none"
REGISTRATION_REQUIRED = "required"
REGISTRATION_KINDS = (REGISTRATION_NONE, REGISTRATION_REQUIRED)
STATUS_SCHEDULED = "scheduled"
STATUS_CANCELLED = "cancelled"
DEFAULT_MAX_PARTY = 4


class RegistrationWindow:
    """When an event takes registrations, from its columns: shared by ``Event`` and the terms a
    newcomer's registration reads under the event's lock (``services.seats.EventTerms``)."""

    status: str
    registration: str
    starts_at: datetime
    closes_at: datetime | None

    @property
    def is_cancelled(self) -> bool:
        return self.status == STATUS_CANCELLED

    @property
    def is_drop_in(self) -> bool:
        return self.registration == REGISTRATION_NONE

    @property
    def effective_closes_at(self) -> datetime:
        return self.closes_at or self.starts_at


class Event(RegistrationWindow, db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("max_party >= 1", name="max_party_positive"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        Index("ix_events_starts_at", "starts_at"),
        Index("ix_events_venue_starts", "venue_id", "starts_at"),
        Index("ix_events_branch_starts", "branch_id", "starts_at"),
        Index("ix_events_updated_at", "updated_at"),
        Index("ix_events_series_starts", "series_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"))
    poster_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(40))
    audience: Mapped[str] = mapped_column(String(20), default="all")
    age_min: Mapped[int | None]
    age_max: Mapped[int | None]
    language: Mapped[str] = mapped_column(String(5), default="kk")
    translations: Mapped[dict] = mapped_column(JSON, default=dict)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registration: Mapped[str] = mapped_column(String(10), default=REGISTRATION_REQUIRED)
    capacity: Mapped[int] = mapped_column(default=0)
    max_party: Mapped[int] = mapped_column(default=DEFAULT_MAX_PARTY)
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Hours before the start by which confirmed parties must confirm they are coming; None: off.
    confirm_attendance_hours: Mapped[int | None]
    # When the confirmed parties were asked to confirm (once per event); None: not yet.
    attendance_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default=STATUS_SCHEDULED)
    sequence: Mapped[int] = mapped_column(default=0)
    headcount: Mapped[int | None]
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    branch: Mapped[Branch] = relationship(back_populates="events")
    venue: Mapped[Venue] = relationship()
    series: Mapped[Series | None] = relationship(back_populates="events")
    poster: Mapped[Image | None] = relationship()
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="event", order_by="Registration.id"
    )
    report: Mapped[Report | None] = relationship(back_populates="event")

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r}>"

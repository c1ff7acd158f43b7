"""A visitor's registration: a party of seats for one event."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime

if TYPE_CHECKING:
    from .event import Event
    from .staff import StaffUser

STATUS_CONFIRMED = "confirmed"
STATUS_WAITLISTED = "waitlisted"
STATUS_CANCELLED = "cancelled"
SOURCE_WEB = "web"
SOURCE_API = "api"
SOURCE_WALK_IN = "walk_in"
SOURCES = (SOURCE_WEB, SOURCE_API, SOURCE_WALK_IN)


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        CheckConstraint("seats >= 1", name="seats_positive"),
        # One active registration per address and event, whatever the code above does.
        Index(
            "uq_registrations_active_email",
            "event_id",
            "email_normalized",
            unique=True,
            sqlite_where=text("status != 'cancelled' AND email_normalized IS NOT NULL"),
            postgresql_where=text("status != 'cancelled' AND email_normalized IS NOT NULL"),
        ),
        Index("ix_registrations_event_status", "event_id", "status", "id"),
        # The waiting parties, and those on standby, counted from the index alone (a waitlist
        # position; a newcomer's seat figures when its event has no tally row).
        Index("ix_registrations_event_status_standby", "event_id", "status", "standby"),
        Index("ix_registrations_booking", "booking_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    # None once the personal data of a long-past event has been purged (so is the address).
    name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    email_normalized: Mapped[str | None] = mapped_column(String(254))
    seats: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))
    language: Mapped[str] = mapped_column(String(5), default="kk")
    source: Mapped[str] = mapped_column(String(10), default="web")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Random; the manage token is derived from it under SECRET_KEY (security.py). None on rows
    # from before it existed, whose token is derived from their id instead.
    token_seed: Mapped[str | None] = mapped_column(String(32))
    checkin_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Attendance confirmation: when the party was asked, and when it said it is coming.
    attendance_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the address is purged from a no-show, its keyed HMAC (security.address_digest) stays
    # for the twelve months of the no-show history; None otherwise.
    address_digest: Mapped[str | None] = mapped_column(String(64), index=True)
    # A whole-series booking is one row per occurrence, all with the id of the first (the lead,
    # which holds the manage token); None for a registration for one event.
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"))
    # Waitlisted by the no-show policy (NO_SHOW_LIMIT): it waits behind every other waiting
    # party and is seated only from ``no_shows.standby_release`` on (services/no_shows.py).
    standby: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The party's answer to "may we photograph you (and the children with you)?"; staff see it
    # on the roster and at the door. False unless the visitor said yes.
    photo_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    event: Mapped[Event] = relationship(back_populates="registrations")
    checked_in_by: Mapped[StaffUser | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.status != STATUS_CANCELLED

    @property
    def is_series_booking(self) -> bool:
        return self.booking_id is not None

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status} x{self.seats} for event {self.event_id}>"

"""What happened at a past event: the staff's report, published as the library's news, and
the photos that go with it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, ForeignKey, Index, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime

if TYPE_CHECKING:
    from .event import Event
    from .image import Image
    from .staff import StaffUser

MAX_PHOTOS = 20


class Report(db.Model):
    """One per event at most. ``updated_at`` moves only when what is published changes (the Atom
    feed's ``updated``); ``published_at`` is the first time it was published."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_published", "published", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), unique=True)
    text: Mapped[dict] = mapped_column(JSON, default=dict)  # {"kk": markdown, "ru": ..., "en": ...}
    published: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Whether /news and the event page show how many came (checked-in seats plus head counts).
    show_attendance: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="report")
    photos: Mapped[list[ReportPhoto]] = relationship(
        back_populates="report", order_by="(ReportPhoto.position, ReportPhoto.id)"
    )

    def __repr__(self) -> str:
        return f"<Report {self.id} for event {self.event_id}>"


class ReportPhoto(db.Model):
    """A photo of a report. A photo is stored only once a staff member has confirmed that the
    people in it agreed to be photographed: who confirmed it and when is kept with the photo."""

    __tablename__ = "report_photos"
    __table_args__ = (Index("ix_report_photos_report", "report_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    image_id: Mapped[int] = mapped_column(ForeignKey("images.id"))
    position: Mapped[int] = mapped_column(default=0)
    consent_confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    report: Mapped[Report] = relationship(back_populates="photos")
    image: Mapped[Image] = relationship()
    consent_confirmed_by: Mapped[StaffUser | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReportPhoto {self.id} of report {self.report_id}>"

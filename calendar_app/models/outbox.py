"""Outgoing mail, written in the same transaction as the change that caused it.

A new row says what is to be said to whom (``kind``, ``registration_id``, ``language``); the
outbox worker renders its subject, bodies, calendar part and check-in link when it first takes
it (``rendered_at``), and every later attempt sends exactly that.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime

OUTBOX_PENDING = "pending"
OUTBOX_SENDING = "sending"
OUTBOX_SENT = "sent"
OUTBOX_FAILED = "failed"
OUTBOX_STATUSES = (OUTBOX_PENDING, OUTBOX_SENDING, OUTBOX_SENT, OUTBOX_FAILED)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    to_address: Mapped[str] = mapped_column(String(254))
    to_name: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(400))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    ics_attachment: Mapped[str | None] = mapped_column(Text)
    # For a mail that seats a party: the door check-in link, sent as an inline QR code image.
    checkin_url: Mapped[str | None] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(5), default="kk")
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id"))
    status: Mapped[str] = mapped_column(String(10), default=OUTBOX_PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rendered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.kind} {self.status}>"

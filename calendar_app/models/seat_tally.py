"""Each event's running seat figures, kept by database triggers (migration 0015)."""

from __future__ import annotations

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class EventSeatTally(db.Model):
    """What a newcomer's registration decides on, without counting the event's registrations.

    Triggers on ``registrations`` move these figures with every insert, delete and change of
    event, status, seats or standby, in the same transaction; a trigger on ``events`` adds the
    row. ``seats.seat_count`` still counts rows for every figure shown; a newcomer reads this
    row under the event's lock, so a waitlist of thousands costs it no more than an empty one.
    """

    __tablename__ = "event_seat_tallies"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("events.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    confirmed_seats: Mapped[int] = mapped_column(default=0, server_default="0")
    waiting_parties: Mapped[int] = mapped_column(default=0, server_default="0")
    standby_parties: Mapped[int] = mapped_column(default=0, server_default="0")

"""How the outbox stands: what readiness checks and the metrics show about undelivered mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from ..extensions import db
from ..models import OutboxMessage
from ..models.outbox import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENDING
from ..timeutil import as_utc

UNSENT = (OUTBOX_PENDING, OUTBOX_SENDING)


@dataclass(frozen=True)
class OutboxStatus:
    pending: int  # queued and not yet sent: waiting, retrying or on the wire
    failed: int  # given up on
    oldest_pending_seconds: int | None  # age of the oldest unsent mail; None if there is none


def outbox_status(now: datetime) -> OutboxStatus:
    """Count unsent and failed mail in one query."""
    unsent = OutboxMessage.status.in_(UNSENT)
    pending, failed, oldest = db.session.execute(
        select(
            func.count(case((unsent, 1))),
            func.count(case((OutboxMessage.status == OUTBOX_FAILED, 1))),
            func.min(case((unsent, OutboxMessage.created_at))),
        )
    ).one()
    age = None
    if oldest is not None:
        age = max(0, int((now - as_utc(oldest)).total_seconds()))
    return OutboxStatus(pending=pending or 0, failed=failed or 0, oldest_pending_seconds=age)

"""Browsing pages: upcoming events, event details, month grid, branches."""

from __future__ import annotations

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Event
from ..models.event import STATUS_SCHEDULED
from ..timeutil import utcnow
from . import bp


@bp.get("/")
def index() -> str:
    now = utcnow()
    events = (
        db.session.execute(
            select(Event)
            .options(joinedload(Event.branch), joinedload(Event.venue))
            .where(Event.ends_at > now, Event.status == STATUS_SCHEDULED)
            .order_by(Event.starts_at, Event.id)
            .limit(50)
        )
        .scalars()
        .all()
    )
    return render_template("public/index.html", events=events)

"""At the door: the roster, check-in by row or QR code, walk-ins, head counts and exports."""

from __future__ import annotations

from flask import render_template

from ..services.attendance import roster as build_roster
from . import bp
from .events import load_event
from .forms import ConfirmForm


@bp.get("/events/<int:event_id>/roster")
def roster(event_id: int) -> str:
    event = load_event(event_id)
    return render_template(
        "staff/roster.html", event=event, roster=build_roster(event.id), form=ConfirmForm()
    )

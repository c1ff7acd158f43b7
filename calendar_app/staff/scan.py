"""Scanning at the door: the camera page (``/staff/scan``, optionally ``?event=<id>``), the JSON
endpoint its script posts each decoded QR code to, and the same by a plain form for a typed code.

The rules are in services/door.py; the words in door_results.py.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from ..database import unit_of_work
from ..models import Event
from ..services import door, permissions, registrations
from ..timeutil import utcnow
from . import bp
from .door_results import FORBIDDEN, INVALID, UNKNOWN, DoorResult, describe, refusal
from .events import load_event


class ScanForm(FlaskForm):
    """A code typed or pasted by hand; what it must look like is the door's business."""

    code = StringField(_l("Check-in code"))


def door_event() -> Event | None:
    """The event the page is tied to by ``?event=<id>``: 400 if not a number, 404 if unknown,
    403 if another branch's."""
    raw = request.args.get("event")
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 10:
        abort(400)
    return load_event(int(raw))


def scan(text: object, event: Event | None) -> DoorResult:
    """Check in the party whose code (or check-in link) this is, if the door admits it."""
    if not isinstance(text, str) or not text.strip() or len(text) > door.LONGEST_SCAN:
        return refusal(INVALID)
    code = door.code_from_scan(text, current_app.config["BASE_URL"])
    found = registrations.find_by_checkin_code(code) if code else None
    if found is None:
        return refusal(UNKNOWN)
    if not permissions.can_manage_branch(current_user, found.event.branch_id):
        return refusal(FORBIDDEN)
    now = utcnow()
    event_id = event.id if event else None
    with unit_of_work():
        row = door.row_at_the_door(found, now, event_id)
        result = describe(door.check_in_at_the_door(row, current_user.id, now, event_id))
    return result


def render_scan_page(event: Event | None, result: DoorResult | None = None) -> Any:
    arguments = {"event": event.id} if event else {}
    return render_template(
        "staff/scan.html",
        event=event,
        events=[]
        if event
        else door.events_at_the_door(permissions.branch_ids(current_user), utcnow()),
        result=result,
        form=ScanForm(formdata=None),
        arguments=arguments,
    )


@bp.get("/scan")
def scan_page() -> Any:
    return render_scan_page(door_event())


@bp.post("/scan")
def scan_typed() -> Any:
    """The typed code without JavaScript: the page again, with the result on it."""
    event = door_event()
    form = ScanForm()
    result = scan(form.code.data, event) if form.validate_on_submit() else refusal(INVALID)
    return render_scan_page(event, result), result.http_status


@bp.post("/scan/check-in")
def scan_check_in() -> Any:
    """``{"code": "<code or check-in link>"}`` -> the result the page shows, as JSON."""
    event = door_event()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify({"error": _("The request body must be a JSON object.")}), 400
    result = scan(body.get("code"), event)
    return jsonify(result.as_json()), result.http_status

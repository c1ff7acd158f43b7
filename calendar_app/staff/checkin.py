"""Check-in by roster row (a form, or fetch from static/js/staff.js), by QR code, and walk-ins.

Seats change only through services/registrations.py.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..database import unit_of_work
from ..extensions import db
from ..form_errors import apply_errors
from ..models import Event, Registration
from ..services import course_bookings, door, permissions, registrations
from ..services.attendance import door_counts
from ..services.errors import Conflict, InvalidInput
from ..services.seats import seat_count
from ..timeutil import utcnow
from . import bp
from .attendance import render_roster
from .door_results import describe
from .events import load_event
from .forms import ConfirmForm, WalkInForm


def _load_registration(registration_id: int) -> Registration:
    registration = db.session.execute(
        select(Registration)
        .options(joinedload(Registration.event).joinedload(Event.branch))
        .where(Registration.id == registration_id)
    ).scalar_one_or_none()
    if registration is None:
        abort(404)
    return permissions.require_registration(current_user, registration)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


def _summary(event: Event) -> str:
    seats = seat_count(event.id)
    return _(
        "%(taken)d of %(capacity)d seats taken, %(present)d checked in, %(waiting)d parties waiting.",
        taken=seats.confirmed,
        capacity=seats.capacity,
        present=seats.checked_in,
        waiting=seats.waiting_parties,
    )


def _answer(registration: Registration, error: str | None, done: str) -> Any:
    event = registration.event
    if _wants_json():
        row = render_template("staff/_roster_row.html", registration=registration, event=event)
        counts = render_template("staff/_roster_counts.html", counts=door_counts(event.id))
        body = {
            "row_html": row,
            "counts_html": counts,
            "summary": _summary(event),
            "message": error or done,
        }
        if error:
            body["error"] = error
        return jsonify(body), 409 if error else 200
    flash(error or done, "error" if error else "info")
    return redirect(url_for("staff.roster", event_id=event.id) + f"#registration-{registration.id}")


def _change(registration_id: int, undo: bool) -> Any:
    registration = _load_registration(registration_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    error = None
    try:
        with unit_of_work():
            if undo:
                registrations.undo_check_in(registration, utcnow())
            else:
                registrations.check_in(registration, current_user.id, utcnow())
    except Conflict as failure:
        error = failure.message
    done = (
        _("Check-in of %(name)s undone.", name=registration.name)
        if undo
        else _("%(name)s is checked in.", name=registration.name)
    )
    return _answer(registration, error, done)


@bp.post("/registrations/<id:registration_id>/check-in")
def check_in(registration_id: int) -> Any:
    return _change(registration_id, undo=False)


@bp.post("/registrations/<id:registration_id>/undo-check-in")
def undo_check_in(registration_id: int) -> Any:
    return _change(registration_id, undo=True)


@bp.route("/check-in/<code>", methods=["GET", "POST"])
def check_in_by_code(code: str) -> Any:
    """What the QR code opens in any scanner app: confirm, then POST. The door's warnings
    (another day, cancelled, waiting, already checked in) come before the button; only on
    another day may staff still check the party in, having read the warning."""
    found = registrations.find_by_checkin_code(code)
    if found is None:
        abort(404)
    registration = _load_registration(course_bookings.row_for_the_door(found, utcnow()).id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                registrations.check_in(registration, current_user.id, utcnow())
        except Conflict as failure:
            flash(failure.message, "error")
        else:
            flash(_("%(name)s is checked in.", name=registration.name), "info")
            return redirect(url_for("staff.roster", event_id=registration.event_id))
    check = door.door_check(registration, utcnow())
    return render_template(
        "staff/check_in_confirm.html",
        registration=registration,
        event=registration.event,
        form=form,
        warning=None if check.kind == door.READY else describe(check),
        may_check_in=check.kind in (door.READY, door.OTHER_DAY),
    )


@bp.post("/events/<id:event_id>/walk-ins")
def walk_in(event_id: int) -> Any:
    """Seat a party at the door while seats remain, or beyond the capacity when asked to."""
    event = load_event(event_id)
    form = WalkInForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                party = registrations.add_walk_in(
                    event.id,
                    name=form.name.data,
                    seats=form.seats.data,
                    staff_id=current_user.id,
                    now=utcnow(),
                    override_capacity=bool(form.override_capacity.data),
                    photo_consent=form.photo_consent.data is True,
                )
                name = party.name
        except InvalidInput as error:
            apply_errors(form, error.errors)
        except Conflict as error:
            apply_errors(form, {error.field or "_": [error.message]})
        else:
            flash(_("%(name)s is added and checked in.", name=name), "info")
            return redirect(url_for("staff.roster", event_id=event.id))
    return render_roster(load_event(event_id), status=422, walk_in_form=form)

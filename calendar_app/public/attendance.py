"""The visitor confirms they are still coming: ``/r/<token>/confirm`` (a page, then a POST)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..database import unit_of_work
from ..localization import localized
from ..services import attendance_confirmation, catalog
from ..services.errors import Conflict
from ..timeutil import utcnow
from . import bp
from .forms import CancelForm
from .registration import _registration_or_404, own_csrf_check


class ConfirmForm(CancelForm):
    """Only the CSRF token: the visitor confirms with a button."""


@bp.app_context_processor
def _attendance_helper() -> dict[str, Any]:
    return {"attendance_confirmed": attendance_confirmation.is_confirmed}


@bp.route("/r/<token>/confirm", methods=["GET", "POST"])
@own_csrf_check
def confirm_attendance(token: str) -> Any:
    registration = _registration_or_404(token)
    event = catalog.get_event(registration.event_id)
    now = utcnow()
    form = ConfirmForm()
    problem = attendance_confirmation.confirmation_problem(registration, now)
    status = 409 if problem else 200
    if problem is None and form.is_submitted():
        if not form.validate():
            form.form_errors.append(_("The form has expired. Please confirm again."))
            status = 400
        else:
            try:
                with unit_of_work():
                    attendance_confirmation.confirm(registration, now)
            except Conflict as error:
                problem, status = error.message, 409
            else:
                flash(_("Thank you: your seats are kept for you. See you there!"))
                return redirect(url_for("public.manage_registration", token=token), 303)
    return (
        render_template(
            "public/confirm_attendance.html",
            registration=registration,
            event=event,
            title=localized(event, "title"),
            token=token,
            form=form,
            problem=problem,
            deadline=attendance_confirmation.deadline(event),
            already=registration.attendance_confirmed_at is not None,
        ),
        status,
    )

"""Series for staff: plan one with a preview of its dates, see its dates, cancel what is upcoming."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..database import unit_of_work
from ..form_errors import apply_errors
from ..models import Series
from ..services import permissions
from ..services.errors import InvalidInput
from ..services.rule_builder import build_rule
from ..services.seats import seat_counts
from ..services.series import (
    SeriesPreview,
    cancel_series,
    create_series,
    get_series,
    occurrences,
    preview_series,
    upcoming_occurrences,
)
from ..timeutil import active_locale, utcnow
from . import bp
from .events import chosen_branch, event_data_from_form, planning_form
from .forms import ConfirmForm, SeriesForm

# The series service names values as the API does; these are the form fields that hold them.
SERIES_FIELDS = {"rrule": "frequency", "start": "starts_at", "end": "ends_at"}


def load_series(series_id: int) -> Series:
    """The series if it exists (404) and belongs to one of my branches (403)."""
    series = get_series(series_id)
    permissions.require_branch(current_user, series.branch_id)
    return series


@bp.route("/series/new", methods=["GET", "POST"])
def new_series() -> Any:
    form, branches = planning_form(SeriesForm)
    preview: SeriesPreview | None = None
    branch = None
    status = 200
    if form.validate_on_submit():
        branch = chosen_branch(form, branches)
        now = utcnow()
        try:
            rule = build_rule(form.repetition())
            data = event_data_from_form(form, branch.timezone)
            options = {
                "registration_mode": form.registration_mode.data,
                "skip_public_holidays": bool(form.skip_public_holidays.data),
                "language": active_locale(),
            }
            if request.form.get("action") != "save":
                preview = preview_series(branch, data, rule, now, **options)
            else:
                with unit_of_work():
                    result = create_series(branch, data, rule, now, **options)
                flash(
                    ngettext(
                        "The series “%(title)s” is planned: %(num)d date.",
                        "The series “%(title)s” is planned: %(num)d dates.",
                        len(result.occurrences),
                        title=result.series.title,
                    ),
                    "info",
                )
                return redirect(url_for("staff.series_detail", series_id=result.series.id))
        except InvalidInput as error:
            apply_errors(form, error.errors, SERIES_FIELDS)
            status = 422
    elif form.is_submitted():
        status = 422
    return (
        render_template("staff/series_form.html", form=form, preview=preview, branch=branch),
        status,
    )


@bp.get("/series/<id:series_id>")
def series_detail(series_id: int) -> str:
    series = load_series(series_id)
    now = utcnow()
    dates = occurrences(series.id)
    return render_template(
        "staff/series.html",
        series=series,
        dates=dates,
        upcoming=upcoming_occurrences(series.id, now),
        seats=seat_counts([event.id for event in dates]),
        now=now,
    )


@bp.route("/series/<id:series_id>/cancel", methods=["GET", "POST"], endpoint="cancel_series")
def cancel_series_view(series_id: int) -> Any:
    series = load_series(series_id)
    form = ConfirmForm()
    now = utcnow()
    if form.validate_on_submit():
        with unit_of_work():
            cancelled = cancel_series(series, now)
        flash(
            ngettext(
                "%(num)d upcoming date is cancelled.",
                "%(num)d upcoming dates are cancelled.",
                len(cancelled),
            )
            if cancelled
            else _("There was no upcoming date to cancel."),
            "info",
        )
        return redirect(url_for("staff.series_detail", series_id=series.id))
    upcoming = upcoming_occurrences(series.id, now)
    return render_template(
        "staff/series_cancel.html",
        series=series,
        form=form,
        upcoming=upcoming,
        seats=seat_counts([event.id for event in upcoming]),
    )

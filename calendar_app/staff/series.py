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
from ..services import permissions, posters
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
from ..vocabulary import LANGUAGES
from . import bp
from .events import POSTER_FIELDS, chosen_branch, event_data_from_form, planning_form, save_poster
from .forms import ConfirmForm, NewSeriesPosterForm, SeriesPosterForm

# The series service names values as the API does; these are the form fields that hold them.
SERIES_FIELDS = {"rrule": "frequency", "start": "starts_at", "end": "ends_at", **POSTER_FIELDS}


def load_series(series_id: int) -> Series:
    """The series if it exists (404) and belongs to one of my branches (403)."""
    series = get_series(series_id)
    permissions.require_branch(current_user, series.branch_id)
    return series


@bp.route("/series/new", methods=["GET", "POST"])
def new_series() -> Any:
    form, branches = planning_form(NewSeriesPosterForm)
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
                    save_poster(form, result.series)
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
        except posters.ImageTooLarge as error:
            form.poster.errors = [error.message]
            status = 413
    elif form.is_submitted():
        status = 422
    return (
        render_template("staff/series_form.html", form=form, preview=preview, branch=branch),
        status,
    )


def _series_page(series: Series, poster_form: SeriesPosterForm) -> str:
    now = utcnow()
    dates = occurrences(series.id)
    return render_template(
        "staff/series.html",
        series=series,
        dates=dates,
        upcoming=upcoming_occurrences(series.id, now),
        seats=seat_counts([event.id for event in dates]),
        now=now,
        poster_form=poster_form,
    )


@bp.get("/series/<id:series_id>")
def series_detail(series_id: int) -> str:
    series = load_series(series_id)
    alt = series.poster.alt if series.poster else {}
    form = SeriesPosterForm(data={f"poster_alt_{code}": alt.get(code) or "" for code in LANGUAGES})
    return _series_page(series, form)


@bp.post("/series/<id:series_id>/poster")
def series_poster(series_id: int) -> Any:
    """Replace the series' poster (its dates showing it follow), describe it, or remove it."""
    series = load_series(series_id)
    form = SeriesPosterForm()
    status = 422
    if form.validate():
        try:
            with unit_of_work():
                save_poster(form, series)
        except InvalidInput as error:
            apply_errors(form, error.errors, POSTER_FIELDS)
        except posters.ImageTooLarge as error:
            form.poster.errors = [error.message]
            status = 413
        else:
            flash(
                _("The poster is removed.")
                if form.remove_poster.data
                else _("The poster of the series is saved."),
                "info",
            )
            return redirect(url_for("staff.series_detail", series_id=series.id))
    return _series_page(series, form), status


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

"""Dashboard and event management: create, edit and cancel events in the branch's local time."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice

from ..database import unit_of_work
from ..extensions import db
from ..form_errors import apply_errors
from ..localization import localized
from ..models import Branch, Event, Series
from ..services import permissions, posters, reports
from ..services.catalog import get_event
from ..services.errors import Conflict, InvalidInput
from ..services.events import EventData, cancel_event, create_event, event_data, update_event
from ..services.seats import availabilities, seat_count
from ..services.series import changed_fields, update_series
from ..timeutil import local_to_utc, to_local, utcnow
from ..vocabulary import LANGUAGES
from . import bp
from .forms import (
    SCOPE_ONE,
    ConfirmForm,
    EventForm,
    EventPosterForm,
    NewPosterFields,
    OccurrenceForm,
    OccurrencePosterForm,
)

DASHBOARD_LIMIT = 200
POSTER_FIELDS = {"image": "poster", **{f"alt_{code}": f"poster_alt_{code}" for code in LANGUAGES}}
PlanningForm = TypeVar("PlanningForm", bound=EventForm)


def load_event(event_id: int) -> Event:
    """The event if it exists (404) and belongs to one of my branches (403)."""
    return permissions.require_event(current_user, get_event(event_id))


@bp.get("/")
def dashboard() -> str:
    now = utcnow()
    query = (
        select(Event)
        .options(joinedload(Event.branch), joinedload(Event.venue))
        .where(Event.ends_at > now)
        .order_by(Event.starts_at, Event.id)
        .limit(DASHBOARD_LIMIT)
    )
    events = db.session.execute(permissions.limit_to_branches(query, current_user)).scalars().all()
    return render_template(
        "staff/dashboard.html",
        listings=availabilities(list(events), now),
        unreported=reports.events_without_report(current_user, now),
        many_branches=current_user.is_admin or len(current_user.branches) > 1,
    )


def managed_branches() -> list[Branch]:
    return list(
        db.session.execute(
            permissions.managed_branches_query(current_user).options(selectinload(Branch.venues))
        )
        .scalars()
        .all()
    )


def venue_choices(branches: list[Branch]) -> list[SelectChoice]:
    """The rooms of these branches, grouped by branch when there are several."""
    many = len(branches) > 1
    return [
        SelectChoice(
            venue.id,
            _(
                "%(room)s (%(capacity)d seats)",
                room=localized(venue, "name"),
                capacity=venue.capacity,
            ),
            optgroup=localized(branch, "name") if many else None,
        )
        for branch in branches
        for venue in branch.venues
    ]


def _local(moment: datetime | None, zone: str) -> datetime | None:
    return to_local(moment, zone).replace(tzinfo=None) if moment else None


def _utc(value: datetime | None, zone: str) -> datetime | None:
    return local_to_utc(value, zone) if value else None


def _translations(form: EventForm) -> dict[str, dict[str, str]]:
    """The form's title and description in the languages other than the event's own."""
    return {
        code: {
            "title": form[f"title_{code}"].data or "",
            "description": form[f"description_{code}"].data or "",
        }
        for code in LANGUAGES
        if code != form.language.data
    }


def _translation_data(event: Event) -> dict[str, str]:
    """The event's translations as form data, to pre-fill the edit form."""
    values = {}
    for code in LANGUAGES:
        texts = (event.translations or {}).get(code) or {}
        for name in ("title", "description"):
            values[f"{name}_{code}"] = texts.get(name) or ""
    return values


def event_data_from_form(form: EventForm, zone: str) -> EventData:
    return EventData(
        title=form.title.data or "",
        description=form.description.data or "",
        category=form.category.data,
        audience=form.audience.data,
        age_min=form.age_min.data,
        age_max=form.age_max.data,
        language=form.language.data,
        venue_id=form.venue_id.data,
        starts_at=local_to_utc(form.starts_at.data, zone),
        ends_at=local_to_utc(form.ends_at.data, zone),
        registration=form.registration.data,
        capacity=form.capacity.data,
        max_party=form.max_party.data,
        waitlist_enabled=bool(form.waitlist_enabled.data),
        confirm_attendance_hours=form.confirm_attendance_hours.data,
        opens_at=_utc(form.opens_at.data, zone),
        closes_at=_utc(form.closes_at.data, zone),
        translations=_translations(form),
    )


def poster_upload(form: NewPosterFields) -> tuple[bytes | None, dict[str, str | None]]:
    """The picture chosen on the form (read up to one byte past the limit, which is refused)
    and its descriptions."""
    upload = form.poster.data
    data = upload.stream.read(posters.MAX_BYTES + 1) if upload else None
    return data, {code: form[f"poster_alt_{code}"].data for code in LANGUAGES}


def save_poster(form: NewPosterFields, holder: Event | Series) -> None:
    """Apply the form's poster fields to an event or a series (inside the caller's unit of
    work); a form without a "remove" box (a new series) only adds."""
    data, alt = poster_upload(form)
    posters.change_poster(
        holder,
        data=data,
        alt=alt,
        remove="remove_poster" in form and bool(form.remove_poster.data),
        uploads_dir=current_app.config["UPLOADS_DIR"],
        now=utcnow(),
    )


def _poster_data(event: Event) -> dict[str, str]:
    alt = event.poster.alt if event.poster else {}
    return {f"poster_alt_{code}": alt.get(code) or "" for code in LANGUAGES}


def planning_form(form_class: type[PlanningForm]) -> tuple[PlanningForm, list[Branch]]:
    """A new event (or series) form offering the branches I manage and their rooms."""
    branches = managed_branches()
    if not branches:
        abort(403, _("Your account has no branch yet."))
    form = form_class()
    form.branch_id.choices = [
        SelectChoice(branch.id, localized(branch, "name")) for branch in branches
    ]
    form.venue_id.choices = venue_choices(branches)
    return form, branches


def chosen_branch(form: EventForm, branches: list[Branch]) -> Branch:
    """The branch a validated planning form names (one of ``branches``), checked again."""
    branch = next(branch for branch in branches if branch.id == form.branch_id.data)
    permissions.require_branch(current_user, branch.id)
    return branch


@bp.route("/events/new", methods=["GET", "POST"])
def new_event() -> Any:
    form, branches = planning_form(EventPosterForm)
    status = 200
    if form.validate_on_submit():
        branch = chosen_branch(form, branches)
        try:
            with unit_of_work():
                event = create_event(branch, event_data_from_form(form, branch.timezone), utcnow())
                save_poster(form, event)
        except InvalidInput as error:
            apply_errors(form, error.errors, POSTER_FIELDS)
            status = 422
        except posters.ImageTooLarge as error:
            form.poster.errors = [error.message]
            status = 413
        else:
            flash(_("The event “%(title)s” is planned.", title=event.title), "info")
            return redirect(url_for("staff.roster", event_id=event.id))
    elif form.is_submitted():
        status = 422
    return render_template("staff/event_form.html", form=form, event=None), status


def _save_edit(event: Event, data: EventData, scope: str) -> int:
    """Save the edit form for this event alone or for dates of its series; how many changed.

    For several dates only the fields changed on the form are applied, so what differs from
    one date to another (a room, a capacity) stays as it is.
    """
    now = utcnow()
    if scope == SCOPE_ONE:
        update_event(event, data, now)
        return 1
    changes = changed_fields(event_data(event), data)
    if not changes:
        return 0
    assert event.series is not None
    return len(update_series(event.series, changes, now, scope=scope, from_event=event.id))


@bp.route("/events/<id:event_id>/edit", methods=["GET", "POST"])
def edit_event(event_id: int) -> Any:
    event = load_event(event_id)
    zone = event.branch.timezone
    branch = db.session.execute(
        select(Branch).options(selectinload(Branch.venues)).where(Branch.id == event.branch_id)
    ).scalar_one()
    if event.is_cancelled:
        flash(_("A cancelled event cannot be edited."), "error")
        return redirect(url_for("staff.roster", event_id=event.id))
    form = OccurrencePosterForm() if event.series_id is not None else EventPosterForm()
    del form.branch_id
    form.venue_id.choices = venue_choices([branch])
    status = 200
    if not form.is_submitted():
        form.process(
            data={
                "title": event.title,
                "description": event.description,
                "category": event.category,
                "audience": event.audience,
                "age_min": event.age_min,
                "age_max": event.age_max,
                "language": event.language,
                "venue_id": event.venue_id,
                "starts_at": _local(event.starts_at, zone),
                "ends_at": _local(event.ends_at, zone),
                "registration": event.registration,
                "capacity": event.capacity,
                "max_party": event.max_party,
                "waitlist_enabled": event.waitlist_enabled,
                "confirm_attendance_hours": event.confirm_attendance_hours,
                "opens_at": _local(event.opens_at, zone),
                "closes_at": _local(event.closes_at, zone),
                **_translation_data(event),
                **_poster_data(event),
            }
        )
    elif form.validate():
        scope = form.scope.data if isinstance(form, OccurrenceForm) else SCOPE_ONE
        try:
            data = event_data_from_form(form, zone)
            with unit_of_work():
                changed = _save_edit(event, data, scope)
                save_poster(form, event)
        except InvalidInput as error:
            apply_errors(form, error.errors, {"from_event": "scope", **POSTER_FIELDS})
            status = 422
        except posters.ImageTooLarge as error:
            form.poster.errors = [error.message]
            status = 413
        except Conflict as error:
            form.form_errors.append(error.message)
            status = 409
        else:
            if scope == SCOPE_ONE:
                flash(_("The changes are saved."), "info")
                return redirect(url_for("staff.roster", event_id=event.id))
            flash(
                ngettext(
                    "The changes are saved for %(num)d date.",
                    "The changes are saved for %(num)d dates.",
                    changed,
                )
                if changed
                else _("Nothing was changed."),
                "info",
            )
            return redirect(url_for("staff.series_detail", series_id=event.series_id))
    else:
        status = 422
    return render_template("staff/event_form.html", form=form, event=event), status


@bp.route("/events/<id:event_id>/cancel", methods=["GET", "POST"], endpoint="cancel_event")
def cancel_event_view(event_id: int) -> Any:
    event = load_event(event_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                cancel_event(event, utcnow())
        except Conflict as error:
            flash(error.message, "error")
        else:
            flash(_("The event “%(title)s” is cancelled.", title=event.title), "info")
        return redirect(url_for("staff.roster", event_id=event.id))
    seats = seat_count(event.id)
    return render_template("staff/event_cancel.html", event=event, form=form, seats=seats)

"""At the door: the roster, check-in by row or QR code, walk-ins, head counts and exports."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..database import unit_of_work
from ..form_errors import apply_errors
from ..models import Event
from ..services import no_shows
from ..services.attendance import MAX_SEARCH_LENGTH, parse_search, roster_csv, set_headcount
from ..services.attendance import roster as build_roster
from ..services.errors import InvalidInput
from ..timeutil import utcnow
from . import bp
from .events import load_event
from .forms import ConfirmForm, HeadcountForm, WalkInForm


def render_roster(
    event: Event,
    *,
    status: int = 200,
    search: str | None = None,
    search_error: str | None = None,
    **forms: Any,
) -> Any:
    """The roster page, narrowed to the parties a search finds, with the forms a failed POST
    passes back (their errors shown)."""
    forms.setdefault("headcount_form", HeadcountForm(data={"headcount": event.headcount}))
    forms.setdefault("walk_in_form", WalkInForm())
    whole = build_roster(event.id)
    return (
        render_template(
            "staff/roster.html",
            event=event,
            roster=whole.matching(search),
            total_parties=whole.parties,
            search_text=_shown_search(request.args.get("q", "")),
            search_error=search_error,
            no_shows=no_shows.roster_counts(whole.confirmed + whole.waitlist, utcnow()),
            form=ConfirmForm(),
            **forms,
        ),
        status,
    )


def _shown_search(raw: str) -> str:
    """The search as typed, for the search box: a refused one shortened and without controls."""
    return "".join(ch for ch in raw[:MAX_SEARCH_LENGTH] if ch.isprintable())


@bp.get("/events/<id:event_id>/roster")
def roster(event_id: int) -> Any:
    event = load_event(event_id)
    try:
        search = parse_search(request.args.get("q"))
    except InvalidInput as error:
        return render_roster(event, status=400, search_error=error.errors["q"][0])
    return render_roster(event, search=search)


@bp.get("/events/<id:event_id>/roster.csv")
def roster_export(event_id: int) -> Response:
    event = load_event(event_id)
    body = roster_csv(event, build_roster(event.id))
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="roster-event-{event.id}.csv"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@bp.get("/events/<id:event_id>/sign-in-sheet")
def sign_in_sheet(event_id: int) -> str:
    event = load_event(event_id)
    return render_template("staff/sign_in_sheet.html", event=event, roster=build_roster(event.id))


@bp.post("/events/<id:event_id>/headcount")
def headcount(event_id: int) -> Any:
    event = load_event(event_id)
    form = HeadcountForm()
    if form.validate_on_submit():
        try:
            with unit_of_work():
                set_headcount(event, form.headcount.data, utcnow())
        except InvalidInput as error:
            apply_errors(form, error.errors)
        else:
            flash(_("Head count saved: %(count)d.", count=event.headcount), "info")
            return redirect(url_for("staff.roster", event_id=event.id))
    return render_roster(load_event(event_id), status=422, headcount_form=form)

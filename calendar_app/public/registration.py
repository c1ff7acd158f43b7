"""The visitor's registration: the form on the event page, the manage page and cancelling."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import segno
from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.routing import BuildError

from ..database import unit_of_work
from ..extensions import csrf
from ..form_errors import apply_errors
from ..localization import current_language, localized
from ..models import Event, Registration
from ..models.registration import (
    SOURCE_WEB,
    STATUS_CANCELLED,
    STATUS_CONFIRMED,
    STATUS_WAITLISTED,
)
from ..ratelimits import registration_limit
from ..services import (
    attendance_confirmation,
    catalog,
    course_bookings,
    no_shows,
    personal_data,
    photo_consent,
    registrations,
    series,
)
from ..services.errors import Conflict, InvalidInput
from ..services.registration_rules import checkin_code_for, readable_code
from ..services.seats import Availability, availability
from ..timeutil import utcnow
from ..vocabulary import LANGUAGES
from . import bp
from .forms import CancelForm, PhotoConsentForm, RegistrationForm, consent_answer, keep_typed
from .pages import render_event_page

_WHOLE_NUMBER = re.compile(r"^[+-]?\d{1,9}$")


def own_csrf_check(view: Callable[..., Any]) -> Callable[..., Any]:
    """The visitor's forms check their CSRF token themselves (``form.validate()``) before
    anything changes, so that a stale token re-shows the form, with what was typed and an error
    summary, instead of a bare 400 page."""
    return csrf.exempt(view)


def parse_seats(raw: str | None) -> object:
    """A whole number from the form, or the raw text for the service to refuse clearly."""
    text = (raw or "").strip()
    return int(text) if _WHOLE_NUMBER.match(text) else text


def registration_panel(
    event: Event,
    form: RegistrationForm | None = None,
    listing: Availability | None = None,
) -> dict[str, Any]:
    """What the panel on the event page shows: seats left, the registration window, the form."""
    return {
        "listing": listing or availability(event, utcnow()),
        "form": form or RegistrationForm(formdata=None),
    }


@bp.app_context_processor
def _panel_helper() -> dict[str, Any]:
    return {"registration_panel": registration_panel}


def _render_form(event: Event, form: RegistrationForm, status: int) -> Any:
    """The event page again, with the form as sent and its errors in the registration panel."""
    return render_event_page(event, status=status, registration_form=form)


@bp.post("/events/<id:event_id>/typed")
@own_csrf_check
def keep_typed_in_language(event_id: int) -> Any:
    """The language switch of a page that holds typed values: keep them, and show the event
    page (a GET) in the language chosen with the form filled in again."""
    event = catalog.get_event(event_id)
    form = RegistrationForm()
    if form.validate():
        keep_typed(event.id, form)
    language = request.form.get("lang")
    target = url_for(
        "public.event_detail",
        event_id=event.id,
        **({"lang": language} if language in LANGUAGES else {}),
    )
    return redirect(target + "#register", 303)


@bp.post("/events/<id:event_id>/register")
@own_csrf_check
@registration_limit
def register(event_id: int) -> Any:
    return _register(catalog.get_event(event_id), None)


@bp.post("/series/<id:series_id>/register")
@own_csrf_check
@registration_limit
def register_series(series_id: int) -> Any:
    """A whole course: the form on each date's page books every upcoming date."""
    dates = [e for e in series.occurrences(series.get_series(series_id).id) if not e.is_cancelled]
    upcoming = [e for e in dates if e.ends_at > utcnow()] or dates
    if not upcoming:
        abort(404)
    return _register(upcoming[0], series_id)


def _register(event: Event, series_id: int | None) -> Any:
    """Register for ``event``, or book the course ``series_id`` (re-showing ``event``'s page)."""
    form = RegistrationForm()
    if not form.validate_on_submit():  # only the CSRF token can fail here
        form.form_errors.append(
            _("The form has expired. Please check your details and send it again.")
        )
        return _render_form(event, form, 400)
    if form.website.data:
        current_app.logger.info("honeypot filled on event %s; nothing registered", event.id)
        form.form_errors.append(_("Your registration could not be accepted."))
        return _render_form(event, form, 400)
    language = current_language()
    fields = {
        "name": form.name.data,
        "email": form.email.data,
        "seats": parse_seats(form.seats.data),
        "photo_consent": form.photo_consent.answer(),
        "language": language if language in LANGUAGES else event.language,
        "source": SOURCE_WEB,
        "now": utcnow(),
    }
    try:
        with unit_of_work():
            if series_id is None:
                result = registrations.register(event.id, **fields)
            else:
                result = course_bookings.book_course(series_id, **fields)
    except InvalidInput as error:
        apply_errors(form, error.errors)
        return _render_form(event, form, 422)
    except Conflict as error:
        apply_errors(form, {error.field or "_": [error.message]})
        return _render_form(event, form, 409)
    if result.status == STATUS_CONFIRMED:
        flash(_("You are registered. Keep this page: it is your link to manage the registration."))
    else:
        flash(_("The event is full, so you are on the waitlist. We will write when seats free up."))
    return redirect(url_for("public.manage_registration", token=result.token), 303)


def _registration_or_404(token: str) -> Registration:
    registration = registrations.find_by_token(token)
    if registration is None:
        abort(make_response(render_template("public/registration_not_found.html"), 404))
    return registration


def _ics_url(token: str) -> str | None:
    """The registration's calendar file, in the page's language."""
    try:
        return url_for("public.registration_ics", token=token, lang=current_language())
    except BuildError:
        return None


def checkin_qr_svg(token: str) -> Markup:
    """The door check-in link of the registration as an inline SVG QR code."""
    path = f"/staff/check-in/{checkin_code_for(token)}"
    code = segno.make(current_app.config["BASE_URL"] + path, error="m")
    svg = code.svg_inline(scale=4, dark="#000", light="#fff", title=_("Check-in code"))
    return Markup(svg)


@bp.after_app_request
def _private_registration_pages(response: Response) -> Response:
    """A registration's pages and calendar file are the visitor's alone: never stored by
    browsers' or proxies' caches (the token in the address is the key to it)."""
    if request.path.startswith("/r/"):
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/r/<token>")
def manage_registration(token: str) -> Any:
    return _manage_page(_registration_or_404(token), token)


def _manage_page(
    registration: Registration,
    token: str,
    *,
    consent_form: PhotoConsentForm | None = None,
    status: int = 200,
) -> Any:
    """The visitor's manage page; the photo consent form re-shows it with its error."""
    event = catalog.get_event(registration.event_id)
    active = registration.status != STATUS_CANCELLED
    shows_code = registration.status == STATUS_CONFIRMED and utcnow() < event.ends_at
    return render_template(
        "public/manage_registration.html",
        registration=registration,
        event=event,
        title=localized(event, "title"),
        token=token,
        position=registrations.waitlist_position(registration),
        course_dates=(
            [row.event for row in course_bookings.booking_rows(registration)]
            if registration.booking_id is not None
            else []
        ),
        ics_url=_ics_url(token) if active else None,
        qr_svg=checkin_qr_svg(token) if shows_code else None,
        checkin_code=readable_code(checkin_code_for(token)) if shows_code else None,
        can_cancel=active and utcnow() < event.ends_at,
        awaits_confirmation=attendance_confirmation.awaits_confirmation(registration, utcnow()),
        standby_release=(
            no_shows.standby_release(event)
            if registration.standby and registration.status == STATUS_WAITLISTED
            else None
        ),
        can_erase=personal_data.erase_problem(registration, utcnow()) is None,
        consent_form=consent_form or PhotoConsentForm(formdata=None),
        can_change_consent=photo_consent.change_problem(registration) is None,
    ), status


@bp.post("/r/<token>/photos")
@own_csrf_check
def change_photo_consent(token: str) -> Any:
    """The visitor gives or withdraws the consent to be photographed (one button)."""
    registration = _registration_or_404(token)
    form = PhotoConsentForm()
    if not form.validate():
        form.form_errors.append(_("The form has expired. Please choose again."))
        return _manage_page(registration, token, consent_form=form, status=400)
    try:
        with unit_of_work():
            answer = photo_consent.change_photo_consent(
                registration, consent_answer(form.photo_consent.data), utcnow()
            )
    except InvalidInput as error:
        form.form_errors.extend(error.errors.get("photo_consent", []))
        return _manage_page(registration, token, consent_form=form, status=422)
    except Conflict as error:
        flash(error.message)
        return redirect(url_for("public.manage_registration", token=token), 303)
    flash(
        _("Thank you: staff may photograph your party.")
        if answer
        else _("Noted: staff will not photograph your party.")
    )
    return redirect(url_for("public.manage_registration", token=token), 303)


@bp.route("/r/<token>/erase", methods=["GET", "POST"])
@own_csrf_check
def erase_personal_data(token: str) -> Any:
    """After the event: the visitor removes their name and address from the registration."""
    registration = _registration_or_404(token)
    return _one_button_page(
        registration,
        token,
        refusal=personal_data.erase_problem(registration, utcnow()),
        action=lambda: personal_data.erase_registration(registration, utcnow()),
        done=_("Your name and address have been removed from this registration."),
        template="public/erase_personal_data.html",
    )


@bp.route("/r/<token>/cancel", methods=["GET", "POST"])
@own_csrf_check
def cancel_registration(token: str) -> Any:
    registration = _registration_or_404(token)
    return _one_button_page(
        registration,
        token,
        refusal=(
            _("This registration is already cancelled.")
            if registration.status == STATUS_CANCELLED
            else None
        ),
        action=lambda: registrations.cancel(registration, utcnow()),
        done=_("Your registration is cancelled. Thank you for letting us know."),
        template="public/cancel_registration.html",
    )


def _one_button_page(
    registration: Registration,
    token: str,
    *,
    refusal: str | None,
    action: Callable[[], object],
    done: str,
    template: str,
) -> Any:
    """A visitor's confirm page with one button (cancel, erase): GET shows it, a POST with the
    form's token does ``action`` in one transaction; a refusal, before or during, goes back to
    the manage page with the reason."""
    back = redirect(url_for("public.manage_registration", token=token), 303)
    if refusal is not None:
        flash(refusal)
        return back
    form = CancelForm()
    status = 200
    if form.is_submitted():
        if not form.validate():
            form.form_errors.append(_("The form has expired. Please confirm again."))
            status = 400
        else:
            try:
                with unit_of_work():
                    action()
            except Conflict as error:
                flash(error.message)
                return back
            flash(done)
            return back
    event = catalog.get_event(registration.event_id)
    return (
        render_template(
            template,
            registration=registration,
            event=event,
            title=localized(event, "title"),
            token=token,
            form=form,
        ),
        status,
    )

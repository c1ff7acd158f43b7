"""The report of an event that took place: its text, its photos (each with the staff's
confirmation that those pictured agreed) and whether it is published as news."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..database import unit_of_work
from ..form_errors import apply_errors
from ..models import Event
from ..services import posters, reports
from ..services.errors import Conflict, InvalidInput
from ..timeutil import utcnow
from ..vocabulary import LANGUAGES
from . import bp
from .events import load_event
from .forms import ConfirmForm, PhotoAltForm, ReportForm, ReportPhotoForm


def languages_for(event: Event) -> list[str]:
    """The event's language first, then the others."""
    return [event.language] + [code for code in LANGUAGES if code != event.language]


def _alt_form(photo_id: int, alt: dict[str, str] | None = None) -> PhotoAltForm:
    prefix = f"photo{photo_id}"
    if alt is None:
        return PhotoAltForm(prefix=prefix)
    return PhotoAltForm(
        prefix=prefix, data={f"alt_{code}": alt.get(code, "") for code in LANGUAGES}
    )


def render_report_page(
    event: Event,
    *,
    status: int = 200,
    report_form: ReportForm | None = None,
    photo_form: ReportPhotoForm | None = None,
    failed_alt: tuple[int, PhotoAltForm] | None = None,
    failed: FlaskForm | None = None,
) -> Any:
    """The report page, with the forms a refused POST passes back (their errors shown and
    summarised first)."""
    report = reports.get_report(event)
    if report_form is None:
        data: dict[str, Any] = {"published": False, "show_attendance": True}
        if report is not None:
            data = {
                **{f"text_{code}": (report.text or {}).get(code, "") for code in LANGUAGES},
                "published": report.published,
                "show_attendance": report.show_attendance,
            }
        report_form = ReportForm(formdata=None, data=data)
    photos = list(report.photos) if report is not None else []
    alt_forms = {photo.id: _alt_form(photo.id, photo.image.alt or {}) for photo in photos}
    if failed_alt is not None:
        alt_forms[failed_alt[0]] = failed_alt[1]
    return (
        render_template(
            "staff/report.html",
            event=event,
            report=report,
            photos=photos,
            can_report=reports.can_report(event, utcnow()),
            attendance=reports.attendance(event),
            languages=languages_for(event),
            report_form=report_form,
            photo_form=photo_form or ReportPhotoForm(formdata=None),
            alt_forms=alt_forms,
            remove_form=ConfirmForm(formdata=None),
            failed=failed,
            max_photos=reports.MAX_PHOTOS,
            room_for_photos=reports.has_room_for_photos(report),
        ),
        status,
    )


@bp.route("/events/<id:event_id>/report", methods=["GET", "POST"])
def report(event_id: int) -> Any:
    event = load_event(event_id)
    form = ReportForm()
    if not form.is_submitted():
        return render_report_page(event)
    status = 422
    if form.validate():
        try:
            with unit_of_work():
                saved = reports.save_report(
                    current_user,
                    event,
                    text={code: form[f"text_{code}"].data or "" for code in LANGUAGES},
                    published=bool(form.published.data),
                    show_attendance=bool(form.show_attendance.data),
                    now=utcnow(),
                )
        except InvalidInput as error:
            apply_errors(form, error.errors)
        except Conflict as error:
            form.form_errors.append(error.message)
            status = 409
        else:
            flash(
                _("The report is saved and published.")
                if saved.published
                else _("The report is saved; it is not published."),
                "info",
            )
            return redirect(url_for("staff.report", event_id=event.id))
    return render_report_page(event, status=status, report_form=form, failed=form)


@bp.post("/events/<id:event_id>/report/photos")
def add_report_photo(event_id: int) -> Any:
    event = load_event(event_id)
    form = ReportPhotoForm()
    status = 422
    if form.validate():
        upload = form.image.data
        data = upload.stream.read(posters.MAX_BYTES + 1) if upload else b""
        try:
            with unit_of_work():
                reports.add_photo(
                    current_user,
                    event,
                    data=data,
                    alt={code: form[f"alt_{code}"].data for code in LANGUAGES},
                    consent_confirmed=bool(form.consent_confirmed.data),
                    uploads_dir=current_app.config["UPLOADS_DIR"],
                    now=utcnow(),
                )
        except InvalidInput as error:
            apply_errors(form, error.errors)
        except posters.ImageTooLarge as error:
            form.image.errors = [error.message]
            status = 413
        except Conflict as error:
            if error.field == "image":
                form.image.errors = [error.message]
            else:
                form.form_errors.append(error.message)
            status = 409
        else:
            flash(_("The photo is added."), "info")
            return redirect(url_for("staff.report", event_id=event.id, _anchor="photos"))
    return render_report_page(event, status=status, photo_form=form, failed=form)


@bp.post("/events/<id:event_id>/report/photos/<id:photo_id>")
def change_report_photo(event_id: int, photo_id: int) -> Any:
    event = load_event(event_id)
    reports.get_photo(event, photo_id)  # 404 before reading the form
    form = _alt_form(photo_id)
    if form.validate():
        try:
            with unit_of_work():
                reports.change_photo_alt(
                    current_user,
                    event,
                    photo_id,
                    {code: form[f"alt_{code}"].data for code in LANGUAGES},
                    utcnow(),
                )
        except InvalidInput as error:
            apply_errors(form, error.errors)
        else:
            flash(_("The description of the photo is saved."), "info")
            return redirect(url_for("staff.report", event_id=event.id, _anchor="photos"))
    return render_report_page(event, status=422, failed_alt=(photo_id, form), failed=form)


@bp.post("/events/<id:event_id>/report/photos/<id:photo_id>/remove")
def remove_report_photo(event_id: int, photo_id: int) -> Any:
    event = load_event(event_id)
    form = ConfirmForm()
    if not form.validate():
        form.form_errors.extend(
            message for messages in form.errors.values() for message in messages
        )
        return render_report_page(event, status=400, failed=form)
    with unit_of_work():
        reports.remove_photo(
            current_user,
            event,
            photo_id,
            uploads_dir=current_app.config["UPLOADS_DIR"],
            now=utcnow(),
        )
    flash(_("The photo is removed."), "info")
    return redirect(url_for("staff.report", event_id=event.id, _anchor="photos"))

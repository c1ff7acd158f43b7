"""Reports of events that took place: the staff's text per language, the photos and whether it
is published as the library's news.

A report is written by the staff of the event's branch once the event has started, never for a
cancelled event. The Markdown is stored as typed (trimmed); pages and feeds sanitise it when they
show it. ``updated_at`` moves only when something a reader sees really changes (the Atom feed's
``updated``), ``published_at`` the first time the report is published. A photo is stored only
once a staff member has confirmed that the people in it agreed to be photographed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Event, Report, ReportPhoto, StaffUser
from ..models.event import STATUS_CANCELLED
from ..models.report import MAX_PHOTOS
from ..vocabulary import LANGUAGES
from . import permissions, posters
from .errors import Conflict, InvalidInput, NotFound
from .seats import lock_event, seat_count
from .stats import attended
from .validation import has_control_characters, is_database_id

MAX_TEXT = 20_000
UNREPORTED_DAYS = 60
UNREPORTED_LIMIT = 50


def not_started_message() -> str:
    return _("A report can be written once the event has started.")


def cancelled_message() -> str:
    return _("A cancelled event has no report.")


def can_report(event: Event, now: datetime) -> bool:
    """Whether a report may be written now: the event has started and is not cancelled."""
    return not event.is_cancelled and event.starts_at <= now


def has_room_for_photos(report: Report | None) -> bool:
    """Whether another photo may be added (a report holds at most MAX_PHOTOS)."""
    return report is None or len(report.photos) < MAX_PHOTOS


def _require_reportable(event: Event, now: datetime) -> None:
    if event.is_cancelled:
        raise Conflict(cancelled_message())
    if event.starts_at > now:
        raise Conflict(not_started_message())


def _locked(staff: StaffUser, event: Event) -> Event:
    """The event, checked against ``staff`` and locked: photos are counted and the report row
    created one request at a time."""
    permissions.require_event(staff, event)
    return lock_event(event.id)


def get_report(event: Event) -> Report | None:
    return db.session.execute(
        select(Report).where(Report.event_id == event.id)
    ).scalar_one_or_none()


def _report_for(event: Event, now: datetime) -> Report:
    """The event's report, created empty and unpublished when it has none."""
    report = get_report(event)
    if report is None:
        report = Report(
            event_id=event.id,
            text={},
            published=False,
            show_attendance=True,
            created_at=now,
            updated_at=now,
        )
        db.session.add(report)
        db.session.flush()
    return report


def clean_text(value: object, required_language: str) -> dict[str, str]:
    """The text per language, trimmed, empty languages left out; at least one is needed (a
    missing one is reported on ``text_<required_language>``)."""
    if not isinstance(value, dict):
        raise InvalidInput({"text": [_("Give the text as an object with kk, ru and en.")]})
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for code, text in value.items():
        if code not in LANGUAGES:
            errors.setdefault("text", []).append(
                _("Unknown language. Use one of: %(allowed)s.", allowed=", ".join(LANGUAGES))
            )
            continue
        if text is None:
            continue
        field = f"text_{code}"
        if not isinstance(text, str):
            errors[field] = [_("This must be text.")]
            continue
        text = text.strip()
        if len(text) > MAX_TEXT:
            errors[field] = [_("This is too long (%(limit)d characters at most).", limit=MAX_TEXT)]
        elif has_control_characters(text, multiline=True):
            errors[field] = [_("Remove the control characters.")]
        elif text:
            cleaned[code] = text
    if not cleaned and not errors:
        errors[f"text_{required_language}"] = [_("Write the report in at least one language.")]
    if errors:
        raise InvalidInput(errors)
    return {code: cleaned[code] for code in LANGUAGES if code in cleaned}


def clean_alt(alt: dict[str, str | None], required_language: str) -> dict[str, str]:
    """A photo's descriptions as posters have them (at least one), without control
    characters (they would hide in an ``alt`` attribute and a feed)."""
    cleaned = posters.clean_alt(alt, required_language)
    errors = {
        f"alt_{code}": [_("Remove the control characters.")]
        for code, text in cleaned.items()
        if has_control_characters(text)
    }
    if errors:
        raise InvalidInput(errors)
    return cleaned


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput({field: [_("This must be true or false.")]})
    return value


def save_report(
    staff: StaffUser,
    event: Event,
    *,
    text: object,
    published: object,
    show_attendance: object = None,
    now: datetime,
) -> Report:
    """Write the event's report (``show_attendance`` None keeps what it was, true for a new
    report); flushes. Changing nothing leaves ``updated_at`` as it was."""
    event = _locked(staff, event)
    _require_reportable(event, now)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    try:
        cleaned = clean_text(text, event.language)
    except InvalidInput as error:
        errors.update(error.errors)
    for field, value in (("published", published), ("show_attendance", show_attendance)):
        if field == "show_attendance" and value is None:
            continue
        try:
            _flag(value, field)
        except InvalidInput as error:
            errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)
    report = _report_for(event, now)
    wanted = {
        "text": cleaned,
        "published": published,
        "show_attendance": report.show_attendance if show_attendance is None else show_attendance,
    }
    changed = [name for name, value in wanted.items() if getattr(report, name) != value]
    for name in changed:
        setattr(report, name, wanted[name])
    if changed:
        report.updated_at = now
    if report.published and report.published_at is None:
        report.published_at = now
    db.session.flush()
    return report


def add_photo(
    staff: StaffUser,
    event: Event,
    *,
    data: bytes,
    alt: dict[str, str | None],
    consent_confirmed: object,
    uploads_dir: str,
    now: datetime,
) -> ReportPhoto:
    """Add a photo at the end of the event's report (made if it has none); flushes.

    Refused, storing nothing, unless ``consent_confirmed`` is exactly True: the staff member
    confirms that the people pictured (and the parents of the children) agreed.
    """
    event = _locked(staff, event)
    _require_reportable(event, now)
    errors: dict[str, list[str]] = {}
    if consent_confirmed is not True:
        errors["consent_confirmed"] = [_("Confirm that those pictured agreed to be photographed.")]
    try:
        clean_alt(alt, event.language)
    except InvalidInput as error:
        errors.update(error.errors)
    if errors:
        raise InvalidInput(errors)
    report = get_report(event)
    if not has_room_for_photos(report):
        raise Conflict(_("A report has at most %(max)d photos.", max=MAX_PHOTOS), field="image")
    image = posters.store_image(data, alt, event.language, uploads_dir, now)
    report = report or _report_for(event, now)
    last = db.session.scalar(
        select(func.max(ReportPhoto.position)).where(ReportPhoto.report_id == report.id)
    )
    photo = ReportPhoto(
        report=report,
        image=image,
        position=0 if last is None else last + 1,
        consent_confirmed_at=now,
        consent_confirmed_by_id=staff.id,
        created_at=now,
    )
    db.session.add(photo)
    report.updated_at = now
    db.session.flush()
    return photo


def get_photo(event: Event, photo_id: object) -> ReportPhoto:
    """A photo of this event's report (404 for any other id)."""
    photo = None
    if is_database_id(photo_id):
        photo = db.session.execute(
            select(ReportPhoto)
            .join(Report, Report.id == ReportPhoto.report_id)
            .options(joinedload(ReportPhoto.image))
            .where(ReportPhoto.id == photo_id, Report.event_id == event.id)
        ).scalar_one_or_none()
    if photo is None:
        raise NotFound(_("This report has no such photo."))
    return photo


def remove_photo(
    staff: StaffUser, event: Event, photo_id: object, *, uploads_dir: str, now: datetime
) -> None:
    """Take a photo off the report (always allowed, so a photo can be withdrawn at once); its
    files go after the commit unless something else uses them. Flushes."""
    event = _locked(staff, event)
    photo = get_photo(event, photo_id)
    image, report = photo.image, photo.report
    report.photos.remove(photo)
    db.session.delete(photo)
    report.updated_at = now
    db.session.flush()
    posters.forget_image(image, uploads_dir)


def change_photo_alt(
    staff: StaffUser, event: Event, photo_id: object, alt: dict[str, str | None], now: datetime
) -> ReportPhoto:
    """New descriptions for a photo of the report; flushes."""
    event = _locked(staff, event)
    photo = get_photo(event, photo_id)
    cleaned = clean_alt(alt, event.language)
    if cleaned != (photo.image.alt or {}):
        photo.image.alt = cleaned
        photo.report.updated_at = now
    db.session.flush()
    return photo


def attendance(event: Event) -> int:
    """How many came: checked-in seats (walk-ins included) or the head count of a drop-in
    event, as the statistics count them."""
    return attended(event, seat_count(event.id))


def events_without_report(
    staff: StaffUser, now: datetime, *, days: int = UNREPORTED_DAYS, limit: int = UNREPORTED_LIMIT
) -> list[tuple[Event, Report | None]]:
    """Events of my branches that ended in the last ``days`` days, not cancelled, with no
    published report (a draft is returned with its event), the latest first."""
    query = (
        select(Event, Report)
        .outerjoin(Report, Report.event_id == Event.id)
        .options(joinedload(Event.branch), joinedload(Event.venue))
        .where(
            Event.ends_at <= now,
            Event.ends_at > now - timedelta(days=days),
            Event.status != STATUS_CANCELLED,
            (Report.id.is_(None)) | (Report.published.is_(False)),
        )
        .order_by(Event.starts_at.desc(), Event.id.desc())
        .limit(limit)
    )
    rows = db.session.execute(permissions.limit_to_branches(query, staff)).all()
    return [(event, report) for event, report in rows]

"""Outgoing mail: what is to be said (written to the outbox) and how it reads (rendered later).

``enqueue`` writes an ``OutboxMessage`` row in the caller's transaction (flushed, never committed
here) that says which mail goes to whom: its kind, its registration and its language. So a
rolled-back change sends nothing and a committed one is never lost, and the change itself (a
registration during an opening rush above all) holds its locks only for that one small row.
``render_outbox_row`` turns the row into the mail itself, in the visitor's language, from the
registration and the event as they are then: the outbox worker does it when it first takes the
row, normally a moment after the commit, and stores the result, so every retry sends the same
mail. Nothing is rendered or sent inside a web request: ``outbox_worker`` delivers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from urllib.parse import quote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..database import insert_loaded
from ..extensions import db
from ..localization import localized
from ..models import Event, OutboxMessage, Registration
from ..models.outbox import OUTBOX_PENDING
from ..models.registration import STATUS_CONFIRMED, STATUS_WAITLISTED
from ..security import hash_token, registration_manage_token
from ..timeutil import format_local_date, format_local_time
from ..urls import absolute_url
from ..vocabulary import AUDIENCE_LABELS, CATEGORY_LABELS, LANGUAGES
from . import no_shows
from .ical import Labels
from .ical_registration import CANCEL, PUBLISH, build_registration_calendar
from .mail_message import CHECKIN_CID, PermanentFailure, clean_header_text
from .registration_rules import checkin_code_for, readable_code

log = logging.getLogger(__name__)

REGISTERED = "registered"
WAITLISTED = "waitlisted"
PROMOTED = "promoted"
CANCELLED_BY_VISITOR = "cancelled_by_visitor"
EVENT_CANCELLED = "event_cancelled"
EVENT_MOVED = "event_moved"
REMINDER = "reminder"
ATTENDANCE_CHECK = "attendance_check"
ATTENDANCE_LAPSED = "attendance_lapsed"

SUBJECTS = {
    REGISTERED: _l("Your seats are confirmed: %(title)s"),
    WAITLISTED: _l("You are on the waitlist: %(title)s"),
    PROMOTED: _l("Good news, you have seats: %(title)s"),
    CANCELLED_BY_VISITOR: _l("Your registration is cancelled: %(title)s"),
    EVENT_CANCELLED: _l("Event cancelled: %(title)s"),
    EVENT_MOVED: _l("Event changed: %(title)s"),
    REMINDER: _l("Still coming? %(title)s"),
    ATTENDANCE_CHECK: _l("Please confirm you are coming: %(title)s"),
    ATTENDANCE_LAPSED: _l("Not confirmed, your seats have gone to others: %(title)s"),
}
KINDS = tuple(SUBJECTS)
# Mails that put the event into the visitor's calendar, or update it there, carry it as
# event.ics (METHOD:PUBLISH, for a confirmed registration); mails that end a registration, or
# the event, take it out again (METHOD:CANCEL, whatever the registration's state).
PUBLISH_KINDS = frozenset({REGISTERED, PROMOTED, EVENT_MOVED})
# Mails that seat a party carry the door check-in code as an inline QR image (CHECKIN_CID) with
# the code written out below it, so that it can be shown at the door without mobile data.
CHECKIN_KINDS = frozenset({REGISTERED, PROMOTED})
CANCEL_KINDS = frozenset({CANCELLED_BY_VISITOR, EVENT_CANCELLED})
ICS_KINDS = PUBLISH_KINDS | CANCEL_KINDS


def new_message_id() -> str:
    """A Message-ID on the host of BASE_URL, fixed once per outbox row."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return make_msgid(idstring="outbox", domain=host)


def mail_language(language: str | None) -> str:
    return language if language in LANGUAGES else current_app.config["DEFAULT_LOCALE"]


def manage_url(token: str, page: str = "", language: str | None = None) -> str:
    """The absolute address of a registration's page (``page``: "", "/confirm", "/cancel")."""
    url = absolute_url("/r/" + quote(token, safe="") + page)
    return f"{url}?lang={language}" if language else url


def recover_manage_token(registration: Registration) -> str | None:
    """The registration's manage token, if it is one the server can compute again."""
    if registration.id is None:
        return None
    token = registration_manage_token(registration)
    return token if hash_token(token) == registration.token_hash else None


def calendar_method(kind: str, registration: Registration) -> str | None:
    """The METHOD of the calendar part a mail of ``kind`` carries, or None for no part."""
    if kind in CANCEL_KINDS:
        return CANCEL
    if kind in PUBLISH_KINDS and registration.status == STATUS_CONFIRMED:
        return PUBLISH
    return None


def invitation_ics(registration: Registration, language: str, method: str = PUBLISH) -> str:
    """The registration as a calendar file with ``method``, labelled in ``language``."""
    return build_registration_calendar(
        registration,
        base_url=current_app.config["BASE_URL"],
        uid_domain=current_app.config["UID_DOMAIN"],
        labels=Labels(
            language=language,
            categories={key: str(label) for key, label in CATEGORY_LABELS.items()},
            audiences={key: str(label) for key, label in AUDIENCE_LABELS.items()},
        ),
        method=method,
        organizer_name=localized(registration.event.branch, "name", language),
    ).decode("utf-8")


def _attendance_deadline(event: Event) -> datetime | None:
    """When parties must confirm they are coming; None if not asked (or not representable)."""
    if event.confirm_attendance_hours is None:
        return None
    try:
        return event.starts_at - timedelta(hours=event.confirm_attendance_hours)
    except OverflowError:
        log.warning("event %s: its attendance deadline cannot be written", event.id)
        return None


def _invitation_or_none(registration: Registration, language: str, method: str) -> str | None:
    """The .ics for the mail; None (the mail goes without it) if the event cannot be written
    as iCalendar, so that one event's data never stops a registration or its mail."""
    try:
        return invitation_ics(registration, language, method)
    except Exception:
        log.exception("registration %s: mailed without its calendar file", registration.id)
        return None


@dataclass
class RenderedMail:
    subject: str
    text: str
    html: str


def checkin_url(kind: str, registration: Registration, token: str | None) -> str | None:
    """The door check-in link a mail of ``kind`` shows as a QR code; None for no code."""
    if kind not in CHECKIN_KINDS or registration.status != STATUS_CONFIRMED or not token:
        return None
    return absolute_url(f"/staff/check-in/{checkin_code_for(token)}")


def render_mail(
    kind: str, registration: Registration, language: str, token: str | None = None
) -> RenderedMail:
    """Subject, text and HTML of one mail, in ``language`` (call inside ``force_locale``)."""
    event: Event = registration.event
    branch = event.branch
    title = localized(event, "title", language)
    deadline = _attendance_deadline(event)
    standing = (
        no_shows.standing(
            registration.email_normalized, registration.source, registration.created_at
        )
        if kind == WAITLISTED and registration.standby
        else None
    )
    release = no_shows.standby_release(event)
    door_url = checkin_url(kind, registration, token)
    context = {
        "kind": kind,
        "checkin_cid": CHECKIN_CID if door_url else None,
        "checkin_code": readable_code(door_url.rsplit("/", 1)[-1]) if door_url else None,
        "standing": standing,
        "standby_until": format_local_date(standing.until, branch.timezone) if standing else None,
        "release_date": format_local_date(release, branch.timezone),
        "release_time": format_local_time(release, branch.timezone),
        "registration": registration,
        "event": event,
        "title": title,
        "name": clean_header_text(registration.name, 200),
        "branch_name": localized(branch, "name", language),
        "venue_name": localized(event.venue, "name", language),
        "address": branch.address,
        "date": format_local_date(event.starts_at, branch.timezone),
        "start_time": format_local_time(event.starts_at, branch.timezone),
        "end_time": format_local_time(event.ends_at, branch.timezone),
        "event_url": absolute_url(f"/events/{event.id}"),
        # The visitor's pages open in the language of the mail, whatever the browser prefers.
        "manage_url": manage_url(token, language=language) if token else None,
        "confirm_url": manage_url(token, "/confirm", language) if token else None,
        "cancel_url": manage_url(token, "/cancel", language) if token else None,
        "deadline_date": format_local_date(deadline, branch.timezone) if deadline else None,
        "deadline_time": format_local_time(deadline, branch.timezone) if deadline else None,
        "home_url": absolute_url("/"),
        "language": language,
    }
    subject = clean_header_text(str(SUBJECTS[kind] % {"title": title}), 400)
    return RenderedMail(
        subject=subject,
        text=render_template(f"mail/{kind}.txt", **context),
        html=render_template(f"mail/{kind}.html", subject=subject, **context),
    )


def enqueue(
    kind: str,
    registration: Registration,
    now: datetime,
    *,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Add a mail about ``registration`` to the outbox, in the caller's transaction.

    Returns None when there is nobody to write to (a walk-in without an address) or when a mail
    with the same ``dedupe_key`` exists already. The row is rendered later
    (``render_outbox_row``).
    """
    message = new_message(kind, registration, now, dedupe_key=dedupe_key)
    if message is not None:
        insert_loaded(message)
    return message


def new_message(
    kind: str,
    registration: Registration,
    now: datetime,
    *,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """The outbox row ``enqueue`` adds, not yet written (None: nobody to write to, or a mail
    with the same ``dedupe_key`` exists). Its ``registration_id`` is the registration's id,
    None for a registration not yet written (``registration_rules.add_row`` writes both)."""
    if kind not in SUBJECTS:
        raise ValueError(f"unknown mail kind: {kind!r}")
    if not registration.email:
        return None
    if (
        dedupe_key is not None
        and db.session.execute(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
        ).first()
    ):
        return None
    return OutboxMessage(
        kind=kind,
        dedupe_key=dedupe_key,
        message_id=new_message_id(),
        to_address=registration.email,
        to_name=clean_header_text(registration.name, 200),
        subject="",
        body_text="",
        body_html="",
        language=mail_language(registration.language),
        registration_id=registration.id,
        event_id=registration.event_id,
        status=OUTBOX_PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )


class RegistrationGone(PermanentFailure):
    """An outbox row's registration no longer exists, so its mail cannot be written."""


def render_outbox_row(message: OutboxMessage, now: datetime) -> None:
    """Write the mail an outbox row stands for into it: subject, text and HTML, the calendar
    part of ICS_KINDS, and the door check-in link of CHECKIN_KINDS while the party is seated.

    The registration and its event are read as they are now; the manage link carries the
    registration's own token, computed again from the row.
    """
    registration = (
        db.session.get(Registration, message.registration_id)
        if message.registration_id is not None
        else None
    )
    if registration is None:
        raise RegistrationGone(f"registration {message.registration_id} no longer exists")
    language = mail_language(message.language)
    token = recover_manage_token(registration)
    if token is None and registration.token_seed:
        log.warning(
            "outbox message goes without its manage link: SECRET_KEY differs from the one the "
            "registration was made under",
            extra={"outbox_id": message.id, "registration_id": registration.id},
        )
    with force_locale(language):
        rendered = render_mail(message.kind, registration, language, token)
        method = calendar_method(message.kind, registration)
        invitation = _invitation_or_none(registration, language, method) if method else None
    message.subject = rendered.subject
    message.body_text = rendered.text
    message.body_html = rendered.html
    message.ics_attachment = invitation
    message.checkin_url = checkin_url(message.kind, registration, token)
    message.rendered_at = now


def make_due_at_once(created_at: datetime, due: datetime) -> int:
    """Mail written at ``created_at`` (a planned moment, ``--now``) becomes due at ``due``.

    Commands run with ``--now`` queue mail that should go out at once, not at that moment.
    """
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OUTBOX_PENDING,
            OutboxMessage.created_at == created_at,
            OutboxMessage.next_attempt_at > due,
        )
        .values(next_attempt_at=due)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def notify_registrants(event: Event, kind: str, now: datetime) -> int:
    """Tell everyone with an active registration (confirmed or waiting) about a change to the
    event; returns how many mails were queued."""
    registrations = (
        db.session.execute(
            select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status.in_((STATUS_CONFIRMED, STATUS_WAITLISTED)),
                Registration.email.is_not(None),
            )
            .order_by(Registration.id)
        )
        .scalars()
        .all()
    )
    return sum(enqueue(kind, registration, now) is not None for registration in registrations)


__all__ = [
    "KINDS",
    "ICS_KINDS",
    "enqueue",
    "notify_registrants",
    "render_mail",
    "render_outbox_row",
]

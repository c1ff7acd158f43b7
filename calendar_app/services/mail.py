"""Outgoing mail through an outbox: enqueue in the caller's transaction, deliver from a worker.

A mail is rendered when the change that causes it happens (in the visitor's language, with the
event as it is at that moment) and written as an ``OutboxMessage`` row in the same transaction, so
a rolled-back change sends nothing and a committed one is never lost. Nothing is sent inside a web
request: ``outbox-worker`` claims due rows, sends them with Flask-Mail and marks them. Claims are
safe with several workers (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the ``BEGIN IMMEDIATE`` write
lock on SQLite); a row left in ``sending`` by a crashed worker is claimed again after
``OUTBOX_SENDING_TIMEOUT`` seconds and resent with the same Message-ID.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import signal
import smtplib
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.mime.base import MIMEBase
from email.policy import compat32
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import quote, urlsplit

import flask_mail
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..database import read_only_transactions
from ..extensions import db
from ..i18n import SUPPORTED_LOCALES
from ..localization import localized
from ..models import Event, OutboxMessage, Registration
from ..models.outbox import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENDING, OUTBOX_SENT
from ..models.registration import STATUS_CONFIRMED, STATUS_WAITLISTED
from ..security import hash_token, registration_manage_token
from ..timeutil import format_local_date, format_local_time, utcnow
from ..urls import absolute_url
from ..vocabulary import AUDIENCE_LABELS, CATEGORY_LABELS
from .feeds import Labels, build_event_invitation

log = logging.getLogger(__name__)

REGISTERED = "registered"
WAITLISTED = "waitlisted"
PROMOTED = "promoted"
CANCELLED_BY_VISITOR = "cancelled_by_visitor"
EVENT_CANCELLED = "event_cancelled"
EVENT_MOVED = "event_moved"
REMINDER = "reminder"

SUBJECTS = {
    REGISTERED: _l("Your seats are confirmed: %(title)s"),
    WAITLISTED: _l("You are on the waitlist: %(title)s"),
    PROMOTED: _l("Good news, you have seats: %(title)s"),
    CANCELLED_BY_VISITOR: _l("Your registration is cancelled: %(title)s"),
    EVENT_CANCELLED: _l("Event cancelled: %(title)s"),
    EVENT_MOVED: _l("Event changed: %(title)s"),
    REMINDER: _l("Still coming? %(title)s"),
}
KINDS = tuple(SUBJECTS)
# Mails that put the event into the visitor's calendar carry it as event.ics.
ICS_KINDS = frozenset({REGISTERED, PROMOTED, EVENT_MOVED})

SMTP_TIMEOUT_SECONDS = 30
DEFAULT_SENDING_TIMEOUT_SECONDS = 600
MAX_ERROR_LENGTH = 2000
# UTF-8 bytes per RFC 2047 encoded word: 52 or 72 characters once encoded (75 at most).
SUBJECT_WORD_BYTES = 30
NAME_WORD_BYTES = 45
_HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]+")
_SPACES = re.compile(r"\s+")


def clean_header_text(value: str, limit: int) -> str:
    """One line of header text: control characters and line breaks become spaces."""
    return _SPACES.sub(" ", _HEADER_BREAKS.sub(" ", value or "")).strip()[:limit]


def new_message_id() -> str:
    """A Message-ID on the host of BASE_URL, fixed once per outbox row."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"
    return make_msgid(idstring="outbox", domain=host)


def mail_language(language: str | None) -> str:
    return language if language in SUPPORTED_LOCALES else current_app.config["DEFAULT_LOCALE"]


def manage_url(token: str) -> str:
    return absolute_url("/r/" + quote(token, safe=""))


def recover_manage_token(registration: Registration) -> str | None:
    """The registration's manage token, if it is one the server can compute again."""
    if registration.id is None:
        return None
    token = registration_manage_token(registration)
    return token if hash_token(token) == registration.token_hash else None


def invitation_ics(event: Event, language: str) -> str:
    """The event as a METHOD:PUBLISH calendar file, labelled in ``language``."""
    labels = Labels(
        language=language,
        categories={key: str(label) for key, label in CATEGORY_LABELS.items()},
        audiences={key: str(label) for key, label in AUDIENCE_LABELS.items()},
    )
    return build_event_invitation(
        event,
        current_app.config["BASE_URL"],
        labels,
        organizer_name=localized(event.branch, "name", language),
    ).decode("utf-8")


@dataclass
class RenderedMail:
    subject: str
    text: str
    html: str


def render_mail(
    kind: str, registration: Registration, language: str, token: str | None = None
) -> RenderedMail:
    """Subject, text and HTML of one mail, in ``language`` (call inside ``force_locale``)."""
    event: Event = registration.event
    branch = event.branch
    title = localized(event, "title", language)
    context = {
        "kind": kind,
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
        "manage_url": manage_url(token) if token else None,
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
    token: str | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Add a mail about ``registration`` to the outbox, in the caller's transaction.

    Returns None when there is nobody to write to (a walk-in without an address) or when a mail
    with the same ``dedupe_key`` exists already. ``token`` (the manage token, given when the
    registration is made, else computed again where it can be) puts the manage link into the
    mail. Mails that put the event into the visitor's calendar carry it as event.ics.
    """
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
    language = mail_language(registration.language)
    token = token or recover_manage_token(registration)
    with force_locale(language):
        rendered = render_mail(kind, registration, language, token)
        invitation = (
            invitation_ics(registration.event, language)
            if kind in ICS_KINDS and registration.status == STATUS_CONFIRMED
            else None
        )
    message = OutboxMessage(
        kind=kind,
        dedupe_key=dedupe_key,
        message_id=new_message_id(),
        to_address=registration.email,
        to_name=clean_header_text(registration.name, 200),
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        ics_attachment=invitation,
        language=language,
        registration_id=registration.id,
        event_id=registration.event_id,
        status=OUTBOX_PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    return message


def notify_registrants(event: Event, kind: str, now: datetime) -> int:
    """Tell everyone with an active registration (confirmed or waiting) about a change to the
    event; returns how many mails were queued."""
    db.session.flush()
    db.session.expire(event, ["venue", "branch"])  # the room may just have changed
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


# Delivery ---------------------------------------------------------------------------------------


class PermanentFailure(Exception):
    """The message can never be delivered as it is (a 5xx refusal, a malformed header)."""


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def sending_timeout() -> timedelta:
    seconds = current_app.config.get("OUTBOX_SENDING_TIMEOUT", DEFAULT_SENDING_TIMEOUT_SECONDS)
    return timedelta(seconds=int(seconds))


def claim_due(now: datetime, worker: str, limit: int = 20) -> list[int]:
    """Mark up to ``limit`` due messages as ``sending`` by ``worker`` and commit; return their ids.

    Due: pending with ``next_attempt_at`` reached, or stuck in ``sending`` since before the
    timeout (its worker died). Rows another worker has locked are skipped, not waited for.
    """
    stale_before = now - sending_timeout()
    due = or_(
        and_(OutboxMessage.status == OUTBOX_PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OUTBOX_SENDING, OutboxMessage.claimed_at <= stale_before),
    )
    # An idle worker only reads: no write lock (SQLite) or row locks while nothing is due.
    with read_only_transactions():
        anything_due = db.session.execute(select(OutboxMessage.id).where(due).limit(1)).first()
        db.session.commit()
    if anything_due is None:
        return []
    rows = (
        db.session.execute(
            select(OutboxMessage)
            .where(due)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        .scalars()
        .all()
    )
    for message in rows:
        message.status = OUTBOX_SENDING
        message.claimed_at = now
        message.claimed_by = worker
        message.attempts += 1
    ids = [message.id for message in rows]
    db.session.commit()
    return ids


def encode_words(text: str, word_bytes: int = SUBJECT_WORD_BYTES) -> str:
    """Header text as RFC 2047 encoded words that carry every space inside them.

    Decoders drop the whitespace between adjacent encoded words, and both Flask-Mail's
    ``Header.encode()`` and the standard library's folding put spaces exactly there, so a long
    Kazakh subject would arrive with words run together. Short words also keep each folded line
    within 78 characters, so the header is emitted as it is. (Python's own address parser keeps
    the folding space between words of a display name, unlike RFC 2047 and mail clients; names
    of up to 45 bytes fit one word and read the same everywhere.)
    """
    if text.isascii():
        return text
    words: list[str] = []
    chunk = ""
    for char in text:
        if len((chunk + char).encode("utf-8")) > word_bytes:
            words.append(chunk)
            chunk = ""
        chunk += char
    words.append(chunk)
    return "\r\n ".join(
        "=?utf-8?b?" + base64.b64encode(word.encode("utf-8")).decode("ascii") + "?="
        for word in words
    )


def _address(name: str, address: str) -> str:
    name = clean_header_text(name, 200)
    if name.isascii():
        return formataddr((name, address))
    return f"{encode_words(name, NAME_WORD_BYTES)}\r\n <{address}>"


class _MailMessage(flask_mail.Message):
    """Flask-Mail's message with Subject, From and To written by :func:`encode_words`."""

    def _message(self) -> MIMEBase:
        message = super()._message()
        smtp_policy = message.policy
        message.policy = compat32  # store the encoded words as they are, without re-parsing
        message.replace_header("Subject", encode_words(self.subject))
        message.replace_header("From", _address(*parseaddr(str(self.sender))))
        message.replace_header("To", ", ".join(_address(*to) for to in self.recipients))
        message.policy = smtp_policy
        return message


def build_mail(message: OutboxMessage) -> flask_mail.Message:
    """The MIME message for an outbox row: text and HTML alternatives, event.ics if any."""
    mail = _MailMessage(
        subject=clean_header_text(message.subject, 400),
        recipients=[(clean_header_text(message.to_name, 200), message.to_address)],
        body=message.body_text,
        html=message.body_html or None,
        sender=current_app.config["MAIL_DEFAULT_SENDER"],
        extra_headers={"Auto-Submitted": "auto-generated", "Content-Language": message.language},
    )
    mail.msgId = message.message_id
    if message.ics_attachment:
        mail.attach(
            filename="event.ics",
            content_type='text/calendar; charset="utf-8"; method=PUBLISH',
            data=message.ics_attachment.encode("utf-8"),
            disposition="attachment",
        )
    if mail.has_bad_headers() or _HEADER_BREAKS.search(message.to_address):
        raise PermanentFailure("the recipient or subject contains a line break")
    return mail


class _Connection(flask_mail.Connection):
    """Flask-Mail's connection with a timeout, so a hung server cannot hang the worker."""

    def configure_host(self) -> smtplib.SMTP:
        state = self.mail
        factory = smtplib.SMTP_SSL if state.use_ssl else smtplib.SMTP
        host = factory(state.server, state.port, timeout=SMTP_TIMEOUT_SECONDS)
        if state.use_tls:
            host.starttls()
        if state.username and state.password:
            host.login(state.username, state.password)
        return host


def _connect() -> _Connection:
    connection = _Connection(current_app.extensions["mail"])
    connection.host = connection.configure_host()
    return connection


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, (PermanentFailure, flask_mail.BadHeaderError)):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [
            f"{address}: {code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
            for address, (code, text) in error.recipients.items()
        ]
        return "recipient refused: " + "; ".join(parts)
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
        return f"{type(error).__name__}: {error.smtp_code} {text}"
    return f"{type(error).__name__}: {error}"


def write_eml(message: OutboxMessage, mail: flask_mail.Message) -> Path:
    """Without MAIL_SERVER: the mail as instance/mail/<id>-<kind>.eml (a resend overwrites it)."""
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message.id:08d}-{message.kind}.eml"
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(mail.as_bytes())
    os.replace(partial, path)
    return path


def send_one(message: OutboxMessage, connection: _Connection | None) -> None:
    """Send (or, without a mail server, write) one message; raises on failure."""
    mail = build_mail(message)
    if connection is None:
        write_eml(message, mail)
    else:
        connection.send(mail)


def _finish(message_id: int, worker: str, values: dict) -> bool:
    """Record the outcome, only if this worker still holds the claim; commit."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OUTBOX_SENDING,
            OutboxMessage.claimed_by == worker,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def retry_delays() -> list[int]:
    return list(current_app.config["OUTBOX_RETRY_DELAYS"])


def record_failure(
    message_id: int, attempts: int, worker: str, error: Exception, now: datetime
) -> str:
    """Schedule the next attempt, or give up; returns the new status."""
    delays = retry_delays()
    reason = _describe(error)[:MAX_ERROR_LENGTH]
    if _is_permanent(error) or attempts > len(delays):
        _finish(
            message_id,
            worker,
            {"status": OUTBOX_FAILED, "last_error": reason, "claimed_by": None},
        )
        return OUTBOX_FAILED
    _finish(
        message_id,
        worker,
        {
            "status": OUTBOX_PENDING,
            "last_error": reason,
            "claimed_by": None,
            "claimed_at": None,
            "next_attempt_at": now + timedelta(seconds=delays[attempts - 1]),
        },
    )
    return OUTBOX_PENDING


def deliver_claimed(
    ids: list[int], worker: str, clock: Callable[[], datetime], report: DeliveryReport
) -> None:
    """Send the messages this worker has claimed, recording each outcome in its own commit."""
    server = current_app.config.get("MAIL_SERVER")
    connection: _Connection | None = None
    try:
        for message_id in ids:
            with read_only_transactions():
                message = db.session.get(OutboxMessage, message_id)
                if message is not None:
                    db.session.expunge(message)
                db.session.commit()  # nothing is held while the message is being sent
            if message is None or message.claimed_by != worker:
                continue
            try:
                if server and connection is None:
                    connection = _connect()
                send_one(message, connection)
            except Exception as error:  # every failure is recorded on the message, none escapes
                if connection is not None and not isinstance(error, PermanentFailure):
                    _close_quietly(connection)
                    connection = None
                status = record_failure(message_id, message.attempts, worker, error, clock())
                log.warning("outbox message %s: %s (%s)", message_id, _describe(error), status)
                (report.failed if status == OUTBOX_FAILED else report.retrying).append(message_id)
                continue
            now = clock()
            _finish(
                message_id,
                worker,
                {"status": OUTBOX_SENT, "sent_at": now, "last_error": None, "claimed_by": None},
            )
            report.sent.append(message_id)
    finally:
        if connection is not None:
            _close_quietly(connection)


def _close_quietly(connection: _Connection) -> None:
    try:
        if connection.host is not None:
            connection.host.quit()
    except (smtplib.SMTPException, OSError):
        pass
    connection.host = None


def deliver_due(
    worker: str, clock: Callable[[], datetime], batch: int = 20, limit: int | None = None
) -> DeliveryReport:
    """Claim and send due messages, batch after batch, until none is due (or ``limit`` handled)."""
    report = DeliveryReport()
    while limit is None or report.handled < limit:
        size = batch if limit is None else min(batch, limit - report.handled)
        ids = claim_due(clock(), worker, size)
        if not ids:
            break
        deliver_claimed(ids, worker, clock, report)
    return report


def run_worker(
    *,
    once: bool,
    interval: float,
    batch: int,
    echo: Callable[[str], object],
    clock: Callable[[], datetime] = utcnow,
) -> None:
    """The ``outbox-worker`` loop: deliver what is due, sleep briefly, repeat until SIGTERM/SIGINT.

    A signal lets the message being sent finish and be marked before the loop ends.
    """
    worker = worker_name()
    stopping = threading.Event()
    if not once and threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_args: stopping.set())
    target = (
        "SMTP " + current_app.config["MAIL_SERVER"]
        if current_app.config.get("MAIL_SERVER")
        else str(Path(current_app.instance_path) / "mail")
    )
    echo(f"outbox worker {worker} sending to {target}")
    while True:
        try:
            report = deliver_due(worker, clock, batch=batch, limit=batch if not once else None)
        except SQLAlchemyError:
            db.session.rollback()
            if once:
                raise
            log.exception("outbox worker: database error, retrying")
            report = DeliveryReport()
        if report.handled:
            echo(
                f"sent {len(report.sent)}, to retry {len(report.retrying)}, "
                f"failed {len(report.failed)}"
            )
        if once or stopping.is_set():
            break
        if report.handled < batch:
            stopping.wait(interval)
            if stopping.is_set():
                break
    db.session.remove()


__all__ = [
    "KINDS",
    "ICS_KINDS",
    "enqueue",
    "notify_registrants",
    "render_mail",
    "claim_due",
    "deliver_claimed",
    "deliver_due",
    "build_mail",
    "clean_header_text",
    "worker_name",
    "DeliveryReport",
    "run_worker",
]

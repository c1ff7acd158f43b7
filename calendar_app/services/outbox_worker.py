"""Outbox delivery: claim due rows, render them, send them over SMTP (or write .eml files), record
outcomes.

Runs in ``outbox-worker``, never in a web request, and commits on its own: one commit per claimed
batch and one per outcome, so nothing is held while a message is on the wire. Claims are safe
with several workers (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, the ``BEGIN IMMEDIATE`` write
lock on SQLite); a row left in ``sending`` by a crashed worker is claimed again after
``OUTBOX_SENDING_TIMEOUT`` seconds and resent with the same Message-ID. A row is rendered
(``mail.render_outbox_row``) when a worker first takes it, outside any write lock, and the mail is
stored on it before it is sent, so a retry sends the same text.
"""

from __future__ import annotations

import logging
import os
import signal
import smtplib
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..database import read_only_transactions
from ..extensions import db
from ..models import OutboxMessage
from ..models.outbox import OUTBOX_FAILED, OUTBOX_PENDING, OUTBOX_SENDING, OUTBOX_SENT
from ..timeutil import utcnow
from .mail import render_outbox_row
from .mail_message import PermanentFailure, ascii_address, build_message

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 30
DEFAULT_SENDING_TIMEOUT_SECONDS = 600
MAX_ERROR_LENGTH = 2000


@dataclass
class DeliveryReport:
    """The ids of the messages one run handled, by outcome."""

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


def connect_smtp() -> smtplib.SMTP:
    """An SMTP session as the MAIL_* settings describe (SSL, STARTTLS, login).

    The timeout keeps a hung server from hanging the worker.
    """
    config = current_app.config
    factory = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    smtp = factory(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS)
    try:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"] and config["MAIL_PASSWORD"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    except Exception:
        smtp.close()
        raise
    return smtp


def _close_quietly(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, PermanentFailure):
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


def _describe_for_log(error: Exception) -> str:
    """The kind of failure and the SMTP codes, without the text: it may quote the address."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _text in error.recipients.values()})
        return "SMTPRecipientsRefused: " + ", ".join(str(code) for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__}: {error.smtp_code}"
    return type(error).__name__


def write_eml(message: OutboxMessage, mail: EmailMessage) -> Path:
    """Without MAIL_SERVER: the mail as instance/mail/<id>-<kind>.eml (a resend overwrites it)."""
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message.id:08d}-{message.kind}.eml"
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.write_bytes(mail.as_bytes())
    os.replace(partial, path)
    return path


def send_one(message: OutboxMessage, smtp: smtplib.SMTP | None) -> None:
    """Send (or, without a mail server, write) one message; raises on failure."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    mail = build_message(message, sender)
    if smtp is None:
        write_eml(message, mail)
    else:
        envelope_from = ascii_address(parseaddr(sender)[1])
        smtp.sendmail(envelope_from, [ascii_address(message.to_address)], mail.as_bytes())


def render_claimed(message: OutboxMessage, worker: str, now: datetime) -> bool:
    """Render a claimed row that holds no mail yet and store the mail on it; False if another
    worker has taken the row over meanwhile. ``message`` is detached: rendering reads the
    registration in a read-only transaction, and only the storing takes the write lock."""
    with read_only_transactions():
        render_outbox_row(message, now)
        db.session.commit()
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.status == OUTBOX_SENDING,
            OutboxMessage.claimed_by == worker,
        )
        .values(
            subject=message.subject,
            body_text=message.body_text,
            body_html=message.body_html,
            ics_attachment=message.ics_attachment,
            checkin_url=message.checkin_url,
            rendered_at=message.rendered_at,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


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
    smtp: smtplib.SMTP | None = None
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
                if message.rendered_at is None and not render_claimed(message, worker, clock()):
                    continue
                if server and smtp is None:
                    smtp = connect_smtp()
                send_one(message, smtp)
            except Exception as error:  # every failure is recorded on the message, none escapes
                db.session.rollback()
                if (
                    smtp is not None
                    and isinstance(error, (smtplib.SMTPException, OSError))
                    and not isinstance(error, PermanentFailure)
                ):
                    _close_quietly(smtp)
                    smtp = None
                status = record_failure(message_id, message.attempts, worker, error, clock())
                log.warning(
                    "outbox message not sent",
                    extra={
                        "outbox_id": message_id,
                        "kind": message.kind,
                        "attempts": message.attempts,
                        "outcome": "failed" if status == OUTBOX_FAILED else "retrying",
                        "error": _describe_for_log(error),
                    },
                )
                (report.failed if status == OUTBOX_FAILED else report.retrying).append(message_id)
                continue
            now = clock()
            _finish(
                message_id,
                worker,
                {"status": OUTBOX_SENT, "sent_at": now, "last_error": None, "claimed_by": None},
            )
            report.sent.append(message_id)
            log.info(
                "outbox message sent",
                extra={"outbox_id": message_id, "kind": message.kind, "attempts": message.attempts},
            )
    finally:
        if smtp is not None:
            _close_quietly(smtp)


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
        log.info("outbox batch claimed", extra={"worker": worker, "claimed": len(ids)})
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
            log.exception("outbox worker: database error, retrying", extra={"worker": worker})
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
    "claim_due",
    "connect_smtp",
    "send_one",
    "deliver_claimed",
    "deliver_due",
    "worker_name",
    "DeliveryReport",
    "run_worker",
]

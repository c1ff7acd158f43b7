"""Reminders: one "still coming?" mail per confirmed registration, however often the job runs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import OutboxMessage, Registration
from calendar_app.services import mail, outbox_worker
from calendar_app.services.events import cancel_event
from calendar_app.services.reminders import queue_reminders
from tests.factories import NOW, make_event
from tests.mail_support import (
    KAZAKH_TITLE,
    Clock,
    kazakh_event,
    make_registration,
    rendered,
    smtp_config,
)
from tests.smtp_server import SMTPServer, running_smtp_server

DAY = timedelta(hours=24)


@pytest.fixture
def smtp():
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def app_config(smtp: SMTPServer) -> dict:
    return smtp_config(smtp)


def reminders() -> list[OutboxMessage]:
    return rendered(
        list(
            db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == mail.REMINDER))
            .scalars()
            .all()
        )
    )


def test_only_confirmed_registrations_of_events_within_the_window_are_reminded(ctx):
    soon = kazakh_event(starts_at=NOW + timedelta(hours=10))
    later = make_event(starts_at=NOW + timedelta(hours=30))
    started = make_event(starts_at=NOW - timedelta(minutes=5))
    called_off = make_event(starts_at=NOW + timedelta(hours=5))
    confirmed, _token = make_registration(soon)
    make_registration(soon, status="waitlisted")
    make_registration(soon, status="cancelled")
    walk_in, _token = make_registration(soon)
    walk_in.email = None
    walk_in.email_normalized = None
    make_registration(later)
    make_registration(started)
    make_registration(called_off)
    cancel_event(called_off, NOW)
    db.session.commit()

    assert queue_reminders(NOW, DAY) == 1
    db.session.commit()

    [reminder] = reminders()
    assert reminder.registration_id == confirmed.id
    assert reminder.dedupe_key == f"reminder:{confirmed.id}"
    assert reminder.subject == f"Келесіз бе? {KAZAKH_TITLE}"  # "Still coming?" in Kazakh
    assert db.session.get(Registration, confirmed.id).reminder_sent_at == NOW


def test_reminders_go_out_once_however_often_the_job_runs(ctx, smtp):
    event = kazakh_event(starts_at=NOW + timedelta(hours=20))
    for _ in range(3):
        make_registration(event)
    db.session.commit()

    assert queue_reminders(NOW, DAY) == 3
    db.session.commit()
    for hours in (0, 1, 2):
        assert queue_reminders(NOW + timedelta(hours=hours), DAY) == 0
        db.session.commit()
    outbox_worker.deliver_due("worker", Clock(NOW))
    assert queue_reminders(NOW + timedelta(hours=3), DAY) == 0
    db.session.commit()

    assert len(smtp.received) == 3
    assert len({item.rcpt_tos[0] for item in smtp.received}) == 3
    body = smtp.received[0].message.get_body(("plain",)).get_content()
    assert "Келесіз бе?" in body and KAZAKH_TITLE in body


def test_concurrent_runs_queue_each_reminder_once(app, ctx):
    event = kazakh_event(starts_at=NOW + timedelta(hours=20))
    for _ in range(10):
        make_registration(event)
    db.session.commit()
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with app.app_context():
                barrier.wait()
                queue_reminders(NOW, DAY)
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    count = db.session.execute(select(func.count(OutboxMessage.id))).scalar_one()
    assert count == 10


def test_send_reminders_command(app, ctx):
    now = datetime.now(UTC)
    soon = kazakh_event(starts_at=now + timedelta(hours=3), now=now)
    make_registration(soon)
    make_registration(make_event(starts_at=now + timedelta(hours=40), now=now))
    db.session.commit()
    runner = app.test_cli_runner()

    assert (
        "0 reminders queued" in runner.invoke(args=["send-reminders", "--within-hours", "2"]).output
    )
    assert "1 reminders queued" in runner.invoke(args=["send-reminders"]).output
    assert "0 reminders queued" in runner.invoke(args=["send-reminders"]).output
    assert (
        "1 reminders queued"
        in runner.invoke(args=["send-reminders", "--within-hours", "48"]).output
    )
    for bad in ("-1", "0", "abc", "100000", ""):
        result = runner.invoke(args=["send-reminders", "--within-hours", bad])
        assert result.exit_code == 2, (bad, result.output)
    assert len(reminders()) == 2

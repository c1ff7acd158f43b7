"""Mail from the domain services: registrations, the waitlist and staff changes to events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import OutboxMessage
from calendar_app.services import outbox_worker
from calendar_app.services import registrations as regs
from calendar_app.services.events import EventData, cancel_event, update_event
from calendar_app.services.reminders import queue_reminders
from tests.conftest import BASE_URL
from tests.factories import NOW, make_event, make_venue
from tests.ical_checks import parse_all, property_lines, with_private_zone_names
from tests.mail_support import KAZAKH_TITLE, STARTS_AT, Clock, kazakh_event, smtp_config
from tests.smtp_server import SMTPServer, running_smtp_server


@pytest.fixture
def smtp():
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def app_config(smtp: SMTPServer) -> dict:
    return smtp_config(smtp)


def register(event, email: str, seats: int = 2, language: str = "kk", **options):
    return regs.register(
        event.id,
        name="Айгерім Сәрсенова",
        email=email,
        seats=seats,
        language=language,
        source="web",
        now=NOW,
        **options,
    )


def outbox() -> list[tuple[str, str]]:
    rows = db.session.execute(
        select(OutboxMessage.kind, OutboxMessage.to_address).order_by(OutboxMessage.id)
    ).all()
    return [tuple(row) for row in rows]


def delivered(smtp: SMTPServer) -> dict[tuple[str, str], object]:
    """Received mail by (kind, recipient), the kind read back from the outbox by Message-ID."""
    kinds = dict(db.session.execute(select(OutboxMessage.message_id, OutboxMessage.kind)).all())
    return {(kinds[item.message_id], item.rcpt_tos[0]): item.message for item in smtp.received}


def attachment(message) -> tuple[str, bytes] | None:
    for part in message.iter_attachments():
        return part["Content-Type"], part.get_payload(decode=True)
    return None


def test_confirmation_carries_the_manage_link_and_the_event_as_ics(ctx, smtp):
    event = kazakh_event(description="Кеш; бағдарлама, сұрақтар\\жауаптар")
    result = register(event, "aigerim@example.kz")
    db.session.commit()

    outbox_worker.deliver_due("worker", Clock(NOW))

    message = delivered(smtp)[("registered", "aigerim@example.kz")]
    text = message.get_body(("plain",)).get_content()
    assert f"{BASE_URL}/r/{result.token}" in text
    assert regs.find_by_token(result.token).id == result.registration.id
    assert "event.ics" in text
    content_type, body = attachment(message)
    assert content_type.content_type == "text/calendar"
    assert content_type.params["method"] == "PUBLISH"
    assert property_lines(body, "METHOD") == ["METHOD:PUBLISH"]
    assert property_lines(body, "ATTENDEE") == []
    assert property_lines(body, "ORGANIZER")[0].endswith("mailto:no-reply@events.example.kz")
    for events in parse_all(with_private_zone_names(body)).values():
        [parsed] = events
        assert parsed.summary == KAZAKH_TITLE
        assert parsed.start_utc == STARTS_AT  # 18:00 in Almaty read from the VTIMEZONE body
        assert parsed.sequence == 0
    assert "DTSTART;TZID=Asia/Almaty:20260510T180000" in property_lines(body, "DTSTART")


def test_waitlisted_mail_has_no_calendar_file(ctx, smtp):
    event = kazakh_event(capacity=2)
    register(event, "first@example.kz", seats=2)
    register(event, "second@example.kz", seats=1)
    db.session.commit()

    outbox_worker.deliver_due("worker", Clock(NOW))

    mails = delivered(smtp)
    assert set(mails) == {("registered", "first@example.kz"), ("waitlisted", "second@example.kz")}
    assert attachment(mails[("waitlisted", "second@example.kz")]) is None


def test_a_rolled_back_registration_sends_nothing(ctx, smtp):
    event = kazakh_event()
    db.session.commit()
    register(event, "changed-mind@example.kz")
    db.session.rollback()

    assert outbox_worker.deliver_due("worker", Clock(NOW)).handled == 0
    assert smtp.received == [] and outbox() == []


def test_walk_ins_without_an_address_get_no_mail(ctx):
    event = kazakh_event()
    regs.register(
        event.id, name="Walk-in", email="", seats=1, language="kk", source="walk_in", now=NOW
    )
    db.session.commit()
    assert outbox() == []


def test_cancelling_promotes_the_waitlist_and_both_hear_of_it(ctx, smtp):
    event = kazakh_event(capacity=2)
    first = register(event, "first@example.kz", seats=2)
    waiting = register(event, "waiting@example.kz", seats=2, language="ru")
    db.session.commit()
    outbox_worker.deliver_due("worker", Clock(NOW))
    smtp.handler.received.clear()

    promoted = regs.cancel(first.registration, NOW + timedelta(hours=1))
    db.session.commit()
    outbox_worker.deliver_due("worker", Clock(NOW + timedelta(hours=1)))

    assert [r.id for r in promoted] == [waiting.registration.id]
    mails = delivered(smtp)
    assert set(mails) == {
        ("cancelled_by_visitor", "first@example.kz"),
        ("promoted", "waiting@example.kz"),
    }
    promotion = mails[("promoted", "waiting@example.kz")]
    # The manage link of the waiting party works, though only its hash is stored.
    assert f"{BASE_URL}/r/{waiting.token}" in promotion.get_body(("plain",)).get_content()
    assert attachment(promotion) is not None
    content_type, cancel = attachment(mails[("cancelled_by_visitor", "first@example.kz")])
    assert content_type.params["method"] == "CANCEL"
    assert property_lines(cancel, "METHOD") == ["METHOD:CANCEL"]
    assert property_lines(cancel, "UID") == [
        f"UID:registration-{first.registration.id}@events.example.kz"
    ]


def test_cancelling_an_event_tells_every_active_registrant(ctx, smtp):
    event = kazakh_event(capacity=2)
    register(event, "confirmed@example.kz", seats=2)
    register(event, "waiting@example.kz", seats=1)
    gone = register(event, "gone@example.kz", seats=1)
    regs.cancel(gone.registration, NOW)
    db.session.commit()
    outbox_worker.deliver_due("worker", Clock(NOW))
    smtp.handler.received.clear()

    cancel_event(event, NOW + timedelta(hours=2))
    db.session.commit()
    outbox_worker.deliver_due("worker", Clock(NOW + timedelta(hours=2)))

    assert set(delivered(smtp)) == {
        ("event_cancelled", "confirmed@example.kz"),
        ("event_cancelled", "waiting@example.kz"),
    }


def _edit(event, **changes) -> EventData:
    data = {
        "title": event.title,
        "venue_id": event.venue_id,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "category": event.category,
        "capacity": event.capacity,
        "description": event.description,
    }
    data.update(changes)
    return EventData(**data)


def test_moving_an_event_tells_registrants_with_the_new_time_and_place(ctx, smtp):
    event = kazakh_event(capacity=2)
    register(event, "confirmed@example.kz", seats=2)
    register(event, "waiting@example.kz", seats=1)
    db.session.commit()
    outbox_worker.deliver_due("worker", Clock(NOW))
    smtp.handler.received.clear()

    update_event(event, _edit(event, description="Жаңа сипаттама"), NOW)  # no time or place
    db.session.commit()
    assert outbox_worker.deliver_due("worker", Clock(NOW)).handled == 0

    new_room = make_venue(event.branch, name="Оқу залы")
    later = STARTS_AT + timedelta(days=1, hours=1)  # 19:00 in Almaty on 11 May
    update_event(
        event,
        _edit(event, venue_id=new_room.id, starts_at=later, ends_at=later + timedelta(hours=1)),
        NOW,
    )
    db.session.commit()
    outbox_worker.deliver_due("worker", Clock(NOW))

    mails = delivered(smtp)
    assert set(mails) == {
        ("event_moved", "confirmed@example.kz"),
        ("event_moved", "waiting@example.kz"),
    }
    moved = mails[("event_moved", "confirmed@example.kz")]
    text = moved.get_body(("plain",)).get_content()
    assert "19:00" in text and "Оқу залы" in text and "18:00" not in text
    _content_type, body = attachment(moved)
    [parsed] = parse_all(with_private_zone_names(body))["icalendar"]
    assert parsed.start_utc == later and parsed.sequence == 1
    assert attachment(mails[("event_moved", "waiting@example.kz")]) is None


def test_the_reminder_links_to_the_manage_page_where_the_seat_can_be_given_back(ctx, smtp):
    starts = datetime(2026, 5, 1, 13, 0, tzinfo=UTC)
    event = make_event(starts_at=starts, capacity=2, title=KAZAKH_TITLE)
    coming = register(event, "coming@example.kz", seats=2)
    waiting = register(event, "waiting@example.kz", seats=1)
    db.session.commit()

    assert queue_reminders(NOW, timedelta(hours=24)) == 1
    db.session.commit()
    outbox_worker.deliver_due("worker", Clock(NOW))

    reminder = delivered(smtp)[("reminder", "coming@example.kz")]
    assert f"{BASE_URL}/r/{coming.token}" in reminder.get_body(("plain",)).get_content()
    assert f"{BASE_URL}/r/{coming.token}" in reminder.get_body(("html",)).get_content()
    # Following the link and cancelling frees the seats for the waitlist.
    regs.cancel(regs.find_by_token(coming.token), NOW)
    db.session.commit()
    assert db.session.get(type(waiting.registration), waiting.registration.id).status == (
        "confirmed"
    )

"""On a phone, a visitor opens the "still coming?" mail's link and confirms with one tap."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import OutboxMessage, Registration
from calendar_app.services import registrations
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event
from tests.mail_support import rendered

ADDRESS = "dana@example.kz"


@pytest.mark.browser
def test_phone_visitor_confirms_from_the_reminder_link(app, page, live_server):
    with app.app_context():
        now = utcnow()
        event = make_event(
            make_branch("confirm", name="Confirm library"),
            starts_at=now + timedelta(hours=48),
            now=now,
            title="Ертегілер әлемі",
            confirm_attendance_hours=24,
        )
        registrations.register(
            event.id,
            name="Дана",
            email=ADDRESS,
            seats=2,
            language="ru",
            source="web",
            now=now,
        )
        db.session.commit()
    output = app.test_cli_runner().invoke(args=["send-reminders", "--within-hours", "48"]).output
    assert "1 attendance confirmations requested" in output
    with app.app_context():
        ask = db.session.execute(
            select(OutboxMessage).where(
                OutboxMessage.to_address == ADDRESS, OutboxMessage.kind == "attendance_check"
            )
        ).scalar_one()
        rendered([ask])
        assert ask.language == "ru"
        link = re.search(r"(http://\S+/r/[A-Za-z0-9_-]+/confirm\?lang=ru)", ask.body_text).group(1)
    assert link.startswith(live_server)

    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "ru"
    button = page.get_by_role("button", name="Да, я приду")
    box = button.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 360  # a thumb-sized tap on screen
    button.click()
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))
    assert "места сохранены" in page.get_by_role("status").first.inner_text().lower() or (
        "места сохранены" in page.content()
    )
    with app.app_context():
        registration = db.session.execute(
            select(Registration).where(Registration.email == ADDRESS)
        ).scalar_one()
        assert registration.attendance_confirmed_at is not None
        assert registration.status == "confirmed"
    # The confirm link opened again says so instead of asking twice.
    page.goto(link)
    assert page.get_by_role("button", name="Да, я приду").count() == 0

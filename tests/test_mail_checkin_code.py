"""Mails that seat a party carry the door check-in code as an inline QR image, offline."""

from __future__ import annotations

import io
import re
from email import message_from_bytes, policy
from urllib.parse import urlsplit

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import OutboxMessage
from calendar_app.services.mail_message import build_message
from calendar_app.services.registration_rules import checkin_code_for
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event
from tests.mail_support import rendered
from tests.staff_support import log_in, make_staff

SENDER = "Library events <no-reply@events.example.kz>"


@pytest.fixture
def small_event(app):
    with app.app_context():
        branch = make_branch("door", name="Door library")
        event = make_event(branch, now=utcnow(), capacity=2, title="Ертегілер әлемі")
        staff = make_staff("door@example.kz", branches=[branch])
        db.session.commit()
        return {"event": event.id, "staff": staff.get_id()}


def register(client, event_id: int, email: str, seats: int = 2) -> dict:
    response = client.post(
        f"/api/v1/events/{event_id}/registrations",
        json={"name": "Дана", "email": email, "seats": seats, "language": "kk"},
    )
    assert response.status_code == 201
    return response.get_json()


def sent_mail(app, address: str, kind: str):
    """The outbox row's message as the recipient's mail program parses it."""
    with app.app_context():
        row = db.session.execute(
            select(OutboxMessage).where(
                OutboxMessage.to_address == address, OutboxMessage.kind == kind
            )
        ).scalar_one()
        raw = build_message(rendered([row])[0], SENDER).as_bytes()
    return message_from_bytes(raw, policy=policy.default)


def qr_parts(message) -> list:
    return [part for part in message.walk() if part.get_content_type() == "image/png"]


def decoded(part) -> list[str]:
    image = Image.open(io.BytesIO(part.get_content()))
    return [result.text for result in zxingcpp.read_barcodes(image)]


def test_the_confirmation_mail_carries_the_door_code(app, client, small_event):
    party = register(client, small_event["event"], "dana@example.kz")
    message = sent_mail(app, "dana@example.kz", "registered")
    [image] = qr_parts(message)
    assert image["Content-ID"] == "<checkin-code>"
    assert image.get_content_disposition() == "inline"
    # The image sits with the HTML in multipart/related, beside the text and the .ics.
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    html = related.get_body(preferencelist=("html",)).get_content()
    assert 'src="cid:checkin-code"' in html and 'alt="' in html
    [url] = decoded(image)
    code = checkin_code_for(party["token"])
    assert url == f"{app.config['BASE_URL']}/staff/check-in/{code}"
    # The code is written out, in groups of four, in both bodies.
    grouped = " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert grouped in text and grouped in html
    # Opened by staff at the door, the decoded link is this party's check-in page.
    log_in(client, small_event["staff"])
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200 and "Дана" in page.get_data(as_text=True)
    assert any(p.get_content_type() == "text/calendar" for p in message.walk())


def test_waiting_gets_no_code_and_promotion_brings_it(app, client, small_event):
    first = register(client, small_event["event"], "first@example.kz")
    waiting = register(client, small_event["event"], "second@example.kz", seats=1)
    assert waiting["status"] == "waitlisted"
    assert qr_parts(sent_mail(app, "second@example.kz", "waitlisted")) == []
    with app.app_context():
        row = db.session.execute(
            select(OutboxMessage).where(OutboxMessage.kind == "waitlisted")
        ).scalar_one()
        assert row.checkin_url is None and "cid:" not in row.body_html
    assert client.delete(f"/api/v1/registrations/{first['token']}").status_code == 200
    assert qr_parts(sent_mail(app, "first@example.kz", "cancelled_by_visitor")) == []
    [image] = qr_parts(sent_mail(app, "second@example.kz", "promoted"))
    [url] = decoded(image)
    assert url.endswith("/staff/check-in/" + checkin_code_for(waiting["token"]))
    assert re.search(r"/staff/check-in/[A-Za-z0-9_-]{43}$", url)

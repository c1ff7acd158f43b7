"""The visitor's side in HTML: the form, the manage page, cancelling, the honeypot, CSRF."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import segno
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Registration
from calendar_app.public.registration import checkin_qr_svg
from calendar_app.services import registrations as regs
from calendar_app.services.events import cancel_event
from calendar_app.services.registration_rules import checkin_code_for
from calendar_app.timeutil import utcnow
from tests.conftest import BASE_URL
from tests.factories import make_event

TITLE = "«Құтадғу білік»: оқу кеші"


@pytest.fixture
def event_id(ctx):
    """An event next week (relative to the real clock: the views take the time themselves)."""
    event = make_event(capacity=3, max_party=3, title=TITLE, now=utcnow())
    db.session.commit()
    return event.id


def count() -> int:
    number = db.session.execute(select(func.count(Registration.id))).scalar_one()
    db.session.rollback()  # end the read, so the requests that follow can write
    return number


def post_form(client, event_id, **fields):
    data = {"name": "Гүлнар Әбенова", "email": "gulnar@example.kz", "seats": "2", "website": ""}
    data.update(fields)
    return client.post(f"/events/{event_id}/register", data=data)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def token_from(response) -> str:
    location = urlsplit(response.headers["Location"]).path
    assert location.startswith("/r/")
    return location[3:]


def test_register_redirects_to_the_manage_page_with_status_and_qr(client, event_id):
    response = post_form(client, event_id)
    assert response.status_code == 303
    token = token_from(response)
    page = client.get(f"/r/{token}")
    assert page.status_code == 200
    body = text_of(page)
    assert TITLE in body and "Confirmed" in body and "You are registered" in body
    assert "<svg" in body and "Check-in code" in body
    assert token not in body.replace(f"/r/{token}", "")  # only in its own links
    registration = regs.find_by_token(token)
    assert registration.seats == 2 and registration.source == "web"
    assert registration.language == "en"


def test_qr_code_encodes_the_staff_check_in_url_from_base_url(client, event_id):
    token = token_from(post_form(client, event_id))
    code = checkin_code_for(token)
    expected = segno.make(f"{BASE_URL}/staff/check-in/{code}", error="m")
    with client.application.test_request_context():
        svg = str(checkin_qr_svg(token))
    assert expected.svg_inline(scale=4, dark="#000", light="#fff", title="Check-in code") == svg
    assert regs.find_by_checkin_code(code).id == regs.find_by_token(token).id


def test_waitlisted_visitor_sees_the_position(client, event_id):
    post_form(client, event_id, email="one@example.kz", seats="3")
    token = token_from(post_form(client, event_id, email="two@example.kz", seats="1"))
    body = text_of(client.get(f"/r/{token}"))
    assert "On the waitlist" in body and "number 1 in the queue" in body
    assert "<svg" not in body  # no door code before a seat is confirmed


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"name": ""}, "name", "Enter your name"),
        ({"name": "   "}, "name", "Enter your name"),
        ({"name": "Ә" * 201}, "name", "too long"),
        ({"name": "Bad\x07bell"}, "name", "not allowed"),
        ({"email": "not-an-address"}, "email", "valid e-mail"),
        ({"email": ""}, "email", "Enter your e-mail"),
        ({"seats": "0"}, "seats", "at least one"),
        ({"seats": "-1"}, "seats", "at least one"),
        ({"seats": "4"}, "seats", "At most 3"),
        ({"seats": "two"}, "seats", "whole number"),
        ({"seats": "1.5"}, "seats", "whole number"),
        ({"seats": ""}, "seats", "whole number"),
        ({"seats": "9" * 40}, "seats", "whole number"),
    ],
)
def test_bad_fields_show_errors_next_to_them_and_write_nothing(
    client, event_id, fields, field_id, message
):
    response = post_form(client, event_id, **fields)
    assert response.status_code == 422
    body = text_of(response)
    error = re.search(rf'<p class="field-error" id="{field_id}-error">([^<]*)</p>', body)
    assert error and message in error.group(1)
    assert re.search(rf'aria-describedby="[^"]*{field_id}-error"[^>]*id="{field_id}"', body)
    assert count() == 0
    if field_id != "name":
        assert "Гүлнар Әбенова" in body  # what was typed is kept


def test_missing_fields_entirely_are_errors_too(client, event_id):
    response = client.post(f"/events/{event_id}/register", data={})
    assert response.status_code == 422
    assert count() == 0


def test_repeated_submit_is_refused_with_a_clear_message(client, event_id):
    assert post_form(client, event_id).status_code == 303
    again = post_form(client, event_id, email="GULNAR@example.kz")
    assert again.status_code == 409
    assert "already registered" in text_of(again)
    assert count() == 1


def test_unknown_cancelled_closed_and_drop_in_events(client, ctx, event_id):
    assert post_form(client, 987654).status_code == 404
    now = utcnow()
    cancelled = make_event(now=now)
    cancel_event(cancelled, now)
    drop_in = make_event(registration="none", now=now)
    closed = make_event(
        now=now, closes_at=now - timedelta(minutes=1), starts_at=now + timedelta(days=1)
    )
    db.session.commit()
    for event, message in (
        (cancelled, "cancelled"),
        (drop_in, "no registration"),
        (closed, "closed"),
    ):
        response = post_form(client, event.id)
        assert response.status_code == 409 and message in text_of(response)
    assert count() == 0


def test_filled_honeypot_registers_nothing(client, event_id):
    response = post_form(client, event_id, website="http://spam.example")
    assert response.status_code == 400
    assert "could not be accepted" in text_of(response)
    assert count() == 0


def test_unknown_truncated_and_made_up_tokens_are_not_found(client, event_id):
    token = token_from(post_form(client, event_id))
    for bad in (token[:-1], token[:8], "made-up-token-that-is-long-enough", "x" * 300):
        for path in (f"/r/{bad}", f"/r/{bad}/cancel"):
            response = client.get(path)
            assert response.status_code == 404
            assert "not valid" in text_of(response)
        assert client.post(f"/r/{bad}/cancel").status_code == 404
    assert regs.find_by_token(token).status == "confirmed"


def test_cancel_asks_first_then_cancels_and_promotes_the_waitlist(client, event_id):
    first = token_from(post_form(client, event_id, email="first@example.kz", seats="3"))
    waiting = token_from(post_form(client, event_id, email="second@example.kz", seats="2"))
    confirm = client.get(f"/r/{first}/cancel")
    assert confirm.status_code == 200
    assert "Cancel the registration?" in text_of(confirm)
    assert regs.find_by_token(first).status == "confirmed"  # a GET changes nothing

    done = client.post(f"/r/{first}/cancel")
    assert done.status_code == 303
    page = text_of(client.get(f"/r/{first}"))
    assert "Cancelled" in page and "Cancel my registration" not in page and "<svg" not in page
    assert regs.find_by_token(waiting).status == "confirmed"

    again = client.post(f"/r/{first}/cancel", follow_redirects=True)
    assert again.status_code == 200 and "already cancelled" in text_of(again)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_forms_need_their_csrf_token(client, event_id):
    assert post_form(client, event_id).status_code == 400
    assert count() == 0
    result = regs.register(
        event_id, name="A", email="a@example.kz", seats=1, language="en", source="web", now=utcnow()
    )
    db.session.commit()
    assert client.post(f"/r/{result.token}/cancel").status_code == 400
    assert regs.find_by_token(result.token).status == "confirmed"
    # With the token from the confirmation page, it works.
    page = client.get(f"/r/{result.token}/cancel").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post(f"/r/{result.token}/cancel", data={"csrf_token": csrf}).status_code == 303
    assert regs.find_by_token(result.token).status == "cancelled"


def test_panel_shows_seats_and_window(client, ctx, event_id):
    from flask import render_template

    from calendar_app.services.catalog import get_event

    with client.application.test_request_context():
        html = re.sub(
            r"\s+",
            " ",
            render_template("public/_registration_panel.html", event=get_event(event_id)),
        )
    assert "3 seats left." in html and "Registration is open until" in html
    assert 'name="website"' in html and 'class="honeypot" aria-hidden="true"' in html
    for name in ("name", "email", "seats"):
        assert f'<label for="{name}">' in html

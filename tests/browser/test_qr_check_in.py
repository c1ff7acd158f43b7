"""A staff member scans the QR code on a visitor's phone, logs in and checks the visitor in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import segno

from calendar_app.extensions import db
from calendar_app.models import Registration
from calendar_app.services import registrations
from calendar_app.services.registration_rules import checkin_code_for
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_venue
from tests.staff_support import CHEAP_METHOD, PASSWORD, make_staff

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"STAFF_PASSWORD_METHOD": CHEAP_METHOD}


@pytest.fixture
def visitor(app):
    with app.app_context():
        branch = make_branch("begalin", name="Children's library")
        event = make_event(
            branch,
            make_venue(branch, "Hall of fairy tales", capacity=40),
            title="Ертегілер әлемі",
            capacity=30,
            starts_at=utcnow() + timedelta(hours=1),
        )
        result = registrations.register(
            event.id,
            name="Әлібек Нұрланов",
            email="alibek@example.kz",
            seats=3,
            language="kk",
            source="web",
            now=utcnow(),
        )
        make_staff("door@example.kz", branches=[branch])
        db.session.commit()
        return {"token": result.token, "registration": result.registration.id}


def test_staff_checks_a_visitor_in_through_the_qr_link(app, browser, live_server, visitor):
    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    staff_phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    try:
        visitor_page = phone.new_page()
        visitor_page.goto(f"{live_server}/r/{visitor['token']}?lang=kk")
        shown = visitor_page.locator(".checkin-code svg path.qrline").get_attribute("d")
        code = checkin_code_for(visitor["token"])
        qr_target = f"{live_server}/staff/check-in/{code}"
        expected = segno.make(qr_target, error="m").svg_inline(scale=4)
        assert f'd="{shown}"' in expected, "the QR code encodes the staff check-in link"

        page = staff_phone.new_page()
        page.goto(qr_target)
        page.wait_for_url(re.compile(r"/staff/login"))
        page.get_by_label("E-mail address").fill("door@example.kz")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(qr_target)
        assert "Әлібек Нұрланов" in page.get_by_role("heading", level=1).inner_text()
        page.get_by_role("button", name="Check in").click()
        page.wait_for_url(re.compile(r"/staff/events/\d+/roster"))
        with app.app_context():
            registration = db.session.get(Registration, visitor["registration"])
            assert registration.checked_in_at is not None
            assert registration.checked_in_by_id is not None
    finally:
        phone.close()
        staff_phone.close()

"""A visitor on a phone finds an event, registers a party of three, sees the QR code and cancels."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import Registration
from calendar_app.services.seeding import seed_demo
from calendar_app.timeutil import utcnow

EVENT_TEXT = "Reduce"


@pytest.fixture
def seeded(app):
    with app.app_context():
        seed_demo(utcnow())
        db.session.commit()


def registrations_of(app, email: str) -> list[Registration]:
    with app.app_context():
        return list(
            db.session.execute(select(Registration).where(Registration.email == email)).scalars()
        )


@pytest.mark.browser
def test_phone_visitor_registers_a_party_of_three_and_cancels(app, page, live_server, seeded):
    page.goto(f"{live_server}/?lang=kk")
    assert page.locator("html").get_attribute("lang") == "kk"
    page.get_by_role("link", name=re.compile(EVENT_TEXT)).first.click()
    assert page.get_by_role("heading", level=1).inner_text().count(EVENT_TEXT) == 1

    page.fill("#name", "Айгүл Сәрсенова")
    page.fill("#email", "aigul@example.kz")
    page.fill("#seats", "3")
    page.locator("#register form button[type=submit]").click()

    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))
    assert page.locator("#registration-status .badge").count() == 1
    qr = page.locator(".checkin-code svg")
    assert qr.count() == 1 and qr.bounding_box()["width"] > 100
    [registration] = registrations_of(app, "aigul@example.kz")
    assert (registration.status, registration.seats, registration.language) == (
        "confirmed",
        3,
        "kk",
    )

    page.locator(f"a[href$='{page.url.rsplit('/', 1)[1]}/cancel']").click()
    page.locator("form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))
    assert page.locator("#registration-status .badge-cancelled").count() == 1
    [registration] = registrations_of(app, "aigul@example.kz")
    assert registration.status == "cancelled"


@pytest.mark.browser
def test_registration_and_cancellation_work_by_keyboard_alone(
    app, desktop_page, live_server, seeded
):
    page = desktop_page
    page.goto(f"{live_server}/?lang=ru")
    link = page.get_by_role("link", name=re.compile(EVENT_TEXT)).first
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.locator("#name").focus()
    page.keyboard.type("Мария Иванова")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "email"
    page.keyboard.type("maria@example.kz")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "seats"
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "photo_consent"
    page.keyboard.press("Space")
    assert page.is_checked("#photo_consent")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "BUTTON", (
        "the honeypot takes no focus"
    )
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))
    [registration] = registrations_of(app, "maria@example.kz")
    assert registration.seats == 2 and registration.status != "cancelled"
    assert registration.photo_consent is True

    # Withdrawing the consent is one button, by keyboard too.
    page.locator("form[action$='/photos'] button").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    [registration] = registrations_of(app, "maria@example.kz")
    assert registration.photo_consent is False

    cancel_link = page.locator("a[href$='/cancel']")
    cancel_link.focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.locator("form button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+$"))
    [registration] = registrations_of(app, "maria@example.kz")
    assert registration.status == "cancelled"


@pytest.mark.browser
def test_language_switch_changes_the_page_and_keeps_the_place(page, live_server, seeded):
    page.goto(f"{live_server}/calendar?lang=en")
    english_heading = page.get_by_role("heading", level=1).inner_text()
    page.locator("nav.lang-switch a[hreflang=ru]").click()
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server}/calendar")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("heading", level=1).inner_text() != english_heading
    page.goto(f"{live_server}/")
    assert page.locator("html").get_attribute("lang") == "ru", "the choice is remembered"

"""On a 390×844 phone, with and without JavaScript: the four sections of the site fit on one
line in every language, the list shows its first event in the first screen, the filters open
from one button, and an event page's register button is in the first screen and leads to the
form. axe finds nothing on these pages in any language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import Event
from calendar_app.services.seats import availability
from calendar_app.services.seeding import seed_demo
from calendar_app.timeutil import utcnow

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def open_event_id(app) -> int:
    """The demo season; the id of an upcoming event whose registration is open."""
    with app.app_context():
        now = utcnow()
        seed_demo(now)
        db.session.commit()
        events = db.session.execute(select(Event).order_by(Event.starts_at)).scalars().all()
        return next(
            event.id
            for event in events
            if event.starts_at > now + timedelta(hours=2)
            and availability(event, now).state in ("plenty", "few_left")
        )


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def phone(request, browser, live_server) -> Iterator:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, java_script_enabled=request.param
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def fully_in_first_screen(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def test_the_first_event_card_is_in_the_first_screen(request, phone, live_server, open_event_id):
    for language in ("kk", "ru", "en"):
        phone.goto(f"{live_server}/?lang={language}")
        assert phone.evaluate("window.scrollY") == 0
        assert fully_in_first_screen(phone.locator(".event-card").first), language
        assert not phone.locator("#filter-q").is_visible()
    # One tap on the button shows the filters; a quick choice is a plain link.
    phone.locator("details[data-filters] > summary").click()
    assert phone.locator("#filter-q").is_visible()
    phone.locator(".quick-choices a").nth(3).click()  # for children
    phone.wait_for_url("**/?audience=children")
    current = phone.locator(".quick-choices a[aria-current=page]")
    assert current.inner_text() == "For children"
    if request.node.callspec.params["phone"]:  # with JavaScript, scrolled into view
        box = current.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert phone.locator(".event-card").count() >= 1


def test_the_sections_fit_on_one_line_in_every_language(phone, live_server):
    for language in ("kk", "ru", "en"):
        phone.goto(f"{live_server}/news?lang={language}")
        tops = (
            phone.locator("header nav[aria-label] >> nth=0")
            .locator("li")
            .evaluate_all(
                "items => items.map(item => Math.round(item.getBoundingClientRect().top))"
            )
        )
        assert len(tops) == 4 and len(set(tops)) == 1, (language, tops)


def test_refused_filters_keep_the_form_open(phone, live_server, open_event_id):
    phone.goto(f"{live_server}/?from=2026-13-01&lang=en")
    assert phone.locator("#filter-from").is_visible()
    assert phone.locator(".error-summary").is_visible()


def test_the_register_button_is_in_the_first_screen_and_leads_to_the_form(
    phone, live_server, open_event_id
):
    for language in ("kk", "ru", "en"):
        phone.goto(f"{live_server}/events/{open_event_id}?lang={language}")
        button = phone.locator(".register-jump")
        assert fully_in_first_screen(button), language
    button.click()
    phone.wait_for_url(f"**/events/{open_event_id}?lang=en#register")
    assert fully_in_first_screen(phone.locator("#register-title"))
    phone.fill("#name", "Айгүл Сәрсенова")
    assert phone.locator("#register form button[type=submit]").is_visible()


def test_on_a_wide_screen_the_filters_are_open(desktop_page, live_server, open_event_id):
    desktop_page.goto(f"{live_server}/?lang=en")
    assert desktop_page.locator("#filter-q").is_visible()
    assert desktop_page.locator(".event-card").first.is_visible()
    # Beside the title is the form itself: no button leading to it.
    desktop_page.goto(f"{live_server}/events/{open_event_id}?lang=en")
    assert not desktop_page.locator(".register-jump").is_visible()
    assert desktop_page.locator("#register-title").is_visible()


@pytest.mark.parametrize("language", ("kk", "ru", "en"))
def test_list_and_event_page_have_no_axe_violations_on_a_phone(
    browser, live_server, open_event_id, language
):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    tab = context.new_page()
    try:
        for path in ("/", "/?audience=children", f"/events/{open_event_id}"):
            separator = "&" if "?" in path else "?"
            url = f"{live_server}{path}{separator}lang={language}"
            tab.goto(url)
            results = Axe().run(tab)
            assert not results.response["violations"], f"{url}: " + results.generate_report()
    finally:
        context.close()

"""axe-core finds no violation on every public page and the main staff pages, in all three
languages, on a phone-sized screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import Branch, Event
from calendar_app.services import registrations
from calendar_app.services.closures import create_closure
from calendar_app.services.events import EventData, cancel_event
from calendar_app.services.posters import set_series_poster
from calendar_app.services.registration_rules import checkin_code_for
from calendar_app.services.seeding import seed_demo
from calendar_app.services.series import create_series
from calendar_app.timeutil import utcnow
from tests.factories import make_venue
from tests.poster_images import png
from tests.staff_support import CHEAP_METHOD, PASSWORD, make_staff

pytestmark = pytest.mark.browser
LANGUAGES = ("kk", "ru", "en")


@pytest.fixture
def app_config():
    return {"STAFF_PASSWORD_METHOD": CHEAP_METHOD}


@pytest.fixture
def site(app) -> dict:
    """The demo season, one cancelled event, a visitor's registration and an admin account."""
    with app.app_context():
        now = utcnow()
        seed_demo(now)
        events = db.session.execute(select(Event).order_by(Event.starts_at)).scalars().all()
        upcoming = [e for e in events if e.starts_at > now + timedelta(hours=2)]
        with_registration = next(e for e in upcoming if not e.is_drop_in and e.capacity >= 20)
        drop_in = next(e for e in upcoming if e.is_drop_in)
        to_cancel = next(
            e for e in reversed(upcoming) if not e.is_drop_in and e.id != with_registration.id
        )
        cancel_event(to_cancel, now)
        result = registrations.register(
            with_registration.id,
            name="Гүлнар Мұқанова",
            email="gulnar@example.kz",
            seats=3,
            language="kk",
            source="web",
            now=now,
        )
        branch = db.session.execute(select(Branch).order_by(Branch.id)).scalars().first()
        start = now + timedelta(days=9)
        series = create_series(
            branch,
            EventData(
                title="Ертегілер әлемі: оқу сағаты",
                venue_id=make_venue(branch, "Story corner", capacity=15).id,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                capacity=12,
            ),
            "FREQ=WEEKLY;COUNT=3",
            now,
            skip_public_holidays=False,
        )
        set_series_poster(  # the series page then offers to replace or remove it
            series.series, png(), {"kk": "Афиша"}, app.config["UPLOADS_DIR"], now
        )
        closure = create_closure(
            branch, {"rrule": "FREQ=MONTHLY;BYDAY=-1FR", "reason": "Санитарлық күн"}, now
        )
        make_staff("admin@example.kz", is_admin=True)
        db.session.commit()
        code = checkin_code_for(result.token)
        return {
            "public": [
                "/",
                "/?category=no-such-kind",
                "/calendar",
                "/calendar?month=2026-13",
                "/branches",
                f"/branches/{branch.slug}",
                f"/events/{with_registration.id}",
                f"/events/{drop_in.id}",
                f"/events/{to_cancel.id}",
                f"/r/{result.token}",
                f"/r/{result.token}/cancel",
                "/r/not-a-real-token-at-all",
                "/no-such-page",
                f"/embed?branch={branch.slug}",
                "/embed?limit=0",
            ],
            "staff": [
                "/staff/",
                f"/staff/events/{with_registration.id}/roster",
                f"/staff/events/{with_registration.id}/edit",
                "/staff/events/new",
                f"/staff/events/{to_cancel.id}/roster",
                f"/staff/check-in/{code}",
                "/staff/stats",
                "/staff/admin/",
                "/staff/series/new",
                f"/staff/series/{series.series.id}",
                f"/staff/series/{series.series.id}/cancel",
                f"/staff/events/{series.occurrences[0].id}/edit",
                f"/staff/branches/{branch.id}/closures",
                f"/staff/branches/{branch.id}/closures?added={closure.id}",
            ],
        }


def assert_no_violations(page, url: str) -> None:
    page.goto(url)
    results = Axe().run(page)
    assert not results.response["violations"], f"{url}: " + results.generate_report()


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_have_no_axe_violations(page, live_server, site, language):
    for path in site["public"]:
        separator = "&" if "?" in path else "?"
        assert_no_violations(page, f"{live_server}{path}{separator}lang={language}")


def test_registration_form_with_errors_has_no_axe_violations(page, live_server, site):
    page.goto(f"{live_server}{site['public'][6]}?lang=kk")
    page.fill("#name", "")
    page.fill("#email", "not an address")
    page.check("#photo_consent")
    page.locator("#register form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".field-error").count() >= 1
    # The error summary comes first and takes the focus; the title says there is an error.
    assert page.evaluate("document.activeElement.matches('[data-error-summary]')")
    assert page.title().startswith("Қате: ")
    results = Axe().run(page)
    assert not results.response["violations"], results.generate_report()
    # The language switch of the failed page leads to the event page, what was typed kept.
    page.locator("button[name=lang][value=ru]").click()
    page.wait_for_load_state()
    assert page.url.endswith("?lang=ru#register")
    assert page.input_value("#email") == "not an address"
    assert page.is_checked("#photo_consent")
    results = Axe().run(page)
    assert not results.response["violations"], results.generate_report()


@pytest.mark.parametrize("language", LANGUAGES)
def test_staff_pages_have_no_axe_violations(page, live_server, site, language):
    assert_no_violations(page, f"{live_server}/staff/login?lang={language}")
    page.fill("input[type=email], input[name=email]", "admin@example.kz")
    page.fill("input[type=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/staff/")
    for path in site["staff"]:
        separator = "&" if "?" in path else "?"
        assert_no_violations(page, f"{live_server}{path}{separator}lang={language}")

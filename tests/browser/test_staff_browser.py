"""The staff side in a real browser: login with CSRF, check-in in place with fetch, no-JS
fallback, and no axe-core violations on the staff pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe

from calendar_app.extensions import db
from calendar_app.models import Registration
from calendar_app.services import registrations as regs
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_venue
from tests.staff_support import BROWSER_CONFIG, PASSWORD, make_staff

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return dict(BROWSER_CONFIG)


@pytest.fixture
def door(app):
    with app.app_context():
        branch = make_branch("children", name="Children's library")
        hall = make_venue(branch, "Hall", capacity=10)
        event = make_event(
            branch, hall, title="Құтадғу білік", capacity=6, starts_at=utcnow() + timedelta(hours=2)
        )
        ids = {"event": event.id}
        for number, name in enumerate(["Айгерім Сәрсенова", "Иван Петров"], start=1):
            result = regs.register(
                event.id,
                name=name,
                email=f"guest{number}@example.kz",
                seats=2,
                language="kk",
                source="web",
                now=utcnow(),
            )
            ids[f"registration{number}"] = result.registration.id
        make_staff("door@example.kz", branches=[branch])
        db.session.commit()
        return ids


def log_in(page, live_server: str, next_path: str) -> None:
    page.goto(f"{live_server}/staff/login?next={next_path}")
    page.get_by_label("E-mail address").fill("door@example.kz")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}{next_path}")


def checked_in(app, registration_id: int) -> bool:
    with app.app_context():
        return db.session.get(Registration, registration_id).checked_in_at is not None


def test_check_in_happens_in_place_with_javascript(app, page, live_server, door):
    roster = f"/staff/events/{door['event']}/roster"
    log_in(page, live_server, roster)
    page.evaluate("window.stillTheSamePage = true")
    row = page.locator(f"#registration-{door['registration1']}")
    row.get_by_role("button", name="Check in").click()
    page.locator(f"#registration-{door['registration1']} .checkin-status").wait_for()
    assert page.evaluate("window.stillTheSamePage") is True  # no page load
    assert page.locator('#roster-counts [data-count="checked_in"]').inner_text() == "2"
    assert checked_in(app, door["registration1"])
    page.locator(f"#registration-{door['registration1']}").get_by_role(
        "button", name="Undo"
    ).click()
    page.locator(f"#registration-{door['registration1']}").get_by_role(
        "button", name="Check in"
    ).wait_for()
    assert not checked_in(app, door["registration1"])


def test_check_in_works_without_javascript(app, browser, live_server, door):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        roster = f"/staff/events/{door['event']}/roster"
        log_in(page, live_server, roster)
        page.locator(f"#registration-{door['registration2']}").get_by_role(
            "button", name="Check in"
        ).click()
        page.wait_for_url(f"{live_server}{roster}#registration-{door['registration2']}")
        assert "Иван Петров is checked in." in page.content()
        assert checked_in(app, door["registration2"])
    finally:
        context.close()


def test_staff_pages_have_no_axe_violations(page, live_server, door):
    page.goto(f"{live_server}/staff/login")
    results = Axe().run(page)
    assert not results.response["violations"], "login: " + results.generate_report()
    roster = f"/staff/events/{door['event']}/roster"
    log_in(page, live_server, roster)
    for path in (
        "/staff/",
        roster,
        f"/staff/events/{door['event']}/edit",
        "/staff/events/new",
        f"/staff/events/{door['event']}/sign-in-sheet",
        "/staff/stats",
    ):
        page.goto(f"{live_server}{path}")
        results = Axe().run(page)
        assert not results.response["violations"], f"{path}: " + results.generate_report()

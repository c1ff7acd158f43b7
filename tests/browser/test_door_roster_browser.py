"""The roster at the door on a 390-pixel phone: every check-in button fully on screen, the page
never scrolls sideways, the search narrows the list as a name is typed (and works as a plain form
without JavaScript), and axe finds nothing in kk, ru and en."""

from __future__ import annotations

from collections.abc import Iterator
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
DOOR_PHONE = {"width": 390, "height": 844}
NAMES = [
    ("Айгерім Сәрсенова", 3),
    ("Иван Петров", 2),
    ("Гүлназ Жақсыбекова-Тілеубердиева", 4),
    ("Maria Schmidt", 1),
    ("Нұрсұлтан Әбілқайыров", 2),
    ("Ольга Ким", 1),
]


@pytest.fixture
def app_config():
    return dict(BROWSER_CONFIG)


@pytest.fixture
def door(app) -> dict[str, int]:
    """A master class of 14 seats asking parents to confirm: six parties, one checked in, a
    walk-in and one party waiting."""
    with app.app_context():
        branch = make_branch("children", name="Children's library")
        hall = make_venue(branch, "Hall", capacity=20)
        event = make_event(
            branch,
            hall,
            title="Шексіздік сыртындағы шам: балаларға арналған шеберлік сыныбы",
            capacity=14,
            max_party=4,
            confirm_attendance_hours=24,
            starts_at=utcnow() + timedelta(hours=2),
        )
        ids = {"event": event.id}
        for number, (name, seats) in enumerate(NAMES, start=1):
            result = regs.register(
                event.id,
                name=name,
                email=f"guest{number}@example.kz",
                seats=seats,
                language="kk",
                source="web",
                now=utcnow(),
            )
            ids[name] = result.registration.id
        staff = make_staff("door@example.kz", branches=[branch])
        regs.check_in(db.session.get(Registration, ids["Иван Петров"]), staff.id, utcnow())
        regs.add_walk_in(event.id, name="Серік", seats=1, staff_id=staff.id, now=utcnow())
        waiting = regs.register(
            event.id,
            name="Waiting Person",
            email="waiting@example.kz",
            seats=2,
            language="ru",
            source="web",
            now=utcnow(),
        )
        assert waiting.status == "waitlisted"
        db.session.commit()
        return ids


@pytest.fixture
def phone(browser, live_server) -> Iterator:
    context = browser.new_context(viewport=DOOR_PHONE, device_scale_factor=2, is_mobile=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def log_in(page, live_server: str, next_path: str) -> None:
    page.goto(f"{live_server}/staff/login?next={next_path}")
    page.fill("input[type=email], input[name=email]", "door@example.kz")
    page.fill("input[type=password]", PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server}{next_path}")


def checked_in(app, registration_id: int) -> bool:
    with app.app_context():
        return db.session.get(Registration, registration_id).checked_in_at is not None


def count(page, name: str) -> int:
    return int(page.locator(f'#roster-counts [data-count="{name}"]').inner_text())


def test_every_check_in_button_is_on_the_phone_screen_and_checks_in(app, phone, live_server, door):
    roster = f"/staff/events/{door['event']}/roster"
    log_in(phone, live_server, roster)
    for language in ("kk", "ru", "en"):  # the longest labels first
        phone.goto(f"{live_server}{roster}?lang={language}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= DOOR_PHONE["width"]
        rows = phone.locator("#roster-table tbody tr")
        assert rows.count() == len(NAMES) + 1  # and the walk-in
        for index in range(rows.count()):
            button = rows.nth(index).locator(".checkin-cell button")  # check in, or undo
            assert button.count() == 1
            button.scroll_into_view_if_needed()
            box = button.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= DOOR_PHONE["width"], box
            assert box["height"] >= 44, (language, box)
    assert count(phone, "checked_in") == 3 and count(phone, "expected") == 14
    assert count(phone, "walk_ins") == 1 and count(phone, "free") == 0

    target = door["Гүлназ Жақсыбекова-Тілеубердиева"]
    row = phone.locator(f"#registration-{target}")
    button = row.get_by_role("button", name="Check in")
    button.scroll_into_view_if_needed()
    button.click()
    phone.locator(f"#registration-{target} .checkin-status").wait_for()
    assert checked_in(app, target)
    assert count(phone, "checked_in") == 7
    # The counts stay in view after scrolling down to the bottom of the list.
    phone.locator(f"#registration-{door['Ольга Ким']}").scroll_into_view_if_needed()
    phone.mouse.wheel(0, 2000)
    counts = phone.locator("#roster-counts").bounding_box()
    assert counts["y"] >= -1 and counts["y"] + counts["height"] <= DOOR_PHONE["height"]
    undo = phone.locator(f"#registration-{target}").get_by_role("button", name="Undo")
    box = undo.bounding_box()
    assert box["x"] + box["width"] <= DOOR_PHONE["width"] and box["height"] >= 44


def test_the_roster_never_scrolls_sideways(browser, live_server, door):
    """From a small phone to a laptop, in the longest of the three languages."""
    roster = f"/staff/events/{door['event']}/roster"
    for width in (320, 390, 700, 800, 1024):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        try:
            log_in(page, live_server, roster)
            for language in ("ru", "kk"):
                page.goto(f"{live_server}{roster}?lang={language}")
                scroll_width = page.evaluate("document.documentElement.scrollWidth")
                assert scroll_width <= width, (width, language, scroll_width)
        finally:
            context.close()


def test_typing_a_name_hides_the_other_rows(phone, live_server, door):
    roster = f"/staff/events/{door['event']}/roster"
    log_in(phone, live_server, roster)
    phone.get_by_label("Find a name or e-mail address").press_sequentially("айгер")
    found = phone.locator("#roster-found")
    found.filter(has_text="Shown: 1 of 8.").wait_for()
    assert phone.locator(f"#registration-{door['Айгерім Сәрсенова']}").is_visible()
    assert not phone.locator(f"#registration-{door['Иван Петров']}").is_visible()
    assert not phone.get_by_text("Waiting Person").is_visible()
    assert phone.url.endswith(roster)  # no page load
    phone.get_by_label("Find a name or e-mail address").fill("")
    phone.get_by_label("Find a name or e-mail address").press_sequentially("waiting@")
    phone.locator("#roster-table").wait_for(state="hidden")  # no confirmed party matches
    assert phone.get_by_text("Waiting Person").is_visible()
    assert "Shown: 1 of 8." in found.inner_text()
    phone.get_by_label("Find a name or e-mail address").press_sequentially("zzz")
    found.filter(has_text="No party matches “waiting@zzz”.").wait_for()
    phone.get_by_label("Find a name or e-mail address").fill("")
    phone.get_by_label("Find a name or e-mail address").press("Backspace")
    phone.locator(f"#registration-{door['Иван Петров']}").wait_for(state="visible")
    assert phone.locator("#roster-table tbody tr:visible").count() == len(NAMES) + 1


def test_the_search_form_works_without_javascript(browser, live_server, door):
    context = browser.new_context(java_script_enabled=False, viewport=DOOR_PHONE)
    page = context.new_page()
    try:
        roster = f"/staff/events/{door['event']}/roster"
        log_in(page, live_server, roster)
        page.get_by_label("Find a name or e-mail address").fill("ПЕТРОВ")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**/roster?q=*")
        assert "Shown: 1 of 8." in page.locator("#roster-found").inner_text()
        assert page.locator("#roster-table tbody tr").count() == 1
        assert page.locator(f"#registration-{door['Иван Петров']}").is_visible()
        page.get_by_role("link", name="Show everyone").click()
        page.wait_for_url(f"{live_server}{roster}")
        assert page.locator("#roster-table tbody tr").count() == len(NAMES) + 1
    finally:
        context.close()


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_door_roster_has_no_axe_violations(phone, live_server, door, language):
    roster = f"/staff/events/{door['event']}/roster"
    log_in(phone, live_server, roster)
    for query in (f"lang={language}", f"lang={language}&q=айгерім", f"lang={language}&q=zzz"):
        phone.goto(f"{live_server}{roster}?{query}")
        results = Axe().run(phone)
        assert not results.response["violations"], f"{query}: " + results.generate_report()
    phone.goto(f"{live_server}{roster}?lang={language}")
    phone.locator("#roster-q").press_sequentially("ива")
    phone.locator("#roster-found:not(:empty)").wait_for()
    results = Axe().run(phone)
    assert not results.response["violations"], "typed: " + results.generate_report()

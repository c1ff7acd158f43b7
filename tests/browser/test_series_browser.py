"""A librarian plans a weekly series in a real browser, on a phone and on a desktop: the preview
shows the skipped public holiday, saving makes the dates, and they appear on the public month
grid. The closed-days page is used the same way. No axe-core violations on these pages.

With SCREENSHOTS_DIR set, each page is also saved there as screenshots to look at.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import Event, Series
from calendar_app.timeutil import to_local
from tests.factories import make_branch, make_venue
from tests.staff_support import BROWSER_CONFIG, PASSWORD, make_staff

pytestmark = pytest.mark.browser
TITLE = "Ертегілер әлемі: оқу сағаты"
SLICE = 1200  # CSS pixels of page per screenshot, so that each stays readable
WINDOWS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def app_config():
    return dict(BROWSER_CONFIG)


@pytest.fixture
def library(app) -> dict:
    with app.app_context():
        branch = make_branch("children", name="Children's library")
        make_venue(branch, "Reading hall", capacity=30)
        make_staff("librarian@example.kz", branches=[branch])
        db.session.commit()
        return {"branch": branch.id}


@pytest.fixture(params=list(WINDOWS))
def window(request, browser, live_server):
    """A tab in a phone-sized or a desktop window, and its name."""
    phone = request.param == "phone"
    context = browser.new_context(
        viewport=WINDOWS[request.param], device_scale_factor=2 if phone else 1, is_mobile=phone
    )
    context.set_default_timeout(15_000)
    yield context.new_page(), request.param
    context.close()


def look(page, name: str) -> None:
    """No axe-core violation on this page; with SCREENSHOTS_DIR set, saved there in slices."""
    results = Axe().run(page)
    assert not results.response["violations"], f"{name}: " + results.generate_report()
    folder = os.environ.get("SCREENSHOTS_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    height = page.evaluate("document.documentElement.scrollHeight")
    for number, top in enumerate(range(0, height, SLICE), start=1):
        clip = {"x": 0, "y": top, "width": width, "height": min(SLICE, height - top)}
        page.screenshot(path=str(Path(folder) / f"{name}-{number}.png"), full_page=True, clip=clip)


def log_in(page, live_server: str) -> None:
    page.goto(f"{live_server}/staff/login")
    page.get_by_label("E-mail address").fill("librarian@example.kz")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/staff/")


def test_a_librarian_plans_a_weekly_series_around_a_holiday(app, window, live_server, library):
    page, size = window
    log_in(page, live_server)
    page.get_by_role("link", name="Plan a series").click()
    page.wait_for_url(f"{live_server}/staff/series/new")
    look(page, f"series-new-{size}")

    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Starts (local time)").fill("2026-12-02T15:00")
    page.get_by_label("Ends (local time)").fill("2026-12-02T16:30")
    page.get_by_label("Seats", exact=True).fill("20")
    weekdays = page.get_by_role("group", name="Weekly: on these days")
    weekdays.get_by_label("Wednesday").check()
    page.get_by_label("Last date").fill("2026-12-30")
    page.get_by_role("button", name="Preview dates").click()

    preview = page.get_by_role("region", name="Preview: nothing is saved yet")
    preview.wait_for()
    assert "4 dates will be planned." in preview.inner_text()
    skipped = page.locator("#preview-skipped").inner_text()
    assert "December 16, 2026" in skipped and "Independence Day" in skipped
    assert weekdays.get_by_label("Wednesday").is_checked()  # the form is kept as filled in
    with app.app_context():
        assert db.session.execute(select(Series)).first() is None
    look(page, f"series-preview-{size}")

    page.get_by_role("button", name="Save the series").click()
    page.wait_for_url(re.compile(r"/staff/series/\d+$"))
    assert "Every week on Wednesday; until December 30, 2026" in page.content()
    assert page.locator("#series-dates tbody tr").count() == 4
    look(page, f"series-page-{size}")

    page.goto(f"{live_server}/calendar?month=2026-12")
    grid = page.locator(".month-grid")
    cells = grid.locator("td", has=page.get_by_role("link", name=re.compile(TITLE)))
    days = sorted(
        int(re.search(r"(\d+)\s*$", cell.locator(".day-number").inner_text()).group(1))
        for cell in cells.all()
    )
    assert days == [2, 9, 23, 30]
    with app.app_context():
        starts = db.session.execute(select(Event.starts_at)).scalars().all()
        assert sorted(to_local(s, "Asia/Almaty").day for s in starts) == [2, 9, 23, 30]

    page.goto(f"{live_server}/staff/series/{page_series_id(app)}/cancel")
    look(page, f"series-cancel-{size}")


def page_series_id(app) -> int:
    with app.app_context():
        return db.session.execute(select(Series.id)).scalar_one()


def test_a_librarian_adds_a_monthly_sanitary_day(app, window, live_server, library):
    page, size = window
    log_in(page, live_server)
    page.get_by_role("link", name="Closed days of Children's library").click()
    look(page, f"closures-empty-{size}")
    page.get_by_label("On a repeating day").check()
    page.get_by_label("Every month").check()
    page.get_by_label("Monthly: which week of the month").select_option(
        label="Last (the last 7 days)"
    )
    page.get_by_label("Monthly: day of the week").select_option(label="Friday")
    page.get_by_label("Reason").fill("Санитарлық күн")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(re.compile(r"/closures\?added=\d+$"))
    assert "Every month on the last Friday of the month" in page.content()
    assert "No planned event falls on these days." in page.content()
    look(page, f"closures-added-{size}")
    # A range without its end is refused beside the field.
    page.get_by_label("From one date to another").check()
    page.get_by_label("First day").fill("2026-12-28")
    page.get_by_role("button", name="Add", exact=True).click()
    assert page.locator("#end-error").is_visible()
    look(page, f"closures-error-{size}")

"""Staff write the report of an event that took place, with two photos, on a phone and on a
desktop screen, and publish it; the form has no axe-core violation, also when it refuses a photo
without the consent confirmation. Then a visitor on a phone reads it in Russian on /news and
opens its page with both photos."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image, ImageDraw
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import Report
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_registration, make_venue
from tests.staff_support import BROWSER_CONFIG, PASSWORD, make_staff

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
# Screenshots for whoever works on the page (not checked): REPORT_SCREENSHOTS=/some/dir.
SCREENSHOTS = os.environ.get("REPORT_SCREENSHOTS")
ALT = [
    "Балалар пластик бөтелкелерден құстарға жемсауыт жасап жатыр",
    "Шеберлік сабағының соңында балалар жұмыстарын көрсетіп тұр",
]


@pytest.fixture
def app_config():
    return dict(BROWSER_CONFIG)


@pytest.fixture
def event_id(app) -> int:
    with app.app_context():
        now = utcnow()
        branch = make_branch("begalin", name="Begalin children's library")
        hall = make_venue(branch, "Hall", capacity=40)
        event = make_event(
            branch,
            hall,
            title="«Reduce – steps to sustainable development»",
            starts_at=now - timedelta(hours=3),
            now=now - timedelta(days=10),
        )
        for number in range(4):
            make_registration(event.id, f"Visitor {number}", seats=2, checked_in_at=now)
        make_staff("begalin@example.kz", branches=[branch])
        db.session.commit()
        return event.id


def photo(colour: tuple[int, int, int], number: int) -> dict:
    picture = Image.new("RGB", (1200, 800), colour)
    draw = ImageDraw.Draw(picture)
    draw.ellipse((300 + 100 * number, 200, 700 + 100 * number, 600), fill=(255, 191, 71))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=88)
    return {"name": f"photo-{number}.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def no_violations(page) -> None:
    results = Axe().run(page)
    assert not results.response["violations"], results.generate_report()


def screenshot(page, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_staff_write_a_report_with_two_photos_and_publish_it(
    app, browser, live_server, event_id, viewport
):
    context = browser.new_context(viewport=viewport, is_mobile=viewport is PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    name = "phone" if viewport is PHONE else "desktop"
    report_path = f"/staff/events/{event_id}/report"
    try:
        page.goto(f"{live_server}/staff/login?next={report_path}")
        page.get_by_label("E-mail address").fill("begalin@example.kz")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server}{report_path}")
        no_violations(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

        page.get_by_label("Report in Kazakh (Markdown)").fill(
            "Отызға жуық бала **шеберлік сабағына** қатысты."
        )
        page.get_by_label("Report in Russian (Markdown)").fill(
            "Почти тридцать детей пришли на **мастер-классы**."
        )
        page.get_by_label("Report in English (Markdown)").fill(
            "Almost thirty children took the *master classes*."
        )
        page.get_by_label("Publish on the news page").check()
        page.get_by_role("button", name="Save the report").click()
        page.wait_for_url(f"{live_server}{report_path}")
        assert page.get_by_text("The report is saved and published.").is_visible()

        # A photo without the confirmation is refused; the summary takes the focus.
        page.get_by_label("Photo (JPEG, PNG or WebP, at most 10 MB)").set_input_files(
            photo((30, 120, 60), 0)
        )
        page.get_by_label("Description of the photo in Kazakh").fill(ALT[0])
        page.get_by_role("button", name="Add the photo").click()
        page.wait_for_load_state()
        summary = page.locator("[data-error-summary]")
        assert "agreed to be photographed" in summary.inner_text()
        assert page.evaluate("document.activeElement.matches('[data-error-summary]')")
        assert page.title().startswith("Error: ")
        no_violations(page)
        screenshot(page, f"report-refused-{name}")

        for number, colour in enumerate([(30, 120, 60), (11, 83, 148)]):
            page.get_by_label("Photo (JPEG, PNG or WebP, at most 10 MB)").set_input_files(
                photo(colour, number)
            )
            page.get_by_label("Description of the photo in Kazakh").fill(ALT[number])
            page.get_by_label(
                "The people in this photo (and the parents of the children in it) agreed to "
                "be photographed"
            ).check()
            page.get_by_role("button", name="Add the photo").click()
            page.wait_for_url(f"{live_server}{report_path}#photos")
            assert page.get_by_text("The photo is added.").is_visible()

        for text in ALT:
            image = page.get_by_role("img", name=text)
            assert image.evaluate("img => img.complete && img.naturalWidth > 0")
            box = image.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        assert page.get_by_role("link", name="See the report on the public page").is_visible()
        no_violations(page)
        screenshot(page, f"report-{name}")
    finally:
        context.close()

    # A visitor on a phone, in Russian, finds it on /news and opens it with its two photos.
    visitor = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="ru-RU"
    )
    visitor.set_default_timeout(15_000)
    tab = visitor.new_page()
    try:
        tab.goto(f"{live_server}/news?lang=ru")
        entry = tab.locator(".news-item").first
        assert "Почти тридцать детей пришли на мастер-классы." in entry.inner_text()
        assert entry.get_by_role("img", name=ALT[0]).is_visible()
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        entry.get_by_role("link").filter(has_text="Reduce").first.click()
        tab.wait_for_load_state()
        report_section = tab.locator("#report")
        assert report_section.locator("strong", has_text="мастер-классы").is_visible()
        gallery = report_section.locator(".gallery img")
        assert gallery.count() == 2
        assert [gallery.nth(n).get_attribute("alt") for n in range(2)] == ALT
        no_violations(tab)
        screenshot(tab, f"report-read-by-visitor-after-{name}")
    finally:
        visitor.close()

    with app.app_context():
        report = db.session.execute(select(Report)).scalar_one()
        assert report.published and len(report.photos) == 2
        assert [p.image.alt["kk"] for p in report.photos] == ALT
        assert report.text["kk"].startswith("Отызға жуық бала")

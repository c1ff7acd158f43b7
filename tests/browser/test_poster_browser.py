"""On a phone, the event page shows its poster with its description, and the way to register
stays in the first screen."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image, ImageDraw

from calendar_app.extensions import db
from calendar_app.services.posters import set_poster
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event

PHONE = {"width": 390, "height": 844}
ALT = {
    "kk": "Ертегілер әлемі: балаларға арналған оқу сағатының постері",
    "ru": "Постер часа чтения «Мир сказок» для детей",
    "en": "Poster of the “World of fairy tales” reading hour for children",
}


def poster_picture() -> bytes:
    picture = Image.new("RGB", (1200, 1500), (11, 83, 148))
    draw = ImageDraw.Draw(picture)
    for step in range(0, 1500, 60):
        draw.rectangle((0, step, 1200, step + 30), fill=(14, 95, 166))
    draw.ellipse((300, 450, 900, 1050), fill=(255, 191, 71))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.mark.browser
@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_poster_shows_on_a_phone_with_its_description(app, browser, live_server, language):
    with app.app_context():
        now = utcnow()
        event = make_event(
            make_branch("posters", name="Poster library"),
            starts_at=now + timedelta(days=5),
            now=now,
            title="Ертегілер әлемі: оқу сағаты",
            language="kk",
        )
        set_poster(event, poster_picture(), ALT, app.config["UPLOADS_DIR"], now)
        db.session.commit()
        event_id = event.id
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/events/{event_id}?lang={language}")
        poster = page.get_by_alt_text(ALT[language])
        poster.wait_for()
        assert poster.evaluate("img => img.complete && img.naturalWidth > 0")  # loaded, CSP too
        box = poster.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        jump = page.locator(".register-jump")
        assert jump.bounding_box()["y"] + jump.bounding_box()["height"] <= PHONE["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()

"""/embed as a library's website shows it: in a 400-pixel iframe on another origin, allowed by
EMBED_ALLOWED_ORIGINS, under the site's Content-Security-Policy (no refusal anywhere)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from calendar_app.extensions import db
from calendar_app.services.seeding import seed_demo
from calendar_app.timeutil import utcnow
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.fixture
def library_site(app, live_server: str) -> Iterator[str]:
    """A page of "the library's own website" on another origin, with the documented snippet."""
    host_page: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server API)
            body = host_page["html"]
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    origin = f"http://localhost:{server.server_address[1]}"
    app.config["EMBED_ALLOWED_ORIGINS"] = (origin,)
    host_page["html"] = (
        "<!doctype html><html lang='kk'><head><meta charset='utf-8'><title>Library</title></head>"
        "<body><h1>Library</h1>"
        f'<iframe src="{live_server}/embed?branch=chekhov&amp;lang=kk" '
        'title="Іс-шаралар" width="400" height="640" loading="lazy"></iframe>'
        "</body></html>"
    ).encode()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield origin
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def season(app) -> None:
    with app.app_context():
        seed_demo(utcnow() - timedelta(hours=1))
        db.session.commit()


def test_embed_shows_in_an_iframe_on_the_library_site_and_opens_events_in_a_new_tab(
    desktop_page, library_site, season
):
    desktop_page.goto(library_site + "/")
    frame = desktop_page.frame_locator("iframe")
    items = frame.locator(".embed-item")
    items.first.wait_for()
    assert items.count() >= 1
    assert frame.locator("html").get_attribute("lang") == "kk"
    width = desktop_page.locator("iframe").bounding_box()["width"]
    assert width == pytest.approx(400, abs=4)
    # Nothing runs off the side of a 400-pixel frame.
    inner = desktop_page.frames[1]
    assert inner.evaluate("document.documentElement.scrollWidth") <= 400
    ARTIFACTS.mkdir(exist_ok=True)
    desktop_page.locator("iframe").screenshot(path=str(ARTIFACTS / "embed-400px.png"))
    with desktop_page.context.expect_page() as opened:
        frame.locator(".embed-name a").first.click()
    event_page = opened.value
    event_page.wait_for_load_state()
    assert "/events/" in event_page.url and "lang=kk" in event_page.url
    assert event_page.locator("h1").count() == 1
    event_page.close()

"""axe-core finds no violation on the public pages, in every language, on a phone-sized screen."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from calendar_app.extensions import db
from calendar_app.services.seeding import seed_demo
from calendar_app.timeutil import utcnow

LANGUAGES = ("kk", "ru", "en")


@pytest.fixture
def seeded(app):
    with app.app_context():
        seed_demo(utcnow())
        db.session.commit()


def assert_no_violations(page, url: str) -> None:
    page.goto(url)
    results = Axe().run(page)
    violations = results.response["violations"]
    assert not violations, f"{url}: " + results.generate_report()


@pytest.mark.browser
@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_have_no_axe_violations(page, live_server, seeded, language):
    for path in ("/", "/calendar", "/no-such-page"):
        assert_no_violations(page, f"{live_server}{path}?lang={language}")

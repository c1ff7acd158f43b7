"""A visitor reads the news on a phone in Russian and opens a report with its photos; axe finds
no violation on /news and on a report page in the three languages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from calendar_app.extensions import db
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_registration
from tests.news_support import add_photo, make_report

pytestmark = pytest.mark.browser
LANGUAGES = ("kk", "ru", "en")
# Set NEWS_SCREENSHOTS to a directory to keep phone and desktop pictures of the pages.
SCREENSHOTS = os.environ.get("NEWS_SCREENSHOTS")


@pytest.fixture
def report(app) -> dict:
    with app.app_context():
        now = utcnow()
        branch = make_branch(
            "begalin",
            name="Begalin children's library",
            translations={"ru": {"name": "Детская библиотека имени Бегалина"}},
        )
        start = now - timedelta(days=2)
        event = make_event(
            branch,
            starts_at=start,
            now=now - timedelta(days=30),
            language="kk",
            title="«Азайт — тұрақты дамуға қадамдар»: шеберлік сабағы",
            translations={"ru": {"title": "«Сократи — шаги к устойчивому развитию»: мастер-класс"}},
            capacity=30,
        )
        for seats in (3, 2, 4):
            make_registration(event.id, seats=seats, checked_in_at=start)
        written = make_report(
            event,
            {
                "kk": "Отызға жуық бала **қайта өңдеу** туралы білді.",
                "ru": "Почти тридцать детей узнали о **переработке**.\n\n"
                "- сортировали отходы;\n- сделали кормушки для птиц.",
            },
        )
        add_photo(written, {"kk": "Балалар қалдықтарды сұрыптайды", "ru": "Дети сортируют отходы"})
        add_photo(
            written,
            {"kk": "Құс жемсауыттары", "ru": "Готовые кормушки для птиц"},
            position=1,
            colour=(40, 160, 60),
        )
        older = make_event(
            branch, starts_at=now - timedelta(days=9), now=now - timedelta(days=30), language="ru"
        )
        make_report(older, {"ru": "Встреча с редактором журнала «Балдырған»."})
        db.session.commit()
        return {"event": event.id}


@pytest.fixture
def phone(browser, live_server: str) -> Iterator:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def _snap(tab, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def test_a_visitor_reads_a_report_on_a_phone_in_russian(phone, live_server, report):
    phone.goto(f"{live_server}/news?lang=ru")
    assert phone.locator("h1").inner_text() == "Новости библиотек"
    first = phone.locator(".news-item").first
    link = first.locator("h3 a")
    assert link.inner_text() == "«Сократи — шаги к устойчивому развитию»: мастер-класс"
    assert first.locator(".news-excerpt").inner_text().startswith("Почти тридцать детей")
    assert first.locator(".attendance").inner_text() == "Пришли 9 человек"
    assert first.locator("img").get_attribute("alt") == "Дети сортируют отходы"
    # Nothing overflows the phone's width.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    _snap(phone, "news-phone-ru")

    link.click()
    phone.wait_for_url(f"**/events/{report['event']}#report")
    section = phone.locator("#report")
    assert section.locator("h2").inner_text() == "Как прошло мероприятие"
    assert section.locator(".report-text li").count() == 2
    original = section.locator("details.report-original")
    assert not original.locator("div[lang=kk]").is_visible()
    original.locator("summary").click()
    assert original.locator("div[lang=kk]").is_visible()
    figures = section.locator("ul.gallery > li > figure")
    assert figures.count() == 2
    alts = [figures.nth(n).locator("img").get_attribute("alt") for n in range(2)]
    assert alts == ["Дети сортируют отходы", "Готовые кормушки для птиц"]
    _snap(phone, "report-phone-ru")

    # The photos are reached with the keyboard, with a visible focus, and open in full size.
    gallery_link = figures.nth(0).locator("a")
    gallery_link.focus()
    phone.keyboard.press("Tab")
    focused = phone.evaluate(
        "[document.activeElement.querySelector('img')?.alt,"
        " getComputedStyle(document.activeElement).outlineStyle]"
    )
    assert focused == ["Готовые кормушки для птиц", "solid"]
    # (Opening it here would show the browser's own image viewer, whose inline styles the
    # media responses' Content-Security-Policy refuses; a plain request is what matters.)
    href = phone.evaluate("document.activeElement.href")
    response = phone.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "image/jpeg"


def test_news_and_report_pages_have_no_axe_violations(phone, desktop_page, live_server, report):
    for language in LANGUAGES:
        for path in ("/news", f"/events/{report['event']}", "/news?branch=begalin&page=1"):
            phone.goto(f"{live_server}{path}{'&' if '?' in path else '?'}lang={language}")
            results = Axe().run(phone)
            assert not results.response["violations"], f"{path} {language}: " + (
                results.generate_report()
            )
    if SCREENSHOTS:
        for path, name in (
            ("/news?lang=kk", "news-desktop-kk"),
            (f"/events/{report['event']}?lang=en", "report-desktop-en"),
        ):
            desktop_page.goto(f"{live_server}{path}")
            _snap(desktop_page, name)

"""Choosing the language: explicit switch (remembered), Accept-Language, default; never a 500."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from calendar_app.extensions import db
from calendar_app.localization import localized
from calendar_app.timeutil import utcnow
from tests.factories import make_event


def html_lang(response) -> str:
    match = re.search(rb'<html lang="([^"]+)"', response.data)
    assert match, "every page declares its language"
    return match.group(1).decode()


@pytest.fixture
def app_config():
    return {"DEFAULT_LOCALE": "kk"}


def test_default_language_is_configurable(client):
    assert html_lang(client.get("/")) == "kk"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ru-RU,ru;q=0.9,en;q=0.5", "ru"),
        ("en-GB,en;q=0.8", "en"),
        ("kk-KZ", "kk"),
        ("de-DE,fr;q=0.7", "kk"),
        (";;;q=abc,@@@,,", "kk"),
        ("x" * 5000, "kk"),
        ("ru;q=nonsense, en;q=0.1", "en"),
    ],
)
def test_accept_language_decides_when_nothing_was_chosen(client, header, expected):
    response = client.get("/", headers={"Accept-Language": header})
    assert response.status_code == 200
    assert html_lang(response) in {expected, "ru"} if "nonsense" in header else expected


def test_explicit_choice_wins_and_is_remembered(client):
    response = client.get("/?lang=ru", headers={"Accept-Language": "en"})
    assert html_lang(response) == "ru"
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("lang=ru") and "HttpOnly" in cookie
    again = client.get("/", headers={"Accept-Language": "en"})
    assert html_lang(again) == "ru"


@pytest.mark.parametrize("value", ["xx", "", "ru\x00", "../../etc", "R" * 300, "en-US"])
def test_unknown_language_values_fall_back_quietly(client, value):
    response = client.get("/", query_string={"lang": value})
    assert response.status_code == 200
    assert html_lang(response) == ("en" if value == "en-US" else "kk")


def test_switcher_links_keep_the_place(client):
    body = client.get("/?category=concert&lang=en").get_data(as_text=True)
    assert 'href="/?category=concert&amp;lang=ru"' in body
    assert 'href="/?category=concert&amp;lang=kk"' in body


def test_localized_text_falls_back_to_the_language_it_was_written_in(ctx):
    event = make_event(
        title="Күй кеші",
        language="kk",
        translations={"en": {"title": "An evening of kuy"}, "ru": {"title": "  "}},
    )
    assert localized(event, "title", "en") == "An evening of kuy"
    assert localized(event, "title", "ru") == "Күй кеші"
    assert localized(event, "title", "kk") == "Күй кеші"
    assert localized(event, "description", "en") == event.description


def test_dates_are_formatted_per_locale_in_the_branch_zone(app):
    from calendar_app.timeutil import format_local_datetime

    moment = datetime(2025, 5, 10, 13, 0, tzinfo=UTC)
    expected = {"ru": ("мая", "18:00"), "kk": ("мамыр", "18:00"), "en": ("May", "6:00")}
    for language, (month, clock) in expected.items():
        with app.test_request_context(f"/?lang={language}"):
            text = format_local_datetime(moment, "Asia/Almaty", "long")
            assert month in text and clock in text and "+0500" in text, text


def test_event_page_shows_the_visitors_language_and_the_original_below(app, client):
    with app.app_context():  # each request below gets its own context, as in production
        event_id = make_event(
            title="Күй кеші",
            language="kk",
            starts_at=utcnow() + timedelta(days=3),
            now=utcnow(),
            description="Қазақ күйлерінің кеші.",
            translations={"en": {"title": "An evening of kuy", "description": "Kazakh kuy music."}},
        ).id
        db.session.commit()
    english = client.get(f"/events/{event_id}?lang=en").get_data(as_text=True)
    assert re.search(r'<h1 id="event-title" lang="en">An evening of kuy</h1>', english)
    assert 'lang="kk">Күй кеші</p>' in english
    assert "Kazakh kuy music." in english and "Қазақ күйлерінің кеші." not in english
    russian = client.get(f"/events/{event_id}?lang=ru").get_data(as_text=True)
    assert re.search(r'<h1 id="event-title" lang="kk">Күй кеші</h1>', russian)
    assert "Қазақ күйлерінің кеші." in russian
    listing = client.get("/?lang=en").get_data(as_text=True)
    assert 'lang="en">An evening of kuy</a>' in listing

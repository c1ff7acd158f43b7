"""Feeds in the subscriber's language: ``?lang=`` picks titles, descriptions, labels and names."""

from __future__ import annotations

from datetime import timedelta

import pytest

from calendar_app.extensions import db
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event
from tests.ical_checks import clear_feed_caches, parse_all, unfolded


@pytest.fixture(autouse=True)
def fresh_caches():
    clear_feed_caches()


@pytest.fixture
def story(ctx):
    """A Kazakh children's reading with a Russian and an English title and description."""
    now = utcnow().replace(microsecond=0)
    branch = make_branch("children", name="Балалар кітапханасы")
    event = make_event(
        branch,
        title="Ертегілер кеші",
        description="Балаларға арналған ертегілер",
        language="kk",
        category="master_class",
        audience="children",
        starts_at=now + timedelta(days=3),
        now=now - timedelta(days=1),
        translations={
            "ru": {"title": "Вечер сказок", "description": "Сказки для детей"},
            "en": {"title": "Fairy tale evening", "description": "Stories for children"},
        },
    )
    db.session.commit()
    return event


def text(body: bytes) -> str:
    return "\n".join(unfolded(body))


def summaries(body: bytes) -> list[str]:
    return [event.summary for event in parse_all(body)["icalendar"]]


def paths(event) -> list[str]:
    return ["/calendar.ics", "/branches/children/calendar.ics", f"/events/{event.id}.ics"]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_each_feed_speaks_the_asked_language_with_its_own_etag(client, story, index):
    path = paths(story)[index]
    russian = client.get(f"{path}?lang=ru")
    english = client.get(f"{path}?lang=en")
    assert russian.status_code == english.status_code == 200
    assert summaries(russian.data) == ["Вечер сказок"]
    assert summaries(english.data) == ["Fairy tale evening"]
    assert "Сказки для детей" in text(russian.data)
    assert "Stories for children" in text(english.data)
    assert "Балаларға" not in text(english.data)
    assert russian.headers["ETag"] != english.headers["ETag"]
    # Each language is stable, and a cached body never leaks into the other language.
    for query, title, first in (
        ("ru", "Вечер сказок", russian),
        ("en", "Fairy tale evening", english),
    ):
        again = client.get(f"{path}?lang={query}")
        assert again.data == first.data
        assert again.headers["ETag"] == first.headers["ETag"]
        assert summaries(again.data) == [title]
        not_modified = client.get(
            f"{path}?lang={query}", headers={"If-None-Match": first.headers["ETag"]}
        )
        assert not_modified.status_code == 304
    other = client.get(f"{path}?lang=ru", headers={"If-None-Match": english.headers["ETag"]})
    assert other.status_code == 200


def test_labels_and_calendar_name_follow_the_language(client, story):
    russian = text(client.get("/calendar.ics?lang=ru").data)
    english = text(client.get("/calendar.ics?lang=en").data)
    assert "X-WR-CALNAME:Library events" in english
    assert "X-WR-CALNAME:Library events" not in russian
    english_categories = next(
        line for line in english.splitlines() if line.startswith("CATEGORIES")
    )
    russian_categories = next(
        line for line in russian.splitlines() if line.startswith("CATEGORIES")
    )
    assert english_categories != russian_categories
    event_file = text(client.get(f"/events/{story.id}.ics?lang=en").data)
    assert "X-WR-CALNAME:Fairy tale evening" in event_file


def test_without_lang_the_default_language_and_original_text_for_missing_translations(
    client, story
):
    plain = client.get("/calendar.ics")
    assert plain.status_code == 200
    # The test site's default is English.
    assert summaries(plain.data) == ["Fairy tale evening"]
    assert plain.data == client.get("/calendar.ics?lang=en").data
    kazakh = client.get("/calendar.ics?lang=kk")
    assert summaries(kazakh.data) == ["Ертегілер кеші"]
    assert kazakh.headers["ETag"] != plain.headers["ETag"]


@pytest.mark.parametrize("value", ["xx", "k" * 3000, "ru%00x", ""])
def test_unknown_language_falls_back_quietly_to_the_default(client, story, value):
    for path in paths(story):
        response = client.get(f"{path}?lang={value}")
        assert response.status_code == 200
        assert response.data == client.get(path).data


@pytest.mark.parametrize("value", ["EN", "en-US", "en_GB"])
def test_language_codes_with_region_or_capitals_are_understood(client, story, value):
    for path in paths(story):
        assert client.get(f"{path}?lang={value}").data == client.get(f"{path}?lang=en").data


def test_a_feed_language_is_not_remembered_as_the_visitors_choice(client, story):
    response = client.get("/calendar.ics?lang=ru")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    page = client.get(f"/events/{story.id}?lang=ru")
    assert "Set-Cookie" in page.headers

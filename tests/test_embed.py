"""/embed: the compact list a library puts in an iframe on its own website."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest.mock import patch

import pytest

from calendar_app.extensions import db
from calendar_app.services.events import cancel_event
from tests.conftest import BASE_URL
from tests.factories import NOW, make_branch, make_event, make_registration

KUTADGU = "«Құтадғу білік» жаңа аудармасына әдеби талдау"


@pytest.fixture(autouse=True)
def frozen_now():
    with (
        patch("calendar_app.public.embed.utcnow", return_value=NOW),
        patch("calendar_app.public.pages.utcnow", return_value=NOW),
    ):
        yield


@pytest.fixture
def season(app) -> dict[str, int]:
    """Two branches; twelve upcoming events at the first, one of them cancelled, one at the
    second, one over."""
    with app.app_context():
        chekhov = make_branch(
            "chekhov",
            name="Central City Library named after A.P. Chekhov",
            translations={"ru": {"name": "Центральная городская библиотека им. А.П. Чехова"}},
        )
        begalin = make_branch("begalin", name="Begalin Children Library")
        events = [
            make_event(chekhov, starts_at=NOW + timedelta(days=1, hours=number))
            for number in range(12)
        ]
        first = events[0]
        first.title = KUTADGU
        first.translations = {"ru": {"title": "Литературный разбор «Кутадгу билик»"}}
        make_registration(first.id, name="Aigerim Private", email="aigerim@example.kz")
        cancel_event(events[1], NOW)
        other = make_event(begalin, title="Ертегілер әлемі", starts_at=NOW + timedelta(hours=5))
        make_event(
            chekhov,
            title="Already over",
            starts_at=NOW - timedelta(days=2),
            now=NOW - timedelta(days=3),
        )
        db.session.commit()
        return {"first": first.id, "cancelled": events[1].id, "other": other.id}


def items_of(response) -> list[str]:
    html = response.get_data(as_text=True)
    return re.findall(r'<li class="embed-item[^"]*">(.*?)</li>', html, flags=re.S)


def test_embed_lists_upcoming_events_of_a_branch_in_the_asked_language(client, season):
    response = client.get("/embed?branch=chekhov&lang=ru")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<html lang="ru">' in html
    assert "Центральная городская библиотека им. А.П. Чехова" in html
    items = items_of(response)
    assert len(items) == 10  # the default limit
    assert "Литературный разбор «Кутадгу билик»" in items[0]
    assert "Ертегілер әлемі" not in html and "Already over" not in html
    # Links open the event pages of the site in a new tab, in the same language.
    link = f'href="{BASE_URL}/events/{season["first"]}?lang=ru" target="_blank" rel="noopener"'
    assert link in items[0]
    assert all('target="_blank" rel="noopener"' in item for item in items)
    assert "откроется в новой вкладке" in html
    # No site header, navigation or language switch, and nothing to run.
    assert "<nav" not in html and "site-header" not in html and "<script" not in html
    assert "css/embed.css" in html and "css/site.css" not in html
    assert 'name="robots" content="noindex"' in html
    assert "style=" not in html


def test_embed_in_kazakh_and_english_and_all_branches_by_default(client, season):
    kk = client.get("/embed?lang=kk&limit=50")
    assert kk.status_code == 200
    html = kk.get_data(as_text=True)
    assert '<html lang="kk">' in html and "Афиша" in html
    assert KUTADGU in html and "Ертегілер әлемі" in html
    assert len(items_of(kk)) == 13
    assert "Begalin Children Library" in html  # the branch is named when all are shown
    en = client.get("/embed?lang=en&limit=3")
    assert '<html lang="en">' in en.get_data(as_text=True)
    assert len(items_of(en)) == 3
    assert "What's on" in en.get_data(as_text=True)


def test_embed_without_lang_follows_the_browser_and_sets_no_cookie(client, season):
    response = client.get("/embed", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert '<html lang="ru">' in response.get_data(as_text=True)
    assert "Accept-Language" in response.headers["Vary"]
    assert "Set-Cookie" not in response.headers
    chosen = client.get("/embed?lang=en")
    assert "Set-Cookie" not in chosen.headers  # the embedding site's choice, not the visitor's
    assert chosen.headers["Cache-Control"] == "public, max-age=300"


def test_embed_marks_cancelled_events(client, season):
    items = items_of(client.get("/embed?branch=chekhov&lang=en"))
    cancelled = [item for item in items if f"/events/{season['cancelled']}?" in item]
    assert len(cancelled) == 1
    assert "Cancelled" in cancelled[0]
    html = client.get("/embed?branch=chekhov&lang=en").get_data(as_text=True)
    assert '<li class="embed-item is-cancelled">' in html


def test_embed_shows_no_personal_data(client, season):
    html = client.get("/embed?lang=en&limit=50").get_data(as_text=True)
    assert "Aigerim" not in html and "aigerim@example.kz" not in html
    assert "/r/" not in html and "/staff" not in html


@pytest.mark.parametrize("limit", ["0", "51", "-1", "ten", "1.5", "", "1000000", "٣"])
def test_embed_refuses_a_bad_limit_clearly(client, season, limit):
    response = client.get(f"/embed?limit={limit}&lang=en")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "limit must be a whole number from 1 to 50." in html
    assert 'role="alert"' in html
    assert "embed-item" not in html


@pytest.mark.parametrize("limit", ["1", "50"])
def test_embed_limit_bounds_are_accepted(client, season, limit):
    response = client.get(f"/embed?limit={limit}")
    assert response.status_code == 200
    assert len(items_of(response)) == min(int(limit), 13)


def test_embed_refuses_an_unknown_branch_or_language(client, season):
    unknown = client.get("/embed?branch=nowhere&lang=ru")
    assert unknown.status_code == 400
    assert "embed-item" not in unknown.get_data(as_text=True)
    assert '<html lang="ru">' in unknown.get_data(as_text=True)
    english = client.get("/embed?branch=nowhere&lang=en").get_data(as_text=True)
    assert "There is no such branch." in english
    bad_slug = client.get("/embed?branch=../../staff")
    assert bad_slug.status_code == 400
    language = client.get("/embed?lang=de")
    assert language.status_code == 400
    assert "lang must be one of: kk, ru, en." in language.get_data(as_text=True)


def test_embed_branch_with_nothing_planned(app, client):
    with app.app_context():
        make_branch("quiet", name="Quiet Branch")
        db.session.commit()
    response = client.get("/embed?branch=quiet&lang=en")
    assert response.status_code == 200
    assert "Nothing is planned here yet." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "app_config",
    [{"EMBED_ALLOWED_ORIGINS": "https://www.chekhov-library.kz https://kitaphana.almaty.kz"}],
)
def test_only_embed_may_be_framed_by_the_allowed_origins(client, season):
    for path in ("/embed", "/embed?branch=chekhov&lang=kk", "/embed?limit=0"):
        policy = client.get(path).headers["Content-Security-Policy"]
        assert (
            "frame-ancestors 'self' https://www.chekhov-library.kz https://kitaphana.almaty.kz"
            in policy
        )
        assert "default-src 'self'" in policy
    for path in ("/", f"/events/{season['first']}", "/sitemap.xml", "/embedded"):
        assert "frame-ancestors 'none'" in client.get(path).headers["Content-Security-Policy"]


def test_without_allowed_origins_only_the_site_itself_frames_embed(client, season):
    policy = client.get("/embed").headers["Content-Security-Policy"]
    assert policy.endswith("frame-ancestors 'self'")


def test_embed_runs_a_constant_number_of_queries(app, client, season, count_queries):
    with count_queries() as few:
        assert client.get("/embed?branch=chekhov&limit=2").status_code == 200
    with count_queries() as many:
        assert client.get("/embed?branch=chekhov&limit=50").status_code == 200
    assert many.count == few.count

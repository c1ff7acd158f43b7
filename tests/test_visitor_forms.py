"""The visitor's forms when something goes wrong, and the manage page's practical details.

- After a failed registration the language switch leads to a GET page in the language chosen,
  with what was typed still in the form.
- Failed forms (registration, cancel, confirm, erase) put an error summary first, with links to
  the fields, and the title starts with "Error:".
- The manage page shows the address, an "Add to Google Calendar" link and the readable code.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from calendar_app.extensions import db
from calendar_app.services.registration_rules import checkin_code_for
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_registration, make_venue

CSRF = [{"WTF_CSRF_ENABLED": True}]
NAME = "Гүлнар Әбенова"
EMAIL = "gulnar-at-example.kz"  # not an address: the registration fails
TOKEN = "manage-token-for-the-visitor-forms-0123456789"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def title_of(page: str) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1)).strip()


def input_value(page: str, field_id: str) -> str:
    tag = re.search(rf'<input[^>]*\bid="{field_id}"[^>]*>', page).group(0)
    return html.unescape(re.search(r'value="([^"]*)"', tag).group(1))


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)"', page).group(1)


@pytest.fixture
def event_id(app):
    with app.app_context():
        event = make_event(capacity=10, max_party=4, now=utcnow(), title="Күй кеші")
        db.session.commit()
        return event.id


def failed_registration(client, event_id, lang="en"):
    page = client.get(f"/events/{event_id}?lang={lang}").get_data(as_text=True)
    data = {"csrf_token": csrf_of(page), "name": NAME, "email": EMAIL, "seats": "3", "website": ""}
    return client.post(f"/events/{event_id}/register", data=data)


@pytest.mark.parametrize("app_config", CSRF)
def test_the_language_switch_after_a_failed_registration_keeps_what_was_typed(client, event_id):
    failed = failed_registration(client, event_id)
    assert failed.status_code == 422
    page = failed.get_data(as_text=True)
    switch = re.search(
        r'<form method="post" action="([^"]+)" class="lang-form">(.*?)</form>', page, re.S
    )
    assert switch, "the language switch of the failed page is a form"
    action, body = switch.group(1), switch.group(2)
    assert f'href="/events/{event_id}/register' not in page  # no link to the POST's address
    hidden = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body)
    }
    assert hidden["name"] == NAME and hidden["email"] == EMAIL and hidden["seats"] == "3"
    languages = re.findall(r'<button type="submit" name="lang" value="(\w+)"', body)
    assert sorted(languages) == ["en", "kk", "ru"]
    for language in languages:
        moved = client.post(action, data={**hidden, "lang": language})
        assert moved.status_code == 303
        assert moved.headers["Location"] == f"/events/{event_id}?lang={language}#register"
        shown = client.get(moved.headers["Location"].split("#")[0])
        assert shown.status_code == 200
        text = shown.get_data(as_text=True)
        assert html_lang(text) == language
        assert input_value(text, "name") == NAME and input_value(text, "email") == EMAIL
        assert input_value(text, "seats") == "3"
        # Shown once: a later visit starts with an empty form again.
        again = client.get(f"/events/{event_id}").get_data(as_text=True)
        assert input_value(again, "seats") == "1" and NAME not in again


@pytest.mark.parametrize("app_config", CSRF)
def test_the_switch_without_its_csrf_token_keeps_nothing_but_still_switches(client, event_id):
    moved = client.post(
        f"/events/{event_id}/typed", data={"name": NAME, "email": EMAIL, "lang": "ru"}
    )
    assert moved.status_code == 303
    shown = client.get(moved.headers["Location"].split("#")[0]).get_data(as_text=True)
    assert html_lang(shown) == "ru" and NAME not in shown
    unknown = client.post(f"/events/{event_id}/typed", data={"lang": "xx"})
    assert unknown.headers["Location"] == f"/events/{event_id}#register"
    assert client.post("/events/999999/typed", data={"lang": "ru"}).status_code == 404


@pytest.mark.parametrize("app_config", CSRF)
@pytest.mark.parametrize(
    ("lang", "prefix"), [("en", "Error: "), ("ru", "Ошибка: "), ("kk", "Қате: ")]
)
def test_a_failed_registration_shows_an_error_summary_first(client, event_id, lang, prefix):
    page = failed_registration(client, event_id, lang).get_data(as_text=True)
    assert title_of(page).startswith(prefix)
    main = page[page.index('<main id="main"') :]
    summary = re.search(
        r'<div class="error-summary" role="alert" tabindex="-1" data-error-summary[^>]*>(.*?)</div>',
        main,
        re.S,
    )
    assert summary and main.index("error-summary") < main.index("<h1")
    assert re.search(r'<a href="#email">[^<]+</a>', summary.group(1))
    assert "<input" in page and 'id="email"' in page
    assert re.search(r'<script src="/static/js/error-summary\.js[^"]*" defer></script>', page)
    clean = client.get(f"/events/{event_id}?lang={lang}").get_data(as_text=True)
    assert not title_of(clean).startswith(prefix) and "data-error-summary" not in clean
    assert "error-summary.js" not in clean


def test_a_party_too_large_is_linked_from_the_summary_to_the_seats_field(client, event_id):
    response = client.post(
        f"/events/{event_id}/register",
        data={"name": NAME, "email": "gulnar@example.kz", "seats": "9", "website": ""},
    )
    assert response.status_code == 422
    assert re.search(r'<a href="#seats">Number of seats: [^<]+</a>', text_of(response))


@pytest.mark.parametrize("app_config", CSRF)
def test_cancel_confirm_and_erase_forms_that_fail_show_the_summary(app, client):
    now = utcnow()
    with app.app_context():
        upcoming = make_event(capacity=10, now=now, confirm_attendance_hours=24)
        make_registration(upcoming.id, token=TOKEN, created_at=now)
        past = make_event(
            capacity=10, starts_at=now - timedelta(days=2), now=now - timedelta(days=9)
        )
        make_registration(past.id, token=TOKEN + "-past", created_at=now - timedelta(days=3))
        db.session.commit()
    for path in (f"/r/{TOKEN}/cancel", f"/r/{TOKEN}/confirm", f"/r/{TOKEN}-past/erase"):
        response = client.post(path + "?lang=en", data={})
        assert response.status_code == 400, path
        page = response.get_data(as_text=True)
        assert title_of(page).startswith("Error: "), path
        main = page[page.index('<main id="main"') :]
        assert main.index("data-error-summary") < main.index("<h1"), path
        assert "The form has expired" in main and 'role="alert"' in main
        fine = client.get(path + "?lang=en").get_data(as_text=True)
        assert "data-error-summary" not in fine and not title_of(fine).startswith("Error")


@pytest.fixture
def booking(app):
    """A confirmed registration at a branch whose address has a Russian translation."""
    with app.app_context():
        branch = make_branch(
            address="Almaty, 125 Abay Avenue",
            translations={"ru": {"address": "Алматы, проспект Абая, 125"}},
        )
        room = make_venue(branch, "Hall & Co", capacity=50)
        starts = datetime(2030, 3, 4, 9, 30, tzinfo=UTC)
        event = make_event(
            branch,
            room,
            title="Кітап & кофе: «оқу»",
            starts_at=starts,
            minutes=90,
            capacity=20,
            now=starts - timedelta(days=30),
        )
        make_registration(event.id, token=TOKEN, created_at=starts - timedelta(days=1))
        db.session.commit()
        return event.id


def test_the_manage_page_shows_the_address_in_the_pages_language(client, booking):
    assert "Алматы, проспект Абая, 125" in text_of(client.get(f"/r/{TOKEN}?lang=ru"))
    english = text_of(client.get(f"/r/{TOKEN}?lang=en"))
    assert "Almaty, 125 Abay Avenue" in english and "проспект" not in english


def test_the_manage_page_links_to_google_calendar_properly_encoded(client, booking):
    page = client.get(f"/r/{TOKEN}?lang=en").get_data(as_text=True)
    hrefs = re.findall(r'href="(https://calendar\.google\.com/[^"]+)"', page)
    assert len(hrefs) == 1
    url = html.unescape(hrefs[0])
    assert " " not in url and "«" not in url  # every value percent-encoded
    parts = urlsplit(url)
    assert parts.path == "/calendar/render"
    query = parse_qs(parts.query, strict_parsing=True)
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == ["Кітап & кофе: «оқу»"]
    assert query["dates"] == ["20300304T093000Z/20300304T110000Z"]
    assert f"/events/{booking}" in query["details"][0]
    assert "Almaty, 125 Abay Avenue" in query["location"][0]
    assert "Hall & Co" in query["location"][0]


def test_the_manage_page_shows_the_check_in_code_readably_under_the_qr(client, booking):
    page = text_of(client.get(f"/r/{TOKEN}?lang=en"))
    code = checkin_code_for(TOKEN)
    grouped = " ".join(code[i : i + 4] for i in range(0, len(code), 4))
    figure = page[page.index('<figure class="qr-code">') : page.index("</figure>")]
    assert "<svg" in figure and f'<code class="checkin-code-text">{grouped}</code>' in figure
    assert figure.index("<svg") < figure.index(grouped)
    assert "works at the door without an internet connection" in page
    assert TOKEN not in figure
    for lang in ("kk", "ru"):
        translated = text_of(client.get(f"/r/{TOKEN}?lang={lang}"))
        assert grouped in translated and "without an internet connection" not in translated

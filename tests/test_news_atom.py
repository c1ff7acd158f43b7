"""/news.atom as a feed reader reads it (feedparser): valid Atom 1.0, entries that keep their
ids when edited, ``updated`` that moves only on a real edit, languages, branches, and text
whose markup never runs."""

from __future__ import annotations

from datetime import timedelta
from unittest.mock import patch

import feedparser
import lxml.html
import pytest
from lxml import etree

from calendar_app.extensions import db
from calendar_app.models import Branch, Report
from tests.conftest import BASE_URL
from tests.factories import NOW, make_branch
from tests.news_support import add_photo, make_report, past_event

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(autouse=True)
def frozen_now():
    with patch("calendar_app.public.news.utcnow", return_value=NOW):
        yield


@pytest.fixture
def reports(app) -> dict:
    with app.app_context():
        chekhov = make_branch(
            "chekhov",
            name="Chekhov library",
            translations={"ru": {"name": "Библиотека имени Чехова"}},
        )
        begalin = make_branch("begalin", name="Begalin children's library")
        dombra = past_event(
            chekhov,
            days_ago=6,
            language="kk",
            title="Ұлттық домбыра күні",
            translations={"ru": {"title": "Национальный день домбры"}},
        )
        eco = past_event(begalin, days_ago=2, language="ru", title="«Сократи»: мастер-класс")
        first = make_report(dombra, {"kk": "Домбыра **күні**.", "ru": "День **домбры**."})
        add_photo(first, {"kk": "Домбырашылар", "ru": "Домбристы"})
        second = make_report(eco, {"ru": "Почти тридцать детей."})
        db.session.commit()
        return {
            "dombra": dombra.id,
            "eco": eco.id,
            "dombra_report": first.id,
            "eco_report": second.id,
            "image_key": first.photos[0].image.key,
        }


def read(client, query: str = "") -> tuple[feedparser.FeedParserDict, bytes]:
    response = client.get(f"/news.atom{query}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    # Publicly cacheable: no cookie, not even the language one a page's ?lang= would set.
    assert "Set-Cookie" not in response.headers and "Cookie" not in response.headers.get("Vary", "")
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed, response.data


def test_a_valid_atom_feed_of_the_reports_newest_first(app, client, reports):
    feed, body = read(client, "?lang=ru")
    assert feed.feed.title == "Новости · Библиотеки Алматы"
    assert feed.feed.id == "tag:events.example.kz,2026:news/ru"
    assert feed.feed.updated == "2026-04-29T09:30:00Z"
    links = {link.rel: link.href for link in feed.feed.links}
    assert links["self"] == f"{BASE_URL}/news.atom?lang=ru"
    assert links["alternate"] == f"{BASE_URL}/news?lang=ru"
    titles = [entry.title for entry in feed.entries]
    assert titles == ["«Сократи»: мастер-класс", "Национальный день домбры"]
    eco, dombra = feed.entries
    assert eco.id == f"tag:events.example.kz,2026:report/{reports['eco_report']}"
    assert eco.link == f"{BASE_URL}/events/{reports['eco']}?lang=ru"
    assert eco.published == eco.updated == "2026-04-29T09:30:00Z"
    assert eco.author == "Begalin children's library"
    assert dombra.author_detail.href == f"{BASE_URL}/branches/chekhov?lang=ru"
    assert dombra.author == "Библиотека имени Чехова"
    [content] = dombra.content
    assert content.type == "text/html" and content.language == "ru"
    assert content.value == "<p>День <strong>домбры</strong>.</p>"
    assert dombra.summary == "День домбры."
    [enclosure] = dombra.enclosures
    assert enclosure.href == f"{BASE_URL}/media/{reports['image_key']}-900.jpg"
    assert enclosure.type == "image/jpeg"
    assert client.get(enclosure.href.removeprefix(BASE_URL)).status_code == 200
    assert not eco.get("enclosures")
    # Every entry has what RFC 4287 asks for, in the raw XML too.
    root = etree.fromstring(body)
    for entry in root.iter(f"{ATOM}entry"):
        for tag in ("id", "title", "updated", "author", "link", "content"):
            assert entry.find(f"{ATOM}{tag}") is not None, tag


def test_ids_stay_and_updated_moves_only_on_an_edit(app, client, reports):
    before, body = read(client, "?lang=kk")
    again = client.get("/news.atom?lang=kk")
    assert again.data == body  # nothing changed: the same bytes and ETag
    etag = again.headers["ETag"]
    assert client.get("/news.atom?lang=kk").headers["ETag"] == etag
    cached = client.get("/news.atom?lang=kk", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and not cached.data
    with app.app_context():
        report = db.session.get(Report, reports["dombra_report"])
        report.text = {**report.text, "kk": "Домбыра **күні** өтті."}
        report.updated_at = NOW - timedelta(hours=1)
        db.session.commit()
    after, _ = read(client, "?lang=kk")
    old = {entry.id: entry for entry in before.entries}
    new = {entry.id: entry for entry in after.entries}
    assert old.keys() == new.keys()
    dombra = f"tag:events.example.kz,2026:report/{reports['dombra_report']}"
    eco = f"tag:events.example.kz,2026:report/{reports['eco_report']}"
    assert new[dombra].updated == "2026-05-01T05:00:00Z" != old[dombra].updated
    assert new[dombra].published == old[dombra].published
    assert "өтті" in new[dombra].content[0].value
    assert new[eco].updated == old[eco].updated
    assert after.feed.updated == "2026-05-01T05:00:00Z"
    changed = client.get("/news.atom?lang=kk", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_language_and_branch(app, client, reports):
    kk, _ = read(client, "?lang=kk")
    assert [entry.title for entry in kk.entries] == [
        "«Сократи»: мастер-класс",
        "Ұлттық домбыра күні",
    ]
    assert kk.entries[1].content[0].language == "kk"
    # A report without a text in the feed's language comes in its original.
    assert kk.entries[0].content[0].language == "ru"
    for query in ("", "?lang=xx", "?lang=", "?lang=%00"):
        default, _ = read(client, query)
        assert default.feed.id == "tag:events.example.kz,2026:news/en"
    chekhov, _ = read(client, "?lang=en&branch=chekhov")
    assert [entry.title for entry in chekhov.entries] == ["Ұлттық домбыра күні"]
    assert chekhov.feed.id == "tag:events.example.kz,2026:news/en/chekhov"
    assert chekhov.feed.title == "Chekhov library · News · Almaty libraries"
    with app.app_context():
        make_branch("quiet", name="Quiet library")
        db.session.commit()
    empty, _ = read(client, "?branch=quiet")
    assert empty.entries == [] and empty.feed.updated == "2026-01-01T00:00:00Z"
    for bad in ("nowhere", "x" * 300, "a%00b", "Чехов"):
        response = client.get(f"/news.atom?branch={bad}")
        assert response.status_code == 400
        assert "There is no such branch." in response.get_data(as_text=True)


def test_unpublished_and_cancelled_are_left_out(app, client, reports):
    from calendar_app.models import Event
    from calendar_app.services.events import cancel_event

    with app.app_context():
        db.session.get(Report, reports["eco_report"]).published = False
        cancel_event(db.session.get(Event, reports["dombra"]), NOW)
        db.session.commit()
    feed, _ = read(client)
    assert feed.entries == []


def test_markup_in_a_report_never_runs_in_the_feed(app, client):
    with app.app_context():
        branch = make_branch("chekhov")
        event = past_event(db.session.get(Branch, branch.id), language="en", title="<b>Bold</b>")
        make_report(
            event,
            {
                "en": "Hi <script>alert(1)</script>\n\n[x](javascript:alert(2)) "
                '<img src=x onerror="alert(3)">\n\n<a href="javascript:alert(4)">y</a>'
            },
        )
        db.session.commit()
    feed, body = read(client)
    [entry] = feed.entries
    assert entry.title == "<b>Bold</b>"  # plain text, as written
    root = etree.fromstring(body)
    [content] = root.iter(f"{ATOM}content")
    assert content.get("type") == "html"
    html = lxml.html.fragment_fromstring(content.text, create_parent="div")
    assert not html.xpath("//script | //img | //iframe")
    for element in html.iter():
        for name, attribute in element.attrib.items():
            assert not name.startswith("on")
            assert not attribute.lower().strip().startswith("javascript:")
    assert "alert(1)" in html.text_content()  # what was typed, as text


def test_the_feed_runs_a_constant_number_of_queries(app, client, count_queries):
    def add(count: int) -> None:
        with app.app_context():
            branch = db.session.get(Branch, branch_id)
            for day in range(count):
                report = make_report(past_event(branch, days_ago=day + 1))
                add_photo(report, {"kk": "Сурет"})
            db.session.commit()

    with app.app_context():
        branch_id = make_branch("chekhov").id
        db.session.commit()
    add(2)
    with count_queries() as few:
        assert client.get("/news.atom?branch=chekhov").status_code == 200
    add(10)
    with count_queries() as many:
        response = client.get("/news.atom?branch=chekhov")
    assert len(feedparser.parse(response.data).entries) == 12
    assert many.count == few.count <= 5, many.statements


def test_if_modified_since_sees_a_report_leave_the_feed_or_its_event_change(app, client, reports):
    """A reader that sends only If-Modified-Since must not keep an entry that was unpublished,
    whose event was cancelled, or whose title changed: none of them is a newer entry."""
    from sqlalchemy import select

    from calendar_app.models import Event
    from calendar_app.services.events import cancel_event

    def since_first_read() -> str:
        response = client.get("/news.atom?lang=en")
        since = response.headers["Last-Modified"]
        unchanged = client.get("/news.atom?lang=en", headers={"If-Modified-Since": since})
        assert unchanged.status_code == 304
        return since

    def changed_since(since: str) -> None:
        response = client.get("/news.atom?lang=en", headers={"If-Modified-Since": since})
        assert response.status_code == 200
        feed = feedparser.parse(response.data)
        assert not feed.bozo, feed.get("bozo_exception")

    with app.app_context():
        for branch in db.session.scalars(select(Branch)):
            branch.updated_at = NOW - timedelta(days=30)  # named long ago
        db.session.commit()
    since = since_first_read()
    with app.app_context():
        event = db.session.get(Event, reports["eco"])
        event.title = "«Сократи»: мастер-класс для детей"
        event.updated_at = NOW - timedelta(hours=3)
        db.session.commit()
    changed_since(since)

    since = since_first_read()
    with app.app_context():
        report = db.session.get(Report, reports["dombra_report"])
        report.published = False  # as services/reports.save_report does
        report.updated_at = NOW - timedelta(hours=2)
        db.session.commit()
    changed_since(since)

    since = since_first_read()
    with app.app_context():
        cancel_event(db.session.get(Event, reports["eco"]), NOW - timedelta(hours=1))
        db.session.commit()
    changed_since(since)
    since_first_read()  # and an unchanged feed is still a 304


def test_characters_xml_does_not_allow_never_break_the_feed(app, client):
    """U+FFFE and U+FFFF pass the control-character checks but are not XML characters: a report,
    a title or a photo description holding one must not make the whole feed unreadable."""
    with app.app_context():
        branch = make_branch("chekhov")
        event = past_event(db.session.get(Branch, branch.id), language="en", title="Book\ufffe day")
        report = make_report(event, {"en": "Before \uffff after."})
        add_photo(report, {"en": "Readers\uffff at a table"})
        db.session.commit()
    feed, body = read(client)
    [entry] = feed.entries
    assert entry.title == "Book day"
    assert "Before  after." in entry.content[0].value
    assert entry.enclosures[0].title == "Readers at a table"
    etree.fromstring(body)

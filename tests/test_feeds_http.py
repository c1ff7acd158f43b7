"""Feeds over HTTP: content type, validators, 304s, HEAD, bad input, and changes seen by clients."""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import pytest
from sqlalchemy import update
from werkzeug.http import http_date, parse_date

from calendar_app.extensions import db
from calendar_app.models import Event, Registration
from calendar_app.public import feeds
from calendar_app.security import generate_token, hash_token
from calendar_app.services import feed_queries, ical
from calendar_app.services.events import EventData, cancel_event, update_event
from calendar_app.timeutil import utcnow
from tests.conftest import BASE_URL
from tests.factories import make_branch, make_event, make_registration
from tests.ical_checks import clear_feed_caches, parse_all, property_lines, unfolded

CALENDAR = "text/calendar; charset=utf-8"


@pytest.fixture(autouse=True)
def fresh_caches():
    clear_feed_caches()


def data_of(event: Event, **changes) -> EventData:
    values = {f.name: getattr(event, f.name) for f in fields(EventData)}
    values.update(changes)
    return EventData(**values)


@pytest.fixture
def season(ctx):
    """Two branches; events in the recent past, the future, and one long gone."""
    now = utcnow().replace(microsecond=0)
    created = now - timedelta(days=60)
    children = make_branch("children", name="Балалар кітапханасы", address="Алматы, Абай 1")
    hub = make_branch("alatau-hub", name="Alatau Creative Hub")
    events = {
        "class": make_event(
            children,
            title="Құтадғу білік, a; b\\c",
            description="Шексіздік сыртындағы шам 😀\nline two",
            category="master_class",
            audience="children",
            starts_at=now + timedelta(days=3),
            now=created,
        ),
        "recent": make_event(
            children,
            category="exhibition",
            starts_at=now - timedelta(days=10),
            now=created,
        ),
        "gone": make_event(children, starts_at=now - timedelta(days=50), now=created),
        "concert": make_event(
            hub,
            category="concert",
            audience="adults",
            starts_at=now + timedelta(days=40),
            now=created,
        ),
    }
    db.session.commit()
    return {"children": children, "hub": hub, **events}


def uids(body: bytes) -> set[str]:
    return {event.uid for event in parse_all(body)["icalendar"]}


def uid(event: Event) -> str:
    return f"event-{event.id}@events.example.kz"


def test_all_feed_is_a_calendar_with_validators(client, season):
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR
    assert response.headers["ETag"].startswith('"')
    assert parse_date(response.headers["Last-Modified"]) is not None
    assert uids(response.data) == {
        uid(season["class"]),
        uid(season["recent"]),
        uid(season["concert"]),
    }
    assert "X-WR-CALNAME:Library events" in unfolded(response.data)


def test_two_requests_without_change_are_byte_identical(client, season):
    first = client.get("/calendar.ics")
    second = client.get("/calendar.ics")
    clear_feed_caches()  # as a freshly started worker would see it
    third = client.get("/calendar.ics")
    assert first.data == second.data == third.data
    assert first.headers["ETag"] == second.headers["ETag"] == third.headers["ETag"]
    assert first.headers["Last-Modified"] == third.headers["Last-Modified"]


def test_links_come_from_base_url_not_from_the_host_header(client, season):
    body = client.get("/calendar.ics", headers={"Host": "evil.example"}).data
    assert b"evil.example" not in body
    assert f"URL:{BASE_URL}/events/{season['class'].id}" in unfolded(body)


def test_branch_feed_shows_only_that_branch(client, season):
    response = client.get("/branches/children/calendar.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR
    assert uids(response.data) == {uid(season["class"]), uid(season["recent"])}
    assert "X-WR-CALNAME:Балалар кітапханасы · Library events" in unfolded(response.data)
    for events in parse_all(response.data).values():
        by_uid = {event.uid: event for event in events}
        tricky = by_uid[uid(season["class"])]
        assert tricky.summary == "Құтадғу білік, a; b\\c"
        assert tricky.description == "Шексіздік сыртындағы шам 😀\nline two"
        assert tricky.location.endswith("Балалар кітапханасы, Алматы, Абай 1")


def test_branch_without_events_gives_an_empty_calendar(client, season):
    make_branch("empty-branch")
    db.session.commit()
    response = client.get("/branches/empty-branch/calendar.ics")
    assert response.status_code == 200
    assert response.data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert not parse_all(response.data)["ical"]


@pytest.mark.parametrize(
    "path",
    ["/branches/nowhere/calendar.ics", "/branches/%D2%9B%D0%B0%D0%B7/calendar.ics"],
)
def test_unknown_branch_is_404(client, season, path):
    assert client.get(path).status_code == 404


def test_filters_by_category_and_audience(client, season):
    body = client.get("/calendar.ics?category=concert").data
    assert uids(body) == {uid(season["concert"])}
    body = client.get("/branches/children/calendar.ics?audience=children").data
    assert uids(body) == {uid(season["class"])}
    body = client.get("/calendar.ics?category=master_class&audience=adults").data
    assert uids(body) == set()
    everything = client.get("/calendar.ics?category=&audience=")
    assert everything.headers["ETag"] == client.get("/calendar.ics").headers["ETag"]
    assert (
        client.get("/calendar.ics?category=concert").headers["ETag"] != (everything.headers["ETag"])
    )


@pytest.mark.parametrize(
    "query",
    [
        "category=party",
        "audience=martians",
        "category=concert%00",
        "category=" + "x" * 5000,
        "audience=Children",
    ],
)
def test_unknown_filter_values_are_400_in_plain_text(client, season, query):
    for path in ("/calendar.ics", "/branches/children/calendar.ics"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        name = query.split("=")[0]
        assert f"Unknown {name}" in response.get_data(as_text=True)


def test_if_none_match_gives_304_only_while_unchanged(client, season):
    first = client.get("/branches/children/calendar.ics")
    etag = first.headers["ETag"]
    not_modified = client.get("/branches/children/calendar.ics", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.data == b""
    assert not_modified.headers["ETag"] == etag
    for header in (f"W/{etag}", f'"other", {etag}', "*"):
        response = client.get("/branches/children/calendar.ics", headers={"If-None-Match": header})
        assert response.status_code == 304

    event = db.session.get(Event, season["class"].id)
    moved = update_event(
        event,
        data_of(
            event,
            starts_at=event.starts_at + timedelta(hours=1),
            ends_at=event.ends_at + timedelta(hours=1),
        ),
        utcnow(),
    )
    db.session.commit()
    changed = client.get("/branches/children/calendar.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    for events in parse_all(changed.data).values():
        mine = next(e for e in events if e.uid == uid(moved))
        assert mine.sequence == 1
        assert mine.start_utc == moved.starts_at

    cancel_event(moved, utcnow() + timedelta(seconds=1))
    db.session.commit()
    cancelled = client.get(
        "/branches/children/calendar.ics", headers={"If-None-Match": changed.headers["ETag"]}
    )
    assert cancelled.status_code == 200
    for events in parse_all(cancelled.data).values():
        mine = next(e for e in events if e.uid == uid(moved))
        assert (mine.status, mine.sequence) == ("CANCELLED", 2)
    # The other branch's feed did not change.
    assert client.get("/branches/alatau-hub/calendar.ics").status_code == 200


def test_if_modified_since_gives_304_only_while_unchanged(client, season):
    first = client.get("/calendar.ics")
    last_modified = first.headers["Last-Modified"]
    assert client.get(
        "/calendar.ics", headers={"If-Modified-Since": last_modified}
    ).status_code == (304)
    earlier = http_date(parse_date(last_modified) - timedelta(seconds=1))
    assert client.get("/calendar.ics", headers={"If-Modified-Since": earlier}).status_code == 200

    event = db.session.get(Event, season["concert"].id)
    update_event(event, data_of(event, category="national_day"), utcnow() + timedelta(seconds=2))
    db.session.commit()
    response = client.get("/calendar.ics", headers={"If-Modified-Since": last_modified})
    assert response.status_code == 200
    # The event left the concert feed: that feed's Last-Modified moved too.
    concerts = client.get(
        "/calendar.ics?category=concert", headers={"If-Modified-Since": last_modified}
    )
    assert concerts.status_code == 200
    assert uids(concerts.data) == set()


@pytest.mark.parametrize(
    "headers",
    [
        {"If-None-Match": "garbage"},
        {"If-None-Match": '"unterminated'},
        {"If-None-Match": "W/"},
        {"If-None-Match": "," * 3000},
        {"If-Modified-Since": "yesterday"},
        {"If-Modified-Since": "Mon, 99 Foo 2025 99:99:99 GMT"},
        {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"},
        {"If-Modified-Since": ""},
    ],
)
def test_garbage_conditional_headers_get_a_normal_200(client, season, headers):
    plain = client.get("/calendar.ics")
    response = client.get("/calendar.ics", headers=headers)
    assert response.status_code == 200
    assert response.data == plain.data


def test_head_has_the_headers_and_no_body(client, season):
    get = client.get("/branches/children/calendar.ics")
    head = client.head("/branches/children/calendar.ics")
    assert head.status_code == 200
    assert head.data == b""
    for name in ("Content-Type", "ETag", "Last-Modified", "Content-Length"):
        assert head.headers[name] == get.headers[name]
    conditional = client.head(
        "/branches/children/calendar.ics", headers={"If-None-Match": get.headers["ETag"]}
    )
    assert conditional.status_code == 304
    assert client.head("/branches/nowhere/calendar.ics").status_code == 404


def test_unchanged_feed_is_answered_with_the_content_version_alone(
    client, season, count_queries, monkeypatch
):
    """An unchanged feed (200 from the cached body, or 304) reads the content version once, a
    single statement on a driver connection of its own, and sends nothing else through
    SQLAlchemy (no ORM session, no BEGIN or ROLLBACK). After a change elsewhere (a
    registration), the feeds' change marker tells that the feed is the same, and the aggregate
    over its events is not run again."""
    client.get("/calendar.ics")
    versions, markers = [], []
    real_version, real_marker = feeds.content_version, feed_queries.change_marker

    def counted_version() -> int | None:
        versions.append(real_version())
        return versions[-1]

    def counted_marker() -> tuple:
        markers.append(real_marker())
        return markers[-1]

    monkeypatch.setattr(feeds, "content_version", counted_version)
    monkeypatch.setattr(feed_queries, "change_marker", counted_marker)
    with count_queries() as counter:
        again = client.get("/calendar.ics")
    assert again.status_code == 200
    assert (len(versions), len(markers), counter.count) == (1, 0, 0)
    etag = again.headers["ETag"]
    with count_queries() as counter:
        response = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert (len(versions), len(markers), counter.count) == (2, 0, 0)
    assert versions[0] == versions[1]

    make_registration(season["class"].id)
    db.session.commit()
    with count_queries() as counter:
        response = client.get("/calendar.ics", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert (len(versions), len(markers), counter.count) == (3, 1, 0)
    assert versions[2] == versions[1] + 1


def test_change_marker_moves_with_a_change_and_leaves_transactions_alone(ctx, season):
    event_id = season["recent"].id
    before = feed_queries.change_marker()
    assert feed_queries.change_marker() == before
    event = db.session.get(Event, event_id)
    update_event(event, data_of(event, title="Renamed"), utcnow() + timedelta(seconds=5))
    assert feed_queries.change_marker() == before  # not committed yet: not seen
    db.session.commit()
    after = feed_queries.change_marker()
    assert after != before
    db.session.close()
    # the pooled connections it used still run ordinary transactions: a rollback undoes
    for _ in range(3):
        with db.engine.connect() as connection:
            connection.execute(update(Event).values(title="Rolled back"))
            connection.rollback()
    assert db.session.get(Event, event_id).title == "Renamed"
    assert feed_queries.change_marker() == after


def test_rebuild_after_one_change_serializes_one_event(client, season):
    client.get("/calendar.ics")
    misses = ical.vevent_cache.misses
    event = db.session.get(Event, season["recent"].id)
    update_event(event, data_of(event, title="Renamed"), utcnow())
    db.session.commit()
    body = client.get("/calendar.ics").data
    assert ical.vevent_cache.misses == misses + 1
    assert "SUMMARY:Renamed" in unfolded(body)


def test_event_ics(client, season):
    event = season["class"]
    response = client.get(f"/events/{event.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR
    assert "attachment" in response.headers["Content-Disposition"]
    assert uids(response.data) == {uid(event)}
    assert not property_lines(response.data, "METHOD")
    again = client.get(
        f"/events/{event.id}.ics", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304
    assert client.head(f"/events/{event.id}.ics").status_code == 200


@pytest.mark.parametrize("path", ["/events/999999.ics", "/events/99999999999999999999.ics"])
def test_unknown_event_is_404(client, season, path):
    assert client.get(path).status_code == 404


def _registration(event: Event, token: str) -> Registration:
    now = utcnow()
    registration = Registration(
        event_id=event.id,
        name="Айгерім",
        email="aigerim@example.kz",
        email_normalized="aigerim@example.kz",
        seats=3,
        status="confirmed",
        token_hash=hash_token(token),
        checkin_code_hash=hash_token("checkin:" + token),
        created_at=now,
        updated_at=now,
    )
    db.session.add(registration)
    db.session.commit()
    return registration


def test_registration_ics_is_the_visitors_event_without_their_name(client, season):
    token = generate_token()
    registration = _registration(season["class"], token)
    response = client.get(f"/r/{token}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR
    assert uids(response.data) == {f"registration-{registration.id}@events.example.kz"}
    assert "Айгерім".encode() not in response.data
    assert b"aigerim" not in response.data
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("token", [None, "short", "x" * 300, "bad token with spaces!"])
def test_unknown_or_garbage_registration_token_is_404(client, season, token):
    _registration(season["class"], generate_token())
    assert client.get(f"/r/{token or generate_token()}.ics").status_code == 404


def test_event_calendar_links_partial(app, season):
    from datetime import UTC, datetime
    from urllib.parse import parse_qs, urlsplit
    from zoneinfo import ZoneInfo

    from flask import render_template_string

    event = season["class"]
    event.starts_at = datetime(2025, 5, 10, 18, 0, tzinfo=ZoneInfo("Asia/Almaty"))
    event.ends_at = datetime(2025, 5, 10, 19, 30, tzinfo=ZoneInfo("Asia/Almaty"))
    with app.test_request_context("/events/1", headers={"Host": "evil.example"}):
        html = render_template_string(
            '{% include "public/_event_calendar_links.html" %}', event=event
        )
    assert f'href="/events/{event.id}.ics?lang=en"' in html
    assert f'href="webcal://events.example.kz/events/{event.id}.ics?lang=en"' in html
    google = next(
        part.split('"')[0]
        for part in html.split('href="')
        if part.startswith("https://calendar.google.com/")
    )
    query = parse_qs(urlsplit(google.replace("&amp;", "&")).query)
    assert query["dates"] == ["20250510T130000Z/20250510T143000Z"]
    assert query["text"] == ["Құтадғу білік, a; b\\c"]
    assert query["ctz"] == ["Asia/Almaty"]
    assert f"{BASE_URL}/events/{event.id}" in query["details"][0]
    assert "evil.example" not in html
    assert event.starts_at.astimezone(UTC).hour == 13


def test_subscribe_partial_keeps_valid_filters(app, season):
    from flask import render_template_string

    template = '{% include "public/_subscribe.html" %}'
    with app.test_request_context("/?category=concert&audience=martians"):
        everything = render_template_string(template)
        branch = render_template_string(template, branch=season["children"])
    assert (
        'href="webcal://events.example.kz/calendar.ics?category=concert&amp;lang=en"' in everything
    )
    assert (
        'value="https://events.example.kz/calendar.ics?category=concert&amp;lang=en"' in everything
    )
    assert "martians" not in everything
    assert (
        'href="webcal://events.example.kz/branches/children/calendar.ics'
        '?category=concert&amp;lang=en"' in branch
    )
    for html in (everything, branch):
        for name in ("Google Calendar", "Apple Calendar", "Outlook"):
            assert name in html
        assert '<label for="' in html


def test_list_page_subscribe_box_follows_its_branch_filter(client, season):
    html = client.get("/?branch=children&category=master_class").get_data(as_text=True)
    assert (
        'href="webcal://events.example.kz/branches/children/calendar.ics'
        '?category=master_class&amp;lang=en"' in html
    )
    html = client.get("/branches/children?audience=children").get_data(as_text=True)
    assert "webcal://events.example.kz/branches/children/calendar.ics" in html
    event_page = client.get(f"/events/{season['class'].id}").get_data(as_text=True)
    assert f"webcal://events.example.kz/events/{season['class'].id}.ics?lang=en" in event_page
    assert "https://calendar.google.com/calendar/render?" in event_page


def test_gzip_for_clients_that_accept_it(client, season):
    import gzip

    plain = client.get("/calendar.ics")
    zipped = client.get("/calendar.ics", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data)
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    again = client.get("/calendar.ics", headers={"Accept-Encoding": "gzip"})
    assert again.data == zipped.data and again.headers["ETag"] == zipped.headers["ETag"]
    for etag in (zipped.headers["ETag"], plain.headers["ETag"]):
        response = client.get(
            "/calendar.ics", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
        )
        assert response.status_code == 304
    refused = client.get("/calendar.ics", headers={"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers
    assert refused.data == plain.data


class TestWithoutRememberedValidators:
    @pytest.fixture
    def app_config(self):
        return {"FEED_VALIDATOR_TTL": 0}

    def test_an_unstamped_change_shows(self, client, season):
        from sqlalchemy import text

        first = client.get("/calendar.ics?category=concert")
        assert uids(first.data) == {uid(season["concert"])}
        # A change that does not move updated_at (as a skewed clock could write it).
        db.session.execute(
            text("UPDATE events SET category = 'exhibition' WHERE id = :id"),
            {"id": season["concert"].id},
        )
        db.session.commit()
        second = client.get(
            "/calendar.ics?category=concert", headers={"If-None-Match": first.headers["ETag"]}
        )
        assert second.status_code == 200
        assert uids(second.data) == set()


def test_a_new_event_shows_at_once(client, season):
    first = client.get("/branches/children/calendar.ics")
    added = make_event(season["children"], starts_at=utcnow() + timedelta(days=9))
    db.session.commit()
    second = client.get(
        "/branches/children/calendar.ics", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert second.status_code == 200
    assert uid(added) in uids(second.data)

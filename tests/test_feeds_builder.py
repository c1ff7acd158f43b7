"""The feed builder against the iCalendar checklist, read back by three independent parsers."""

from __future__ import annotations

import unicodedata
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from calendar_app.extensions import db
from calendar_app.models import Event, Registration
from calendar_app.security import hash_token
from calendar_app.services import feed_queries, feed_text, ical
from calendar_app.services.errors import InvalidInput
from calendar_app.services.events import EventData, cancel_event, update_event
from tests.conftest import BASE_URL
from tests.factories import NOW, make_branch, make_event, make_venue
from tests.ical_checks import (
    clear_feed_caches,
    parse_all,
    parse_vobject,
    physical_lines,
    property_lines,
    unfolded,
    with_private_zone_names,
)

ALMATY = ZoneInfo("Asia/Almaty")
TRICKY = "Құтадғу білік, «Шексіздік»; a\\b \\n not a newline\nsecond line 😀👩‍👧 Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі"


UID_DOMAIN = "events.example.kz"
HORIZON = 60


def build(events: list[Event], name: str = "All events") -> bytes:
    return ical.build_feed(events, name=name, base_url=BASE_URL, uid_domain=UID_DOMAIN)


def data_of(event: Event, **changes) -> EventData:
    values = {f.name: getattr(event, f.name) for f in fields(EventData)}
    values.update(changes)
    return EventData(**values)


@pytest.fixture(autouse=True)
def fresh_caches():
    clear_feed_caches()


@pytest.fixture
def branch(ctx):
    return make_branch("children", name="Central Children's Library", address="Almaty, Abay 1")


@pytest.fixture
def may_event(branch):
    return make_event(
        branch,
        title="Master class",
        starts_at=datetime(2025, 5, 10, 18, 0, tzinfo=ALMATY),
        now=datetime(2025, 4, 1, 9, 30, tzinfo=UTC),
    )


def test_structure_line_ends_and_calendar_properties(branch, may_event):
    body = build([may_event], name="Children's library")
    assert body.startswith(b"BEGIN:VCALENDAR\r\n")
    assert body.endswith(b"END:VCALENDAR\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert b"\r" not in body.replace(b"\r\n", b"")
    lines = unfolded(body)
    first_component = next(i for i, line in enumerate(lines) if line.startswith("BEGIN:V") and i)
    head = lines[:first_component]
    assert "VERSION:2.0" in head
    prodid = [line for line in head if line.startswith("PRODID:")]
    assert len(prodid) == 1 and prodid[0].isascii()
    assert "X-WR-CALNAME:Children's library" in head
    assert "NAME:Children's library" in head
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in head
    assert "X-PUBLISHED-TTL:PT1H" in head
    assert not property_lines(body, "METHOD")
    parse_all(body)


def test_long_kazakh_text_folds_on_character_boundaries_and_unfolds_unchanged(branch):
    title = "Шексіздік сыртындағы шам — Құтадғу білік оқулары " * 6
    event = make_event(branch, title=title.strip(), description=TRICKY * 3)
    body = build([event])
    for line in physical_lines(body):
        assert len(line) <= 75
        line.decode("utf-8")  # every physical line is valid UTF-8 on its own
    assert any(line.startswith(b" ") for line in physical_lines(body)), "nothing was folded"
    for events in parse_all(body).values():
        assert events[0].summary == title.strip()
        assert events[0].description == (TRICKY * 3)


def test_text_round_trips_exactly_in_every_parser(branch):
    event = make_event(branch)
    # Written past the events service (which refuses control characters in titles), as data
    # from an older version or another tool would be: the feed must still carry it exactly.
    event.title = event.description = TRICKY
    event.venue.name = "Зал «Ақ орда», 2; этаж\\A"
    body = build([event])
    assert "SUMMARY:" + TRICKY.replace("\\", "\\\\").replace(",", "\\,").replace(
        ";", "\\;"
    ).replace("\n", "\\n") in unfolded(body)
    for events in parse_all(body).values():
        assert events[0].summary == TRICKY
        assert events[0].description == TRICKY
        assert events[0].location == (
            "Зал «Ақ орда», 2; этаж\\A, Central Children's Library, Almaty, Abay 1"
        )


def test_text_is_nfc_normalised_and_control_characters_dropped(branch):
    decomposed = unicodedata.normalize("NFD", "Йога және Ёлка Қазақша")
    assert decomposed != unicodedata.normalize("NFC", decomposed)
    event = make_event(branch)
    event.title, event.description = decomposed + "\x07\x1f", "a\r\nb\x1bc"
    body = build([event])
    for events in parse_all(body).values():
        assert events[0].summary == "Йога және Ёлка Қазақша"
        assert events[0].description == "a\nbc"


def test_markdown_description_becomes_plain_text(branch):
    description = (
        "# Programme\n\nBring **coloured pencils** and *scissors*.\n\n"
        "- Reading\n- Drawing\n\nSee [the library](https://lib.example.kz/about) & "
        "<script>alert(1)</script>more."
    )
    event = make_event(branch, description=description)
    body = build([event])
    text = parse_all(body)["icalendar"][0].description
    assert text == (
        "Programme\n\nBring coloured pencils and scissors.\n\n- Reading\n- Drawing\n\n"
        "See the library (https://lib.example.kz/about) & more."
    )


def test_uids_are_unique_and_stable(branch, may_event):
    other = make_event(branch)
    body = build([may_event, other])
    uids = [event.uid for event in parse_all(body)["ical"]]
    assert uids == [
        f"event-{may_event.id}@events.example.kz",
        f"event-{other.id}@events.example.kz",
    ]
    ical.vevent_cache.clear()
    assert [e.uid for e in parse_all(build([may_event, other]))["vobject"]] == uids


def test_stamps_come_from_the_stored_update_time_and_builds_are_identical(branch, may_event):
    body = build([may_event])
    assert property_lines(body, "DTSTAMP") == ["DTSTAMP:20250401T093000Z"]
    assert property_lines(body, "LAST-MODIFIED") == ["LAST-MODIFIED:20250401T093000Z"]
    ical.vevent_cache.clear()
    feed_text.plain_text.cache_clear()
    assert build([may_event]) == body


def test_almaty_offset_is_read_from_the_vtimezone_body(branch, may_event):
    body = build([may_event])
    vtimezone = icalendar.Calendar.from_ical(body).walk("VTIMEZONE")
    assert [tz["TZID"] for tz in vtimezone] == ["Asia/Almaty"]
    assert property_lines(body, "DTSTART;TZID=Asia/Almaty") == [
        "DTSTART;TZID=Asia/Almaty:20250510T180000"
    ]
    private = with_private_zone_names(body)
    assert b"Asia/Almaty" not in private
    for events in parse_all(private).values():
        assert events[0].start_utc == datetime(2025, 5, 10, 13, 0, tzinfo=UTC)
        assert events[0].end_utc == datetime(2025, 5, 10, 14, 30, tzinfo=UTC)


def zone_block(body: bytes) -> bytes:
    start = body.index(b"BEGIN:VTIMEZONE")
    return body[start : body.index(b"END:VTIMEZONE\r\n", start) + len(b"END:VTIMEZONE\r\n")]


def test_vtimezone_is_one_fixed_block_with_the_2024_change(branch, may_event):
    winter = make_event(
        branch,
        starts_at=datetime(2024, 2, 20, 18, 0, tzinfo=ALMATY),
        now=datetime(2024, 1, 5, tzinfo=UTC),
    )
    body = build([winter, may_event])
    assert zone_block(body) == zone_block(build([may_event])) == ical.vtimezone_bytes("Asia/Almaty")
    zone = icalendar.Calendar.from_ical(body).walk("VTIMEZONE")[0]
    assert "COMMENT" not in zone
    onsets = sorted(str(o["DTSTART"].to_ical().decode()) for o in zone.subcomponents)
    assert onsets[0] == "20000101T000000" and "20240301T000000" in onsets
    for events in parse_all(with_private_zone_names(body)).values():
        assert events[0].start_utc == datetime(2024, 2, 20, 12, 0, tzinfo=UTC)  # UTC+6 then
        assert events[1].start_utc == datetime(2025, 5, 10, 13, 0, tzinfo=UTC)  # UTC+5 now


def test_vobject_reads_feeds_with_different_first_events_in_one_process(branch, may_event):
    """vobject keeps the first VTIMEZONE of a TZID it sees; every feed must hold the same one."""
    winter = make_event(
        branch,
        starts_at=datetime(2024, 2, 20, 18, 0, tzinfo=ALMATY),
        now=datetime(2024, 1, 5, tzinfo=UTC),
    )
    later_only = build([may_event])  # read first: its earliest event is after the change
    with_winter = build([winter, may_event])
    assert vobject.readOne(later_only.decode()).vevent.dtstart.value.astimezone(UTC) == datetime(
        2025, 5, 10, 13, 0, tzinfo=UTC
    )
    [first, second] = parse_vobject(with_winter)
    assert first.start_utc == datetime(2024, 2, 20, 12, 0, tzinfo=UTC)
    assert second.start_utc == datetime(2025, 5, 10, 13, 0, tzinfo=UTC)


def test_event_properties_location_url_categories_and_no_seats(branch, may_event):
    body = build([may_event])
    lines = unfolded(body)
    assert f"URL:{BASE_URL}/events/{may_event.id}" in lines
    assert "CATEGORIES:Master class,All" in lines
    assert property_lines(body, "LOCATION") == [
        f"LOCATION:{may_event.venue.name}\\, Central Children's Library\\, Almaty\\, Abay 1"
    ]
    assert "STATUS:CONFIRMED" in lines
    assert b"seat" not in body.lower() and b"capacity" not in body.lower()
    db.session.add(
        Registration(
            event_id=may_event.id,
            name="Aigerim",
            email="aigerim@example.kz",
            email_normalized="aigerim@example.kz",
            seats=3,
            status="confirmed",
            token_hash=hash_token("t1"),
            checkin_code_hash=hash_token("c1"),
            created_at=NOW,
            updated_at=NOW,
        )
    )
    db.session.flush()
    db.session.expire_all()
    reloaded = feed_queries.feed_events(
        branch.id, feed_queries.FeedFilters(), datetime(2025, 5, 1, tzinfo=UTC), HORIZON
    )
    ical.vevent_cache.clear()
    assert build(reloaded) == body
    assert b"Aigerim" not in body


def test_sequence_rises_on_move_and_cancellation_but_not_on_a_title_edit(branch, may_event):
    assert parse_all(build([may_event]))["ical"][0].sequence == 0
    edited = update_event(
        may_event, data_of(may_event, title="New title"), datetime(2025, 4, 2, tzinfo=UTC)
    )
    body = build([edited])
    assert parse_all(body)["vobject"][0].sequence == 0
    assert property_lines(body, "LAST-MODIFIED") == ["LAST-MODIFIED:20250402T000000Z"]

    moved = update_event(
        edited,
        data_of(
            edited,
            starts_at=edited.starts_at + timedelta(hours=1),
            ends_at=edited.ends_at + timedelta(hours=1),
        ),
        datetime(2025, 4, 3, tzinfo=UTC),
    )
    for events in parse_all(build([moved])).values():
        assert events[0].sequence == 1
        assert events[0].start_utc == datetime(2025, 5, 10, 14, 0, tzinfo=UTC)
        assert events[0].status == "CONFIRMED"

    room = make_venue(branch, name="Reading hall")
    relocated = update_event(
        moved, data_of(moved, venue_id=room.id), datetime(2025, 4, 4, tzinfo=UTC)
    )
    db.session.refresh(relocated)
    body = build([relocated])
    for events in parse_all(body).values():
        assert events[0].sequence == 2
        assert events[0].location.startswith("Reading hall, ")

    cancelled = cancel_event(relocated, datetime(2025, 4, 5, tzinfo=UTC))
    in_feed = feed_queries.feed_events(
        branch.id, feed_queries.FeedFilters(), datetime(2025, 5, 1, tzinfo=UTC), HORIZON
    )
    assert [event.id for event in in_feed] == [cancelled.id]
    body = build(in_feed)
    for events in parse_all(body).values():
        assert events[0].status == "CANCELLED"
        assert events[0].sequence == 3
    assert property_lines(body, "DTSTAMP") == ["DTSTAMP:20250405T000000Z"]


def test_a_rebuild_after_one_change_serializes_only_that_event(branch):
    events = [make_event(branch, starts_at=NOW + timedelta(days=3 + i)) for i in range(5)]
    ical.vevent_cache.clear()
    first = build(events)
    assert ical.vevent_cache.misses == 5
    assert build(events) == first
    assert ical.vevent_cache.misses == 5
    update_event(events[2], data_of(events[2], title="Changed"), NOW + timedelta(hours=1))
    second = build(events)
    assert ical.vevent_cache.misses == 6
    assert second != first and b"SUMMARY:Changed" in second
    other = ical.build_feed(
        events, name="All events", base_url="https://other.example", uid_domain=UID_DOMAIN
    )
    assert other != second
    assert ical.vevent_cache.misses == 11


def test_feed_window_keeps_the_recent_past_and_the_horizon_ahead(branch):
    now = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
    old = make_event(branch, starts_at=now - timedelta(days=45), now=now - timedelta(days=60))
    recent = make_event(branch, starts_at=now - timedelta(days=20), now=now - timedelta(days=60))
    near = make_event(branch, starts_at=now + timedelta(days=HORIZON - 1), now=now)
    future = make_event(branch, starts_at=now + timedelta(days=900), now=now)
    selected = feed_queries.feed_events(None, feed_queries.FeedFilters(), now, HORIZON)
    assert [event.id for event in selected] == [recent.id, near.id]
    assert old.id not in [event.id for event in selected]
    wide = feed_queries.feed_events(None, feed_queries.FeedFilters(), now, 1000)
    assert [event.id for event in wide] == [recent.id, near.id, future.id]


def test_filters_by_category_and_audience_and_refuses_unknown_values(branch):
    concert = make_event(branch, category="concert", audience="adults")
    make_event(branch, category="master_class", audience="children")
    chosen = feed_queries.feed_events(
        None, feed_queries.parse_feed_filters({"category": "concert"}), NOW, HORIZON
    )
    assert [event.id for event in chosen] == [concert.id]
    assert (
        feed_queries.feed_events(
            None,
            feed_queries.parse_feed_filters({"category": "concert", "audience": "children"}),
            NOW,
            HORIZON,
        )
        == []
    )
    assert (
        feed_queries.parse_feed_filters({"category": "", "audience": ""})
        == feed_queries.FeedFilters()
    )
    for bad in ({"category": "party"}, {"audience": "x" * 10_000}, {"category": "concert\x00"}):
        with pytest.raises(InvalidInput):
            feed_queries.parse_feed_filters(bad)


def test_validator_is_steady_and_moves_with_every_change_a_feed_shows(branch):
    concert = make_event(branch, category="concert", now=NOW)
    filters = feed_queries.FeedFilters(category="concert")
    first, branch_id = feed_queries.feed_validator(
        branch.slug, filters, NOW, BASE_URL, "en", HORIZON
    )
    assert branch_id == branch.id
    assert (
        feed_queries.feed_validator(
            branch.slug, filters, NOW + timedelta(hours=2), BASE_URL, "en", HORIZON
        )[0]
        == first
    )
    assert (
        feed_queries.feed_validator(
            branch.slug, filters, NOW, "https://other.example", "en", HORIZON
        )[0]
        != first
    )
    assert (
        feed_queries.feed_validator(
            branch.slug, feed_queries.FeedFilters(), NOW, BASE_URL, "en", HORIZON
        )[0]
        != first
    )

    later = NOW + timedelta(minutes=5)
    update_event(concert, data_of(concert, category="exhibition"), later)
    moved = feed_queries.feed_validator(branch.slug, filters, later, BASE_URL, "en", HORIZON)[0]
    assert moved.etag != first.etag
    # The event left the filtered feed: Last-Modified moves all the same.
    assert moved.last_modified == later

    branch.updated_at = later + timedelta(minutes=1)
    db.session.flush()
    renamed = feed_queries.feed_validator(branch.slug, filters, later, BASE_URL, "en", HORIZON)[0]
    assert renamed.etag != moved.etag

"""Series as visitors and clients meet them: the list, an occurrence's page, courses, API, feeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import recurring_ical_events
from icalendar import Calendar

from calendar_app.extensions import db
from calendar_app.services import series
from calendar_app.services.closures import public_holiday
from calendar_app.timeutil import local_to_utc
from tests.factories import make_branch, make_event, make_venue
from tests.ical_checks import parse_all
from tests.test_series import data


def _first_day_clear_of_holidays() -> datetime:
    """About a month ahead (the pages and the API run on the real clock), on a day whose next
    five weeks meet no public holiday: the weekly series skips those, and the tests count its
    dates (a month after 28 November 2026, the second week fell on 4 January 2027, observed
    for New Year's Day)."""
    first = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    while any(public_holiday((first + timedelta(weeks=week)).date()) for week in range(5)):
        first += timedelta(days=1)
    return first


FIRST = _first_day_clear_of_holidays()


def first_local(hour: int = 11) -> datetime:
    return datetime(FIRST.year, FIRST.month, FIRST.day, hour, 0)


@pytest.fixture
def season(app):
    """A weekly reading hour (per date) and a robotics course (whole series) in one branch."""
    with app.app_context():
        branch = make_branch("begalin", name="Begalin children's library")
        room = make_venue(branch, name="Studio", capacity=40)
        lab = make_venue(branch, name="Lab", capacity=12)
        now = datetime.now(UTC)
        reading = series.create_series(
            branch, data(room, first_local(11), title="Ертегі сағаты"), "FREQ=WEEKLY;COUNT=5", now
        )
        course = series.create_series(
            branch,
            data(lab, first_local(15), title="Робототехника", capacity=4),
            "FREQ=WEEKLY;COUNT=3",
            now,
            registration_mode="whole_series",
            skip_public_holidays=False,
        )
        single = make_event(
            branch,
            room,
            title="Кітап тұсаукесері",
            now=now,
            starts_at=local_to_utc(first_local(18), "Asia/Almaty"),
        )
        db.session.commit()
        return {
            "reading": reading.series.id,
            "reading_dates": [e.id for e in reading.occurrences],
            "course": course.series.id,
            "course_dates": [e.id for e in course.occurrences],
            "single": single.id,
        }


def test_the_list_shows_a_series_once_with_its_further_dates(client, season):
    page = client.get("/?lang=en").get_data(as_text=True)
    assert page.count("Ертегі сағаты") == 1 and page.count("Робототехника") == 1
    assert "and 4 more dates" in page and "and 2 more dates" in page
    assert "Кітап тұсаукесері" in page
    # Asking for days shows every occurrence in them.
    last = (FIRST + timedelta(days=40)).date().isoformat()
    by_day = client.get(f"/?lang=en&from={FIRST.date().isoformat()}&to={last}").get_data(
        as_text=True
    )
    assert by_day.count("Ертегі сағаты") == 5


def test_an_occurrence_page_lists_the_next_dates_of_its_series(client, season):
    second = season["reading_dates"][1]
    page = client.get(f"/events/{second}?lang=en").get_data(as_text=True)
    assert "Part of a series" in page
    for other in season["reading_dates"]:
        if other != second:
            assert f'href="/events/{other}"' in page
    assert 'aria-current="page"' in page
    assert f'action="/events/{second}/register"' in page


def test_a_course_is_booked_from_any_of_its_dates(app, client, season):
    date_two = season["course_dates"][1]
    page = client.get(f"/events/{date_two}?lang=en").get_data(as_text=True)
    assert "A course of several dates" in page
    assert f'action="/series/{season["course"]}/register"' in page
    answer = client.post(
        f"/series/{season['course']}/register",
        data={"name": "Алия", "email": "aliya@example.kz", "seats": "2"},
    )
    assert answer.status_code == 303
    manage = client.get(answer.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Dates of the course" in manage
    for date_id in season["course_dates"]:
        assert f'href="/events/{date_id}"' in manage
    for date_id in season["course_dates"]:
        event = client.get(f"/api/v1/events/{date_id}").get_json()
        assert event["seats_left"] == 2 and event["series_id"] == season["course"]
    # One date alone takes no registration.
    refused = client.post(
        f"/events/{date_two}/register",
        data={"name": "Ерлан", "email": "erlan@example.kz", "seats": "1"},
    )
    assert refused.status_code == 409
    token = answer.headers["Location"].rsplit("/", 1)[1]
    assert client.post(f"/r/{token}/cancel").status_code == 303
    for date_id in season["course_dates"]:
        assert client.get(f"/api/v1/events/{date_id}").get_json()["seats_left"] == 4


def test_the_api_serves_a_series_and_books_a_course(client, season):
    answer = client.get(f"/api/v1/series/{season['reading']}")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["rrule"] == "FREQ=WEEKLY;COUNT=5" and body["registration_mode"] == "per_occurrence"
    assert [event["id"] for event in body["occurrences"]] == season["reading_dates"]
    assert {event["series_id"] for event in body["occurrences"]} == {season["reading"]}
    for unknown in ("999999", "2147483648", "99999999999999999999"):
        assert client.get(f"/api/v1/series/{unknown}").status_code == 404

    url = f"/api/v1/series/{season['course']}/registrations"
    created = client.post(url, json={"name": "Әлия", "email": "aliya@example.kz", "seats": 4})
    assert created.status_code == 201
    booking = created.get_json()
    assert booking["status"] == "confirmed" and booking["seats"] == 4
    mine = client.get(f"/api/v1/registrations/{booking['token']}").get_json()
    assert mine["event_id"] == season["course_dates"][0]
    waiting = client.post(url, json={"name": "Ерлан", "email": "erlan@example.kz", "seats": 1})
    assert waiting.status_code == 201 and waiting.get_json()["waitlist_position"] == 1
    assert (
        client.post(
            url, json={"name": "Ерлан", "email": "erlan@example.kz", "seats": 1}
        ).status_code
        == 409
    )
    assert client.delete(f"/api/v1/registrations/{booking['token']}").status_code == 200
    promoted = client.get(f"/api/v1/registrations/{waiting.get_json()['token']}").get_json()
    assert promoted["status"] == "confirmed"

    per_date = f"/api/v1/series/{season['reading']}/registrations"
    assert (
        client.post(per_date, json={"name": "A", "email": "a@example.kz", "seats": 1}).status_code
        == 409
    )
    assert client.post(url, data="not json", content_type="application/json").status_code == 400
    bad = client.post(url, json={"name": "", "email": "nope", "seats": "2"})
    assert bad.status_code == 422 and {"name", "email", "seats"} <= set(bad.get_json()["errors"])
    assert (
        client.post(
            "/api/v1/series/999999/registrations",
            json={"name": "A", "email": "a@example.kz", "seats": 1},
        ).status_code
        == 404
    )


def test_the_month_grid_shows_every_occurrence(client, season):
    month = FIRST.strftime("%Y-%m")
    page = client.get(f"/calendar?month={month}&lang=en").get_data(as_text=True)
    shown = sum(1 for event_id in season["reading_dates"] if f'href="/events/{event_id}"' in page)
    in_month = sum(
        1
        for event_id in season["reading_dates"]
        if client.get(f"/api/v1/events/{event_id}").get_json()["start"][:7] == month
    )
    assert shown == in_month >= 1


def test_feeds_carry_each_occurrence_with_its_own_uid_as_the_api_lists_them(client, season):
    body = client.get("/branches/begalin/calendar.ics").data
    parsed = parse_all(body)  # icalendar, vobject and ical agree
    api = client.get(f"/api/v1/series/{season['reading']}").get_json()["occurrences"]
    starts = sorted(datetime.fromisoformat(event["start"]).astimezone(UTC) for event in api)
    reading = [e for e in parsed["icalendar"] if e.summary == "Ертегі сағаты"]
    assert sorted(e.start_utc for e in reading) == starts
    assert len({e.uid for e in reading}) == 5
    expanded = recurring_ical_events.of(Calendar.from_ical(body)).between(
        starts[0] - timedelta(days=1), starts[-1] + timedelta(days=1)
    )
    found = sorted(
        component["DTSTART"].dt.astimezone(UTC)
        for component in expanded
        if str(component["SUMMARY"]) == "Ертегі сағаты"
    )
    assert found == starts

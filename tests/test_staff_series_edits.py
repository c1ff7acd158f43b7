"""Editing a date of a series on the event form: this event only, this and the following dates,
or every upcoming date. Only the fields changed on the form travel to the other dates; moved
dates raise their SEQUENCE and their registrants get an "event changed" mail with the new time."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import Branch, Event, OutboxMessage, Series
from calendar_app.services.events import EventData
from calendar_app.services.series import create_series
from calendar_app.timeutil import local_to_utc, to_local, utcnow
from tests.factories import make_branch, make_event, make_registration, make_venue
from tests.mail_support import rendered
from tests.staff_support import log_in, make_staff

ZONE = "Asia/Almaty"
TITLE = "Ертегілер әлемі: оқу сағаты"


@pytest.fixture
def course(app, client) -> dict:
    """Four weekly dates from next week, 15:00 to 16:30 local, each with one registration."""
    with app.app_context():
        branch = make_branch("children", name="Children's library")
        hall = make_venue(branch, "Big hall", capacity=40)
        small = make_venue(branch, "Small room", capacity=10)
        first_day = to_local(utcnow(), ZONE).date() + timedelta(days=7)
        start = local_to_utc(datetime.combine(first_day, time(15, 0)), ZONE)
        data = EventData(
            title=TITLE,
            venue_id=hall.id,
            starts_at=start,
            ends_at=start + timedelta(minutes=90),
            category="master_class",
            capacity=20,
        )
        result = create_series(
            branch, data, "FREQ=WEEKLY;COUNT=4", utcnow(), skip_public_holidays=False
        )
        for event in result.occurrences:
            make_registration(event.id, "Айгерім Сәрсенова", seats=2)
        staff = make_staff("staff@example.kz", branches=[branch])
        db.session.commit()
        log_in(client, staff)
        return {
            "series": result.series.id,
            "events": [event.id for event in result.occurrences],
            "days": [to_local(event.starts_at, ZONE).date() for event in result.occurrences],
            "hall": hall.id,
            "small": small.id,
            "branch": branch.id,
        }


def edit_form(course: dict, index: int, scope: str | None, **changes) -> dict:
    """The edit form of date ``index`` as the page shows it, with ``changes``."""
    day = course["days"][index].isoformat()
    data = {
        "title": TITLE,
        "description": "",
        "category": "master_class",
        "audience": "all",
        "language": "kk",
        "venue_id": course["hall"],
        "starts_at": f"{day}T15:00",
        "ends_at": f"{day}T16:30",
        "registration": "required",
        "capacity": "20",
        "max_party": "4",
        "waitlist_enabled": "y",
        "scope": scope,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def occurrences() -> list[Event]:
    return list(db.session.execute(select(Event).order_by(Event.starts_at)).scalars())


def local_times(event: Event) -> tuple[time, time]:
    return to_local(event.starts_at, ZONE).time(), to_local(event.ends_at, ZONE).time()


def moved_mails() -> dict[int, str]:
    """The calendar file of each "event changed" mail, by event."""
    rows = rendered(
        list(
            db.session.execute(
                select(OutboxMessage).where(OutboxMessage.kind == "event_moved")
            ).scalars()
        )
    )
    return {row.event_id: row.ics_attachment for row in rows}


def test_only_dates_of_a_series_offer_the_choice(app, client, course):
    page = client.get(f"/staff/events/{course['events'][1]}/edit").get_data(as_text=True)
    assert "<legend>Apply the changes to</legend>" in page
    assert "This and the following dates of the series" in page
    assert "All upcoming dates of the series" in page
    assert 'checked id="scope-0"' in page  # "this event only" unless chosen otherwise
    assert f'href="/staff/series/{course["series"]}"' in page
    with app.app_context():
        branch = db.session.get(Branch, course["branch"])
        single = make_event(branch, title="Once", starts_at=utcnow() + timedelta(days=3))
        db.session.commit()
        single_id = single.id
    page = client.get(f"/staff/events/{single_id}/edit").get_data(as_text=True)
    assert "Edit “Once”" in page and "Apply the changes to" not in page


def test_this_event_only_changes_one_date(app, client, course):
    response = client.post(
        f"/staff/events/{course['events'][1]}/edit",
        data=edit_form(
            course,
            1,
            "one",
            starts_at=f"{course['days'][1]}T16:00",
            ends_at=f"{course['days'][1]}T17:30",
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/events/{course['events'][1]}/roster"
    with app.app_context():
        events = occurrences()
        assert [local_times(e)[0] for e in events] == [time(15), time(16), time(15), time(15)]
        assert [e.sequence for e in events] == [0, 1, 0, 0]
        mails = moved_mails()
        assert list(mails) == [course["events"][1]]
        assert "SEQUENCE:1" in mails[course["events"][1]]


def test_this_and_following_dates_take_the_new_time_and_keep_their_days(app, client, course):
    second = course["days"][1]
    response = client.post(
        f"/staff/events/{course['events'][1]}/edit",
        data=edit_form(
            course,
            1,
            "following",
            title="Ертегілер әлемі",
            starts_at=f"{second}T16:00",
            ends_at=f"{second}T18:00",
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/series/{course['series']}"
    with app.app_context():
        events = occurrences()
        assert [to_local(e.starts_at, ZONE).date() for e in events] == course["days"]
        assert [local_times(e) for e in events] == [(time(15), time(16, 30))] + [
            (time(16), time(18))
        ] * 3
        assert [e.title for e in events] == [TITLE] + ["Ертегілер әлемі"] * 3
        assert [e.sequence for e in events] == [0, 1, 1, 1]
        mails = moved_mails()
        assert sorted(mails) == sorted(course["events"][1:])
        assert all("SEQUENCE:1" in ics for ics in mails.values())
        assert db.session.get(Series, course["series"]).title == TITLE  # not "all"
    page = client.get(f"/staff/series/{course['series']}").get_data(as_text=True)
    assert "The changes are saved for 3 dates." in page


def test_all_upcoming_dates_take_only_the_changed_fields(app, client, course):
    with app.app_context():
        first = db.session.get(Event, course["events"][0])
        first.capacity = 30  # this date differs on purpose; a title change must not undo it
        db.session.commit()
    response = client.post(
        f"/staff/events/{course['events'][2]}/edit",
        data=edit_form(course, 2, "all", title="Күй кеші"),
    )
    assert response.status_code == 302
    with app.app_context():
        events = occurrences()
        assert [e.title for e in events] == ["Күй кеші"] * 4
        assert [e.capacity for e in events] == [30, 20, 20, 20]
        assert [e.sequence for e in events] == [0, 0, 0, 0]  # a title is not a move
        assert moved_mails() == {}
        assert db.session.get(Series, course["series"]).title == "Күй кеші"


def test_a_new_room_for_all_dates_raises_every_sequence_and_tells_everyone(app, client, course):
    small = course["small"]
    response = client.post(
        f"/staff/events/{course['events'][0]}/edit",
        data=edit_form(course, 0, "all", venue_id=small, capacity="10"),
    )
    assert response.status_code == 302
    with app.app_context():
        events = occurrences()
        assert {(e.venue_id, e.capacity, e.sequence) for e in events} == {(small, 10, 1)}
        mails = moved_mails()
        assert sorted(mails) == sorted(course["events"])
        assert all("Small room" in ics and "SEQUENCE:1" in ics for ics in mails.values())


def test_nothing_changed_changes_nothing(app, client, course):
    response = client.post(
        f"/staff/events/{course['events'][0]}/edit",
        data=edit_form(course, 0, "all"),
        follow_redirects=True,
    )
    assert "Nothing was changed." in response.get_data(as_text=True)
    with app.app_context():
        assert [e.sequence for e in occurrences()] == [0, 0, 0, 0]


def test_a_problem_on_another_date_names_it_and_changes_nothing(app, client, course):
    with app.app_context():
        make_registration(course["events"][3], "Иван Петров", seats=3)
        db.session.commit()
    response = client.post(
        f"/staff/events/{course['events'][0]}/edit",
        data=edit_form(course, 0, "all", capacity="4", title="Changed"),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    error = page.split('id="capacity-error">', 1)[1].split("</p>", 1)[0]
    day = course["days"][3]
    assert f"On {day:%B} {day.day}, {day.year}: 5 seats are already confirmed" in error
    with app.app_context():
        events = occurrences()
        assert {(e.title, e.capacity, e.sequence) for e in events} == {(TITLE, 20, 0)}
        assert moved_mails() == {}


def test_following_from_a_past_date_is_refused_on_the_form(app, client, course):
    with app.app_context():
        first = db.session.get(Event, course["events"][0])
        first.starts_at = utcnow() - timedelta(days=1)
        first.ends_at = first.starts_at + timedelta(minutes=90)
        db.session.commit()
        day = to_local(first.starts_at, ZONE).date()
    data = edit_form(course, 0, "following", title="Changed")
    data |= {"starts_at": f"{day}T15:00", "ends_at": f"{day}T16:30"}
    response = client.post(f"/staff/events/{course['events'][0]}/edit", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert (
        "Give the id of an upcoming event of this series."
        in page.split('id="scope-error">', 1)[1].split("</p>", 1)[0]
    )
    with app.app_context():
        assert {e.title for e in occurrences()} == {TITLE}

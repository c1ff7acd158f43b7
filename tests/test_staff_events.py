"""Event management forms: local times, the rules of services/events.py shown next to fields."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Branch, Event, Venue
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_registration, make_venue
from tests.staff_support import event_form as form
from tests.staff_support import log_in, make_staff


def event_count() -> int:
    return db.session.execute(select(func.count(Event.id))).scalar_one()


def test_a_new_event_is_stored_in_utc_from_the_branch_local_time(app, client, staff_branches):
    response = client.post("/staff/events/new", data=form(staff_branches))
    assert response.status_code == 302
    with app.app_context():
        event = db.session.execute(select(Event)).scalar_one()
        assert event.title == "Шексіздік сыртындағы шам"
        assert event.starts_at == datetime(2026, 6, 10, 10, 0, tzinfo=UTC)  # Almaty is UTC+5
        assert event.ends_at == datetime(2026, 6, 10, 11, 30, tzinfo=UTC)
        assert event.branch_id == staff_branches["branch"] and event.sequence == 0
        assert response.headers["Location"] == f"/staff/events/{event.id}/roster"
    page = client.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="2026-06-10T15:00"' in page and "Шексіздік сыртындағы шам" in page


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"ends_at": "2026-06-10T14:00"}, "ends_at", "must end after it starts"),
        ({"ends_at": "2026-06-10T15:00"}, "ends_at", "must end after it starts"),
        ({"capacity": "-1"}, "capacity", "between 0 and"),
        ({"capacity": "99999999999999999999"}, "capacity", "between 0 and"),
        ({"capacity": "41"}, "capacity", "holds 40 people at most"),
        ({"capacity": "abc"}, "capacity", "Not a valid integer"),
        ({"capacity": ""}, "capacity", "This field is required"),
        ({"max_party": "0"}, "max_party", "A party holds"),
        ({"max_party": "51"}, "max_party", "A party holds"),
        ({"title": ""}, "title", "This field is required"),
        ({"title": "x" * 301}, "title", "300"),
        ({"venue_id": "{foreign}"}, "venue_id", "Not a valid choice"),
        ({"venue_id": "987654"}, "venue_id", "Not a valid choice"),
        ({"venue_id": "abc"}, "venue_id", "Invalid Choice"),
        ({"branch_id": "{other}"}, "branch_id", "Not a valid choice"),
        ({"branch_id": "987654"}, "branch_id", "Not a valid choice"),
        ({"starts_at": "2026-13-40T25:00"}, "starts_at", "Not a valid datetime"),
        ({"starts_at": "tomorrow"}, "starts_at", "Not a valid datetime"),
        ({"starts_at": "2026-06-10T15:00\x00"}, "starts_at", "Not a valid datetime"),
        ({"category": "party"}, "category", "Not a valid choice"),
        ({"age_min": "12", "age_max": "6"}, "age_max", "upper age"),
        ({"age_min": "500"}, "age_min", "0 to 120"),
        ({"closes_at": "2026-06-11T10:00"}, "closes_at", "cannot close after the event ends"),
        (
            {"opens_at": "2026-06-05T10:00", "closes_at": "2026-06-04T10:00"},
            "closes_at",
            "must close after it opens",
        ),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_changes_nothing(
    app, client, staff_branches, changes, field, message
):
    changes = {key: value.format(**staff_branches) for key, value in changes.items()}
    response = client.post("/staff/events/new", data=form(staff_branches, **changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page, page
    error_text = page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error_text
    assert (
        f'aria-describedby="{field}-error"' in page
        or f'aria-describedby="{field}-hint {field}-error"' in page
    )
    with app.app_context():
        assert event_count() == 0


def test_a_room_of_my_other_branch_is_refused_for_this_branch(app, client):
    with app.app_context():
        first = make_branch("first", name="First")
        second = make_branch("second", name="Second")
        make_venue(first, "Hall one", capacity=30)
        room_of_second = make_venue(second, "Hall two", capacity=30)
        staff = make_staff("two@example.kz", branches=[first, second])
        db.session.commit()
        log_in(client, staff)
        ids = {"branch": first.id, "hall": room_of_second.id}
    response = client.post("/staff/events/new", data=form(ids))
    assert response.status_code == 422
    assert "Choose a room of this branch" in response.get_data(as_text=True)
    with app.app_context():
        assert event_count() == 0


def test_an_overlap_names_the_event_in_the_way(app, client, staff_branches):
    assert (
        client.post(
            "/staff/events/new", data=form(staff_branches, title="Домбыра күні")
        ).status_code
        == 302
    )
    response = client.post(
        "/staff/events/new",
        data=form(
            staff_branches, title="Second", starts_at="2026-06-10T16:00", ends_at="2026-06-10T17:00"
        ),
    )
    assert response.status_code == 422
    assert "The room is taken by “Домбыра күні” at that time." in response.get_data(as_text=True)
    # The same time in another room is fine, and so is right after the first one.
    assert (
        client.post(
            "/staff/events/new",
            data=form(
                staff_branches, title="Elsewhere", venue_id=staff_branches["small"], capacity="5"
            ),
        ).status_code
        == 302
    )
    assert (
        client.post(
            "/staff/events/new",
            data=form(
                staff_branches,
                title="After",
                starts_at="2026-06-10T16:30",
                ends_at="2026-06-10T17:00",
            ),
        ).status_code
        == 302
    )
    with app.app_context():
        assert event_count() == 3


def add_confirmed(event_id: int, seats: int, name: str = "Visitor") -> None:
    make_registration(event_id, name, seats=seats)


def test_editing_time_raises_sequence_and_capacity_stays_above_confirmed_seats(
    app, client, staff_branches
):
    with app.app_context():
        event = make_event(
            db.session.get(Branch, staff_branches["branch"]),
            db.session.get(Venue, staff_branches["hall"]),
            starts_at=datetime(2026, 6, 10, 10, 0, tzinfo=UTC),
            capacity=20,
            title="Original",
        )
        add_confirmed(event.id, 4)
        add_confirmed(event.id, 3)
        db.session.commit()
        event_id = event.id
    response = client.post(
        f"/staff/events/{event_id}/edit", data=form(staff_branches, capacity="6")
    )
    assert response.status_code == 422
    assert "7 seats are already confirmed" in response.get_data(as_text=True)
    response = client.post(
        f"/staff/events/{event_id}/edit",
        data=form(staff_branches, title="Renamed", capacity="7", starts_at="2026-06-10T15:30"),
    )
    assert response.status_code == 302
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert event.title == "Renamed" and event.capacity == 7 and event.sequence == 1
        assert event.starts_at == datetime(2026, 6, 10, 10, 30, tzinfo=UTC)
    # A change of title only does not raise the sequence.
    client.post(
        f"/staff/events/{event_id}/edit",
        data=form(
            staff_branches, title="Renamed again", capacity="7", starts_at="2026-06-10T15:30"
        ),
    )
    with app.app_context():
        assert db.session.get(Event, event_id).sequence == 1


def test_cancel_asks_first_then_cancels_once(app, client, staff_branches):
    assert client.post("/staff/events/new", data=form(staff_branches)).status_code == 302
    with app.app_context():
        event_id = db.session.execute(select(Event.id)).scalar_one()
    page = client.get(f"/staff/events/{event_id}/cancel").get_data(as_text=True)
    assert "Yes, cancel the event" in page
    with app.app_context():
        assert db.session.get(Event, event_id).status == "scheduled"
    assert client.post(f"/staff/events/{event_id}/cancel").status_code == 302
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert event.status == "cancelled" and event.sequence == 1
    again = client.post(f"/staff/events/{event_id}/cancel", follow_redirects=True)
    assert "already cancelled" in again.get_data(as_text=True)
    edit = client.get(f"/staff/events/{event_id}/edit", follow_redirects=True)
    assert "cannot be edited" in edit.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Event, event_id).sequence == 1


def test_the_dashboard_shows_fill_and_waitlist_in_constant_queries(
    app, client, staff_branches, count_queries
):
    with app.app_context():
        branch = db.session.get(Branch, staff_branches["branch"])
        hall = db.session.get(Venue, staff_branches["hall"])
        start = utcnow() + timedelta(days=3)
        first = make_event(branch, hall, starts_at=start, capacity=10, title="Full one")
        add_confirmed(first.id, 4)
        add_confirmed(first.id, 3)
        db.session.commit()
    page = client.get("/staff/").get_data(as_text=True)
    assert "Full one" in page and "7 of 10" in page
    with count_queries() as few:
        client.get("/staff/")
    with app.app_context():
        for number in range(8):
            event = make_event(
                db.session.get(Branch, staff_branches["branch"]),
                db.session.get(Venue, staff_branches["small"]),
                starts_at=utcnow() + timedelta(days=4 + number),
                capacity=5,
            )
            add_confirmed(event.id, 2)
        db.session.commit()
    with count_queries() as many:
        client.get("/staff/")
    assert many.count == few.count


def test_markdown_descriptions_are_rendered_and_sanitised(app, client, staff_branches):
    description = (
        "**Қош келдіңіздер!**\n\n<script>alert(1)</script>\n\n"
        "[link](javascript:alert(2)) <img src=x onerror=alert(3)>"
    )
    response = client.post("/staff/events/new", data=form(staff_branches, description=description))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>Қош келдіңіздер!</strong>" in page
    assert "<script>alert(1)" not in page and 'href="javascript' not in page
    assert "<img" not in page
    with app.app_context():
        assert db.session.execute(select(Event.description)).scalar_one() == description


def test_the_form_sets_and_clears_the_attendance_confirmation(app, client, staff_branches):
    with app.app_context():
        event = make_event(
            db.session.get(Branch, staff_branches["branch"]),
            db.session.get(Venue, staff_branches["hall"]),
            starts_at=datetime(2026, 6, 10, 10, 0, tzinfo=UTC),
            confirm_attendance_hours=48,
        )
        db.session.commit()
        event_id = event.id
    page = client.get(f"/staff/events/{event_id}/edit").get_data(as_text=True)
    assert 'name="confirm_attendance_hours"' in page and 'value="48"' in page
    assert "their seats go to the waitlist" in page  # the option is explained beside it
    edit = f"/staff/events/{event_id}/edit"
    changes = {"title": "Renamed", "confirm_attendance_hours": "48"}
    assert client.post(edit, data=form(staff_branches, **changes)).status_code == 302
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert event.title == "Renamed" and event.confirm_attendance_hours == 48
    response = client.post(edit, data=form(staff_branches, confirm_attendance_hours="0"))
    assert response.status_code == 422 and "from 1 to 720" in response.get_data(as_text=True)
    assert (
        client.post(edit, data=form(staff_branches, confirm_attendance_hours="")).status_code == 302
    )
    with app.app_context():
        assert db.session.get(Event, event_id).confirm_attendance_hours is None

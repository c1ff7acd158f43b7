"""Whole-series registration: all dates or none, one manage token, the course's own waitlist."""

from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import OutboxMessage, Registration
from calendar_app.services import course_bookings, registrations, series
from calendar_app.services.errors import Conflict
from calendar_app.services.mail import recover_manage_token
from calendar_app.services.seats import seat_counts
from tests.conftest import make_test_config
from tests.factories import NOW, make_branch, make_venue
from tests.race_worker import book_or_walk_in
from tests.test_registrations_service import edit_capacity
from tests.test_series import data


def make_course(capacity: int = 6, dates: int = 4, mode: str = "whole_series"):
    branch = make_branch()
    room = make_venue(branch, capacity=40)
    made = series.create_series(
        branch,
        data(room, datetime(2026, 6, 6, 10, 0), capacity=capacity, title="Робототехника"),
        f"FREQ=WEEKLY;COUNT={dates}",
        NOW,
        registration_mode=mode,
    )
    db.session.commit()
    return made


def book(course, email: str, seats: int = 1, now=NOW):
    return course_bookings.book_course(
        course.series.id,
        name="Алия Нұрланқызы",
        email=email,
        seats=seats,
        language="kk",
        source="web",
        now=now,
    )


def mails(kind: str) -> list[OutboxMessage]:
    return list(
        db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == kind)).scalars()
    )


def test_a_booking_holds_seats_on_every_date_with_one_token(ctx):
    course = make_course()
    result = book(course, "parent@example.kz", seats=2)
    db.session.commit()
    assert result.status == "confirmed"
    rows = course_bookings.booking_rows(result.registration)
    assert [row.event_id for row in rows] == [event.id for event in course.occurrences]
    assert {row.booking_id for row in rows} == {result.registration.id}
    assert {row.status for row in rows} == {"confirmed"}
    counts = seat_counts(event.id for event in course.occurrences)
    assert {count.confirmed for count in counts.values()} == {2}
    assert registrations.find_by_token(result.token).id == result.registration.id
    assert result.registration.event_id == course.occurrences[0].id
    assert len(mails("registered")) == 1
    # Only the booking's first row has a token: mails about one of the other dates carry no
    # link of their own (the booking is managed as a whole through the first row).
    assert recover_manage_token(rows[0]) == result.token
    assert all(row.token_seed is None for row in rows[1:])
    assert all(recover_manage_token(row) is None for row in rows[1:])


def test_one_date_of_a_course_takes_no_registration_of_its_own(ctx):
    course = make_course()
    with pytest.raises(Conflict, match="course"):
        registrations.register(
            course.occurrences[1].id,
            name="Guest",
            email="guest@example.kz",
            seats=1,
            language="en",
            source="api",
            now=NOW,
        )
    walk_in = registrations.add_walk_in(
        course.occurrences[1].id, name="At the door", seats=1, staff_id=None, now=NOW
    )
    assert walk_in.status == "confirmed"


def test_a_per_date_series_takes_no_course_booking(ctx):
    course = make_course(mode="per_occurrence")
    with pytest.raises(Conflict, match="own registrations"):
        book(course, "parent@example.kz")


def test_a_full_date_puts_the_whole_booking_on_the_course_waitlist(ctx):
    course = make_course(capacity=3)
    first = book(course, "one@example.kz", seats=2)
    edit_capacity(course.occurrences[2], 2)  # one date now has no seat left
    db.session.commit()
    waiting = book(course, "two@example.kz", seats=1)
    later = book(course, "three@example.kz", seats=1)
    db.session.commit()
    assert (waiting.status, waiting.waitlist_position) == ("waitlisted", 1)
    assert (later.status, later.waitlist_position) == ("waitlisted", 2)
    assert registrations.waitlist_position(later.registration) == 2
    # Nobody else gets in ahead of the queue, on any date.
    counts = seat_counts(event.id for event in course.occurrences)
    assert {count.available for count in counts.values()} == {0}

    promoted = registrations.cancel(first.registration, NOW)
    db.session.commit()
    assert [lead.id for lead in promoted] == [waiting.registration.id, later.registration.id]
    assert {row.status for row in course_bookings.booking_rows(first.registration)} == {"cancelled"}
    assert {row.status for row in course_bookings.booking_rows(waiting.registration)} == {
        "confirmed"
    }
    assert len(mails("promoted")) == 2 and len(mails("cancelled_by_visitor")) == 1
    with pytest.raises(Conflict, match="already cancelled"):
        registrations.cancel(first.registration, NOW)


def test_no_waitlist_and_too_large_parties_are_refused(ctx):
    course = make_course(capacity=2)
    for event in course.occurrences:
        event.waitlist_enabled = False
    book(course, "one@example.kz", seats=2)
    with pytest.raises(Conflict, match="full"):
        book(course, "two@example.kz", seats=1)
    with pytest.raises(Conflict, match="seats in all"):
        book(course, "three@example.kz", seats=3)


def test_a_course_that_has_begun_takes_no_booking_and_addresses_are_unique(ctx):
    course = make_course()
    book(course, "parent@example.kz")
    with pytest.raises(Conflict, match="already registered"):
        book(course, "PARENT@example.kz")
    started = course.occurrences[0].starts_at + timedelta(minutes=1)
    with pytest.raises(Conflict, match="begun"):
        book(course, "late@example.kz", now=started)


def test_check_in_by_qr_finds_the_row_of_the_day(ctx):
    course = make_course()
    result = book(course, "parent@example.kz")
    on_day_three = course.occurrences[2].starts_at - timedelta(minutes=10)
    row = course_bookings.row_for_the_door(result.registration, on_day_three)
    assert row.event_id == course.occurrences[2].id


@pytest.mark.slow
def test_bookings_and_walk_ins_racing_in_processes_never_oversell_a_date(
    app, database_url: str, tmp_path: Path
):
    capacity, processes, attempts = 5, 4, 6
    with app.app_context():
        course = make_course(capacity=capacity, dates=3)
        series_id = course.series.id
        event_ids = [event.id for event in course.occurrences]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(processes)
    results = context.Queue()
    config = make_test_config(database_url, tmp_path / "worker-instance")
    workers = [
        context.Process(
            target=book_or_walk_in, args=(config, series_id, number, attempts, barrier, results)
        )
        for number in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        outcomes = [results.get(timeout=300) for _ in range(processes * attempts)]
        for worker in workers:
            worker.join(timeout=120)
            assert worker.exitcode == 0
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
    assert not [outcome for outcome in outcomes if outcome.startswith("error")], outcomes
    with app.app_context():
        counts = seat_counts(event_ids)
        assert counts[event_ids[0]].confirmed == capacity
        assert all(counts[event_id].confirmed <= capacity for event_id in event_ids)
        bookings = outcomes.count("confirmed")
        walk_ins = outcomes.count("walk_in")
        assert bookings + walk_ins == capacity
        assert counts[event_ids[1]].confirmed == bookings
        leads = (
            db.session.execute(
                select(Registration).where(Registration.booking_id == Registration.id)
            )
            .scalars()
            .all()
        )
        assert len(leads) == bookings + outcomes.count("waitlisted")

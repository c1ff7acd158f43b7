"""Each event's seat tally, kept by triggers, equals the count of its registrations after every
kind of change, and a newcomer still decides right when the tally row is missing."""

from __future__ import annotations

from sqlalchemy import select, text

from calendar_app.extensions import db
from calendar_app.models import Event, EventSeatTally, Registration
from calendar_app.services import registrations as regs
from calendar_app.services.seats import open_seats, seat_count
from tests.factories import NOW, make_event
from tests.test_course_bookings import book, make_course
from tests.test_registrations_service import edit_capacity, sign_up


def tally_of(event_id: int) -> tuple[int, int, int] | None:
    row = db.session.get(EventSeatTally, event_id, populate_existing=True)
    return None if row is None else (row.confirmed_seats, row.waiting_parties, row.standby_parties)


def assert_tallies_agree(*events: Event) -> None:
    db.session.flush()
    for event in events:
        full = seat_count(event.id)
        assert tally_of(event.id) == (full.confirmed, full.waiting_parties, full.standby_parties)


def test_a_new_event_starts_with_an_empty_tally(ctx):
    event = make_event(capacity=8)
    assert tally_of(event.id) == (0, 0, 0)


def test_the_tally_follows_the_service_through_a_whole_season(ctx):
    event = make_event(capacity=6, max_party=4)
    other = make_event(capacity=6, max_party=4)
    parties = [sign_up(event, seats=seats).registration for seats in (2, 3, 1, 2, 4, 1)]
    sign_up(other, seats=3)
    assert_tallies_agree(event, other)
    assert tally_of(event.id) == (6, 3, 0)

    parties[4].standby = True  # held back by the no-show policy
    assert_tallies_agree(event, other)
    regs.check_in(parties[0], None, NOW)  # arriving moves no seat
    regs.cancel(parties[1], NOW)  # three seats free: the head of the queue (2) is promoted
    assert_tallies_agree(event, other)
    walk_in = regs.add_walk_in(
        event.id, name="Дана", seats=3, staff_id=None, now=NOW, override_capacity=True
    )
    assert_tallies_agree(event, other)
    edit_capacity(event, 12)  # raising the capacity promotes the queue
    assert_tallies_agree(event, other)
    regs.cancel(walk_in, NOW)
    regs.cancel(parties[5], NOW)
    assert_tallies_agree(event, other)
    assert seat_count(event.id).confirmed == tally_of(event.id)[0] > 0


def test_the_tally_follows_changes_made_in_sql_too(ctx):
    """Whatever writes a registration row (a repair by hand, a future code path) moves it."""
    event = make_event(capacity=4, max_party=4)
    other = make_event(capacity=4, max_party=4)
    first = sign_up(event, seats=3, notify=False).registration  # no mail row to delete first
    second = sign_up(event, seats=2, notify=False).registration  # waitlisted
    db.session.flush()
    statements = [
        "UPDATE registrations SET seats = 4 WHERE id = :first",
        "UPDATE registrations SET standby = true WHERE id = :second",
        "UPDATE registrations SET event_id = :other WHERE id = :second",
        "UPDATE registrations SET status = 'confirmed' WHERE id = :second",
        "UPDATE registrations SET name = 'Renamed', seats = 1 WHERE id = :first",
        "DELETE FROM registrations WHERE id = :first",
    ]
    ids = {"first": first.id, "second": second.id, "other": other.id}
    for statement in statements:
        db.session.execute(text(statement), ids)
        assert_tallies_agree(event, other)
    assert tally_of(event.id) == (0, 0, 0) and tally_of(other.id) == (2, 0, 0)
    db.session.delete(db.session.get(Registration, second.id))
    assert_tallies_agree(event, other)
    assert tally_of(other.id) == (0, 0, 0)


def test_a_course_booking_moves_the_tally_of_every_date(ctx):
    course = make_course(capacity=2, dates=3)
    dates = list(
        db.session.execute(select(Event).where(Event.series_id == course.series.id)).scalars()
    )
    lead = book(course, "first@example.kz", seats=2).registration
    book(course, "second@example.kz", seats=1)  # waits on every date
    assert_tallies_agree(*dates)
    assert [tally_of(date.id) for date in dates] == [(2, 1, 0)] * 3
    regs.cancel(lead, NOW)  # the whole booking goes; the waiting one takes its place
    assert_tallies_agree(*dates)
    assert [tally_of(date.id) for date in dates] == [(1, 0, 0)] * 3


def test_without_its_tally_row_a_newcomer_is_counted_and_still_decided_right(ctx):
    event = make_event(capacity=3, max_party=3)
    sign_up(event, seats=2)
    sign_up(event, seats=2)  # waits: only one seat is free
    db.session.execute(
        text("DELETE FROM event_seat_tallies WHERE event_id = :id"), {"id": event.id}
    )
    figures = open_seats(event.id)
    assert (figures.confirmed, figures.waiting_parties, figures.available) == (2, 1, 0)
    result = sign_up(event, seats=1)  # a seat is free, but someone is waiting for it
    assert (result.status, result.waitlist_position) == ("waitlisted", 2)
    assert tally_of(event.id) is None


def test_a_newcomer_decides_on_the_tally_not_on_a_count(ctx):
    """The figures come from the tally row: one that says the event is full makes a newcomer
    wait although no row was counted (a tally is never made wrong but by hand, as here)."""
    event = make_event(capacity=3, max_party=3)
    db.session.execute(
        text("UPDATE event_seat_tallies SET confirmed_seats = 3 WHERE event_id = :id"),
        {"id": event.id},
    )
    assert open_seats(event.id).available == 0 and seat_count(event.id).confirmed == 0
    assert sign_up(event, seats=1).status == "waitlisted"


def test_recount_seat_tallies_corrects_wrong_and_missing_rows_and_nothing_else(ctx):
    right = make_event(capacity=4, max_party=4)
    wrong = make_event(capacity=4, max_party=4)
    missing = make_event(capacity=4, max_party=4)
    for event in (right, wrong, missing):
        sign_up(event, seats=3)
        sign_up(event, seats=2)  # waits
    db.session.execute(
        text("UPDATE event_seat_tallies SET waiting_parties = 7 WHERE event_id = :id"),
        {"id": wrong.id},
    )
    db.session.execute(
        text("DELETE FROM event_seat_tallies WHERE event_id = :id"), {"id": missing.id}
    )
    db.session.commit()  # the command works in a transaction of its own

    runner = ctx.test_cli_runner()
    result = runner.invoke(args=["recount-seat-tallies"])
    assert result.exit_code == 0, result.output
    assert result.output == f"2 seat tallies corrected: events {wrong.id}, {missing.id}.\n"
    assert_tallies_agree(right, wrong, missing)
    assert tally_of(missing.id) == (3, 1, 0)
    assert runner.invoke(args=["recount-seat-tallies"]).output == "0 seat tallies corrected.\n"

"""The door's rules with an explicit clock: the event's day in the branch's zone, the order of the
reasons, a course booking's row for the door, and what a scanner's text may be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from calendar_app.extensions import db
from calendar_app.services import door
from calendar_app.services.events import cancel_event
from calendar_app.timeutil import local_to_utc
from tests.factories import make_branch, make_event, make_registration, make_venue
from tests.test_course_bookings import book, make_course

ZONE = "Asia/Almaty"  # UTC+5


def an_event(first_local: datetime, minutes: int = 90, **fields):
    branch = make_branch(timezone=ZONE)
    start = local_to_utc(first_local, ZONE)
    return make_event(
        branch,
        make_venue(branch, capacity=40),
        starts_at=start,
        minutes=minutes,
        now=start - timedelta(days=10),
        **fields,
    )


def test_the_day_is_the_branch_s_day_not_utc(ctx):
    # 00:30 on 7 June in Almaty is still 6 June in UTC.
    event = an_event(datetime(2026, 6, 7, 0, 30))
    party = make_registration(event.id, "Party")
    late_on_the_sixth = datetime(2026, 6, 6, 18, 0, tzinfo=UTC)  # 23:00 in Almaty
    just_after_midnight = datetime(2026, 6, 6, 19, 5, tzinfo=UTC)  # 00:05 on 7 June
    assert door.door_check(party, late_on_the_sixth).kind == door.OTHER_DAY
    assert door.door_check(party, just_after_midnight).kind == door.READY
    assert door.door_check(party, datetime(2026, 6, 7, 19, 5, tzinfo=UTC)).kind == door.OTHER_DAY


def test_an_event_ending_at_midnight_is_not_on_the_next_day(ctx):
    event = an_event(datetime(2026, 6, 6, 22, 0), minutes=120)
    party = make_registration(event.id, "Party")
    assert door.event_days(event) == (datetime(2026, 6, 6).date(), datetime(2026, 6, 6).date())
    assert door.door_check(party, local_to_utc(datetime(2026, 6, 7, 0, 10), ZONE)).kind == (
        door.OTHER_DAY
    )


def test_an_exhibition_over_several_days_admits_on_each(ctx):
    event = an_event(datetime(2026, 6, 6, 10, 0), minutes=3 * 24 * 60)
    party = make_registration(event.id, "Party")
    for day in (6, 7, 8, 9):
        moment = local_to_utc(datetime(2026, 6, day, 9, 0), ZONE)
        assert door.door_check(party, moment).kind == door.READY, day
    assert door.door_check(party, local_to_utc(datetime(2026, 6, 10, 9), ZONE)).kind == (
        door.OTHER_DAY
    )


def test_the_first_reason_that_applies_is_given(ctx):
    event = an_event(datetime(2026, 6, 6, 10, 0))
    other = an_event(datetime(2026, 6, 6, 12, 0))
    on_the_day = local_to_utc(datetime(2026, 6, 6, 9, 45), ZONE)
    waiting = make_registration(event.id, "Waiting", status="waitlisted")
    gone = make_registration(event.id, "Gone", status="cancelled")
    came = make_registration(event.id, "Came", checked_in_at=on_the_day)
    assert door.door_check(waiting, on_the_day).kind == door.WAITLISTED
    assert door.door_check(gone, on_the_day).kind == door.CANCELLED
    assert door.door_check(came, on_the_day).kind == door.ALREADY_CHECKED_IN
    # Checked in already, on another day: "already" says more.
    assert door.door_check(came, on_the_day + timedelta(days=2)).kind == door.ALREADY_CHECKED_IN
    assert door.door_check(gone, on_the_day, event_id=other.id).kind == door.OTHER_EVENT
    cancel_event(event, on_the_day - timedelta(days=1))
    assert door.door_check(waiting, on_the_day).kind == door.EVENT_CANCELLED
    assert door.door_check(waiting, on_the_day, event_id=other.id).kind == door.OTHER_EVENT


def test_checking_in_at_the_door_changes_only_a_ready_party(ctx):
    event = an_event(datetime(2026, 6, 6, 10, 0))
    on_the_day = local_to_utc(datetime(2026, 6, 6, 9, 45), ZONE)
    party = make_registration(event.id, "Party")
    waiting = make_registration(event.id, "Waiting", status="waitlisted")
    assert door.check_in_at_the_door(party, None, on_the_day).kind == door.CHECKED_IN
    assert party.checked_in_at == on_the_day
    again = door.check_in_at_the_door(party, None, on_the_day + timedelta(minutes=5))
    assert again.kind == door.ALREADY_CHECKED_IN and party.checked_in_at == on_the_day
    assert door.check_in_at_the_door(waiting, None, on_the_day).kind == door.WAITLISTED
    assert waiting.checked_in_at is None


def test_a_course_booking_is_checked_in_on_the_date_of_the_door(ctx):
    course = make_course()
    lead = book(course, "parent@example.kz").registration
    db.session.commit()
    third = course.occurrences[2]
    on_day_three = third.starts_at - timedelta(minutes=10)
    row = door.row_at_the_door(lead, on_day_three, None)
    assert row.event_id == third.id
    assert door.door_check(row, on_day_three).kind == door.READY
    # A door tied to the third date finds that date's row even on another day, and says so.
    early = door.row_at_the_door(lead, course.occurrences[1].starts_at, third.id)
    assert early.event_id == third.id
    assert door.door_check(early, course.occurrences[1].starts_at, third.id).kind == (
        door.OTHER_DAY
    )
    # A door tied to an event that is not one of the course's dates: another event.
    stranger = an_event(datetime(2026, 6, 20, 10, 0))
    row = door.row_at_the_door(lead, on_day_three, stranger.id)
    assert door.door_check(row, on_day_three, stranger.id).kind == door.OTHER_EVENT


BASE = "https://events.example.kz"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abcdefghijklmnopqrstuvwxyz012345", "abcdefghijklmnopqrstuvwxyz012345"),
        ("  abc_-DEF123\n", "abc_-DEF123"),
        (f"{BASE}/staff/check-in/abc_-DEF123", "abc_-DEF123"),
        (f"{BASE}/staff/check-in/abc/def", None),
        (f"{BASE}/staff/check-in/", None),
        ("https://other.example/staff/check-in/abc", None),
        ("http://events.example.kz/staff/check-in/abc", None),
        ("WIFI:S:net;;", None),
        ("", None),
    ],
)
def test_what_a_scanner_read(text, code):
    assert door.code_from_scan(text, BASE) == code
    assert door.code_from_scan(text, BASE + "/") == code

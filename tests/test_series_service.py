"""What the staff pages need from services/series.py: a dry run that leaves nothing behind, the
fields a form changed, and a refusal on another date that names the date."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Event, Series
from calendar_app.services.errors import InvalidInput
from calendar_app.services.events import EventData
from calendar_app.services.series import (
    changed_fields,
    create_series,
    event_data,
    preview_series,
    upcoming_occurrences,
    update_series,
)
from tests.factories import NOW, make_branch, make_event, make_registration, make_venue

# 15:00 in Almaty on Wednesday 2 December 2026.
FIRST = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
WEDNESDAYS = "FREQ=WEEKLY;BYDAY=WE;UNTIL=20261230"


@pytest.fixture
def room(ctx):
    branch = make_branch("children")
    return branch, make_venue(branch, "Hall", capacity=40)


def data(venue, **changes) -> EventData:
    fields = {
        "title": "Ертегілер әлемі",
        "venue_id": venue.id,
        "starts_at": FIRST,
        "ends_at": FIRST + timedelta(minutes=90),
        "capacity": 20,
    }
    return EventData(**{**fields, **changes})


def counts() -> tuple[int, int]:
    return (
        db.session.execute(select(func.count(Series.id))).scalar_one(),
        db.session.execute(select(func.count(Event.id))).scalar_one(),
    )


def test_a_preview_answers_as_the_real_creation_and_leaves_nothing(room):
    branch, venue = room
    preview = preview_series(branch, data(venue), WEDNESDAYS, NOW)
    assert preview.rrule == WEDNESDAYS
    assert [start.day for start, _end in preview.times] == [2, 9, 23, 30]
    assert all(end - start == timedelta(minutes=90) for start, end in preview.times)
    assert [(s.day, s.kind, s.reason) for s in preview.skipped] == [
        (date(2026, 12, 16), "holiday", "Independence Day")
    ]
    assert counts() == (0, 0)
    # The session is still usable, and the real creation makes the same dates.
    result = create_series(branch, data(venue), WEDNESDAYS, NOW)
    assert [(e.starts_at, e.ends_at) for e in result.occurrences] == preview.times
    assert counts() == (1, 4)


def test_a_refused_preview_leaves_nothing_either(room):
    branch, venue = room
    make_event(branch, venue, title="Күй кеші", starts_at=FIRST + timedelta(days=21))
    with pytest.raises(InvalidInput) as raised:
        preview_series(branch, data(venue), WEDNESDAYS, NOW)
    assert "the room is taken by “Күй кеші”" in raised.value.errors["starts_at"][0]
    assert counts() == (0, 1)


def test_changed_fields_carry_only_what_differs():
    before = EventData(
        title="Абай оқулары",
        venue_id=1,
        starts_at=FIRST,
        ends_at=FIRST + timedelta(hours=1),
        capacity=20,
        translations={"ru": {"title": "Чтения Абая"}},
    )
    form = replace(
        before,
        title=" Абай оқулары ",
        translations={"ru": {"title": "Чтения Абая", "description": ""}, "en": {"title": " "}},
    )
    assert changed_fields(before, form) == {}
    assert changed_fields(before, replace(form, capacity=25)) == {"capacity": 25}
    # A new end alone still carries the start: together they give the time of day and length.
    later = FIRST + timedelta(hours=2)
    assert changed_fields(before, replace(form, ends_at=later)) == {
        "starts_at": FIRST,
        "ends_at": later,
    }
    english = {"ru": {"title": "Чтения Абая"}, "en": {"title": "Abai readings"}}
    assert changed_fields(before, replace(form, translations=english)) == {"translations": english}


def test_a_refusal_on_another_date_names_that_date(room):
    branch, venue = room
    result = create_series(branch, data(venue), WEDNESDAYS, NOW)
    make_registration(result.occurrences[2].id, seats=6)
    with pytest.raises(InvalidInput) as raised:
        update_series(result.series, {"capacity": 5}, NOW)
    assert raised.value.errors == {
        "capacity": [
            "On December 23, 2026: 6 seats are already confirmed; "
            "the capacity cannot go below that."
        ]
    }


def test_upcoming_occurrences_leave_out_past_and_cancelled_dates(room):
    branch, venue = room
    result = create_series(branch, data(venue), WEDNESDAYS, NOW)
    first, second, third, fourth = result.occurrences
    third.status = "cancelled"
    db.session.flush()
    after_the_first = first.ends_at
    assert upcoming_occurrences(result.series.id, after_the_first) == [second, fourth]
    assert event_data(second).title == "Ертегілер әлемі"

"""Series: dates from a rule around Kazakhstan's holidays and branch closures, edits, refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import holidays
import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Closure, Event, OutboxMessage, Series
from calendar_app.services import closures, series
from calendar_app.services.errors import InvalidInput
from calendar_app.services.events import EventData, create_event
from calendar_app.timeutil import local_to_utc, to_local
from tests.factories import NOW, make_branch, make_event, make_registration, make_venue

ZONE = "Asia/Almaty"


def data(venue, first_local: datetime, minutes: int = 60, **fields) -> EventData:
    start = local_to_utc(first_local, ZONE)
    return EventData(
        title=fields.pop("title", "Ертегі сағаты"),
        venue_id=venue.id,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        category=fields.pop("category", "master_class"),
        capacity=fields.pop("capacity", 20),
        **fields,
    )


@pytest.fixture
def room(ctx):
    branch = make_branch("begalin", name="Begalin children's library")
    return make_venue(branch, name="Studio", capacity=40)


def local_days(events) -> list[date]:
    return [to_local(event.starts_at, ZONE).date() for event in events]


def counts() -> tuple[int, int]:
    return (
        db.session.execute(select(func.count(Series.id))).scalar_one(),
        db.session.execute(select(func.count(Event.id))).scalar_one(),
    )


def test_a_weekly_rule_skips_independence_day(room):
    result = series.create_series(
        room.branch,
        data(room, datetime(2026, 12, 2, 11, 0)),
        "FREQ=WEEKLY;BYDAY=WE;COUNT=6",
        NOW,
    )
    assert local_days(result.occurrences) == [
        date(2026, 12, 2),
        date(2026, 12, 9),
        date(2026, 12, 23),
        date(2026, 12, 30),
        date(2027, 1, 6),
    ]
    [skipped] = result.skipped
    assert (skipped.day, skipped.kind) == (date(2026, 12, 16), "holiday")
    assert skipped.reason == "Independence Day"
    # Each occurrence keeps 11:00 local time, and all are real events of the series.
    assert {to_local(e.starts_at, ZONE).hour for e in result.occurrences} == {11}
    assert {e.series_id for e in result.occurrences} == {result.series.id}


@pytest.mark.parametrize("year", [2026, 2027])
def test_a_daily_rule_leaves_out_exactly_the_public_holidays(room, year):
    result = series.create_series(
        room.branch,
        data(room, datetime(year, 3, 1, 10, 0), capacity=5),
        f"FREQ=DAILY;UNTIL={year}0510",
        NOW,
    )
    expected = {
        day
        for day in holidays.country_holidays("KZ", years=year)
        if date(year, 3, 1) <= day <= date(year, 5, 10)
    }
    assert {item.day for item in result.skipped} == expected
    assert {item.kind for item in result.skipped} == {"holiday"}
    days = local_days(result.occurrences)
    assert not set(days) & expected
    assert len(days) + len(expected) == (date(year, 5, 10) - date(year, 3, 1)).days + 1
    assert days[-1] == date(year, 5, 10) or date(year, 5, 10) in expected  # UNTIL day included


def test_holidays_can_be_kept(room):
    result = series.create_series(
        room.branch,
        data(room, datetime(2026, 12, 16, 18, 0)),
        "FREQ=WEEKLY;COUNT=2",
        NOW,
        skip_public_holidays=False,
    )
    assert local_days(result.occurrences) == [date(2026, 12, 16), date(2026, 12, 23)]
    assert result.skipped == []


def test_a_date_only_until_includes_that_day(room):
    result = series.create_series(
        room.branch,
        data(room, datetime(2027, 2, 1, 18, 0)),
        "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20270301",
        NOW,
    )
    assert local_days(result.occurrences)[-1] == date(2027, 3, 1)


def test_closures_by_range_and_by_rule_are_skipped_with_their_reason(room):
    branch = room.branch
    closures.create_closure(
        branch, {"start": "2027-01-11", "end": "2027-01-13", "reason": "Ремонт"}, NOW
    )
    closures.create_closure(
        branch,
        {"rrule": "FREQ=MONTHLY;BYDAY=-1FR", "start": "2027-01-01", "reason": "Санитарный день"},
        NOW,
    )
    result = series.create_series(
        branch, data(room, datetime(2027, 1, 4, 15, 0)), "FREQ=DAILY;COUNT=31", NOW
    )
    reasons = {item.day: (item.kind, item.reason) for item in result.skipped}
    assert reasons[date(2027, 1, 12)] == ("closure", "Ремонт")
    assert reasons[date(2027, 1, 29)] == ("closure", "Санитарный день")  # the last Friday
    assert date(2027, 1, 7) in reasons and reasons[date(2027, 1, 7)][0] == "holiday"
    assert len(result.occurrences) + len(result.skipped) == 31


def test_a_single_event_on_a_closed_day_is_refused_but_not_on_a_holiday(room):
    branch = room.branch
    closures.create_closure(
        branch, {"rrule": "FREQ=MONTHLY;BYDAY=-1FR", "reason": "Sanitary day"}, NOW
    )
    with pytest.raises(InvalidInput) as caught:
        create_event(branch, data(room, datetime(2026, 5, 29, 12, 0)), NOW)
    assert "Sanitary day" in caught.value.errors["starts_at"][0]
    concert = create_event(branch, data(room, datetime(2026, 12, 16, 18, 0)), NOW)
    assert concert.id is not None


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        ("FREQ=SOMETIMES", "rrule", "cannot be read"),
        ("", "rrule", "RRULE"),
        ("FREQ=WEEKLY;UNTIL=20200101", "rrule", "no date"),
        ("FREQ=DAILY", "rrule", "more than 200"),
        ("FREQ=DAILY;COUNT=201", "rrule", "more than 200"),
        ("FREQ=HOURLY;COUNT=3", "rrule", "daily, weekly"),
        ("FREQ=WEEKLY;COUNT=2\nDTSTART:20200101", "rrule", "cannot be read"),
        ("FREQ=WEEKLY;BYDAY=XX", "rrule", "cannot be read"),
        ("FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1,2;COUNT=2", "rrule", "public holiday"),
    ],
)
def test_bad_rules_are_refused_and_nothing_is_saved(room, rule, field, message):
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        series.create_series(room.branch, data(room, datetime(2027, 1, 1, 10, 0)), rule, NOW)
    assert message in " ".join(caught.value.errors[field])
    db.session.rollback()
    assert counts() == before


def test_a_clash_in_the_room_names_the_date_and_the_event(room):
    make_event(
        room.branch,
        room,
        title="Шахмат үйірмесі",
        starts_at=local_to_utc(datetime(2027, 2, 17, 10, 30), ZONE),
    )
    db.session.commit()
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        series.create_series(
            room.branch, data(room, datetime(2027, 2, 3, 10, 0)), "FREQ=WEEKLY;COUNT=4", NOW
        )
    message = caught.value.errors["starts_at"][0]
    assert "Шахмат үйірмесі" in message and "17" in message and "2027" in message
    db.session.rollback()
    assert counts() == before


def test_event_fields_and_options_are_checked_together(room):
    bad = data(room, datetime(2027, 1, 1, 10, 0), title="", capacity=-1)
    with pytest.raises(InvalidInput) as caught:
        series.create_series(
            room.branch,
            bad,
            "FREQ=WEEKLY;COUNT=2",
            NOW,
            registration_mode="sometimes",
            skip_public_holidays="yes",
        )
    assert {"title", "capacity", "registration_mode", "skip_public_holidays"} <= set(
        caught.value.errors
    )


def make_weekly(room, count: int = 4, **fields) -> series.SeriesResult:
    result = series.create_series(
        room.branch,
        data(room, datetime(2026, 6, 3, 11, 0), **fields),
        f"FREQ=WEEKLY;COUNT={count}",
        NOW,
        registration_mode=fields.pop("mode", "per_occurrence"),
    )
    db.session.commit()
    return result


def test_all_occurrences_take_a_new_time_keeping_their_dates(room):
    made = make_weekly(room)
    days = local_days(made.occurrences)
    guest = make_registration(made.occurrences[1].id, "Guest", email="guest@example.kz")
    db.session.commit()
    start = local_to_utc(datetime(2026, 6, 1, 16, 30), ZONE)
    changed = series.update_series(
        made.series, {"starts_at": start, "ends_at": start + timedelta(minutes=45)}, NOW
    )
    db.session.commit()
    assert len(changed) == 4
    events = series.occurrences(made.series.id)
    assert local_days(events) == days
    assert {to_local(e.starts_at, ZONE).strftime("%H:%M") for e in events} == {"16:30"}
    assert {e.ends_at - e.starts_at for e in events} == {timedelta(minutes=45)}
    assert {e.sequence for e in events} == {1}
    mails = (
        db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "event_moved"))
        .scalars()
        .all()
    )
    assert [m.registration_id for m in mails] == [guest.id]


def test_this_and_following_changes_only_the_later_dates(room):
    made = make_weekly(room)
    third = made.occurrences[2]
    series.update_series(
        made.series, {"title": "Жаңа атау"}, NOW, scope="following", from_event=third.id
    )
    db.session.commit()
    titles = [e.title for e in series.occurrences(made.series.id)]
    assert titles == ["Ертегі сағаты", "Ертегі сағаты", "Жаңа атау", "Жаңа атау"]
    assert made.series.title == "Ертегі сағаты"


def test_following_from_another_series_or_a_past_date_is_refused(room):
    made = make_weekly(room)
    other_room = make_venue(room.branch, name="Hall", capacity=40)
    other = make_weekly(other_room)
    for bad in (other.occurrences[0].id, "1", None, True):
        with pytest.raises(InvalidInput) as caught:
            series.update_series(
                made.series, {"title": "X"}, NOW, scope="following", from_event=bad
            )
        assert "from_event" in caught.value.errors
    later = made.occurrences[1].starts_at + timedelta(hours=1)
    with pytest.raises(InvalidInput):
        series.update_series(
            made.series, {"title": "X"}, later, scope="following", from_event=made.occurrences[0].id
        )
    with pytest.raises(InvalidInput):
        series.update_series(made.series, {"title": "X"}, NOW, scope="some")


def test_cancelling_from_a_date_cancels_that_and_the_later_ones(room):
    made = make_weekly(room)
    series.cancel_series(made.series, NOW, from_event=made.occurrences[2].id)
    db.session.commit()
    statuses = [e.status for e in series.occurrences(made.series.id)]
    assert statuses == ["scheduled", "scheduled", "cancelled", "cancelled"]
    assert {e.sequence for e in series.occurrences(made.series.id)[2:]} == {1}


def test_closure_lists_events_on_its_days_without_changing_them(room):
    made = make_weekly(room)
    closure = closures.create_closure(
        room.branch, {"start": "2026-06-10", "end": "2026-06-10", "reason": "Жөндеу"}, NOW
    )
    conflicting = closures.events_on_closed_days(room.branch, closure, NOW)
    assert [e.id for e in conflicting] == [made.occurrences[1].id]
    assert made.occurrences[1].status == "scheduled"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start": "2026-06-10"}, "end"),
        ({"start": "2026-13-10", "end": "2026-06-10"}, "start"),
        ({"start": "2026-06-10", "end": "2026-06-09"}, "end"),
        ({"start": "2026-06-10", "end": "2027-06-11"}, "end"),
        ({"start": "0001-01-01", "end": "2026-06-09"}, "start"),
        ({"start": 20260610, "end": "2026-06-10"}, "start"),
        ({"rrule": "FREQ=NEVER"}, "rrule"),
        ({"rrule": "FREQ=MONTHLY;BYDAY=-1FR", "end": "2026-06-10"}, "end"),
        ({"start": "2026-06-10", "end": "2026-06-10", "reason": "x" * 301}, "reason"),
        ({"start": "2026-06-10", "end": "2026-06-10", "reason": "a\x00b"}, "reason"),
        ({"start": "2026-06-10", "end": "2026-06-10", "reason": 5}, "reason"),
    ],
)
def test_bad_closures_are_refused(room, fields, field):
    with pytest.raises(InvalidInput) as caught:
        closures.create_closure(room.branch, fields, NOW)
    assert field in caught.value.errors
    db.session.rollback()
    assert db.session.execute(select(func.count(Closure.id))).scalar_one() == 0


def test_public_holiday_names_in_kazakh_and_english():
    assert closures.public_holiday(date(2026, 12, 16), "en") == "Independence Day"
    assert closures.public_holiday(date(2026, 12, 16), "kk") == "Тәуелсіздік күні"
    assert closures.public_holiday(date(2026, 12, 15), "kk") is None


def test_times_are_local_wall_clock_across_the_2024_offset_change(room):
    # Almaty moved from UTC+6 to UTC+5 on 2024-03-01: 11:00 stays 11:00 on both sides.
    result = series.create_series(
        room.branch,
        data(room, datetime(2024, 2, 22, 11, 0)),
        "FREQ=WEEKLY;COUNT=3",
        NOW - timedelta(days=900),
    )
    assert [e.starts_at.astimezone(UTC).hour for e in result.occurrences] == [5, 5, 6]

"""Planning a series on the staff pages: preview (nothing saved), save, errors beside the fields,
the series page and cancelling its upcoming dates, and other branches refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Branch, Event, OutboxMessage, Series, Venue
from calendar_app.services.closures import create_closure
from tests.factories import NOW, make_event, make_registration
from tests.staff_support import event_form, log_in


def series_form(ids, **changes):
    """Weekly on Wednesdays from 2 to 30 December 2026, 15:00 to 16:30: 16 December is
    Independence Day."""
    data = {
        **event_form(ids, starts_at="2026-12-02T15:00", ends_at="2026-12-02T16:30"),
        "frequency": "weekly",
        "interval": "1",
        "weekdays": ["WE"],
        "month_week": "1",
        "month_weekday": "TU",
        "ends": "until",
        "until": "2026-12-30",
        "count": "",
        "registration_mode": "per_occurrence",
        "skip_public_holidays": "y",
        "action": "preview",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def stored() -> tuple[int, int]:
    return (
        db.session.execute(select(func.count(Series.id))).scalar_one(),
        db.session.execute(select(func.count(Event.id))).scalar_one(),
    )


def field_error(page: str, field: str) -> str:
    assert f'id="{field}-error"' in page, page
    return page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]


def test_the_dashboard_offers_a_series_and_the_closed_days(client, staff_branches):
    page = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/series/new"' in page and "Plan a series" in page
    assert f'href="/staff/branches/{staff_branches["branch"]}/closures"' in page


def test_the_form_builds_the_rule_with_localized_day_names(client, staff_branches):
    page = client.get("/staff/series/new").get_data(as_text=True)
    assert "<legend>Weekly: on these days</legend>" in page
    assert 'type="checkbox" value="WE"' in page and "Wednesday" in page
    assert 'checked id="skip_public_holidays"' in page
    russian = client.get("/staff/series/new?lang=ru").get_data(as_text=True)
    assert "Среда" in russian and "Пятница" in russian
    kazakh = client.get("/staff/series/new?lang=kk").get_data(as_text=True)
    assert "Сәрсенбі" in kazakh


def test_preview_shows_the_dates_and_the_skipped_holiday_and_saves_nothing(
    app, client, staff_branches
):
    response = client.post("/staff/series/new", data=series_form(staff_branches))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    dates = page.split('id="preview-dates"', 1)[1].split("</ol>", 1)[0]
    for day in ("December 2, 2026", "December 9, 2026", "December 23, 2026", "December 30"):
        assert day in dates
    assert "December 16" not in dates and dates.count("3:00") == 4
    skipped = page.split('id="preview-skipped"', 1)[1].split("</ul>", 1)[0]
    assert (
        "Wednesday, December 16, 2026" in skipped and "public holiday (Independence Day)" in skipped
    )
    assert "4 dates will be planned." in page
    # The form is shown again as it was posted.
    assert 'checked id="weekdays-2"' in page and 'value="2026-12-30"' in page
    with app.app_context():
        assert stored() == (0, 0)


def test_preview_in_kazakh_names_the_holiday_in_kazakh(app, client, staff_branches):
    page = client.post("/staff/series/new?lang=kk", data=series_form(staff_branches)).get_data(
        as_text=True
    )
    skipped = page.split('id="preview-skipped"', 1)[1].split("</ul>", 1)[0]
    assert "Тәуелсіздік күні" in skipped
    with app.app_context():
        assert stored() == (0, 0)


def test_without_skipping_holidays_the_holiday_is_planned(client, staff_branches):
    data = series_form(staff_branches, skip_public_holidays=None)
    page = client.post("/staff/series/new", data=data).get_data(as_text=True)
    assert "5 dates will be planned." in page and 'id="preview-skipped"' not in page


def test_a_closed_day_is_skipped_with_its_reason(app, client, staff_branches):
    with app.app_context():
        closed = {"start": "2026-12-09", "end": "2026-12-09", "reason": "Санитарлық күн"}
        create_closure(db.session.get(Branch, staff_branches["branch"]), closed, NOW)
        db.session.commit()
    page = client.post("/staff/series/new", data=series_form(staff_branches)).get_data(as_text=True)
    skipped = page.split('id="preview-skipped"', 1)[1].split("</ul>", 1)[0]
    assert "the branch is closed (Санитарлық күн)" in skipped
    assert "3 dates will be planned." in page


def test_saving_creates_every_date_and_shows_the_series(app, client, staff_branches):
    response = client.post("/staff/series/new", data=series_form(staff_branches, action="save"))
    assert response.status_code == 302
    with app.app_context():
        series = db.session.execute(select(Series)).scalar_one()
        assert series.rrule == "FREQ=WEEKLY;BYDAY=WE;UNTIL=20261230"
        assert series.branch_id == staff_branches["branch"] and series.skip_public_holidays
        events = db.session.execute(select(Event).order_by(Event.starts_at)).scalars().all()
        assert [e.starts_at for e in events] == [
            datetime(2026, 12, day, 10, 0, tzinfo=UTC) for day in (2, 9, 23, 30)
        ]
        assert all(e.series_id == series.id and e.capacity == 25 for e in events)
        assert {e.title for e in events} == {"Шексіздік сыртындағы шам"}
        ids = [e.id for e in events]
    assert response.headers["Location"] == f"/staff/series/{series.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The series “Шексіздік сыртындағы шам” is planned: 4 dates." in page
    assert "Every week on Wednesday; until December 30, 2026" in page
    assert "FREQ=WEEKLY;BYDAY=WE;UNTIL=20261230" in page
    for event_id in ids:
        assert f'href="/staff/events/{event_id}/roster"' in page
    assert page.count("0 of 25") == 4


def test_a_monthly_course_with_a_number_of_dates(app, client, staff_branches):
    data = series_form(
        staff_branches,
        frequency="monthly",
        interval="2",
        weekdays=None,
        month_week="-1",
        month_weekday="FR",
        ends="count",
        until="",
        count="3",
        registration_mode="whole_series",
        starts_at="2027-01-01T11:00",
        ends_at="2027-01-01T13:00",
        action="save",
    )
    response = client.post("/staff/series/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        series = db.session.execute(select(Series)).scalar_one()
        assert series.rrule == "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR;COUNT=3"
        assert series.is_whole_series
        starts = db.session.execute(select(Event.starts_at).order_by(Event.starts_at)).scalars()
        assert [s.date() for s in starts] == [
            date(2027, 1, 29),
            date(2027, 3, 26),
            date(2027, 5, 28),
        ]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Every 2 months on the last Friday of the month; 3 times" in page
    assert "For the whole course at once" in page


@pytest.mark.parametrize("action", ["preview", "save"])
@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"weekdays": None}, "weekdays", "Choose at least one day of the week."),
        ({"weekdays": ["XX"]}, "weekdays", "not a valid choice"),
        ({"interval": "0"}, "interval", "Give a number from 1 to 52."),
        ({"interval": "x"}, "interval", "Not a valid integer value."),
        ({"until": ""}, "until", "Give the last date."),
        ({"until": "30.12.2026"}, "until", "Not a valid date value."),
        ({"ends": "count", "count": "0"}, "count", "Give a number from 1 to 200."),
        ({"ends": "count", "count": "201"}, "count", "Give a number from 1 to 200."),
        ({"ends": "never"}, "ends", "Not a valid choice."),
        ({"frequency": "daily"}, "frequency", "Not a valid choice."),
        ({"until": "2026-11-30"}, "frequency", "This rule yields no date."),
        (
            {"weekdays": ["MO", "TU", "WE", "TH", "FR"], "until": "2027-12-31"},
            "frequency",
            "This rule yields more than 200 dates; end it sooner.",
        ),
        (
            {"starts_at": "2026-12-16T15:00", "ends_at": "2026-12-16T16:30", "until": "2026-12-16"},
            "frequency",
            "Every date of this rule falls on a public holiday or a closed day.",
        ),
        ({"title": ""}, "title", "This field is required."),
        ({"ends_at": "2026-12-02T14:00"}, "ends_at", "The event must end after it starts."),
        ({"capacity": "41"}, "capacity", "The room holds 40 people at most."),
        ({"venue_id": "{foreign}"}, "venue_id", "Not a valid choice."),
        ({"registration_mode": "sometimes"}, "registration_mode", "Not a valid choice."),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_nothing_is_stored(
    app, client, staff_branches, changes, field, message, action
):
    changes = {
        key: value.format(**staff_branches) if isinstance(value, str) else value
        for key, value in changes.items()
    }
    response = client.post(
        "/staff/series/new", data=series_form(staff_branches, action=action, **changes)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in field_error(page, field)
    assert f'aria-describedby="{field}-error"' in page or f'{field}-hint {field}-error"' in page
    assert 'id="preview-dates"' not in page
    with app.app_context():
        assert stored() == (0, 0)


@pytest.mark.parametrize("action", ["preview", "save"])
def test_a_room_clash_names_the_date_and_the_event(app, client, staff_branches, action):
    with app.app_context():
        make_event(
            db.session.get(Branch, staff_branches["branch"]),
            db.session.get(Venue, staff_branches["hall"]),
            title="Күй кеші",
            starts_at=datetime(2026, 12, 23, 10, 30, tzinfo=UTC),
        )
        db.session.commit()
    response = client.post("/staff/series/new", data=series_form(staff_branches, action=action))
    assert response.status_code == 422
    message = field_error(response.get_data(as_text=True), "starts_at")
    assert "On December 23, 2026 the room is taken by “Күй кеші”." in message
    with app.app_context():
        assert stored() == (0, 1)


def test_another_branch_cannot_be_chosen(app, client, staff_branches):
    response = client.post(
        "/staff/series/new",
        data=series_form(
            staff_branches, branch_id=staff_branches["other"], venue_id=staff_branches["foreign"]
        ),
    )
    assert response.status_code == 422
    assert "Not a valid choice" in field_error(response.get_data(as_text=True), "branch_id")
    with app.app_context():
        assert stored() == (0, 0)


def test_another_branch_series_is_refused_and_unknown_ids_are_404(app, client, staff_branches):
    client.post("/staff/series/new", data=series_form(staff_branches, action="save"))
    with app.app_context():
        series_id = db.session.execute(select(Series.id)).scalar_one()
    log_in(client, staff_branches["other_staff"])
    for method, path in (
        ("GET", f"/staff/series/{series_id}"),
        ("GET", f"/staff/series/{series_id}/cancel"),
        ("POST", f"/staff/series/{series_id}/cancel"),
    ):
        assert client.open(path, method=method).status_code == 403
    with app.app_context():
        assert (
            db.session.execute(
                select(func.count(Event.id)).where(Event.status == "scheduled")
            ).scalar_one()
            == 4
        )
    for method, path in (
        ("GET", "/staff/series/987654"),
        ("GET", "/staff/series/987654/cancel"),
        ("POST", "/staff/series/987654/cancel"),
    ):
        assert client.open(path, method=method).status_code == 404


def test_cancelling_the_upcoming_dates_asks_first_and_tells_registrants(
    app, client, staff_branches
):
    client.post("/staff/series/new", data=series_form(staff_branches, action="save"))
    with app.app_context():
        series_id = db.session.execute(select(Series.id)).scalar_one()
        events = db.session.execute(select(Event).order_by(Event.starts_at)).scalars().all()
        for event in events:
            make_registration(event.id, "Айгерім", seats=2)
        db.session.commit()
    page = client.get(f"/staff/series/{series_id}").get_data(as_text=True)
    zone = page.split('<section class="danger-zone"', 1)[1]  # below the dates, styled apart
    assert page.index("danger-zone") > page.index('id="series-dates"')
    assert f'class="button button-danger" href="/staff/series/{series_id}/cancel"' in zone
    page = client.get(f"/staff/series/{series_id}/cancel").get_data(as_text=True)
    assert "4 upcoming dates will be cancelled:" in page and page.count("2 seats taken") == 4
    with app.app_context():
        assert db.session.execute(select(func.count(OutboxMessage.id))).scalar_one() == 0
    response = client.post(f"/staff/series/{series_id}/cancel")
    assert response.headers["Location"] == f"/staff/series/{series_id}"
    with app.app_context():
        events = db.session.execute(select(Event)).scalars().all()
        assert {(e.status, e.sequence) for e in events} == {("cancelled", 1)}
        kinds = db.session.execute(select(OutboxMessage.kind)).scalars().all()
        assert kinds == ["event_cancelled"] * 4
    page = client.get(f"/staff/series/{series_id}").get_data(as_text=True)
    assert page.count("badge-cancelled") == 4 and "Cancel all upcoming dates</a>" not in page
    again = client.post(f"/staff/series/{series_id}/cancel", follow_redirects=True)
    assert "There was no upcoming date to cancel." in again.get_data(as_text=True)

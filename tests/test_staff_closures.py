"""A branch's closed days on the staff pages: list, add (a range or a repeating day), delete, the
events already planned on those days listed as a warning, and single events refused on them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from dateutil.rrule import FR, MONTHLY, rrule
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Branch, Closure, Event, Venue
from calendar_app.timeutil import local_to_utc, to_local, utcnow
from tests.factories import make_event
from tests.staff_support import event_form, log_in, make_staff

ZONE = "Asia/Almaty"


def local_day(days_ahead: int) -> date:
    return to_local(utcnow(), ZONE).date() + timedelta(days=days_ahead)


def last_friday_after(day: date) -> date:
    """The first last-Friday-of-a-month on or after ``day``."""
    return rrule(MONTHLY, byweekday=FR(-1), dtstart=datetime.combine(day, time.min))[0].date()


def plan(staff_branches: dict, day: date, title: str) -> int:
    branch = db.session.get(Branch, staff_branches["branch"])
    start = local_to_utc(datetime.combine(day, time(15, 0)), ZONE)
    return make_event(
        branch, db.session.get(Venue, staff_branches["hall"]), title=title, starts_at=start
    ).id


def closure_form(**changes) -> dict:
    data = {
        "kind": "range",
        "start": "",
        "end": "",
        "frequency": "weekly",
        "interval": "1",
        "month_week": "1",
        "month_weekday": "MO",
        "reason": "Санитарлық күн",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def closure_count() -> int:
    return db.session.execute(select(func.count(Closure.id))).scalar_one()


def test_adding_a_range_lists_it_and_warns_of_the_events_on_those_days(app, client, staff_branches):
    first, last = local_day(10), local_day(12)
    with app.app_context():
        inside = plan(staff_branches, local_day(11), "Абай оқулары")
        plan(staff_branches, local_day(13), "Күй кеші")
        db.session.commit()
    path = f"/staff/branches/{staff_branches['branch']}/closures"
    response = client.post(path, data=closure_form(start=first.isoformat(), end=last.isoformat()))
    assert response.status_code == 302
    with app.app_context():
        closure = db.session.execute(select(Closure)).scalar_one()
        assert (closure.start_date, closure.end_date, closure.rrule) == (first, last, None)
        assert closure.reason == "Санитарлық күн"
    assert response.headers["Location"] == f"{path}?added={closure.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    warning = page.split('id="closure-conflicts"', 1)[1].split("</ul>", 1)[0]
    assert "Абай оқулары" in warning and "Күй кеші" not in warning
    assert f'href="/staff/events/{inside}/roster"' in warning
    assert "1 planned event falls on these days" in page
    assert "Санитарлық күн" in page
    # The events are not changed; the plain list no longer warns.
    with app.app_context():
        assert db.session.get(Event, inside).status == "scheduled"
    assert 'id="closure-conflicts"' not in client.get(path).get_data(as_text=True)


def test_adding_a_monthly_sanitary_day_through_the_builder(app, client, staff_branches):
    friday = last_friday_after(local_day(1))
    with app.app_context():
        plan(staff_branches, friday, "Ертегілер әлемі")
        db.session.commit()
    path = f"/staff/branches/{staff_branches['branch']}/closures"
    data = closure_form(kind="rule", frequency="monthly", month_week="-1", month_weekday="FR")
    response = client.post(path, data=data, follow_redirects=True)
    page = response.get_data(as_text=True)
    with app.app_context():
        closure = db.session.execute(select(Closure)).scalar_one()
        assert closure.rrule == "FREQ=MONTHLY;BYDAY=-1FR" and closure.end_date is None
        assert closure.start_date == to_local(utcnow(), ZONE).date()
    assert "Every month on the last Friday of the month; from " in page
    assert "Ертегілер әлемі" in page.split('id="closure-conflicts"', 1)[1].split("</ul>", 1)[0]
    russian = client.get(f"{path}?lang=ru").get_data(as_text=True)
    assert "Каждый месяц: пятница в последние 7 дней месяца" in russian


def test_a_weekly_closure_from_a_given_day(app, client, staff_branches):
    start = local_day(3)
    data = closure_form(
        kind="rule", frequency="weekly", weekdays=["MO", "SU"], start=start.isoformat()
    )
    assert (
        client.post(f"/staff/branches/{staff_branches['branch']}/closures", data=data).status_code
        == 302
    )
    with app.app_context():
        closure = db.session.execute(select(Closure)).scalar_one()
        assert (closure.rrule, closure.start_date) == ("FREQ=WEEKLY;BYDAY=MO,SU", start)


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({}, "start", "Give a date."),
        ({}, "end", "Give a date."),
        ({"start": "2026-12-10", "end": ""}, "end", "Give a date."),
        ({"start": "2026-12-10", "end": "2026-12-09"}, "end", "must not be before the start"),
        ({"start": "2026-01-01", "end": "2027-01-02"}, "end", "a year at most"),
        ({"start": "10.12.2026"}, "start", "Not a valid date value."),
        ({"kind": "rule"}, "weekdays", "Choose at least one day of the week."),
        ({"kind": "rule", "weekdays": ["FR"], "interval": "99"}, "interval", "from 1 to 52"),
        ({"kind": "sometimes"}, "kind", "Not a valid choice."),
        ({"start": "2026-12-10", "end": "2026-12-10", "reason": "x" * 301}, "reason", "300"),
    ],
)
def test_bad_input_is_shown_beside_its_field_and_nothing_is_stored(
    app, client, staff_branches, changes, field, message
):
    response = client.post(
        f"/staff/branches/{staff_branches['branch']}/closures", data=closure_form(**changes)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    with app.app_context():
        assert closure_count() == 0


def test_deleting_a_closure(app, client, staff_branches):
    path = f"/staff/branches/{staff_branches['branch']}/closures"
    client.post(path, data=closure_form(start="2026-12-10", end="2026-12-11"))
    with app.app_context():
        closure_id = db.session.execute(select(Closure.id)).scalar_one()
    page = client.get(path).get_data(as_text=True)
    assert f'action="/staff/closures/{closure_id}/delete"' in page
    response = client.post(f"/staff/closures/{closure_id}/delete")
    assert response.headers["Location"] == path
    with app.app_context():
        assert closure_count() == 0
    assert "No closed days yet." in client.get(path).get_data(as_text=True)
    assert client.post(f"/staff/closures/{closure_id}/delete").status_code == 404


def test_other_branches_are_refused_and_admins_may(app, client, staff_branches):
    path = f"/staff/branches/{staff_branches['branch']}/closures"
    client.post(path, data=closure_form(start="2026-12-10", end="2026-12-10"))
    with app.app_context():
        closure_id = db.session.execute(select(Closure.id)).scalar_one()
        admin = make_staff("admin@example.kz", is_admin=True).get_id()
        db.session.commit()
    log_in(client, staff_branches["other_staff"])
    assert client.get(path).status_code == 403
    data = closure_form(start="2026-12-20", end="2026-12-21")
    assert client.post(path, data=data).status_code == 403
    assert client.post(f"/staff/closures/{closure_id}/delete").status_code == 403
    assert client.get("/staff/branches/987654/closures").status_code == 404
    assert client.post("/staff/closures/987654/delete").status_code == 404
    with app.app_context():
        assert closure_count() == 1
    log_in(client, admin)
    assert client.get(path).status_code == 200
    assert client.post(path, data=data).status_code == 302
    with app.app_context():
        assert closure_count() == 2


def test_a_single_event_on_a_closed_day_is_refused_on_the_event_form(app, client, staff_branches):
    closed = local_day(20)
    client.post(
        f"/staff/branches/{staff_branches['branch']}/closures",
        data=closure_form(start=closed.isoformat(), end=closed.isoformat(), reason="Ремонт"),
    )
    data = event_form(
        staff_branches, starts_at=f"{closed}T15:00", ends_at=f"{closed}T16:30", title="Домбыра күні"
    )
    response = client.post("/staff/events/new", data=data)
    assert response.status_code == 422
    error = response.get_data(as_text=True).split('id="starts_at-error">', 1)[1].split("</p>")[0]
    assert "The branch is closed on" in error and "Ремонт" in error
    with app.app_context():
        assert db.session.execute(select(func.count(Event.id))).scalar_one() == 0
    # The day before is open; moving the event onto the closed day is refused as well.
    day_before = closed - timedelta(days=1)
    data |= {"starts_at": f"{day_before}T15:00", "ends_at": f"{day_before}T16:30"}
    response = client.post("/staff/events/new", data=data)
    assert response.status_code == 302
    event_path = response.headers["Location"].replace("/roster", "/edit")
    data |= {"starts_at": f"{closed}T15:00", "ends_at": f"{closed}T16:30"}
    assert client.post(event_path, data=data).status_code == 422
    with app.app_context():
        event = db.session.execute(select(Event)).scalar_one()
        assert to_local(event.starts_at, ZONE).date() == day_before

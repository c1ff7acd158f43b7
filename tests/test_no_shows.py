"""The no-show history: twelve months, kept through the purge as a keyed HMAC; NO_SHOW_LIMIT."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import Branch, Registration
from calendar_app.security import address_digest
from calendar_app.services import no_shows, registrations
from calendar_app.services.errors import Conflict
from calendar_app.services.personal_data import purge_personal_data
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_registration
from tests.staff_support import log_in, make_staff

DAY = timedelta(days=1)
MISSING = "often.away@example.kz"
FAITHFUL = "always.there@example.kz"


def past_event(branch, days_ago: int, **fields):
    starts = utcnow() - days_ago * DAY
    return make_event(branch, starts_at=starts, now=starts - 7 * DAY, **fields)


@pytest.fixture
def history(app):
    with app.app_context():
        branch = make_branch("history", name="History library")
        came = {"checked_in_at": utcnow() - DAY}
        # Three events within the year where the door checked people in: two no-shows of MISSING.
        for days_ago in (20, 100, 300):
            event = past_event(branch, days_ago)
            make_registration(event.id, "Door", **came)
            make_registration(event.id, "Faithful", email=FAITHFUL, **came)
            status = "cancelled" if days_ago == 300 else "confirmed"  # cancelled in time: fine
            make_registration(event.id, "Missing", email=MISSING, status=status)
        unchecked = past_event(branch, 50)  # nobody was checked in: the door did not count
        make_registration(unchecked.id, "Missing", email=MISSING)
        old = past_event(branch, 400)  # longer ago than twelve months
        make_registration(old.id, "Door", **came)
        make_registration(old.id, "Missing", email=MISSING.upper())
        coming = make_event(branch, starts_at=utcnow() + 7 * DAY, now=utcnow(), capacity=10)
        make_registration(coming.id, "Missing", email=MISSING)
        make_registration(coming.id, "Faithful", email=FAITHFUL)
        staff = make_staff("history@example.kz", branches=[branch])
        db.session.commit()
        return {"branch": branch.id, "coming": coming.id, "old": old.id, "staff": staff.get_id()}


def test_twelve_months_of_no_shows_survive_the_purge(app, history):
    with app.app_context():
        now = utcnow()
        assert no_shows.counts([MISSING, FAITHFUL, "new@example.kz"], now) == {MISSING: 2}
        purge_personal_data(now, timedelta(days=10))
        db.session.commit()
        assert no_shows.counts([MISSING, FAITHFUL], now) == {MISSING: 2}
        digests = db.session.execute(
            select(Registration.address_digest).where(Registration.address_digest.is_not(None))
        ).scalars()
        assert set(digests) == {address_digest(MISSING)}  # only no-shows, only within the year
        assert address_digest(MISSING) != address_digest(FAITHFUL)
        assert purge_personal_data(now, timedelta(days=10)) == 0  # idempotent
        db.session.commit()
        assert no_shows.counts([MISSING], now + 280 * DAY) == {MISSING: 1}  # the window moves on


def test_the_roster_says_how_often_a_party_did_not_come(app, client, history):
    log_in(client, history["staff"])
    page = client.get(f"/staff/events/{history['coming']}/roster?lang=en").get_data(as_text=True)
    assert page.count("2 no-shows in the last 12 months") == 1
    page = client.get(f"/staff/events/{history['coming']}/roster?lang=ru").get_data(as_text=True)
    assert "2 неявки за последние 12 месяцев" in page


def register(event_id: int, email: str, source: str = "web"):
    return registrations.register(
        event_id,
        name="Visitor",
        email=email,
        seats=1,
        language="kk",
        source=source,
        now=utcnow(),
        notify=False,
    )


@pytest.mark.parametrize("app_config", [{"NO_SHOW_LIMIT": 2}])
def test_the_limit_refuses_online_registration_at_the_limit(app, client, history):
    with app.app_context():
        branch = db.session.get(Branch, history["branch"])
        event = make_event(branch, starts_at=utcnow() + 3 * DAY, now=utcnow())
        db.session.commit()
        with pytest.raises(Conflict, match="did not come 2 times"):
            register(event.id, MISSING.upper())
        db.session.rollback()
        assert register(event.id, FAITHFUL).status == "confirmed"
        db.session.commit()
        event_id = event.id
    response = client.post(
        f"/api/v1/events/{event_id}/registrations",
        json={"name": "Visitor", "email": MISSING, "seats": 1},
    )
    assert response.status_code == 409 and "did not come" in response.get_json()["error"]


@pytest.mark.parametrize("app_config", [{"NO_SHOW_LIMIT": 3}])
def test_below_the_limit_registration_goes_on(app, history):
    with app.app_context():
        event = make_event(starts_at=utcnow() + 3 * DAY, now=utcnow())
        assert register(event.id, MISSING).status == "confirmed"

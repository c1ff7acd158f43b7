"""The no-show history: twelve months, kept through the purge as a keyed HMAC; NO_SHOW_LIMIT."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Branch, OutboxMessage, Registration
from calendar_app.security import address_digest
from calendar_app.services import no_shows, registrations
from calendar_app.services.personal_data import purge_personal_data
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_registration
from tests.mail_support import rendered
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


def api_register(client, event_id: int, email: str, language: str = "en"):
    return client.post(
        f"/api/v1/events/{event_id}/registrations",
        json={"name": "Visitor", "email": email, "seats": 1, "language": language},
    )


def mails_to(address: str, kind: str) -> list[OutboxMessage]:
    return rendered(
        db.session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.to_address == address, OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        ).scalars()
    )


def status_of(event_id: int, address: str) -> tuple[str, bool]:
    db.session.expire_all()
    row = db.session.execute(
        select(Registration).where(Registration.event_id == event_id, Registration.email == address)
    ).scalar_one()
    return row.status, row.standby


def standby_ends(now) -> str:
    """When MISSING drops below a limit of 2: its older no-show (100 days ago) leaves the year."""
    return (now - 100 * DAY + timedelta(minutes=90) + no_shows.WINDOW).date().isoformat()


@pytest.mark.parametrize("app_config", [{"NO_SHOW_LIMIT": 2}])
def test_the_limit_puts_the_address_on_standby_with_a_mail_saying_why_and_until_when(
    app, client, history
):
    with app.app_context():
        branch = db.session.get(Branch, history["branch"])
        events = {
            language: make_event(branch, starts_at=utcnow() + 3 * DAY, now=utcnow(), capacity=5)
            for language in ("en", "kk", "ru")
        }
        db.session.commit()
        ids = {language: event.id for language, event in events.items()}
    for language, event_id in ids.items():
        response = api_register(client, event_id, MISSING, language)
        assert response.status_code == 201
        assert response.get_json()["status"] == "waitlisted"
        assert response.get_json()["waitlist_position"] == 1
        # Free seats are not held up by the party on standby: the next visitor is confirmed.
        response = api_register(client, event_id, FAITHFUL, language)
        assert response.get_json()["status"] == "confirmed"
    with app.app_context():
        expected = {
            "en": ("did not come 2 times in the last 12 months", "behind everyone else"),
            "kk": ("соңғы 12 айда 2 рет", "бәрінен кейін"),
            "ru": ("за последние 12 месяцев 2 раза", "после всех остальных"),
        }
        sent = mails_to(MISSING, "waitlisted")
        assert [mail.language for mail in sent] == ["en", "kk", "ru"]
        for mail in sent:
            for fragment in expected[mail.language]:
                assert fragment in mail.body_text, (mail.language, mail.body_text)
        english = sent[0].body_text
        until = standby_ends(utcnow())
        assert until[:4] in english  # the year the limit lifts
        assert not mails_to(MISSING, "registered")


@pytest.mark.parametrize("app_config", [{"NO_SHOW_LIMIT": 2}])
def test_standby_parties_wait_behind_the_queue_and_are_seated_at_the_release(app, client, history):
    with app.app_context():
        event = make_event(
            db.session.get(Branch, history["branch"]),
            starts_at=utcnow() + 3 * DAY,
            now=utcnow(),
            capacity=2,
        )
        first = make_registration(event.id, "First", email="first@example.kz")
        db.session.commit()
        event_id, starts_at, first_id = event.id, event.starts_at, first.id
    standby = api_register(client, event_id, MISSING).get_json()
    seated = api_register(client, event_id, "second@example.kz").get_json()
    assert (standby["status"], seated["status"]) == ("waitlisted", "confirmed")
    late = api_register(client, event_id, "third@example.kz").get_json()
    assert late["status"] == "waitlisted" and late["waitlist_position"] == 1
    manage = client.get(f"/r/{standby['token']}?lang=en").get_data(as_text=True)
    assert "you wait behind everyone else" in manage
    assert (
        client.get(f"/api/v1/registrations/{standby['token']}").get_json()["waitlist_position"] == 2
    )
    with app.app_context():
        # A seat frees up before the release: it goes to the regular queue, not to the standby.
        registrations.cancel(db.session.get(Registration, first_id), utcnow())
        db.session.commit()
        assert status_of(event_id, "third@example.kz")[0] == "confirmed"
        assert status_of(event_id, MISSING) == ("waitlisted", True)
    runner = app.test_cli_runner()
    before = (starts_at - timedelta(hours=25)).isoformat()
    assert (
        "0 parties on standby seated"
        in runner.invoke(args=["send-reminders", "--now", before]).output
    )
    with app.app_context():
        registrations.cancel(
            db.session.execute(
                select(Registration).where(Registration.email == "second@example.kz")
            ).scalar_one(),
            utcnow(),
        )
        db.session.commit()
        assert status_of(event_id, MISSING) == (
            "waitlisted",
            True,
        )  # the seat waits for the release
    at_release = (starts_at - timedelta(hours=23)).isoformat()
    output = runner.invoke(args=["send-reminders", "--now", at_release]).output
    assert "1 parties on standby seated" in output
    assert (
        "0 parties on standby seated"
        in runner.invoke(args=["send-reminders", "--now", at_release]).output
    )
    with app.app_context():
        assert status_of(event_id, MISSING)[0] == "confirmed"
        assert len(mails_to(MISSING, "promoted")) == 1


@pytest.mark.parametrize("app_config", [{"NO_SHOW_LIMIT": 2}])
def test_after_the_release_or_without_a_waitlist(app, client, history):
    with app.app_context():
        branch = db.session.get(Branch, history["branch"])
        soon = make_event(branch, starts_at=utcnow() + timedelta(hours=5), now=utcnow())
        asks = make_event(
            branch, starts_at=utcnow() + 3 * DAY, now=utcnow(), confirm_attendance_hours=80
        )
        closed = make_event(
            branch, starts_at=utcnow() + 3 * DAY, now=utcnow(), waitlist_enabled=False
        )
        db.session.commit()
        ids = (soon.id, asks.id, closed.id)
    # Within the last day, or past the attendance deadline, seats nobody wants are given.
    assert api_register(client, ids[0], MISSING).get_json()["status"] == "confirmed"
    assert api_register(client, ids[1], MISSING).get_json()["status"] == "confirmed"
    response = api_register(client, ids[2], MISSING)
    assert response.status_code == 409
    assert "cannot register online for this event until" in response.get_json()["error"]
    with app.app_context():
        assert (
            db.session.execute(
                select(func.count(Registration.id)).where(Registration.event_id == ids[2])
            ).scalar_one()
            == 0
        )
        # Staff seat a walk-in whatever the history.
        assert register(ids[2], MISSING, source="walk_in").status == "confirmed"


@pytest.mark.parametrize("app_config", [{"NO_SHOW_LIMIT": 3}])
def test_below_the_limit_registration_goes_on(app, history):
    with app.app_context():
        event = make_event(starts_at=utcnow() + 3 * DAY, now=utcnow())
        assert register(event.id, MISSING).status == "confirmed"

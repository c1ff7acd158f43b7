"""A visitor erases a registration's name and address after the event; what they are told."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import OutboxMessage, Registration
from calendar_app.security import address_digest
from calendar_app.services import mail, no_shows
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_registration

DAY = timedelta(days=1)
PAST = "past-event-token-0123456789"
NO_SHOW = "no-show-token-0123456789abc"
FUTURE = "future-event-token-0123456"
ADDRESS = "aigerim@example.kz"


@pytest.fixture
def parties(app):
    with app.app_context():
        now = utcnow()
        branch = make_branch("erasure", name="Erasure library")
        past = make_event(branch, starts_at=now - 3 * DAY, now=now - 10 * DAY)
        came = make_registration(
            past.id, "Айгерім", email=ADDRESS, token=PAST, checked_in_at=now - 3 * DAY
        )
        make_registration(past.id, "Absent", email="absent@example.kz", token=NO_SHOW)
        mail.enqueue(mail.REGISTERED, came, now - 10 * DAY).status = "sent"
        coming = make_event(branch, starts_at=now + 3 * DAY, now=now)
        make_registration(coming.id, "Future", email="future@example.kz", token=FUTURE)
        db.session.commit()
        return {"past": past.id, "coming": coming.id}


def row(token_name: str) -> Registration:
    db.session.expire_all()
    return db.session.execute(
        select(Registration).where(Registration.name == token_name)
    ).scalar_one_or_none()


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_after_the_event_the_visitor_removes_name_and_address(app, client, parties):
    manage = client.get(f"/r/{PAST}?lang=en").get_data(as_text=True)
    assert f"/r/{PAST}/erase" in manage and "removes them 365 days after the event" in manage
    assert "checkin-code" not in manage  # no door code once the event is over
    page = client.get(f"/r/{PAST}/erase?lang=en")
    assert page.status_code == 200 and "Remove your name and address?" in page.get_data(
        as_text=True
    )
    assert page.headers["Cache-Control"] == "private, no-store"
    # Without the form's token nothing happens.
    assert client.post(f"/r/{PAST}/erase", data={}).status_code == 400
    with app.app_context():
        assert row("Айгерім").email == ADDRESS
    response = client.post(
        f"/r/{PAST}/erase?lang=en", data={"csrf_token": csrf_of(page.get_data(as_text=True))}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/r/{PAST}")
    with app.app_context():
        erased = (
            db.session.execute(
                select(Registration)
                .where(Registration.event_id == parties["past"])
                .order_by(Registration.id)
            )
            .scalars()
            .first()
        )
        assert (erased.name, erased.email, erased.email_normalized) == (None, None, None)
        assert (erased.status, erased.seats, erased.checked_in_at is not None) == (
            "confirmed",
            1,
            True,
        )
        assert (
            db.session.execute(
                select(func.count(OutboxMessage.id)).where(
                    OutboxMessage.registration_id == erased.id
                )
            ).scalar_one()
            == 0
        )
        assert row("Absent").email == "absent@example.kz"  # the other party keeps its own
    manage = client.get(f"/r/{PAST}?lang=en").get_data(as_text=True)
    assert "Your name and address have been removed" in manage
    assert "Name removed" in manage and f"/r/{PAST}/erase" not in manage
    # Again: told so, nothing changes.
    again = client.get(f"/r/{PAST}/erase?lang=en", follow_redirects=True)
    assert "have already been removed" in again.get_data(as_text=True)


def test_a_no_show_stays_counted_after_erasure(app, client, parties):
    with app.app_context():
        assert no_shows.counts(["absent@example.kz"], utcnow()) == {"absent@example.kz": 1}
    assert client.post(f"/r/{NO_SHOW}/erase").status_code == 303
    with app.app_context():
        erased = db.session.execute(
            select(Registration).where(
                Registration.address_digest == address_digest("absent@example.kz")
            )
        ).scalar_one()
        assert erased.email is None and erased.name is None
        assert no_shows.counts(["absent@example.kz"], utcnow()) == {"absent@example.kz": 1}


def test_before_the_event_or_unknown_nothing_is_erased(app, client, parties):
    manage = client.get(f"/r/{FUTURE}?lang=en").get_data(as_text=True)
    assert f"/r/{FUTURE}/erase" not in manage
    for response in (client.get(f"/r/{FUTURE}/erase"), client.post(f"/r/{FUTURE}/erase")):
        assert response.status_code == 303
    told = client.post(f"/r/{FUTURE}/erase?lang=en", follow_redirects=True)
    assert "once the event is over" in told.get_data(as_text=True)
    with app.app_context():
        assert row("Future").email == "future@example.kz"
    for token in ("unknown-token-that-is-long", "x" * 300, "%00%0a" * 10):
        assert client.get(f"/r/{token}/erase").status_code == 404
        assert client.post(f"/r/{token}/erase").status_code == 404


def test_the_registration_form_says_what_is_kept_and_for_how_long(client, parties):
    for language, words in (
        ("en", "removes them 365 days after the event"),
        ("kk", "365 күн өткен соң өшіреді"),
        ("ru", "удаляет их через 365 дней после мероприятия"),
    ):
        page = client.get(f"/events/{parties['coming']}?lang={language}").get_data(as_text=True)
        assert words in page, language


# The setting changes under a running app here; a server reads it once, at start.
@pytest.mark.parametrize("app_config", [{"PAGE_CACHE_BYTES": 0}])
def test_the_retention_period_is_said_with_the_right_plural(app, client, parties):
    for days, en, ru in (
        (1, "1 day after", "через 1 день после"),
        (22, "22 days", "через 22 дня"),
        (25, "25 days", "через 25 дней"),
    ):
        app.config["PERSONAL_DATA_RETENTION_DAYS"] = days
        url = f"/events/{parties['coming']}"
        assert en in client.get(f"{url}?lang=en").get_data(as_text=True)
        assert ru in client.get(f"{url}?lang=ru").get_data(as_text=True)

"""Attendance confirmation: ask before the deadline, confirm, give the seats of the silent away."""

from __future__ import annotations

import re
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import Event, OutboxMessage, Registration, StaffUser
from calendar_app.services import attendance_confirmation as confirmation
from calendar_app.services import mail, registrations
from calendar_app.services.errors import Conflict
from calendar_app.services.reminders import queue_reminders
from calendar_app.timeutil import utcnow
from tests.factories import NOW, make_event
from tests.mail_support import KAZAKH_TITLE, kazakh_event, make_registration, rendered
from tests.staff_api_support import bearer, build_world
from tests.staff_support import log_in

HOUR = timedelta(hours=1)
# Starts in two days; the deadline to confirm is a day before, at NOW + 24 h.
STARTS = NOW + 48 * HOUR
DEADLINE = NOW + 24 * HOUR


def mails(kind: str) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    return rendered(list(db.session.execute(query).scalars()))


def run(now: datetime, within: timedelta = 24 * HOUR) -> tuple[int, list[Registration]]:
    """What ``send-reminders`` does, committed."""
    queue_reminders(now, within)
    asked = confirmation.ask_for_confirmation(now, within)
    cancelled = confirmation.cancel_unconfirmed(now)
    db.session.commit()
    return asked, cancelled


def fresh(registration: Registration) -> Registration:
    db.session.expire_all()
    return db.session.get(Registration, registration.id)


@pytest.fixture
def event(ctx) -> Event:
    return kazakh_event(starts_at=STARTS, capacity=4, confirm_attendance_hours=24)


def test_the_ask_goes_out_near_the_deadline_not_the_start_once_per_party(event):
    result = registrations.register(
        event.id,
        name="Әлия",
        email="aliya@example.kz",
        seats=2,
        language="kk",
        source="web",
        now=NOW,
        notify=False,
    )
    confirmed, token = result.registration, result.token
    make_registration(event, status="waitlisted")
    make_registration(event, status="cancelled")
    plain = make_event(starts_at=NOW + 10 * HOUR)
    reminded, _token = make_registration(plain)
    db.session.commit()

    assert run(NOW + 10 * HOUR, within=12 * HOUR) == (0, [])  # the deadline is 14 h away
    assert run(NOW, within=26 * HOUR) == (1, [])
    assert [m.registration_id for m in mails(mail.REMINDER)] == [reminded.id]
    [ask] = mails(mail.ATTENDANCE_CHECK)
    assert (
        ask.registration_id == confirmed.id and ask.dedupe_key == f"attendance-ask:{confirmed.id}"
    )
    assert ask.subject == f"Келетініңізді растаңыз: {KAZAKH_TITLE}"
    assert f"/r/{token}/confirm" in ask.body_text and f"/r/{token}/cancel" in ask.body_text
    assert f"/r/{token}/confirm" in ask.body_html
    assert fresh(confirmed).attendance_asked_at == NOW
    assert db.session.get(Event, event.id).attendance_asked_at == NOW
    for hours in (1, 2, 23):  # however often the job runs before the deadline
        assert run(NOW + hours * HOUR) == (0, [])
    assert len(mails(mail.ATTENDANCE_CHECK)) == 1 and len(mails(mail.REMINDER)) == 1


def test_the_deadline_cancels_exactly_the_silent_and_promotes_the_waitlist_in_order(event):
    coming, _token = make_registration(event, seats=2)
    silent, _token = make_registration(event, seats=1, language="ru")
    leaving, _token = make_registration(event, seats=1)
    first, _token = make_registration(event, seats=2, status="waitlisted")
    second, _token = make_registration(event, seats=1, status="waitlisted")
    db.session.commit()
    assert run(NOW) == (3, [])

    confirmation.confirm(coming, NOW + HOUR)
    registrations.cancel(leaving, NOW + 2 * HOUR)  # one seat free: the head of the queue needs 2
    db.session.commit()
    assert fresh(first).status == "waitlisted"
    assert run(DEADLINE - timedelta(seconds=1)) == (0, [])  # not yet

    asked, cancelled = run(DEADLINE)
    assert asked == 0 and [r.id for r in cancelled] == [silent.id]
    statuses = {r.id: fresh(r).status for r in (coming, silent, leaving, first, second)}
    assert statuses == {
        coming.id: "confirmed",
        silent.id: "cancelled",
        leaving.id: "cancelled",
        first.id: "confirmed",  # promoted in order into the two freed seats
        second.id: "waitlisted",
    }
    [lapsed] = mails(mail.ATTENDANCE_LAPSED)
    assert lapsed.registration_id == silent.id and lapsed.language == "ru"
    assert lapsed.subject.startswith("Участие не подтверждено")
    assert (
        f"/events/{event.id}" in lapsed.body_text and "Зарегистрироваться снова" in lapsed.body_text
    )
    assert [m.registration_id for m in mails(mail.PROMOTED)] == [first.id]
    # Promoted after the ask: not asked, counted as confirmed, never cancelled by a later run.
    assert confirmation.is_confirmed(fresh(first)) and confirmation.is_confirmed(fresh(coming))
    assert not confirmation.is_confirmed(fresh(second))
    assert run(DEADLINE + HOUR) == (0, [])
    assert len(mails(mail.ATTENDANCE_LAPSED)) == 1 and len(mails(mail.ATTENDANCE_CHECK)) == 3


@pytest.mark.parametrize(
    "language,subject,words",
    [
        ("kk", "Келуіңіз расталмады", "Қайта тіркелу"),
        ("ru", "Участие не подтверждено", "Зарегистрироваться снова"),
        ("en", "Not confirmed, your seats have gone to others", "Register again"),
    ],
)
def test_the_mails_speak_the_party_s_language(event, language, subject, words):
    party, _token = make_registration(event, language=language)
    db.session.commit()
    run(NOW)
    run(DEADLINE)
    [ask] = mails(mail.ATTENDANCE_CHECK)
    [lapsed] = mails(mail.ATTENDANCE_LAPSED)
    assert ask.language == lapsed.language == language and ask.to_address == party.email
    assert lapsed.subject.startswith(subject) and words in lapsed.body_html


def test_confirming_refuses_the_waiting_the_cancelled_and_the_late(event):
    asked, _token = make_registration(event)
    waiting, _token = make_registration(event, status="waitlisted")
    gone, _token = make_registration(event, status="cancelled")
    db.session.commit()
    run(NOW)
    for registration, words in ((waiting, "waitlist"), (gone, "cancelled")):
        with pytest.raises(Conflict, match=words):
            confirmation.confirm(registration, NOW)
        db.session.rollback()
    with pytest.raises(Conflict, match="Too late"):
        confirmation.confirm(asked, DEADLINE)
    db.session.rollback()
    assert fresh(asked).attendance_confirmed_at is None
    confirmation.confirm(asked, DEADLINE - HOUR)
    confirmation.confirm(asked, DEADLINE - HOUR / 2)  # twice changes nothing
    db.session.commit()
    assert fresh(asked).attendance_confirmed_at == DEADLINE - HOUR
    assert confirmation.confirmation_problem(fresh(asked), DEADLINE + HOUR) is None
    assert run(DEADLINE) == (0, [])


def test_two_runs_at_once_ask_and_cancel_each_party_once(app, event):
    parties = [make_registration(event, seats=1)[0] for _ in range(4)]
    waiting = [make_registration(event, seats=1, status="waitlisted")[0] for _ in range(3)]
    db.session.commit()
    errors: list[BaseException] = []

    def in_parallel(moment: datetime) -> None:
        barrier = threading.Barrier(3)

        def one() -> None:
            try:
                with app.app_context():
                    barrier.wait()
                    run(moment)
                    db.session.remove()
            except BaseException as error:  # surfaced by the assertion below
                errors.append(error)

        threads = [threading.Thread(target=one) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    in_parallel(NOW)
    db.session.expire_all()
    assert errors == [] and len(mails(mail.ATTENDANCE_CHECK)) == 4
    db.session.rollback()  # end the read, so that the runs can write
    in_parallel(DEADLINE)
    db.session.expire_all()
    assert errors == []
    assert sorted(m.registration_id for m in mails(mail.ATTENDANCE_LAPSED)) == [
        p.id for p in parties
    ]
    assert [m.registration_id for m in mails(mail.PROMOTED)] == [w.id for w in waiting]
    assert all(fresh(p).status == "cancelled" for p in parties)
    assert all(fresh(w).status == "confirmed" for w in waiting)


def test_send_reminders_with_now_queues_mail_due_at_once(app, event):
    make_registration(event)
    db.session.commit()
    runner = app.test_cli_runner()
    later = (NOW + 100 * 24 * HOUR).isoformat()  # long after the event: nothing to do
    assert (
        "0 attendance confirmations requested"
        in runner.invoke(args=["send-reminders", "--now", later]).output
    )
    output = runner.invoke(args=["send-reminders", "--now", "2026-05-01T11:00:00+05:00"]).output
    assert "1 attendance confirmations requested" in output
    output = runner.invoke(args=["send-reminders", "--now", DEADLINE.isoformat()]).output
    assert "1 unconfirmed registrations cancelled" in output
    db.session.expire_all()
    sent = mails(mail.ATTENDANCE_CHECK) + mails(mail.ATTENDANCE_LAPSED)
    assert len(sent) == 2 and all(m.next_attempt_at <= utcnow() for m in sent)
    for bad in ("tomorrow", "2026-13-01", ""):
        assert runner.invoke(args=["send-reminders", "--now", bad]).exit_code == 2


# The pages: the views take the real clock, so these events are dated from it.


@pytest.fixture
def live(ctx):
    now = utcnow()
    event = kazakh_event(starts_at=now + 48 * HOUR, now=now, confirm_attendance_hours=24)
    past_deadline = kazakh_event(starts_at=now + 10 * HOUR, now=now, confirm_attendance_hours=24)
    return event, past_deadline


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_the_confirm_page_and_button(client, live):
    event, _late = live
    registration, token = make_registration(event)
    db.session.commit()
    confirmation.ask_for_confirmation(utcnow(), 48 * HOUR)
    db.session.commit()
    assert client.get(f"/api/v1/registrations/{token}").get_json()["attendance_confirmed"] is False
    manage = text_of(client.get(f"/r/{token}"))
    assert f"/r/{token}/confirm" in manage
    page = client.get(f"/r/{token}/confirm")
    assert page.status_code == 200
    assert 'method="post"' in text_of(page)

    response = client.post(f"/r/{token}/confirm", data={})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/r/{token}")
    assert fresh(registration).attendance_confirmed_at is not None
    db.session.rollback()
    assert client.get(f"/api/v1/registrations/{token}").get_json()["attendance_confirmed"] is True
    assert f"/r/{token}/confirm" not in text_of(client.get(f"/r/{token}"))
    again = client.get(f"/r/{token}/confirm")
    assert again.status_code == 200 and 'method="post"' not in text_of(again)


def test_bad_confirm_links_change_nothing(client, live):
    event, late = live
    waiting, waiting_token = make_registration(event, status="waitlisted")
    gone, gone_token = make_registration(event, status="cancelled")
    too_late, late_token = make_registration(late)
    db.session.commit()
    for token, words in (
        (waiting_token, "waitlist"),
        (gone_token, "cancelled"),
        (late_token, "Too late"),
    ):
        for response in (client.get(f"/r/{token}/confirm"), client.post(f"/r/{token}/confirm")):
            assert response.status_code == 409 and words in text_of(response), token
            assert 'method="post"' not in text_of(response)
    assert client.get("/r/unknown-token-that-is-long/confirm").status_code == 404
    assert client.post("/r/unknown-token-that-is-long/confirm").status_code == 404
    assert all(fresh(r).attendance_confirmed_at is None for r in (waiting, gone, too_late))
    assert fresh(too_late).status == "confirmed"


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_confirm_button_needs_its_csrf_token(client, live):
    event, _late = live
    registration, token = make_registration(event)
    db.session.commit()
    assert client.post(f"/r/{token}/confirm", data={}).status_code == 400
    assert fresh(registration).attendance_confirmed_at is None
    db.session.rollback()
    page = client.get(f"/r/{token}/confirm").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post(f"/r/{token}/confirm", data={"csrf_token": csrf}).status_code == 303
    assert fresh(registration).attendance_confirmed_at is not None


def test_the_staff_list_and_roster_show_who_confirmed(app, client):
    with app.app_context():
        world = build_world()
        event = db.session.get(Event, world["event_a"])
        event.confirm_attendance_hours = 24
        aliya = db.session.get(Registration, world["people"]["aliya"])
        aliya.attendance_confirmed_at = utcnow()
        db.session.commit()
        staff = db.session.get(StaffUser, world["staff"]["a"])
        log_in(client, staff)
    url = f"/api/v1/staff/events/{world['event_a']}/registrations"
    rows = client.get(url, headers=bearer(world["secrets"]["a"])).get_json()["registrations"]
    answer = {row["name"]: row["attendance_confirmed"] for row in rows}
    assert answer == {"Әлия": True, "Бота": False, "Гүлнар": False, "Дана": False, "Ерлан": False}
    roster = text_of(client.get(f"/staff/events/{world['event_a']}/roster"))
    assert "Келе ме?" in roster or "Coming?" in roster
    assert roster.count("badge badge-open") >= 1


def test_a_late_registration_is_not_asked_and_counts_as_confirmed(event):
    silent, _token = make_registration(event, seats=1)
    db.session.commit()
    assert run(NOW) == (1, [])
    late = registrations.register(
        event.id,
        name="Late",
        email="late@example.kz",
        seats=1,
        language="en",
        source="api",
        now=NOW + HOUR,
    ).registration
    db.session.commit()
    assert run(NOW + 2 * HOUR) == (0, [])
    assert confirmation.is_confirmed(fresh(late)) and not confirmation.is_confirmed(fresh(silent))
    asked, cancelled = run(DEADLINE)
    assert [r.id for r in cancelled] == [silent.id] and fresh(late).status == "confirmed"
    assert [m.registration_id for m in mails(mail.ATTENDANCE_CHECK)] == [silent.id]

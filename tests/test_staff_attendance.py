"""At the door: check-in by row and by QR code, undo, walk-ins against capacity, head counts,
the CSV export and the sign-in sheet."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Event, OutboxMessage, Registration
from calendar_app.services import registrations as regs
from calendar_app.services.events import cancel_event
from calendar_app.services.registration_rules import checkin_code_for
from calendar_app.services.seats import seat_count
from calendar_app.timeutil import to_local, utcnow
from tests.factories import make_branch, make_event, make_registration, make_venue
from tests.mail_support import rendered
from tests.staff_support import door_counts, log_in, make_staff


def sign_up(event_id, name, seats=1, email=None, **extra):
    return regs.register(
        event_id,
        name=name,
        email=email or f"{abs(hash(name)) % 10**8}@example.kz",
        seats=seats,
        language="kk",
        source="web",
        now=utcnow(),
        **extra,
    )


@pytest.fixture
def door(app, client):
    """An event of 5 seats with a party of 3 and one of 2 confirmed, and one party waiting."""
    with app.app_context():
        branch = make_branch("children", name="Children's library")
        other = make_branch("other")
        hall = make_venue(branch, "Hall", capacity=10)
        event = make_event(
            branch,
            hall,
            title="Құтадғу білік",
            capacity=5,
            max_party=4,
            starts_at=utcnow() + timedelta(hours=1),
        )
        family = sign_up(event.id, "Айгерім Сәрсенова", seats=3)
        pair = sign_up(event.id, "Иван Петров", seats=2)
        waiting = sign_up(event.id, "Waiting Person", seats=1)
        assert (family.status, pair.status, waiting.status) == (
            "confirmed",
            "confirmed",
            "waitlisted",
        )
        staff = make_staff("door@example.kz", branches=[branch])
        stranger = make_staff("stranger@example.kz", branches=[other])
        db.session.commit()
        ids = {
            "event": event.id,
            "family": family.registration.id,
            "family_token": family.token,
            "pair": pair.registration.id,
            "waiting": waiting.registration.id,
            "staff": staff.get_id(),
            "staff_id": staff.id,
            "stranger": stranger.get_id(),
        }
    log_in(client, ids["staff"])
    return ids


def registration(app, registration_id):
    with app.app_context():
        found = db.session.get(Registration, registration_id)
        db.session.expunge(found)
        return found


def test_check_in_by_row_without_javascript(app, client, door):
    page = client.get(f"/staff/events/{door['event']}/roster").get_data(as_text=True)
    assert f'action="/staff/registrations/{door["family"]}/check-in"' in page
    assert "Құтадғу білік" in page and "Айгерім Сәрсенова" in page
    response = client.post(f"/staff/registrations/{door['family']}/check-in")
    assert response.status_code == 302
    assert (
        response.headers["Location"]
        == f"/staff/events/{door['event']}/roster#registration-{door['family']}"
    )
    checked = registration(app, door["family"])
    assert checked.checked_in_at is not None and checked.checked_in_by_id == door["staff_id"]
    page = client.get(f"/staff/events/{door['event']}/roster").get_data(as_text=True)
    assert door_counts(page)["checked_in"] == 3
    assert f'action="/staff/registrations/{door["family"]}/undo-check-in"' in page
    again = client.post(f"/staff/registrations/{door['family']}/check-in", follow_redirects=True)
    assert "already checked in" in again.get_data(as_text=True)
    assert registration(app, door["family"]).checked_in_at == checked.checked_in_at


def test_check_in_with_fetch_answers_json_with_the_new_row(app, client, door):
    response = client.post(
        f"/staff/registrations/{door['pair']}/check-in", headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert f'id="registration-{door["pair"]}"' in body["row_html"]
    assert "undo-check-in" in body["row_html"] and "Иван Петров" in body["row_html"]
    assert "2 checked in" in body["summary"]
    assert door_counts(body["counts_html"]) == {
        "checked_in": 2,
        "expected": 5,
        "walk_ins": 0,
        "free": 0,
    }
    again = client.post(
        f"/staff/registrations/{door['pair']}/check-in", headers={"Accept": "application/json"}
    )
    assert again.status_code == 409 and "already checked in" in again.get_json()["error"]
    undo = client.post(
        f"/staff/registrations/{door['pair']}/undo-check-in",
        headers={"Accept": "application/json"},
    )
    assert undo.status_code == 200 and "0 checked in" in undo.get_json()["summary"]
    assert registration(app, door["pair"]).checked_in_at is None


def test_a_waiting_party_cannot_be_checked_in(app, client, door):
    response = client.post(
        f"/staff/registrations/{door['waiting']}/check-in", headers={"Accept": "application/json"}
    )
    assert response.status_code == 409
    assert registration(app, door["waiting"]).checked_in_at is None


def test_check_in_by_qr_code_confirms_first(app, client, door):
    code = checkin_code_for(door["family_token"])
    url = f"/staff/check-in/{code}"
    page = client.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Check in Айгерім Сәрсенова?" in text and "Құтадғу білік" in text
    assert registration(app, door["family"]).checked_in_at is None
    response = client.post(url)
    assert response.status_code == 302
    assert registration(app, door["family"]).checked_in_at is not None
    assert "Already checked in" in client.get(url).get_data(as_text=True)


def test_qr_codes_of_others_and_wrong_codes(app, client, door):
    code = checkin_code_for(door["family_token"])
    # The manage token is not a check-in code, and nor is garbage.
    for wrong in (door["family_token"], "x" * 43, "short", "%00%0a", "a" * 500):
        assert client.get(f"/staff/check-in/{wrong}").status_code == 404
    log_in(client, door["stranger"])
    assert client.get(f"/staff/check-in/{code}").status_code == 403
    assert client.post(f"/staff/check-in/{code}").status_code == 403
    log_in(client, None)
    response = client.get(f"/staff/check-in/{code}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")
    assert registration(app, door["family"]).checked_in_at is None


def walk_in(client, door, **data):
    return client.post(f"/staff/events/{door['event']}/walk-ins", data=data)


def confirmed_seats(app, event_id):
    with app.app_context():
        return seat_count(event_id).confirmed


def count_registrations(app):
    with app.app_context():
        return db.session.execute(select(func.count(Registration.id))).scalar_one()


def test_walk_ins_fill_free_seats_then_need_an_explicit_override(app, client, door):
    with app.app_context():
        regs.cancel(db.session.get(Registration, door["pair"]), utcnow())  # frees 2, promotes 1
        db.session.commit()
    assert confirmed_seats(app, door["event"]) == 4
    response = walk_in(client, door, name="Walk-in Family", seats="1")
    assert response.status_code == 302
    assert confirmed_seats(app, door["event"]) == 5
    with app.app_context():
        added = db.session.execute(
            select(Registration).where(Registration.name == "Walk-in Family")
        ).scalar_one()
        assert added.source == "walk_in" and added.email is None and added.checked_in_at
    before = count_registrations(app)
    response = walk_in(client, door, name="One too many", seats="2")
    assert response.status_code == 422
    assert "Not enough seats are left" in response.get_data(as_text=True)
    assert count_registrations(app) == before and confirmed_seats(app, door["event"]) == 5
    response = walk_in(client, door, name="One too many", seats="2", override_capacity="y")
    assert response.status_code == 302
    assert confirmed_seats(app, door["event"]) == 7


@pytest.mark.parametrize(
    "data,message",
    [
        ({"name": "", "seats": "1"}, "This field is required"),
        ({"name": "X", "seats": "0"}, ""),
        ({"name": "X", "seats": "-3"}, ""),
        ({"name": "X", "seats": "99999999999999"}, ""),
        ({"name": "X", "seats": "5"}, "At most 4 seats"),
        ({"name": "X", "seats": "two"}, "Not a valid integer"),
        ({"name": "\x00\x01", "seats": "1"}, ""),
    ],
)
def test_walk_in_bad_input_changes_nothing(app, client, door, data, message):
    before = count_registrations(app)
    response = walk_in(client, door, override_capacity="y", **data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_registrations(app) == before


def test_head_count_for_drop_in_events(app, client, door):
    with app.app_context():
        event = db.session.get(Event, door["event"])
        drop_in = make_event(
            event.branch,
            make_venue(event.branch, "Foyer", capacity=200),
            registration="none",
            capacity=0,
            starts_at=utcnow() + timedelta(days=1),
        )
        db.session.commit()
        drop_in_id = drop_in.id
    url = f"/staff/events/{drop_in_id}/headcount"
    assert client.post(url, data={"headcount": "42"}).status_code == 302
    page = client.get(f"/staff/events/{drop_in_id}/roster").get_data(as_text=True)
    assert "Head count: 42." in page
    for bad in ("-1", "abc", "", "1000001"):
        response = client.post(url, data={"headcount": bad})
        assert response.status_code == 422, bad
        assert 'id="headcount-error"' in response.get_data(as_text=True)
    response = client.post(f"/staff/events/{door['event']}/headcount", data={"headcount": "3"})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Event, drop_in_id).headcount == 42
        assert db.session.get(Event, door["event"]).headcount is None


def test_roster_csv_opens_in_excel_and_cannot_inject_formulas(app, client, door):
    with app.app_context():
        make_registration(
            door["event"], '=HYPERLINK("http://evil.example","click")', email="a@example.kz"
        )
        make_registration(door["event"], "+7 700 000 00 00", email="b@example.kz")
        make_registration(door["event"], "-2+3", email="c@example.kz")
        make_registration(door["event"], "@SUM(A1:A2)", email="d@example.kz")
        make_registration(door["event"], "\tTabbed", email="e@example.kz")
        make_registration(door["event"], 'Шексіздік; «сыртындағы» "шам"', email="f@example.kz")
        db.session.commit()
    response = client.get(f"/staff/events/{door['event']}/roster.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0][:4] == ["Status", "Name", "E-mail address", "Seats"]
    names = {row[1] for row in rows[1:]}
    assert "Айгерім Сәрсенова" in names and 'Шексіздік; «сыртындағы» "шам"' in names
    assert '\'=HYPERLINK("http://evil.example","click")' in names
    assert {"'+7 700 000 00 00", "'-2+3", "'@SUM(A1:A2)", "'\tTabbed"} <= names
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    waiting = [row for row in rows if row[1] == "Waiting Person"]
    assert waiting and waiting[0][0] == "waitlisted" and waiting[0][7] == "1"
    assert b"\r\n" in body


def test_sign_in_sheet_lists_confirmed_parties_for_print(client, door):
    page = client.get(f"/staff/events/{door['event']}/sign-in-sheet").get_data(as_text=True)
    assert "Айгерім Сәрсенова" in page and "Иван Петров" in page
    assert "Waiting Person" not in page
    assert "css/staff.css" in page and "data-print" in page


def test_the_check_in_script_is_local(client, door):
    page = client.get(f"/staff/events/{door['event']}/roster").get_data(as_text=True)
    assert 'src="/static/js/staff.js?v=' in page
    assert 'src="http' not in page and 'href="http' not in page
    script = client.get("/static/js/staff.js")
    assert script.status_code == 200 and b"fetch(" in script.data
    script.close()


def test_raising_capacity_in_the_form_promotes_the_waitlist(app, client, door):
    with app.app_context():
        event = db.session.get(Event, door["event"])
        zone = event.branch.timezone
        data = {
            "title": event.title,
            "category": event.category,
            "audience": event.audience,
            "language": event.language,
            "venue_id": event.venue_id,
            "starts_at": to_local(event.starts_at, zone).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": to_local(event.ends_at, zone).strftime("%Y-%m-%dT%H:%M"),
            "registration": "required",
            "capacity": "6",
            "max_party": "4",
            "waitlist_enabled": "y",
        }
    assert registration(app, door["waiting"]).status == "waitlisted"
    response = client.post(f"/staff/events/{door['event']}/edit", data=data)
    assert response.status_code == 302
    assert registration(app, door["waiting"]).status == "confirmed"
    page = client.get(f"/staff/events/{door['event']}/roster").get_data(as_text=True)
    assert door_counts(page)["expected"] == 6 and door_counts(page)["free"] == 0
    assert "Nobody is waiting." in page


def test_cancelling_from_the_staff_side_tells_every_registrant_by_mail(app, client, door):
    assert client.post(f"/staff/events/{door['event']}/cancel").status_code == 302
    with app.app_context():
        messages = rendered(
            db.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "event_cancelled"))
            .scalars()
            .all()
        )
        assert sorted(m.registration_id for m in messages) == sorted(
            [door["family"], door["pair"], door["waiting"]]
        )
        assert all("Құтадғу білік" in m.subject + m.body_text for m in messages)


def test_nobody_is_checked_in_at_a_cancelled_event(app, client, door):
    with app.app_context():
        cancel_event(db.session.get(Event, door["event"]), utcnow())
        db.session.commit()
    response = client.post(
        f"/staff/registrations/{door['family']}/check-in", headers={"Accept": "application/json"}
    )
    assert response.status_code == 409 and "cancelled" in response.get_json()["error"]
    code = checkin_code_for(door["family_token"])
    assert (
        "Check in"
        not in client.get(f"/staff/check-in/{code}")
        .get_data(as_text=True)
        .split("<h1>", 1)[1]
        .split("</h1>", 1)[1]
    )
    client.post(f"/staff/check-in/{code}")
    assert registration(app, door["family"]).checked_in_at is None

"""The staff JSON API: tokens, permissions, events, registrations and check-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import ApiToken, Event, Registration, StaffUser
from calendar_app.services import api_tokens
from calendar_app.timeutil import utcnow
from tests.conftest import BASE_URL
from tests.factories import make_branch, make_registration, make_venue
from tests.staff_api_support import (
    TITLE,
    bearer,
    build_world,
    event_body,
    event_count,
    local_day,
    mails,
    state,
)
from tests.staff_support import log_in


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def get_event(app, event_id: int) -> Event:
    with app.app_context():
        event = db.session.get(Event, event_id)
        db.session.expunge(event)
        return event


@pytest.mark.parametrize(
    ("headers", "challenge"),
    [
        ({}, 'Bearer realm="library-events"'),
        ({"Authorization": ""}, 'Bearer realm="library-events"'),
        ({"Authorization": "Basic YTpi"}, "invalid_request"),
        ({"Authorization": "Bearer"}, "invalid_request"),
        ({"Authorization": "Bearer two words"}, "invalid_request"),
        ({"Authorization": "Bearer " + "x" * 32}, "invalid_token"),
        ({"Authorization": "Bearer " + "é" * 32}, "invalid_token"),
    ],
)
def test_without_a_valid_token_every_staff_operation_is_a_401(
    app, client, world, headers, challenge
):
    before = state(app)
    for method, url in [
        ("POST", "/api/v1/staff/events"),
        ("PATCH", f"/api/v1/staff/events/{world['event_a']}"),
        ("POST", f"/api/v1/staff/events/{world['event_a']}/cancel"),
        ("GET", f"/api/v1/staff/events/{world['event_a']}/registrations"),
        ("POST", f"/api/v1/staff/registrations/{world['people']['aliya']}/check-in"),
    ]:
        response = client.open(
            url, method=method, headers=headers, json=event_body(world["hall_a"])
        )
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert challenge in response.headers["WWW-Authenticate"]
        assert response.get_json()["error"]
        assert "Set-Cookie" not in response.headers
    assert state(app) == before


@pytest.mark.parametrize("which", ["revoked", "disabled"])
def test_revoked_tokens_and_disabled_accounts_are_refused(app, client, world, which):
    before = state(app)
    response = client.get(
        f"/api/v1/staff/events/{world['event_a']}/registrations",
        headers=bearer(world["secrets"][which]),
    )
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert state(app) == before


def test_a_staff_session_cookie_is_no_substitute_for_a_token(app, client, world):
    with app.app_context():
        log_in(client, db.session.get(StaffUser, world["staff"]["admin"]))
    assert client.get("/staff/").status_code == 200  # logged in on the staff pages
    response = client.post(f"/api/v1/staff/events/{world['event_a']}/cancel")
    assert response.status_code == 401
    assert get_event(app, world["event_a"]).status == "scheduled"


def test_another_branch_is_a_403_and_changes_nothing(app, client, world):
    theirs = bearer(world["secrets"]["b"])
    mine = bearer(world["secrets"]["a"])
    before = state(app)
    for method, url, body, token in [
        ("POST", "/api/v1/staff/events", event_body(world["hall_a"]), theirs),
        ("PATCH", f"/api/v1/staff/events/{world['event_a']}", {"title": "Mine now"}, theirs),
        ("PATCH", f"/api/v1/staff/events/{world['event_a']}", {"venue_id": world["hall_b"]}, mine),
        ("POST", f"/api/v1/staff/events/{world['event_a']}/cancel", None, theirs),
        ("GET", f"/api/v1/staff/events/{world['event_a']}/registrations", None, theirs),
        ("POST", f"/api/v1/staff/registrations/{world['people']['aliya']}/check-in", None, theirs),
        ("POST", f"/api/v1/staff/registrations/{world['people']['of_b']}/check-in", None, mine),
    ]:
        response = client.open(url, method=method, headers=token, json=body)
        assert response.status_code == 403, (method, url, response.get_json())
        assert "branch" in response.get_json()["error"]
    assert state(app) == before
    # The administrator's token reaches every branch.
    admin = bearer(world["secrets"]["admin"])
    url = f"/api/v1/staff/events/{world['event_b']}/registrations"
    assert client.get(url, headers=admin).status_code == 200


def test_a_new_event_takes_local_time_the_venues_branch_and_the_defaults(app, client, world):
    day = local_day(30)
    body = event_body(
        world["hall_a"],
        confirm_attendance_hours=24,
        opens_at=None,
        closes_at=f"{day}T12:00+05:00",
        translations={"ru": {"title": "Лампа за пределами бесконечности", "description": None}},
    )
    response = client.post(
        "/api/v1/staff/events?lang=ru", headers=bearer(world["secrets"]["a"]), json=body
    )
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert created["title"] == "Лампа за пределами бесконечности"  # as asked with ?lang=ru
    assert created["start"] == f"{day}T15:00:00+05:00" and created["end"] == f"{day}T16:30:00+05:00"
    assert created["branch"]["slug"] == "chekhov" and created["venue"]["name"] == "Reading hall"
    assert created["waitlist"] is True and created["seats_left"] == 20
    assert created["series_id"] is None
    assert response.headers["Location"] == f"{BASE_URL}/api/v1/events/{created['id']}"
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    event = get_event(app, created["id"])
    local = datetime.fromisoformat(f"{day}T15:00").replace(tzinfo=UTC) - timedelta(hours=5)
    assert event.starts_at == local and event.title == TITLE
    assert event.max_party == 4 and event.confirm_attendance_hours == 24
    assert event.closes_at == local - timedelta(hours=3) and event.opens_at is None
    assert event.translations == {"ru": {"title": "Лампа за пределами бесконечности"}}
    # An offset (or Z) is taken as given.
    other = event_body(world["room_a"], capacity=5, start=f"{day}T10:00Z", end=f"{day}T11:00Z")
    response = client.post(
        "/api/v1/staff/events", headers=bearer(world["secrets"]["admin"]), json=other
    )
    assert response.status_code == 201 and response.get_json()["start"] == f"{day}T15:00:00+05:00"


def test_a_room_taken_at_that_time_is_a_422_naming_the_event_in_the_way(app, client, world):
    mine = bearer(world["secrets"]["a"])
    first = event_body(world["hall_a"], title="Домбыра күні")
    assert client.post("/api/v1/staff/events", headers=mine, json=first).status_code == 201
    day = local_day(30)
    clash = event_body(world["hall_a"], title="Second", start=f"{day}T16:00", end=f"{day}T17:00")
    response = client.post("/api/v1/staff/events", headers=mine, json=clash)
    assert response.status_code == 422
    assert response.get_json() == {
        "errors": {"start": ["The room is taken by “Домбыра күні” at that time."]}
    }
    with app.app_context():
        assert event_count() == 3


def test_moving_an_event_tells_registrants_and_raises_sequence(app, client, world):
    mine = bearer(world["secrets"]["a"])
    url = f"/api/v1/staff/events/{world['event_a']}"
    before = get_event(app, world["event_a"])
    # Changing the title alone: no mail, no new SEQUENCE, the rest unchanged.
    response = client.patch(url, headers=mine, json={"title": "Күй кеші"})
    assert response.status_code == 200 and response.get_json()["title"] == "Күй кеші"
    renamed = get_event(app, world["event_a"])
    assert renamed.sequence == before.sequence and renamed.capacity == before.capacity
    assert renamed.starts_at == before.starts_at and renamed.description == before.description
    with app.app_context():
        assert mails("event_moved") == []

    later = (before.starts_at + timedelta(days=1)).astimezone(UTC)
    body = {
        "start": later.isoformat(),
        "end": (later + timedelta(hours=2)).isoformat(),
        "venue_id": world["room_a"],
        "capacity": 8,
        "translations": {"en": {"title": "An evening of kuis"}},
    }
    response = client.patch(url, headers=mine, json=body)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["venue"]["name"] == "Small room"
    moved = get_event(app, world["event_a"])
    assert moved.sequence == before.sequence + 1
    assert moved.starts_at == later and moved.venue_id == world["room_a"]
    assert moved.title == "Күй кеші" and moved.translations["en"] == {"title": "An evening of kuis"}
    with app.app_context():
        assert mails("event_moved") == [
            "aliya@example.kz",
            "bota@example.kz",
            "dana@example.kz",
            "erlan@example.kz",
        ]
    # A merge patch: null removes a language.
    client.patch(url, headers=mine, json={"translations": {"en": None}})
    assert get_event(app, world["event_a"]).translations == {}


def test_cancel_tells_registrants_once_and_a_second_cancel_is_409(app, client, world):
    url = f"/api/v1/staff/events/{world['event_a']}/cancel"
    before = get_event(app, world["event_a"])
    response = client.post(url, headers=bearer(world["secrets"]["a"]))
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert get_event(app, world["event_a"]).sequence == before.sequence + 1
    with app.app_context():
        assert len(mails("event_cancelled")) == 4
    again = client.post(url, headers=bearer(world["secrets"]["admin"]))
    assert again.status_code == 409 and "already cancelled" in again.get_json()["error"]
    with app.app_context():
        assert len(mails("event_cancelled")) == 4


def test_the_registrations_list_in_roster_order_in_constant_queries(
    app, client, world, count_queries
):
    url = f"/api/v1/staff/events/{world['event_a']}/registrations"
    mine = bearer(world["secrets"]["a"])
    client.get(url, headers=mine)  # records the token's use, so that the counts compare alike
    rows = client.get(url, headers=mine).get_json()["registrations"]
    assert [(r["name"], r["status"], r["waitlist_position"]) for r in rows] == [
        ("Бота", "confirmed", None),
        ("Гүлнар", "confirmed", None),
        ("Әлия", "confirmed", None),
        ("Дана", "waitlisted", 1),
        ("Ерлан", "waitlisted", 2),
    ]
    walk_in = rows[1]
    assert walk_in["email"] is None and walk_in["checked_in"] is True and walk_in["seats"] == 1
    assert rows[0] == {
        "id": world["people"]["bota"],
        "name": "Бота",
        "email": "bota@example.kz",
        "seats": 2,
        "status": "confirmed",
        "checked_in": False,
        "waitlist_position": None,
        "attendance_confirmed": False,
        "photo_consent": False,
    }
    with count_queries() as few:
        client.get(url, headers=mine)
    with app.app_context():
        for number in range(30):
            make_registration(world["event_a"], f"Visitor {number}", status="waitlisted")
        db.session.commit()
    with count_queries() as many:
        assert len(client.get(url, headers=mine).get_json()["registrations"]) == 35
    assert many.count == few.count <= 5


def test_check_in_once_and_only_for_confirmed_parties(app, client, world):
    mine = bearer(world["secrets"]["a"])
    people = world["people"]
    url = "/api/v1/staff/registrations/{}/check-in"
    response = client.post(url.format(people["aliya"]), headers=mine)
    assert response.status_code == 200 and response.get_json() == {"checked_in": True}
    with app.app_context():
        aliya = db.session.get(Registration, people["aliya"])
        assert aliya.checked_in_at is not None and aliya.checked_in_by_id == world["staff"]["a"]
    for key, message in [("aliya", "already checked in"), ("dana", "Only confirmed")]:
        refused = client.post(url.format(people[key]), headers=mine)
        assert refused.status_code == 409 and message in refused.get_json()["error"]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("PATCH", "/api/v1/staff/events/{}"),
        ("POST", "/api/v1/staff/events/{}/cancel"),
        ("GET", "/api/v1/staff/events/{}/registrations"),
        ("POST", "/api/v1/staff/registrations/{}/check-in"),
    ],
)
@pytest.mark.parametrize("unknown", [987654, 2**31 - 1, 2**31, 2**63, 10**30, 0])
def test_unknown_ids_are_404_whatever_their_size(app, client, world, method, url, unknown):
    response = client.open(
        url.format(unknown), method=method, headers=bearer(world["secrets"]["admin"]), json={}
    )
    assert response.status_code == 404 and response.get_json()["error"]


@pytest.mark.parametrize("venue_id", [987654, 2**31, 10**30, 0, -1])
def test_unknown_rooms_are_404_and_nothing_is_stored(app, client, world, venue_id):
    before = state(app)
    response = client.post(
        "/api/v1/staff/events",
        headers=bearer(world["secrets"]["admin"]),
        json=event_body(venue_id),
    )
    assert response.status_code == 404 and "room" in response.get_json()["error"]
    assert state(app) == before


def test_branches_list_their_rooms_in_constant_queries(app, client, count_queries):
    with count_queries() as few:
        assert client.get("/api/v1/branches").get_json() == {"branches": []}
    with app.app_context():
        for number in range(8):
            branch = make_branch(f"branch-{number}", name=f"Branch {number}")
            make_venue(branch, "Hall", capacity=30 + number)
            make_venue(branch, "Attic", capacity=5)
        db.session.commit()
    with count_queries() as many:
        branches = client.get("/api/v1/branches").get_json()["branches"]
    assert many.count <= few.count + 1 and many.count <= 2
    assert [room["name"] for room in branches[0]["venues"]] == ["Attic", "Hall"]


def test_last_use_is_recorded_once_a_minute_at_most(app, client, world, backend):
    mine = bearer(world["secrets"]["a"])
    url = f"/api/v1/staff/events/{world['event_a']}/registrations"

    def last_used() -> datetime | None:
        with app.app_context():
            token = db.session.execute(
                select(ApiToken).where(ApiToken.label == "token of a")
            ).scalar_one()
            return token.last_used_at

    assert last_used() is None
    start = utcnow()
    assert client.get(url, headers=mine).status_code == 200
    first = last_used()
    assert first is not None and first >= start - timedelta(seconds=1)
    assert (
        client.post(f"/api/v1/staff/events/{world['event_a']}/cancel", headers=mine).status_code
        == 200
    )
    assert last_used() == first  # within the minute: not written again
    with app.app_context():
        token = db.session.execute(
            select(ApiToken).where(ApiToken.label == "token of a")
        ).scalar_one()
        token.last_used_at = first - api_tokens.LAST_USED_RESOLUTION
        db.session.commit()
    assert client.get(url, headers=mine).status_code == 200
    assert last_used() > first - api_tokens.LAST_USED_RESOLUTION


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_no_answer_of_the_api_sets_a_cookie(app, client, world):
    """Neither success nor refusal, nor a language asked for, and CSRF is not asked for."""
    mine, theirs = bearer(world["secrets"]["a"]), bearer(world["secrets"]["b"])
    event_url = f"/api/v1/staff/events/{world['event_a']}"
    answers = [
        client.post("/api/v1/staff/events?lang=ru", headers=mine, json=event_body(world["hall_a"])),
        client.post("/api/v1/staff/events", headers=mine, json={"title": 5}),
        client.post("/api/v1/staff/events", headers=mine, data="nope"),
        client.patch(event_url, headers=mine, json={"title": "Күй кеші"}),
        client.patch(event_url, headers=theirs, json={}),
        client.get(event_url + "/registrations?lang=kk", headers=mine),
        client.post(
            f"/api/v1/staff/registrations/{world['people']['bota']}/check-in", headers=mine
        ),
        client.post(event_url + "/cancel", headers=mine),
        client.post(event_url + "/cancel", headers=mine),
        client.get(event_url + "/registrations"),
        client.get("/api/v1/branches?lang=ru"),
    ]
    assert [answer.status_code for answer in answers] == [
        201,
        422,
        400,
        200,
        403,
        200,
        200,
        200,
        409,
        401,
        200,
    ]
    for answer in answers:
        assert "Set-Cookie" not in answer.headers, answer.request.path
    assert not client._cookies  # nothing was stored for the next request

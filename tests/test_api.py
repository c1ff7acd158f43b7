"""The JSON API: shapes of DESIGN.md, bad input, and every answer checked against openapi.json."""

from __future__ import annotations

from datetime import timedelta

import pytest
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Registration
from calendar_app.services.events import cancel_event
from calendar_app.timeutil import utcnow
from tests.conftest import BASE_URL
from tests.factories import make_branch, make_event, make_venue
from tests.openapi_contract import Contract

TITLE = "Шексіздік сыртындағы шам"


def registrations_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Registration.id))).scalar_one()


@pytest.fixture
def events(app):
    """Made in an app context of their own: requests must not share the test's context."""
    with app.app_context():
        return _make_events()


def _make_events() -> dict[str, int]:
    now = utcnow()
    branch = make_branch(
        "begalin", name="Central Children's Library", translations={"kk": {"name": "Бегалин"}}
    )
    room = make_venue(branch, "Reading hall", capacity=50)
    open_event = make_event(
        branch,
        room,
        capacity=3,
        max_party=3,
        title=TITLE,
        now=now,
        starts_at=now + timedelta(days=3),
    )
    no_waitlist = make_event(capacity=1, waitlist_enabled=False, now=now)
    drop_in = make_event(registration="none", now=now, category="exhibition")
    cancelled = make_event(now=now)
    cancel_event(cancelled, now)
    db.session.commit()
    return {
        "open": open_event.id,
        "no_waitlist": no_waitlist.id,
        "drop_in": drop_in.id,
        "cancelled": cancelled.id,
    }


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "10000 per minute"}]
)
def test_every_documented_answer_matches_the_openapi_document(app, client, events):
    document = client.get("/api/v1/openapi.json").get_json()
    validate_spec(document)
    assert document["servers"] == [{"url": f"{BASE_URL}/api/v1"}]
    api = Contract(document, paths=lambda path: not path.startswith(("/staff/", "/series/")))
    api.check(client.get("/api/v1/openapi.json"), "/openapi.json", "get")

    branches = api.check(client.get("/api/v1/branches"), "/branches", "get")["branches"]
    begalin = next(branch for branch in branches if branch["slug"] == "begalin")
    assert begalin["name"] == "Central Children's Library"
    assert begalin["timezone"] == "Asia/Almaty" and begalin["address"]
    assert [venue["name"] for venue in begalin["venues"]] == ["Reading hall"]
    assert begalin["venues"][0]["capacity"] == 50 and begalin["venues"][0]["id"] > 0
    in_kazakh = client.get("/api/v1/branches?lang=kk").get_json()["branches"]
    assert any(branch["name"] == "Бегалин" for branch in in_kazakh)

    listed = api.check(client.get("/api/v1/events?per_page=2"), "/events", "get")["events"]
    assert len(listed) == 2
    response = client.get("/api/v1/events?per_page=2")
    assert response.headers["X-Total-Count"] == "4" and 'rel="next"' in response.headers["Link"]
    assert response.headers["Link"].startswith(f"<{BASE_URL}/api/v1/events?")
    only = api.check(client.get("/api/v1/events?branch=begalin"), "/events", "get")["events"]
    assert [event["title"] for event in only] == [TITLE]
    for bad in ("from=2026-13-01", "branch=nowhere", "category=x", "page=0", "per_page=1000"):
        api.check(client.get(f"/api/v1/events?{bad}"), "/events", "get")
        assert client.get(f"/api/v1/events?{bad}").status_code == 422

    event = api.check(client.get(f"/api/v1/events/{events['open']}"), "/events/{event_id}", "get")
    assert event["title"] == TITLE and event["branch"]["slug"] == "begalin"
    assert event["start"].endswith("+05:00") and event["seats_left"] == 3
    assert event["registration"] == "required" and event["registration_open"] is True
    assert event["url"] == f"{BASE_URL}/events/{events['open']}"
    assert event["ics_url"] == f"{BASE_URL}/events/{events['open']}.ics"
    assert event["series_id"] is None
    drop_in = client.get(f"/api/v1/events/{events['drop_in']}").get_json()
    assert drop_in["seats_left"] is None and drop_in["registration"] == "none"
    assert client.get(f"/api/v1/events/{events['cancelled']}").get_json()["status"] == "cancelled"
    api.check(client.get("/api/v1/events/987654"), "/events/{event_id}", "get")

    register = "/events/{event_id}/registrations"
    url = f"/api/v1/events/{events['open']}/registrations"
    created = api.check(
        client.post(url, json={"name": "Әлия", "email": "aliya@example.kz", "seats": 3}),
        register,
        "post",
    )
    assert created["status"] == "confirmed" and created["waitlist_position"] is None
    assert created["manage_url"] == f"{BASE_URL}/r/{created['token']}"
    waiting = api.check(
        client.post(url, json={"name": "Бота", "email": "bota@example.kz", "seats": 1}),
        register,
        "post",
    )
    assert waiting["status"] == "waitlisted" and waiting["waitlist_position"] == 1
    api.check(client.post(url, data="[1, 2]"), register, "post")
    api.check(client.post(url, json={"name": "", "email": "x", "seats": 0}), register, "post")
    api.check(
        client.post(url, json={"name": "Әлия", "email": "ALIYA@example.kz", "seats": 1}),
        register,
        "post",
    )
    api.check(
        client.post(
            "/api/v1/events/987654/registrations",
            json={"name": "A", "email": "a@example.kz", "seats": 1},
        ),
        register,
        "post",
    )

    one = "/registrations/{token}"
    state = api.check(client.get(f"/api/v1/registrations/{waiting['token']}"), one, "get")
    assert state == {
        "status": "waitlisted",
        "seats": 1,
        "waitlist_position": 1,
        "event_id": events["open"],
        "attendance_confirmed": False,
        "photo_consent": False,
    }
    api.check(client.get(f"/api/v1/registrations/{waiting['token'][:-2]}"), one, "get")
    cancelled = api.check(client.delete(f"/api/v1/registrations/{created['token']}"), one, "delete")
    assert cancelled == {"status": "cancelled"}
    promoted = client.get(f"/api/v1/registrations/{waiting['token']}").get_json()
    assert promoted["status"] == "confirmed" and promoted["waitlist_position"] is None
    assert (
        client.get(f"/api/v1/registrations/{created['token']}").get_json()["status"] == "cancelled"
    )
    api.check(client.delete(f"/api/v1/registrations/{created['token']}"), one, "delete")
    api.check(client.delete("/api/v1/registrations/made-up-token-0000000000"), one, "delete")

    # Rate limits answer 429 on every endpoint once an address has used its budget.
    app.config["API_RATE_LIMIT"] = "1 per hour"
    client.get("/api/v1/branches")
    for method, path, real in [
        ("get", "/branches", "/api/v1/branches"),
        ("get", "/events", "/api/v1/events"),
        ("get", "/events/{event_id}", f"/api/v1/events/{events['open']}"),
        ("post", register, url),
        ("get", one, f"/api/v1/registrations/{waiting['token']}"),
        ("delete", one, f"/api/v1/registrations/{waiting['token']}"),
        ("get", "/openapi.json", "/api/v1/openapi.json"),
    ]:
        limited = getattr(client, method)(real, json={} if method == "post" else None)
        assert limited.status_code == 429
        assert "Too many requests" in api.check(limited, path, method)["error"]
    assert (
        client.get(
            f"/api/v1/registrations/{waiting['token']}", environ_base={"REMOTE_ADDR": "192.0.2.9"}
        ).status_code
        == 200
    )

    assert api.seen == api.documented()


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "",
        "[]",
        '"a string"',
        "42",
        "null",
        '{"name": "A", "email": "a@example.kz", "seats": 1',  # cut off
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(client, events, body):
    response = client.post(
        f"/api/v1/events/{events['open']}/registrations",
        data=body,
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.get_json() == {"error": "The request body must be a JSON object."}
    assert registrations_count(client.application) == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"name", "email", "seats"}),
        ({"name": 5, "email": "a@example.kz", "seats": 1}, {"name"}),
        ({"name": ["A"], "email": "a@example.kz", "seats": 1}, {"name"}),
        ({"name": "A", "email": {"x": 1}, "seats": 1}, {"email"}),
        ({"name": "A", "email": "a@example.kz", "seats": "2"}, {"seats"}),
        ({"name": "A", "email": "a@example.kz", "seats": 2.0}, {"seats"}),
        ({"name": "A", "email": "a@example.kz", "seats": True}, {"seats"}),
        ({"name": "A", "email": "a@example.kz", "seats": None}, {"seats"}),
        ({"name": "A", "email": "a@example.kz", "seats": 0}, {"seats"}),
        ({"name": "A", "email": "a@example.kz", "seats": -1}, {"seats"}),
        ({"name": "A", "email": "a@example.kz", "seats": 4}, {"seats"}),
        ({"name": "A", "email": "a@example.kz", "seats": 10**30}, {"seats"}),
        ({"name": "A" * 201, "email": "a@example.kz", "seats": 1}, {"name"}),
        ({"name": "A\u0000B", "email": "a@example.kz", "seats": 1}, {"name"}),
        ({"name": "A\nB", "email": "a@example.kz", "seats": 1}, {"name"}),
        ({"name": "   ", "email": "a@example.kz", "seats": 1}, {"name"}),
        ({"name": "A", "email": "no-at-sign", "seats": 1}, {"email"}),
        ({"name": "A", "email": "a@b@example.kz", "seats": 1}, {"email"}),
        ({"name": "A", "email": "", "seats": 1}, {"email"}),
    ],
)
def test_wrong_types_and_values_are_422_per_field_and_write_nothing(client, events, body, fields):
    response = client.post(f"/api/v1/events/{events['open']}/registrations", json=body)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == fields
    assert all(isinstance(m, str) and m for messages in errors.values() for m in messages)
    assert registrations_count(client.application) == 0


def test_closed_cancelled_drop_in_and_full_events_are_409(client, events):
    body = {"name": "Дана", "email": "dana@example.kz", "seats": 1}
    for key, message in (("cancelled", "cancelled"), ("drop_in", "no registration")):
        response = client.post(f"/api/v1/events/{events[key]}/registrations", json=body)
        assert response.status_code == 409 and message in response.get_json()["error"]
    url = f"/api/v1/events/{events['no_waitlist']}/registrations"
    assert client.post(url, json=body).status_code == 201
    full = client.post(url, json={**body, "email": "other@example.kz"})
    assert full.status_code == 409 and "full" in full.get_json()["error"]
    assert registrations_count(client.application) == 1


def test_the_api_sets_no_cookies(client, events):
    response = client.post(
        f"/api/v1/events/{events['open']}/registrations",
        json={"name": "A", "email": "a@example.kz", "seats": 1},
    )
    assert response.status_code == 201 and "Set-Cookie" not in response.headers

"""Bad input to the staff API: 400 for a body that is no JSON object, 422 naming every bad field,
and nothing stored either way."""

from __future__ import annotations

import pytest

from tests.staff_api_support import bearer, build_world, event_body, local_day, state

DAY = local_day(30)
LONG = "A" * 301


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world(with_registrations=False)


NOT_OBJECTS = ["not json", "", "[]", '"a string"', "42", "null", '{"title": "A"', b"\xff\xfe{}"]


def test_a_body_that_is_not_a_json_object_is_a_400(app, client, world):
    before = state(app)
    mine = bearer(world["secrets"]["a"])
    for body in NOT_OBJECTS:
        for method, url in [
            ("POST", "/api/v1/staff/events"),
            ("PATCH", f"/api/v1/staff/events/{world['event_a']}"),
        ]:
            response = client.open(
                url, method=method, headers=mine, data=body, content_type="application/json"
            )
            assert response.status_code == 400, (method, body)
            assert response.get_json() == {"error": "The request body must be a JSON object."}
    assert state(app) == before


BAD_FIELDS = [
    ({"title": 5}, {"title"}),
    ({"title": ["A"]}, {"title"}),
    ({"title": {"kk": "A"}}, {"title"}),
    ({"title": None}, {"title"}),
    ({"title": ""}, {"title"}),
    ({"title": "   "}, {"title"}),
    ({"title": "A\u0000B"}, {"title"}),
    ({"title": "A\nB"}, {"title"}),
    ({"title": LONG}, {"title"}),
    ({"description": 5}, {"description"}),
    ({"description": "bell\u0007"}, {"description"}),
    ({"description": "x" * 20_001}, {"description"}),
    ({"category": "party"}, {"category"}),
    ({"category": ""}, {"category"}),
    ({"category": 3}, {"category"}),
    ({"audience": "nobody"}, {"audience"}),
    ({"language": "de"}, {"language"}),
    ({"language": ""}, {"language"}),
    ({"registration": "maybe"}, {"registration"}),
    ({"start": f"{DAY}"}, {"start"}),
    ({"start": "tomorrow"}, {"start"}),
    ({"start": ""}, {"start"}),
    ({"start": 1_781_000_000}, {"start"}),
    ({"start": f"{DAY}T25:00"}, {"start"}),
    ({"start": "2026-02-30T10:00"}, {"start"}),
    ({"start": "9999-12-31T23:59"}, {"start"}),
    ({"start": "0001-01-01T00:00+14:00"}, {"start"}),
    ({"start": f"{DAY}T15:00+25:00"}, {"start"}),
    ({"start": f"{DAY}T15:00 "}, {"start"}),
    ({"start": "２０２６-06-10T15:00"}, {"start"}),
    ({"end": f"{DAY}T14:00"}, {"end"}),
    ({"capacity": "20"}, {"capacity"}),
    ({"capacity": 20.0}, {"capacity"}),
    ({"capacity": True}, {"capacity"}),
    ({"capacity": -1}, {"capacity"}),
    ({"capacity": 51}, {"capacity"}),
    ({"capacity": 10**30}, {"capacity"}),
    ({"capacity": None}, {"capacity"}),
    ({"waitlist": "yes"}, {"waitlist"}),
    ({"waitlist": 1}, {"waitlist"}),
    ({"waitlist": None}, {"waitlist"}),
    ({"max_party": 0}, {"max_party"}),
    ({"max_party": 51}, {"max_party"}),
    ({"max_party": "4"}, {"max_party"}),
    ({"opens_at": "soon"}, {"opens_at"}),
    ({"closes_at": f"{DAY}T18:00"}, {"closes_at"}),
    ({"confirm_attendance_hours": 0}, {"confirm_attendance_hours"}),
    ({"confirm_attendance_hours": 721}, {"confirm_attendance_hours"}),
    ({"confirm_attendance_hours": 1.5}, {"confirm_attendance_hours"}),
    ({"confirm_attendance_hours": "24"}, {"confirm_attendance_hours"}),
    ({"confirm_attendance_hours": True}, {"confirm_attendance_hours"}),
    ({"confirm_attendance_hours": 10**30}, {"confirm_attendance_hours"}),
    ({"translations": "ru"}, {"translations"}),
    ({"translations": ["ru"]}, {"translations"}),
    ({"translations": {"de": {"title": "Lampe"}}}, {"translations.de"}),
    ({"translations": {"ru": "Лампа"}}, {"translations.ru"}),
    ({"translations": {"ru": {"subtitle": "x"}}}, {"translations.ru.subtitle"}),
    ({"translations": {"ru": {"title": 5}}}, {"translations.ru.title"}),
    ({"translations": {"ru": {"title": LONG}}}, {"translations.ru.title"}),
    ({"translations": {"en": {"title": "A\u0000"}}}, {"translations.en.title"}),
    ({"translations": {"ru": {"description": "\u001b[31m"}}}, {"translations.ru.description"}),
    ({"colour": "red"}, {"colour"}),
    ({"id": 7, "seats_left": 3}, {"id", "seats_left"}),
    ({"venue_id": "1"}, {"venue_id"}),
    ({"venue_id": True}, {"venue_id"}),
    ({"venue_id": 1.0}, {"venue_id"}),
    ({"venue_id": None}, {"venue_id"}),
    (
        {"title": 5, "capacity": "x", "start": "nope", "colour": 1},
        {"title", "capacity", "start", "colour"},
    ),
    ({"title": "", "category": "party", "max_party": 0}, {"title", "category", "max_party"}),
]


def refusals(app, send) -> list[str]:
    """Send every case of BAD_FIELDS; what went otherwise than a 422 naming exactly its fields
    and changing nothing."""
    before = state(app)
    problems = []
    for changes, fields in BAD_FIELDS:
        response = send(changes)
        errors = (response.get_json() or {}).get("errors") or {}
        messages = [m for found in errors.values() for m in found]
        if response.status_code != 422 or set(errors) != fields:
            problems.append(f"{changes!r:.120}: {response.status_code} {errors!r:.300}")
        elif not all(isinstance(m, str) and m for m in messages):
            problems.append(f"{changes!r:.120}: empty messages")
        elif state(app) != before:
            problems.append(f"{changes!r:.120}: something changed")
    return problems


def test_bad_fields_of_a_new_event_are_422_each_named_and_nothing_is_stored(app, client, world):
    mine = bearer(world["secrets"]["a"])

    def send(changes):
        body = {**event_body(world["hall_a"]), **changes}
        return client.post("/api/v1/staff/events", headers=mine, json=body)

    assert refusals(app, send) == []


def test_bad_fields_of_a_change_are_422_and_the_event_stays_as_it_was(app, client, world):
    mine = bearer(world["secrets"]["a"])
    url = f"/api/v1/staff/events/{world['event_a']}"

    def send(changes):
        if "end" in changes or "closes_at" in changes:  # relative to the body's start
            changes = {"start": f"{DAY}T15:00", "end": f"{DAY}T16:30", **changes}
        return client.patch(url, headers=mine, json=changes)

    assert refusals(app, send) == []


def test_a_new_event_needs_every_required_field(app, client, world):
    response = client.post("/api/v1/staff/events", headers=bearer(world["secrets"]["a"]), json={})
    assert response.status_code == 422
    required = (
        "venue_id title description category audience language start end registration capacity"
    )
    assert set(response.get_json()["errors"]) == set(required.split())


def test_messages_come_in_the_language_asked_for(app, client, world):
    body = event_body(world["hall_a"], category="party")
    response = client.post(
        "/api/v1/staff/events",
        headers={**bearer(world["secrets"]["a"]), "Accept-Language": "ru"},
        json=body,
    )
    assert response.status_code == 422
    assert response.get_json()["errors"]["category"] != ["Unknown category."]

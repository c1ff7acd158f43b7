"""The staff API for a season: series with dry runs, edits of all or following dates, closures."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Closure, Series
from tests.staff_api_support import (
    bearer,
    build_world,
    event_body,
    local_day,
    mails,
    register,
    state,
)


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world(with_registrations=False)


def series_body(world, **changes):
    body = event_body(world["hall_a"], title="English conversation club", language="en")
    body.update(rrule="FREQ=WEEKLY;COUNT=6")
    body.update(changes)
    return body


def series_count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Series.id))).scalar_one()


def as_staff(world, who="a"):
    return bearer(world["secrets"][who])


def test_a_dry_run_answers_like_the_real_request_and_saves_nothing(app, client, world):
    before = state(app)
    dry = client.post(
        "/api/v1/staff/series", json=series_body(world, dry_run=True), headers=as_staff(world)
    )
    assert dry.status_code == 200, dry.get_json()
    planned = dry.get_json()
    assert planned["id"] is None and len(planned["occurrences"]) + len(planned["skipped"]) == 6
    assert {o["id"] for o in planned["occurrences"]} == {None}
    assert state(app) == before and series_count(app) == 0

    real = client.post("/api/v1/staff/series", json=series_body(world), headers=as_staff(world))
    assert real.status_code == 201, real.get_json()
    made = real.get_json()
    assert isinstance(made["id"], int) and made["registration_mode"] == "per_occurrence"
    assert [o["start"] for o in made["occurrences"]] == [o["start"] for o in planned["occurrences"]]
    assert made["skipped"] == planned["skipped"]
    assert {o["series_id"] for o in made["occurrences"]} == {made["id"]}
    assert real.headers["Location"].endswith(f"/api/v1/series/{made['id']}")
    public = client.get(f"/api/v1/series/{made['id']}").get_json()
    assert [o["id"] for o in public["occurrences"]] == [o["id"] for o in made["occurrences"]]


def test_a_weekly_wednesday_series_skips_independence_day(app, client, world):
    body = series_body(
        world,
        start="2027-12-01T15:00",
        end="2027-12-01T16:00",
        rrule="FREQ=WEEKLY;BYDAY=WE;UNTIL=20271222",
        dry_run=True,
    )
    planned = client.post("/api/v1/staff/series", json=body, headers=as_staff(world)).get_json()
    assert [o["start"][:10] for o in planned["occurrences"]] == [
        "2027-12-01",
        "2027-12-08",
        "2027-12-15",
        "2027-12-22",
    ]
    # 2027-12-16 is a Thursday: nothing skipped; a Thursday rule skips it.
    body.update(
        rrule="FREQ=WEEKLY;BYDAY=TH;UNTIL=20271223",
        start="2027-12-02T15:00",
        end="2027-12-02T16:00",
    )
    planned = client.post("/api/v1/staff/series", json=body, headers=as_staff(world)).get_json()
    assert planned["skipped"] == [
        {"date": "2027-12-16", "kind": "holiday", "reason": "Independence Day"}
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"rrule": "FREQ=NONSENSE"}, "rrule"),
        ({"rrule": None}, "rrule"),
        ({"rrule": 7}, "rrule"),
        ({"rrule": "FREQ=DAILY"}, "rrule"),
        ({"rrule": "FREQ=WEEKLY;UNTIL=20200101"}, "rrule"),
        ({"registration_mode": "sometimes"}, "registration_mode"),
        ({"skip_public_holidays": "no"}, "skip_public_holidays"),
        ({"dry_run": "yes"}, "dry_run"),
        ({"title": ""}, "title"),
        ({"capacity": "20"}, "capacity"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_series_are_422_and_change_nothing(app, client, world, changes, field):
    before = state(app)
    for dry_run in (True, False):
        answer = client.post(
            "/api/v1/staff/series",
            json=series_body(world, **{"dry_run": dry_run, **changes}),
            headers=as_staff(world),
        )
        assert answer.status_code == 422, answer.get_json()
        assert field in answer.get_json()["errors"]
    assert state(app) == before and series_count(app) == 0


def test_a_series_clashing_with_an_event_names_the_date_and_the_event(app, client, world):
    day = local_day(44)
    blocker = event_body(
        world["hall_a"], title="Күй кеші", start=f"{day}T15:30", end=f"{day}T17:00"
    )
    assert (
        client.post("/api/v1/staff/events", json=blocker, headers=as_staff(world)).status_code
        == 201
    )
    before = state(app)
    start = (date.fromisoformat(day) - timedelta(days=14)).isoformat()
    body = series_body(world, start=f"{start}T15:00", end=f"{start}T16:00")
    for dry_run in (True, False):
        answer = client.post(
            "/api/v1/staff/series", json={**body, "dry_run": dry_run}, headers=as_staff(world)
        )
        assert answer.status_code == 422
        message = answer.get_json()["errors"]["start"][0]
        assert "Күй кеші" in message
    assert state(app) == before


def test_tokens_and_branches_are_checked(app, client, world):
    body = series_body(world)
    assert client.post("/api/v1/staff/series", json=body).status_code == 401
    for who in ("revoked", "disabled"):
        assert (
            client.post("/api/v1/staff/series", json=body, headers=as_staff(world, who)).status_code
            == 401
        )
    assert (
        client.post("/api/v1/staff/series", json=body, headers=as_staff(world, "b")).status_code
        == 403
    )
    made = client.post("/api/v1/staff/series", json=body, headers=as_staff(world)).get_json()
    url = f"/api/v1/staff/series/{made['id']}"
    assert client.patch(url, json={"title": "X"}, headers=as_staff(world, "b")).status_code == 403
    assert client.post(url + "/cancel", headers=as_staff(world, "b")).status_code == 403
    assert (
        client.patch(url, json={"title": "X"}, headers=as_staff(world, "admin")).status_code == 200
    )
    for unknown in ("999999", "2147483648"):
        assert (
            client.patch(
                f"/api/v1/staff/series/{unknown}", json={}, headers=as_staff(world)
            ).status_code
            == 404
        )
    assert (
        client.post(
            url + "/cancel", data="[]", content_type="application/json", headers=as_staff(world)
        ).status_code
        == 400
    )


def test_all_and_following_edits_tell_registrants_and_keep_dates(app, client, world):
    made = client.post(
        "/api/v1/staff/series", json=series_body(world), headers=as_staff(world)
    ).get_json()
    ids = [o["id"] for o in made["occurrences"]]
    with app.app_context():
        register(ids[0], "Әлия", "aliya@example.kz", 1)
        register(ids[-1], "Бота", "bota@example.kz", 1)
        db.session.commit()
    url = f"/api/v1/staff/series/{made['id']}"
    day = made["occurrences"][0]["start"][:10]
    moved = client.patch(
        url,
        json={
            "scope": "following",
            "from_event": ids[2],
            "start": f"{day}T17:00",
            "end": f"{day}T18:30",
        },
        headers=as_staff(world),
    )
    assert moved.status_code == 200, moved.get_json()
    after = moved.get_json()["occurrences"]
    assert [o["start"][11:16] for o in after] == ["15:00", "15:00"] + ["17:00"] * (len(ids) - 2)
    assert [o["start"][:10] for o in after] == [o["start"][:10] for o in made["occurrences"]]
    with app.app_context():
        assert mails("event_moved") == ["bota@example.kz"]
    everything = client.patch(
        url, json={"scope": "all", "capacity": 30}, headers=as_staff(world)
    ).get_json()
    assert {o["capacity"] for o in everything["occurrences"]} == {30}

    for bad in (
        {"scope": "some"},
        {"scope": "following"},
        {"scope": "following", "from_event": "1"},
    ):
        assert client.patch(url, json=bad, headers=as_staff(world)).status_code == 422
    other = client.post(
        "/api/v1/staff/series",
        json=series_body(world, venue_id=world["room_a"], capacity=5),
        headers=as_staff(world),
    ).get_json()
    stranger = other["occurrences"][0]["id"]
    answer = client.patch(
        url,
        json={"scope": "following", "from_event": stranger, "title": "Y"},
        headers=as_staff(world),
    )
    assert answer.status_code == 422 and "from_event" in answer.get_json()["errors"]

    cancelled = client.post(url + "/cancel", json={"from_event": ids[1]}, headers=as_staff(world))
    assert [o["status"] for o in cancelled.get_json()["occurrences"]] == ["scheduled"] + [
        "cancelled"
    ] * (len(ids) - 1)
    with app.app_context():
        assert "bota@example.kz" in mails("event_cancelled")


def test_closures_by_range_and_rule_list_conflicts_and_refuse_single_events(app, client, world):
    base = "/api/v1/staff/branches/chekhov/closures"
    ahead = 31 if date.fromisoformat(local_day(30)).weekday() == 4 else 30  # not a sanitary day
    day = local_day(ahead)
    made = client.post(
        "/api/v1/staff/events",
        json=event_body(world["hall_a"], start=f"{day}T15:00", end=f"{day}T16:30"),
        headers=as_staff(world),
    ).get_json()
    closed = client.post(
        base, json={"start": day, "end": day, "reason": "Ремонт"}, headers=as_staff(world)
    )
    assert closed.status_code == 201, closed.get_json()
    body = closed.get_json()
    assert body["end"] == day and body["rrule"] is None
    assert [e["id"] for e in body["conflicting_events"]] == [made["id"]]
    monthly = client.post(
        base,
        json={"rrule": "FREQ=MONTHLY;BYDAY=-1FR", "reason": "Санитарный день"},
        headers=as_staff(world),
    )
    assert monthly.status_code == 201 and monthly.get_json()["rrule"] == "FREQ=MONTHLY;BYDAY=-1FR"
    listed = client.get(base, headers=as_staff(world)).get_json()["closures"]
    assert len(listed) == 2

    refused = client.post(
        "/api/v1/staff/events",
        json=event_body(world["room_a"], capacity=5, start=f"{day}T10:00", end=f"{day}T11:00"),
        headers=as_staff(world),
    )
    assert refused.status_code == 422 and "Ремонт" in refused.get_json()["errors"]["start"][0]

    for bad in (
        {"start": day},
        {"start": "tomorrow", "end": day},
        {"rrule": "FREQ=NO"},
        {"start": day, "end": day, "why": "x"},
    ):
        assert client.post(base, json=bad, headers=as_staff(world)).status_code == 422
    assert client.post(base, json=[1], headers=as_staff(world)).status_code == 400
    assert (
        client.get("/api/v1/staff/branches/begalin/closures", headers=as_staff(world)).status_code
        == 403
    )
    assert (
        client.get("/api/v1/staff/branches/nowhere/closures", headers=as_staff(world)).status_code
        == 404
    )
    closure_id = body["id"]
    assert (
        client.delete(
            f"/api/v1/staff/closures/{closure_id}", headers=as_staff(world, "b")
        ).status_code
        == 403
    )
    assert (
        client.delete(f"/api/v1/staff/closures/{closure_id}", headers=as_staff(world)).status_code
        == 204
    )
    assert (
        client.delete(f"/api/v1/staff/closures/{closure_id}", headers=as_staff(world)).status_code
        == 404
    )
    with app.app_context():
        assert db.session.execute(select(func.count(Closure.id))).scalar_one() == 1

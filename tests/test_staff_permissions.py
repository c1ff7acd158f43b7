"""The permission matrix: every staff route for anonymous visitors, staff of the event's branch,
staff of another branch and administrators."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from flask import url_for

from calendar_app.extensions import db
from calendar_app.models import Event, StaffUser
from calendar_app.timeutil import utcnow
from tests.factories import NOW, make_branch, make_event, make_venue
from tests.staff_support import log_in, make_staff


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)
    staff: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(app) -> World:
    with app.app_context():
        branch_a = make_branch("branch-a", name="Branch A")
        branch_b = make_branch("branch-b", name="Branch B")
        venue_a = make_venue(branch_a, "Hall A", capacity=50)
        venue_b = make_venue(branch_b, "Hall B", capacity=50)
        soon = utcnow() + timedelta(days=7)
        event_a = make_event(branch_a, venue_a, title="Құтадғу білік", capacity=20, starts_at=soon)
        event_b = make_event(branch_b, venue_b, title="Event of B", capacity=20, starts_at=soon)
        staff_a = make_staff("a@example.kz", branches=[branch_a])
        staff_b = make_staff("b@example.kz", branches=[branch_b])
        admin = make_staff("admin@example.kz", is_admin=True)
        db.session.commit()
        result = World(
            ids={
                "branch": branch_a.id,
                "venue": venue_a.id,
                "venue_b": venue_b.id,
                "event": event_a.id,
                "event_b": event_b.id,
                "staff": staff_a.id,
            }
        )
        result.staff = {
            "branch": staff_a.get_id(),
            "other": staff_b.get_id(),
            "admin": admin.get_id(),
            "anonymous": None,
        }
        return result


def event_form(world: World) -> dict[str, Any]:
    return {
        "title": "Changed title",
        "category": "master_class",
        "audience": "children",
        "language": "kk",
        "venue_id": world.ids["venue"],
        "starts_at": "2026-06-10T15:00",
        "ends_at": "2026-06-10T16:30",
        "registration": "required",
        "capacity": "25",
        "max_party": "4",
        "waitlist_enabled": "y",
    }


# (method, path, form builder or None, status for permitted users, admin only)
ROUTES: list[tuple[str, str, Any, set[int], bool]] = [
    ("GET", "/staff/", None, {200}, False),
    ("GET", "/staff/events/new", None, {200}, False),
    ("GET", "/staff/events/{event}/edit", None, {200}, False),
    ("POST", "/staff/events/{event}/edit", event_form, {302}, False),
    ("GET", "/staff/events/{event}/cancel", None, {200}, False),
    ("POST", "/staff/events/{event}/cancel", None, {302}, False),
    ("GET", "/staff/events/{event}/roster", None, {200}, False),
]
BRANCH_SPECIFIC = {path for _m, path, *_rest in ROUTES if "{" in path}
ROLES = ["anonymous", "branch", "other", "admin"]


def route_id(route: tuple) -> str:
    return f"{route[0]} {route[1]}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_permission_matrix(app, client, world, route, role):
    method, template, form_builder, allowed, admin_only = route
    path = template.format(**world.ids)
    log_in(client, world.staff[role])
    data = form_builder(world) if form_builder else {}
    response = client.open(path, method=method, data=data)
    if role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/staff/login?next=")
    elif role == "other" and (template in BRANCH_SPECIFIC or admin_only):
        assert response.status_code in (403, 404)
    elif role == "branch" and admin_only:
        assert response.status_code == 403
    else:
        assert response.status_code in allowed, response.get_data(as_text=True)[:2000]
    if role in ("anonymous", "other") and method == "POST":
        with app.app_context():
            event = db.session.get(Event, world.ids["event"])
            assert event.title == "Құтадғу білік" and event.status == "scheduled"


@pytest.mark.parametrize("route", [r for r in ROUTES if "{event}" in r[1]], ids=route_id)
def test_unknown_ids_answer_404(client, world, route):
    method, template, form_builder, _allowed, _admin_only = route
    log_in(client, world.staff["admin"])
    data = form_builder(world) if form_builder else {}
    response = client.open(
        template.format(**{**world.ids, "event": 987654}), method=method, data=data
    )
    assert response.status_code == 404


def test_the_dashboard_shows_only_my_branches(client, world):
    log_in(client, world.staff["other"])
    page = client.get("/staff/").get_data(as_text=True)
    assert "Event of B" in page and "Құтадғу білік" not in page
    log_in(client, world.staff["admin"])
    page = client.get("/staff/").get_data(as_text=True)
    assert "Event of B" in page and "Құтадғу білік" in page


def test_every_staff_route_is_in_the_matrix(app):
    """A new staff route must be added to the matrix above (or to a later module's matrix)."""
    from tests import test_staff_permissions as module

    covered = {template.split("?")[0] for _m, template, *_ in module.ROUTES}
    covered |= getattr(module, "EXTRA_COVERED", set())
    with app.test_request_context():
        rules = {
            rule.rule.replace("<int:event_id>", "{event}")
            for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("staff.") and rule.endpoint not in ("staff.login",)
        }
        assert url_for("staff.dashboard") == "/staff/"
    rules.discard("/staff/logout")
    assert rules <= covered, rules - covered


def test_a_disabled_account_is_logged_out_at_once(app, client, world):
    log_in(client, world.staff["branch"])
    assert client.get("/staff/").status_code == 200
    with app.app_context():
        staff = db.session.get(StaffUser, world.ids["staff"])
        staff.active = False
        db.session.commit()
    assert client.get("/staff/").status_code == 302


def test_a_past_event_of_my_branch_is_still_mine(app, client, world):
    with app.app_context():
        event = db.session.get(Event, world.ids["event"])
        event.starts_at = NOW - timedelta(days=30)
        event.ends_at = NOW - timedelta(days=30) + timedelta(hours=1)
        db.session.commit()
    log_in(client, world.staff["branch"])
    assert client.get(f"/staff/events/{world.ids['event']}/roster").status_code == 200

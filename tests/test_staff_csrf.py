"""With CSRF protection on (as in production), staff forms without a valid token are refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Event
from tests.factories import make_branch, make_venue
from tests.staff_support import CHEAP_METHOD, PASSWORD, make_staff


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True, "STAFF_PASSWORD_METHOD": CHEAP_METHOD}


def csrf_token(client, path):
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, page
    return match.group(1)


@pytest.fixture
def venue_id(app):
    with app.app_context():
        branch = make_branch("children")
        venue = make_venue(branch, "Hall", capacity=30)
        make_staff("staff@example.kz", branches=[branch])
        db.session.commit()
        return venue.id


def log_in_with_form(client):
    token = csrf_token(client, "/staff/login")
    response = client.post(
        "/staff/login",
        data={"email": "staff@example.kz", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302


def test_login_without_a_token_is_refused(client, venue_id):
    response = client.post("/staff/login", data={"email": "staff@example.kz", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/staff/").status_code == 302


def test_forms_without_a_valid_token_are_refused_and_change_nothing(app, client, venue_id):
    log_in_with_form(client)
    data = {
        "branch_id": "1",
        "title": "Without token",
        "category": "other",
        "audience": "all",
        "language": "kk",
        "venue_id": str(venue_id),
        "starts_at": "2026-06-10T15:00",
        "ends_at": "2026-06-10T16:00",
        "registration": "required",
        "capacity": "10",
        "max_party": "4",
    }
    assert client.post("/staff/events/new", data=data).status_code == 400
    assert (
        client.post("/staff/events/new", data={**data, "csrf_token": "forged"}).status_code == 400
    )
    with app.app_context():
        assert db.session.execute(select(func.count(Event.id))).scalar_one() == 0
    token = csrf_token(client, "/staff/events/new")
    assert client.post("/staff/events/new", data={**data, "csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.execute(select(func.count(Event.id))).scalar_one() == 1


def test_logout_needs_the_token(client, venue_id):
    log_in_with_form(client)
    assert client.post("/staff/logout").status_code == 400
    assert client.get("/staff/").status_code == 200
    token = csrf_token(client, "/staff/")
    assert client.post("/staff/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/staff/").status_code == 302

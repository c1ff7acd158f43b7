"""Anti-automation: a per-address budget of registration attempts, shared by form and API."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Registration
from calendar_app.timeutil import utcnow
from tests.conftest import TEST_REDIS_URL, requires_redis
from tests.factories import make_event

LIMITED = {"RATELIMIT_ENABLED": True, "REGISTRATION_RATE_LIMIT": "3 per minute"}


@pytest.fixture
def event_id(app):
    with app.app_context():
        event = make_event(capacity=50, now=utcnow())
        db.session.commit()
        return event.id


def attempt(client, event_id, number, *, api=False, address="198.51.100.7"):
    fields = {"name": f"Visitor {number}", "email": f"v{number}@example.kz", "seats": 1}
    environ = {"REMOTE_ADDR": address}
    if api:
        return client.post(
            f"/api/v1/events/{event_id}/registrations", json=fields, environ_base=environ
        )
    return client.post(f"/events/{event_id}/register", data=fields, environ_base=environ)


def stored(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Registration.id))).scalar_one()


@pytest.mark.parametrize("app_config", [LIMITED])
def test_form_and_api_share_one_budget_per_address(app, client, event_id):
    assert attempt(client, event_id, 1).status_code == 303
    assert attempt(client, event_id, 2, api=True).status_code == 201
    assert attempt(client, event_id, 3).status_code == 303
    page = attempt(client, event_id, 4)
    assert page.status_code == 429
    text = page.get_data(as_text=True)
    assert (
        "Too many registration attempts from your address" in text and "Too many requests" in text
    )
    api = attempt(client, event_id, 5, api=True)
    assert api.status_code == 429
    assert "Too many registration attempts" in api.get_json()["error"]
    assert stored(app) == 3
    # Another address is not affected; reading pages and the API is not limited by it.
    assert attempt(client, event_id, 6, address="198.51.100.8").status_code == 303
    assert (
        client.get("/api/v1/branches", environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code
        == 200
    )
    assert stored(app) == 4


@pytest.mark.parametrize("app_config", [LIMITED])
def test_failed_attempts_count_too(app, client, event_id):
    for _ in range(3):
        response = client.post(
            f"/events/{event_id}/register",
            data={"name": "", "email": "x", "seats": "0"},
            environ_base={"REMOTE_ADDR": "198.51.100.9"},
        )
        assert response.status_code == 422
    assert attempt(client, event_id, 1, address="198.51.100.9").status_code == 429
    assert stored(app) == 0


@requires_redis
@pytest.mark.parametrize("app_config", [{**LIMITED, "RATELIMIT_STORAGE_URI": TEST_REDIS_URL}])
def test_limits_are_kept_in_redis_and_shared_by_processes(
    redis_url, app, client, event_id, database_url, tmp_path
):
    """A second app (another process would be the same) sees the hits counted by the first."""
    from calendar_app import create_app
    from tests.conftest import make_test_config

    address = f"2001:db8::{uuid.uuid4().hex[:4]}"  # fresh counters in the shared Redis
    for number in range(3):
        assert attempt(client, event_id, number, address=address).status_code == 303
    other = create_app(
        make_test_config(
            database_url, tmp_path / "other", **LIMITED, RATELIMIT_STORAGE_URI=redis_url
        )
    )
    response = attempt(other.test_client(), event_id, 9, api=True, address=address)
    assert response.status_code == 429
    assert stored(app) == 3

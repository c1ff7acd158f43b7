"""TRUSTED_PROXIES: behind a proxy, per-address limits count each visitor, not the proxy."""

from __future__ import annotations

import pytest

from calendar_app.extensions import db
from calendar_app.timeutil import utcnow
from tests.factories import make_event

PROXY = "127.0.0.1"
LIMITED = {"RATELIMIT_ENABLED": True, "REGISTRATION_RATE_LIMIT": "3 per minute"}


@pytest.fixture
def event_id(app):
    with app.app_context():
        event = make_event(capacity=50, now=utcnow())
        db.session.commit()
        return event.id


def register(client, event_id, number, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        f"/events/{event_id}/register",
        data={"name": f"Visitor {number}", "email": f"v{number}@example.kz", "seats": 1},
        headers=headers,
        environ_base={"REMOTE_ADDR": PROXY},
    )


@pytest.mark.parametrize("app_config", [{**LIMITED, "TRUSTED_PROXIES": 1}])
def test_behind_one_trusted_proxy_each_visitor_has_own_budget(client, event_id):
    for number in range(3):
        assert register(client, event_id, number, "203.0.113.10").status_code == 303
    assert register(client, event_id, 3, "203.0.113.10").status_code == 429
    # Another visitor behind the same proxy is not held back by the first one's attempts.
    for number in range(4, 7):
        assert register(client, event_id, number, "203.0.113.20").status_code == 303
    assert register(client, event_id, 7, "203.0.113.20").status_code == 429


@pytest.mark.parametrize("app_config", [{**LIMITED, "TRUSTED_PROXIES": 1}])
def test_only_the_address_the_trusted_proxy_added_counts(client, event_id):
    """A visitor's own X-Forwarded-For entries come before the proxy's and are not believed."""
    for number in range(3):
        forged = f"198.51.100.{number}, 203.0.113.30"
        assert register(client, event_id, number, forged).status_code == 303
    assert register(client, event_id, 3, "198.51.100.99, 203.0.113.30").status_code == 429


@pytest.mark.parametrize("app_config", [LIMITED, {**LIMITED, "TRUSTED_PROXIES": 0}])
def test_without_trusted_proxies_the_header_is_ignored(client, event_id):
    for number in range(3):
        assert register(client, event_id, number, f"203.0.113.{number}").status_code == 303
    # A new forged address each time does not dodge the limit of the real peer.
    assert register(client, event_id, 3, "203.0.113.99").status_code == 429


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": 1}])
def test_scheme_comes_from_the_trusted_proxy(app, event_id):
    seen = {}

    @app.get("/__scheme")
    def scheme():
        from flask import request

        seen["scheme"], seen["address"] = request.scheme, request.remote_addr
        return "ok"

    response = app.test_client().get(
        "/__scheme",
        headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.40"},
        environ_base={"REMOTE_ADDR": PROXY},
    )
    assert response.status_code == 200
    assert seen == {"scheme": "https", "address": "203.0.113.40"}


def test_a_negative_number_of_proxies_is_refused(database_url, tmp_path):
    from calendar_app import create_app
    from tests.conftest import make_test_config

    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        create_app(make_test_config(database_url, tmp_path / "instance", TRUSTED_PROXIES=-1))

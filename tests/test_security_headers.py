"""Security headers: the Content-Security-Policy (and its /embed exception), nosniff, the
referrer policy, HSTS over https, and which responses no cache may keep."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from calendar_app import create_app
from calendar_app.extensions import db
from calendar_app.security import generate_token
from calendar_app.timeutil import utcnow
from tests.conftest import make_test_config
from tests.factories import make_branch, make_event, make_registration
from tests.staff_support import log_in, make_staff

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
HSTS = "max-age=31536000; includeSubDomains"


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@pytest.fixture
def event_id(app) -> int:
    with app.app_context():
        event = make_event(make_branch("chekhov"), starts_at=utcnow() + timedelta(days=3))
        db.session.commit()
        return event.id


def test_every_page_carries_the_strict_policy_and_its_companions(client, event_id):
    for path in ("/", f"/events/{event_id}", "/calendar", "/branches/chekhov", "/staff/login"):
        response = client.get(path)
        assert response.status_code == 200, path
        policy = directives(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"]
        assert policy["form-action"] == ["'self'"]
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert response.headers["Strict-Transport-Security"] == HSTS  # BASE_URL is https


def test_error_pages_feeds_and_the_api_carry_them_too(client, event_id):
    for path in ("/no-such-page", "/calendar.ics", f"/api/v1/events/{event_id}", "/?from=x"):
        response = client.get(path)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert directives(response)["frame-ancestors"] == ["'none'"], path
        assert response.headers["Strict-Transport-Security"] == HSTS


@pytest.mark.parametrize("app_config", [{"BASE_URL": "http://127.0.0.1:5000"}])
def test_no_hsts_when_the_site_is_served_over_plain_http(client):
    response = client.get("/")
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_embed_may_be_framed_by_the_site_itself_only_by_default(client):
    for path in ("/embed", "/embed/"):
        assert directives(client.get(path))["frame-ancestors"] == ["'self'"]
    assert directives(client.get("/embedded"))["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize(
    "app_config",
    [{"EMBED_ALLOWED_ORIGINS": "https://chekhov-library.kz  http://hub.example.kz:8080"}],
)
def test_embed_may_be_framed_by_the_allowed_origins(client):
    embed = directives(client.get("/embed?branch=chekhov"))
    assert embed["frame-ancestors"] == [
        "'self'",
        "https://chekhov-library.kz",
        "http://hub.example.kz:8080",
    ]
    assert embed["default-src"] == ["'self'"]
    # Every other page still refuses to be framed, by those origins as well.
    assert directives(client.get("/"))["frame-ancestors"] == ["'none'"]


def test_allowed_origins_come_from_the_environment(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBED_ALLOWED_ORIGINS", "https://begalin-library.kz")
    app = create_app(make_test_config(database_url, tmp_path / "instance"))
    assert app.config["EMBED_ALLOWED_ORIGINS"] == ("https://begalin-library.kz",)
    response = app.test_client().get("/embed")
    assert directives(response)["frame-ancestors"] == ["'self'", "https://begalin-library.kz"]


@pytest.mark.parametrize(
    "value",
    [
        "https://a.kz; script-src *",
        "*",
        "https://a.kz/path",
        "'unsafe-inline'",
        "chekhov-library.kz",
        "javascript:alert(1)",
    ],
)
def test_a_value_that_is_not_a_list_of_origins_stops_the_start(database_url, tmp_path, value):
    with pytest.raises(ValueError, match="EMBED_ALLOWED_ORIGINS"):
        create_app(
            make_test_config(database_url, tmp_path / "instance", EMBED_ALLOWED_ORIGINS=value)
        )


def test_templates_have_nothing_the_policy_would_refuse():
    """No inline script (JSON data blocks are allowed: they do not run), no style element or
    attribute, no event-handler attribute in any page template (mail is not a web page)."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(ld\+)?json\")")
    refused = {
        "inline script": inline_script,
        "style element": re.compile(r"<style\b", re.IGNORECASE),
        "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
        "event handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
        "javascript: link": re.compile(r"javascript:", re.IGNORECASE),
    }
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.relative_to(TEMPLATES).parts[0] == "mail":
            continue
        text = path.read_text(encoding="utf-8")
        found += [
            f"{path.name}: {what}" for what, pattern in refused.items() if pattern.search(text)
        ]
    assert found == []


def test_a_visitors_registration_pages_are_kept_by_no_cache(client, app):
    token = generate_token()
    with app.app_context():
        event = make_event(make_branch(), starts_at=utcnow() + timedelta(days=3))
        make_registration(event.id, token=token, email="aigerim@example.kz")
        db.session.commit()
    paths = [
        f"/r/{token}",
        f"/r/{token}.ics",
        f"/r/{token}/cancel",
        f"/r/{token}/confirm",
        "/r/not-a-token",
        "/r/not-a-token.ics",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code < 500, path
        assert response.headers["Cache-Control"] == "private, no-store", path
    assert client.get(f"/r/{token}").status_code == 200


def test_staff_pages_are_kept_by_no_cache_and_public_ones_keep_their_caching(client, app):
    with app.app_context():
        branch = make_branch("begalin")
        event = make_event(branch, starts_at=utcnow() + timedelta(days=3))
        staff = make_staff(branches=[branch])
        db.session.commit()
        log_in(client, staff)
        event_id = event.id
    for path in (
        "/staff/",
        f"/staff/events/{event_id}/roster",
        f"/staff/events/{event_id}/roster.csv",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "private, no-store", path
    assert client.get("/staff/login").headers["Cache-Control"] == "private, no-store"
    for path in ("/", f"/events/{event_id}", "/branches/begalin"):
        assert "no-store" not in client.get(path).headers.get("Cache-Control", ""), path
    for path in ("/calendar.ics", "/branches/begalin/calendar.ics", f"/events/{event_id}.ics"):
        assert client.get(path).headers["Cache-Control"] == "public, no-cache", path

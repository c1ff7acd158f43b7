"""Every documented answer of the staff API, produced for real and checked against openapi.json."""

from __future__ import annotations

import io

import pytest
from openapi_spec_validator import validate as validate_spec

from calendar_app.api.event_schema import FIELDS, REQUIRED
from tests.openapi_contract import Contract
from tests.poster_images import png
from tests.staff_api_support import bearer, build_world, event_body


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "10000 per minute"}]
)
def test_every_documented_staff_answer_matches_the_document(app, client, world):
    document = client.get("/api/v1/openapi.json").get_json()
    validate_spec(document)
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    event_input = document["components"]["schemas"]["EventInput"]
    assert set(event_input["properties"]) == set(FIELDS) | {"translations"}
    assert event_input["required"] == list(REQUIRED)
    api = Contract(
        document,
        paths=lambda path: (
            path.startswith(("/staff/events", "/staff/registrations")) and "/report" not in path
        ),  # reports: tests/test_staff_report_api.py
    )
    mine, theirs = bearer(world["secrets"]["a"]), bearer(world["secrets"]["b"])
    event_a, people = world["event_a"], world["people"]

    def each(method: str, path: str, url: str, **kwargs) -> dict:
        return api.check(client.open(url, method=method, **kwargs), path, method.lower())

    create = "/staff/events"
    created = each(
        "POST", create, "/api/v1/staff/events", headers=mine, json=event_body(world["hall_a"])
    )
    assert created["series_id"] is None and created["title"]
    each("POST", create, "/api/v1/staff/events", headers=mine, data="[]")
    each("POST", create, "/api/v1/staff/events", json=event_body(world["hall_a"]))
    each("POST", create, "/api/v1/staff/events", headers=mine, json=event_body(world["hall_b"]))
    each("POST", create, "/api/v1/staff/events", headers=mine, json=event_body(987654))
    huge = {**event_body(world["hall_a"]), "description": "x" * (1024 * 1024)}
    each("POST", create, "/api/v1/staff/events", headers=mine, json=huge)
    each("POST", create, "/api/v1/staff/events", headers=mine, json={"title": 5})

    one = "/staff/events/{event_id}"
    url = f"/api/v1/staff/events/{created['id']}"
    changed = each("PATCH", one, url, headers=mine, json={"title": "Күй кеші"})
    assert changed["title"] == "Күй кеші"
    each("PATCH", one, url, headers=mine, data="nope", content_type="application/json")
    each("PATCH", one, url, headers=bearer(world["secrets"]["revoked"]), json={})
    each("PATCH", one, url, headers=theirs, json={})
    each("PATCH", one, url, headers=mine, json={"venue_id": world["hall_b"]})
    each("PATCH", one, "/api/v1/staff/events/987654", headers=mine, json={})
    each("PATCH", one, url, headers=mine, json={"description": "x" * (1024 * 1024)})
    each("PATCH", one, url, headers=mine, json={"capacity": -1})

    cancel = "/staff/events/{event_id}/cancel"
    assert each("POST", cancel, url + "/cancel", headers=mine)["status"] == "cancelled"
    each("POST", cancel, url + "/cancel", headers=mine)
    each("POST", cancel, url + "/cancel")
    each("POST", cancel, url + "/cancel", headers=theirs)
    each("POST", cancel, "/api/v1/staff/events/987654/cancel", headers=mine)
    each("PATCH", one, url, headers=mine, json={"title": "Too late"})  # 409: cancelled

    poster = "/staff/events/{event_id}/poster"
    poster_a = f"/api/v1/staff/events/{event_a}/poster"

    def put_poster(url: str, data: bytes, headers: dict, **alt: str) -> dict:
        form = {"image": (io.BytesIO(data), "poster.png"), **alt}
        return each("PUT", poster, url, headers=headers, data=form)

    stored = put_poster(poster_a, png(), mine, alt_kk="Афиша")
    assert stored["poster"]["alt"] == {"kk": "Афиша", "ru": None, "en": None}
    put_poster(poster_a, png(), mine, alt_en="")  # 422: no alt text in any language
    put_poster(poster_a, b"not a picture", mine, alt_kk="Афиша")
    put_poster(poster_a, b"\0" * (11 * 2**20), mine, alt_kk="Афиша")  # 413
    put_poster(poster_a, png(), {}, alt_kk="Афиша")
    put_poster(poster_a, png(), theirs, alt_kk="Афиша")
    put_poster("/api/v1/staff/events/987654/poster", png(), mine, alt_kk="Афиша")
    each("DELETE", poster, poster_a, headers=mine)
    each("DELETE", poster, poster_a)
    each("DELETE", poster, poster_a, headers=theirs)
    each("DELETE", poster, "/api/v1/staff/events/987654/poster", headers=mine)

    listing = "/staff/events/{event_id}/registrations"
    rows = each("GET", listing, f"/api/v1/staff/events/{event_a}/registrations", headers=mine)
    assert len(rows["registrations"]) == 5
    each("GET", listing, f"/api/v1/staff/events/{event_a}/registrations")
    each("GET", listing, f"/api/v1/staff/events/{event_a}/registrations", headers=theirs)
    each("GET", listing, "/api/v1/staff/events/987654/registrations", headers=mine)

    check_in = "/staff/registrations/{registration_id}/check-in"
    aliya = f"/api/v1/staff/registrations/{people['aliya']}/check-in"
    assert each("POST", check_in, aliya, headers=mine) == {"checked_in": True}
    each("POST", check_in, aliya, headers=mine)  # 409: already
    each("POST", check_in, aliya)
    each("POST", check_in, aliya, headers=theirs)
    each("POST", check_in, "/api/v1/staff/registrations/987654/check-in", headers=mine)

    # 429 on every staff operation once an address has used its budget, before the token counts.
    app.config["API_RATE_LIMIT"] = "1 per hour"
    client.get("/api/v1/branches")
    for method, path, real in [
        ("POST", create, "/api/v1/staff/events"),
        ("PATCH", one, url),
        ("POST", cancel, url + "/cancel"),
        ("GET", listing, f"/api/v1/staff/events/{event_a}/registrations"),
        ("POST", check_in, aliya),
        ("PUT", poster, poster_a),
        ("DELETE", poster, poster_a),
    ]:
        limited = client.open(real, method=method, headers=mine, json={})
        assert limited.status_code == 429
        api.check(limited, path, method.lower())

    assert api.seen == api.documented()

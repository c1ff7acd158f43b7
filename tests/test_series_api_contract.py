"""Every documented answer of the series and closures operations, checked against openapi.json."""

from __future__ import annotations

import io

import pytest

from calendar_app.extensions import db
from tests.openapi_contract import Contract
from tests.poster_images import png
from tests.staff_api_support import bearer, build_world, event_body


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world(with_registrations=False)


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "10000 per minute"}]
)
def test_every_documented_series_answer_matches_the_document(app, client, world):
    document = client.get("/api/v1/openapi.json").get_json()
    api = Contract(
        document,
        paths=lambda path: path.startswith(
            ("/series/", "/staff/series", "/staff/branches/", "/staff/closures/")
        ),
    )
    mine, theirs = bearer(world["secrets"]["a"]), bearer(world["secrets"]["b"])

    def each(method: str, path: str, url: str, **kwargs):
        return api.check(client.open(url, method=method, **kwargs), path, method.lower())

    def body(**changes):
        return {**event_body(world["hall_a"]), "rrule": "FREQ=WEEKLY;COUNT=3", **changes}

    create = "/staff/series"
    planned = each("POST", create, "/api/v1/staff/series", headers=mine, json=body(dry_run=True))
    assert planned["id"] is None
    made = each("POST", create, "/api/v1/staff/series", headers=mine, json=body())
    course = each(
        "POST",
        create,
        "/api/v1/staff/series",
        headers=mine,
        json=body(venue_id=world["room_a"], capacity=2, registration_mode="whole_series"),
    )
    each("POST", create, "/api/v1/staff/series", headers=mine, data="[]")
    each("POST", create, "/api/v1/staff/series", json=body())
    each("POST", create, "/api/v1/staff/series", headers=mine, json=body(venue_id=world["hall_b"]))
    each("POST", create, "/api/v1/staff/series", headers=mine, json=body(venue_id=987654))
    each("POST", create, "/api/v1/staff/series", headers=mine, json=body(rrule="FREQ=DAILY"))

    one = "/series/{series_id}"
    each("GET", one, f"/api/v1/series/{made['id']}")
    each("GET", one, "/api/v1/series/987654")

    book = "/series/{series_id}/registrations"
    url = f"/api/v1/series/{course['id']}/registrations"
    each("POST", book, url, json={"name": "Әлия", "email": "aliya@example.kz", "seats": 2})
    each("POST", book, url, json={"name": "Әлия", "email": "aliya@example.kz", "seats": 1})  # 409
    each("POST", book, url, data="nope", content_type="application/json")
    each("POST", book, url, json={"name": "", "email": "x", "seats": 0})
    each(
        "POST",
        book,
        "/api/v1/series/987654/registrations",
        json={"name": "A", "email": "a@example.kz", "seats": 1},
    )

    edit = "/staff/series/{series_id}"
    url = f"/api/v1/staff/series/{made['id']}"
    each("PATCH", edit, url, headers=mine, json={"scope": "all", "title": "Ағылшын клубы"})
    each("PATCH", edit, url, headers=mine, data="nope", content_type="application/json")
    each("PATCH", edit, url, json={})
    each("PATCH", edit, url, headers=theirs, json={})
    each("PATCH", edit, "/api/v1/staff/series/987654", headers=mine, json={})
    each("PATCH", edit, url, headers=mine, json={"scope": "sometimes"})

    cancel = "/staff/series/{series_id}/cancel"
    each("POST", cancel, url + "/cancel", headers=mine, json={"from_event": "x"})
    each(
        "POST", cancel, url + "/cancel", headers=mine, data="nope", content_type="application/json"
    )
    each("POST", cancel, url + "/cancel")
    each("POST", cancel, url + "/cancel", headers=theirs)
    each("POST", cancel, "/api/v1/staff/series/987654/cancel", headers=mine)
    each("POST", cancel, url + "/cancel", headers=mine)

    poster = "/staff/series/{series_id}/poster"
    poster_url = f"/api/v1/staff/series/{made['id']}/poster"

    def put_poster(url: str, data: bytes, headers: dict, **alt: str):
        form = {"image": (io.BytesIO(data), "poster.png"), **alt}
        return each("PUT", poster, url, headers=headers, data=form)

    assert put_poster(poster_url, png(), mine, alt_ru="Афиша")["poster"]["alt"]["ru"] == "Афиша"
    assert each("GET", one, f"/api/v1/series/{made['id']}")["poster"]["url"]
    put_poster(poster_url, png(), mine, alt_en="")  # 422: no alt text in any language
    put_poster(poster_url, b"not a picture", mine, alt_kk="Афиша")
    put_poster(poster_url, b"\0" * (11 * 2**20), mine, alt_kk="Афиша")  # 413
    put_poster(poster_url, png(), {}, alt_kk="Афиша")
    put_poster(poster_url, png(), theirs, alt_kk="Афиша")
    put_poster("/api/v1/staff/series/987654/poster", png(), mine, alt_kk="Афиша")
    each("DELETE", poster, poster_url, headers=mine)
    each("DELETE", poster, poster_url)
    each("DELETE", poster, poster_url, headers=theirs)
    each("DELETE", poster, "/api/v1/staff/series/987654/poster", headers=mine)

    closures = "/staff/branches/{slug}/closures"
    base = "/api/v1/staff/branches/chekhov/closures"
    closed = each(
        "POST",
        closures,
        base,
        headers=mine,
        json={"rrule": "FREQ=MONTHLY;BYDAY=-1FR", "reason": "Санитарный день"},
    )
    each("POST", closures, base, headers=mine, data="[]")
    each("POST", closures, base, json={})
    each("POST", closures, "/api/v1/staff/branches/begalin/closures", headers=mine, json={})
    each("POST", closures, "/api/v1/staff/branches/nowhere/closures", headers=mine, json={})
    each("POST", closures, base, headers=mine, json={"start": "soon"})
    each("GET", closures, base, headers=mine)
    each("GET", closures, base)
    each("GET", closures, "/api/v1/staff/branches/begalin/closures", headers=mine)
    each("GET", closures, "/api/v1/staff/branches/nowhere/closures", headers=mine)

    remove = "/staff/closures/{closure_id}"
    each("DELETE", remove, f"/api/v1/staff/closures/{closed['id']}")
    each("DELETE", remove, f"/api/v1/staff/closures/{closed['id']}", headers=theirs)
    each("DELETE", remove, f"/api/v1/staff/closures/{closed['id']}", headers=mine)
    each("DELETE", remove, f"/api/v1/staff/closures/{closed['id']}", headers=mine)  # 404 now

    with app.app_context():
        db.session.remove()
    app.config["API_RATE_LIMIT"] = "1 per hour"
    client.get("/api/v1/branches")
    for method, path, real in [
        ("GET", one, f"/api/v1/series/{made['id']}"),
        ("POST", book, f"/api/v1/series/{course['id']}/registrations"),
        ("POST", create, "/api/v1/staff/series"),
        ("PATCH", edit, url),
        ("POST", cancel, url + "/cancel"),
        ("PUT", poster, poster_url),
        ("DELETE", poster, poster_url),
        ("GET", closures, base),
        ("POST", closures, base),
        ("DELETE", remove, "/api/v1/staff/closures/1"),
    ]:
        limited = client.open(real, method=method, headers=mine, json={})
        assert limited.status_code == 429
        api.check(limited, path, method.lower())

    assert api.seen == api.documented()

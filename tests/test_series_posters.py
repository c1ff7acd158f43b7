"""The poster of a series through the staff API: its dates without a poster of their own show
it, a date's own poster stays, replacing and removing follow, refusals store nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Event, Image, Series
from tests.poster_images import gif, phone_photo, png, png_bomb, truncated_jpeg
from tests.staff_api_support import bearer, build_world, event_body

ALT = {"alt_kk": "Ертегі сағатының афишасы", "alt_ru": "Афиша часа сказок", "alt_en": ""}


@pytest.fixture
def world(app, client):
    with app.app_context():
        ids = build_world(with_registrations=False)
    body = {
        **event_body(ids["hall_a"]),
        "rrule": "FREQ=WEEKLY;COUNT=3",
        "skip_public_holidays": False,
    }
    made = client.post("/api/v1/staff/series", headers=bearer(ids["secrets"]["a"]), json=body)
    assert made.status_code == 201, made.get_data(as_text=True)
    answer = made.get_json()
    ids["series"] = answer["id"]
    ids["dates"] = [occurrence["id"] for occurrence in answer["occurrences"]]
    return ids


def put(client, url: str, secret: str | None, data: bytes, **fields: str):
    form = {"image": (io.BytesIO(data), "poster.png"), **(fields or ALT)}
    headers = bearer(secret) if secret else {}
    return client.put(url, headers=headers, data=form, content_type="multipart/form-data")


def series_url(world) -> str:
    return f"/api/v1/staff/series/{world['series']}/poster"


def posters_of_dates(app, world) -> list[int | None]:
    with app.app_context():
        return [db.session.get(Event, event_id).poster_id for event_id in world["dates"]]


def series_poster(app, world) -> int | None:
    with app.app_context():
        return db.session.get(Series, world["series"]).poster_id


def image_keys(app) -> dict[int, str]:
    with app.app_context():
        return dict(db.session.execute(select(Image.id, Image.key)).all())


def files(app) -> set[str]:
    directory = Path(app.config["UPLOADS_DIR"])
    return {p.name for p in directory.iterdir()} if directory.exists() else set()


def stored(app, world) -> tuple:
    """What a refusal must not change: image rows, files, the series' and its dates' posters."""
    with app.app_context():
        rows = db.session.scalar(select(func.count(Image.id)))
        events = list(db.session.scalars(select(Event.poster_id).order_by(Event.id)))
    return rows, files(app), series_poster(app, world), events


@pytest.mark.parametrize("app_config", [{"BASE_URL": "http://localhost"}])
def test_the_series_poster_goes_to_its_dates_and_a_date_keeps_its_own(app, client, world):
    secret = world["secrets"]["a"]
    first, second, third = world["dates"]
    own = put(client, f"/api/v1/staff/events/{second}/poster", secret, phone_photo())
    assert own.status_code == 200
    own_id = posters_of_dates(app, world)[1]

    response = put(client, series_url(world), secret, png())
    assert response.status_code == 200, response.get_data(as_text=True)
    poster = response.get_json()["poster"]
    assert set(poster) == {"url", "width", "height", "alt"}
    assert (poster["width"], poster["height"]) == (600, 400)
    assert poster["alt"] == {"kk": ALT["alt_kk"], "ru": ALT["alt_ru"], "en": None}
    assert poster["url"].startswith("http://localhost/media/")
    assert client.get(poster["url"].removeprefix("http://localhost")).status_code == 200
    first_id = series_poster(app, world)
    assert posters_of_dates(app, world) == [first_id, own_id, first_id]

    public = client.get(f"/api/v1/series/{world['series']}?lang=ru").get_json()
    assert public["poster"] == {"url": poster["url"], "alt": ALT["alt_ru"]}
    shown = [occurrence["poster"]["url"] for occurrence in public["occurrences"]]
    assert shown[0] == shown[2] == poster["url"] != shown[1]

    # The third date's poster is taken off alone; replacing the series' poster gives it the new
    # one, as the first date showing the previous one, and the second keeps its own.
    assert (
        client.delete(f"/api/v1/staff/events/{third}/poster", headers=bearer(secret)).status_code
        == 204
    )
    assert posters_of_dates(app, world) == [first_id, own_id, None]
    old_key = image_keys(app)[first_id]
    replaced = put(client, series_url(world), secret, png(800, 600), alt_en="Story hour")
    assert replaced.status_code == 200
    assert replaced.get_json()["poster"]["alt"] == {"kk": None, "ru": None, "en": "Story hour"}
    second_id = series_poster(app, world)
    assert second_id != first_id
    assert posters_of_dates(app, world) == [second_id, own_id, second_id]
    assert first_id not in image_keys(app)
    assert not any(name.startswith(old_key) for name in files(app))  # unused: files deleted

    # A date given its own poster after the series got one keeps it when the series' changes.
    mine = put(client, f"/api/v1/staff/events/{first}/poster", secret, phone_photo(1000, 700))
    assert mine.status_code == 200
    first_own = posters_of_dates(app, world)[0]

    new_key = image_keys(app)[second_id]
    removed = client.delete(series_url(world), headers=bearer(secret))
    assert removed.status_code == 204 and removed.data == b""
    assert series_poster(app, world) is None
    assert posters_of_dates(app, world) == [first_own, own_id, None]
    assert set(image_keys(app)) == {first_own, own_id}
    assert not any(name.startswith(new_key) for name in files(app))
    assert client.get(f"/api/v1/series/{world['series']}").get_json()["poster"] is None
    # Removing again changes nothing.
    assert client.delete(series_url(world), headers=bearer(secret)).status_code == 204
    assert posters_of_dates(app, world) == [first_own, own_id, None]


def test_the_same_picture_for_a_date_and_the_series_keeps_the_files_the_date_uses(
    app, client, world
):
    secret = world["secrets"]["a"]
    picture = png()
    put(client, f"/api/v1/staff/events/{world['dates'][0]}/poster", secret, picture)
    put(client, series_url(world), secret, picture)
    before = files(app)
    assert client.delete(series_url(world), headers=bearer(secret)).status_code == 204
    assert files(app) == before  # the date's own poster has the same files
    assert posters_of_dates(app, world)[1:] == [None, None]


@pytest.mark.parametrize(
    "data, fields, status, field",
    [
        (truncated_jpeg(), ALT, 422, "image"),
        (b"plain text", ALT, 422, "image"),
        (gif(), ALT, 422, "image"),
        (png_bomb(), ALT, 422, "image"),
        (png(), {"alt_kk": " ", "alt_ru": "", "alt_en": ""}, 422, "alt_kk"),
        (png(), {"alt_kk": "x" * 301}, 422, "alt_kk"),
        (png(), {"alt_en": "Poster\x07"}, 422, "alt_en"),
        (b"\0" * (10 * 2**20 + 1), ALT, 413, None),
    ],
)
def test_a_refused_series_poster_stores_nothing(app, client, world, data, fields, status, field):
    secret = world["secrets"]["a"]
    put(client, series_url(world), secret, png(700, 500))
    before = stored(app, world)
    response = put(client, series_url(world), secret, data, **fields)
    assert response.status_code == status, response.get_data(as_text=True)
    if field:
        assert field in response.get_json()["errors"]
    else:
        assert "error" in response.get_json()
    assert stored(app, world) == before


def test_a_multipart_body_without_a_picture_is_refused(app, client, world):
    before = stored(app, world)
    response = client.put(
        series_url(world),
        headers=bearer(world["secrets"]["a"]),
        data=ALT,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "image" in response.get_json()["errors"]
    assert stored(app, world) == before


def test_unknown_another_branchs_or_no_token_changes_nothing(app, client, world):
    mine, theirs = world["secrets"]["a"], world["secrets"]["b"]
    put(client, series_url(world), mine, png())
    before = stored(app, world)
    unknown = "/api/v1/staff/series/987654/poster"
    assert put(client, unknown, mine, png(300, 200)).status_code == 404
    assert put(client, series_url(world), theirs, png(300, 200)).status_code == 403
    assert put(client, series_url(world), None, png(300, 200)).status_code == 401
    assert put(client, series_url(world), world["secrets"]["revoked"], png()).status_code == 401
    assert client.delete(unknown, headers=bearer(mine)).status_code == 404
    assert client.delete(series_url(world), headers=bearer(theirs)).status_code == 403
    assert client.delete(series_url(world)).status_code == 401
    assert client.put("/api/v1/staff/series/x/poster", headers=bearer(mine)).status_code == 404
    assert stored(app, world) == before
    # An administrator may change any branch's series.
    assert (
        client.delete(series_url(world), headers=bearer(world["secrets"]["admin"])).status_code
        == 204
    )

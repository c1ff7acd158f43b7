"""Posters through the staff API: re-encoded without metadata, bad files refused with nothing
stored, served with long cache headers, shown in the event JSON."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image as PILImage
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Event, Image
from tests.poster_images import (
    GPS_IFD,
    cmyk_jpeg,
    gif,
    phone_photo,
    png,
    png_bomb,
    truncated_jpeg,
)
from tests.staff_api_support import bearer, build_world

ALT = {"alt_kk": "Күй кешінің афишасы", "alt_ru": "Афиша вечера кюя", "alt_en": "Concert poster"}


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world(with_registrations=False)


def upload(client, event_id: int, secret: str, data: bytes, name: str = "poster.jpg", **fields):
    form = {"image": (io.BytesIO(data), name), **(fields if fields else ALT)}
    return client.put(
        f"/api/v1/staff/events/{event_id}/poster",
        headers=bearer(secret),
        data=form,
        content_type="multipart/form-data",
    )


def stored(app) -> tuple[int, list[str], list[int | None]]:
    """Image rows, files under UPLOADS_DIR and every event's poster: what a refusal must not
    change."""
    with app.app_context():
        rows = db.session.scalar(select(func.count(Image.id)))
        posters = list(db.session.scalars(select(Event.poster_id).order_by(Event.id)))
    directory = Path(app.config["UPLOADS_DIR"])
    files = sorted(p.name for p in directory.iterdir()) if directory.exists() else []
    return rows, files, posters


def fetch_image(client, url: str) -> PILImage.Image:
    response = client.get(url.removeprefix("http://localhost"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    picture = PILImage.open(io.BytesIO(response.data))
    picture.load()
    return picture


@pytest.mark.parametrize("app_config", [{"BASE_URL": "http://localhost"}])
def test_a_phone_photo_is_served_upright_without_any_metadata(app, client, world):
    response = upload(client, world["event_a"], world["secrets"]["a"], phone_photo())
    assert response.status_code == 200, response.get_data(as_text=True)
    poster = response.get_json()["poster"]
    # Stored sideways at 1600 x 800 with orientation 6: shown upright it is 800 x 1600.
    assert (poster["width"], poster["height"]) == (800, 1600)
    assert poster["alt"] == {"kk": ALT["alt_kk"], "ru": ALT["alt_ru"], "en": ALT["alt_en"]}
    picture = fetch_image(client, poster["url"])
    assert picture.format == "JPEG" and picture.size == (800, 1600)
    assert not picture.getexif() and not picture.getexif().get_ifd(GPS_IFD)
    assert not {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp"} & set(picture.info)

    files = stored(app)[1]
    assert len(files) == 6  # 320, 640 and 800 wide, each as WebP and JPEG
    for name in files:
        served = fetch_image(client, f"/media/{name}")
        assert served.format == ("WEBP" if name.endswith(".webp") else "JPEG")
        assert not served.getexif() and not {"exif", "xmp", "icc_profile"} & set(served.info)
        assert served.height == served.width * 2


@pytest.mark.parametrize(
    "data, name, status",
    [
        (b"Just some text, not a picture.\n" * 10, "poster.jpg", 422),
        (truncated_jpeg(), "poster.jpg", 422),
        (png_bomb(), "poster.png", 422),
        (gif(), "poster.gif", 422),
        (b"", "poster.jpg", 422),
        (b"\xff\xd8" + b"\0" * (11 * 2**20), "poster.jpg", 413),  # 11 MB
    ],
    ids=["text", "truncated", "bomb", "gif", "empty", "11MB"],
)
def test_a_file_that_is_not_an_acceptable_picture_stores_nothing(
    app, client, world, data, name, status
):
    before = stored(app)
    response = upload(client, world["event_a"], world["secrets"]["a"], data, name)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.get_json()
    assert stored(app) == before


def test_just_over_ten_megabytes_as_the_body_is_too_large(app, client, world):
    before = stored(app)
    response = client.put(
        f"/api/v1/staff/events/{world['event_a']}/poster?alt_kk=Афиша",
        headers=bearer(world["secrets"]["a"]),
        data=b"\x89PNG" + b"\0" * (10 * 2**20 - 3),
        content_type="image/png",
    )
    assert response.status_code == 413
    assert stored(app) == before


def test_a_raw_body_with_its_content_type_is_accepted(app, client, world):
    response = client.put(
        f"/api/v1/staff/events/{world['event_a']}/poster?alt_kk=Афиша",
        headers=bearer(world["secrets"]["a"]),
        data=png(),
        content_type="image/png",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["poster"]["alt"] == {"kk": "Афиша", "ru": None, "en": None}
    assert (response.get_json()["poster"]["width"], response.get_json()["poster"]["height"]) == (
        600,
        400,
    )


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"alt_en": ""}, "alt_kk"),  # none at all: reported on the event's language (Kazakh)
        ({"alt_kk": "   ", "alt_ru": "\t"}, "alt_kk"),
        ({"alt_kk": "Афиша", "alt_en": "x" * 301}, "alt_en"),
        ({"alt_kk": "Афиша", "alt_ru": "Афиша\x00"}, "alt_ru"),
        ({"alt_en": "Concert\x1b[2J poster"}, "alt_en"),
    ],
)
def test_alt_text_in_at_least_one_language_is_required(app, client, world, fields, field):
    before = stored(app)
    response = upload(client, world["event_a"], world["secrets"]["a"], png(), **fields)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert stored(app) == before


def test_alt_text_in_one_language_is_enough(app, client, world):
    response = upload(client, world["event_a"], world["secrets"]["a"], png(), alt_en="Poster")
    assert response.status_code == 200
    assert response.get_json()["poster"]["alt"] == {"kk": None, "ru": None, "en": "Poster"}


def test_another_branchs_staff_cannot_change_the_poster(app, client, world):
    assert upload(client, world["event_a"], world["secrets"]["a"], png()).status_code == 200
    before = stored(app)
    theirs = world["secrets"]["b"]
    assert upload(client, world["event_a"], theirs, phone_photo()).status_code == 403
    url = f"/api/v1/staff/events/{world['event_a']}/poster"
    assert client.delete(url, headers=bearer(theirs)).status_code == 403
    assert client.delete(url).status_code == 401
    assert upload(client, 987654, world["secrets"]["a"], png()).status_code == 404
    assert stored(app) == before


def test_replacing_and_removing_the_poster_removes_its_files(app, client, world):
    mine = world["secrets"]["a"]
    event_url = f"/api/v1/events/{world['event_a']}"
    assert client.get(event_url).get_json()["poster"] is None
    first = upload(client, world["event_a"], mine, png()).get_json()["poster"]
    first_files = stored(app)[1]
    second = upload(client, world["event_a"], mine, phone_photo()).get_json()["poster"]
    rows, files, _posters = stored(app)
    assert rows == 1 and not set(first_files) & set(files) and len(files) == 6

    shown = client.get(event_url + "?lang=ru").get_json()["poster"]
    assert shown == {"url": second["url"], "alt": ALT["alt_ru"]}
    assert client.get(event_url + "?lang=en").get_json()["poster"]["alt"] == ALT["alt_en"]
    assert first["url"] != second["url"]

    url = f"/api/v1/staff/events/{world['event_a']}/poster"
    assert client.delete(url, headers=bearer(mine)).status_code == 204
    assert stored(app)[:2] == (0, [])
    assert client.get(event_url).get_json()["poster"] is None
    assert client.delete(url, headers=bearer(mine)).status_code == 204


def test_the_media_route_serves_only_stored_hashed_names(client):
    assert client.get("/media/" + "0" * 32 + "-320.jpg").status_code == 404
    assert client.get("/media/../calendar.sqlite3").status_code == 404
    assert client.get("/media/secret_key").status_code == 404


def test_a_cmyk_jpeg_and_a_transparent_png_are_served_as_rgb(app, client, world):
    for data, colour in [(cmyk_jpeg(), "red"), (png(), "light green")]:
        response = upload(client, world["event_a"], world["secrets"]["a"], data)
        assert response.status_code == 200, response.get_data(as_text=True)
        url = response.get_json()["poster"]["url"].removeprefix("https://events.example.kz")
        picture = fetch_image(client, url)
        assert picture.mode == "RGB", colour
        red, green, blue = picture.getpixel((10, 10))
        if colour == "red":
            assert red > 200 and green < 60 and blue < 60
        else:  # half-transparent green on white
            assert green > red and green > blue and red > 100

"""The staff API for reports: the text, publishing, photos with the consent confirmation, and
every refusal leaving nothing behind."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import Report, ReportPhoto, StaffUser
from calendar_app.models.report import MAX_PHOTOS
from calendar_app.timeutil import utcnow
from tests.openapi_contract import Contract
from tests.poster_images import gif, phone_photo, png, png_bomb, truncated_jpeg
from tests.report_support import build_report_world, fill_with_photos, noisy_png, stored
from tests.staff_api_support import bearer

TEXT = {"kk": "Балалар шеберлік сабағына қатысты.", "ru": "Почти тридцать детей.", "en": None}


@pytest.fixture
def world(app):
    with app.app_context():
        return build_report_world()


def url(event_id: int, tail: str = "") -> str:
    return f"/api/v1/staff/events/{event_id}/report{tail}"


def put(client, world, event_id: int, body, who: str = "a"):
    return client.put(url(event_id), json=body, headers=bearer(world["secrets"][who]))


def post_photo(client, world, event_id: int, data: bytes | None = None, who: str = "a", **fields):
    form = {"alt_kk": "Балалар сурет салып отыр", "consent_confirmed": "true", **fields}
    form = {key: value for key, value in form.items() if value is not None}
    if data is not None:
        form["image"] = (io.BytesIO(data), "photo.jpg")
    return client.post(
        url(event_id, "/photos"),
        data=form,
        headers=bearer(world["secrets"][who]),
        content_type="multipart/form-data",
    )


def test_staff_write_and_publish_a_report(app, client, world):
    before = utcnow()
    response = put(client, world, world["past"], {"text": TEXT, "published": True})
    assert response.status_code == 200, response.get_json()
    report = response.get_json()["report"]
    assert report["text"] == {"kk": TEXT["kk"], "ru": TEXT["ru"], "en": None}
    assert report["published"] is True and report["show_attendance"] is True
    assert report["published_at"] == report["updated_at"]
    assert report["published_at"] >= before.isoformat().replace("+00:00", "Z")[:19]
    assert report["url"] == f"https://events.example.kz/events/{world['past']}"
    assert report["attendance"] == 3  # two seats checked in and a walk-in; no-shows not counted
    assert report["photos"] == []
    again = client.get(url(world["past"]), headers=bearer(world["secrets"]["a"]))
    assert again.status_code == 200 and again.get_json() == {"report": report}


def test_a_drop_in_reports_its_head_count(client, world):
    body = {"text": {"ru": "Национальный день домбры"}, "published": False}
    report = put(client, world, world["drop_in"], body).get_json()["report"]
    assert report["attendance"] == 17 and report["published_at"] is None


def test_a_report_may_be_written_while_the_event_runs(client, world):
    assert (
        put(client, world, world["running"], {"text": TEXT, "published": False}).status_code == 200
    )


@pytest.mark.parametrize("which", ["future", "cancelled"])
def test_no_report_before_the_start_or_for_a_cancelled_event(app, client, world, which):
    response = put(client, world, world[which], {"text": TEXT, "published": True})
    assert response.status_code == 409
    message = response.get_json()["error"]
    assert "started" in message if which == "future" else "cancelled" in message
    assert post_photo(client, world, world[which], png()).status_code == 409
    assert stored(app) == (0, 0, 0, 0)


def test_only_the_staff_of_the_branch_or_an_administrator(app, client, world):
    body = {"text": TEXT, "published": True}
    refused = put(client, world, world["past"], body, who="b")
    assert refused.status_code == 403
    assert post_photo(client, world, world["past"], png(), who="b").status_code == 403
    assert client.get(url(world["past"]), headers=bearer(world["secrets"]["b"])).status_code == 403
    assert stored(app) == (0, 0, 0, 0)
    assert put(client, world, world["theirs"], body, who="admin").status_code == 200
    assert put(client, world, 987654, body).status_code == 404
    assert client.get(url(world["past"]), headers=bearer(world["secrets"]["a"])).status_code == 404
    assert client.put(url(world["past"]), json=body).status_code == 401


@pytest.mark.parametrize(
    "body, field",
    [
        ({"text": "Just a string", "published": True}, "text"),
        ({"text": ["kk"], "published": True}, "text"),
        ({"text": None, "published": True}, "text"),
        ({"published": True}, "text"),
        ({"text": {"kk": 5}, "published": True}, "text.kk"),
        ({"text": {"ru": {"a": 1}}, "published": True}, "text.ru"),
        ({"text": {"kk": "", "ru": "   \n", "en": None}, "published": True}, "text.kk"),
        ({"text": {}, "published": True}, "text.kk"),
        ({"text": {"de": "Hallo"}, "published": True}, "text"),
        ({"text": {"en": "x" * 20_001}, "published": True}, "text.en"),
        ({"text": {"kk": "Бала\x00лар"}, "published": True}, "text.kk"),
        ({"text": {"kk": "Bell \x07 rings"}, "published": True}, "text.kk"),
        ({"text": {"ru": "\ud800"}, "published": True}, "text.ru"),
        ({"text": TEXT, "published": "yes"}, "published"),
        ({"text": TEXT, "published": 1}, "published"),
        ({"text": TEXT}, "published"),
        ({"text": TEXT, "published": True, "show_attendance": "false"}, "show_attendance"),
        ({"text": TEXT, "published": True, "photos": []}, "photos"),
    ],
)
def test_bad_bodies_are_refused_by_field(app, client, world, body, field):
    response = put(client, world, world["past"], body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["errors"]
    assert stored(app) == (0, 0, 0, 0)


def test_not_an_object_and_nested_json_are_400(client, world):
    headers = bearer(world["secrets"]["a"])
    for data in ("[]", "nope", '"text"'):
        response = client.put(
            url(world["past"]), data=data, headers=headers, content_type="application/json"
        )
        assert response.status_code == 400


def test_the_markdown_is_stored_as_typed_and_trimmed(client, world):
    markdown = "  **Отлично!** <script>alert(1)</script>\n\n- один\n- два\t\n  "
    body = {"text": {"ru": markdown}, "published": True}
    report = put(client, world, world["past"], body).get_json()["report"]
    assert report["text"]["ru"] == markdown.strip()


def test_updated_at_moves_only_on_a_real_change_and_published_at_is_kept(app, client, world):
    first = put(client, world, world["past"], {"text": TEXT, "published": True}).get_json()
    with app.app_context():
        report = db.session.execute(select(Report)).scalar_one()
        earlier = utcnow() - timedelta(days=1)
        report.updated_at = report.published_at = earlier  # as if written yesterday
        db.session.commit()
    same = {"text": {**TEXT, "kk": "  " + TEXT["kk"] + "\n"}, "published": True}
    unchanged = put(client, world, world["past"], same).get_json()["report"]
    assert unchanged["updated_at"] == unchanged["published_at"]
    assert unchanged["updated_at"] < first["report"]["updated_at"]
    hidden = {"text": TEXT, "published": False, "show_attendance": False}
    changed = put(client, world, world["past"], hidden).get_json()["report"]
    assert changed["updated_at"] > unchanged["updated_at"]
    assert changed["published_at"] == unchanged["published_at"]  # the first publication
    again = put(client, world, world["past"], {"text": TEXT, "published": True}).get_json()
    assert again["report"]["published_at"] == unchanged["published_at"]
    assert again["report"]["show_attendance"] is False  # left out: kept as it was


def test_a_photo_needs_the_consent_confirmation(app, client, world):
    for consent in (None, "", "false", "yes", "True", "1", "on"):
        response = post_photo(client, world, world["past"], png(), consent_confirmed=consent)
        assert response.status_code == 422, consent
        assert "consent_confirmed" in response.get_json()["errors"]
    assert stored(app) == (0, 0, 0, 0)
    before = utcnow()
    response = post_photo(client, world, world["past"], phone_photo(), alt_ru="Дети рисуют")
    assert response.status_code == 201, response.get_json()
    photo = response.get_json()["photo"]
    assert photo["alt"] == {"kk": "Балалар сурет салып отыр", "ru": "Дети рисуют", "en": None}
    assert (photo["width"], photo["height"]) == (800, 1600)
    assert photo["url"].startswith("https://events.example.kz/media/")
    with app.app_context():
        row = db.session.get(ReportPhoto, photo["id"])
        assert row.consent_confirmed_at >= before.replace(microsecond=0)
        assert row.consent_confirmed_by_id == world["staff"]["a"]
        assert db.session.get(StaffUser, world["staff"]["a"]).email == "a@example.kz"
        report = row.report
        assert report.published is False and report.text == {}  # made empty, not published
    rows, photos, images, files = stored(app)
    assert (rows, photos, images) == (1, 1, 1) and files > 0


def test_a_photo_first_then_the_text(client, world):
    assert post_photo(client, world, world["past"], png()).status_code == 201
    report = put(client, world, world["past"], {"text": TEXT, "published": True})
    assert len(report.get_json()["report"]["photos"]) == 1


@pytest.mark.parametrize(
    "data, fields, status, field",
    [
        (truncated_jpeg(), {}, 422, "image"),
        (b"plain text", {}, 422, "image"),
        (gif(), {}, 422, "image"),
        (png_bomb(), {}, 422, "image"),
        (None, {}, 422, "image"),
        (png(), {"alt_kk": "", "alt_ru": "  "}, 422, "alt_kk"),
        (png(), {"alt_en": "x" * 301}, 422, "alt_en"),
        (png(), {"alt_ru": "Дети\x00рисуют"}, 422, "alt_ru"),
        (png(), {"alt_kk": "Балалар\x1b[31m"}, 422, "alt_kk"),
        (b"\xff\xd8" + b"\0" * (10 * 2**20), {}, 413, None),
    ],
)
def test_bad_pictures_store_nothing(app, client, world, data, fields, status, field):
    response = post_photo(client, world, world["past"], data, **fields)
    assert response.status_code == status
    if field:
        assert field in response.get_json()["errors"]
    assert stored(app) == (0, 0, 0, 0)


def test_the_twenty_first_photo_is_refused(app, client, world):
    fill_with_photos(app, world)
    before = stored(app)
    response = post_photo(client, world, world["past"], png(99, 77))
    assert response.status_code == 409
    assert "20" in response.get_json()["error"]
    assert stored(app) == before
    positions = [
        p["id"]
        for p in put(client, world, world["past"], {"text": TEXT, "published": True}).get_json()[
            "report"
        ]["photos"]
    ]
    assert positions == sorted(positions) and len(positions) == MAX_PHOTOS


def test_removing_a_photo_deletes_its_files_when_nothing_else_uses_them(app, client, world):
    first = post_photo(client, world, world["past"], png()).get_json()["photo"]
    second = post_photo(client, world, world["past"], phone_photo()).get_json()["photo"]
    same_picture = post_photo(client, world, world["running"], png()).get_json()["photo"]
    files_before = stored(app)[3]
    headers = bearer(world["secrets"]["a"])
    other = client.delete(url(world["past"], f"/photos/{same_picture['id']}"), headers=headers)
    assert other.status_code == 404  # a photo of another event's report
    theirs = bearer(world["secrets"]["b"])
    assert (
        client.delete(url(world["past"], f"/photos/{first['id']}"), headers=theirs).status_code
        == 403
    )
    assert client.delete(url(world["past"], "/photos/987654"), headers=headers).status_code == 404
    response = client.delete(url(world["past"], f"/photos/{first['id']}"), headers=headers)
    assert response.status_code == 204 and response.get_data() == b""
    assert stored(app)[3] == files_before  # the same picture is still in the other report
    response = client.delete(url(world["past"], f"/photos/{second['id']}"), headers=headers)
    assert response.status_code == 204
    assert stored(app)[3] < files_before
    name = Path(second["url"]).name
    assert not (Path(app.config["UPLOADS_DIR"]) / name).exists()
    report = client.get(url(world["past"]), headers=headers).get_json()["report"]
    assert report["photos"] == []


def test_a_photo_change_moves_updated_at(app, client, world):
    put(client, world, world["past"], {"text": TEXT, "published": True})
    with app.app_context():
        report = db.session.execute(select(Report)).scalar_one()
        report.updated_at = utcnow() - timedelta(days=1)
        db.session.commit()
    headers = bearer(world["secrets"]["a"])
    before = client.get(url(world["past"]), headers=headers).get_json()["report"]["updated_at"]
    photo = post_photo(client, world, world["past"], png()).get_json()["photo"]
    after = client.get(url(world["past"]), headers=headers).get_json()["report"]["updated_at"]
    assert after > before
    with app.app_context():
        report = db.session.execute(select(Report)).scalar_one()
        report.updated_at = utcnow() - timedelta(days=1)
        db.session.commit()
    before = client.get(url(world["past"]), headers=headers).get_json()["report"]["updated_at"]
    client.delete(url(world["past"], f"/photos/{photo['id']}"), headers=headers)
    after = client.get(url(world["past"]), headers=headers).get_json()["report"]["updated_at"]
    assert after > before


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "10000 per minute"}]
)
def test_every_documented_report_answer_matches_the_document(app, client, world):
    document = client.get("/api/v1/openapi.json").get_json()
    validate_spec(document)
    api = Contract(document, paths=lambda path: "/report" in path)
    mine, theirs = bearer(world["secrets"]["a"]), bearer(world["secrets"]["b"])
    one, photos, photo = (
        "/staff/events/{event_id}/report",
        "/staff/events/{event_id}/report/photos",
        "/staff/events/{event_id}/report/photos/{photo_id}",
    )
    past = world["past"]

    def each(method: str, path: str, address: str, **kwargs):
        return api.check(client.open(address, method=method, **kwargs), path, method.lower())

    each("GET", one, url(past), headers=mine)  # 404: none yet
    body = {"text": TEXT, "published": True}
    each("PUT", one, url(past), headers=mine, json=body)
    each("GET", one, url(past), headers=mine)
    each("GET", one, url(past), headers=theirs)
    each("GET", one, url(past))
    each("PUT", one, url(past), headers=mine, data="[]", content_type="application/json")
    each("PUT", one, url(past), headers=theirs, json=body)
    each("PUT", one, url(past), json=body)
    each("PUT", one, url(987654), headers=mine, json=body)
    each("PUT", one, url(world["future"]), headers=mine, json=body)
    each("PUT", one, url(past), headers=mine, json={"text": {"kk": "x" * (1024 * 1024)}})
    each("PUT", one, url(past), headers=mine, json={"text": 5, "published": True})

    def add(event_id: int, data: bytes, headers: dict, **fields: str):
        form = {"image": (io.BytesIO(data), "photo.png"), "alt_kk": "Сурет", **fields}
        return each("POST", photos, url(event_id, "/photos"), headers=headers, data=form)

    created = add(past, png(), mine, consent_confirmed="true")
    assert created["photo"]["consent_confirmed_at"]
    add(past, png(), mine)  # 422: no confirmation
    add(past, b"\0" * (11 * 2**20), mine, consent_confirmed="true")  # 413
    add(world["future"], png(), mine, consent_confirmed="true")  # 409
    add(past, png(), theirs, consent_confirmed="true")
    add(past, png(), {}, consent_confirmed="true")
    add(987654, png(), mine, consent_confirmed="true")
    gone = url(past, f"/photos/{created['photo']['id']}")
    each("DELETE", photo, gone, headers=theirs)
    each("DELETE", photo, gone)
    each("DELETE", photo, gone, headers=mine)
    each("DELETE", photo, gone, headers=mine)  # 404: already gone
    each("PUT", one, url(past), headers=mine, json=body)

    app.config["API_RATE_LIMIT"] = "1 per hour"
    client.get("/api/v1/branches")
    for method, path, real in [
        ("GET", one, url(past)),
        ("PUT", one, url(past)),
        ("POST", photos, url(past, "/photos")),
        ("DELETE", photo, gone),
    ]:
        limited = client.open(real, method=method, headers=mine, json={})
        assert limited.status_code == 429
        api.check(limited, path, method.lower())
    assert api.seen == api.documented()


def test_a_photo_of_several_megabytes_is_taken(app, client, world):
    data = noisy_png()
    assert len(data) > 2 * 2**20
    response = post_photo(client, world, world["past"], data)
    assert response.status_code == 201, response.get_json()
    assert stored(app)[1] == 1

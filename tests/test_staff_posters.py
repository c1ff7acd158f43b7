"""The poster on the staff event form: upload with descriptions, change them, remove it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Event, Image
from tests.poster_images import phone_photo, png, truncated_jpeg
from tests.staff_support import event_form as form
from tests.staff_support import log_in

ALT = {"poster_alt_kk": "Афиша", "poster_alt_ru": "Афиша вечера", "poster_alt_en": ""}


def with_poster(ids, data: bytes | None, **changes):
    fields = {**form(ids), **ALT, **changes}
    if data is not None:
        fields["poster"] = (io.BytesIO(data), "poster.jpg")
    return fields


def posters_stored(app) -> tuple[int, int]:
    directory = Path(app.config["UPLOADS_DIR"])
    with app.app_context():
        rows = db.session.scalar(select(func.count(Image.id)))
    return rows, len(list(directory.iterdir())) if directory.exists() else 0


def the_event(app) -> Event:
    with app.app_context():
        event = db.session.execute(select(Event)).scalar_one()
        event.poster  # noqa: B018 (loaded while the session is open)
        return event


def test_a_new_event_gets_its_poster_and_the_edit_form_shows_it(app, client, staff_branches):
    response = client.post(
        "/staff/events/new",
        data=with_poster(staff_branches, phone_photo()),
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    event = the_event(app)
    assert event.poster.alt == {"kk": "Афиша", "ru": "Афиша вечера"}
    assert (event.poster.width, event.poster.height) == (800, 1600)
    page = client.get(f"/staff/events/{event.id}/edit").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert f'src="/media/{event.poster.key}-320.jpg"' in page and 'alt="Афиша"' in page
    assert 'name="remove_poster"' in page and 'value="Афиша вечера"' in page


@pytest.mark.parametrize(
    "data, changes, field",
    [
        (truncated_jpeg(), {}, "poster"),
        (b"plain text", {}, "poster"),
        (png(), {"poster_alt_kk": "", "poster_alt_ru": " "}, "poster_alt_kk"),  # no description
        (None, {}, "poster"),  # descriptions without a picture
    ],
)
def test_a_refused_poster_plans_nothing(app, client, staff_branches, data, changes, field):
    response = client.post(
        "/staff/events/new",
        data=with_poster(staff_branches, data, **changes),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert posters_stored(app) == (0, 0)
    with app.app_context():
        assert db.session.scalar(select(func.count(Event.id))) == 0


def test_descriptions_change_and_the_poster_can_be_removed(app, client, staff_branches):
    client.post(
        "/staff/events/new",
        data=with_poster(staff_branches, png()),
        content_type="multipart/form-data",
    )
    event_id = the_event(app).id
    edit = f"/staff/events/{event_id}/edit"
    changed = {"poster_alt_en": "Poster of the evening"}
    response = client.post(edit, data=with_poster(staff_branches, None, **changed))
    assert response.status_code == 302
    assert the_event(app).poster.alt["en"] == "Poster of the evening"
    response = client.post(edit, data=with_poster(staff_branches, None, remove_poster="y"))
    assert response.status_code == 302
    assert the_event(app).poster is None
    assert posters_stored(app) == (0, 0)


def test_another_branchs_staff_cannot_touch_the_poster(app, client, staff_branches):
    client.post(
        "/staff/events/new",
        data=with_poster(staff_branches, png()),
        content_type="multipart/form-data",
    )
    event_id = the_event(app).id
    log_in(client, staff_branches["other_staff"])
    response = client.post(
        f"/staff/events/{event_id}/edit", data=with_poster(staff_branches, None, remove_poster="y")
    )
    assert response.status_code == 403
    assert the_event(app).poster is not None


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_form_may_carry_a_picture_larger_than_other_requests(app, client, staff_branches):
    """Over the 1 MiB of other requests, the CSRF check reads the form and refuses the missing
    token (400), not the size; past 10 MiB the body itself is refused (413)."""
    big = b"\xff\xd8" + b"\0" * (3 * 2**20)
    response = client.post(
        "/staff/events/new",
        data=with_poster(staff_branches, big),
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    huge = b"\xff\xd8" + b"\0" * (11 * 2**20)
    response = client.post(
        "/staff/events/new",
        data=with_poster(staff_branches, huge),
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert posters_stored(app) == (0, 0)

"""The poster of a series on the staff pages: planned with the series (every date gets it),
replaced, described or removed on the series page; refusals save nothing."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Branch, Event, Image, Series
from calendar_app.services import posters as service
from calendar_app.services.events import EventData
from calendar_app.services.series import create_series
from calendar_app.timeutil import utcnow
from tests.poster_images import phone_photo, png, truncated_jpeg
from tests.staff_support import log_in
from tests.test_staff_series import series_form

ALT = {"poster_alt_kk": "Афиша", "poster_alt_ru": "Афиша курса", "poster_alt_en": ""}


def with_poster(ids, data: bytes | None, **changes):
    fields = {**series_form(ids, action="save"), **ALT, **changes}
    if data is not None:
        fields["poster"] = (io.BytesIO(data), "poster.jpg")
    return fields


def saved(app) -> tuple[int, int, int, int]:
    """Series, events, image rows and files."""
    directory = Path(app.config["UPLOADS_DIR"])
    with app.app_context():
        counts = [db.session.scalar(select(func.count(m.id))) for m in (Series, Event, Image)]
    return (*counts, len(list(directory.iterdir())) if directory.exists() else 0)


def posters(app) -> tuple[int | None, list[int | None]]:
    """The series' poster and those of its dates."""
    with app.app_context():
        series = db.session.execute(select(Series)).scalar_one()
        return series.poster_id, [event.poster_id for event in series.events]


def plan(app, client, ids, data: bytes | None = None) -> int:
    fields = with_poster(ids, data) if data else series_form(ids, action="save")
    response = client.post("/staff/series/new", data=fields, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        return db.session.execute(select(Series.id)).scalar_one()


def test_the_form_offers_a_poster_with_its_descriptions(client, staff_branches):
    page = client.get("/staff/series/new").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page and 'name="poster"' in page
    for code in ("kk", "ru", "en"):
        assert f'name="poster_alt_{code}"' in page
    assert 'name="remove_poster"' not in page


def test_every_date_planned_gets_the_poster_and_the_series_page_shows_it(
    app, client, staff_branches
):
    series_id = plan(app, client, staff_branches, phone_photo())
    poster_id, dates = posters(app)
    assert poster_id is not None and dates == [poster_id] * 4
    with app.app_context():
        image = db.session.get(Image, poster_id)
        assert image.alt == {"kk": "Афиша", "ru": "Афиша курса"}
        key = image.key
    page = client.get(f"/staff/series/{series_id}").get_data(as_text=True)
    assert f'src="/media/{key}-320.jpg"' in page and 'alt="Афиша"' in page
    assert f'action="/staff/series/{series_id}/poster"' in page
    assert 'name="remove_poster" value="y"' in page and 'value="Афиша курса"' in page
    public = client.get(f"/events/{posters_first_date(app)}").get_data(as_text=True)
    assert f"/media/{key}-" in public


def posters_first_date(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.min(Event.id))).scalar_one()


def test_a_series_without_a_poster_says_so(app, client, staff_branches):
    series_id = plan(app, client, staff_branches)
    assert posters(app) == (None, [None] * 4)
    page = client.get(f"/staff/series/{series_id}").get_data(as_text=True)
    assert "The series has no poster." in page and 'name="remove_poster"' not in page


@pytest.mark.parametrize(
    "data, changes, field",
    [
        (truncated_jpeg(), {}, "poster"),
        (b"plain text", {}, "poster"),
        (png(), {"poster_alt_kk": "", "poster_alt_ru": " "}, "poster_alt_kk"),
        (None, {}, "poster"),  # descriptions without a picture
    ],
)
def test_a_refused_poster_plans_nothing(app, client, staff_branches, data, changes, field):
    response = client.post(
        "/staff/series/new",
        data=with_poster(staff_branches, data, **changes),
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and f'aria-describedby="{field}-error"' in page
    assert 'value="Афиша курса"' in page or field == "poster_alt_kk"
    assert saved(app) == (0, 0, 0, 0)


def test_a_too_large_picture_plans_nothing(app, client, staff_branches):
    response = client.post(
        "/staff/series/new",
        data=with_poster(staff_branches, b"\xff" * (10 * 2**20 + 1)),
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert 'id="poster-error"' in response.get_data(as_text=True)
    assert saved(app) == (0, 0, 0, 0)


def test_a_preview_saves_no_picture(app, client, staff_branches):
    fields = {**with_poster(staff_branches, png()), "action": "preview"}
    response = client.post("/staff/series/new", data=fields, content_type="multipart/form-data")
    assert response.status_code == 200
    assert saved(app) == (0, 0, 0, 0)


def post_poster(client, series_id: int, data: bytes | None = None, **fields):
    form = {**ALT, **fields}
    if data is not None:
        form["poster"] = (io.BytesIO(data), "poster.png")
    return client.post(
        f"/staff/series/{series_id}/poster", data=form, content_type="multipart/form-data"
    )


def test_the_series_page_replaces_describes_and_removes_the_poster(app, client, staff_branches):
    series_id = plan(app, client, staff_branches, png())
    first_poster, _ = posters(app)
    with app.app_context():
        event = db.session.execute(select(Event).order_by(Event.id)).scalars().first()
        own_date = event.id
    with app.app_context():  # the first date gets a poster of its own
        service.set_poster(
            db.session.get(Event, own_date),
            phone_photo(),
            {"en": "Own"},
            app.config["UPLOADS_DIR"],
            utcnow(),
        )
        db.session.commit()
    own_poster = posters(app)[1][0]

    response = post_poster(client, series_id, phone_photo(1200, 900), poster_alt_en="Course")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/series/{series_id}"
    assert "The poster of the series is saved." in client.get(response.headers["Location"]).text
    new_poster, dates = posters(app)
    assert new_poster not in (None, first_poster)
    assert dates == [own_poster, new_poster, new_poster, new_poster]
    with app.app_context():
        assert db.session.get(Image, first_poster) is None  # unused: gone

    described = post_poster(client, series_id, poster_alt_kk="Жаңа сипаттама")
    assert described.status_code == 302
    with app.app_context():
        assert db.session.get(Image, new_poster).alt["kk"] == "Жаңа сипаттама"

    removed = client.post(f"/staff/series/{series_id}/poster", data={"remove_poster": "y"})
    assert removed.status_code == 302
    assert posters(app) == (None, [own_poster, None, None, None])
    with app.app_context():
        assert db.session.get(Image, new_poster) is None


@pytest.mark.parametrize(
    "data, changes, field",
    [
        (truncated_jpeg(), {}, "poster"),
        (png(300, 300), {"poster_alt_kk": "", "poster_alt_ru": ""}, "poster_alt_kk"),
        (None, {"poster_alt_ru": "x" * 301}, "poster_alt_ru"),
    ],
)
def test_a_refused_replacement_changes_nothing(app, client, staff_branches, data, changes, field):
    series_id = plan(app, client, staff_branches, png())
    before = (saved(app), posters(app))
    response = post_poster(client, series_id, data, **changes)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and 'id="series-dates"' in page
    assert (saved(app), posters(app)) == before


def test_another_branchs_series_poster_is_refused_and_unknown_ids_are_404(
    app, client, staff_branches
):
    series_id = plan(app, client, staff_branches, png())
    before = (saved(app), posters(app))
    log_in(client, staff_branches["other_staff"])
    assert post_poster(client, series_id, phone_photo()).status_code == 403
    assert (
        client.post(f"/staff/series/{series_id}/poster", data={"remove_poster": "y"}).status_code
        == 403
    )
    assert post_poster(client, 987654, phone_photo()).status_code == 404
    assert client.get(f"/staff/series/{series_id}/poster").status_code == 405
    assert (saved(app), posters(app)) == before


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_series_page_forms_need_their_csrf_token(app, client, staff_branches):
    with app.app_context():
        branch = db.session.get(Branch, staff_branches["branch"])
        start = utcnow() + timedelta(days=10)
        made = create_series(
            branch,
            EventData(
                title="Ертегі сағаты",
                venue_id=staff_branches["hall"],
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                capacity=12,
            ),
            "FREQ=WEEKLY;COUNT=2",
            utcnow(),
            skip_public_holidays=False,
        )
        service.set_series_poster(
            made.series, png(), {"kk": "Афиша"}, app.config["UPLOADS_DIR"], utcnow()
        )
        db.session.commit()
        series_id = made.series.id
    before = (saved(app), posters(app))
    forged = client.post(f"/staff/series/{series_id}/poster", data={"remove_poster": "y"})
    assert forged.status_code == 400
    assert (saved(app), posters(app)) == before
    page = client.get(f"/staff/series/{series_id}").get_data(as_text=True)
    remove_form = page[page.index('value="y"') - 600 : page.index('value="y"')]
    token = re.search(r'name="csrf_token" value="([^"]+)"', remove_form).group(1)
    removed = client.post(
        f"/staff/series/{series_id}/poster", data={"remove_poster": "y", "csrf_token": token}
    )
    assert removed.status_code == 302
    assert posters(app) == (None, [None, None])

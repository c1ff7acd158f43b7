"""Event text in kk, ru and en: staff give translations, visitors read their language."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from calendar_app.extensions import db
from calendar_app.models import Event
from calendar_app.services.errors import InvalidInput
from calendar_app.services.events import EventData, update_event
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_venue
from tests.staff_support import event_form as form
from tests.staff_support import log_in, make_staff


@pytest.fixture
def setup(app, client):
    with app.app_context():
        branch = make_branch("children", name="Children's library")
        hall = make_venue(branch, "Big hall", capacity=40)
        staff = make_staff("staff@example.kz", branches=[branch])
        db.session.commit()
        ids = {"branch": branch.id, "hall": hall.id}
        log_in(client, staff)
    return ids


TRANSLATED = {
    "title_ru": "  Свет за пределами бесконечности ",
    "description_ru": "Мастер-класс для детей.",
    "title_en": "A lamp beyond infinity",
    "description_en": "",
}


def stored(app) -> Event:
    with app.app_context():
        return db.session.execute(select(Event)).scalar_one()


def test_staff_create_an_event_with_translations_and_visitors_read_them(app, client, setup):
    response = client.post("/staff/events/new", data=form(setup, **TRANSLATED))
    assert response.status_code == 302
    event = stored(app)
    assert event.title == "Шексіздік сыртындағы шам"
    assert event.translations == {
        "ru": {
            "title": "Свет за пределами бесконечности",
            "description": "Мастер-класс для детей.",
        },
        "en": {"title": "A lamp beyond infinity"},
    }
    english = client.get(f"/events/{event.id}?lang=en").get_data(as_text=True)
    assert "A lamp beyond infinity" in english
    russian = client.get(f"/events/{event.id}?lang=ru").get_data(as_text=True)
    assert "Свет за пределами бесконечности" in russian
    kazakh = client.get(f"/events/{event.id}?lang=kk").get_data(as_text=True)
    assert "Шексіздік сыртындағы шам" in kazakh and "A lamp beyond infinity" not in kazakh


def test_the_edit_form_is_prefilled_and_saves_changed_translations(app, client, setup):
    client.post("/staff/events/new", data=form(setup, **TRANSLATED))
    event_id = stored(app).id
    page = client.get(f"/staff/events/{event_id}/edit").get_data(as_text=True)
    assert 'value="A lamp beyond infinity"' in page
    assert "Мастер-класс для детей." in page
    for name in ("title_kk", "title_ru", "title_en", "description_en"):
        assert f'<label for="{name}">' in page
    response = client.post(
        f"/staff/events/{event_id}/edit",
        data=form(
            setup,
            title_ru="",
            description_ru="",
            title_en="The lamp beyond infinity",
            title_kk="ignored: the event is in Kazakh",
        ),
    )
    assert response.status_code == 302
    assert stored(app).translations == {"en": {"title": "The lamp beyond infinity"}}
    english = client.get(f"/events/{event_id}?lang=en").get_data(as_text=True)
    assert "The lamp beyond infinity" in english
    russian = client.get(f"/events/{event_id}?lang=ru").get_data(as_text=True)
    assert "Шексіздік сыртындағы шам" in russian  # no Russian text left: the original


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title_en", "x" * 301, "too long"),
        ("title_ru", "Вечер\x07сказок", "control characters"),
        ("title_en", "Two\nlines", "control characters"),
        ("description_ru", "Текст\x00", "control characters"),
        ("description_en", "y" * 20001, "too long"),
    ],
)
def test_bad_translations_are_shown_on_their_field_and_change_nothing(
    app, client, setup, field, value, message
):
    client.post("/staff/events/new", data=form(setup, title_en="Kept"))
    event_id = stored(app).id
    response = client.post(f"/staff/events/{event_id}/edit", data=form(setup, **{field: value}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'aria-describedby="{field}-error"' in page
    error = page.split(f'id="{field}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert stored(app).translations == {"en": {"title": "Kept"}}
    created = client.post(
        "/staff/events/new",
        data=form(
            setup, starts_at="2026-07-01T10:00", ends_at="2026-07-01T11:00", **{field: value}
        ),
    )
    assert created.status_code == 422
    with app.app_context():
        assert len(db.session.execute(select(Event)).scalars().all()) == 1


def test_a_title_of_exactly_300_characters_is_accepted(app, client, setup):
    response = client.post("/staff/events/new", data=form(setup, title_ru="я" * 300))
    assert response.status_code == 302
    assert stored(app).translations == {"ru": {"title": "я" * 300}}


@pytest.mark.parametrize(
    ("translations", "field"),
    [
        ("ru", "translations"),
        ({"xx": {"title": "A"}}, "translations"),
        ({"ru": "Вечер"}, "translations"),
        ({"ru": {"subtitle": "A"}}, "translations"),
        ({"ru": {"title": 5}}, "title_ru"),
    ],
)
def test_the_service_refuses_malformed_translations(ctx, translations, field):
    event = make_event(language="kk", now=utcnow() - timedelta(days=1))
    db.session.commit()
    data = EventData(
        title=event.title,
        venue_id=event.venue_id,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        capacity=event.capacity,
        translations=translations,
    )
    with pytest.raises(InvalidInput) as caught:
        update_event(event, data, utcnow())
    assert field in caught.value.errors
    db.session.rollback()
    assert db.session.get(Event, event.id).translations in ({}, None)

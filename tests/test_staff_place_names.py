"""Branch and room names, addresses and accessibility notes in each language: the admin forms
save them, refuse bad text without changing anything, and staff pages show them in the staff
member's language."""

from __future__ import annotations

from datetime import timedelta

import pytest

from calendar_app.extensions import db
from calendar_app.models import Branch, Venue
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_venue
from tests.staff_support import CHEAP_METHOD, log_in, make_staff

CHEKHOV_RU = "Библиотека им. Чехова"
HALL_KK = "Оқу залы"


@pytest.fixture
def app_config():
    return {"STAFF_PASSWORD_METHOD": CHEAP_METHOD}


@pytest.fixture
def ids(app, client):
    with app.app_context():
        branch = make_branch(
            "chekhov",
            name="Chekhov library",
            translations={"ru": {"name": CHEKHOV_RU}, "kk": {"name": "Чехов кітапханасы"}},
        )
        other = make_branch("begalin", name="Begalin library")
        hall = make_venue(
            branch, "Reading hall", capacity=40, translations={"kk": {"name": HALL_KK}}
        )
        other_hall = make_venue(other, "Fairy-tale hall", capacity=20)
        admin = make_staff("admin@example.kz", is_admin=True)
        staff = make_staff("staff@example.kz", branches=[branch])
        event = make_event(branch, hall, capacity=30, starts_at=utcnow() + timedelta(days=5))
        db.session.commit()
        return {
            "branch": branch.id,
            "other": other.id,
            "hall": hall.id,
            "other_hall": other_hall.id,
            "event": event.id,
            "admin": admin.get_id(),
            "staff": staff.get_id(),
        }


def branch_form(**changes):
    data = {
        "slug": "chekhov",
        "name": "Chekhov library",
        "name_kk": "  Чехов атындағы кітапхана  ",
        "name_ru": "Библиотека имени Чехова",
        "name_en": "",
        "address": "Almaty, Zheltoksan 71",
        "address_kk": "Алматы қ., Желтоқсан көшесі, 71",
        "address_ru": "г. Алматы, ул. Желтоксан, 71",
        "timezone": "Asia/Almaty",
    }
    data.update(changes)
    return data


def room_form(**changes):
    data = {
        "name": "Reading hall",
        "name_kk": "Оқу залы",
        "name_ru": "Читальный зал",
        "capacity": "40",
        "accessibility_notes": "Step-free",
        "accessibility_notes_ru": "Без ступенек.\nЕсть пандус.",
    }
    data.update(changes)
    return data


def saved(app, model, key):
    with app.app_context():
        obj = db.session.get(model, key)
        return obj.name, obj.translations


def test_admin_saves_a_branch_in_each_language_and_sees_it_again(app, client, ids):
    log_in(client, ids["admin"])
    url = f"/staff/admin/branches/{ids['branch']}/edit"
    assert client.post(url, data=branch_form()).status_code == 302
    name, translations = saved(app, Branch, ids["branch"])
    assert name == "Chekhov library"
    assert translations == {
        "kk": {"name": "Чехов атындағы кітапхана", "address": "Алматы қ., Желтоқсан көшесі, 71"},
        "ru": {"name": "Библиотека имени Чехова", "address": "г. Алматы, ул. Желтоксан, 71"},
    }
    page = client.get(url).get_data(as_text=True)
    assert 'value="Чехов атындағы кітапхана"' in page
    assert 'value="г. Алматы, ул. Желтоксан, 71"' in page


def test_branch_staff_save_a_room_in_each_language(app, client, ids):
    log_in(client, ids["staff"])
    url = f"/staff/admin/rooms/{ids['hall']}/edit"
    assert client.post(url, data=room_form()).status_code == 302
    _name, translations = saved(app, Venue, ids["hall"])
    assert translations == {
        "kk": {"name": "Оқу залы"},
        "ru": {"name": "Читальный зал", "accessibility_notes": "Без ступенек.\nЕсть пандус."},
    }
    page = client.get(url).get_data(as_text=True)
    assert 'value="Читальный зал"' in page
    assert "Без ступенек." in page


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"name_ru": "Плохое\x07имя"}, "name_ru", "control characters"),
        ({"address_kk": "Алматы\nЖелтоқсан"}, "address_kk", "control characters"),
        ({"name_en": "x" * 201}, "name_en", "at most 200"),
        ({"address_ru": "x" * 301}, "address_ru", "at most 300"),
        ({"name": "  "}, "name", "required"),
    ],
)
def test_bad_branch_translations_change_nothing(app, client, ids, changes, field, message):
    log_in(client, ids["admin"])
    before = saved(app, Branch, ids["branch"])
    response = client.post(
        f"/staff/admin/branches/{ids['branch']}/edit", data=branch_form(**changes)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert saved(app, Branch, ids["branch"]) == before


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"name_kk": "Зал\x00"}, "name_kk", "control characters"),
        ({"accessibility_notes_en": "\x1bnotes"}, "accessibility_notes_en", "control characters"),
        ({"accessibility_notes_kk": "x" * 5001}, "accessibility_notes_kk", "at most 5000"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_bad_room_translations_change_nothing(app, client, ids, changes, field, message):
    log_in(client, ids["staff"])
    before = saved(app, Venue, ids["hall"])
    response = client.post(f"/staff/admin/rooms/{ids['hall']}/edit", data=room_form(**changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    assert saved(app, Venue, ids["hall"]) == before


def test_other_branches_are_not_theirs_to_rename(app, client, ids):
    log_in(client, ids["staff"])
    before_branch = saved(app, Branch, ids["branch"])
    before_room = saved(app, Venue, ids["other_hall"])
    response = client.post(f"/staff/admin/branches/{ids['branch']}/edit", data=branch_form())
    assert response.status_code == 403  # branches are the administrators'
    response = client.post(
        f"/staff/admin/rooms/{ids['other_hall']}/edit", data=room_form(name="Sneaky")
    )
    assert response.status_code == 403
    assert saved(app, Branch, ids["branch"]) == before_branch
    assert saved(app, Venue, ids["other_hall"]) == before_room


def test_staff_pages_show_branch_and_room_names_in_my_language(app, client, ids):
    log_in(client, ids["staff"])
    dashboard = client.get("/staff/?lang=ru").get_data(as_text=True)
    assert CHEKHOV_RU in dashboard
    roster = client.get(f"/staff/events/{ids['event']}/roster?lang=kk").get_data(as_text=True)
    assert "Чехов кітапханасы" in roster
    assert HALL_KK in roster
    new_event = client.get("/staff/events/new?lang=kk").get_data(as_text=True)
    assert HALL_KK in new_event  # the room select
    rooms = client.get(f"/staff/admin/branches/{ids['branch']}/rooms?lang=en")
    assert "Chekhov library" in rooms.get_data(as_text=True)  # no English: the name as written

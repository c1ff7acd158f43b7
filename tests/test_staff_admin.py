"""Administration pages: branches, rooms and staff accounts, with their rules and bad inputs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from calendar_app.extensions import db
from calendar_app.models import Branch, StaffUser, Venue
from calendar_app.timeutil import utcnow
from tests.factories import make_branch, make_event, make_venue
from tests.staff_support import CHEAP_METHOD, log_in, make_staff


@pytest.fixture
def app_config():
    return {"STAFF_PASSWORD_METHOD": CHEAP_METHOD}


@pytest.fixture
def ids(app, client):
    with app.app_context():
        branch = make_branch("chekhov", name="Chekhov library")
        other = make_branch("begalin", name="Begalin library")
        hall = make_venue(branch, "Reading hall", capacity=40)
        admin = make_staff("admin@example.kz", is_admin=True)
        staff = make_staff("staff@example.kz", branches=[branch])
        make_event(branch, hall, capacity=30, starts_at=utcnow() + timedelta(days=5))
        db.session.commit()
        return {
            "branch": branch.id,
            "other": other.id,
            "hall": hall.id,
            "admin": admin.get_id(),
            "staff": staff.get_id(),
            "staff_id": staff.id,
            "admin_id": admin.id,
        }


def branch_form(**changes):
    data = {
        "slug": "alatau-hub",
        "name": "Alatau Creative Hub",
        "timezone": "Asia/Almaty",
        "address": "Almaty, Abai avenue 1",
        "phone": "+7 727 000 00 00",
        "email": "hub@example.kz",
        "website": "https://hub.example.kz",
        "description": "Мастер-кластар және кездесулер",
    }
    data.update(changes)
    return data


def count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def test_admin_adds_and_edits_a_branch(app, client, ids):
    log_in(client, ids["admin"])
    assert "Chekhov library" in client.get("/staff/admin/").get_data(as_text=True)
    assert client.post("/staff/admin/branches/new", data=branch_form()).status_code == 302
    with app.app_context():
        branch = db.session.execute(select(Branch).where(Branch.slug == "alatau-hub")).scalar_one()
        assert branch.description == "Мастер-кластар және кездесулер"
        branch_id = branch.id
    response = client.post(
        f"/staff/admin/branches/{branch_id}/edit", data=branch_form(name="Alatau Hub")
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Branch, branch_id).name == "Alatau Hub"


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"slug": "Alatau Hub"}, "slug", "lower-case Latin"),
        ({"slug": "chekhov"}, "slug", "Another branch uses"),
        ({"slug": "a--b"}, "slug", "lower-case Latin"),
        ({"slug": "x" * 81}, "slug", "at most 80"),
        ({"name": ""}, "name", "required"),
        ({"name": "Bad\x07name"}, "name", "control characters"),
        ({"timezone": "Mars/Olympus"}, "timezone", "Unknown time zone"),
        ({"timezone": "../../etc/passwd"}, "timezone", "Unknown time zone"),
        ({"email": "not an address"}, "email", "not a valid e-mail"),
        ({"website": "javascript:alert(1)"}, "website", "https://"),
    ],
)
def test_branch_rules(app, client, ids, changes, field, message):
    log_in(client, ids["admin"])
    response = client.post("/staff/admin/branches/new", data=branch_form(**changes))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    with app.app_context():
        assert count(Branch) == 2


def test_rooms_of_my_branch_are_mine_to_manage(app, client, ids):
    log_in(client, ids["staff"])
    page = client.get(f"/staff/admin/branches/{ids['branch']}/rooms").get_data(as_text=True)
    assert "Reading hall" in page
    response = client.post(
        f"/staff/admin/branches/{ids['branch']}/rooms/new",
        data={"name": "Children's corner", "capacity": "12", "accessibility_notes": "Step-free"},
    )
    assert response.status_code == 302
    # Another branch's rooms are not.
    assert client.get(f"/staff/admin/branches/{ids['other']}/rooms").status_code == 403
    response = client.post(
        f"/staff/admin/branches/{ids['other']}/rooms/new", data={"name": "Sneaky", "capacity": "5"}
    )
    assert response.status_code == 403
    with app.app_context():
        assert count(Venue) == 2


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"name": "", "capacity": "10"}, "name", "required"),
        ({"name": "reading HALL", "capacity": "10"}, "name", "already has a room"),
        ({"name": "New", "capacity": "-5"}, "capacity", "between 0 and"),
        ({"name": "New", "capacity": "10000000000"}, "capacity", "between 0 and"),
        ({"name": "New", "capacity": "ten"}, "capacity", "Not a valid integer"),
    ],
)
def test_room_rules(app, client, ids, data, field, message):
    log_in(client, ids["staff"])
    response = client.post(f"/staff/admin/branches/{ids['branch']}/rooms/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    with app.app_context():
        assert count(Venue) == 1


def test_a_room_cannot_shrink_below_an_upcoming_event(app, client, ids):
    log_in(client, ids["staff"])
    url = f"/staff/admin/rooms/{ids['hall']}/edit"
    response = client.post(url, data={"name": "Reading hall", "capacity": "20"})
    assert response.status_code == 422
    assert "has 30 seats" in response.get_data(as_text=True)
    assert client.post(url, data={"name": "Reading hall", "capacity": "30"}).status_code == 302
    with app.app_context():
        assert db.session.get(Venue, ids["hall"]).capacity == 30


def test_admin_creates_and_edits_staff_accounts(app, client, ids):
    log_in(client, ids["admin"])
    response = client.post(
        "/staff/admin/staff/new",
        data={
            "email": "New.Person@Example.kz",
            "name": "Айгерім",
            "branch_ids": [str(ids["branch"]), str(ids["other"])],
            "active": "y",
            "password": "a long enough password",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        person = db.session.execute(
            select(StaffUser).where(StaffUser.email == "new.person@example.kz")
        ).scalar_one()
        assert person.name == "Айгерім" and len(person.branches) == 2
        person_id, old_hash = person.id, person.password_hash
    # Editing without a password keeps it.
    response = client.post(
        f"/staff/admin/staff/{person_id}/edit",
        data={"email": "new.person@example.kz", "branch_ids": [str(ids["other"])], "active": "y"},
    )
    assert response.status_code == 302
    with app.app_context():
        person = db.session.get(StaffUser, person_id)
        assert person.password_hash == old_hash
        assert [b.slug for b in person.branches] == ["begalin"]


@pytest.mark.parametrize(
    "data,field,message",
    [
        ({"email": "staff@example.kz", "password": "a long password"}, "email", "Another account"),
        ({"email": "x@example.kz", "password": "short"}, "password", "at least 10"),
        ({"email": "x@example.kz"}, "password", "A password is required"),
        (
            {"email": "x@example.kz", "password": "a long password"},
            "branch_ids",
            "at least one branch",
        ),
        (
            {"email": "x@example.kz", "password": "a long password", "branch_ids": ["987654"]},
            "branch_ids",
            "is not a valid choice",
        ),
    ],
)
def test_staff_account_form_rules(app, client, ids, data, field, message):
    log_in(client, ids["admin"])
    response = client.post("/staff/admin/staff/new", data={"active": "y", **data})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page.split(f'id="{field}-error"', 1)[1].split("</p>", 1)[0]
    with app.app_context():
        assert count(StaffUser) == 2


def test_an_admin_cannot_lock_themselves_out(app, client, ids):
    log_in(client, ids["admin"])
    response = client.post(
        f"/staff/admin/staff/{ids['admin_id']}/edit",
        data={"email": "admin@example.kz", "active": "y", "branch_ids": [str(ids["branch"])]},
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(StaffUser, ids["admin_id"]).is_admin

"""Staff sessions end for good: a copied session or remember cookie is worthless after logout or
a new password; and the per-account login limit counts every spelling of an address as one."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from calendar_app.extensions import db
from calendar_app.models import StaffUser
from tests.factories import make_branch
from tests.staff_support import CHEAP_METHOD, PASSWORD, make_staff


@pytest.fixture
def app_config():
    return {"STAFF_PASSWORD_METHOD": CHEAP_METHOD}


@pytest.fixture
def staff_id(app: Flask) -> int:
    with app.app_context():
        staff = make_staff("staff@example.kz", branches=[make_branch()])
        db.session.commit()
        return staff.id


def log_in(client: FlaskClient, email: str = "staff@example.kz", **extra: str):
    return client.post("/staff/login", data={"email": email, "password": PASSWORD, **extra})


def with_cookies(app: Flask, source: FlaskClient, *names: str) -> FlaskClient:
    """A new browser that holds copies of ``source``'s cookies ``names``."""
    copy = app.test_client()
    for name in names:
        cookie = source.get_cookie(name)
        assert cookie is not None, name
        copy.set_cookie(name, cookie.value)
    return copy


def shut_out(client: FlaskClient) -> bool:
    response = client.get("/staff/")
    return response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


def test_a_copied_session_cookie_stops_working_at_logout(app, client, staff_id):
    assert log_in(client).status_code == 302
    copy = with_cookies(app, client, "session")
    assert copy.get("/staff/").status_code == 200  # the copy works while the session lasts
    assert client.post("/staff/logout").status_code == 302
    assert shut_out(client)
    assert shut_out(copy)
    # Logging in again makes a new session; the old copy stays worthless.
    assert log_in(client).status_code == 302
    assert client.get("/staff/").status_code == 200
    assert shut_out(copy)


def test_a_copied_remember_cookie_stops_working_at_logout(app, client, staff_id):
    assert log_in(client, remember="y").status_code == 302
    remembered = with_cookies(app, client, "remember_token")
    assert remembered.get("/staff/").status_code == 200  # logged in from the cookie alone
    assert client.post("/staff/logout").status_code == 302
    stale = app.test_client()
    stale.set_cookie("remember_token", remembered.get_cookie("remember_token").value)
    assert shut_out(stale)


def test_logout_on_one_device_ends_the_accounts_sessions_on_every_device(app, staff_id):
    desk, phone = app.test_client(), app.test_client()
    assert log_in(desk).status_code == 302
    assert log_in(phone).status_code == 302
    assert phone.post("/staff/logout").status_code == 302
    assert shut_out(desk)


def test_a_new_password_ends_the_accounts_other_sessions(app, client, staff_id):
    with app.app_context():
        branch_id = db.session.get(StaffUser, staff_id).branches[0].id
        make_staff("admin@example.kz", is_admin=True)
        db.session.commit()
    assert log_in(client).status_code == 302
    admin = app.test_client()
    assert log_in(admin, "admin@example.kz").status_code == 302
    response = admin.post(
        f"/staff/admin/staff/{staff_id}/edit",
        data={
            "email": "staff@example.kz",
            "branch_ids": [str(branch_id)],
            "active": "y",
            "password": "another long password",
        },
    )
    assert response.status_code == 302
    assert shut_out(client)
    assert admin.get("/staff/").status_code == 200  # someone else's password: admin stays in
    fresh = app.test_client()
    fresh_login = fresh.post(
        "/staff/login", data={"email": "staff@example.kz", "password": "another long password"}
    )
    assert fresh_login.status_code == 302


def test_changing_ones_own_password_keeps_this_session_and_ends_the_others(app, client):
    with app.app_context():
        admin_id = make_staff("admin@example.kz", is_admin=True).id
        db.session.commit()
    assert log_in(client, "admin@example.kz").status_code == 302
    other_device = app.test_client()
    assert log_in(other_device, "admin@example.kz").status_code == 302
    response = client.post(
        f"/staff/admin/staff/{admin_id}/edit",
        data={
            "email": "admin@example.kz",
            "is_admin": "y",
            "active": "y",
            "password": "another long password",
        },
    )
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200
    assert shut_out(other_device)


class TestLoginLimitPerAccount:
    @pytest.fixture
    def app_config(self):
        return {
            "STAFF_PASSWORD_METHOD": CHEAP_METHOD,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "STAFF_LOGIN_ACCOUNT_LIMIT": "5 per 15 minutes",
            "STAFF_LOGIN_ADDRESS_LIMIT": "20 per 15 minutes",
        }

    @pytest.mark.parametrize(
        "account,spellings",
        [
            (
                "staff@example.kz",
                [
                    "STAFF@example.kz",
                    "staff@EXAMPLE.KZ",
                    "ｓｔａｆｆ@ｅｘａｍｐｌｅ.ｋｚ",  # full-width letters
                    " Staff@Example.Kz ",
                    "ſtaff@example.kz",  # the long s casefolds to s
                ],
            ),
            (
                "anna@кітапхана.қаз",
                [
                    "anna@xn--80aaa1brkt0a3m.xn--80ao21a",  # the same domain, IDNA-encoded
                    "ANNA@КІТАПХАНА.ҚАЗ",
                    "Anna@Кітапхана.Қаз",
                    "ａｎｎａ@кітапхана.қаз",
                    "anna@XN--80AAA1BRKT0A3M.XN--80AO21A",
                ],
            ),
        ],
    )
    def test_five_failures_in_any_spelling_lock_the_account(self, app, client, account, spellings):
        with app.app_context():
            make_staff(account, branches=[make_branch()])
            make_staff("other@example.kz", branches=[make_branch()])
            db.session.commit()
        for spelling in spellings:
            response = client.post("/staff/login", data={"email": spelling, "password": "wrong!"})
            assert response.status_code == 401, spelling
        blocked = log_in(client, account)
        assert blocked.status_code == 429
        assert "Too many failed attempts" in blocked.get_data(as_text=True)
        assert shut_out(client)
        # Another account from the same address still has its own tries.
        assert log_in(client, "other@example.kz").status_code == 302

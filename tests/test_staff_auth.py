"""Staff login and logout: passwords, rate limits, the ``next`` parameter and cookies."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash

from calendar_app.extensions import db
from calendar_app.models import StaffUser
from calendar_app.services.errors import InvalidInput
from calendar_app.services.staff_accounts import (
    DEFAULT_PASSWORD_METHOD,
    StaffData,
    authenticate,
    create_staff,
    update_staff,
)
from calendar_app.staff.auth import safe_next
from tests.conftest import requires_redis
from tests.factories import NOW, make_branch
from tests.staff_support import CHEAP_METHOD, PASSWORD, log_in, make_staff


@pytest.fixture
def app_config():
    return {"STAFF_PASSWORD_METHOD": CHEAP_METHOD}


def login(client, email="staff@example.kz", password=PASSWORD, next_path=None, **extra):
    url = "/staff/login" + (f"?next={next_path}" if next_path is not None else "")
    return client.post(url, data={"email": email, "password": password, **extra})


def test_the_default_hash_is_scrypt_at_owasp_cost(app):
    with app.app_context():
        app.config.pop("STAFF_PASSWORD_METHOD")
        branch = make_branch()
        staff = create_staff(
            StaffData(email="Anna@Example.KZ", password="a long password", branch_ids=[branch.id]),
            NOW,
        )
        assert staff.password_hash.startswith("scrypt:131072:8:1$")
        assert DEFAULT_PASSWORD_METHOD == "scrypt:131072:8:1"
        assert check_password_hash(staff.password_hash, "a long password")
        assert staff.email == "anna@example.kz"


def test_login_with_the_right_password_leads_to_the_dashboard(client, app):
    with app.app_context():
        make_staff(branches=[make_branch()])
        db.session.commit()
    response = login(client, email="STAFF@example.kz")
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    with app.app_context():
        staff = db.session.execute(db.select(StaffUser)).scalar_one()
        assert staff.last_login_at is not None


@pytest.mark.parametrize(
    "email,password",
    [
        ("staff@example.kz", "wrong password"),
        ("nobody@example.kz", PASSWORD),
        ("", PASSWORD),
        ("staff@example.kz\x00", PASSWORD),
        ("x" * 300 + "@example.kz", PASSWORD),
    ],
)
def test_wrong_credentials_are_refused(client, app, email, password):
    with app.app_context():
        make_staff(branches=[make_branch()])
        db.session.commit()
    response = login(client, email=email, password=password)
    assert response.status_code in (400, 401)
    assert client.get("/staff/").status_code == 302


def test_a_disabled_account_cannot_log_in(client, app):
    with app.app_context():
        make_staff(branches=[make_branch()], active=False)
        db.session.commit()
    assert login(client).status_code == 401
    assert "Wrong e-mail address or password" in login(client).get_data(as_text=True)


def test_rehash_upgrades_an_old_hash_on_login(ctx):
    staff = make_staff(branches=[make_branch()])
    staff.password_hash = staff.password_hash.replace("scrypt:1024", "scrypt:1024")  # same
    ctx.config["STAFF_PASSWORD_METHOD"] = "scrypt:2048:8:1"
    assert authenticate("staff@example.kz", PASSWORD, NOW) is staff
    assert staff.password_hash.startswith("scrypt:2048:8:1$")
    assert authenticate("staff@example.kz", "nope", NOW) is None


def test_logout_is_a_post_and_ends_the_session(client, app):
    with app.app_context():
        staff = make_staff(branches=[make_branch()])
        db.session.commit()
        log_in(client, staff)
    assert client.get("/staff/logout").status_code == 405
    response = client.post("/staff/logout")
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 302


def test_a_new_password_ends_other_sessions(client, app):
    with app.app_context():
        staff = make_staff(branches=[make_branch()])
        db.session.commit()
        log_in(client, staff)
        assert client.get("/staff/").status_code == 200
        update_staff(
            staff,
            StaffData(
                email=staff.email,
                branch_ids=[b.id for b in staff.branches],
                password="another long password",
            ),
            NOW,
        )
        db.session.commit()
    assert client.get("/staff/").status_code == 302


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/staff/events/3/roster", "/staff/events/3/roster"),
        ("/staff/?x=1", "/staff/?x=1"),
        ("//evil.example", None),
        ("/\\evil.example", None),
        ("\\\\evil.example", None),
        ("https://evil.example/staff/", None),
        ("http:/evil.example", None),
        ("javascript:alert(1)", None),
        ("JaVaScRiPt:alert(1)", None),
        ("/\t/evil.example", None),
        ("/\r\n/evil.example", None),
        (" /staff/", None),
        ("/staff/\x00", None),
        ("staff/", None),
        ("", None),
        (None, None),
        ("/" + "a" * 3000, None),
    ],
)
def test_next_only_leads_to_a_path_on_this_site(target, expected):
    assert safe_next(target) == expected


@pytest.mark.parametrize(
    "target", ["//evil.example", "/\\evil.example", "https://evil.example", "javascript:alert(1)"]
)
def test_login_ignores_an_unsafe_next(client, app, target):
    with app.app_context():
        make_staff(branches=[make_branch()])
        db.session.commit()
    response = client.post(
        "/staff/login",
        query_string={"next": target},
        data={"email": "staff@example.kz", "password": PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"


def test_login_follows_a_safe_next_and_anonymous_visitors_are_sent_to_login(client, app):
    with app.app_context():
        make_staff(branches=[make_branch()])
        db.session.commit()
    response = client.get("/staff/events/new?x=1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")
    assert response.headers["Location"] == "/staff/login?next=%2Fstaff%2Fevents%2Fnew%3Fx%3D1"
    response = client.post(
        response.headers["Location"], data={"email": "staff@example.kz", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/staff/events/new?x=1"


def test_cookies_are_secure_httponly_and_lax_when_served_over_https(client, app):
    assert app.config["BASE_URL"].startswith("https://")
    with app.app_context():
        make_staff(branches=[make_branch()])
        db.session.commit()
    response = login(client, remember="y")
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_cookies_are_not_secure_on_plain_http(database_url, tmp_path):
    from calendar_app import create_app
    from tests.conftest import make_test_config

    app = create_app(make_test_config(database_url, tmp_path, BASE_URL="http://127.0.0.1:5000"))
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


class TestRateLimit:
    @pytest.fixture
    def app_config(self):
        return {
            "STAFF_PASSWORD_METHOD": CHEAP_METHOD,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "STAFF_LOGIN_ACCOUNT_LIMIT": "3 per 15 minutes",
            "STAFF_LOGIN_ADDRESS_LIMIT": "5 per 15 minutes",
        }

    def test_failures_per_account_lock_the_account_even_for_the_right_password(self, client, app):
        with app.app_context():
            make_staff(branches=[make_branch()])
            make_staff("other@example.kz", branches=[make_branch()])
            db.session.commit()
        for _ in range(3):
            assert login(client, password="wrong password").status_code == 401
        blocked = login(client)
        assert blocked.status_code == 429
        assert "Too many failed attempts" in blocked.get_data(as_text=True)
        assert client.get("/staff/").status_code == 302
        # Another account from the same address still works (its own counter is at zero).
        assert login(client, email="other@example.kz").status_code == 302

    def test_failures_per_address_cover_every_account(self, client, app):
        with app.app_context():
            make_staff(branches=[make_branch()])
            db.session.commit()
        for number in range(5):
            assert login(client, email=f"guess{number}@example.kz").status_code == 401
        assert login(client).status_code == 429
        other_address = app.test_client()
        response = other_address.post(
            "/staff/login",
            data={"email": "staff@example.kz", "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "10.1.2.3"},
        )
        assert response.status_code == 302


def test_staff_account_rules(ctx):
    branch = make_branch()
    make_staff("taken@example.kz", branches=[branch])
    cases = [
        (StaffData(email="", password="a long password", branch_ids=[branch.id]), "email"),
        (
            StaffData(email="not-an-address", password="a long password", branch_ids=[branch.id]),
            "email",
        ),
        (
            StaffData(email="TAKEN@example.kz", password="a long password", branch_ids=[branch.id]),
            "email",
        ),
        (StaffData(email="new@example.kz", password="short", branch_ids=[branch.id]), "password"),
        (
            StaffData(
                email="new@example.kz", password="a long\x00password", branch_ids=[branch.id]
            ),
            "password",
        ),
        (StaffData(email="new@example.kz", password=None, branch_ids=[branch.id]), "password"),
        (
            StaffData(email="new@example.kz", password="a long password", branch_ids=[]),
            "branch_ids",
        ),
        (
            StaffData(email="new@example.kz", password="a long password", branch_ids=[999999]),
            "branch_ids",
        ),
    ]
    for data, field in cases:
        with pytest.raises(InvalidInput) as caught:
            create_staff(data, NOW)
        assert field in caught.value.errors, (data, caught.value.errors)
    assert db.session.execute(db.select(db.func.count(StaffUser.id))).scalar_one() == 1


@requires_redis
class TestRateLimitAcrossProcesses:
    """Failures counted by one process lock the account for another (Redis storage)."""

    @pytest.fixture
    def app_config(self, redis_url):
        return {
            "STAFF_PASSWORD_METHOD": CHEAP_METHOD,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": redis_url,
            "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}-",
            "STAFF_LOGIN_ACCOUNT_LIMIT": "3 per 15 minutes",
            "STAFF_LOGIN_ADDRESS_LIMIT": "50 per 15 minutes",
        }

    def test_another_process_sees_the_failures(self, client, app, database_url, tmp_path):
        with app.app_context():
            make_staff(branches=[make_branch()])
            db.session.commit()
        settings = {
            "database_url": database_url,
            "instance": str(tmp_path / "worker"),
            "email": "staff@example.kz",
            "attempts": 3,
            "config": {
                key: app.config[key]
                for key in (
                    "STAFF_PASSWORD_METHOD",
                    "RATELIMIT_ENABLED",
                    "RATELIMIT_STORAGE_URI",
                    "RATELIMIT_KEY_PREFIX",
                    "STAFF_LOGIN_ACCOUNT_LIMIT",
                    "STAFF_LOGIN_ADDRESS_LIMIT",
                )
            },
        }
        worker = subprocess.run(
            [sys.executable, "-m", "tests.login_worker", json.dumps(settings)],
            cwd=Path(__file__).resolve().parent.parent,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert json.loads(worker.stdout.strip().splitlines()[-1]) == [401, 401, 401]
        assert login(client).status_code == 429
        assert client.get("/staff/").status_code == 302

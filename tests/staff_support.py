"""Helpers for staff-side tests: accounts with a cheap password hash, and logging in a client."""

from __future__ import annotations

import re
from functools import lru_cache

from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from calendar_app.extensions import db
from calendar_app.models import Branch, StaffUser
from tests.factories import NOW, make_branch, make_venue

PASSWORD = "correct horse battery"
CHEAP_METHOD = "scrypt:1024:8:1"  # tests only: the real cost is set by the service
# Staff pages in a real browser: CSRF on as in production, served over plain http (no Secure).
BROWSER_CONFIG = {
    "WTF_CSRF_ENABLED": True,
    "STAFF_PASSWORD_METHOD": CHEAP_METHOD,
    "BASE_URL": "http://127.0.0.1",
}


@lru_cache(maxsize=8)
def cheap_hash(password: str) -> str:
    return generate_password_hash(password, method=CHEAP_METHOD)


def make_staff(
    email: str = "staff@example.kz",
    *,
    branches: list[Branch] | None = None,
    is_admin: bool = False,
    active: bool = True,
    password: str = PASSWORD,
) -> StaffUser:
    staff = StaffUser(
        email=email,
        name=email.split("@")[0],
        password_hash=cheap_hash(password),
        is_admin=is_admin,
        active=active,
        created_at=NOW,
        updated_at=NOW,
    )
    staff.branches = list(branches or [])
    db.session.add(staff)
    db.session.flush()
    return staff


def log_in(client: FlaskClient, staff: StaffUser | str | None) -> FlaskClient:
    """Put ``staff`` (or its ``get_id()``) in the client's session (None logs out), as
    Flask-Login would after a login."""
    with client.session_transaction() as session:
        session.clear()
        if staff is not None:
            session["_user_id"] = staff if isinstance(staff, str) else staff.get_id()
            session["_fresh"] = True
    return client


def event_form(ids: dict[str, int], **changes: object) -> dict[str, object]:
    """The event form as a browser posts it, for the branch and room in ``ids``; a change of
    None leaves a field out."""
    data = {
        "branch_id": ids["branch"],
        "title": "Шексіздік сыртындағы шам",
        "description": "A *master class* for children.",
        "category": "master_class",
        "audience": "children",
        "language": "kk",
        "age_min": "6",
        "age_max": "10",
        "venue_id": ids["hall"],
        "starts_at": "2026-06-10T15:00",
        "ends_at": "2026-06-10T16:30",
        "registration": "required",
        "capacity": "25",
        "max_party": "4",
        "waitlist_enabled": "y",
        "opens_at": "",
        "closes_at": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def make_two_branches() -> dict[str, int | str]:
    """The children's library (a 40-seat hall, a 10-seat room) and another branch (a hall), each
    with a staff account; their ids, and ``staff``/``other_staff`` as ids for ``log_in``."""
    branch = make_branch("children", name="Children's library")
    other = make_branch("other", name="Other branch")
    hall = make_venue(branch, "Big hall", capacity=40)
    small = make_venue(branch, "Small room", capacity=10)
    foreign = make_venue(other, "Foreign hall", capacity=100)
    staff = make_staff("staff@example.kz", branches=[branch])
    other_staff = make_staff("other@example.kz", branches=[other])
    db.session.commit()
    return {
        "branch": branch.id,
        "other": other.id,
        "hall": hall.id,
        "small": small.id,
        "foreign": foreign.id,
        "staff": staff.get_id(),
        "other_staff": other_staff.get_id(),
    }


def door_counts(page: str) -> dict[str, int]:
    """The counts a roster page (or its counts block) shows: checked_in, expected, walk_ins, free."""
    return {
        name: int(value) for name, value in re.findall(r'<dd data-count="(\w+)">(\d+)</dd>', page)
    }

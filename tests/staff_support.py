"""Helpers for staff-side tests: accounts with a cheap password hash, and logging in a client."""

from __future__ import annotations

from functools import lru_cache

from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from calendar_app.extensions import db
from calendar_app.models import Branch, StaffUser
from tests.factories import NOW

PASSWORD = "correct horse battery"
CHEAP_METHOD = "scrypt:1024:8:1"  # tests only: the real cost is set by the service


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

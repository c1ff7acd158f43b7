"""Staff accounts: creation, changes and password checks.

Passwords are hashed with scrypt at the cost OWASP recommends (N=2^17, r=8, p=1: 128 MiB and about
half a second here). A login attempt for an unknown or disabled address checks the password against
a dummy hash of the same cost, so the answer takes as long as for a real account.
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import idna
from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import Branch, StaffUser
from ..models.staff import new_session_stamp
from .errors import InvalidInput
from .validation import has_control_characters, normalized_address

DEFAULT_PASSWORD_METHOD = "scrypt:131072:8:1"
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


@dataclass
class StaffData:
    """What an administrator sets on an account; ``password`` None keeps the current one."""

    email: str
    name: str = ""
    is_admin: bool = False
    active: bool = True
    branch_ids: list[int] = field(default_factory=list)
    password: str | None = None


def password_method() -> str:
    if has_app_context():
        return current_app.config.get("STAFF_PASSWORD_METHOD", DEFAULT_PASSWORD_METHOD)
    return DEFAULT_PASSWORD_METHOD


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=password_method())


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not a real password", method=method)


def normalise_email(value: str) -> str:
    """The address as stored: domain lower-cased, surrounding blanks removed; raises InvalidInput."""
    text = (value or "").strip()
    if not text:
        raise InvalidInput({"email": [_("An e-mail address is required.")]})
    address = normalized_address(text)
    if address is None:
        raise InvalidInput({"email": [_("This is not a valid e-mail address.")]})
    return address.lower()


def address_limit_key(value: str) -> str:
    """One key for every spelling of an address, for counting failed logins per account.

    Full-width or otherwise compatible characters (NFKC), any case (casefold) and a domain in
    Unicode or in its IDNA form all give the same key, so that respelling the address does not
    buy more guesses. Text that is no address at all is keyed the same way.
    """
    text = (value or "").strip()
    text = unicodedata.normalize("NFKC", normalized_address(text) or text).casefold()
    local, at, domain = text.rpartition("@")
    if not at:
        return text
    with contextlib.suppress(UnicodeError):  # not a domain IDNA can encode: keep it as written
        domain = idna.encode(domain, uts46=True).decode("ascii")
    return f"{local}@{domain}"


def check_password_rules(password: str) -> list[str]:
    errors = []
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.append(
            _("The password needs at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        errors.append(
            _("The password may have at most %(count)d characters.", count=MAX_PASSWORD_LENGTH)
        )
    if has_control_characters(password):
        errors.append(_("The password must not contain control characters."))
    return errors


def find_staff_by_email(email: str) -> StaffUser | None:
    try:
        address = normalise_email(email)
    except InvalidInput:
        return None
    return db.session.execute(
        select(StaffUser).where(func.lower(StaffUser.email) == address)
    ).scalar_one_or_none()


def _branches(branch_ids: Iterable[int]) -> list[Branch]:
    wanted = sorted(set(branch_ids))
    if not wanted:
        return []
    found = (
        db.session.execute(select(Branch).where(Branch.id.in_(wanted)).order_by(Branch.name))
        .scalars()
        .all()
    )
    if len(found) != len(wanted):
        raise InvalidInput({"branch_ids": [_("Unknown branch.")]})
    return list(found)


def _validate(data: StaffData, existing: StaffUser | None) -> tuple[str, list[Branch]]:
    errors: dict[str, list[str]] = {}
    try:
        email = normalise_email(data.email)
    except InvalidInput as error:
        errors.update(error.errors)
        email = ""
    name = (data.name or "").strip()
    if len(name) > 200 or has_control_characters(name):
        errors.setdefault("name", []).append(_("Use at most 200 printable characters."))
    if email:
        other = find_staff_by_email(email)
        if other is not None and (existing is None or other.id != existing.id):
            errors.setdefault("email", []).append(_("Another account uses this address."))
    if data.password is not None:
        problems = check_password_rules(data.password)
        if problems:
            errors["password"] = problems
    elif existing is None:
        errors.setdefault("password", []).append(_("A password is required."))
    try:
        branches = _branches(data.branch_ids)
    except InvalidInput as error:
        errors.update(error.errors)
        branches = []
    if not data.is_admin and not branches and not errors:
        errors.setdefault("branch_ids", []).append(
            _("Branch staff need at least one branch (or make the account an administrator).")
        )
    if errors:
        raise InvalidInput(errors)
    return email, branches


def create_staff(data: StaffData, now: datetime) -> StaffUser:
    email, branches = _validate(data, None)
    assert data.password is not None
    staff = StaffUser(
        email=email,
        name=(data.name or "").strip(),
        password_hash=hash_password(data.password),
        is_admin=data.is_admin,
        active=data.active,
        created_at=now,
        updated_at=now,
    )
    staff.branches = branches
    db.session.add(staff)
    db.session.flush()
    return staff


def update_staff(staff: StaffUser, data: StaffData, now: datetime) -> StaffUser:
    """Change an account. A new password ends every session of the account (``end_sessions``)."""
    email, branches = _validate(data, staff)
    staff.email = email
    staff.name = (data.name or "").strip()
    staff.is_admin = data.is_admin
    staff.active = data.active
    staff.branches = branches
    if data.password is not None:
        staff.password_hash = hash_password(data.password)
        end_sessions(staff)
    staff.updated_at = now
    db.session.flush()
    return staff


def end_sessions(staff: StaffUser) -> None:
    """Log the account out everywhere: a new ``session_stamp`` makes every session cookie and
    remember cookie issued before worthless (Flask-Login keeps ``<id>:<stamp>`` in them).

    Called on logout, so logging out on one device logs the account out on every device: a
    copied session cookie must not outlive the logout.
    """
    staff.session_stamp = new_session_stamp()
    db.session.flush()


def authenticate(email: str, password: str, now: datetime) -> StaffUser | None:
    """The active account with this address and password, or None (in about constant time)."""
    staff = find_staff_by_email(email or "")
    if staff is None or not staff.active:
        check_password_hash(_dummy_hash(password_method()), password or "")
        return None
    if not check_password_hash(staff.password_hash, password or ""):
        return None
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    staff.last_login_at = now
    db.session.flush()
    return staff


def needs_rehash(password_hash: str) -> bool:
    return not password_hash.startswith(password_method() + "$")

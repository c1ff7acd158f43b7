"""Tokens for the staff JSON API: issue, authenticate, list and revoke.

A token acts with its account's permissions (services/permissions.py). The secret is shown once,
when it is issued; the database keeps only its SHA-256 hash, so a copy of the database lets nobody
in. A revoked token, or any token of a disabled account, stops working at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ApiToken, StaffUser
from ..security import generate_token, hash_token
from .errors import Conflict, InvalidInput, NotFound, PermissionDenied
from .validation import has_control_characters, is_database_id

MAX_LABEL = 100
# ``generate_token`` gives 192 random bits from ``secrets`` as 32 URL-safe characters.
_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{32,128}$")
# Last use is recorded to the minute: one write a minute per busy token, not one per request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its secret, which is never stored and cannot be shown again."""

    token: ApiToken
    secret: str


def clean_label(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput({"label": [_("The label must be text.")]})
    label = value.strip()
    if len(label) > MAX_LABEL:
        raise InvalidInput(
            {"label": [_("The label is too long (%(max)d characters at most).", max=MAX_LABEL)]}
        )
    if has_control_characters(label):
        raise InvalidInput({"label": [_("Remove the control characters.")]})
    return label


def issue(staff: StaffUser, label: object, now: datetime) -> IssuedToken:
    """A new token for an active account."""
    clean = clean_label(label)
    if not staff.active:
        raise Conflict(_("This account is disabled."))
    secret = generate_token()
    token = ApiToken(staff_id=staff.id, label=clean, token_hash=hash_token(secret), created_at=now)
    db.session.add(token)
    db.session.flush()
    return IssuedToken(token=token, secret=secret)


def authenticate(secret: object) -> ApiToken | None:
    """The token with this secret, its account loaded; None if unknown, revoked or disabled."""
    if not isinstance(secret, str) or not _SECRET_PATTERN.match(secret):
        return None
    token = db.session.execute(
        select(ApiToken)
        .options(joinedload(ApiToken.staff))
        .where(ApiToken.token_hash == hash_token(secret))
    ).scalar_one_or_none()
    if token is None or token.is_revoked or not token.staff.active:
        return None
    return token


def use_to_record(token: ApiToken, now: datetime) -> bool:
    """Whether this use is worth writing down (see LAST_USED_RESOLUTION)."""
    return token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION


def record_use(token_id: int, now: datetime) -> None:
    """Set last_used_at, unless a concurrent request has just done so (one UPDATE)."""
    db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            or_(
                ApiToken.last_used_at.is_(None),
                ApiToken.last_used_at <= now - LAST_USED_RESOLUTION,
            ),
        )
        .values(last_used_at=now)
    )
    db.session.flush()


def tokens_for(staff: StaffUser) -> list[ApiToken]:
    """The tokens this account may see: its own, or every account's for administrators."""
    query = (
        select(ApiToken)
        .options(joinedload(ApiToken.staff))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    if not staff.is_admin:
        query = query.where(ApiToken.staff_id == staff.id)
    return list(db.session.execute(query).scalars().all())


def get_token(staff: StaffUser, token_id: int) -> ApiToken:
    """A token this account may manage: NotFound if there is none, PermissionDenied if it is
    another account's and this one is no administrator."""
    token = db.session.get(ApiToken, token_id) if is_database_id(token_id) else None
    if token is None:
        raise NotFound(_("There is no such token."))
    if token.staff_id != staff.id and not (staff.active and staff.is_admin):
        raise PermissionDenied(_("This token belongs to another account."))
    return token


def revoke(staff: StaffUser, token_id: int, now: datetime) -> ApiToken:
    """Revoke a token: one's own, or any for administrators. Revoking twice is a Conflict."""
    token = get_token(staff, token_id)
    if token.is_revoked:
        raise Conflict(_("This token is already revoked."))
    token.revoked_at = now
    db.session.flush()
    return token

"""Secret tokens: at least 128 unguessable bits, and only their SHA-256 hash is ever stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from .models import Registration

TOKEN_BYTES = 24  # 192 bits


def generate_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def derived_token(secret_key: str, *parts: object) -> str:
    """A 192-bit token that only the holder of ``secret_key`` can compute from ``parts``.

    Used for registration manage tokens: the database keeps only their hash, yet the outbox can
    put the manage link into later mails (a promotion, a reminder) by computing the token again.
    Without the key (say, from a copy of the database) the token cannot be found.
    """
    message = "\x1f".join(str(part) for part in parts).encode("utf-8")
    digest = hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:TOKEN_BYTES]).decode("ascii")


def address_digest(address_key: str) -> str:
    """A keyed HMAC of a normalised address: the same address always gives the same value, yet
    without ``SECRET_KEY`` the value leads back to no address (the no-show history)."""
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    message = ("address\x1f" + address_key).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def registration_manage_token(registration: Registration) -> str:
    """The manage token of a registration, under this app's SECRET_KEY: derived from its random
    seed, or, for a row written before seeds existed, from its id."""
    if registration.token_seed:
        return derived_token(current_app.config["SECRET_KEY"], "manage", registration.token_seed)
    return derived_token(
        current_app.config["SECRET_KEY"],
        "manage",
        registration.id,
        registration.event_id,
        registration.created_at.astimezone(UTC).isoformat(),
    )

"""Checks every service shares: ids, control characters, e-mail addresses and people's names.

Each caller words its own refusal; what counts as valid is decided here, once.
"""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from ..vocabulary import LANGUAGES
from .errors import InvalidInput

# Ids are PostgreSQL integers: a larger number names nothing (and would fail as a parameter).
MAX_DATABASE_ID = 2**31 - 1
MAX_NAME_LENGTH = 200
MAX_EMAIL_LENGTH = 254
# C0 and C1 controls, DEL and lone surrogates; text that may span lines keeps tab, LF and CR.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_BUT_LINE_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Names also refuse format characters (bidi overrides, zero-width joiners), surrogates,
# private-use and unassigned code points: they would disguise a name on the roster.
_NAME_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})


def is_database_id(value: object) -> bool:
    """Whether ``value`` could be the id of a row: a whole number (not a bool) in 1..2^31-1."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_DATABASE_ID


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds a control character (tab and line breaks allowed if multiline)."""
    return bool((_CONTROL_BUT_LINE_BREAKS if multiline else _CONTROL).search(text))


def normalized_address(text: str) -> str | None:
    """The address with its domain normalised, or None when it is not a valid address."""
    if not text or len(text) > MAX_EMAIL_LENGTH or has_control_characters(text):
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def clean_name(value: object) -> str:
    """A person's name: text, not empty once trimmed, at most 200 characters, no control chars."""
    if value is None:
        raise InvalidInput({"name": [_("Enter your name.")]})
    if not isinstance(value, str):
        raise InvalidInput({"name": [_("The name must be text.")]})
    name = unicodedata.normalize("NFC", value.strip())
    if not name:
        raise InvalidInput({"name": [_("Enter your name.")]})
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(
            {"name": [_("The name is too long (%(max)d characters at most).", max=MAX_NAME_LENGTH)]}
        )
    if any(unicodedata.category(char) in _NAME_REFUSED_CATEGORIES for char in name):
        raise InvalidInput({"name": [_("The name contains characters that are not allowed.")]})
    return name


def clean_email(value: object) -> tuple[str, str]:
    """A visitor's address as written (domain normalised) and its case-insensitive key."""
    if value is not None and not isinstance(value, str):
        raise InvalidInput({"email": [_("The e-mail address must be text.")]})
    if value is None or not value.strip():
        raise InvalidInput({"email": [_("Enter your e-mail address.")]})
    text = value.strip()
    if len(text) > MAX_EMAIL_LENGTH:
        raise InvalidInput({"email": [_("This e-mail address is too long.")]})
    address = normalized_address(text)
    if address is None:
        raise InvalidInput({"email": [_("Enter a valid e-mail address, like name@example.kz.")]})
    return address, address.casefold()


def check_seats(value: object) -> int:
    """A party size: a whole number (not a bool), at least 1."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput({"seats": [_("Enter the number of seats as a whole number.")]})
    if value < 1:
        raise InvalidInput({"seats": [_("Register at least one seat.")]})
    return value


def check_photo_consent(value: object) -> bool:
    """The party's answer about being photographed: exactly true or false (not 1, "true" or
    null), so that a yes is never read into a value that did not say so."""
    if not isinstance(value, bool):
        raise InvalidInput({"photo_consent": [_("Answer yes or no (true or false).")]})
    return value


def registration_fields(
    name: object,
    email: object,
    seats: object,
    language: object,
    *,
    address_optional: bool,
    photo_consent: object = False,
) -> tuple[str, str | None, str | None, int, str, bool]:
    """Name, address, its key, seats, language and photo consent of a registration, or every
    problem at once.

    ``address_optional``: staff may seat a walk-in without an address.
    """
    errors: dict[str, list[str]] = {}
    clean: dict[str, object] = {}
    no_email = email is None or (isinstance(email, str) and not email.strip())
    checks = {
        "name": lambda: clean_name(name),
        "email": lambda: (None, None) if address_optional and no_email else clean_email(email),
        "seats": lambda: check_seats(seats),
        "photo_consent": lambda: check_photo_consent(photo_consent),
    }
    for field, check in checks.items():
        try:
            clean[field] = check()
        except InvalidInput as error:
            for key, messages in error.errors.items():
                errors.setdefault(key, []).extend(messages)
    if language not in LANGUAGES:
        errors.setdefault("language", []).append(_("Unknown language."))
    if errors:
        raise InvalidInput(errors)
    address, address_key = clean["email"]  # type: ignore[misc]
    return (  # type: ignore[return-value]
        clean["name"],
        address,
        address_key,
        clean["seats"],
        language,
        clean["photo_consent"],
    )

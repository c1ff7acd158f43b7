"""The visitor's forms, and what was typed into the registration form kept across a language
switch.

After a failed registration the page's address is the POST's; its language switch sends what was
typed (POST, so that no name or address lands in an address bar or a log) to
``keep_typed``, which keeps it in the session and leads to the event page in the new language,
where ``typed_form`` puts it back into the form once.
"""

from __future__ import annotations

from flask import session
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField

_TYPED_KEY = "typed_registration"
_LIMITS = {"name": 200, "email": 254, "seats": 9}


class RegistrationForm(FlaskForm):
    """Parses and shows; the rules on names, addresses and seats live in the service."""

    name = StringField(_l("Your name"), render_kw={"autocomplete": "name", "maxlength": 200})
    email = EmailField(_l("E-mail address"), render_kw={"autocomplete": "email", "maxlength": 254})
    seats = StringField(
        _l("Number of seats"),
        default="1",
        render_kw={"type": "number", "min": 1, "inputmode": "numeric"},
    )
    # The honeypot: hidden from people (and from screen readers), filled in by robots.
    website = StringField(
        _l("Leave this field empty"),
        render_kw={"autocomplete": "off", "tabindex": "-1"},
    )


class CancelForm(FlaskForm):
    """Only the CSRF token: the visitor confirms with a button (cancelling, erasing)."""


def keep_typed(event_id: int, form: RegistrationForm) -> None:
    """Remember what was typed into the registration form of ``event_id`` (until shown)."""
    values = {}
    for name, limit in _LIMITS.items():
        data = form[name].data
        values[name] = data[:limit] if isinstance(data, str) else ""
    if any(values[name] for name in ("name", "email")):
        session[_TYPED_KEY] = {"event_id": event_id, **values}


def typed_form(event_id: int) -> RegistrationForm | None:
    """The registration form of ``event_id`` filled with what was kept for it, once."""
    kept = session.get(_TYPED_KEY)
    if not isinstance(kept, dict) or kept.get("event_id") != event_id:
        return None
    session.pop(_TYPED_KEY, None)
    data = {name: str(kept.get(name) or "")[:limit] for name, limit in _LIMITS.items()}
    return RegistrationForm(formdata=None, data={**data, "seats": data["seats"] or "1"})


def holds_typed_values(form: object) -> bool:
    """Whether ``form`` is a registration form with something typed into it."""
    return isinstance(form, RegistrationForm) and bool(form.name.data or form.email.data)

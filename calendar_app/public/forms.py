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
from wtforms import BooleanField, EmailField, HiddenField, StringField

_TYPED_KEY = "typed_registration"
_LIMITS = {"name": 200, "email": 254, "seats": 9}
YES = "yes"


class YesCheckbox(BooleanField):
    """A checkbox whose one ticked value is "yes": anything else sent in its name shows
    unticked, and ``answer`` hands it to the service, which refuses it."""

    def _value(self) -> str:
        return YES

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist == [YES]

    def answer(self) -> object:
        """True for "yes", False when not sent, else what was sent (for the service to refuse)."""
        if not self.raw_data:
            return False
        return True if self.raw_data == [YES] else ",".join(map(str, self.raw_data))


class RegistrationForm(FlaskForm):
    """Parses and shows; the rules on names, addresses and seats live in the service."""

    name = StringField(_l("Your name"), render_kw={"autocomplete": "name", "maxlength": 200})
    email = EmailField(_l("E-mail address"), render_kw={"autocomplete": "email", "maxlength": 254})
    seats = StringField(
        _l("Number of seats"),
        default="1",
        render_kw={"type": "number", "min": 1, "inputmode": "numeric"},
    )
    # Opt-in: unticked unless the visitor ticks it (the service stores False without it).
    photo_consent = YesCheckbox(_l("We agree to be photographed at the event"))
    # The honeypot: hidden from people (and from screen readers), filled in by robots.
    website = StringField(
        _l("Leave this field empty"),
        render_kw={"autocomplete": "off", "tabindex": "-1"},
    )


class CancelForm(FlaskForm):
    """Only the CSRF token: the visitor confirms with a button (cancelling, erasing)."""


class PhotoConsentForm(FlaskForm):
    """The manage page's button that gives or withdraws the consent to photos: the CSRF token
    and the new answer, "yes" or "no", in a hidden field."""

    photo_consent = HiddenField()


def consent_answer(raw: str | None) -> object:
    """The manage page's "yes" or "no" as a bool; anything else as sent, for the service to
    refuse."""
    return {YES: True, "no": False}.get(raw or "", raw)


def keep_typed(event_id: int, form: RegistrationForm) -> None:
    """Remember what was typed into the registration form of ``event_id`` (until shown)."""
    values = {}
    for name, limit in _LIMITS.items():
        data = form[name].data
        values[name] = data[:limit] if isinstance(data, str) else ""
    consent = form.photo_consent.data is True
    if consent or any(values[name] for name in ("name", "email")):
        session[_TYPED_KEY] = {"event_id": event_id, **values, "photo_consent": consent}


def typed_form(event_id: int) -> RegistrationForm | None:
    """The registration form of ``event_id`` filled with what was kept for it, once."""
    kept = session.get(_TYPED_KEY)
    if not isinstance(kept, dict) or kept.get("event_id") != event_id:
        return None
    session.pop(_TYPED_KEY, None)
    data: dict[str, object] = {
        name: str(kept.get(name) or "")[:limit] for name, limit in _LIMITS.items()
    }
    data["seats"] = data["seats"] or "1"
    data["photo_consent"] = kept.get("photo_consent") is True
    return RegistrationForm(formdata=None, data=data)


def holds_typed_values(form: object) -> bool:
    """Whether ``form`` is a registration form with something typed (or ticked) into it."""
    return isinstance(form, RegistrationForm) and bool(
        form.name.data or form.email.data or form.photo_consent.data is True
    )

"""WTForms for the staff side. Rules about values live in the services; forms parse and show."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from ..models.event import REGISTRATION_KINDS
from ..vocabulary import (
    AUDIENCE_LABELS,
    AUDIENCES,
    CATEGORIES,
    CATEGORY_LABELS,
    DEFAULT_TIMEZONE,
    LANGUAGE_LABELS,
    LANGUAGES,
)

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
REGISTRATION_LABELS = {
    "required": _l("Registration required"),
    "none": _l("Drop-in (no registration)"),
}


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in on this device"))


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token: for buttons that change something."""


class EventForm(FlaskForm):
    branch_id = SelectField(_l("Branch"), coerce=int, validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=300)])
    description = TextAreaField(
        _l("Description (Markdown)"), validators=[Optional(), Length(max=20000)]
    )
    category = SelectField(
        _l("Category"), choices=[SelectChoice(key, CATEGORY_LABELS[key]) for key in CATEGORIES]
    )
    audience = SelectField(
        _l("Audience"), choices=[SelectChoice(key, AUDIENCE_LABELS[key]) for key in AUDIENCES]
    )
    age_min = IntegerField(_l("Youngest age"), validators=[Optional()])
    age_max = IntegerField(_l("Oldest age"), validators=[Optional()])
    language = SelectField(
        _l("Language of the event"),
        choices=[SelectChoice(key, LANGUAGE_LABELS[key]) for key in LANGUAGES],
    )
    venue_id = SelectField(_l("Room"), coerce=int, validators=[InputRequired()])
    starts_at = DateTimeLocalField(
        _l("Starts (local time)"), format=LOCAL_FORMAT, validators=[InputRequired()]
    )
    ends_at = DateTimeLocalField(
        _l("Ends (local time)"), format=LOCAL_FORMAT, validators=[InputRequired()]
    )
    registration = SelectField(
        _l("Registration"),
        choices=[SelectChoice(key, REGISTRATION_LABELS[key]) for key in REGISTRATION_KINDS],
        default="required",
    )
    capacity = IntegerField(_l("Seats"), validators=[InputRequired()], default=20)
    max_party = IntegerField(
        _l("Seats per registration at most"), validators=[InputRequired()], default=4
    )
    waitlist_enabled = BooleanField(_l("Keep a waitlist when full"), default=True)
    opens_at = DateTimeLocalField(
        _l("Registration opens (local time, empty: at once)"),
        format=LOCAL_FORMAT,
        validators=[Optional()],
    )
    closes_at = DateTimeLocalField(
        _l("Registration closes (local time, empty: at the start)"),
        format=LOCAL_FORMAT,
        validators=[Optional()],
    )
    # The title and description in the other languages; the service checks them. The pair in
    # the event's own language is not used (the plain title and description hold that text).
    title_kk = StringField(_l("Title in Kazakh"), validators=[Optional()])
    description_kk = TextAreaField(_l("Description in Kazakh (Markdown)"), validators=[Optional()])
    title_ru = StringField(_l("Title in Russian"), validators=[Optional()])
    description_ru = TextAreaField(_l("Description in Russian (Markdown)"), validators=[Optional()])
    title_en = StringField(_l("Title in English"), validators=[Optional()])
    description_en = TextAreaField(_l("Description in English (Markdown)"), validators=[Optional()])


class StaffAccountForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[InputRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    is_admin = BooleanField(_l("Administrator (all branches)"))
    active = BooleanField(_l("Account active"), default=True)
    branch_ids = SelectMultipleField(_l("Branches"), coerce=int)
    password = PasswordField(
        _l("New password (empty: keep the current one)"),
        validators=[Optional(), Length(max=200)],
    )


class BranchForm(FlaskForm):
    slug = StringField(_l("Short name in addresses (slug)"), validators=[InputRequired()])
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    timezone = StringField(_l("Time zone"), validators=[InputRequired()], default=DEFAULT_TIMEZONE)
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=254)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])


class VenueForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    capacity = IntegerField(_l("Seats"), validators=[InputRequired()])
    accessibility_notes = TextAreaField(
        _l("Accessibility notes"), validators=[Optional(), Length(max=5000)]
    )


class WalkInForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    seats = IntegerField(_l("Seats"), validators=[InputRequired()], default=1)
    override_capacity = BooleanField(_l("Add even though the event is full"))


class HeadcountForm(FlaskForm):
    headcount = IntegerField(_l("People present"), validators=[InputRequired()])

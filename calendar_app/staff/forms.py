"""WTForms for the staff side. Rules about values live in the services; forms parse and show."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .. import date_range
from ..models.event import REGISTRATION_KINDS
from ..models.series import MODE_PER_OCCURRENCE, MODE_WHOLE_SERIES
from ..services.rule_builder import (
    END_COUNT,
    END_UNTIL,
    MONTHLY,
    WEEKLY,
    Repetition,
    weekday_names,
)
from ..timeutil import active_locale
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


def within_date_range(_form: FlaskForm, field: Any) -> None:
    """A date or date-time field's value lies in the service's range (date_range.py)."""
    if field.data is not None and not date_range.contains(field.data):
        raise ValidationError(date_range.out_of_range_message())


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
        _l("Starts (local time)"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(), within_date_range],
    )
    ends_at = DateTimeLocalField(
        _l("Ends (local time)"),
        format=LOCAL_FORMAT,
        validators=[InputRequired(), within_date_range],
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
    confirm_attendance_hours = IntegerField(
        _l("Ask parties to confirm they are coming (hours before the start)"),
        validators=[Optional()],
    )
    opens_at = DateTimeLocalField(
        _l("Registration opens (local time, empty: at once)"),
        format=LOCAL_FORMAT,
        validators=[Optional(), within_date_range],
    )
    closes_at = DateTimeLocalField(
        _l("Registration closes (local time, empty: at the start)"),
        format=LOCAL_FORMAT,
        validators=[Optional(), within_date_range],
    )
    # The title and description in the other languages; the service checks them. The pair in
    # the event's own language is not used (the plain title and description hold that text).
    title_kk = StringField(_l("Title in Kazakh"), validators=[Optional()])
    description_kk = TextAreaField(_l("Description in Kazakh (Markdown)"), validators=[Optional()])
    title_ru = StringField(_l("Title in Russian"), validators=[Optional()])
    description_ru = TextAreaField(_l("Description in Russian (Markdown)"), validators=[Optional()])
    title_en = StringField(_l("Title in English"), validators=[Optional()])
    description_en = TextAreaField(_l("Description in English (Markdown)"), validators=[Optional()])


class NewPosterFields:
    """A poster to upload with its description per language."""

    poster = FileField(_l("Poster (JPEG, PNG or WebP, at most 10 MB)"))
    poster_alt_kk = StringField(_l("Description of the poster in Kazakh"))
    poster_alt_ru = StringField(_l("Description of the poster in Russian"))
    poster_alt_en = StringField(_l("Description of the poster in English"))


class PosterFields(NewPosterFields):
    """The poster of an event or a series: a new picture, its description per language, or
    none."""

    remove_poster = BooleanField(_l("Remove the poster"))


class SeriesPosterForm(FlaskForm, PosterFields):
    """The poster of a series on its page: replace it, describe it, or remove it."""


class EventPosterForm(EventForm, PosterFields):
    pass


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
    # The name and address in each language; the plain pair is shown where one is missing.
    # The service checks them.
    name_kk = StringField(_l("Name in Kazakh"), validators=[Optional()])
    name_ru = StringField(_l("Name in Russian"), validators=[Optional()])
    name_en = StringField(_l("Name in English"), validators=[Optional()])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    address_kk = StringField(_l("Address in Kazakh"), validators=[Optional()])
    address_ru = StringField(_l("Address in Russian"), validators=[Optional()])
    address_en = StringField(_l("Address in English"), validators=[Optional()])
    timezone = StringField(_l("Time zone"), validators=[InputRequired()], default=DEFAULT_TIMEZONE)
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    email = StringField(_l("E-mail address"), validators=[Optional(), Length(max=254)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)])


class VenueForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    name_kk = StringField(_l("Name in Kazakh"), validators=[Optional()])
    name_ru = StringField(_l("Name in Russian"), validators=[Optional()])
    name_en = StringField(_l("Name in English"), validators=[Optional()])
    capacity = IntegerField(_l("Seats"), validators=[InputRequired()])
    accessibility_notes = TextAreaField(
        _l("Accessibility notes"), validators=[Optional(), Length(max=5000)]
    )
    accessibility_notes_kk = TextAreaField(
        _l("Accessibility notes in Kazakh"), validators=[Optional()]
    )
    accessibility_notes_ru = TextAreaField(
        _l("Accessibility notes in Russian"), validators=[Optional()]
    )
    accessibility_notes_en = TextAreaField(
        _l("Accessibility notes in English"), validators=[Optional()]
    )


class WalkInForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    seats = IntegerField(_l("Seats"), validators=[InputRequired()], default=1)
    override_capacity = BooleanField(_l("Add even though the event is full"))
    # Asked at the door; unticked, the party is marked "No photos" like any party that said no.
    photo_consent = BooleanField(
        _l("They agree to be photographed (for children, a parent or guardian decides)")
    )


class HeadcountForm(FlaskForm):
    headcount = IntegerField(_l("People present"), validators=[InputRequired()])


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (the template puts them in a fieldset with a legend)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RepetitionForm(FlaskForm):
    """The repetition builder shared by series and closures: no RRULE knowledge needed."""

    frequency = RadioField(
        _l("Repeat"),
        choices=[SelectChoice(WEEKLY, _l("Every week")), SelectChoice(MONTHLY, _l("Every month"))],
        default=WEEKLY,
    )
    interval = IntegerField(
        _l("Every how many weeks or months"), default=1, validators=[Optional()]
    )
    weekdays = CheckboxesField(_l("Weekly: on these days"), validators=[Optional()])
    month_week = SelectField(
        _l("Monthly: which week of the month"),
        coerce=int,
        choices=[
            SelectChoice(1, _l("First (days 1–7)")),
            SelectChoice(2, _l("Second (days 8–14)")),
            SelectChoice(3, _l("Third (days 15–21)")),
            SelectChoice(4, _l("Fourth (days 22–28)")),
            SelectChoice(-1, _l("Last (the last 7 days)")),
        ],
    )
    month_weekday = SelectField(_l("Monthly: day of the week"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = [
            SelectChoice(code, name[:1].upper() + name[1:])
            for code, name in weekday_names(active_locale()).items()
        ]
        self.weekdays.choices = names
        self.month_weekday.choices = names

    def repetition(self) -> Repetition:
        """The builder's choices as given, without an end (a closure's rule repeats for good)."""
        return Repetition(
            frequency=self.frequency.data,
            interval=self.interval.data,
            weekdays=tuple(self.weekdays.data or ()),
            month_week=self.month_week.data,
            month_weekday=self.month_weekday.data,
        )


class SeriesForm(EventForm, RepetitionForm):
    """An event's fields (the first date and the time of day) and how it repeats."""

    ends = RadioField(
        _l("Ends"),
        choices=[
            SelectChoice(END_UNTIL, _l("On a date")),
            SelectChoice(END_COUNT, _l("After a number of dates")),
        ],
        default=END_UNTIL,
    )
    until = DateField(_l("Last date"), validators=[Optional(), within_date_range])
    count = IntegerField(_l("Number of dates"), validators=[Optional()])
    registration_mode = RadioField(
        _l("How visitors register"),
        choices=[
            SelectChoice(MODE_PER_OCCURRENCE, _l("For each date separately")),
            SelectChoice(MODE_WHOLE_SERIES, _l("For the whole course at once")),
        ],
        default=MODE_PER_OCCURRENCE,
    )
    skip_public_holidays = BooleanField(_l("Skip public holidays"), default=True)

    def repetition(self) -> Repetition:
        return replace(
            super().repetition(),
            ends=self.ends.data,
            until=self.until.data,
            count=self.count.data,
        )


SCOPE_ONE, SCOPE_FOLLOWING, SCOPE_ALL = "one", "following", "all"


class NewSeriesPosterForm(SeriesForm, NewPosterFields):
    pass


class OccurrenceForm(EventForm):
    """The event form of a date that belongs to a series: which dates the changes apply to."""

    scope = RadioField(
        _l("Apply the changes to"),
        choices=[
            SelectChoice(SCOPE_ONE, _l("This event only")),
            SelectChoice(SCOPE_FOLLOWING, _l("This and the following dates of the series")),
            SelectChoice(SCOPE_ALL, _l("All upcoming dates of the series")),
        ],
        default=SCOPE_ONE,
    )


class OccurrencePosterForm(OccurrenceForm, PosterFields):
    pass


CLOSURE_RANGE, CLOSURE_RULE = "range", "rule"


class ClosureForm(RepetitionForm):
    kind = RadioField(
        _l("The branch is closed"),
        choices=[
            SelectChoice(CLOSURE_RANGE, _l("From one date to another")),
            SelectChoice(CLOSURE_RULE, _l("On a repeating day")),
        ],
        default=CLOSURE_RANGE,
    )
    start = DateField(_l("First day"), validators=[Optional(), within_date_range])
    end = DateField(_l("Last day (included)"), validators=[Optional(), within_date_range])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=300)])

    def validate(self, extra_validators: Any = None) -> bool:
        """A range needs both its days (a rule starts today when no first day is given)."""
        valid = super().validate(extra_validators)
        if self.kind.data != CLOSURE_RANGE:
            return valid
        for day in (self.start, self.end):
            if day.data is None and not day.errors:
                day.errors = [*day.errors, _l("Give a date.")]
                valid = False
        return valid


class ReportForm(FlaskForm):
    """The report of an event: its text per language, and what is shown to visitors."""

    text_kk = TextAreaField(_l("Report in Kazakh (Markdown)"))
    text_ru = TextAreaField(_l("Report in Russian (Markdown)"))
    text_en = TextAreaField(_l("Report in English (Markdown)"))
    published = BooleanField(_l("Publish on the news page"))
    show_attendance = BooleanField(_l("Show how many came"), default=True)


class ReportPhotoForm(FlaskForm):
    image = FileField(_l("Photo (JPEG, PNG or WebP, at most 10 MB)"))
    alt_kk = StringField(_l("Description of the photo in Kazakh"))
    alt_ru = StringField(_l("Description of the photo in Russian"))
    alt_en = StringField(_l("Description of the photo in English"))
    consent_confirmed = BooleanField(
        _l(
            "The people in this photo (and the parents of the children in it) agreed to be "
            "photographed"
        )
    )


class PhotoAltForm(FlaskForm):
    """New descriptions of a photo already in the report (one form per photo, by prefix)."""

    alt_kk = StringField(_l("Description in Kazakh"))
    alt_ru = StringField(_l("Description in Russian"))
    alt_en = StringField(_l("Description in English"))

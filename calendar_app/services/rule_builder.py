"""The staff's repetition choices, turned into an RRULE value and back into words.

Pure (no database): the series and closure forms offer weekly repetition (days of the week, every
N weeks) or monthly repetition (one weekday in the first to fourth or in the last week of the
month, every N months), ending on a date or after a number of dates. ``build_rule`` writes the
RRULE value that services/series.py and services/closures.py store; ``read_rule`` reads such a
value back, and ``describe_rule`` puts it into words for the staff pages. A rule written by hand
(through the API) that the builder could not have made reads as None and is shown as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from babel.dates import format_date, get_day_names
from babel.lists import format_list
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .errors import InvalidInput
from .recurrence import MAX_OCCURRENCES

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKLY, MONTHLY = "weekly", "monthly"
FREQUENCIES = (WEEKLY, MONTHLY)
MONTH_WEEKS = (1, 2, 3, 4, -1)  # -1: the last week of the month
END_UNTIL, END_COUNT = "until", "count"
ENDS = (END_UNTIL, END_COUNT)
MAX_INTERVAL = 52

# The n-th weekday of a month always falls on days 7n-6..7n, and the last one on its last seven
# days, so each is named by its place in the month without an ordinal that must agree with the
# weekday's gender (Russian) or take a suffix after it (Kazakh).
MONTH_WEEK_PHRASES = {
    1: _l("the first %(weekday)s of the month"),
    2: _l("the second %(weekday)s of the month"),
    3: _l("the third %(weekday)s of the month"),
    4: _l("the fourth %(weekday)s of the month"),
    -1: _l("the last %(weekday)s of the month"),
}


@dataclass(frozen=True)
class Repetition:
    """What the form asks; ``ends`` None means no end (a closure's rule)."""

    frequency: str = WEEKLY
    interval: int | None = 1
    weekdays: tuple[str, ...] = ()
    month_week: int | None = None
    month_weekday: str | None = None
    ends: str | None = None
    until: date | None = None
    count: int | None = None


def weekday_names(locale: str) -> dict[str, str]:
    """The full name of each weekday code in ``locale``, Monday first."""
    names = get_day_names("wide", context="stand-alone", locale=locale)
    return {code: names[number] for number, code in enumerate(WEEKDAYS)}


def build_rule(choice: Repetition) -> str:
    """The RRULE value for ``choice``; InvalidInput names the form fields that are wrong."""
    errors: dict[str, list[str]] = {}
    parts = []
    if choice.frequency not in FREQUENCIES:
        errors["frequency"] = [_("Choose weekly or monthly.")]
    else:
        parts.append(f"FREQ={choice.frequency.upper()}")
    interval = choice.interval if choice.interval is not None else 1
    if not 1 <= interval <= MAX_INTERVAL:
        errors["interval"] = [_("Give a number from 1 to %(max)d.", max=MAX_INTERVAL)]
    elif interval > 1:
        parts.append(f"INTERVAL={interval}")
    if choice.frequency == WEEKLY:
        days = [code for code in WEEKDAYS if code in choice.weekdays]
        if not days or not set(choice.weekdays) <= set(WEEKDAYS):
            errors["weekdays"] = [_("Choose at least one day of the week.")]
        parts.append("BYDAY=" + ",".join(days))
    elif choice.frequency == MONTHLY:
        if choice.month_week not in MONTH_WEEKS:
            errors["month_week"] = [_("Choose the week of the month.")]
        if choice.month_weekday not in WEEKDAYS:
            errors["month_weekday"] = [_("Choose the day of the week.")]
        parts.append(f"BYDAY={choice.month_week}{choice.month_weekday}")
    if choice.ends == END_UNTIL:
        if choice.until is None:
            errors["until"] = [_("Give the last date.")]
        else:
            parts.append(f"UNTIL={choice.until:%Y%m%d}")
    elif choice.ends == END_COUNT:
        if choice.count is None or not 1 <= choice.count <= MAX_OCCURRENCES:
            errors["count"] = [_("Give a number from 1 to %(max)d.", max=MAX_OCCURRENCES)]
        else:
            parts.append(f"COUNT={choice.count}")
    elif choice.ends is not None:
        errors["ends"] = [_("Choose how the series ends.")]
    if errors:
        raise InvalidInput(errors)
    return ";".join(parts)


def _number(text: str, *, signed: bool = False) -> int | None:
    """A small whole number written in ASCII digits (``-1`` when ``signed``), else None."""
    return int(text) if re.fullmatch(r"-?[0-9]{1,3}" if signed else r"[0-9]{1,3}", text) else None


def _day(text: str) -> date | None:
    if not re.fullmatch(r"[0-9]{8}", text):
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def read_rule(text: str) -> Repetition | None:
    """The choices that build ``text``, or None when the builder could not have made it."""
    parts: dict[str, str] = {}
    for part in text.upper().split(";"):
        name, _equals, value = part.partition("=")
        if not value or name in parts:
            return None
        parts[name] = value
    if not parts.keys() <= {"FREQ", "INTERVAL", "BYDAY", "UNTIL", "COUNT"} or (
        "UNTIL" in parts and "COUNT" in parts
    ):
        return None
    frequency = parts.get("FREQ", "").lower()
    interval = _number(parts.get("INTERVAL", "1"))
    if frequency not in FREQUENCIES or interval is None or not 1 <= interval <= MAX_INTERVAL:
        return None
    days = parts.get("BYDAY", "").split(",")
    fields: dict[str, Any] = {}
    if frequency == WEEKLY:
        if not set(days) <= set(WEEKDAYS) or len(set(days)) != len(days):
            return None
        fields["weekdays"] = tuple(days)
    else:
        week = _number(days[0][:-2], signed=True) if len(days) == 1 else None
        if week not in MONTH_WEEKS or days[0][-2:] not in WEEKDAYS:
            return None
        fields.update(month_week=week, month_weekday=days[0][-2:])
    if "UNTIL" in parts:
        fields.update(ends=END_UNTIL, until=_day(parts["UNTIL"]))
        if fields["until"] is None:
            return None
    elif "COUNT" in parts:
        fields.update(ends=END_COUNT, count=_number(parts["COUNT"]))
        if not fields["count"]:
            return None
    return Repetition(frequency, interval, **fields)


def describe_rule(text: str, locale: str) -> str | None:
    """``text`` in words in ``locale`` ("Every 2 weeks on Monday and Wednesday; until 1 March
    2027"), or None for a rule the builder could not have made."""
    choice = read_rule(text)
    if choice is None:
        return None
    names = weekday_names(locale)
    weekly = choice.frequency == WEEKLY
    if weekly:
        on = format_list([names[code] for code in choice.weekdays], locale=locale)
    else:
        assert choice.month_week is not None and choice.month_weekday is not None
        on = MONTH_WEEK_PHRASES[choice.month_week] % {"weekday": names[choice.month_weekday]}
    if choice.interval == 1:
        words = _("Every week on %(on)s", on=on) if weekly else _("Every month on %(on)s", on=on)
    elif weekly:
        words = ngettext(
            "Every %(num)d week on %(on)s", "Every %(num)d weeks on %(on)s", choice.interval, on=on
        )
    else:
        words = ngettext(
            "Every %(num)d month on %(on)s",
            "Every %(num)d months on %(on)s",
            choice.interval,
            on=on,
        )
    if choice.until is not None:
        return words + "; " + _("until %(date)s", date=format_date(choice.until, "long", locale))
    if choice.count is not None:
        return words + "; " + ngettext("%(num)d time", "%(num)d times", choice.count)
    return words

"""Recurrence rules (RFC 5545 RRULE values) read with python-dateutil, in local wall-clock time.

Rules are expanded from a naive local DTSTART, so "every Saturday at 11:00" stays at 11:00 in
the branch's zone whatever the offset does. A date-only UNTIL includes that whole day (dateutil
alone would stop at its midnight); a UTC UNTIL is turned into the branch's local time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule, rrulestr
from flask_babel import gettext as _

from .. import date_range
from ..timeutil import to_local
from .errors import InvalidInput
from .validation import has_control_characters

MAX_RULE_LENGTH = 500
MAX_OCCURRENCES = 200
ALLOWED_FREQUENCIES = frozenset({DAILY, WEEKLY, MONTHLY, YEARLY})
_UNTIL = re.compile(r"(?i)\bUNTIL=(\d{8})(T(\d{6})(Z?))?")
_FORBIDDEN_PARTS = re.compile(r"(?i)\b(DTSTART|BYSECOND|BYMINUTE|BYHOUR)\b")


def _until_in_local_time(text: str, zone: str) -> str:
    """Rewrite UNTIL as a naive local date-time that dateutil compares with a naive DTSTART."""
    match = _UNTIL.search(text)
    if match is None:
        return text
    day = datetime.strptime(match.group(1), "%Y%m%d")
    if match.group(2) is None:
        until = datetime.combine(day.date(), time(23, 59, 59))
    else:
        until = datetime.strptime(match.group(1) + match.group(3), "%Y%m%d%H%M%S")
        if match.group(4):
            until = to_local(until.replace(tzinfo=UTC), zone).replace(tzinfo=None)
    return text[: match.start()] + "UNTIL=" + until.strftime("%Y%m%dT%H%M%S") + text[match.end() :]


def clean_rule(value: object) -> str:
    """The RRULE value as it will be stored: text, one line, ``RRULE:`` prefix dropped."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(
            {"rrule": [_("Give the repetition as an RRULE, e.g. FREQ=WEEKLY;BYDAY=SA;COUNT=10.")]}
        )
    text = value.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:].strip()
    if len(text) > MAX_RULE_LENGTH or has_control_characters(text):
        raise InvalidInput({"rrule": [_("This repetition rule cannot be read.")]})
    return text.upper()


def parse_rule(text: str, first_start: datetime, zone: str) -> rrule:
    """The rule from ``first_start`` (naive local); InvalidInput on ``rrule`` when unreadable."""
    unreadable = InvalidInput({"rrule": [_("This repetition rule cannot be read.")]})
    if _FORBIDDEN_PARTS.search(text):
        raise unreadable
    until = _UNTIL.search(text)
    if until is not None and not (
        date_range.FIRST_YEAR <= int(until.group(1)[:4]) <= date_range.LAST_YEAR
    ):
        raise InvalidInput({"rrule": [date_range.out_of_range_message()]})
    try:
        rule = rrulestr(_until_in_local_time(text, zone), dtstart=first_start, forceset=False)
    except (ValueError, TypeError, OverflowError, IndexError, KeyError):
        raise unreadable from None
    if not isinstance(rule, rrule) or rule._freq not in ALLOWED_FREQUENCIES:  # noqa: SLF001
        raise InvalidInput({"rrule": [_("Repeat daily, weekly, monthly or yearly.")]})
    return rule


def first_dates(rule: rrule, limit: int = MAX_OCCURRENCES) -> list[datetime]:
    """The rule's first dates, refused if there are none, more than ``limit`` or any outside
    the service's date range."""
    beyond = InvalidInput({"rrule": [date_range.out_of_range_message()]})
    starts: list[datetime] = []
    try:
        for start in islice(rule, limit + 1):
            if not date_range.contains(start):
                raise beyond
            starts.append(start)
    except (ValueError, OverflowError):
        if starts:  # the next date is past what a calendar can hold at all
            raise beyond from None
    if not starts:
        raise InvalidInput({"rrule": [_("This rule yields no date.")]})
    if len(starts) > limit:
        raise InvalidInput(
            {"rrule": [_("This rule yields more than %(max)d dates; end it sooner.", max=limit)]}
        )
    return starts


def days_of(rule: rrule, first: date, last: date) -> Iterator[date]:
    """The local days in ``first``..``last`` (inclusive) on which the rule falls."""
    start = datetime.combine(first, time.min)
    end = datetime.combine(last, time.min) + timedelta(days=1) - timedelta(microseconds=1)
    for moment in rule.between(start, end, inc=True):
        yield moment.date()

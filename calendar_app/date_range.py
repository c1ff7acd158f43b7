"""The one range of dates the service accepts anywhere: the years 1900 to 2999.

Every date or time that comes in (list and feed filters, statistics months, staff forms, JSON
bodies, closures, the UNTIL and COUNT of repetition rules) is checked against this range, so
nothing outside it is stored or computed with. Far from Python's limits (years 1 and 9999), a
day or a time zone added to any accepted date stays representable.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import gettext as _

FIRST_YEAR = 1900
LAST_YEAR = 2999
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_MONTH = re.compile(r"\d{4}-\d{2}", re.ASCII)


def contains(moment: date | datetime) -> bool:
    """Whether a date (or a time, by its own calendar date) lies in the range."""
    return FIRST_YEAR <= moment.year <= LAST_YEAR


def out_of_range_message() -> str:
    return _(
        "Give a date between the years %(first)d and %(last)d.", first=FIRST_YEAR, last=LAST_YEAR
    )


def parse_day(text: str) -> date:
    """A strict ``YYYY-MM-DD`` date; ValueError if malformed, OutOfRange if outside the range."""
    if not isinstance(text, str) or not _DAY.fullmatch(text):
        raise ValueError(text)
    day = date.fromisoformat(text)
    if not contains(day):
        raise OutOfRange(text)
    return day


def parse_month(text: str) -> date:
    """The first day of a strict ``YYYY-MM`` month; ValueError or OutOfRange as ``parse_day``."""
    if not isinstance(text, str) or not _MONTH.fullmatch(text):
        raise ValueError(text)
    first = date(int(text[:4]), int(text[5:]), 1)
    if not contains(first):
        raise OutOfRange(text)
    return first


class OutOfRange(ValueError):
    """A well-formed date outside the range (a ValueError, so a caller may treat both alike)."""

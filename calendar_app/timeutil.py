"""Time helpers. Domain code takes ``now`` as an argument; only the edges call ``utcnow``."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates as babel_dates
from flask import current_app
from flask_babel import get_locale

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | str) -> datetime:
    """An aware UTC datetime from what an SQL aggregate returns (naive UTC or text on SQLite)."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def display_zone(zone: str | ZoneInfo) -> ZoneInfo | timezone:
    """The zone to show times in: ``zone``, or UTC if the stored name is unknown to this
    system's tz database (forms refuse such names; only a row written past them has one)."""
    if not isinstance(zone, str):
        return zone
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r; times shown in UTC", zone)
        return UTC


def to_local(moment: datetime, zone: str | ZoneInfo) -> datetime:
    """``moment`` in ``zone``; in UTC when the zone's wall clock would leave the years Python
    can hold (only a row stored around the service's date range can be that far out), or when
    the zone is unknown, so one such row is shown oddly instead of failing a page, a feed or a
    mail."""
    tz = display_zone(zone)
    try:
        return moment.astimezone(tz)
    except OverflowError:
        log.warning("%s cannot be shown in %s; shown in UTC", moment.isoformat(), tz)
        return moment.astimezone(UTC)


def local_to_utc(local: datetime, zone: str | ZoneInfo) -> datetime:
    """Interpret a naive wall-clock time in ``zone`` and return it in UTC."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    return local.replace(tzinfo=tz).astimezone(UTC)


def local_day_bounds(day: date, zone: str | ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants of the start of ``day`` and of the next day in ``zone``."""
    start = local_to_utc(datetime.combine(day, time.min), zone)
    end = local_to_utc(datetime.combine(date.fromordinal(day.toordinal() + 1), time.min), zone)
    return start, end


def active_locale() -> str:
    """The language dates are written in: Flask-Babel's (or a forced) locale, else the default.

    Unlike ``localization.current_language`` this follows ``force_locale`` outside a request,
    which is how mail is rendered in the visitor's language.
    """
    return str(get_locale() or current_app.config["DEFAULT_LOCALE"])


def format_local_datetime(moment: datetime, zone: str, fmt: str = "medium") -> str:
    """Date and time in the branch's zone, in the active language.

    The short and medium styles give the clock without seconds ("17:00", not Babel's medium
    "17:00:00"); long and full keep Babel's own time, which names the zone's offset.
    """
    locale = active_locale()
    if fmt not in ("short", "medium"):
        return babel_dates.format_datetime(to_local(moment, zone), fmt, locale=locale)
    pattern = babel_dates.get_datetime_format(fmt, locale=locale)
    return (
        str(pattern)
        .replace("'", "")
        .replace("{0}", format_local_time(moment, zone, "short"))
        .replace("{1}", format_local_date(moment, zone, fmt))
    )


def format_local_date(moment: datetime, zone: str, fmt: str = "full") -> str:
    return babel_dates.format_date(to_local(moment, zone).date(), fmt, locale=active_locale())


def format_day(day: date, fmt: str = "full") -> str:
    """A calendar day (no time, so no zone) in the active language."""
    return babel_dates.format_date(day, fmt, locale=active_locale())


def format_local_time(moment: datetime, zone: str, fmt: str = "short") -> str:
    return babel_dates.format_time(to_local(moment, zone), fmt, locale=active_locale())

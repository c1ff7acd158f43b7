"""Time helpers. Domain code takes ``now`` as an argument; only the edges call ``utcnow``."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_local(moment: datetime, zone: str | ZoneInfo) -> datetime:
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    return moment.astimezone(tz)


def local_to_utc(local: datetime, zone: str | ZoneInfo) -> datetime:
    """Interpret a naive wall-clock time in ``zone`` and return it in UTC."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    return local.replace(tzinfo=tz).astimezone(UTC)


def local_day_bounds(day: date, zone: str | ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants of the start of ``day`` and of the next day in ``zone``."""
    start = local_to_utc(datetime.combine(day, time.min), zone)
    end = local_to_utc(datetime.combine(date.fromordinal(day.toordinal() + 1), time.min), zone)
    return start, end

"""Days without events: Kazakhstan's public holidays and each branch's closures.

A closure is a date range (``end`` inclusive) or a rule such as the monthly sanitary day
(``FREQ=MONTHLY;BYDAY=-1FR``), which applies from its ``start`` (or the day it is made). Series
skip both; a single event on a closed day is refused, while public holidays never refuse a
single event (a National Dombra Day concert is held on the day).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import date_range
from ..extensions import db
from ..models import Branch, Closure, Event
from ..models.event import STATUS_SCHEDULED
from ..timeutil import local_day_bounds, to_local
from .errors import InvalidInput, NotFound
from .recurrence import clean_rule, days_of, parse_rule
from .validation import has_control_characters, is_database_id

MAX_REASON_LENGTH = 300
MAX_CLOSURE_DAYS = 366
SKIP_HOLIDAY = "holiday"
SKIP_CLOSURE = "closure"


@dataclass(frozen=True)
class SkippedDay:
    """A date a series does not use, and why."""

    day: date
    kind: str  # SKIP_HOLIDAY or SKIP_CLOSURE
    reason: str


@lru_cache(maxsize=16)
def _holidays(year: int, language: str) -> Mapping[date, str]:
    return dict(holidays.country_holidays("KZ", years=year, language=language))


def public_holiday(day: date, language: str = "en") -> str | None:
    """The name of Kazakhstan's public holiday on ``day`` (Kazakh or English), or None."""
    return _holidays(day.year, "kk" if language == "kk" else "en_US").get(day)


def _parse_day(value: object, field: str) -> date:
    try:
        return date_range.parse_day(value.strip() if isinstance(value, str) else value)
    except date_range.OutOfRange:
        raise InvalidInput({field: [date_range.out_of_range_message()]}) from None
    except ValueError:
        raise InvalidInput(
            {field: [_("Enter a date as YYYY-MM-DD, for example 2026-05-10.")]}
        ) from None


def _clean_reason(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput({"reason": [_("This must be text.")]})
    reason = value.strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(
            {
                "reason": [
                    _("This is too long (%(limit)d characters at most).", limit=MAX_REASON_LENGTH)
                ]
            }
        )
    if has_control_characters(reason):
        raise InvalidInput({"reason": [_("Remove the control characters.")]})
    return reason


def create_closure(branch: Branch, data: Mapping[str, object], now: datetime) -> Closure:
    """A range (``start``, ``end``) or a rule (``rrule``, optional ``start``), with a reason."""
    reason = _clean_reason(data.get("reason"))
    today = to_local(now, branch.timezone).date()
    if data.get("rrule") is not None:
        if data.get("end") is not None:
            raise InvalidInput({"end": [_("Give either an end date or a rule, not both.")]})
        text = clean_rule(data.get("rrule"))
        start = _parse_day(data["start"], "start") if data.get("start") is not None else today
        rule = parse_rule(text, datetime.combine(start, time.min), branch.timezone)
        if next(iter(rule), None) is None:
            raise InvalidInput({"rrule": [_("This rule yields no date.")]})
        closure = Closure(branch_id=branch.id, start_date=start, rrule=text)
    else:
        start = _parse_day(data.get("start"), "start")
        end = _parse_day(data.get("end"), "end")
        if end < start:
            raise InvalidInput({"end": [_("The end date must not be before the start date.")]})
        if (end - start).days >= MAX_CLOSURE_DAYS:
            raise InvalidInput({"end": [_("A closure lasts a year at most.")]})
        closure = Closure(branch_id=branch.id, start_date=start, end_date=end)
    closure.reason = reason
    closure.created_at = now
    db.session.add(closure)
    db.session.flush()
    return closure


def closures_of(branch_id: int) -> list[Closure]:
    return list(
        db.session.execute(
            select(Closure)
            .where(Closure.branch_id == branch_id)
            .order_by(Closure.start_date, Closure.id)
        ).scalars()
    )


def get_closure(closure_id: int) -> Closure:
    closure = db.session.get(Closure, closure_id) if is_database_id(closure_id) else None
    if closure is None:
        raise NotFound(_("There is no such closure."))
    return closure


def delete_closure(closure: Closure) -> None:
    db.session.delete(closure)
    db.session.flush()


def closed_days(closures: Iterable[Closure], first: date, last: date, zone: str) -> dict[date, str]:
    """Every closed day in ``first``..``last`` with the closure's reason."""
    days: dict[date, str] = {}
    for closure in closures:
        reason = closure.reason or _("The branch is closed.")
        if closure.rrule is None:
            day = max(first, closure.start_date)
            while day <= min(last, closure.end_date or day):
                days.setdefault(day, reason)
                day += timedelta(days=1)
        elif closure.start_date <= last:
            rule = parse_rule(closure.rrule, datetime.combine(closure.start_date, time.min), zone)
            for day in days_of(rule, max(first, closure.start_date), last):
                days.setdefault(day, reason)
    return days


def closure_reason(branch: Branch, day: date) -> str | None:
    """Why ``branch`` is closed on ``day``, or None when it is open."""
    return closed_days(closures_of(branch.id), day, day, branch.timezone).get(day)


def skipped_days(
    branch: Branch, days: Iterable[date], *, skip_holidays: bool, language: str
) -> dict[date, SkippedDay]:
    """Which of ``days`` a series of ``branch`` leaves out, and why."""
    wanted = sorted(set(days))
    if not wanted:
        return {}
    closed = closed_days(closures_of(branch.id), wanted[0], wanted[-1], branch.timezone)
    skipped: dict[date, SkippedDay] = {}
    for day in wanted:
        holiday = public_holiday(day, language) if skip_holidays else None
        if holiday is not None:
            skipped[day] = SkippedDay(day, SKIP_HOLIDAY, holiday)
        elif day in closed:
            skipped[day] = SkippedDay(day, SKIP_CLOSURE, closed[day])
    return skipped


def events_on_closed_days(branch: Branch, closure: Closure, now: datetime) -> list[Event]:
    """Scheduled events of the branch, not yet ended, that fall on a day of ``closure``."""
    query = (
        select(Event)
        .options(joinedload(Event.branch), joinedload(Event.venue))
        .where(
            Event.branch_id == branch.id,
            Event.status == STATUS_SCHEDULED,
            Event.ends_at > now,
        )
        .order_by(Event.starts_at, Event.id)
    )
    if closure.rrule is None:
        query = query.where(
            Event.ends_at > local_day_bounds(closure.start_date, branch.timezone)[0]
        )
    upcoming = list(db.session.execute(query).scalars())
    if not upcoming:
        return []
    zone = branch.timezone
    first = to_local(upcoming[0].starts_at, zone).date()
    last = to_local(upcoming[-1].ends_at, zone).date()
    closed = closed_days([closure], first, last, zone)
    return [event for event in upcoming if _local_days(event, zone) & closed.keys()]


def _local_days(event: Event, zone: str) -> set[date]:
    first = to_local(event.starts_at, zone).date()
    last = to_local(event.ends_at - timedelta(microseconds=1), zone).date()
    return {first + timedelta(days=offset) for offset in range((last - first).days + 1)}

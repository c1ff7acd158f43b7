"""Series: a recurrence rule that makes real events, skipping public holidays and closures.

Every occurrence is an ordinary event (own seats, roster, feed entry and UID) with ``series_id``
set. Creating a series plans every date first and refuses the whole series, saving nothing, when
the rule is unreadable, yields no date or more than 200, or any date clashes with another event
in the room. A dry run performs the same creation inside a savepoint and rolls it back, so it
answers exactly what the real request would. Edits of "all" or "this and following" occurrences
go through services/events.py one occurrence at a time, so each moved event raises its SEQUENCE
and tells its registrants.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, TypeVar

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Branch, Event, Series
from ..models.event import STATUS_SCHEDULED
from ..models.series import REGISTRATION_MODES
from ..timeutil import format_local_date, local_to_utc, to_local
from .closures import SkippedDay, skipped_days
from .errors import InvalidInput, NotFound
from .events import (
    EventData,
    cancel_event,
    check_event,
    create_event,
    event_data,
    update_event,
)
from .recurrence import clean_rule, first_dates, parse_rule
from .seats import (
    WINDOW_CLOSED,
    Availability,
    SeatCount,
    registration_window,
    seat_counts,
)
from .validation import is_database_id

T = TypeVar("T")


@dataclass
class SeriesResult:
    """A series as made (or, in a dry run, as it would be made) and the dates it left out."""

    series: Series
    occurrences: list[Event]
    skipped: list[SkippedDay] = field(default_factory=list)


@dataclass(frozen=True)
class SeriesPreview:
    """What creating a series would make, as plain values: nothing of it is in the session."""

    rrule: str
    times: list[tuple[datetime, datetime]]  # UTC start and end of every occurrence
    skipped: list[SkippedDay]


def _occurrence_times(
    branch: Branch, data: EventData, rule_text: str, *, skip_holidays: bool, language: str
) -> tuple[list[tuple[datetime, datetime]], list[SkippedDay]]:
    """UTC start and end of every occurrence kept, and the dates skipped."""
    zone = branch.timezone
    first_start = to_local(data.starts_at, zone).replace(tzinfo=None)
    length = to_local(data.ends_at, zone).replace(tzinfo=None) - first_start
    starts = first_dates(parse_rule(rule_text, first_start, zone))
    skipped = skipped_days(
        branch, (start.date() for start in starts), skip_holidays=skip_holidays, language=language
    )
    kept = [start for start in starts if start.date() not in skipped]
    if not kept:
        raise InvalidInput(
            {"rrule": [_("Every date of this rule falls on a public holiday or a closed day.")]}
        )
    times = [(local_to_utc(start, zone), local_to_utc(start + length, zone)) for start in kept]
    return times, sorted(skipped.values(), key=lambda item: item.day)


def _check_room_is_free(
    branch: Branch, venue_id: int, times: list[tuple[datetime, datetime]]
) -> None:
    """Refuse the series if any occurrence overlaps another event, or another occurrence."""
    taken = list(
        db.session.execute(
            select(Event)
            .where(
                Event.venue_id == venue_id,
                Event.status == STATUS_SCHEDULED,
                Event.starts_at < times[-1][1],
                Event.ends_at > times[0][0],
            )
            .order_by(Event.starts_at)
        ).scalars()
    )
    previous_end = None
    for start, end in times:
        day = format_date(to_local(start, branch.timezone).date(), "long")
        if previous_end is not None and start < previous_end:
            raise InvalidInput(
                {"rrule": [_("On %(date)s the dates of this series overlap.", date=day)]}
            )
        previous_end = end
        clash = next(
            (event for event in taken if event.starts_at < end and event.ends_at > start), None
        )
        if clash is not None:
            raise InvalidInput(
                {
                    "starts_at": [
                        _(
                            "On %(date)s the room is taken by “%(title)s”.",
                            date=day,
                            title=clash.title,
                        )
                    ]
                }
            )


def create_series(
    branch: Branch,
    data: EventData,
    rule: object,
    now: datetime,
    *,
    registration_mode: object = "per_occurrence",
    skip_public_holidays: object = True,
    language: str = "en",
) -> SeriesResult:
    """Plan and create a series and all its occurrences; InvalidInput saves nothing."""
    errors: dict[str, list[str]] = {}
    if registration_mode not in REGISTRATION_MODES:
        errors["registration_mode"] = [
            _("Use one of: %(allowed)s.", allowed=", ".join(REGISTRATION_MODES))
        ]
    if not isinstance(skip_public_holidays, bool):
        errors["skip_public_holidays"] = [_("Give true or false.")]
    try:
        rule_text = clean_rule(rule)
    except InvalidInput as error:
        errors.update(error.errors)
    try:
        check_event(branch, data)
    except InvalidInput as error:
        for name, messages in error.errors.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise InvalidInput(errors)
    times, skipped = _occurrence_times(
        branch, data, rule_text, skip_holidays=skip_public_holidays, language=language
    )
    _check_room_is_free(branch, data.venue_id, times)
    series = Series(
        branch_id=branch.id,
        title=data.title.strip(),
        rrule=rule_text,
        registration_mode=registration_mode,
        skip_public_holidays=skip_public_holidays,
        created_at=now,
        updated_at=now,
    )
    db.session.add(series)
    db.session.flush()
    occurrences = [
        create_event(branch, replace(data, starts_at=start, ends_at=end), now, series=series)
        for start, end in times
    ]
    return SeriesResult(series=series, occurrences=occurrences, skipped=skipped)


def dry_run(
    branch: Branch,
    data: EventData,
    rule: object,
    now: datetime,
    answer: Callable[[SeriesResult], T],
    **options: Any,
) -> T:
    """``create_series`` inside a savepoint that is rolled back: ``answer`` reads the result
    before anything is undone, so a dry run answers (and refuses) exactly as the real creation
    would and leaves nothing behind."""
    savepoint = db.session.begin_nested()
    try:
        return answer(create_series(branch, data, rule, now, **options))
    finally:
        savepoint.rollback()


def preview_series(
    branch: Branch, data: EventData, rule: object, now: datetime, **options: Any
) -> SeriesPreview:
    """The dates a series would have and those it would skip, saving nothing."""
    return dry_run(
        branch,
        data,
        rule,
        now,
        lambda result: SeriesPreview(
            rrule=result.series.rrule,
            times=[(event.starts_at, event.ends_at) for event in result.occurrences],
            skipped=result.skipped,
        ),
        **options,
    )


def get_series(series_id: int) -> Series:
    series = (
        db.session.execute(
            select(Series).options(joinedload(Series.branch)).where(Series.id == series_id)
        ).scalar_one_or_none()
        if is_database_id(series_id)
        else None
    )
    if series is None:
        raise NotFound(_("There is no such series."))
    return series


def occurrences(series_id: int) -> list[Event]:
    """Every occurrence in date order, past and cancelled ones too, branch and room loaded."""
    return list(
        db.session.execute(
            select(Event)
            .options(joinedload(Event.branch), joinedload(Event.venue))
            .where(Event.series_id == series_id)
            .order_by(Event.starts_at, Event.id)
        ).scalars()
    )


def upcoming_occurrences(series_id: int, now: datetime) -> list[Event]:
    """The occurrences still to come and not cancelled: what edits and cancellations change."""
    return [e for e in occurrences(series_id) if not e.is_cancelled and e.starts_at > now]


def _targets(series: Series, scope: object, from_event: object, now: datetime) -> list[Event]:
    """The occurrences an edit or cancellation of ``scope`` applies to: upcoming, not cancelled."""
    if scope not in ("all", "following"):
        raise InvalidInput({"scope": [_("Use one of: %(allowed)s.", allowed="all, following")]})
    upcoming = upcoming_occurrences(series.id, now)
    if scope == "all":
        return upcoming
    if isinstance(from_event, bool) or not isinstance(from_event, int):
        raise InvalidInput({"from_event": [_("Give the id of an upcoming event of this series.")]})
    start = next((event for event in upcoming if event.id == from_event), None)
    if start is None:
        raise InvalidInput({"from_event": [_("Give the id of an upcoming event of this series.")]})
    return [
        event for event in upcoming if (event.starts_at, event.id) >= (start.starts_at, start.id)
    ]


def _kept_translations(data: EventData) -> dict[str, dict[str, str]]:
    """The translations as the events service keeps them: other languages, non-empty texts."""
    kept = {}
    for code, texts in (data.translations or {}).items():
        present = {name: text for name, text in (texts or {}).items() if text and text.strip()}
        if present and code != data.language:
            kept[code] = present
    return kept


def changed_fields(before: EventData, after: EventData) -> dict[str, Any]:
    """The fields of ``after`` that differ from ``before``, as ``update_series`` takes them.

    A form shows every field, while a change for several dates must carry only what the person
    changed. A new start or end gives both: together they set the time of day and the length.
    """
    changes: dict[str, Any] = {}
    for name in (item.name for item in fields(EventData)):
        if name in ("starts_at", "ends_at"):
            continue
        old, new = getattr(before, name), getattr(after, name)
        if name == "translations":
            old, new = _kept_translations(before), _kept_translations(after)
        elif name == "title":
            old, new = old.strip(), new.strip()
        if old != new:
            changes[name] = getattr(after, name)
    if (before.starts_at, before.ends_at) != (after.starts_at, after.ends_at):
        changes.update(starts_at=after.starts_at, ends_at=after.ends_at)
    return changes


def update_series(
    series: Series,
    changes: Mapping[str, Any] | Callable[[EventData], EventData],
    now: datetime,
    *,
    scope: object = "all",
    from_event: object = None,
) -> list[Event]:
    """Apply ``changes`` (EventData fields, or a function of each occurrence's EventData) to
    the occurrences of ``scope``; returns those changed.

    A change of the start or end sets the time of day and the length: each occurrence keeps its
    own local date.
    """
    edit = changes if callable(changes) else (lambda base: replace(base, **changes))
    zone = series.branch.timezone
    targets = _targets(series, scope, from_event, now)
    for event in targets:
        base = event_data(event)
        data = edit(base)
        if (data.starts_at, data.ends_at) != (base.starts_at, base.ends_at):
            local_start = to_local(data.starts_at, zone)
            length = to_local(data.ends_at, zone) - local_start
            moved = datetime.combine(to_local(event.starts_at, zone).date(), local_start.time())
            data = replace(
                data,
                starts_at=local_to_utc(moved, zone),
                ends_at=local_to_utc(moved + length, zone),
            )
        try:
            update_event(event, data, now)
        except InvalidInput as error:
            day = format_local_date(event.starts_at, zone, "long")
            raise InvalidInput(
                {
                    name: [_("On %(date)s: %(problem)s", date=day, problem=m) for m in messages]
                    for name, messages in error.errors.items()
                }
            ) from None
        if scope == "all" and event is targets[0]:
            series.title = data.title.strip()
    series.updated_at = now
    db.session.flush()
    return targets


def cancel_series(series: Series, now: datetime, *, from_event: object = None) -> list[Event]:
    """Cancel every upcoming occurrence (or those from ``from_event`` on); registrants are told."""
    scope = "all" if from_event is None else "following"
    targets = _targets(series, scope, from_event, now)
    for event in targets:
        cancel_event(event, now)
    series.updated_at = now
    db.session.flush()
    return targets


@dataclass(frozen=True)
class SeriesOverview:
    """What the page of one occurrence says about its series."""

    series: Series
    upcoming: list[Event]  # the next dates (not cancelled, not ended), at most ``shown``
    upcoming_total: int
    course: Availability | None  # for a whole-series course: seats and window of the booking


def overview(event: Event, now: datetime, shown: int = 8) -> SeriesOverview | None:
    """The series of ``event`` with its next dates; None for an event of no series."""
    if event.series_id is None:
        return None
    dates = occurrences(event.series_id)
    upcoming = [e for e in dates if not e.is_cancelled and e.ends_at > now]
    course = None
    if event.series.is_whole_series:
        held = [e for e in dates if not e.is_cancelled]
        bookable = [e for e in held if e.starts_at > now]
        counts = seat_counts(e.id for e in bookable)
        tightest = min(
            (counts[e.id] for e in bookable), key=lambda count: count.available, default=None
        )
        first = held[0] if held else event
        course = Availability(
            event=event,
            window_event=first,
            seats=tightest or SeatCount(capacity=first.capacity),
            window=registration_window(first, now) if bookable else WINDOW_CLOSED,
        )
    return SeriesOverview(
        series=event.series, upcoming=upcoming[:shown], upcoming_total=len(upcoming), course=course
    )

"""Seeding the demo season. Idempotent: what exists already (by slug or title) is left alone.

Registrations, check-ins and head counts go through the services like any other (without
mail). Past events get their published reports, with photos drawn by ``demo_pictures`` and
stored through ``posters.store_image`` like an upload.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from .. import demo_pictures
from ..demo_data import (
    BRANCHES,
    CLOSURES,
    DEMO_NAMES,
    EVENTS,
    SERIES,
    DemoEvent,
    DemoReport,
    DemoSeries,
)
from ..extensions import db
from ..models import Branch, Event, Report, ReportPhoto, Series, Venue
from ..models.registration import SOURCE_WEB, STATUS_CONFIRMED
from ..timeutil import local_to_utc, to_local
from ..vocabulary import DEFAULT_TIMEZONE
from . import posters
from .attendance import set_headcount
from .closures import closures_of, create_closure, public_holiday
from .course_bookings import book_course
from .events import EventData, create_event
from .registrations import check_in, register
from .series import create_series

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def seed_demo(
    now: datetime, timezone_name: str = DEFAULT_TIMEZONE, uploads_dir: str | None = None
) -> dict[str, int]:
    """Create the demo branches, rooms, events and reports; returns how many of each were added.

    Photos are written under ``uploads_dir`` (default: the app's UPLOADS_DIR).
    """
    uploads = uploads_dir or current_app.config["UPLOADS_DIR"]
    added = {
        "branches": 0,
        "venues": 0,
        "events": 0,
        "series": 0,
        "registrations": 0,
        "reports": 0,
        "photos": 0,
    }
    branches: dict[str, Branch] = {}
    for spec in BRANCHES:
        branch = db.session.execute(
            select(Branch).where(Branch.slug == spec.slug)
        ).scalar_one_or_none()
        if branch is None:
            branch = Branch(
                slug=spec.slug,
                name=spec.name,
                address=spec.address,
                phone=spec.phone,
                email=spec.email,
                timezone=timezone_name,
                translations=spec.translations,
                created_at=now,
                updated_at=now,
            )
            db.session.add(branch)
            db.session.flush()
            added["branches"] += 1
        branches[spec.slug] = branch
        existing = {venue.name for venue in branch.venues}
        for room in spec.venues:
            if room.name not in existing:
                db.session.add(
                    Venue(
                        branch_id=branch.id,
                        name=room.name,
                        capacity=room.capacity,
                        accessibility_notes=room.accessibility_notes,
                        translations=room.translations,
                        created_at=now,
                        updated_at=now,
                    )
                )
                added["venues"] += 1
        db.session.flush()
        db.session.refresh(branch)

    today = to_local(now, timezone_name).date()
    for number, spec in enumerate(EVENTS):
        branch = branches[spec.branch]
        event = (
            db.session.execute(
                select(Event)
                .where(
                    Event.branch_id == branch.id,
                    Event.title.in_([spec.title, *spec.former_titles]),
                )
                .order_by(Event.id)
            )
            .scalars()
            .first()
        )
        if event is None:
            event = _seed_event(branch, spec, number, now, today, added)
        if spec.report is not None:
            _seed_report(event, spec.report, now, uploads, added)
    _seed_closures(branches, now)
    _seed_series(branches, now, today, added)
    return added


def _seed_event(
    branch: Branch,
    spec: DemoEvent,
    number: int,
    now: datetime,
    today: date,
    added: dict[str, int],
) -> Event:
    """A demo event with its registrations; at one that has started, the parties who came are
    checked in (or, for a drop-in event, the head count is recorded)."""
    hour, minute = (int(part) for part in spec.start.split(":"))
    local_start = datetime.combine(today + timedelta(days=spec.day), time(hour, minute))
    data = _event_data(branch, spec, local_start)
    starts_at = data.starts_at
    event = create_event(branch, data, now)
    added["events"] += 1
    for index, seats in enumerate(spec.taken):
        registered_at = min(now, starts_at) - timedelta(days=1, minutes=index * 7)
        result = register(
            event.id,
            name=DEMO_NAMES[(number + index) % len(DEMO_NAMES)],
            email=f"demo-{number}-{index}@example.org",
            seats=seats,
            language=spec.language,
            source=SOURCE_WEB,
            now=registered_at,
            notify=False,
            photo_consent=index % 3 != 2,  # most parties agree; the roster marks the others
        )
        added["registrations"] += 1
        came = (
            spec.report is not None
            and index not in spec.absent
            and result.status == STATUS_CONFIRMED
            and starts_at <= now
        )
        if came:
            arrived = min(now, starts_at - timedelta(minutes=20) + timedelta(minutes=index))
            check_in(result.registration, None, arrived)
    if spec.headcount is not None and starts_at <= now:
        set_headcount(event, spec.headcount, now)
    db.session.flush()
    return event


def _seed_report(
    event: Event, spec: DemoReport, now: datetime, uploads_dir: str, added: dict[str, int]
) -> None:
    """The published report of a demo event that has taken place, with its photos.

    Nothing for an event that has one already, or that has not started yet (a database seeded
    in an earlier season may hold the story at a later date). The photos are drawings that show
    no real people; the consent is recorded as confirmed when seeding, by no staff member.
    """
    if event.report is not None or event.starts_at > now:
        return
    written = min(now, event.ends_at + timedelta(hours=18))
    report = Report(
        event=event,
        text=dict(spec.text),
        published=True,
        show_attendance=spec.show_attendance,
        created_at=written,
        updated_at=written,
        published_at=written,
    )
    db.session.add(report)
    for position, photo in enumerate(spec.photos):
        image = posters.store_image(
            demo_pictures.draw(photo.scene), dict(photo.alt), event.language, uploads_dir, now
        )
        db.session.add(
            ReportPhoto(
                report=report,
                image=image,
                position=position,
                consent_confirmed_at=now,
                consent_confirmed_by_id=None,
                created_at=now,
            )
        )
        added["photos"] += 1
    db.session.flush()
    added["reports"] += 1


def _event_data(branch: Branch, spec: DemoEvent | DemoSeries, local_start: datetime) -> EventData:
    """The fields of a demo event (or a series' first date) starting at ``local_start``."""
    venue = next(v for v in branch.venues if v.name == spec.venue)
    starts_at = local_to_utc(local_start, branch.timezone)
    return EventData(
        title=spec.title,
        description=spec.description,
        category=spec.category,
        audience=spec.audience,
        age_min=spec.ages[0] if spec.ages else None,
        age_max=spec.ages[1] if spec.ages else None,
        language=spec.language,
        venue_id=venue.id,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=spec.minutes),
        registration=spec.registration,
        capacity=spec.capacity,
        max_party=spec.max_party,
        waitlist_enabled=spec.waitlist,
        translations=spec.translations,
    )


def _seed_closures(branches: dict[str, Branch], now: datetime) -> None:
    for spec in CLOSURES:
        branch = branches[spec["branch"]]
        if not any(closure.rrule == spec["rrule"] for closure in closures_of(branch.id)):
            create_closure(branch, {"rrule": spec["rrule"], "reason": spec["reason"]}, now)


def _first_day(spec: DemoSeries, today: date) -> tuple[date, str]:
    """The first date and the RRULE weekday of a demo series."""
    if spec.weekday != "next_holiday":
        day = today + timedelta(days=spec.first_after_days)
        wanted = WEEKDAYS.index(spec.weekday)
        return day + timedelta(days=(wanted - day.weekday()) % 7), spec.weekday
    holiday = next(
        day
        for day in (today + timedelta(days=offset) for offset in range(8, 370))
        if public_holiday(day) is not None
    )
    first = holiday - timedelta(weeks=2)
    return first, WEEKDAYS[first.weekday()]


def _seed_series(
    branches: dict[str, Branch], now: datetime, today: date, added: dict[str, int]
) -> None:
    for number, spec in enumerate(SERIES):
        branch = branches[spec.branch]
        exists = db.session.execute(
            select(Series.id).where(Series.branch_id == branch.id, Series.title == spec.title)
        ).first()
        if exists:
            continue
        day, weekday = _first_day(spec, today)
        hour, minute = (int(part) for part in spec.start.split(":"))
        made = create_series(
            branch,
            _event_data(branch, spec, datetime.combine(day, time(hour, minute))),
            f"FREQ=WEEKLY;BYDAY={weekday};COUNT={spec.weeks}",
            now,
            registration_mode=spec.mode,
        )
        added["series"] += 1
        added["events"] += len(made.occurrences)
        for index, seats in enumerate(spec.taken):
            book_course(
                made.series.id,
                name=DEMO_NAMES[(number + index) % len(DEMO_NAMES)],
                email=f"demo-series-{number}-{index}@example.org",
                seats=seats,
                language=spec.language,
                source=SOURCE_WEB,
                now=now,
                notify=False,
            )
            added["registrations"] += 1

"""Browsing pages: upcoming events, event details, month grid, branches.

Views are thin: they parse the query string with services.catalog, ask it for events and seats,
and render. Bad query strings give a 400 page naming what is wrong, unknown ids and slugs a 404.
Every page runs a constant number of SQL queries whatever the number of events.
"""

from __future__ import annotations

import calendar
import unicodedata
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import get_day_names, get_timezone_location
from flask import abort, current_app, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from ..images import absolute_image_url
from ..localization import current_language
from ..models import Branch, Event
from ..page_cache import cached_page
from ..services import catalog, news, series
from ..services.catalog import EventFilters
from ..services.errors import InvalidInput
from ..services.quick_choices import quick_choices
from ..services.seats import availability
from ..services.structured_data import (
    EventLinks,
    article_json_ld,
    event_json_ld,
    script_json,
)
from ..sharing import photo_share_image, share_image
from ..timeutil import display_zone, to_local, utcnow
from ..urls import absolute_url
from . import bp
from .forms import holds_typed_values, typed_form

FORM_FIELDS = ("q", "branch", "category", "audience", "from", "to")


def _page_argument() -> int:
    try:
        return catalog.parse_page(request.args.get("page"))
    except InvalidInput as error:
        abort(400, description=error.message)


def _form_values() -> dict[str, str]:
    """The filter form's values as submitted, made safe to show again (short, printable)."""
    values = {}
    for name in FORM_FIELDS:
        raw = request.args.get(name, "")[: catalog.MAX_QUERY_LENGTH]
        values[name] = "".join(ch for ch in raw if unicodedata.category(ch) not in ("Cc", "Cs"))
    return values


def _per_page() -> int:
    return int(current_app.config.get("EVENTS_PER_PAGE", 20))


def _check_page_exists(result: catalog.EventPage) -> None:
    if result.page > result.pages:
        abort(404, description=_("This page of the list is empty; go back to the first page."))


@bp.get("/")
@cached_page
def index() -> Any:
    """Upcoming events with the filter form."""
    now = utcnow()
    page = _page_argument()
    errors: dict[str, list[str]] = {}
    result = None
    try:
        filters = catalog.parse_filters(request.args)
    except InvalidInput as error:
        errors = error.errors
        filters = EventFilters()
    else:
        result = catalog.list_events(filters, now, page, _per_page(), collapse_series=True)
        _check_page_exists(result)
    values = _form_values()
    branches = catalog.list_branches()
    return (
        render_template(
            "public/index.html",
            result=result,
            filters=filters,
            errors=errors,
            values=values,
            active_filters=sum(1 for value in values.values() if value.strip()),
            quick_choices=quick_choices(now, branches, None if errors else filters),
            branches=branches,
            branch=None,
        ),
        400 if errors else 200,
    )


def zone_label(moment: datetime, zone: str) -> str:
    """``Almaty time (UTC+5)`` in the visitor's language."""
    locale = str(get_locale() or current_app.config["DEFAULT_LOCALE"])
    city = get_timezone_location(display_zone(zone), locale=locale, return_city=True)
    offset = to_local(moment, zone).utcoffset() or timedelta(0)
    hours, rest = divmod(int(offset.total_seconds()), 3600)
    text = f"{hours:+d}" + (f":{rest // 60:02d}" if rest else "")
    return _("%(city)s time (UTC%(offset)s)", city=city, offset=text)


def render_event_page(event: Event, *, status: int = 200, **context: Any) -> Any:
    """The event page; the registration view re-renders it with its form and errors.

    The page's partials see ``event`` and ``listing`` (seats left, the registration window),
    plus whatever the caller passes (a form, errors). A page whose form holds typed values
    switches language through a form that keeps them (``keep_typed_in_language``).
    """
    now = utcnow()
    series_overview = series.overview(event, now)
    course = series_overview.course if series_overview else None
    listing = course or availability(event, now)
    language = current_language()
    report = news.event_report(event, now, language)
    image = share_image(event, language)
    if report is not None and report.lead_photo is not None:
        image = photo_share_image(report.lead_photo, language)
    links = EventLinks(
        page=absolute_url(url_for("public.event_detail", event_id=event.id, lang=language)),
        organizer=absolute_url(
            url_for("public.branch_detail", slug=event.branch.slug, lang=language)
        ),
        image=image.url,
    )
    json_ld = event_json_ld(listing, language, links)
    article = None
    if report is not None:
        photos = [absolute_image_url(photo) for photo in report.photos]
        article = script_json(article_json_ld(report, language, links, photos))
    form = context.get("registration_form")
    return (
        render_template(
            "public/event.html",
            event=event,
            listing=listing,
            share=image,
            json_ld=json_ld,
            json_ld_text=script_json(json_ld),
            report=report,
            article_json_ld_text=article,
            series_overview=series_overview,
            zone_label=zone_label(event.starts_at, event.branch.timezone),
            form_failed=bool(form is not None and form.errors),
            keeps_typed=holds_typed_values(form),
            **context,
        ),
        status,
    )


@bp.get("/events/<id:event_id>")
@cached_page
def event_detail(event_id: int) -> Any:
    event = catalog.get_event(event_id)
    typed = typed_form(event.id)
    if typed is None:
        return render_event_page(event)
    return render_event_page(event, registration_form=typed)


def _week_rows(first: date) -> list[list[date]]:
    return calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(
        first.year, first.month
    )


def _events_by_local_day(events: list[Event], first: date, last: date) -> dict[date, list[Event]]:
    """Each event under every local day (in its branch's zone) it touches within the month."""
    days: dict[date, list[Event]] = defaultdict(list)
    for event in events:
        zone = event.branch.timezone
        start_day = to_local(event.starts_at, zone).date()
        # An event ending at midnight does not touch the next day.
        end_day = to_local(event.ends_at - timedelta(microseconds=1), zone).date()
        day = max(start_day, first)
        while day <= min(end_day, last):
            days[day].append(event)
            day += timedelta(days=1)
    return days


@bp.get("/calendar")
@cached_page
def month_calendar() -> Any:
    """A month grid, Monday first, of the events in each local day."""
    now = utcnow()
    branch: Branch | None = None
    slug = request.args.get("branch") or None
    if slug is not None:
        try:
            catalog.parse_filters({"branch": slug})
        except InvalidInput as error:
            abort(400, description=error.message)
        branch = catalog.get_branch(slug.lower())
    zone = branch.timezone if branch else catalog.catalog_zone()
    today = to_local(now, zone).date()
    try:
        first = catalog.parse_month(request.args.get("month"), today)
    except InvalidInput as error:
        abort(400, description=error.message)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    start, end = catalog.month_bounds(first, zone)
    # A day of margin on each side catches events of branches in other zones.
    events = catalog.events_between(
        start - timedelta(days=1), end + timedelta(days=1), branch_id=branch.id if branch else None
    )
    by_day = _events_by_local_day(events, first, last)
    locale = str(get_locale() or current_app.config["DEFAULT_LOCALE"])
    return render_template(
        "public/calendar.html",
        first=first,
        weeks=_week_rows(first),
        by_day=by_day,
        today=today,
        branch=branch,
        month_label=format_date(first, "LLLL yyyy"),
        previous_month=(first - timedelta(days=1)).replace(day=1),
        next_month=last + timedelta(days=1),
        day_names_wide=[get_day_names("wide", locale=locale)[n] for n in range(7)],
        day_names_short=[get_day_names("abbreviated", locale=locale)[n] for n in range(7)],
        event_count=len({event.id for day in by_day.values() for event in day}),
    )


@bp.get("/branches")
@cached_page
def branch_list() -> Any:
    """Every branch with its number of upcoming events (one grouped query)."""
    now = utcnow()
    branches = catalog.list_branches(with_venues=True)
    counts = catalog.upcoming_counts_by_branch(now)
    return render_template("public/branches.html", branches=branches, counts=counts)


@bp.get("/branches/<slug>")
@cached_page
def branch_detail(slug: str) -> Any:
    now = utcnow()
    branch = catalog.get_branch(slug)
    page = _page_argument()
    result = catalog.list_events(
        EventFilters(branch=branch.slug), now, page, _per_page(), collapse_series=True
    )
    _check_page_exists(result)
    return render_template("public/branch.html", branch=branch, result=result)

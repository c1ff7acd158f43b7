"""iCal feeds over HTTP: all events, one branch, one event, and a visitor's registration.

Every response first settles its ETag and Last-Modified, before anything is built: list feeds
reuse the validator computed by the aggregate over their events while the content version
(one read by primary key) stays the same, or else while the feeds' change marker (one
constant-time query over events, rooms and branches) does; a matching conditional request
gets a 304 with nothing built. Otherwise the whole body is reused from a process-local cache
while the ETag stays the same, and only rebuilt (from cached VEVENTs, see services/ical.py) when
the data changed. Each worker process keeps its own caches.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from typing import NamedTuple
from urllib.parse import urlencode

from cachetools import LRUCache, TLRUCache
from flask import Response, current_app, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from werkzeug.http import http_date, parse_date, parse_etags

from ..caches import LockedCache
from ..content_version import content_version
from ..extensions import db
from ..localization import current_language, localized
from ..models import Branch, Event
from ..services import catalog, feed_queries, feed_text, ical, ical_registration
from ..services.errors import InvalidInput
from ..services.registrations import find_by_token
from ..sessions import mark_cookie_free
from ..timeutil import utcnow
from ..vocabulary import AUDIENCE_LABELS, AUDIENCES, CATEGORIES, CATEGORY_LABELS
from . import bp

CONTENT_TYPE = "text/calendar; charset=utf-8"
BODY_CACHE_SIZE = 256
DEFAULT_VALIDATOR_TTL = 60.0


class _Bodies(NamedTuple):
    """A feed's body for one ETag, and its gzipped copy once a client has asked for it."""

    etag: str
    plain: bytes
    gzipped: bytes | None = None


# Whole feed bodies by feed identity, each valid for one ETag.
body_cache: LockedCache[_Bodies] = LockedCache(LRUCache(BODY_CACHE_SIZE))


class _Remembered(NamedTuple):
    """A feed's validator and branch id, valid while the content version or the feeds' change
    marker stays as it was when they were computed."""

    version: int | None
    marker: tuple
    ttl: float
    found: tuple[feed_queries.Validator | None, int | None]


# Saves the aggregate over a feed's events on the many polls of an unchanged feed. Entries also
# expire after FEED_VALIDATOR_TTL seconds, which bounds the damage if a change were ever stamped
# with an older time than the latest one (hosts with skewed clocks).
validator_memo: LockedCache[_Remembered] = LockedCache(
    TLRUCache(BODY_CACHE_SIZE, ttu=lambda _key, remembered, now: now + remembered.ttl)
)


def _language() -> str:
    """The feed's language: ``?lang=`` when it names one we have, else the site's default.
    Titles, descriptions, labels and the calendar name all follow it."""
    return feed_queries.parse_feed_language(request.args, current_app.config["DEFAULT_LOCALE"])


def _labels(language: str) -> ical.Labels:
    """Category and audience names in the feed's language."""
    with force_locale(language):
        return ical.Labels(
            language=language,
            categories={key: str(label) for key, label in CATEGORY_LABELS.items()},
            audiences={key: str(label) for key, label in AUDIENCE_LABELS.items()},
        )


def _calendar_name(language: str, *parts: str) -> str:
    with force_locale(language):
        return " · ".join([*parts, _("Library events")])


def not_modified(etags: tuple[str, ...], last_modified: datetime, now: datetime) -> bool:
    """RFC 9110 conditional GET: If-None-Match decides when present, else If-Modified-Since.

    Anything unparsable, and a date in the future, counts as no condition at all.
    """
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = parse_etags(if_none_match)
        return tags.star_tag or any(tags.contains_weak(etag) for etag in etags)
    if_modified_since = parse_date(request.headers.get("If-Modified-Since"))
    if if_modified_since is None or if_modified_since > now:
        return False
    return last_modified.replace(microsecond=0) <= if_modified_since


def _respond(
    validator: feed_queries.Validator,
    cache_key: Hashable,
    build: Callable[[], bytes],
    now: datetime,
    filename: str | None = None,
) -> Response:
    """The feed, gzipped for clients that accept it (each encoding has an ETag of its own)."""
    encoding = "gzip" if request.accept_encodings["gzip"] else "identity"
    etags = (validator.etag, f"{validator.etag}-gzip")
    headers = {
        "ETag": f'"{etags[1] if encoding == "gzip" else etags[0]}"',
        "Last-Modified": http_date(validator.last_modified),
        "Cache-Control": "public, no-cache",
        "Vary": "Accept-Encoding",
    }
    if not_modified(etags, validator.last_modified, now):
        return mark_cookie_free(Response(status=304, headers=headers))
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], cache_key)
    bodies = body_cache.get(key)
    if bodies is None or bodies.etag != validator.etag:
        bodies = _Bodies(validator.etag, build())
        body_cache.put(key, bodies)
    body = bodies.plain
    if encoding == "gzip":
        if bodies.gzipped is None:
            bodies = bodies._replace(gzipped=gzip.compress(body, compresslevel=6, mtime=0))
            body_cache.put(key, bodies)
        body = bodies.gzipped
        headers["Content-Encoding"] = "gzip"
    if filename:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return mark_cookie_free(Response(body, status=200, headers=headers, content_type=CONTENT_TYPE))


def _bad_filter(error: InvalidInput) -> Response:
    message = "\n".join(message for messages in error.errors.values() for message in messages)
    return Response(message + "\n", status=400, content_type="text/plain; charset=utf-8")


def _list_feed(slug: str | None) -> Response:
    now = utcnow()
    try:
        filters = feed_queries.parse_feed_filters(request.args, _)
        language = _language()
    except InvalidInput as error:
        return _bad_filter(error)
    base_url = current_app.config["BASE_URL"]
    horizon = current_app.config["FEED_HORIZON_DAYS"]
    version = content_version()
    memo_key = (
        current_app.config["SQLALCHEMY_DATABASE_URI"],
        slug,
        filters.cache_key(),
        feed_queries.window_start(now),
        horizon,
        base_url,
        language,
    )
    remembered = validator_memo.get(memo_key)
    if remembered is None or version is None or remembered.version != version:
        # Something changed (a registration, most often): the marker tells whether the feed did.
        marker = feed_queries.change_marker()
        if remembered is None or remembered.marker != marker:
            found = feed_queries.feed_validator(slug, filters, now, base_url, language, horizon)
            ttl = current_app.config.get("FEED_VALIDATOR_TTL", DEFAULT_VALIDATOR_TTL)
            remembered = _Remembered(version, marker, ttl, found)
            if found[0] is not None:
                validator_memo.put(memo_key, remembered)
    validator, branch_id = remembered.found
    if validator is None:
        raise NotFound(_("No such branch."))

    def build() -> bytes:
        events = feed_queries.feed_events(branch_id, filters, now, horizon)
        if slug is None:
            name = _calendar_name(language)
            zone = current_app.config["DEFAULT_TIMEZONE"]
        else:
            branch = db.session.get(Branch, branch_id)
            name = _calendar_name(language, localized(branch, "name", language))
            zone = branch.timezone
        return ical.build_feed(
            events,
            name=name,
            base_url=base_url,
            uid_domain=current_app.config["UID_DOMAIN"],
            labels=_labels(language),
            default_zone=zone,
        )

    return _respond(validator, ("feed", slug, filters.cache_key(), language), build, now)


@bp.get("/calendar.ics")
def all_feed() -> Response:
    return _list_feed(None)


@bp.get("/branches/<slug>/calendar.ics")
def branch_feed(slug: str) -> Response:
    if not catalog.is_slug(slug):
        raise NotFound(_("No such branch."))
    return _list_feed(slug)


def _event_feed(event_id: int) -> Response:
    """One event's calendar file, served as a download."""
    now = utcnow()
    language = _language()
    base_url = current_app.config["BASE_URL"]
    validator = feed_queries.event_validator(event_id, base_url, language)
    if validator is None:
        raise NotFound(_("No such event."))

    def build() -> bytes:
        event = feed_queries.load_event(event_id)
        if event is None:
            raise NotFound(_("No such event."))
        return ical.build_feed(
            [event],
            name=_calendar_name(language, localized(event, "title", language)),
            base_url=base_url,
            uid_domain=current_app.config["UID_DOMAIN"],
            labels=_labels(language),
        )

    filename = f"event-{event_id}.ics"
    return _respond(validator, ("event", event_id, language), build, now, filename=filename)


@bp.get("/events/<id:event_id>.ics")
def event_ics(event_id: int) -> Response:
    return _event_feed(event_id)


@bp.get("/r/<token>.ics")
def registration_ics(token: str) -> Response:
    """The visitor's own entry: a UID of the registration's, and its state (waiting: TENTATIVE,
    cancelled: CANCELLED). Private (``Cache-Control: private, no-store``), so built each time."""
    registration = find_by_token(token)
    if registration is None:
        raise NotFound(_("No such registration."))
    language = _language()
    event = registration.event
    body = ical_registration.build_registration_calendar(
        registration,
        base_url=current_app.config["BASE_URL"],
        uid_domain=current_app.config["UID_DOMAIN"],
        labels=_labels(language),
        name=_calendar_name(language, localized(event, "title", language)),
    )
    return Response(
        body,
        content_type=CONTENT_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="event-{event.id}.ics"',
            "Cache-Control": "private, no-store",
        },
    )


GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
GOOGLE_DETAILS_LIMIT = 600


@bp.app_template_global()
def feed_path(branch: Branch | None = None, branch_slug: str | None = None) -> str:
    """The path of the all-events or a branch's feed with the page's valid category/audience
    and the page's language.

    ``branch_slug`` is a list page's already validated branch filter.
    """
    args = {}
    for name, allowed in (("category", CATEGORIES), ("audience", AUDIENCES)):
        value = request.args.get(name)
        if value in allowed:
            args[name] = value
    args["lang"] = current_language()
    slug = branch.slug if branch is not None else branch_slug
    if slug:
        return url_for("public.branch_feed", slug=slug, **args)
    return url_for("public.all_feed", **args)


@bp.app_template_global()
def google_calendar_url(event: Event) -> str:
    """An "add to Google Calendar" link: times in UTC, text in the visitor's language."""

    def utc(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    page = ical.event_url(event.id, current_app.config["BASE_URL"])
    description = feed_text.plain_text(localized(event, "description"))
    if len(description) > GOOGLE_DETAILS_LIMIT:
        description = description[:GOOGLE_DETAILS_LIMIT].rstrip() + "…"
    query = {
        "action": "TEMPLATE",
        "text": feed_text.clean_text(localized(event, "title")),
        "dates": f"{utc(event.starts_at)}/{utc(event.ends_at)}",
        "details": "\n\n".join(part for part in (description, page) if part),
        "location": ical.event_location(event, current_language()),
        "ctz": event.branch.timezone,
    }
    return f"{GOOGLE_CALENDAR}?{urlencode(query)}"

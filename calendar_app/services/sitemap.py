"""What the sitemap lists: the public pages, every branch, and the events worth finding.

Events are those not yet over and those that ended in the last ``RECENT_DAYS`` (their pages
still answer people who look them up); a cancelled one only while its cancellation is recent
too, so that search engines learn of it and then forget it. Two queries, whatever the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from ..extensions import db
from ..models import Branch, Event, Venue
from ..models.event import STATUS_SCHEDULED

RECENT_DAYS = 30
MAX_EVENTS = 10_000  # three addresses each (one per language) stay under the 50,000 a file allows


@dataclass(frozen=True)
class SitemapEntry:
    key: int | str  # an event id or a branch slug
    last_modified: datetime


@dataclass(frozen=True)
class SitemapContent:
    branches: list[SitemapEntry]
    events: list[SitemapEntry]

    @property
    def last_modified(self) -> datetime | None:
        """The latest change of anything listed (for the list and calendar pages)."""
        moments = [entry.last_modified for entry in (*self.branches, *self.events)]
        return max(moments, default=None)


def sitemap_content(now: datetime) -> SitemapContent:
    since = now - timedelta(days=RECENT_DAYS)
    branches = [
        SitemapEntry(slug, updated)
        for slug, updated in db.session.execute(
            select(Branch.slug, Branch.updated_at).order_by(Branch.slug)
        )
    ]
    rows = db.session.execute(
        select(Event.id, Event.updated_at, Venue.updated_at, Branch.updated_at)
        .join(Venue, Venue.id == Event.venue_id)
        .join(Branch, Branch.id == Event.branch_id)
        .where(
            Event.ends_at > since,
            or_(Event.status == STATUS_SCHEDULED, Event.cancelled_at > since),
        )
        .order_by(Event.starts_at, Event.id)
        .limit(MAX_EVENTS)
    )
    # An event page shows its room and branch too: the latest change of the three is its date.
    events = [SitemapEntry(row[0], max(row[1:])) for row in rows]
    return SitemapContent(branches=branches, events=events)

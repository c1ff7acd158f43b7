"""What the sitemap lists: the public pages, every branch, and the events worth finding.

Events are those not yet over and those that ended in the last ``RECENT_DAYS`` (their pages
still answer people who look them up); a cancelled one only while its cancellation is recent
too, so that search engines learn of it and then forget it. A past event with a published
report stays for good: its page is the library's news. Two queries, whatever the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, select

from ..extensions import db
from ..models import Branch, Event, Report, Venue
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
    news_last_modified: datetime | None = None  # the latest change of a published report

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
    reported = and_(
        Report.id.is_not(None), Event.status == STATUS_SCHEDULED, Event.starts_at <= now
    )
    rows = db.session.execute(
        select(
            Event.id,
            Event.updated_at,
            Venue.updated_at,
            Branch.updated_at,
            case((reported, Report.updated_at)),
        )
        .join(Venue, Venue.id == Event.venue_id)
        .join(Branch, Branch.id == Event.branch_id)
        .outerjoin(Report, and_(Report.event_id == Event.id, Report.published.is_(True)))
        .where(
            or_(
                and_(
                    Event.ends_at > since,
                    or_(Event.status == STATUS_SCHEDULED, Event.cancelled_at > since),
                ),
                reported,
            )
        )
        .order_by(Event.starts_at, Event.id)
        .limit(MAX_EVENTS)
    )
    # An event page shows its room, branch and report too: the latest change is its date.
    events, reports = [], []
    for row in rows:
        events.append(SitemapEntry(row[0], max(moment for moment in row[1:] if moment)))
        if row[4] is not None:
            reports.append(row[4])
    return SitemapContent(
        branches=branches, events=events, news_last_modified=max(reports, default=None)
    )

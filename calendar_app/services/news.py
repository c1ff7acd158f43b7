"""The libraries' news: published reports of events that took place, for ``/news``, its Atom
feed and the event pages.

A report is news when it is published, its event is not cancelled and has started. Newest event
first (by its start, then the report's id). A page of the list is loaded in four queries
whatever its length: the count, the reports with their events and branches, the lead photos
(the first by position) and the seat counts. Attendance follows the statistics' rule
(``stats.attended``) and is left out when staff chose not to show it, or when nobody was
counted (a report saying "0 came" would only mean nobody counted at the door).

A report's text is kept per language; the visitor reads it in their language when it is written
in it, else in the original: the event's language, or the first language that has a text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import contains_eager, selectinload

from ..extensions import db
from ..models import Branch, Event, Image, Report, ReportPhoto
from ..models.event import STATUS_SCHEDULED
from ..vocabulary import LANGUAGES
from . import catalog, reports
from .errors import InvalidInput
from .seats import seat_counts
from .stats import attended

PAGE_SIZE = 10
FEED_SIZE = 50


@dataclass(frozen=True)
class ReportText:
    """A report's text as a visitor reads it, and the original when that is another text."""

    language: str
    markdown: str
    original_language: str | None = None
    original_markdown: str | None = None


@dataclass(frozen=True)
class NewsItem:
    report: Report
    event: Event  # with its branch and venue loaded
    text: ReportText
    lead_photo: Image | None
    attendance: int | None  # None: not shown
    photos: list[Image] = field(default_factory=list)  # every photo, for the event page only


@dataclass(frozen=True)
class NewsPage(catalog.PageNumbers):
    items: list[NewsItem]
    total: int
    page: int
    pages: int
    branch: Branch | None = None


def _texts(report: Report) -> dict[str, str]:
    text = report.text if isinstance(report.text, dict) else {}
    return {
        code: value
        for code in LANGUAGES
        if isinstance(value := text.get(code), str) and value.strip()
    }


def original_language(report: Report, event: Event) -> str | None:
    """The language the report was written in: the event's, else the first that has a text."""
    texts = _texts(report)
    if event.language in texts:
        return event.language
    return next(iter(texts), None)


def report_text(report: Report, event: Event, language: str) -> ReportText:
    texts = _texts(report)
    original = original_language(report, event)
    if original is None:
        return ReportText(language=language, markdown="")
    if language in texts and language != original:
        return ReportText(language, texts[language], original, texts[original])
    shown = language if language in texts else original
    return ReportText(shown, texts[shown])


def shows_attendance(report: Report, count: int) -> int | None:
    return count if report.show_attendance and count > 0 else None


def parse_branch(raw: object) -> Branch | None:
    """The ``branch`` argument: None when absent or empty, else an existing branch;
    InvalidInput for anything else."""
    if raw is None or raw == "":
        return None
    slug = raw.strip().lower() if isinstance(raw, str) else None
    if not slug or not catalog.is_slug(slug):
        raise InvalidInput({"branch": [_("There is no such branch.")]})
    branch = db.session.execute(select(Branch).where(Branch.slug == slug)).scalar_one_or_none()
    if branch is None:
        raise InvalidInput({"branch": [_("There is no such branch.")]})
    return branch


def _published(query: Select, now: datetime, branch: Branch | None) -> Select:
    query = query.join(Event, Event.id == Report.event_id).where(
        Report.published.is_(True),
        Event.status == STATUS_SCHEDULED,
        Event.starts_at <= now,
    )
    if branch is not None:
        query = query.where(Event.branch_id == branch.id)
    return query


def _lead_photos(report_ids: Sequence[int]) -> dict[int, Image]:
    """The first photo of each report (by position, then id), in one query."""
    if not report_ids:
        return {}
    rank = (
        func.row_number()
        .over(
            partition_by=ReportPhoto.report_id,
            order_by=(ReportPhoto.position, ReportPhoto.id),
        )
        .label("rank")
    )
    ranked = (
        select(ReportPhoto.report_id, ReportPhoto.image_id, rank)
        .where(ReportPhoto.report_id.in_(report_ids))
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.report_id, Image)
        .join(Image, Image.id == ranked.c.image_id)
        .where(ranked.c.rank == 1)
    ).all()
    return {report_id: image for report_id, image in rows}


def _items(reports: Sequence[Report], language: str) -> list[NewsItem]:
    ids = [report.id for report in reports]
    leads = _lead_photos(ids)
    counts = seat_counts(report.event_id for report in reports if report.show_attendance)
    items = []
    for report in reports:
        event = report.event
        count = counts.get(event.id)  # None when attendance is not shown
        items.append(
            NewsItem(
                report=report,
                event=event,
                text=report_text(report, event, language),
                lead_photo=leads.get(report.id),
                attendance=None
                if count is None
                else shows_attendance(report, attended(event, count)),
            )
        )
    return items


def _reports(now: datetime, branch: Branch | None, limit: int, offset: int = 0) -> list[Report]:
    query = (
        _published(select(Report), now, branch)
        .options(
            contains_eager(Report.event).joinedload(Event.branch),
            contains_eager(Report.event).joinedload(Event.venue),
        )
        .order_by(Event.starts_at.desc(), Report.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(db.session.execute(query).scalars().unique())


def news_page(
    now: datetime,
    language: str,
    *,
    page: int = 1,
    branch: Branch | None = None,
    per_page: int = PAGE_SIZE,
) -> NewsPage:
    """One page of the news (``page`` from 1; a page past the end comes back empty)."""
    if page < 1:
        raise InvalidInput({"page": [_("The page number must be a whole number from 1.")]})
    total = db.session.execute(_published(select(func.count(Report.id)), now, branch)).scalar_one()
    reports = _reports(now, branch, per_page, (page - 1) * per_page) if total else []
    return NewsPage(
        items=_items(reports, language),
        total=total,
        page=page,
        pages=catalog.page_count(total, per_page),
        branch=branch,
    )


def feed_items(
    now: datetime, language: str, branch: Branch | None = None, limit: int = FEED_SIZE
) -> list[NewsItem]:
    """The latest published reports for the Atom feed, newest event first."""
    return _items(_reports(now, branch, limit), language)


def feed_last_modified(now: datetime, branch: Branch | None = None) -> datetime | None:
    """The latest change to anything the news feed shows or stopped showing: any report, drafts
    and those of cancelled events included (unpublishing or cancelling moves their
    ``updated_at``), their events and branches, and the start of each started event (its report
    appears then). Entries' ``updated`` stay the report's own; this is the feed's Last-Modified,
    so that an If-Modified-Since never keeps a reader on a copy that no longer holds."""
    query = (
        select(
            func.max(Report.updated_at),
            func.max(Event.updated_at),
            func.max(Branch.updated_at),
            func.max(case((Event.starts_at <= now, Event.starts_at))),
        )
        .join(Event, Event.id == Report.event_id)
        .join(Branch, Branch.id == Event.branch_id)
    )
    if branch is not None:
        query = query.where(Event.branch_id == branch.id)
    moments = [moment for moment in db.session.execute(query).one() if moment is not None]
    return max(moments, default=None)


def event_report(event: Event, now: datetime, language: str) -> NewsItem | None:
    """The published report of ``event`` with all its photos, for the event's page; None when
    there is none to show (not published, the event cancelled or not started yet)."""
    if not reports.can_report(event, now):
        return None
    report = db.session.execute(
        select(Report)
        .options(selectinload(Report.photos).joinedload(ReportPhoto.image))
        .where(Report.event_id == event.id, Report.published.is_(True))
    ).scalar_one_or_none()
    if report is None:
        return None
    photos = [photo.image for photo in report.photos]
    count = reports.attendance(event) if report.show_attendance else 0
    return NewsItem(
        report=report,
        event=event,
        text=report_text(report, event, language),
        lead_photo=photos[0] if photos else None,
        attendance=shows_attendance(report, count),
        photos=photos,
    )

"""Statistics per branch and month and per category, as a page with a chart and as CSV."""

from __future__ import annotations

from datetime import date

from flask import Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from .. import date_range
from ..extensions import db
from ..models import Branch
from ..services import permissions
from ..services.stats import (
    MAX_MONTHS,
    StatsReport,
    add_months,
    month_start,
    monthly_stats,
    rate_text,
    stats_csv,
)
from ..services.stats_chart import seat_outcomes_chart
from ..timeutil import to_local, utcnow
from . import bp


def _month_argument(name: str, problems: list[str]) -> date | None:
    """A ``YYYY-MM`` query argument; None (and a problem named) if absent or not acceptable."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return date_range.parse_month(raw)
    except date_range.OutOfRange:
        problems.append(date_range.out_of_range_message())
    except ValueError:
        problems.append(_("Give months as YYYY-MM."))
    return None


def _report() -> tuple[StatsReport, list[Branch], str | None, list[str]]:
    now = utcnow()
    problems: list[str] = []
    this_month = month_start(to_local(now, current_app.config["DEFAULT_TIMEZONE"]).date())
    last = _month_argument("to", problems) or this_month
    first = _month_argument("from", problems) or add_months(last, -5)
    if first > last:
        problems.append(_("The first month must not be after the last."))
        first = add_months(last, -5)
    if add_months(first, MAX_MONTHS - 1) < last:
        problems.append(_("At most %(count)d months at once.", count=MAX_MONTHS))
        first = add_months(last, -(MAX_MONTHS - 1))
    managed = list(db.session.execute(permissions.managed_branches_query(current_user)).scalars())
    slug = request.args.get("branch") or None
    branches = managed
    if slug:
        branches = [branch for branch in managed if branch.slug == slug]
        if not branches:
            problems.append(_("Unknown branch, or not one of yours."))
            branches = managed
            slug = None
    return monthly_stats(branches, first, last, now), managed, slug, sorted(set(problems))


@bp.get("/stats")
def stats() -> tuple[str, int]:
    report, managed, slug, problems = _report()
    return (
        render_template(
            "staff/stats.html",
            report=report,
            branches=managed,
            selected=slug,
            problems=problems,
            month_value=lambda month: month.strftime("%Y-%m"),
            rate_text=rate_text,
            chart=seat_outcomes_chart(report.months),
            segment_labels={
                "attended": _("attended"),
                "no_shows": _("no-shows"),
                "released": _("released"),
            },
        ),
        400 if problems else 200,
    )


@bp.get("/stats.csv")
def stats_export() -> Response:
    report, _managed, slug, problems = _report()
    if problems:  # a file of other months than those asked for would mislead
        return Response(
            "\n".join(problems) + "\n", status=400, content_type="text/plain; charset=utf-8"
        )
    first: date = report.first_month
    name = f"statistics-{slug or 'all'}-{first:%Y-%m}-{report.last_month:%Y-%m}.csv"
    return Response(
        stats_csv(report),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )

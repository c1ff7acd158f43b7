"""The quick choices above the list of events: today, this weekend, for children, a branch.

Each choice is a set of the list's ordinary filters (``from``, ``to``, ``audience``,
``branch``), so it is a plain link that works without JavaScript. Days are the catalog zone's
local days, as for the date filters. A choice is current when the list shows exactly its
filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from ..localization import localized
from ..models import Branch
from ..timeutil import to_local
from .catalog import EventFilters, catalog_zone

SATURDAY = 5


@dataclass(frozen=True)
class QuickChoice:
    label: str
    filters: EventFilters
    current: bool = False


def weekend(today: date) -> tuple[date, date]:
    """The coming (or current) Saturday and Sunday; on a Sunday, that Sunday alone."""
    if today.weekday() == SATURDAY + 1:
        return today, today
    saturday = today + timedelta(days=SATURDAY - today.weekday())
    return saturday, saturday + timedelta(days=1)


def quick_choices(
    now: datetime, branches: list[Branch], shown: EventFilters | None
) -> list[QuickChoice]:
    """All events, today, this weekend, for children, then one choice per branch; the one
    equal to the ``shown`` filters (None: the filters were refused) is current."""
    today = to_local(now, catalog_zone()).date()
    saturday, sunday = weekend(today)
    choices = [
        (_("All events"), EventFilters()),
        (_("Today"), EventFilters(date_from=today, date_to=today)),
        (_("This weekend"), EventFilters(date_from=saturday, date_to=sunday)),
        (_("For children"), EventFilters(audience="children")),
    ]
    choices += [
        (localized(branch, "name"), EventFilters(branch=branch.slug)) for branch in branches
    ]
    return [QuickChoice(label, filters, filters == shown) for label, filters in choices]

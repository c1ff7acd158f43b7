"""Demo data for the libraries of Almaty: branches, rooms and a season of events around today,
with reports (and drawn photos, see ``demo_pictures.py``) of the events that took place.

The season itself is data (``demo_season.json`` beside this file); this module gives it shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SEASON_FILE = Path(__file__).with_name("demo_season.json")


@dataclass(frozen=True)
class DemoVenue:
    name: str
    capacity: int
    accessibility_notes: str = ""
    translations: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DemoBranch:
    slug: str
    name: str
    address: str
    phone: str
    email: str
    venues: list[DemoVenue]
    translations: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DemoPhoto:
    scene: str  # a name in demo_pictures.SCENES
    alt: dict[str, str]  # what the drawing shows, in kk, ru and en


@dataclass(frozen=True)
class DemoReport:
    """The published report of a past demo event."""

    text: dict[str, str]  # Markdown in kk, ru and en
    photos: tuple[DemoPhoto, ...]
    show_attendance: bool = True


@dataclass(frozen=True)
class DemoEvent:
    branch: str
    venue: str
    title: str
    language: str
    category: str
    day: int  # days from today (local)
    start: str  # local HH:MM
    minutes: int
    audience: str = "all"
    description: str = ""
    ages: tuple[int, int] | None = None
    registration: str = "required"
    capacity: int = 0
    waitlist: bool = True
    max_party: int = 4
    taken: list[int] = field(default_factory=list)  # party sizes already registered
    translations: dict = field(default_factory=dict)
    # Titles this event had in earlier seasons: a database seeded then already holds it.
    former_titles: tuple[str, ...] = ()
    # For a past event: the parties (indexes in ``taken``) who did not come; the others were
    # checked in. A drop-in event has a head count instead.
    absent: tuple[int, ...] = ()
    headcount: int | None = None
    report: DemoReport | None = None


@dataclass(frozen=True)
class DemoSeries:
    """A weekly programme; ``weekday`` is MO..SU, or ``next_holiday`` for the weekday of the
    next public holiday (so that the demo shows a skipped holiday whatever today is)."""

    branch: str
    venue: str
    title: str
    language: str
    category: str
    start: str
    minutes: int
    weeks: int
    weekday: str
    audience: str = "all"
    description: str = ""
    ages: tuple[int, int] | None = None
    capacity: int = 0
    max_party: int = 4
    mode: str = "per_occurrence"
    registration: str = "required"
    waitlist: bool = True
    first_after_days: int = 1
    taken: list[int] = field(default_factory=list)
    translations: dict = field(default_factory=dict)


def _branch(spec: dict[str, Any]) -> DemoBranch:
    venues = [DemoVenue(**venue) for venue in spec["venues"]]
    return DemoBranch(**{**spec, "venues": venues})


def _report(spec: dict[str, Any] | None) -> DemoReport | None:
    if spec is None:
        return None
    photos = tuple(DemoPhoto(**photo) for photo in spec["photos"])
    return DemoReport(**{**spec, "photos": photos})


def _event(spec: dict[str, Any]) -> DemoEvent:
    ages = spec.get("ages")
    return DemoEvent(
        **{
            **spec,
            "ages": tuple(ages) if ages else None,
            "former_titles": tuple(spec.get("former_titles", ())),
            "absent": tuple(spec.get("absent", ())),
            "report": _report(spec.get("report")),
        }
    )


_season = json.loads(SEASON_FILE.read_text(encoding="utf-8"))
BRANCHES: list[DemoBranch] = [_branch(spec) for spec in _season["branches"]]
EVENTS: list[DemoEvent] = [_event(spec) for spec in _season["events"]]
DEMO_NAMES: list[str] = list(_season["names"])
SERIES: list[DemoSeries] = [
    DemoSeries(**{**spec, "ages": tuple(spec["ages"]) if spec.get("ages") else None})
    for spec in _season["series"]
]
CLOSURES: list[dict[str, str]] = list(_season["closures"])

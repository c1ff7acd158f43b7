"""Shared checks of iCalendar bodies with three independent parsers (icalendar, vobject, ical)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import icalendar
import vobject
from ical.calendar_stream import IcsCalendarStream


@dataclass
class ParsedEvent:
    uid: str
    summary: str
    description: str | None
    location: str | None
    start_utc: datetime
    end_utc: datetime
    sequence: int
    status: str | None


def _utc(moment: datetime) -> datetime:
    assert moment.tzinfo is not None, "a floating time"
    assert moment.utcoffset() is not None
    return moment.astimezone(UTC)


def parse_icalendar(body: bytes) -> list[ParsedEvent]:
    calendar = icalendar.Calendar.from_ical(body)
    return [
        ParsedEvent(
            uid=str(event["UID"]),
            summary=str(event["SUMMARY"]),
            description=str(event["DESCRIPTION"]) if "DESCRIPTION" in event else None,
            location=str(event["LOCATION"]) if "LOCATION" in event else None,
            start_utc=_utc(event.DTSTART),
            end_utc=_utc(event.DTEND),
            sequence=int(event["SEQUENCE"]),
            status=str(event["STATUS"]) if "STATUS" in event else None,
        )
        for event in calendar.walk("VEVENT")
    ]


def parse_vobject(body: bytes) -> list[ParsedEvent]:
    calendar = vobject.readOne(body.decode("utf-8"))
    events = []
    for event in calendar.contents.get("vevent", []):
        contents = event.contents
        events.append(
            ParsedEvent(
                uid=event.uid.value,
                summary=event.summary.value,
                description=event.description.value if "description" in contents else None,
                location=event.location.value if "location" in contents else None,
                start_utc=_utc(event.dtstart.value),
                end_utc=_utc(event.dtend.value),
                sequence=int(event.sequence.value),
                status=event.status.value if "status" in contents else None,
            )
        )
    return events


def parse_ical(body: bytes) -> list[ParsedEvent]:
    calendar = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    return [
        ParsedEvent(
            uid=event.uid,
            summary=event.summary,
            description=event.description,
            location=event.location,
            start_utc=_utc(event.dtstart),
            end_utc=_utc(event.dtend),
            sequence=event.sequence,
            status=event.status.value if event.status else None,
        )
        for event in calendar.events
    ]


PARSERS = {"icalendar": parse_icalendar, "vobject": parse_vobject, "ical": parse_ical}


def parse_all(body: bytes) -> dict[str, list[ParsedEvent]]:
    """Every parser's view of the body; they must agree on everything they read."""
    results = {name: parse(body) for name, parse in PARSERS.items()}
    reference = results["icalendar"]
    for name, events in results.items():
        assert events == reference, f"{name} reads the feed differently"
    return results


def physical_lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    lines = body[:-2].split(b"\r\n")
    for line in lines:
        assert b"\n" not in line and b"\r" not in line, "a bare line end"
    return lines


def unfolded(body: bytes) -> list[str]:
    return body.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "").split("\r\n")[:-1]


def property_lines(body: bytes, name: str) -> list[str]:
    pattern = re.compile(rf"^{re.escape(name)}[;:]")
    return [line for line in unfolded(body) if pattern.match(line)]


_private_names = itertools.count(1)


def with_private_zone_names(body: bytes) -> bytes:
    """Rename every TZID so that no parser can fall back on its own zone database.

    A new name each time: icalendar remembers a VTIMEZONE it has read by its TZID.
    """
    name = f"Library-Local/Almaty-{next(_private_names)}".encode()
    return body.replace(b"Asia/Almaty", name)


def clear_feed_caches() -> None:
    """Tests reuse ids and timestamps in fresh databases; caches must not carry over."""
    from calendar_app.public.feeds import body_cache, validator_memo
    from calendar_app.services import feed_text, ical

    ical.vevent_cache.clear()
    feed_text.plain_text.cache_clear()
    body_cache.clear()
    validator_memo.clear()

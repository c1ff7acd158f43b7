"""Reports written directly with the models, for the tests of the public news pages."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from PIL import Image as PILImage

from calendar_app.extensions import db
from calendar_app.models import Branch, Event, Report, ReportPhoto
from calendar_app.services import posters
from tests.factories import NOW, make_event

# Events in the past at NOW are created as staff would have, a month before.
CREATED = NOW - timedelta(days=60)


def photo_bytes(colour: tuple[int, int, int] = (30, 120, 200), size=(900, 600)) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def past_event(branch: Branch | None = None, days_ago: int = 3, **fields: Any) -> Event:
    """An event that started ``days_ago`` days before NOW."""
    return make_event(branch, starts_at=NOW - timedelta(days=days_ago), now=CREATED, **fields)


def make_report(
    event: Event,
    text: dict[str, str] | None = None,
    *,
    published: bool = True,
    show_attendance: bool = True,
    at: datetime | None = None,
) -> Report:
    at = at or event.ends_at + timedelta(hours=2)
    report = Report(
        event_id=event.id,
        text=text if text is not None else {event.language: f"How «{event.title}» went."},
        published=published,
        show_attendance=show_attendance,
        created_at=at,
        updated_at=at,
        published_at=at if published else None,
    )
    db.session.add(report)
    db.session.flush()
    return report


def add_photo(
    report: Report,
    alt: dict[str, str],
    *,
    position: int = 0,
    colour: tuple[int, int, int] = (30, 120, 200),
) -> ReportPhoto:
    image = posters.store_image(
        photo_bytes(colour),
        alt,
        report.event.language,
        current_app.config["UPLOADS_DIR"],
        report.created_at,
    )
    db.session.flush()
    photo = ReportPhoto(
        report_id=report.id,
        image_id=image.id,
        position=position,
        consent_confirmed_at=report.created_at,
        created_at=report.created_at,
    )
    db.session.add(photo)
    db.session.flush()
    return photo


_SIMPLE = re.compile(r"([a-z0-9*]*)((?:[.#][\w-]+|\[[\w-]+(?:=[^\]]+)?\])*)")
_PART = re.compile(r"([.#])([\w-]+)|\[([\w-]+)(?:=([^\]]+))?\]")


def _xpath(selector: str) -> str:
    """XPath for the few CSS selectors the tests use: tags, .class, #id, [attr], [attr=value],
    descendant and child (``>``) combinators."""
    path, axis = ".", "//"
    for token in selector.split():
        if token == ">":
            axis = "/"
            continue
        match = _SIMPLE.fullmatch(token)
        assert match, f"unsupported selector {token!r}"
        conditions = []
        for kind, name, attribute, wanted in _PART.findall(match[2]):
            if kind == ".":
                conditions.append(
                    f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"
                )
            elif kind == "#":
                conditions.append(f"@id='{name}'")
            elif wanted:
                conditions.append(f"@{attribute}='{wanted.strip(chr(34))}'")
            else:
                conditions.append(f"@{attribute}")
        path += axis + (match[1] or "*") + "".join(f"[{c}]" for c in conditions)
        axis = "//"
    return path


def select_all(element: Any, selector: str) -> list[Any]:
    """``element.cssselect(selector)`` without the cssselect package."""
    return element.xpath(_xpath(selector))

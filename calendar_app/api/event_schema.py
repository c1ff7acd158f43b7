"""The JSON body of the staff API's event operations: shapes and types, nothing more.

``parse_event`` checks what JSON can get wrong (unknown fields, wrong types, times that are not
ISO 8601) and collects every problem at once; the rules about values (lengths, vocabularies,
ranges, rooms, overlaps) stay in services/events.py, whose messages ``api_errors`` files under
the API's field names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _

from .. import date_range
from ..services.errors import InvalidInput
from ..services.events import TRANSLATED_FIELDS, EventData
from ..timeutil import local_to_utc
from ..vocabulary import LANGUAGES

TEXT, INTEGER, BOOLEAN, TIME = "text", "integer", "boolean", "time"
# API field: (kind, may be null, the EventData field it sets). "translations" is parsed apart.
FIELDS: dict[str, tuple[str, bool, str]] = {
    "venue_id": (INTEGER, False, "venue_id"),
    "title": (TEXT, False, "title"),
    "description": (TEXT, False, "description"),
    "category": (TEXT, False, "category"),
    "audience": (TEXT, False, "audience"),
    "language": (TEXT, False, "language"),
    "start": (TIME, False, "starts_at"),
    "end": (TIME, False, "ends_at"),
    "registration": (TEXT, False, "registration"),
    "capacity": (INTEGER, False, "capacity"),
    "waitlist": (BOOLEAN, False, "waitlist_enabled"),
    "max_party": (INTEGER, False, "max_party"),
    "opens_at": (TIME, True, "opens_at"),
    "closes_at": (TIME, True, "closes_at"),
    "confirm_attendance_hours": (INTEGER, True, "confirm_attendance_hours"),
}
REQUIRED = (
    "venue_id",
    "title",
    "description",
    "category",
    "audience",
    "language",
    "start",
    "end",
    "registration",
    "capacity",
)
API_NAMES = {target: name for name, (_kind, _null, target) in FIELDS.items()}
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?", re.ASCII
)

Translations = dict[str, dict[str, str | None] | None]


@dataclass(frozen=True)
class EventChanges:
    """The fields a body sets, under EventData's names; times may still lack a zone."""

    values: dict[str, Any]
    translations: Translations | None = None  # a JSON merge patch of the translations

    @property
    def venue_id(self) -> int | None:
        return self.values.get("venue_id")

    def event_data(self, zone: str, base: EventData | None = None) -> EventData:
        """EventData with these changes over ``base`` (a new event when None); a time without
        an offset is a wall-clock time in ``zone``."""
        values = {
            name: _in_utc(value, zone) if isinstance(value, datetime) else value
            for name, value in self.values.items()
        }
        if self.translations is not None:
            current = base.translations if base is not None else {}
            values["translations"] = merge_translations(current, self.translations)
        return replace(base, **values) if base is not None else EventData(**values)


def _in_utc(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else local_to_utc(moment, zone)


def merge_translations(current: Mapping[str, Any], patch: Translations) -> dict:
    """RFC 7396 merge: a language or text set to null (or left empty) is removed."""
    merged = {code: dict(texts) for code, texts in current.items() if isinstance(texts, dict)}
    for code, texts in patch.items():
        if texts is None:
            merged.pop(code, None)
            continue
        kept = merged.setdefault(code, {})
        for name, text in texts.items():
            if text:
                kept[name] = text
            else:
                kept.pop(name, None)
        if not kept:
            del merged[code]
    return merged


def _field_key(name: object) -> str:
    """An unknown field's name as an error key: as sent, unless it is too odd to echo."""
    text = str(name)
    return text if text.isprintable() and 0 < len(text) <= 64 else "_"


def _parse_time(value: str) -> datetime | None:
    if not _ISO_DATETIME.fullmatch(value):
        return None
    try:
        moment = datetime.fromisoformat(value)  # a valid form, yet perhaps no real day or hour
    except ValueError:
        return None
    return moment if date_range.contains(moment) else None


def _parse_value(kind: str, value: object) -> tuple[object, str | None]:
    """The value if it has the kind's type, else an error message."""
    if kind == TEXT:
        return (value, None) if isinstance(value, str) else (None, _("This must be text."))
    if kind == BOOLEAN:
        return (value, None) if isinstance(value, bool) else (None, _("Give true or false."))
    if kind == INTEGER:
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        return None, _("Give a whole number.")
    moment = _parse_time(value) if isinstance(value, str) else None
    if moment is None:
        return None, _(
            "Give a date and time like 2026-06-10T15:00 (local time) or "
            "2026-06-10T15:00+05:00, between the years %(first)d and %(last)d.",
            first=date_range.FIRST_YEAR,
            last=date_range.LAST_YEAR,
        )
    return moment, None


def _parse_translations(value: object, add: Any) -> Translations | None:
    if value is None:  # null removes every translation
        return dict.fromkeys(LANGUAGES)
    if not isinstance(value, dict):
        add("translations", _("Give an object with a title and description per language."))
        return None
    parsed: Translations = {}
    for code, texts in value.items():
        where = f"translations.{_field_key(code)}"
        if code not in LANGUAGES:
            add(
                where, _("Unknown language. Use one of: %(allowed)s.", allowed=", ".join(LANGUAGES))
            )
        elif texts is None:
            parsed[code] = None
        elif not isinstance(texts, dict):
            add(where, _("Give an object with a title and description per language."))
        else:
            parsed[code] = {}
            for name, text in texts.items():
                if name not in TRANSLATED_FIELDS:
                    add(f"{where}.{_field_key(name)}", _("Unknown field."))
                elif text is not None and not isinstance(text, str):
                    add(f"{where}.{name}", _("This must be text."))
                else:
                    parsed[code][name] = text
    return parsed


def parse_event(body: Mapping[str, object], *, partial: bool) -> EventChanges:
    """The changes a JSON object asks for; InvalidInput naming every bad field otherwise.

    ``partial`` (PATCH) makes every field optional; else the REQUIRED ones must be there.
    """
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    values: dict[str, Any] = {}
    translations = None
    for name, raw in body.items():
        if name == "translations":
            translations = _parse_translations(raw, add)
        elif name not in FIELDS:
            add(_field_key(name), _("Unknown field."))
        elif raw is None:
            if FIELDS[name][1]:
                values[FIELDS[name][2]] = None
            else:
                add(name, _("This field cannot be empty."))
        else:
            value, problem = _parse_value(FIELDS[name][0], raw)
            if problem:
                add(name, problem)
            else:
                values[FIELDS[name][2]] = value
    if not partial:
        for name in REQUIRED:
            if name not in body:
                add(name, _("This field is required."))
    if errors:
        raise InvalidInput(errors)
    return EventChanges(values=values, translations=translations)


def api_errors(errors: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The service's messages under the API's field names (``title_kk`` is
    ``translations.kk.title``)."""
    renamed: dict[str, list[str]] = {}
    for name, messages in errors.items():
        head, _sep, code = name.rpartition("_")
        if head in TRANSLATED_FIELDS and code in LANGUAGES:
            key = f"translations.{code}.{head}"
        else:
            key = API_NAMES.get(name, name)
        renamed.setdefault(key, []).extend(messages)
    return renamed

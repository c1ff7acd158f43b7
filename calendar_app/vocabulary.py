"""The fixed vocabularies, defined once: languages, categories, audiences, the default zone,
and their human labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

LANGUAGES = ("kk", "ru", "en")
DEFAULT_TIMEZONE = "Asia/Almaty"


def language_code(value: object) -> str | None:
    """``kk``, ``ru`` or ``en`` from a tag in any case or region (``ru-RU``, ``KK_kz``), else None."""
    if not value or not isinstance(value, str):
        return None
    code = value.strip().lower()[:8].replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


CATEGORY_LABELS = {
    "book_presentation": _l("Book presentation"),
    "master_class": _l("Master class"),
    "author_meeting": _l("Meeting with an author"),
    "literary_analysis": _l("Literary analysis"),
    "exhibition": _l("Exhibition"),
    "concert": _l("Concert"),
    "business_meeting": _l("Business meeting"),
    "national_day": _l("National day"),
    "other": _l("Other"),
}

AUDIENCE_LABELS = {
    "children": _l("Children"),
    "teens": _l("Teenagers"),
    "adults": _l("Adults"),
    "families": _l("Families"),
    "all": _l("Everyone"),
}

LANGUAGE_LABELS = {
    "kk": _l("Kazakh"),
    "ru": _l("Russian"),
    "en": _l("English"),
}

LANGUAGE_NATIVE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

CATEGORIES = tuple(CATEGORY_LABELS)
AUDIENCES = tuple(AUDIENCE_LABELS)

"""Content in several languages: an event, branch or room may carry translations of its text.

``translations`` is ``{"ru": {"title": ..., "description": ...}, ...}``; the plain columns hold
the text in the language it was written in, which is the fallback.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context
from flask_babel import get_locale


def current_language() -> str:
    if has_request_context():
        locale = get_locale()
        if locale is not None:
            return str(locale)
    return current_app.config["DEFAULT_LOCALE"]


def localized(obj: Any, field: str, language: str | None = None) -> str:
    """``obj.<field>`` in ``language`` (default: the visitor's), else as written."""
    language = language or current_language()
    translated = ((getattr(obj, "translations", None) or {}).get(language) or {}).get(field)
    if isinstance(translated, str) and translated.strip():
        return translated
    return getattr(obj, field)


def shown_language(obj: Any, field: str, language: str | None = None) -> str:
    """The language ``localized`` shows ``obj.<field>`` in (for the ``lang`` attribute)."""
    language = language or current_language()
    translated = ((getattr(obj, "translations", None) or {}).get(language) or {}).get(field)
    if isinstance(translated, str) and translated.strip():
        return language
    return getattr(obj, "language", None) or current_app.config["DEFAULT_LOCALE"]

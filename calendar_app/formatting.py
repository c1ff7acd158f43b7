"""Template helpers: Jinja filters and globals (local times, links, Markdown, vocabulary labels)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, request

from .localization import localized, shown_language
from .services.rule_builder import describe_rule
from .sharing import OG_LOCALES, page_links
from .text import plain_excerpt, render_markdown
from .timeutil import (
    active_locale,
    format_day,
    format_local_date,
    format_local_datetime,
    format_local_time,
    to_local,
)
from .urls import absolute_url
from .vocabulary import (
    AUDIENCE_LABELS,
    CATEGORY_LABELS,
    LANGUAGE_LABELS,
    LANGUAGE_NATIVE_NAMES,
    LANGUAGES,
)


def local_iso(moment: datetime, zone: str) -> str:
    """ISO 8601 with the branch zone's offset, for ``<time datetime>``."""
    return to_local(moment, zone).isoformat()


def url_with(**changes: Any) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict()
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    query = urlencode(args)
    return request.path + ("?" + query if query else "")


def rule_in_words(rule: str) -> str | None:
    """A repetition rule in the active language, or None for one the builder does not make."""
    return describe_rule(rule, active_locale())


def webcal_url(url: str) -> str:
    for prefix in ("https://", "http://"):
        if url.startswith(prefix):
            return "webcal://" + url[len(prefix) :]
    return url


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["excerpt"] = plain_excerpt
    app.jinja_env.filters["local_iso"] = local_iso
    app.jinja_env.filters["local_datetime"] = format_local_datetime
    app.jinja_env.filters["local_date"] = format_local_date
    app.jinja_env.filters["local_time"] = format_local_time
    app.jinja_env.filters["day"] = format_day
    app.jinja_env.filters["rule_in_words"] = rule_in_words
    app.jinja_env.filters["webcal"] = webcal_url
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.filters["shown_language"] = shown_language
    app.jinja_env.globals.update(
        url_with=url_with,
        absolute_url=absolute_url,
        page_links=page_links,
        OG_LOCALES=OG_LOCALES,
        CATEGORY_LABELS=CATEGORY_LABELS,
        AUDIENCE_LABELS=AUDIENCE_LABELS,
        LANGUAGE_LABELS=LANGUAGE_LABELS,
        LANGUAGE_NATIVE_NAMES=LANGUAGE_NATIVE_NAMES,
        LANGUAGES=LANGUAGES,
    )

    @app.context_processor
    def inject_locale() -> dict[str, Any]:
        return {"current_locale": active_locale()}

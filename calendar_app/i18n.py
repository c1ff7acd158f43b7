"""Locale selection: explicit choice (remembered in a cookie), else Accept-Language, else default."""

from __future__ import annotations

from flask import current_app, g, has_request_context, request

SUPPORTED_LOCALES = ("kk", "ru", "en")
LOCALE_COOKIE = "lang"


def normalise_locale(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().lower()[:5].replace("_", "-").split("-")[0]
    return code if code in SUPPORTED_LOCALES else None


def select_locale() -> str:
    if not has_request_context():  # CLI commands, workers and direct service calls
        return current_app.config["DEFAULT_LOCALE"]
    cached = getattr(g, "locale", None)
    if cached:
        return cached
    chosen = normalise_locale(request.args.get("lang")) or normalise_locale(
        request.cookies.get(LOCALE_COOKIE)
    )
    if not chosen:
        try:
            chosen = request.accept_languages.best_match(SUPPORTED_LOCALES)
        except Exception:  # a malformed header must never break a page
            chosen = None
    locale = chosen or current_app.config["DEFAULT_LOCALE"]
    g.locale = locale
    return locale

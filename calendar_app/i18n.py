"""Languages: choosing the visitor's locale and keeping the compiled catalogs current.

The locale is the explicit choice (``?lang=``, remembered in a cookie), else the best match of
Accept-Language, else ``DEFAULT_LOCALE``. Unknown values fall back quietly.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Response, current_app, has_request_context, request

from .vocabulary import LANGUAGES, language_code

LOCALE_COOKIE = "lang"
LOCALE_COOKIE_MAX_AGE = 365 * 24 * 3600


def explicit_locale() -> str | None:
    """The language asked for in this request's query string, if it is a known one."""
    return language_code(request.args.get("lang"))


def select_locale() -> Locale:
    """Flask-Babel's locale selector. It answers a parsed Locale, one per language for the
    process, which Flask-Babel takes as it is instead of parsing the code on every request."""
    if not has_request_context():  # CLI commands, workers and direct service calls
        return _parsed(current_app.config["DEFAULT_LOCALE"])
    chosen = explicit_locale() or language_code(request.cookies.get(LOCALE_COOKIE))
    if not chosen:
        try:
            chosen = request.accept_languages.best_match(LANGUAGES)
        except Exception:  # a malformed header must never break a page
            chosen = None
    return _parsed(chosen or current_app.config["DEFAULT_LOCALE"])


@functools.cache
def _parsed(code: str) -> Locale:
    return Locale.parse(code)


def remember_choice(response: Response) -> Response:
    """Keep an explicit ``?lang=`` choice for the next visits (pages only, not the API, and
    not the publicly cacheable feeds or the /embed list, whose ``lang`` is the subscriber's or
    the embedding site's, not the visitor's)."""
    chosen = explicit_locale()
    if (
        chosen
        and not request.path.startswith("/api/")
        and not request.path.endswith((".ics", ".atom"))
        and request.path != "/embed"
        and request.cookies.get(LOCALE_COOKIE) != chosen
    ):
        response.set_cookie(
            LOCALE_COOKIE,
            chosen,
            max_age=LOCALE_COOKIE_MAX_AGE,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
        )
    return response


def compile_catalogs(directory: Path) -> None:
    """Compile each ``messages.po`` whose ``.mo`` is missing or older (atomic, process-safe)."""
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parent.parent.name)
        temporary = mo_path.with_name(f".messages.{os.getpid()}.mo")
        try:
            with temporary.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            os.replace(temporary, mo_path)
        except OSError:
            temporary.unlink(missing_ok=True)


def init_i18n(app: Flask) -> None:
    directory = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    if directory.is_dir():
        compile_catalogs(directory)
    app.after_request(remember_choice)

"""``GET /embed``: a compact list of upcoming events for an iframe on a library's own website.

``branch`` (a slug; absent: all branches), ``lang`` (kk, ru or en; absent: the visitor's
browser language) and ``limit`` (1 to 50, default 10). A bad value of any of them is a 400 that
says which. The page has no site header or navigation, its links open the event pages in a new
tab, it sets no cookie (not even the language choice: the language is the embedding site's), and
only ``EMBED_ALLOWED_ORIGINS`` may frame it (security_headers.py).
"""

from __future__ import annotations

from flask import Response, make_response, render_template, request
from flask_babel import gettext as _

from ..services import catalog
from ..services.catalog import EventFilters
from ..services.errors import InvalidInput
from ..sessions import mark_cookie_free
from ..timeutil import utcnow
from ..vocabulary import LANGUAGES, language_code
from . import bp

DEFAULT_LIMIT = 10
MAX_LIMIT = 50
CACHE_CONTROL = "public, max-age=300"


def parse_limit(raw: str | None) -> int:
    """``limit`` as a whole number from 1 to MAX_LIMIT (absent: DEFAULT_LIMIT)."""
    if raw is None:
        return DEFAULT_LIMIT
    if len(raw) <= 3 and raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_LIMIT:
        return int(raw)
    raise InvalidInput(
        {"limit": [_("limit must be a whole number from 1 to %(max)d.", max=MAX_LIMIT)]}
    )


def _check_language(raw: str | None) -> None:
    if raw is not None and language_code(raw) is None:
        raise InvalidInput(
            {"lang": [_("lang must be one of: %(codes)s.", codes=", ".join(LANGUAGES))]}
        )


def _response(body: str, status: int) -> Response:
    response = make_response(body, status)
    response.vary.add("Accept-Language")  # without ``lang`` the browser's language decides
    return mark_cookie_free(response)


@bp.get("/embed")
def embed() -> Response:
    branch = None
    try:
        _check_language(request.args.get("lang"))
        limit = parse_limit(request.args.get("limit"))
        filters = catalog.parse_filters({"branch": request.args.get("branch", "")})
    except InvalidInput as error:
        messages = [message for field in error.errors.values() for message in field]
        return _response(render_template("public/embed.html", errors=messages), 400)
    if filters.branch:
        branch = catalog.get_branch(filters.branch)
    result = catalog.list_events(
        EventFilters(branch=filters.branch), utcnow(), 1, limit, collapse_series=True
    )
    response = _response(render_template("public/embed.html", result=result, branch=branch), 200)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response

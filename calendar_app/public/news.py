"""The libraries' news: ``/news`` (published reports of past events) and its Atom feed.

A bad ``branch`` or ``page`` is a 400 page naming what is wrong; a page past the end a 404.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.http import http_date

from ..localization import current_language, localized
from ..models import Branch, Event
from ..page_cache import cached_page
from ..services import catalog, news, news_atom
from ..services.errors import InvalidInput
from ..services.feed_queries import parse_feed_language
from ..sessions import mark_cookie_free
from ..timeutil import utcnow
from ..urls import absolute_url
from . import bp
from .feeds import not_modified


def _branch_argument() -> Branch | None:
    try:
        return news.parse_branch(request.args.get("branch"))
    except InvalidInput as error:
        abort(400, description=error.message)


def _page_argument() -> int:
    try:
        return catalog.parse_page(request.args.get("page"))
    except InvalidInput as error:
        abort(400, description=error.message)


@bp.get("/news")
@cached_page
def news_list() -> Any:
    """Published reports, newest event first, a page at a time."""
    branch = _branch_argument()
    page = _page_argument()
    result = news.news_page(utcnow(), current_language(), page=page, branch=branch)
    if result.page > result.pages:
        abort(404, description=_("This page of the list is empty; go back to the first page."))
    return render_template(
        "public/news.html",
        result=result,
        branch=branch,
        branches=catalog.list_branches(),
    )


@bp.get("/news.atom")
def news_feed() -> Response:
    """The news as Atom; ``lang`` falls back quietly to the default, an unknown branch is a
    400. Conditional requests get a 304 when the body would be the same."""
    try:
        branch = news.parse_branch(request.args.get("branch"))
    except InvalidInput as error:
        return Response(error.message + "\n", status=400, content_type="text/plain; charset=utf-8")
    language = parse_feed_language(request.args, current_app.config["DEFAULT_LOCALE"])
    now = utcnow()
    items = news.feed_items(now, language, branch)
    slug = branch.slug if branch else None
    args = {"lang": language, **({"branch": slug} if slug else {})}
    with force_locale(language):
        parts = [localized(branch, "name", language)] if branch else []
        title = " · ".join([*parts, _("News"), _("Almaty libraries")])

    def event_url(event: Event) -> str:
        return absolute_url(url_for("public.event_detail", event_id=event.id, lang=language))

    def branch_url(event: Event) -> str:
        return absolute_url(url_for("public.branch_detail", slug=event.branch.slug, lang=language))

    body = news_atom.build_feed(
        items,
        title=title,
        language=language,
        branch_slug=slug,
        uid_domain=current_app.config["UID_DOMAIN"],
        links=news_atom.FeedLinks(
            self_url=absolute_url(url_for("public.news_feed", **args)),
            page_url=absolute_url(url_for("public.news_list", **args)),
            event_url=event_url,
            branch_url=branch_url,
        ),
    )
    etag = hashlib.sha256(body).hexdigest()[:32]
    updated = news.feed_last_modified(now, branch) or news_atom.EMPTY_FEED_UPDATED
    headers = {
        "ETag": f'"{etag}"',
        "Last-Modified": http_date(updated),
        "Cache-Control": "public, no-cache",
    }
    if not_modified((etag,), updated, now):
        return mark_cookie_free(Response(status=304, headers=headers))
    return mark_cookie_free(Response(body, headers=headers, content_type=news_atom.CONTENT_TYPE))


@bp.app_template_global()
def news_feed_path(branch: Branch | None = None) -> str:
    """The Atom feed of the news page being shown, in its language."""
    args = {"lang": current_language()}
    if branch is not None:
        args["branch"] = branch.slug
    return url_for("public.news_feed", **args)

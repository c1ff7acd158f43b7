"""Render once, serve many: the public pages and JSON lists that anonymous visitors ask for,
kept per worker process while nothing they show can have changed.

A kept answer is used again only when all of these still hold:

- the content version (calendar_app/content_version.py) is the one it was rendered at, so no
  commit has changed any event, seat, room, branch, series, report or picture since, in any
  process;
- the clock is in the same whole second, so nothing that depends on the time (a registration
  window opening, an event starting, "today") can be more than a second late; the moments
  staff set are whole minutes, so a page rendered just before one is never used after it. This
  also bounds what a change made outside the application (by hand in psql, a restored backup),
  which moves no version, can leave behind: a page kept in the second before it;
- the request asks the same thing: the same endpoint, path, query string, host and the
  language the page is shown in;
- the visitor carries nothing the page would show: no staff login, no flashed message, no
  typed-in form (a session holding only its form token qualifies).

What the pipeline adds around the view (security headers, the language cookie, compression,
the session cookie, logs and metrics) still runs on every request. The one piece of a page
that belongs to a visitor, the token of its forms, is left as a placeholder in the kept body
and filled in with the visitor's own token each time.

Answers are kept in a least-recently-used store of at most ``PAGE_CACHE_BYTES`` bytes per
worker (0 turns the cache off), so a flood of distinct query strings only pushes old pages
out.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from flask import Flask, Response, current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from .caches import LockedCache
from .content_version import content_version
from .extensions import db
from .localization import current_language
from .operations.metrics import observe_page_cache
from .timeutil import utcnow

# Session keys that do not change what a page shows (the form token is filled in per visitor).
HARMLESS_SESSION_KEYS = frozenset({"csrf_token", "_permanent"})
CSRF_FIELD = "csrf_token"
_PLACEHOLDER = "\x00form-token\x00"
_PLACEHOLDER_BYTES = _PLACEHOLDER.encode()
# The view's own headers are kept with its body (the pipeline adds the others every time).
_RECOMPUTED_HEADERS = frozenset({"content-length"})


@dataclass(frozen=True)
class KeptAnswer:
    version: int
    second: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    has_form_token: bool

    def __len__(self) -> int:
        """Roughly the bytes it holds: the body and a little for the rest."""
        return len(self.body) + 256


class KeptPages:
    """The worker's kept answers, least recently used first out, counting how many requests
    were served from them (``served``) and how many had to be rendered (``rendered``)."""

    def __init__(self, limit_bytes: int) -> None:
        self.limit_bytes = limit_bytes
        self._answers: LockedCache[KeptAnswer] = LockedCache(
            LRUCache(maxsize=limit_bytes, getsizeof=len)
        )
        self.served = 0
        self.rendered = 0

    def fresh(self, key: tuple, version: int, second: int) -> KeptAnswer | None:
        """The answer kept under ``key`` if it is still valid; ``key[0]`` is the endpoint."""
        kept = self._answers.get(key)
        if kept is not None and kept.version == version and kept.second == second:
            self.served += 1
            observe_page_cache(key[0], True)
            return kept
        self.rendered += 1
        observe_page_cache(key[0], False)
        return None

    def keep(self, key: tuple, answer: KeptAnswer) -> None:
        if len(answer) <= self.limit_bytes:  # a page larger than the whole store is not kept
            self._answers.put(key, answer)

    @property
    def size(self) -> int:
        return self._answers.size


def init_page_cache(app: Flask) -> None:
    limit = app.config["PAGE_CACHE_BYTES"]
    app.extensions["page_cache"] = KeptPages(limit) if limit > 0 else None


def _store() -> KeptPages | None:
    return current_app.extensions.get("page_cache")


def _visitor_is_anonymous() -> bool:
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return False
    return all(key in HARMLESS_SESSION_KEYS for key in session)


def _answer(kept: KeptAnswer) -> Response:
    body = kept.body
    if kept.has_form_token:
        body = body.replace(_PLACEHOLDER_BYTES, generate_csrf().encode())
    return current_app.response_class(body, headers=kept.headers)


def cached_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Keep the view's 200 answers for anonymous visitors as the module docstring says."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        store = _store()
        if (
            store is None
            or request.method not in ("GET", "HEAD")
            or db.session().in_transaction()  # its snapshot may be older than the version
            or not _visitor_is_anonymous()
        ):
            return view(*args, **kwargs)
        key = (
            request.endpoint,
            request.path,
            request.query_string,
            request.host,
            current_language(),
        )
        version = content_version()
        if version is None:
            return view(*args, **kwargs)
        second = int(utcnow().timestamp())
        kept = store.fresh(key, version, second)
        if kept is not None:
            return _answer(kept)

        setattr(g, CSRF_FIELD, _PLACEHOLDER)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        finally:
            g.pop(CSRF_FIELD, None)
        if response.direct_passthrough or response.is_streamed:
            return response
        body = response.get_data()
        has_form_token = _PLACEHOLDER_BYTES in body
        if (
            response.status_code == 200
            and not session.modified
            and "Set-Cookie" not in response.headers
        ):
            headers = tuple(
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in _RECOMPUTED_HEADERS
            )
            kept = KeptAnswer(version, second, body, headers, has_form_token)
            store.keep(key, kept)
        if has_form_token:
            response.set_data(body.replace(_PLACEHOLDER_BYTES, generate_csrf().encode()))
        return response

    return wrapper

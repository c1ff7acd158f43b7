"""The session cookie, and public responses that must not vary with it.

Flask adds ``Vary: Cookie`` to any response whose request looked at the session, and
Flask-Login looks on every request. A response marked with :func:`mark_cookie_free` (the
public feeds, which read nothing from cookies: their language comes from ``?lang=`` alone)
drops that again, so shared caches keep one copy for everyone.
"""

from __future__ import annotations

from flask import Flask, Response
from flask.sessions import SecureCookieSessionInterface, SessionMixin

_COOKIE_FREE = "cookie_free"


def mark_cookie_free(response: Response) -> Response:
    setattr(response, _COOKIE_FREE, True)
    return response


class PublicAwareSessionInterface(SecureCookieSessionInterface):
    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if getattr(response, _COOKIE_FREE, False) and not session.modified:
            return  # neither a cookie nor Vary: Cookie for a cookie-free response
        super().save_session(app, session, response)

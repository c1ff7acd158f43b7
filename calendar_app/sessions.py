"""The session cookie, and public responses that must not vary with it.

Flask adds ``Vary: Cookie`` to any response whose request looked at the session, and
Flask-Login looks on every request. A response marked with :func:`mark_cookie_free` (the
public feeds, which read nothing from cookies: their language comes from ``?lang=`` alone)
drops that again, so shared caches keep one copy for everyone.

Most requests (feeds, anonymous pages) come without a session cookie: they get an empty
session without building a signing serializer, and the serializer, which depends only on the
secret keys, is built once per set of keys rather than on every request that needs it.
"""

from __future__ import annotations

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import URLSafeTimedSerializer

_COOKIE_FREE = "cookie_free"


def mark_cookie_free(response: Response) -> Response:
    setattr(response, _COOKIE_FREE, True)
    return response


class PublicAwareSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        try:
            return self._serializers[keys]
        except KeyError:
            serializer = super().get_signing_serializer(app)
            self._serializers = {keys: serializer}  # only the current keys are ever needed
            return serializer

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if getattr(response, _COOKIE_FREE, False) and not session.modified:
            return  # neither a cookie nor Vary: Cookie for a cookie-free response
        super().save_session(app, session, response)

"""gzip for responses when no proxy in front compresses them (the quick start serves gunicorn
directly; the nginx site in deploy/nginx compresses as well, and either is enough).

Flask-Compress does the work, with gzip alone: the iCal feeds gzip their own bodies with an ETag
per encoding (public/feeds.py), and a response that already carries ``Content-Encoding`` is left
alone, so the feeds' validators and 304s stay theirs. Only complete ``200`` bodies are
compressed (never a ``206`` range of the plain file), and only for clients whose
``Accept-Encoding`` really accepts gzip (``gzip;q=0`` refuses it). Every response says
``Vary: Accept-Encoding``.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress

COMPRESSED_TYPES = (
    "text/html",
    "text/css",
    "text/plain",
    "text/calendar",
    "text/csv",
    "application/javascript",
    "text/javascript",
    "application/json",
    "application/xml",
    "text/xml",
    "image/svg+xml",
)
MIN_SIZE = 512  # bytes; smaller bodies gain nothing worth the work


class _GzipOnly(Compress):
    def after_request(self, response: Response | None) -> Response:
        if response is not None and (
            response.status_code != 200 or not request.accept_encodings["gzip"]
        ):
            response.vary.add("Accept-Encoding")
            return response
        return super().after_request(response)


def init_compression(app: Flask) -> None:
    app.config.setdefault("COMPRESS_MIMETYPES", list(COMPRESSED_TYPES))
    app.config.setdefault("COMPRESS_ALGORITHM", ["gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["gzip"])
    app.config.setdefault("COMPRESS_MIN_SIZE", MIN_SIZE)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    _GzipOnly(app)

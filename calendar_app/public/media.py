"""Uploaded pictures, served from UPLOADS_DIR under their content-hashed names: a name never
changes its content, so browsers and proxies may keep them for a year."""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, current_app, send_from_directory

from ..services.posters import FILE_NAME, MIME_TYPES
from . import bp

YEAR = 31_536_000


@bp.get("/media/<name>")
def media(name: str) -> Response:
    match = FILE_NAME.match(name)
    if match is None:
        abort(404)
    directory = Path(current_app.config["UPLOADS_DIR"])
    if not (directory / name).is_file():
        abort(404)
    response = send_from_directory(
        directory, name, mimetype=MIME_TYPES[match["ext"]], max_age=YEAR, conditional=True
    )
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response

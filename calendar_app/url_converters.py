"""URL converters: ``<id:name>`` matches only numbers that can be a row's id.

A number past PostgreSQL's integer (or 0) names nothing, so such a URL is a 404 before any
view or query runs, on every route that takes an id.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map

from .services.validation import MAX_DATABASE_ID


class IdConverter(IntegerConverter):
    """Digits only, 1 to 2^31-1 (``<id:...>`` would match any size)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_DATABASE_ID)


def register_converters(app: Flask) -> None:
    """Before any blueprint is registered: their rules are compiled against these."""
    app.url_map.converters["id"] = IdConverter

"""Absolute links for mail, feeds and the API."""

from __future__ import annotations

from flask import current_app


def absolute_url(path: str) -> str:
    """A link built from BASE_URL, never from the request's Host header."""
    return current_app.config["BASE_URL"] + path

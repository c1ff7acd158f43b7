"""Security headers on every response: the Content-Security-Policy and its companions.

The policy allows nothing but this site's own files: no inline scripts, no ``style``
attributes, no event-handler attributes. Templates pass data to scripts through ``data-*``
attributes, and draw bars and meters as SVG (presentation attributes are not styles); the QR
code is inline SVG too, so images need no ``data:`` source.

Pages may not be framed, except those under ``/embed``: the library's own websites, listed in
``EMBED_ALLOWED_ORIGINS`` (space-separated origins), may show them in an iframe.
"""

from __future__ import annotations

import re
from functools import lru_cache

from flask import Flask, Response, current_app, request

EMBED_PATH = "/embed"
BASE_POLICY = (
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
)
# scheme://host[:port], the host a DNS name, an IPv4 address or a bracketed IPv6 address.
_ORIGIN = re.compile(r"https?://(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")


def parse_origins(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``EMBED_ALLOWED_ORIGINS`` as a tuple of origins; raises ValueError for anything else
    (a path, a wildcard, a quote or a ``;`` would change the meaning of the policy)."""
    if value is None:
        return ()
    items = value.split() if isinstance(value, str) else [str(item) for item in value]
    for item in items:
        if not _ORIGIN.fullmatch(item):
            raise ValueError(f"EMBED_ALLOWED_ORIGINS: not an origin like https://host: {item!r}")
    return tuple(item.rstrip("/") for item in items)


def is_embed_path(path: str) -> bool:
    return path == EMBED_PATH or path.startswith(EMBED_PATH + "/")


def content_security_policy(path: str, embed_origins: tuple[str, ...]) -> str:
    """The policy for a response to ``path``."""
    return _policy(is_embed_path(path), embed_origins)


@lru_cache(maxsize=16)
def _policy(embed: bool, embed_origins: tuple[str, ...]) -> str:
    if embed:
        frame_ancestors = " ".join(("frame-ancestors", "'self'", *embed_origins))
    else:
        frame_ancestors = "frame-ancestors 'none'"
    return "; ".join((*BASE_POLICY, frame_ancestors))


def add_security_headers(response: Response) -> Response:
    config = current_app.config
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(
        request.path, config["EMBED_ALLOWED_ORIGINS"]
    )
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", "same-origin")
    if config["BASE_URL"].startswith("https://"):
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def init_security_headers(app: Flask) -> None:
    app.config["EMBED_ALLOWED_ORIGINS"] = parse_origins(app.config.get("EMBED_ALLOWED_ORIGINS"))
    app.after_request(add_security_headers)

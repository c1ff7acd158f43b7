"""Text written by staff (event and branch descriptions): Markdown in, safe HTML out.

Markdown is rendered with ``mistune`` (CommonMark, as the calendar text in services/feed_text.py)
and the result is sanitised with ``nh3``: only a small set of formatting tags survives, links
keep only http(s)/mailto/tel targets and get ``rel="nofollow noopener noreferrer"``, headings are
shifted down so that a description never competes with the page's own ``h1``/``h2``. Raw HTML
typed by staff is escaped, not interpreted.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import mistune
import nh3
from markupsafe import Markup
from mistune.renderers.html import HTMLRenderer
from mistune.util import safe_entity

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "b",
        "i",
        "ul",
        "ol",
        "li",
        "a",
        "blockquote",
        "code",
        "pre",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})
_HEADING = re.compile(r"<(/?)h([1-6])>")


class _Renderer(HTMLRenderer):
    """mistune's HTML with raw HTML shown as text, but entity references (``&amp;``) still
    read as the characters they name, as in any other Markdown text."""

    def text(self, text: str) -> str:
        return safe_entity(text)


# Every link target is passed on as written: nh3 alone decides which schemes stay (mistune would
# replace the others with a "#harmful-link" of its own).
_markdown = mistune.create_markdown(renderer=_Renderer(escape=True, allow_harmful_protocols=True))

CACHE_SIZE = 1024  # rendered texts kept per process; descriptions change rarely


def render_markdown(source: str | None) -> Markup:
    """Sanitised HTML for a Markdown text (an empty Markup for nothing)."""
    if not source or not source.strip():
        return Markup("")
    return _render_markdown(source)


@lru_cache(maxsize=CACHE_SIZE)
def _render_markdown(source: str) -> Markup:
    """Rendering is pure and costs milliseconds, so results are kept by their source text."""
    text = unicodedata.normalize("NFC", source)
    html = _markdown(text)
    html = _HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 2, 6)}>", html)
    cleaned = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(cleaned)


def plain_excerpt(source: str | None, limit: int = 200) -> str:
    """The first words of a Markdown text as plain text, for cards and meta descriptions."""
    if not source:
        return ""
    return _plain_excerpt(source, limit)


@lru_cache(maxsize=CACHE_SIZE)
def _plain_excerpt(source: str, limit: int) -> str:
    html = _markdown(unicodedata.normalize("NFC", source))
    text = " ".join(nh3.clean(html, tags=set()).split())
    text = Markup(text).unescape()
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.;:–-") + "…"

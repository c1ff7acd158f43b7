"""What a page tells link previews and search engines: its canonical address, the same page in
the other languages, and the picture a shared link shows.

Every language version of a page has an address of its own, ``?lang=kk|ru|en`` (the plain
address negotiates the language, so it is the ``x-default``). Links are absolute, built from
BASE_URL. Only the public pages worth finding get them (``INDEXABLE_ENDPOINTS``), never a
visitor's registration pages, the staff side or an error page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import request, url_for
from flask_babel import force_locale

from .images import absolute_image_url, alt_text
from .models import Event, Image
from .urls import absolute_url
from .vocabulary import CATEGORIES, CATEGORY_LABELS, LANGUAGES

OG_LOCALES = {"kk": "kk_KZ", "ru": "ru_RU", "en": "en_US"}
INDEXABLE_ENDPOINTS = frozenset(
    {
        "public.index",
        "public.month_calendar",
        "public.branch_list",
        "public.branch_detail",
        "public.event_detail",
        "public.news_list",
    }
)
PLACEHOLDER_SIZE = (1200, 630)  # the 1.91:1 that link previews show uncropped


@dataclass(frozen=True)
class LanguageLink:
    hreflang: str  # kk, ru, en or x-default
    url: str


@dataclass(frozen=True)
class PageLinks:
    canonical: str
    alternates: tuple[LanguageLink, ...]


@dataclass(frozen=True)
class ShareImage:
    url: str  # absolute
    width: int
    height: int
    alt: str
    mime_type: str


def language_url(language: str | None) -> str:
    """This page's absolute address in ``language`` (None: without ``lang``, negotiated).

    The other query arguments stay, in a stable order, so each page has one address per language.
    """
    args = sorted((key, value) for key, value in request.args.items(multi=True) if key != "lang")
    if language:
        args.append(("lang", language))
    query = urlencode(args)
    return absolute_url(request.path + ("?" + query if query else ""))


def page_links(language: str) -> PageLinks | None:
    """Canonical and hreflang links of the current page, None for pages not to be indexed."""
    if request.endpoint not in INDEXABLE_ENDPOINTS:
        return None
    alternates = [LanguageLink(code, language_url(code)) for code in LANGUAGES]
    alternates.append(LanguageLink("x-default", language_url(None)))
    return PageLinks(canonical=language_url(language), alternates=tuple(alternates))


def placeholder_path(category: str) -> str:
    """The neutral picture of a category, under static/ (drawn by
    scripts/make-share-placeholders.py)."""
    return f"img/share/{category if category in CATEGORIES else 'other'}.png"


def photo_share_image(image: Image, language: str) -> ShareImage:
    """A stored picture (a poster, a report's lead photo): its largest size, JPEG, with its
    description in ``language``."""
    return ShareImage(
        url=absolute_image_url(image),
        width=image.width,
        height=image.height,
        alt=alt_text(image, language),
        mime_type="image/jpeg",
    )


def share_image(event: Event, language: str) -> ShareImage:
    """The picture a shared link to ``event`` shows, and search engines take for it.

    The event's poster (its largest size, JPEG, with its description in ``language``) when it
    has one; else the neutral picture of its category.
    """
    if event.poster is not None:
        return photo_share_image(event.poster, language)
    with force_locale(language):
        alt = str(CATEGORY_LABELS.get(event.category, CATEGORY_LABELS["other"]))
    width, height = PLACEHOLDER_SIZE
    return ShareImage(
        url=absolute_url(url_for("static", filename=placeholder_path(event.category))),
        width=width,
        height=height,
        alt=alt,
        mime_type="image/png",
    )

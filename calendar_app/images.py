"""Addresses of a stored picture's files, for pages, the API and link previews."""

from __future__ import annotations

from flask import Flask, url_for

from .models import Image
from .services.posters import file_name
from .urls import absolute_url
from .vocabulary import CATEGORIES

PLACEHOLDER_BOX = (160, 200)  # width and height of a category's placeholder: a poster's 4:5


def image_url(image: Image, width: int | None = None, extension: str = "jpg") -> str:
    """The site-relative address of one size (the largest when ``width`` is None)."""
    return url_for("public.media", name=file_name(image.key, width or image.width, extension))


def image_srcset(image: Image, extension: str) -> str:
    return ", ".join(f"{image_url(image, width, extension)} {width}w" for width in image.widths)


def absolute_image_url(image: Image) -> str:
    return absolute_url(image_url(image))


def alt_text(image: Image, language: str) -> str:
    """The description in ``language``, else in another language that has one."""
    alt = image.alt or {}
    return alt.get(language) or next((text for text in alt.values() if text), "")


def height_at(image: Image, width: int) -> int:
    """The height of the size ``width`` wide (for the width and height attributes)."""
    return max(1, round(image.height * width / image.width))


def placeholder_path(category: str) -> str:
    """The neutral picture of a category shown in a poster's place, under static/ (drawn by
    scripts/make-share-placeholders.py, in the 4:5 box of PLACEHOLDER_BOX)."""
    return f"img/placeholder/{category if category in CATEGORIES else 'other'}.svg"


def register_image_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        image_url=image_url,
        image_srcset=image_srcset,
        poster_alt=alt_text,
        image_height=height_at,
        placeholder_path=placeholder_path,
        PLACEHOLDER_BOX=PLACEHOLDER_BOX,
    )

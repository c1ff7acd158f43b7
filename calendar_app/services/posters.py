"""Posters: an uploaded picture is checked by its content, re-encoded without any metadata into a
few widths as WebP and JPEG, and stored under UPLOADS_DIR by the hash of what was uploaded.

Nothing is written before everything has been checked: a refused upload leaves no file and no
row. Files are never overwritten in place (the same content gives the same name), so a served
file never changes and can be cached for a year.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy import event as sqlalchemy_events
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Event, Image, ReportPhoto, Series
from ..vocabulary import LANGUAGES
from .errors import DomainError, InvalidInput
from .validation import has_control_characters

MAX_BYTES = 10 * 2**20
MAX_PIXELS = 40_000_000
WIDTHS = (320, 640, 1200)
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
FORMATS = {"webp": ("WEBP", {"quality": 82, "method": 4}), "jpg": ("JPEG", {"quality": 85})}
MIME_TYPES = {"webp": "image/webp", "jpg": "image/jpeg"}
MAX_ALT_LENGTH = 300
STALE_FILES = "posters.stale_files"  # key in Session.info: files to delete after the commit
FILE_NAME = re.compile(r"^(?P<key>[0-9a-f]{32})-(?P<width>[0-9]{1,4})\.(?P<ext>webp|jpg)$")

# Pillow refuses to decode more than this (a warning up to twice as much, which we make an error).
PILImage.MAX_IMAGE_PIXELS = MAX_PIXELS


class ImageTooLarge(DomainError):
    """More bytes than a poster may have (413)."""

    http_status = 413


@dataclass(frozen=True)
class ProcessedImage:
    key: str
    width: int
    height: int
    widths: tuple[int, ...]
    files: dict[str, bytes]  # file name -> content


def file_name(key: str, width: int, extension: str) -> str:
    return f"{key}-{width}.{extension}"


def _not_acceptable() -> InvalidInput:
    return InvalidInput(
        {"image": [_("Upload a JPEG, PNG or WebP picture of at most 40 megapixels.")]}
    )


def _decode(data: bytes) -> PILImage.Image:
    """The picture in ``data`` fully decoded, or InvalidInput: not an image, another format,
    truncated or corrupt, or more pixels than allowed."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            picture = PILImage.open(io.BytesIO(data))
            if picture.format not in ACCEPTED_FORMATS:
                raise _not_acceptable()
            width, height = picture.size
            if width < 1 or height < 1 or width * height > MAX_PIXELS:
                raise _not_acceptable()
            picture.load()
    except InvalidInput:
        raise
    except (
        UnidentifiedImageError,
        PILImage.DecompressionBombError,
        PILImage.DecompressionBombWarning,
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
    ):
        raise _not_acceptable() from None
    return picture


def _to_srgb(picture: PILImage.Image) -> PILImage.Image:
    """Colours converted from an embedded ICC profile to sRGB, then RGB without alpha (a
    transparent background becomes white)."""
    profile = picture.info.get("icc_profile")
    if profile and picture.mode in ("RGB", "CMYK", "L"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            picture = ImageCms.profileToProfile(
                picture, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken or mismatched profile: keep the pixels as they are
    if picture.mode in ("RGBA", "LA", "PA") or (
        picture.mode == "P" and "transparency" in picture.info
    ):
        picture = picture.convert("RGBA")
        background = PILImage.new("RGBA", picture.size, (255, 255, 255, 255))
        picture = PILImage.alpha_composite(background, picture)
    return picture.convert("RGB")


def _encode(picture: PILImage.Image, extension: str) -> bytes:
    fmt, options = FORMATS[extension]
    clean = PILImage.new("RGB", picture.size)  # a fresh image carries no info (EXIF, XMP, ICC)
    clean.paste(picture)
    out = io.BytesIO()
    clean.save(out, fmt, **options)
    return out.getvalue()


def process(data: bytes) -> ProcessedImage:
    """Check and re-encode an uploaded picture; nothing is stored here."""
    if len(data) > MAX_BYTES:
        raise ImageTooLarge(_("A picture may have at most 10 MB."), field="image")
    if not data:
        raise InvalidInput({"image": [_("Choose a picture to upload.")]})
    picture = _decode(data)
    try:
        picture = ImageOps.exif_transpose(picture)
        picture = _to_srgb(picture)
    except (OSError, ValueError, SyntaxError):
        raise _not_acceptable() from None
    key = hashlib.sha256(data).hexdigest()[:32]
    full_width, full_height = picture.size
    widths = tuple(sorted({w for w in WIDTHS if w < full_width} | {min(full_width, WIDTHS[-1])}))
    files: dict[str, bytes] = {}
    for width in widths:
        height = max(1, round(full_height * width / full_width))
        sized = (
            picture if width == full_width else picture.resize((width, height), PILImage.LANCZOS)
        )
        for extension in FORMATS:
            files[file_name(key, width, extension)] = _encode(sized, extension)
    largest = widths[-1]
    return ProcessedImage(
        key=key,
        width=largest,
        height=max(1, round(full_height * largest / full_width)),
        widths=widths,
        files=files,
    )


def clean_alt(alt: dict[str, str | None], required_language: str) -> dict[str, str]:
    """Alt text per language, trimmed, without control characters: at least one is required (a
    missing one is reported on ``required_language``'s field, the event's language)."""
    cleaned = {code: (alt.get(code) or "").strip() for code in LANGUAGES}
    errors: dict[str, list[str]] = {}
    for code, text in cleaned.items():
        if len(text) > MAX_ALT_LENGTH:
            errors[f"alt_{code}"] = [
                _("Keep the description under %(max)d characters.", max=MAX_ALT_LENGTH)
            ]
        elif has_control_characters(text):
            errors[f"alt_{code}"] = [_("Remove the control characters.")]
    if not any(cleaned.values()):
        errors[f"alt_{required_language}"] = [
            _("Describe the picture for those who cannot see it, in at least one language.")
        ]
    if errors:
        raise InvalidInput(errors)
    return {code: text for code, text in cleaned.items() if text}


def _write(directory: Path, files: dict[str, bytes]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        target = directory / name
        if target.exists():
            continue
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def store_image(
    data: bytes,
    alt: dict[str, str | None],
    required_language: str,
    uploads_dir: str,
    now: datetime,
) -> Image:
    """Check, re-encode and store a picture with its descriptions (posters and report photos);
    adds the Image row to the session. Nothing is written when anything is refused."""
    alt_text = clean_alt(alt, required_language)
    processed = process(data)
    _write(Path(uploads_dir), processed.files)
    image = Image(
        key=processed.key,
        width=processed.width,
        height=processed.height,
        widths=list(processed.widths),
        alt=alt_text,
        created_at=now,
    )
    db.session.add(image)
    return image


def set_poster(
    event: Event, data: bytes, alt: dict[str, str | None], uploads_dir: str, now: datetime
) -> Image:
    """Give ``event`` the poster in ``data`` (replacing any it had); flushes."""
    image = store_image(data, alt, event.language, uploads_dir, now)
    old = event.poster
    event.poster = image
    db.session.flush()
    if old is not None:
        forget_image(old, uploads_dir)
    return image


def remove_poster(event: Event, uploads_dir: str) -> None:
    """Take the poster off ``event`` (nothing if it has none); flushes."""
    old = event.poster
    if old is None:
        return
    event.poster = None
    db.session.flush()
    forget_image(old, uploads_dir)


def series_language(series: Series) -> str:
    """The language a series' poster must at least be described in: that of its first date."""
    first = series.events[0] if series.events else None
    return first.language if first is not None else LANGUAGES[0]


def set_series_poster(
    series: Series, data: bytes, alt: dict[str, str | None], uploads_dir: str, now: datetime
) -> Image:
    """Give ``series`` the poster in ``data``; every date of it without a poster of its own, or
    showing the series' previous poster, shows the new one (a date's own poster stays). Flushes."""
    image = store_image(data, alt, series_language(series), uploads_dir, now)
    old = series.poster
    series.poster = image
    for occurrence in series.events:
        if occurrence.poster_id is None or (old is not None and occurrence.poster_id == old.id):
            occurrence.poster = image
    db.session.flush()
    if old is not None:
        forget_image(old, uploads_dir)
    return image


def remove_series_poster(series: Series, uploads_dir: str) -> None:
    """Take the poster off ``series`` and off the dates that show it (a date's own poster stays;
    nothing if the series has none). Flushes."""
    old = series.poster
    if old is None:
        return
    series.poster = None
    for occurrence in series.events:
        if occurrence.poster_id == old.id:
            occurrence.poster = None
    db.session.flush()
    forget_image(old, uploads_dir)


def change_poster(
    holder: Event | Series,
    *,
    data: bytes | None,
    alt: dict[str, str | None],
    remove: bool,
    uploads_dir: str,
    now: datetime,
) -> None:
    """What the staff event and series forms ask: a new picture replaces the poster; else
    "remove" takes it off; else the descriptions of the poster it has are updated (a series'
    poster is shared by its dates). Flushes."""
    is_event = isinstance(holder, Event)
    if data:
        (set_poster if is_event else set_series_poster)(holder, data, alt, uploads_dir, now)
    elif remove:
        (remove_poster if is_event else remove_series_poster)(holder, uploads_dir)
    elif holder.poster is not None:
        language = holder.language if is_event else series_language(holder)
        holder.poster.alt = clean_alt(alt, language)
        db.session.flush()
    elif any((text or "").strip() for text in alt.values()):
        raise InvalidInput({"image": [_("Choose a picture to upload.")]})


def forget_image(image: Image, uploads_dir: str) -> None:
    """Delete an image nothing uses any more (no event, series or report photo); its files go
    when no other image has them, once the transaction has committed (a rollback keeps them, as
    the rows that name them stay)."""
    for column in (Event.poster_id, Series.poster_id, ReportPhoto.image_id):
        if db.session.scalar(select(func.count()).where(column == image.id)):
            return
    key, widths = image.key, list(image.widths)
    db.session.delete(image)
    db.session.flush()
    shared = db.session.scalar(select(func.count()).where(Image.key == key))
    if shared:
        return
    stale = db.session.info.setdefault(STALE_FILES, [])
    for width in widths:
        for extension in FORMATS:
            stale.append(Path(uploads_dir) / file_name(key, width, extension))


@sqlalchemy_events.listens_for(Session, "after_commit")
def _delete_stale_files(session: Session) -> None:
    for path in session.info.pop(STALE_FILES, []):
        path.unlink(missing_ok=True)


@sqlalchemy_events.listens_for(Session, "after_rollback")
def _keep_files(session: Session) -> None:
    session.info.pop(STALE_FILES, None)

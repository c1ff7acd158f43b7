"""Pictures for the poster tests, made with Pillow: a phone photo with GPS, and bad files."""

from __future__ import annotations

import io

from PIL import Image, ImageCms

ORIENTATION = 0x0112
GPS_IFD = 0x8825


def phone_photo(width: int = 1600, height: int = 800) -> bytes:
    """A JPEG stored sideways (EXIF orientation 6: turn 90° clockwise to show) with GPS, a
    camera name, XMP and an ICC profile: everything a served copy must not carry."""
    picture = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x010F] = "Camera maker"
    exif[GPS_IFD] = {1: "N", 2: (43.0, 15.0, 30.0), 3: "E", 4: (76.0, 57.0, 0.0)}
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    picture.save(
        out, "JPEG", exif=exif, xmp=b"<x:xmpmeta>Abay street 1</x:xmpmeta>", icc_profile=profile
    )
    return out.getvalue()


def png(width: int = 600, height: int = 400) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 120, 60, 128)).save(out, "PNG")
    return out.getvalue()


def png_bomb() -> bytes:
    """A small file that decodes to 48 megapixels."""
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG", optimize=True)
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (50, 50)).save(out, "GIF")
    return out.getvalue()


def truncated_jpeg() -> bytes:
    data = phone_photo()
    return data[: len(data) // 2]


def cmyk_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("CMYK", (400, 300), (0, 255, 255, 0)).save(out, "JPEG")
    return out.getvalue()

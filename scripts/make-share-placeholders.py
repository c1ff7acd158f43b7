"""Draw the neutral pictures (one per event category) that stand in for a poster.

Link previews (Open Graph, Twitter cards) and search engines need a PNG or JPEG, 1200 x 630
(static/img/share/). Cards and event pages show a small SVG in the box of a poster
(static/img/placeholder/, light: the category's colour on its pale tint). The pictures carry no
text, so one serves every language. Run once after changing the palette:
    .venv/bin/python scripts/make-share-placeholders.py
and commit the files. Needs Pillow (in requirements-dev.txt).
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from calendar_app import images  # noqa: E402
from calendar_app.sharing import PLACEHOLDER_SIZE, placeholder_path  # noqa: E402
from calendar_app.vocabulary import CATEGORIES  # noqa: E402

# Background and figure colours per category: calm, distinct, dark enough for white figures.
PALETTE = {
    "book_presentation": ("#0b5394", "#dbe8f6"),
    "master_class": ("#1e6b2f", "#dcefe0"),
    "author_meeting": ("#6a3d9a", "#ece1f7"),
    "literary_analysis": ("#3d4b5c", "#e3e8ee"),
    "exhibition": ("#8a4b00", "#f6e6d3"),
    "concert": ("#a11a1a", "#f8dcdc"),
    "business_meeting": ("#22525e", "#d8ecef"),
    "national_day": ("#00739a", "#fbe7a1"),
    "other": ("#4a5260", "#e6e8ec"),
}


def draw(category: str) -> Image.Image:
    background, figure = PALETTE[category]
    width, height = PLACEHOLDER_SIZE
    image = Image.new("RGB", (width, height), background)
    pen = ImageDraw.Draw(image)
    # An open book: two pages and a spine, the library's sign, centred.
    cx, cy = width // 2, height // 2
    pen.polygon(
        [(cx, cy - 120), (cx - 260, cy - 170), (cx - 260, cy + 130), (cx, cy + 180)], fill=figure
    )
    pen.polygon(
        [(cx, cy - 120), (cx + 260, cy - 170), (cx + 260, cy + 130), (cx, cy + 180)], fill=figure
    )
    pen.line([(cx, cy - 120), (cx, cy + 180)], fill=background, width=10)
    for step in range(4):
        y = cy - 90 + step * 60
        pen.line([(cx - 220, y - 30), (cx - 40, y + 10)], fill=background, width=8)
        pen.line([(cx + 40, y + 10), (cx + 220, y - 30)], fill=background, width=8)
    pen.rectangle([0, height - 24, width, height], fill=figure)
    return image.quantize(colors=8)


def svg(category: str) -> str:
    """The same open book, small, in the category's colour on its pale tint."""
    colour, tint = PALETTE[category]
    width, height = images.PLACEHOLDER_BOX
    cx, cy = width // 2, height // 2
    lines = "".join(
        f'<path d="M{cx - 44} {cy - 24 + step * 12}l36 8M{cx + 8} {cy - 16 + step * 12}l36 -8"/>'
        for step in range(4)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">'
        f'<rect width="{width}" height="{height}" fill="{tint}"/>'
        f'<path fill="{colour}" d="M{cx} {cy - 24}L{cx - 52} {cy - 34}V{cy + 26}L{cx} {cy + 36}Z'
        f'M{cx} {cy - 24}L{cx + 52} {cy - 34}V{cy + 26}L{cx} {cy + 36}Z"/>'
        f'<g stroke="{tint}" stroke-width="2" stroke-linecap="round">'
        f'<path d="M{cx} {cy - 24}V{cy + 36}"/>{lines}</g>'
        f'<rect y="{height - 6}" width="{width}" height="6" fill="{colour}"/>'
        "</svg>\n"
    )


def main() -> None:
    for category in CATEGORIES:
        path = ROOT / "static" / images.placeholder_path(category)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(svg(category), encoding="utf-8")
        print(path.relative_to(ROOT), path.stat().st_size, "bytes")
    for category in CATEGORIES:
        path = ROOT / "static" / placeholder_path(category)
        path.parent.mkdir(parents=True, exist_ok=True)
        draw(category).save(path, optimize=True)
        print(path.relative_to(ROOT), path.stat().st_size, "bytes")


if __name__ == "__main__":
    main()

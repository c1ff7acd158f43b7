"""Photos for the demo season's reports, drawn locally with Pillow (no network, no files to ship).

They are illustrations made of simple shapes: a stage, listeners seen from behind, shelves, a
dombra, children at tables. They show no real people, so no one had to agree to be pictured;
the alt text beside each scene in ``demo_season.json`` describes what is drawn. The same scene
always gives the same bytes, so seeding again names the same files.
"""

from __future__ import annotations

import functools
import io
import math
import random
from collections.abc import Callable, Sequence

from PIL import Image, ImageDraw

WIDTH, HEIGHT = 1200, 800
SCALE = 2  # drawn at twice the size, then reduced: smooth edges

Colour = tuple[int, int, int]
Point = tuple[float, float]

BOOK_COLOURS: tuple[Colour, ...] = (
    (176, 58, 46),
    (31, 97, 141),
    (212, 172, 13),
    (39, 121, 87),
    (118, 68, 138),
    (202, 111, 30),
    (93, 109, 126),
    (146, 43, 33),
    (26, 82, 118),
    (230, 196, 130),
)
CLOTHES: tuple[Colour, ...] = (
    (52, 73, 94),
    (120, 40, 31),
    (25, 111, 61),
    (154, 125, 10),
    (74, 35, 90),
    (33, 97, 140),
    (110, 44, 0),
    (81, 90, 90),
)
SKIN_SHADES: tuple[Colour, ...] = ((224, 184, 150), (198, 150, 112), (170, 120, 86))
HAIR: tuple[Colour, ...] = ((40, 30, 25), (70, 50, 35), (25, 25, 30), (110, 80, 50))


def _mix(a: Colour, b: Colour, share: float) -> Colour:
    return tuple(round(x + (y - x) * share) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


class Canvas:
    """A 1200×800 picture addressed in its final pixels, drawn at ``SCALE`` times the size."""

    def __init__(self, seed: str, top: Colour, bottom: Colour) -> None:
        self.image = Image.new("RGB", (WIDTH * SCALE, HEIGHT * SCALE))
        self.draw = ImageDraw.Draw(self.image)
        bands = 50  # a vertical gradient in bands: quicker than a smooth one, as good here
        for band in range(bands):
            self.rect(
                (0, HEIGHT * band / bands, WIDTH, HEIGHT * (band + 1) / bands),
                _mix(top, bottom, band / (bands - 1)),
            )
        self.random = random.Random(seed)

    @staticmethod
    def _scaled(values: Sequence[float]) -> list[float]:
        return [value * SCALE for value in values]

    def rect(
        self, box: Sequence[float], fill: Colour, radius: float = 0, outline: Colour | None = None
    ) -> None:
        self.draw.rounded_rectangle(
            self._scaled(box), radius=radius * SCALE, fill=fill, outline=outline, width=2 * SCALE
        )

    def ellipse(self, box: Sequence[float], fill: Colour, outline: Colour | None = None) -> None:
        self.draw.ellipse(self._scaled(box), fill=fill, outline=outline, width=2 * SCALE)

    def circle(self, x: float, y: float, r: float, fill: Colour) -> None:
        self.ellipse((x - r, y - r, x + r, y + r), fill)

    def polygon(self, points: Sequence[Point], fill: Colour) -> None:
        self.draw.polygon([(x * SCALE, y * SCALE) for x, y in points], fill=fill)

    def line(self, points: Sequence[Point], fill: Colour, width: float) -> None:
        self.draw.line(
            [(x * SCALE, y * SCALE) for x, y in points], fill=fill, width=round(width * SCALE)
        )

    def arc(
        self, box: Sequence[float], start: float, end: float, fill: Colour, width: float
    ) -> None:
        self.draw.arc(self._scaled(box), start, end, fill=fill, width=round(width * SCALE))

    def glow(self, x: float, y: float, r: float, background: Colour, light: Colour) -> None:
        """A soft light: rings from the background colour to ``light`` at the centre."""
        steps = 14
        for step in range(steps):
            share = (step + 1) / steps
            self.circle(x, y, r * (1 - step / steps), _mix(background, light, share**1.6))

    def png(self) -> bytes:
        out = io.BytesIO()
        self.image.reduce(SCALE).save(out, "PNG", compress_level=1)
        return out.getvalue()

    def pick(self, options: Sequence[Colour]) -> Colour:
        return self.random.choice(options)


def _rotated(points: Sequence[Point], cx: float, cy: float, degrees: float) -> list[Point]:
    angle = math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    return [(cx + x * cos - y * sin, cy + x * sin + y * cos) for x, y in points]


# People, always as simple figures -------------------------------------------------------------


def _from_behind(c: Canvas, x: float, y: float, r: float, shade: float = 0.0) -> None:
    """A listener seen from behind: head (hair) and shoulders; ``shade`` darkens towards 1."""
    dark = (20, 20, 24)
    coat = _mix(c.pick(CLOTHES), dark, shade)
    c.rect((x - 1.9 * r, y + 0.8 * r, x + 1.9 * r, y + 4.5 * r), coat, radius=r)
    c.circle(x, y, r, _mix(c.pick(HAIR), dark, shade))


def _facing(
    c: Canvas, x: float, y: float, r: float, *, dress: bool = False, legs: float = 0
) -> None:
    """A figure facing us, head centre at (x, y) and head radius r; ``legs`` in head radii."""
    clothes = c.pick(CLOTHES)
    if legs:
        trousers = _mix(clothes, (20, 20, 24), 0.5)
        c.rect(
            (x - 1.3 * r, y + 4.5 * r, x - 0.2 * r, y + (4.5 + legs) * r), trousers, radius=r / 3
        )
        c.rect(
            (x + 0.2 * r, y + 4.5 * r, x + 1.3 * r, y + (4.5 + legs) * r), trousers, radius=r / 3
        )
    if dress:
        bottom = y + (4.5 + max(legs, 2.5)) * r
        c.polygon(
            [
                (x - 1.6 * r, y + 1.3 * r),
                (x + 1.6 * r, y + 1.3 * r),
                (x + 2.6 * r, bottom),
                (x - 2.6 * r, bottom),
            ],
            clothes,
        )
    c.rect((x - 1.8 * r, y + 1.1 * r, x + 1.8 * r, y + 5 * r), clothes, radius=r)
    hair = c.pick(HAIR)
    if dress:
        c.rect((x - 1.25 * r, y - 1.1 * r, x + 1.25 * r, y + 2.2 * r), hair, radius=r)
    c.circle(x, y, r, c.pick(SKIN_SHADES))
    c.arc((x - r, y - r, x + r, y + r), 180, 360, hair, r * 0.45)


def _audience(c: Canvas, rows: int, top: float, bottom: float, r_far: float, r_near: float) -> None:
    """Rows of listeners seen from behind, from the far row to the one nearest to us."""
    for row in range(rows):
        share = row / max(rows - 1, 1)
        y = top + (bottom - top) * share
        r = r_far + (r_near - r_far) * share
        step = r * 4.6
        offset = (row % 2) * step / 2 - step / 3
        x = offset
        while x < WIDTH + step:
            _from_behind(c, x + c.random.uniform(-r / 4, r / 4), y, r, shade=0.15 + 0.5 * share)
            x += step


def _chair(c: Canvas, x: float, seat: float, size: float, colour: Colour) -> None:
    c.rect((x - size, seat, x + size, seat + size * 0.35), colour, radius=size * 0.1)
    c.rect((x - size * 0.9, seat, x - size * 0.7, seat + size * 1.6), colour)
    c.rect((x + size * 0.7, seat, x + size * 0.9, seat + size * 1.6), colour)


# Things ---------------------------------------------------------------------------------------


def _books(c: Canvas, left: float, right: float, base: float, tallest: float) -> None:
    """One shelf filled with books standing (and now and then one leaning)."""
    x = left + 4
    while x < right - 14:
        width = c.random.uniform(13, 28)
        height = c.random.uniform(tallest * 0.68, tallest)
        colour = c.pick(BOOK_COLOURS)
        if c.random.random() < 0.08 and x + height * 0.45 < right:
            c.polygon(
                _rotated([(0, -height), (width, -height), (width, 0), (0, 0)], x, base, 20), colour
            )
            x += height * 0.4 + width
            continue
        c.rect((x, base - height, x + width, base), colour)
        c.line(
            [(x + 3, base - height * 0.8), (x + width - 3, base - height * 0.8)],
            _mix(colour, (255, 255, 255), 0.45),
            2,
        )
        x += width + c.random.uniform(0.5, 2.5)


def _bookcase(c: Canvas, box: Sequence[float], shelves: int, wood: Colour) -> None:
    left, top, right, bottom = box
    c.rect(box, wood, radius=4)
    inner = _mix(wood, (30, 20, 10), 0.45)
    c.rect((left + 12, top + 12, right - 12, bottom - 12), inner)
    height = (bottom - top - 24) / shelves
    for shelf in range(shelves):
        base = top + 12 + height * (shelf + 1)
        _books(c, left + 12, right - 12, base - 8, height - 22)
        c.rect((left + 8, base - 8, right - 8, base + 2), wood)


def _table(c: Canvas, box: Sequence[float], top_colour: Colour, front: Colour) -> None:
    left, top, right, bottom = box
    c.rect((left, top, right, top + 16), top_colour, radius=4)
    c.rect((left + 10, top + 16, right - 10, bottom), front)


def _dombra(c: Canvas, x: float, y: float, length: float, degrees: float) -> None:
    """A dombra: a pear-shaped body at (x, y), the neck pointing at ``degrees``."""
    body_long, body_wide = length * 0.2, length * 0.13
    outline = []
    for step in range(40):
        t = 2 * math.pi * step / 40
        widen = 1 - 0.25 * math.cos(t)
        outline.append((body_long * math.cos(t), body_wide * math.sin(t) * widen))
    wood, dark = (176, 112, 52), (92, 52, 20)
    neck = [
        (body_long * 0.7, -length * 0.025),
        (length * 0.82, -length * 0.02),
        (length * 0.82, length * 0.02),
        (body_long * 0.7, length * 0.025),
    ]
    head = [
        (length * 0.8, -length * 0.03),
        (length, -length * 0.035),
        (length, length * 0.035),
        (length * 0.8, length * 0.03),
    ]
    c.polygon(_rotated(neck, x, y, degrees), dark)
    c.polygon(_rotated(head, x, y, degrees), (60, 34, 14))
    for peg in (0.86, 0.94):
        for side in (-1, 1):
            c.polygon(
                _rotated(
                    [
                        (length * peg, side * length * 0.03),
                        (length * (peg + 0.02), side * length * 0.03),
                        (length * (peg + 0.02), side * length * 0.06),
                        (length * peg, side * length * 0.06),
                    ],
                    x,
                    y,
                    degrees,
                ),
                (230, 210, 170),
            )
    c.polygon(_rotated(outline, x, y, degrees), wood)
    inner = [(px * 0.86, py * 0.86) for px, py in outline]
    c.polygon(_rotated(inner, x, y, degrees), (200, 140, 72))
    for fret in range(8):
        at = body_long * 1.05 + fret * length * 0.075
        c.line(
            _rotated([(at, -length * 0.022), (at, length * 0.022)], x, y, degrees),
            (210, 190, 150),
            1.5,
        )
    for side in (-0.008, 0.008):
        c.line(
            _rotated(
                [(-body_long * 0.55, side * length), (length * 0.86, side * length)], x, y, degrees
            ),
            (245, 240, 225),
            1.2,
        )
    c.polygon(
        _rotated(
            [
                (-body_long * 0.6, -length * 0.03),
                (-body_long * 0.52, -length * 0.03),
                (-body_long * 0.52, length * 0.03),
                (-body_long * 0.6, length * 0.03),
            ],
            x,
            y,
            degrees,
        ),
        dark,
    )


def _ram_horns(c: Canvas, x: float, y: float, size: float, colour: Colour) -> None:
    """The Kazakh ram's horn motif (қошқар мүйіз): two curls turned outwards from a stem."""
    width = size * 0.14
    c.line([(x, y + size * 0.9), (x, y + size * 0.2)], colour, width)
    for side in (-1, 1):
        cx = x + side * size * 0.45
        box = (cx - size * 0.45, y - size * 0.35, cx + size * 0.45, y + size * 0.55)
        c.arc(box, 180 if side == 1 else 270, 360 if side == 1 else 450, colour, width)
        small = (
            cx + side * size * 0.08 - size * 0.2,
            y - size * 0.05,
            cx + side * size * 0.08 + size * 0.2,
            y + size * 0.35,
        )
        c.arc(small, 0 if side == 1 else 90, 180 if side == 1 else 270, colour, width)


def _pencil(c: Canvas, x: float, y: float, length: float, degrees: float, colour: Colour) -> None:
    body = [(0, -5), (length, -5), (length, 5), (0, 5)]
    tip = [(length, -5), (length + 18, 0), (length, 5)]
    c.polygon(_rotated(body, x, y, degrees), colour)
    c.polygon(_rotated(tip, x, y, degrees), (235, 205, 160))


def _recycling_bin(c: Canvas, x: float, floor: float, size: float) -> None:
    green = (46, 134, 76)
    c.polygon(
        [
            (x - size * 0.5, floor - size * 1.3),
            (x + size * 0.5, floor - size * 1.3),
            (x + size * 0.42, floor),
            (x - size * 0.42, floor),
        ],
        green,
    )
    c.rect(
        (x - size * 0.58, floor - size * 1.42, x + size * 0.58, floor - size * 1.28),
        (30, 100, 55),
        radius=6,
    )
    cy, r = floor - size * 0.68, size * 0.3
    for turn in range(3):  # three arrows chasing each other round a triangle
        a = math.radians(90 + turn * 120)
        b = math.radians(90 + (turn + 1) * 120)
        start = (x + r * math.cos(a) * 0.8, cy - r * math.sin(a) * 0.8)
        end = (x + r * math.cos(b) * 0.8, cy - r * math.sin(b) * 0.8)
        mid = (start[0] + (end[0] - start[0]) * 0.75, start[1] + (end[1] - start[1]) * 0.75)
        c.line([start, mid], (255, 255, 255), size * 0.06)
        direction = math.atan2(end[1] - start[1], end[0] - start[0])
        c.polygon(
            _rotated(
                [(0, -size * 0.08), (size * 0.14, 0), (0, size * 0.08)],
                mid[0],
                mid[1],
                math.degrees(direction),
            ),
            (255, 255, 255),
        )


def _open_book(c: Canvas, x: float, y: float, width: float, ornament: bool = False) -> None:
    half, height = width / 2, width * 0.34
    c.polygon(
        [
            (x - half, y + 6),
            (x, y + 14),
            (x + half, y + 6),
            (x + half, y + height + 8),
            (x, y + height + 16),
            (x - half, y + height + 8),
        ],
        (120, 80, 50),
    )
    c.polygon(
        [(x - half + 4, y), (x, y + 8), (x, y + height + 8), (x - half + 4, y + height)],
        (250, 246, 232),
    )
    c.polygon(
        [(x + half - 4, y), (x, y + 8), (x, y + height + 8), (x + half - 4, y + height)],
        (244, 238, 220),
    )
    for side in (-1, 1):
        for line in range(5):
            ly = y + height * (0.25 + line * 0.14)
            c.line(
                [(x + side * half * 0.15, ly + 6), (x + side * half * 0.8, ly)], (170, 160, 140), 2
            )
        if ornament:
            for step in range(6):
                dx = x + side * half * (0.18 + step * 0.12)
                c.polygon(
                    [(dx, y + 10), (dx + 6, y + 16), (dx, y + 22), (dx - 6, y + 16)], (176, 58, 46)
                )


# Scenes ---------------------------------------------------------------------------------------


def council_meeting() -> bytes:
    """A conference hall: a long table of participants facing rows of guests."""
    c = Canvas("council", (228, 220, 204), (198, 186, 166))
    c.rect((0, 560, WIDTH, HEIGHT), (150, 110, 80))
    c.rect((380, 70, 820, 300), (90, 90, 96), radius=6)
    c.rect((392, 82, 808, 288), (236, 238, 240))
    for x in (120, 1000):
        c.rect((x, 90, x + 80, 420), (186, 150, 110), radius=8)
    for index, x in enumerate(range(290, 950, 155)):
        _facing(c, x, 372, 24, dress=index in (1, 3))
    _table(c, (220, 450, 980, 590), (110, 70, 40), (36, 59, 94))
    for x in range(290, 950, 155):
        c.rect((x - 34, 424, x + 34, 450), (250, 250, 250))
        c.line([(x + 44, 450), (x + 30, 410)], (40, 40, 40), 3)
        c.circle(x + 30, 408, 5, (40, 40, 40))
    _audience(c, 2, 650, 740, 30, 40)
    return c.png()


def eco_tables() -> bytes:
    """Children at two long tables covered with tins, cardboard and fabric; a recycling bin."""
    c = Canvas("eco-tables", (214, 236, 214), (176, 212, 180))
    c.rect((0, 520, WIDTH, HEIGHT), (206, 180, 140))
    c.rect((120, 80, 420, 300), (255, 255, 255), radius=6)
    c.rect((132, 92, 408, 288), (180, 216, 236))
    c.line([(270, 92), (270, 288)], (255, 255, 255), 8)
    _recycling_bin(c, 1060, 560, 150)
    for row, (y, r, table) in enumerate(((400, 20, 470), (560, 28, 650))):
        for x in range(130 if row else 190, 940, 120 if row else 95):
            _facing(c, x + c.random.uniform(-8, 8), y, r)
        _table(c, (60, table, 960, table + 120), (238, 226, 200), (160, 130, 95))
        for x in range(110, 920, 140 if row else 110):
            kind = c.random.randrange(3)
            base = table + 4
            if kind == 0:
                c.rect((x, base - 42, x + 30, base), (170, 176, 184))
                c.ellipse((x, base - 48, x + 30, base - 36), (210, 214, 220))
            elif kind == 1:
                c.rect((x - 6, base - 26, x + 52, base), (196, 150, 96), radius=2)
            else:
                c.polygon(
                    [(x, base), (x + 20, base - 22), (x + 58, base - 10), (x + 46, base)],
                    c.pick(BOOK_COLOURS),
                )
    return c.png()


def eco_crafts() -> bytes:
    """Things made at the eco master class on a table: tin pencil holders, a bag, an organiser."""
    c = Canvas("eco-crafts", (236, 242, 230), (210, 224, 206))
    c.rect((0, 470, WIDTH, HEIGHT), (196, 156, 110))
    c.rect((0, 470, WIDTH, 486), (170, 130, 86))
    for index, x in enumerate((130, 300, 470)):
        paint = BOOK_COLOURS[index * 3 % len(BOOK_COLOURS)]
        for pencil in range(4):
            _pencil(c, x + 28 + pencil * 26, 540, 190, -80 - pencil * 6 + 9, c.pick(BOOK_COLOURS))
        c.rect((x, 520, x + 130, 700), paint)
        for stripe in range(3):
            c.line([(x, 560 + stripe * 45), (x + 130, 560 + stripe * 45)], (255, 255, 255), 6)
        c.ellipse((x, 505, x + 130, 535), _mix(paint, (0, 0, 0), 0.35))
        c.ellipse((x, 690, x + 130, 712), _mix(paint, (0, 0, 0), 0.2))
    c.arc((690, 250, 900, 470), 180, 360, (40, 80, 120), 14)
    c.polygon([(640, 380), (950, 380), (980, 720), (610, 720)], (70, 130, 180))
    for stripe in range(5):
        y = 420 + stripe * 62
        c.polygon(
            [
                (637 - stripe * 5, y),
                (953 + stripe * 5, y),
                (956 + stripe * 5, y + 24),
                (634 - stripe * 5, y + 24),
            ],
            (245, 245, 245),
        )
    c.rect((1010, 560, 1180, 710), (184, 140, 90), radius=4)
    for x in (1010, 1065, 1120):
        c.rect((x + 4, 520 + (x - 1010) // 3, x + 52, 600), (204, 164, 112), outline=(150, 110, 70))
    c.line([(1010, 630), (1180, 630)], (150, 110, 70), 4)
    return c.png()


def turkish_shelves() -> bytes:
    """Shelves full of books with a red ribbon and bow across them before the opening."""
    c = Canvas("turkish-shelves", (240, 232, 218), (222, 208, 188))
    c.rect((0, 690, WIDTH, HEIGHT), (140, 100, 70))
    for left in (110, 440, 770):
        _bookcase(c, (left, 90, left + 320, 700), 4, (150, 96, 52))
    points = [(40 + x, 470 + 22 * math.sin(x / 120)) for x in range(0, 1121, 40)]
    c.line(points, (200, 30, 40), 18)
    c.polygon([(600, 470), (530, 420), (530, 520)], (180, 20, 32))
    c.polygon([(600, 470), (670, 420), (670, 520)], (180, 20, 32))
    c.polygon([(596, 476), (560, 600), (586, 596)], (200, 30, 40))
    c.polygon([(604, 476), (640, 600), (614, 596)], (200, 30, 40))
    c.circle(600, 470, 20, (220, 40, 50))
    c.rect((1110, 600, 1170, 690), (170, 90, 60), radius=6)
    for angle in range(-60, 61, 30):
        tip = (1140 + 90 * math.sin(math.radians(angle)), 600 - 80 * math.cos(math.radians(angle)))
        c.line([(1140, 600), tip], (50, 120, 60), 10)
        c.circle(*tip, 14, (60, 140, 70))
    return c.png()


def turkish_guests() -> bytes:
    """Guests talking in front of the bookshelves, open books on a low table."""
    c = Canvas("turkish-guests", (236, 228, 212), (214, 200, 180))
    for left in (40, 330, 620, 910):
        _bookcase(c, (left, 60, left + 250, 470), 3, (150, 96, 52))
    c.rect((0, 470, WIDTH, HEIGHT), (168, 128, 92))
    for x, dress in ((150, False), (260, True), (870, True), (990, False), (1090, False)):
        _facing(c, x, 380, 26, dress=dress, legs=5.5)
    _table(c, (400, 610, 800, 700), (120, 76, 44), (96, 60, 34))
    _open_book(c, 500, 560, 150)
    _open_book(c, 690, 566, 130)
    return c.png()


def dombra_stage() -> bytes:
    """Four musicians with dombras on a lit stage; the audience's heads in front."""
    night = (24, 28, 54)
    c = Canvas("dombra-stage", (16, 18, 40), night)
    c.rect((0, 500, WIDTH, HEIGHT), (96, 58, 34))
    c.rect((0, 500, WIDTH, 512), (130, 82, 48))
    for x in (270, 510, 750, 990):
        c.polygon([(x - 30, 0), (x + 30, 0), (x + 150, 500), (x - 150, 500)], (50, 52, 82))
    for index, x in enumerate((270, 510, 750, 990)):
        _chair(c, x, 400, 46, (40, 30, 24))
        _facing(c, x, 300, 30, dress=index == 2)
        _dombra(c, x - 40, 420, 300, -38)
        c.circle(x + 8, 430, 12, c.pick(SKIN_SHADES))
    _audience(c, 2, 650, 740, 34, 44)
    return c.png()


def dombra_on_felt() -> bytes:
    """A dombra lying on a red felt rug with a border of ram's horn ornament."""
    red = (164, 30, 36)
    c = Canvas("dombra-felt", red, (136, 22, 30))
    c.rect((30, 30, WIDTH - 30, HEIGHT - 30), (236, 196, 90), radius=8)
    c.rect((50, 50, WIDTH - 50, HEIGHT - 50), red, radius=6)
    for x in range(110, WIDTH - 60, 120):
        _ram_horns(c, x, 90, 60, (236, 196, 90))
        _ram_horns(c, x, HEIGHT - 150, 60, (236, 196, 90))
    _dombra(c, 330, 470, 760, -12)
    return c.png()


def round_tables() -> bytes:
    """A working meeting: people at two tables with laptops, sticky notes on a whiteboard."""
    c = Canvas("round-tables", (220, 222, 226), (196, 198, 204))
    c.rect((0, 520, WIDTH, HEIGHT), (120, 124, 130))
    c.rect((340, 60, 860, 330), (250, 250, 250), outline=(120, 120, 130))
    notes = ((247, 220, 111), (130, 204, 221), (248, 165, 194), (163, 228, 144))
    for row in range(3):
        for column in range(6):
            if c.random.random() < 0.85:
                x, y = 380 + column * 78, 90 + row * 76
                c.rect((x, y, x + 56, y + 56), c.pick(notes))
    for cx in (300, 900):
        for dx in (-150, 0, 150):
            _facing(c, cx + dx, 410, 26)
        c.ellipse((cx - 240, 500, cx + 240, 600), (236, 232, 224))
        c.rect((cx - 12, 580, cx + 12, 720), (90, 90, 96))
        for dx in (-110, 60):
            c.polygon(
                [(cx + dx, 540), (cx + dx + 70, 540), (cx + dx + 62, 500), (cx + dx + 8, 500)],
                (50, 54, 62),
            )
            c.rect((cx + dx - 6, 538, cx + dx + 76, 548), (70, 74, 84))
        c.rect((cx - 30, 552, cx + 20, 580), (255, 255, 255))
        _from_behind(c, cx - 170, 640, 34, 0.3)
        _from_behind(c, cx + 170, 640, 34, 0.3)
    return c.png()


def reading_circle() -> bytes:
    """An open book with an ornamented border under a lamp, readers in a semicircle."""
    c = Canvas("reading-circle", (232, 222, 200), (206, 190, 160))
    for left in (30, 630):
        _bookcase(c, (left, 40, left + 540, 360), 2, (120, 78, 44))
    c.rect((0, 470, WIDTH, HEIGHT), (126, 88, 60))
    for index, (x, y) in enumerate(((160, 420), (320, 390), (880, 390), (1040, 420))):
        _chair(c, x, y + 150, 44, (70, 46, 30))
        _facing(c, x, y, 28, dress=index % 2 == 1)
    _table(c, (380, 560, 820, 720), (150, 100, 60), (110, 70, 40))
    c.polygon([(676, 450), (784, 450), (850, 562), (600, 562)], (246, 228, 170))  # its light
    c.line([(800, 562), (800, 380), (730, 400)], (50, 50, 50), 6)
    c.rect((770, 552, 830, 564), (50, 50, 50), radius=4)
    c.polygon([(700, 396), (760, 396), (790, 450), (670, 450)], (40, 90, 60))
    _open_book(c, 560, 488, 260, ornament=True)
    _audience(c, 1, 720, 720, 40, 40)
    return c.png()


def poetry_stage() -> bytes:
    """A woman at a microphone beside a table with books and flowers; the audience in rows."""
    c = Canvas("poetry-stage", (120, 34, 44), (90, 24, 34))
    for x in range(0, WIDTH, 60):
        c.rect((x, 0, x + 30, 520), (104, 28, 38))
    c.rect((0, 520, WIDTH, HEIGHT), (110, 74, 48))
    c.rect((0, 520, WIDTH, 532), (140, 98, 64))
    _facing(c, 520, 250, 32, dress=True, legs=7)
    c.line([(600, 520), (600, 300)], (40, 40, 40), 6)
    c.line([(600, 300), (566, 282)], (40, 40, 40), 5)
    c.ellipse((550, 270, 576, 290), (30, 30, 30))
    c.line([(570, 520), (630, 520)], (40, 40, 40), 8)
    _table(c, (760, 400, 980, 520), (90, 60, 40), (70, 46, 30))
    for book in range(4):
        c.rect(
            (790 + book * 3, 380 - book * 26, 900 + book * 3, 402 - book * 26),
            c.pick(BOOK_COLOURS),
            radius=3,
        )
    c.rect((930, 330, 962, 402), (180, 210, 230), radius=8)
    for angle in (-40, -10, 20, 50):
        tip = (946 + 70 * math.sin(math.radians(angle)), 330 - 60 * math.cos(math.radians(angle)))
        c.line([(946, 332), tip], (60, 120, 60), 5)
        c.circle(*tip, 16, c.pick(((240, 240, 240), (240, 200, 80), (230, 120, 140))))
    _audience(c, 2, 660, 750, 32, 42)
    return c.png()


def children_on_carpet() -> bytes:
    """Children on a carpet in a semicircle before a man on a chair holding up a magazine."""
    c = Canvas("children-carpet", (250, 236, 206), (238, 218, 180))
    for left in (40, 860):
        _bookcase(c, (left, 200, left + 300, 470), 2, (176, 120, 70))
    c.rect((0, 470, WIDTH, HEIGHT), (190, 160, 120))
    _chair(c, 600, 420, 60, (120, 70, 40))
    _facing(c, 600, 280, 34, legs=4)
    c.rect((520, 330, 680, 440), (255, 255, 255))
    c.rect((526, 336, 598, 434), (244, 160, 40))
    c.rect((602, 336, 674, 434), (90, 180, 220))
    c.circle(562, 370, 18, (255, 230, 80))
    c.polygon([(620, 420), (640, 380), (660, 420)], (60, 150, 70))
    c.ellipse((100, 560, 1100, 800), (150, 40, 50))
    c.ellipse((180, 590, 1020, 790), (196, 70, 60))
    for index in range(9):
        angle = math.radians(200 + index * 17.5)
        x = 600 + 440 * math.cos(angle) * -1
        y = 700 + 110 * math.sin(angle) * -1
        _from_behind(c, x, y - 40, 22 + (y - 600) / 20, 0.1)
    return c.png()


def cover_drawings() -> bytes:
    """Children's drawings of magazine covers on a table among coloured pencils."""
    c = Canvas("cover-drawings", (214, 176, 130), (190, 150, 104))
    for index, (x, y, turn) in enumerate(
        ((80, 110, -6), (440, 70, 4), (800, 120, -3), (260, 430, 5), (640, 440, -5))
    ):
        sheet = [(0, 0), (300, 0), (300, 300), (0, 300)]
        c.polygon(_rotated([(px + 8, py + 8) for px, py in sheet], x, y, turn), (150, 110, 70))
        c.polygon(_rotated(sheet, x, y, turn), (252, 250, 244))
        c.polygon(
            _rotated([(20, 20), (280, 20), (280, 62), (20, 62)], x, y, turn),
            BOOK_COLOURS[index * 2 % len(BOOK_COLOURS)],
        )
        sun = _rotated([(220, 120)], x, y, turn)[0]
        for ray in range(8):
            a = math.radians(ray * 45)
            c.line([sun, (sun[0] + 42 * math.cos(a), sun[1] + 42 * math.sin(a))], (240, 180, 30), 4)
        c.circle(*sun, 24, (250, 210, 40))
        if index % 2 == 0:
            c.polygon(
                _rotated([(50, 270), (150, 270), (150, 190), (50, 190)], x, y, turn), (200, 80, 60)
            )
            c.polygon(_rotated([(40, 192), (100, 130), (160, 192)], x, y, turn), (120, 60, 40))
        else:
            c.polygon(
                _rotated([(92, 280), (108, 280), (108, 200), (92, 200)], x, y, turn), (120, 80, 40)
            )
            trunk_top = _rotated([(100, 170)], x, y, turn)[0]
            c.circle(*trunk_top, 52, (60, 150, 70))
    for index in range(7):
        _pencil(
            c, 90 + index * 150, 760 - (index % 3) * 20, 150, -20 + index * 9, c.pick(BOOK_COLOURS)
        )
    return c.png()


def lamp_stage() -> bytes:
    """A man at a microphone under a large glowing lamp on a dark blue stage; the audience."""
    night = (18, 26, 64)
    c = Canvas("lamp-stage", (8, 12, 36), night)
    for _ in range(90):
        x, y = c.random.uniform(0, WIDTH), c.random.uniform(0, 430)
        c.circle(x, y, c.random.uniform(1, 2.6), (220, 226, 255))
    c.line([(600, 0), (600, 120)], (60, 60, 70), 4)
    c.glow(600, 190, 170, (14, 20, 54), (255, 214, 120))
    c.polygon([(560, 120), (640, 120), (660, 170), (540, 170)], (40, 40, 50))
    c.rect((0, 520, WIDTH, HEIGHT), (36, 30, 52))
    c.rect((0, 520, WIDTH, 530), (70, 60, 90))
    _facing(c, 520, 330, 26, legs=6.5)
    c.line([(590, 520), (590, 360)], (20, 20, 24), 5)
    c.line([(590, 360), (560, 346)], (20, 20, 24), 4)
    c.ellipse((544, 336, 566, 354), (10, 10, 10))
    _audience(c, 2, 670, 760, 34, 44)
    return c.png()


SCENES: dict[str, Callable[[], bytes]] = {
    "council_meeting": council_meeting,
    "eco_tables": eco_tables,
    "eco_crafts": eco_crafts,
    "turkish_shelves": turkish_shelves,
    "turkish_guests": turkish_guests,
    "dombra_stage": dombra_stage,
    "dombra_on_felt": dombra_on_felt,
    "round_tables": round_tables,
    "reading_circle": reading_circle,
    "poetry_stage": poetry_stage,
    "children_on_carpet": children_on_carpet,
    "cover_drawings": cover_drawings,
    "lamp_stage": lamp_stage,
}


@functools.cache
def draw(scene: str) -> bytes:
    """The PNG of a named scene (KeyError for an unknown one); kept in memory once drawn, as
    tests seed many databases in one process."""
    return SCENES[scene]()

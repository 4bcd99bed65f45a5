"""Stage 3 (shared): the generated cover, one PNG for the EPUB and the PDF's first page.

Takes the metadata and a CJK font file; returns PNG bytes, 1600×2560 px as Kindle asks.
The same metadata always gives the same bytes.
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from booklet.model import Metadata

SIZE = (1600, 2560)
BACKGROUND = (32, 54, 84)
INK = (250, 246, 236)
ACCENT = (214, 170, 90)


def make_cover(metadata: Metadata, bold_font: Path, regular_font: Path) -> bytes:
    image = Image.new("RGB", SIZE, BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((120, 120, SIZE[0] - 120, SIZE[1] - 120), outline=ACCENT, width=6)
    y = _draw_lines(draw, _wrap(metadata.title, 11), ImageFont.truetype(str(bold_font), 120), 700, INK)
    if metadata.subtitle:
        y = _draw_lines(draw, _wrap(metadata.subtitle, 18), ImageFont.truetype(str(regular_font), 64), y + 80, ACCENT)
    if metadata.authors:
        _draw_lines(draw, ["、".join(metadata.authors)], ImageFont.truetype(str(regular_font), 72), SIZE[1] - 520, INK)
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    """Wrap by characters: a Han character is about one em, Latin about half."""
    units = sum(1 if ord(c) > 0x2E7F else 0.5 for c in text)
    if units <= width:
        return [text]
    return textwrap.wrap(text, width=width) if " " in text else [text[i : i + width] for i in range(0, len(text), width)]


def _draw_lines(draw: ImageDraw.ImageDraw, lines: list[str], font: ImageFont.FreeTypeFont, top: int, fill: tuple[int, int, int]) -> int:
    y = top
    for line in lines:
        left, upper, right, lower = draw.textbbox((0, 0), line, font=font)
        draw.text(((SIZE[0] - (right - left)) / 2 - left, y), line, font=font, fill=fill)
        y += int((lower - upper) * 1.5)
    return y

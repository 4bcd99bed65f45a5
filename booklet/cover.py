"""Stage 3 (shared): the generated cover, one PNG for the EPUB and the PDF's first page.

Takes the metadata (`cover_png` finds the language's faces and keeps the drawing in the
user's cache; `make_cover` takes two faces of the font: file, index in a collection);
returns PNG bytes, 1600×2560 px as Kindle asks (or 1600 px wide at a page's proportions,
for the PDF's first page). Titles wrap by measured width with the
line-breaking rules of Chinese and Japanese (clreq §3.1.7, JLREQ §3.1.7 kinsoku): no
closing mark or pause mark starts a line, no opening mark ends one, and a Latin word is
never cut. The same metadata always gives the same bytes.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from booklet.cache import cached, file_key
from booklet.fonts import FONT_FAMILIES, font_face
from booklet.model import Metadata
from booklet.scripts import NO_LINE_END, NO_LINE_START, join_names, writing_system

SIZE = (1600, 2560)
BACKGROUND = (27, 42, 66)
PANEL = (33, 51, 79)
INK = (248, 243, 231)
ACCENT = (206, 166, 92)
MUTED = (178, 186, 198)
MARGIN = 150  # the outer frame's distance from the edge
TEXT_WIDTH = SIZE[0] - 2 * 230

# A break right after one of these (or at a space) reads naturally in a title.
NATURAL_BREAK_AFTER = set("》」』）)】〕：:，,、；;。！!？?—–-/") | {" "}
NATURAL_BREAK_BEFORE = set("《「『（(【〔")
# Marks and format characters (combining accents, zero-width spaces and joiners) stay with the
# character before them: they are no place to break, and 2,000 of them must not be 2,000 tokens.
_ZERO_WIDTH = {"Mn", "Me", "Cf"}
MAX_TOKENS = 300  # a title is cut (…) past this: the wrapping costs tokens × a line's tokens
LATIN_RUN = re.compile(r"[0-9A-Za-z\u00C0-\u024F'’.\-_/+#&]+| +|.", re.DOTALL)

FontFace = tuple[Path, int]
RGB = tuple[int, int, int]
Palette = tuple[RGB, RGB, RGB, RGB, RGB]  # background, panel, ink, accent, muted
PALETTE: Palette = (BACKGROUND, PANEL, INK, ACCENT, MUTED)
# The author's style.css may set the cover's colours (README, "Your own look"): `:root { --cover-background: #1b2a42; }`
COVER_COLOUR = re.compile(r"--cover-(background|ink|accent)\s*:\s*#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def cover_png(meta: Metadata, style: str = "", height: int = SIZE[1]) -> bytes:
    """The generated cover, `height` px tall, drawn in the language's face and in the colours
    `style` (the author's CSS) sets, if any: drawn once, then taken from the user's cache."""
    palette = cover_palette(style)
    family = FONT_FAMILIES.get(writing_system(meta.language), FONT_FAMILIES["zh-Hans"])[0]
    faces = (font_face(f"{family}:bold"), font_face(family))  # the language's glyph forms
    drawn_by = Path(__file__).read_bytes()  # a change to the drawing code draws again
    key = repr(
        (
            meta.title,
            meta.subtitle,
            meta.authors,
            meta.publisher,
            meta.language,
            height,
            *map(file_key, faces),
            drawn_by,
            *([palette] if palette != PALETTE else []),  # the default colours keep the keys they had
        )
    )
    return cached("covers", key, ".png", lambda: make_cover(meta, *faces, palette, height))


def cover_palette(style: str) -> Palette:
    """The cover's colours: booklet's, with the author's `--cover-background`, `--cover-ink` and
    `--cover-accent`; the frame's panel and the publisher's line are mixed from them."""
    uncommented = re.sub(r"/\*.*?\*/", "", style, flags=re.DOTALL)
    found = {name: _rgb(value) for name, value in COVER_COLOUR.findall(uncommented)}
    if not found:
        return PALETTE
    background, ink = found.get("background", BACKGROUND), found.get("ink", INK)
    accent = found.get("accent", ACCENT)
    return (background, _mix(background, ink, 0.06), ink, accent, _mix(background, ink, 0.7))


def _rgb(hex_digits: str) -> RGB:
    digits = hex_digits if len(hex_digits) == 6 else "".join(d * 2 for d in hex_digits)
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def _mix(a: RGB, b: RGB, share: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * share),
        round(a[1] + (b[1] - a[1]) * share),
        round(a[2] + (b[2] - a[2]) * share),
    )


# The preview (`booklet serve`) rebuilds on every save: draw and encode a cover once per metadata.
@functools.lru_cache(maxsize=8)
def make_cover(
    metadata: Metadata,
    title_face: FontFace,
    text_face: FontFace,
    palette: Palette = PALETTE,
    height: int = SIZE[1],
) -> bytes:
    background, panel, ink, accent, muted = palette
    image = Image.new("RGB", (SIZE[0], height), background)
    draw = ImageDraw.Draw(image)
    _frame(draw, panel, accent, height)
    title_font, title_lines = _fit_title(metadata.title, title_face)
    y = _draw_lines(draw, title_lines, title_font, 760 - 40 * max(0, len(title_lines) - 2), ink, 1.45)
    draw.line((SIZE[0] / 2 - 90, y + 60, SIZE[0] / 2 + 90, y + 60), fill=accent, width=5)
    y += 140
    if metadata.subtitle:
        subtitle_font = _font(text_face, 64)
        _draw_lines(draw, wrap(metadata.subtitle, subtitle_font, TEXT_WIDTH), subtitle_font, y, accent, 1.6)
    if metadata.authors:
        author_font = _font(text_face, 72)
        _draw_lines(
            draw,
            wrap(join_names(metadata.authors, metadata.language), author_font, TEXT_WIDTH),
            author_font,
            height - 640,
            ink,
            1.5,
        )
    if metadata.publisher:
        publisher_font = _font(text_face, 48)
        _draw_lines(
            draw,
            wrap(metadata.publisher, publisher_font, TEXT_WIDTH),
            publisher_font,
            height - 400,
            muted,
            1.5,
        )
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Break `text` into the fewest, most even lines no wider than `width` (one token may overflow).

    Tokens are unbreakable: a Latin word, or a Han character with the marks that must
    stay on its line. Among the layouts with the fewest lines, the most even one wins,
    and a break after a closing mark or pause (《…》｜内容) is preferred to one inside a phrase.
    """
    tokens = _tokens(text.strip())
    if not tokens:
        return []
    if len(tokens) > MAX_TOKENS:  # far more than a cover holds: the rest would only cost time
        tokens = [*tokens[:MAX_TOKENS], "…"]
    best: list[tuple[float, int]] = [(0.0, 0)] + [(float("inf"), 0)] * len(tokens)
    for end in range(1, len(tokens) + 1):
        for start in range(end - 1, -1, -1):
            line = "".join(tokens[start:end]).strip()
            if not line:  # a space alone is no line
                continue
            measured = font.getlength(line)
            if measured > width and sum(not t.isspace() for t in tokens[start:end]) > 1:
                break
            slack = max(width - measured, 0.0) / width
            cost = best[start][0] + 1000.0 + slack * slack + _break_penalty(tokens, end)
            if cost < best[end][0]:
                best[end] = (cost, start)
    lines: list[str] = []
    end = len(tokens)
    while end > 0:
        start = best[end][1]
        lines.append("".join(tokens[start:end]).strip())
        end = start
    return lines[::-1]


def _fit_title(title: str, face: FontFace) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest size (128 px down to 64) at which the title takes at most three lines."""
    for size in (128, 116, 104, 92, 80):
        font = _font(face, size)
        lines = wrap(title, font, TEXT_WIDTH)
        if len(lines) <= 3:
            return font, lines
    font = _font(face, 64)
    return font, wrap(title, font, TEXT_WIDTH)


def _tokens(text: str) -> list[str]:
    """Unbreakable pieces: Latin runs, spaces, single characters; kinsoku marks glued on."""
    pieces = LATIN_RUN.findall(text)
    tokens: list[str] = []
    glue_next = False
    for piece in pieces:
        joins = piece[0] in NO_LINE_START or unicodedata.category(piece[0]) in _ZERO_WIDTH
        if tokens and (glue_next or (joins and not piece.isspace())):
            tokens[-1] += piece
        else:
            tokens.append(piece)
        glue_next = piece[-1] in NO_LINE_END
    return tokens


def _break_penalty(tokens: list[str], end: int) -> float:
    """Nothing at the text's end or at a natural break; a little for a break inside a phrase."""
    if end == len(tokens):
        return 0.0
    if (
        tokens[end - 1][-1] in NATURAL_BREAK_AFTER
        or tokens[end][0] in NATURAL_BREAK_BEFORE
        or tokens[end].isspace()
    ):
        return 0.0
    return 0.5


def _frame(draw: ImageDraw.ImageDraw, panel: RGB, accent: RGB, height: int) -> None:
    right, bottom = SIZE[0] - MARGIN, height - MARGIN
    draw.rectangle((MARGIN, MARGIN, right, bottom), fill=panel, outline=accent, width=8)
    inner = MARGIN + 28
    draw.rectangle((inner, inner, SIZE[0] - inner, height - inner), outline=accent, width=2)
    for x, y in (
        (inner, inner),
        (SIZE[0] - inner, inner),
        (inner, height - inner),
        (SIZE[0] - inner, height - inner),
    ):
        draw.regular_polygon((x, y, 16), 4, rotation=45, fill=accent)


def _font(face: FontFace, size: int) -> ImageFont.FreeTypeFont:
    path, index = face
    return ImageFont.truetype(str(path), size, index=index)


def _draw_lines(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    font: ImageFont.FreeTypeFont,
    top: float,
    fill: tuple[int, int, int],
    leading: float,
) -> float:
    """Centre each line; return the baseline area's bottom. Lines advance by `leading` × the font size."""
    y = top
    for line in lines:
        draw.text((SIZE[0] / 2, y), line, font=font, fill=fill, anchor="ma")
        y += font.size * leading
    return y

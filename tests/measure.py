"""Spacing measured from the glyph boxes of a PDF (PyMuPDF), for the tests and for bench/.

Takes a PDF and the text block's edges; returns its text lines, each a list of glyphs with
their boxes, and for each line the largest extra gap between two neighbouring glyphs, in ems:
beyond 0 between two CJK characters (or a character and punctuation), beyond a quarter em
where Han meets Latin (clreq §3.4.2), beyond a space's width where two Latin words meet.
The glyphs are read as drawn, ignoring `/ActualText`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pymupdf

WIDE = re.compile("[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0003134f“”‘’—…·]")
CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\u3040-\u30ff\uf900-\ufaff\U00020000-\U0003134f]")
# clreq §3.1.7 / JLREQ: the CJK marks (a code block's `{` may end a line; it is not prose).
NO_LINE_START = set(
    "）｝〕〉》」』】〙〗〟’”｠、。，．：；！？‼⁇⁈⁉・·゠〜～…‥ヽヾーァィゥェォッャュョヮヵヶぁぃぅぇぉっゃゅょゎゕゖ々〻"
)
NO_LINE_END = set("（｛〔〈《「『【〘〖〝‘“｟")
SPACE = 0.256  # em: the space of Noto Serif CJK (and about that of Noto Serif, DejaVu, Latin Modern)


@dataclass(frozen=True)
class Glyph:
    text: str
    x0: float
    x1: float
    size: float


@dataclass(frozen=True)
class TextLine:
    page: int  # 1-based
    y: float  # baseline, pt from the top
    glyphs: tuple[Glyph, ...]

    @property
    def text(self) -> str:
        return "".join(g.text for g in self.glyphs)

    @property
    def x0(self) -> float:
        return self.glyphs[0].x0

    @property
    def x1(self) -> float:
        return self.glyphs[-1].x1


def text_lines(path: Path) -> list[TextLine]:
    """Every line of text on every page, top-down, its glyphs left to right (spaces left out)."""
    lines: list[TextLine] = []
    with pymupdf.open(path) as document:
        for number, page in enumerate(document, start=1):
            rows: dict[float, list[Glyph]] = {}
            raw = page.get_text("rawdict", flags=pymupdf.TEXT_IGNORE_ACTUALTEXT)
            for block in raw["blocks"]:
                for line in block.get("lines", []):
                    for span in line["spans"]:
                        for char in span["chars"]:
                            if char["c"].strip() and char["c"] not in "\u200b\u2060":
                                y = round(char["origin"][1], 1)
                                box = char["bbox"]
                                rows.setdefault(y, []).append(Glyph(char["c"], box[0], box[2], span["size"]))
            for y in sorted(rows):
                lines.append(TextLine(number, y, tuple(sorted(rows[y], key=lambda g: g.x0))))
    return _with_calls(lines)


def _with_calls(lines: list[TextLine]) -> list[TextLine]:
    """Note calls (raised, smaller) joined to the line they are raised above."""
    merged: list[TextLine] = []
    for line in lines:
        base = next(
            (
                other
                for other in lines
                if other.page == line.page
                and 0 < other.y - line.y < 0.6 * other.glyphs[0].size
                and max(g.size for g in line.glyphs) < 0.8 * other.glyphs[0].size
            ),
            None,
        )
        if base is None:
            merged.append(line)
            continue
        index = (
            next(i for i, m in enumerate(merged) if m.page == base.page and m.y == base.y)
            if any(m.page == base.page and m.y == base.y for m in merged)
            else None
        )
        target = merged[index] if index is not None else base
        joined = TextLine(base.page, base.y, tuple(sorted(target.glyphs + line.glyphs, key=lambda g: g.x0)))
        if index is not None:
            merged[index] = joined
        else:
            lines[lines.index(base)] = joined  # the base line comes later: it carries the calls
    return merged


def extra_gaps(line: TextLine) -> list[tuple[float, str]]:
    """Each gap of the line beyond its natural width, in ems of the smaller glyph, with the pair."""
    found = []
    number = re.match(r"\d+\.", line.text)  # a note's number, set off by its own margin
    pairs = list(pairwise(line.glyphs))[number.end() if number else 0 :]
    for a, b in pairs:
        size = min(a.size, b.size)
        gap = (b.x0 - a.x1) / size
        mixed = bool(CJK.match(a.text)) != bool(CJK.match(b.text)) and not (
            WIDE.match(a.text) and WIDE.match(b.text)
        )
        mixed = (
            mixed
            and not (WIDE.match(a.text) and not CJK.match(a.text))
            and not (WIDE.match(b.text) and not CJK.match(b.text))
        )
        if mixed:
            natural = 0.25
        elif not WIDE.match(a.text) and not WIDE.match(b.text) and gap > 0.12:
            natural = SPACE  # a word space between two Latin words
        else:
            natural = 0.0
        found.append((gap - natural, a.text + b.text))
    return found


def full_lines(lines: list[TextLine], left: dict[int, float], pitches: tuple[float, ...]) -> list[TextLine]:
    """The lines another line of the same paragraph follows: the next line starts at the block's
    left edge one line pitch lower (text or notes), and its text is not a new note's number."""
    full = []
    for line, after in pairwise(lines):
        step = after.y - line.y
        same = after.page == line.page and any(abs(step - pitch) < 0.3 for pitch in pitches)
        if same and abs(after.x0 - left[line.page]) < 0.6 and not re.match(r"\d+\.", after.text):
            full.append(line)
    return full


def kinsoku_broken(lines: list[TextLine]) -> list[str]:
    """Lines that start with a character that may not start one, or end with one that may not end one."""
    return [
        f"page {line.page}: {line.text}"
        for line in lines
        if line.text[:1] in NO_LINE_START or line.text[-1:] in NO_LINE_END
    ]

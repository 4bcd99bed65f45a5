"""Stage 3a, last step: the PDF's text holds no elastic point, only the text as written.

An elastic point (`points`) is a space that WeasyPrint widens to justify a line; drawn as a
space glyph it would copy out as a space between two Chinese characters, and a reader's search
would not find the phrase. The points are set in a face of their own: print.css gives a
typeset block's text the `font-variation-settings` axis `BKPT`, which a static font ignores
but which makes WeasyPrint embed that text's face as a separate PDF font. In that font a space
glyph is always an elastic point: this finisher takes each one out of the text-showing
operators and leaves its advance as a number in the `TJ` array, so every glyph stays where
WeasyPrint put it and only the space's glyph (and its Unicode) is gone. A space the author
typed is set in the block's ordinary face (`.sp`, `.jq`, code) and is kept.

Taking the glyphs out is not enough: the gaps stay, and poppler reads any gap wider than a
tenth of an em as a word space (TextOutputDev's `minWordBreakSpace`; character spacing `Tc`
does not hide a gap from it, as it subtracts `Tc`). So each line's run of text boxes that
held a point is wrapped in one `/Span <</ActualText (…)>> BDC … EMC` around WeasyPrint's
tagged sequences, holding the line's text as written. Measured on the Kamailio booklet:
pdftotext gives no space between two CJK characters nor where Han meets Latin; MuPDF 1.28
(PyMuPDF) reads the glyphs, gives none between two CJK characters and one after a Latin
word before Han (its own gap rule); MuPDF 1.21 (Debian's mutool) reads a gap over about
0.15 em between two Han characters as a space.

Used as part of WeasyPrint's `finisher`: it takes the document and the pydyf PDF just before
it is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pydyf
from weasyprint.pdf.stream import Stream

# The axis that marks a typeset block's text (print.css); no font has it, so nothing changes shape.
POINT_AXIS = "BKPT"

_TF = re.compile(rb"^/(\S+) (\S+) Tf$")
_TM = re.compile(rb"^\S+ \S+ \S+ \S+ (\S+) (\S+) Tm$")
_TJ = re.compile(rb"^\[(.*)\] TJ$", re.DOTALL)
_READ = (b" Tf", b" Tm", b" TJ", b" Tf\n", b" Tm\n", b" TJ\n")  # the endings of the three above
_HEX = re.compile(rb"<([0-9a-fA-F]+)>")
_TOKEN = re.compile(rb"<([0-9a-fA-F]*)>|(-?\d+(?:\.\d+)?)")


def drop_elastic_points(document: object, pdf: pydyf.PDF) -> None:
    """Take the elastic points' glyphs out of every content stream; give each line its ActualText."""
    fonts = {font.hash: font for font in getattr(document, "fonts", {}).values() if not font.bitmap}
    points = {
        name: {gid for gid, text in font.to_unicode.items() if text in (" ", "\xa0")}
        for name, font in fonts.items()
        if POINT_AXIS in font.variations
    }
    if any(points.values()):
        for stream in pdf.objects:
            if isinstance(stream, Stream):
                stream.stream = _Page(points, fonts).rewrite(stream.stream)


@dataclass
class _Sequence:
    """One tagged marked-content sequence (`/Span <</MCID n>> BDC … EMC`): one text box of WeasyPrint's."""

    start: int  # index of its tag in the rewritten stream
    end: int = -1  # index of its EMC
    y: float | None = None
    x0: float = 0.0
    x1: float = 0.0
    size: float = 0.0
    text: str = ""
    points: bool = False  # whether it held an elastic point


class _Page:
    """One content stream's operators, read in order and rewritten."""

    def __init__(self, points: dict[str, set[int]], fonts: dict[str, Any]) -> None:
        self.points, self.fonts = points, fonts
        self.font, self.size, self.x, self.y = "", 0.0, 0.0, 0.0
        self.sequences: list[_Sequence] = []
        self.open: list[_Sequence | None] = []

    def rewrite(self, items: list[object]) -> list[object]:
        result: list[object] = []
        for item in items:
            data = item.encode() if isinstance(item, str) else item
            if isinstance(data, bytes):
                item = self._operator(data, item, result)
            result.append(item)
        return _with_actual_text(result, self.sequences)

    def _operator(self, data: bytes, item: object, result: list[object]) -> object:
        if data in (b"BDC", b"BMC"):
            marked = isinstance(result[-1], dict) and "MCID" in result[-1]
            self.open.append(_Sequence(len(result) - 2) if marked else None)
        elif data == b"EMC" and self.open:
            sequence = self.open.pop()
            if sequence is not None:
                sequence.end = len(result)
                self.sequences.append(sequence)
        elif not data.endswith(_READ):  # most operators: no pattern to try (`$` allows a last newline)
            return item
        elif (font := _TF.match(data)) is not None:
            self.font, self.size = font.group(1).decode(), float(font.group(2))
        elif (matrix := _TM.match(data)) is not None:
            self.x, self.y = float(matrix.group(1)), float(matrix.group(2))
        elif (shown := _TJ.match(data)) is not None:
            return self._show(shown.group(1))
        return item

    def _show(self, array: bytes) -> bytes:
        font = self.fonts.get(self.font)
        points = self.points.get(self.font, set())
        kept, advance, dropped = _without(array, points, font.widths if font else {})
        sequence = next((s for s in reversed(self.open) if s is not None), None)
        if sequence is not None and font is not None:
            codes = _HEX.findall(kept)
            text = "".join(
                font.to_unicode.get(int(c[i : i + 4], 16), "") for c in codes for i in range(0, len(c), 4)
            )
            if sequence.y is None:
                sequence.y, sequence.x0, sequence.size = self.y, self.x, self.size
            sequence.text += text
            sequence.x1 = self.x + advance * self.size / 1000
            sequence.points = sequence.points or dropped
        return b"[" + kept + b"] TJ"


def _without(array: bytes, points: set[int], widths: dict[int, int]) -> tuple[bytes, float, bool]:
    """A `TJ` array without the glyphs in `points` (each becomes a number moving as far as it did),
    how far the array moves the pen (in thousandths of the size), and whether it dropped any."""
    parts: list[bytes] = []
    group: list[bytes] = []
    shift = advance = 0.0
    dropped = False
    for token in _TOKEN.finditer(array):
        hexes, number = token.groups()
        if number is not None:
            shift += float(number)
            advance -= float(number)
            continue
        for code in (hexes[i : i + 4] for i in range(0, len(hexes), 4)):
            width = widths.get(int(code, 16), 0)
            advance += width
            if int(code, 16) in points:
                shift -= width  # a glyph moves by its width, a number by minus itself
                dropped = True
                continue
            if shift:
                parts += [b"<" + b"".join(group) + b">"] if group else []
                parts.append(f"{shift:g}".encode())
                group, shift = [], 0.0
            group.append(code)
    parts += [b"<" + b"".join(group) + b">"] if group else []
    parts += [f"{shift:g}".encode()] if shift else []
    return b"".join(parts), advance, dropped


def _with_actual_text(items: list[object], sequences: list[_Sequence]) -> list[object]:
    """Each line's run of text boxes that holds an elastic point, wrapped in one `/ActualText` span.

    Text extraction reads a gap wider than a tenth of an em as a word space (poppler) and
    most lines here have such gaps between Chinese characters; inside an ActualText span
    it reads the span's text, spread over the span's width. A text box that draws nothing
    between two others on the line is a space the author typed (`.sp`, `.jq`): a space.
    """
    wraps: dict[int, list[object]] = {}
    for line in _lines(sequences):
        if not any(s.points for s in line):
            continue
        text = ""
        for previous, sequence in zip([None, *line], line, strict=False):  # pairs: one shorter
            if previous is not None and (
                sequence.x0 - previous.x1 > 0.1 * sequence.size or not (previous.text or previous.points)
            ):
                text += " " if not text.endswith(" ") else ""
            text += sequence.text
        actual = pydyf.Dictionary({"ActualText": pydyf.String(text.strip())})
        wraps.setdefault(line[0].start, []).extend(["/Span", actual, b"BDC"])
        wraps.setdefault(line[-1].end + 1, []).append(b"EMC")
    result: list[object] = []
    for index, item in enumerate(items):
        result.extend(wraps.get(index, []))
        result.append(item)
    result.extend(wraps.get(len(items), []))
    return result


def _lines(sequences: list[_Sequence]) -> list[list[_Sequence]]:
    """Runs of consecutive sequences on one baseline, each box starting within an em of the last's end."""
    lines: list[list[_Sequence]] = []
    for sequence in sorted(sequences, key=lambda s: s.start):
        last = lines[-1][-1] if lines else None
        joined = (
            last is not None
            and sequence.start > last.end
            and (
                sequence.y is None
                or (
                    last.y is not None
                    and abs(sequence.y - last.y) < 0.01
                    and sequence.x0 - last.x1 < sequence.size
                )
            )
        )
        if joined:
            lines[-1].append(sequence)
        elif sequence.y is not None:
            lines.append([sequence])
    for line in lines:  # a box that draws nothing ends no line
        while line[-1].y is None:
            line.pop()
    return lines

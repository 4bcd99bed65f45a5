"""Stage 3a, under `layout`: how WeasyPrint 70.0 justifies a line of Chinese or Japanese text.

WeasyPrint justifies a line by widening its spaces, each by the same amount
(`weasyprint.layout.inline.justify_line`). The elastic points (`points`) are such spaces,
between every two characters, so on most lines each takes a few hundredths of an em. But a
line that holds a long Latin word, an address or a URL has two or three points, and the
slack of its line (up to an em: the next character did not fit) falls on them: gaps of
0.4 em and more, the holes issue 14 is about.

`justify_between_characters` puts in WeasyPrint's place a `justify_line` that widens each
space by `STRETCH` (a fifth of an em of the line's text) and then spreads what is left
evenly over those spaces and the letters of the runs that hold no point (letter spacing on
those text boxes, CSS Text 3 `text-justify: inter-character`, clreq §3.8): its Latin words,
URLs and addresses, which `points` sets apart from the Han text by a point or a quarter em.
A line of few points stretches along them by a few hundredths of an em a letter instead.
(Letter spacing on a run of Han would widen its points again.) A typeset text box is one
whose face carries the `BKPT` axis (print.css); code, a Latin space the author typed and
any text outside a typeset block are never letter-spaced. A line with no typeset text, or
whose spaces take its slack within `STRETCH`, is justified exactly as WeasyPrint does
(English text keeps its lines; only the rounding of glyph positions below differs, by under
1/1000 em). What the letter spacing adds is measured on the laid-out text (Pango's own
widths), and the spaces take the rest: the line stays flush.

Applied only to WeasyPrint 70.0 (another version keeps its own justification; `text-justify`
and its weighting are not implemented upstream as of 70.0), with one fix to how it writes
the glyphs' positions (`_round_adjustments`), which the points' many small adjustments need.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Iterator
from typing import Any

PINNED = "70.0"
STRETCH = 0.2  # em: how much a space (an elastic point) is widened before letters take part
_SPACES = {" ", "\xa0"}  # what WeasyPrint widens

__all__ = ["justify_between_characters"]

_original: list[Any] = []


def justify_between_characters() -> bool:
    """Replace WeasyPrint's `justify_line` and round its glyph adjustments (70.0 only); True when done."""
    import weasyprint
    from weasyprint.layout import inline

    if weasyprint.__version__ != PINNED:
        return False
    if not _original:
        _original.append(inline.justify_line)
        inline.justify_line = _justify_line
        _round_adjustments()
    return True


def _round_adjustments() -> None:
    """WeasyPrint 70.0 writes each glyph's adjustment in a `TJ` array as `int(kerning)`, cut
    toward zero: every elastic point (a space narrowed by 256/1000 em, then widened a little)
    lands up to 1/1000 em off, always the same way, so over a text box of twenty points its
    glyphs drift 0.2 pt right of where the layout put them, onto the box that follows (a
    `.lc` mark). Rounded, the errors do not add up. Made on `draw_first_line`'s own source
    (as `upstream` edits); a source not as expected is left alone."""
    from weasyprint.draw import text

    old, new = "string += f'>{int(kerning)}<'", "string += f'>{round(kerning)}<'"
    source = textwrap.dedent(inspect.getsource(text.draw_first_line))
    if source.count(old) != 1:
        return
    namespace: dict[str, Any] = {}
    code = compile(source.replace(old, new), inspect.getfile(text.draw_first_line), "exec")
    exec(code, text.__dict__, namespace)  # noqa: S102 - upstream's own source, edited as above
    text.draw_first_line = namespace["draw_first_line"]


def _justify_line(context: Any, line: Any, extra_width: float) -> None:
    from weasyprint.layout import inline

    _drop_trailing_points(line)
    spaces = inline.count_expandable_spaces(line)
    letters = [box for box in _text_boxes(line) if _typeset(box) and box.text and not _SPACES & set(box.text)]
    size = min((box.style["font_size"] for box in letters), default=line.style["font_size"])
    most = STRETCH * size * spaces  # in a note, the note's em (its line box has the page's)
    if not letters or extra_width <= most:
        _original[0](context, line, extra_width)
        return
    count = sum(len(box.text) for box in letters)
    beyond = (extra_width - most) / (count + spaces)  # each letter and each point takes as much more
    added = {id(box): _letter_spaced(context, box, beyond) for box in letters}
    rest = extra_width - sum(added.values())
    _widen(context, line, rest / spaces if spaces else 0.0, added, 0.0)


def _drop_trailing_points(line: Any) -> None:
    """Take the spaces out of the text boxes that end the line with nothing to show.

    WeasyPrint drops a space that ends a line (`remove_last_whitespace`) only when it is the
    last character. But a text box that is one space with word spacing (an elastic point
    between two elements, as between the `<span class="ed">` characters of an emphasis) is
    laid out as a space and a zero-width space (`text/line_break.py`, "We need more than one
    space to set word spacing"): at a line's end it stays, takes its share of the slack, and
    the line's last glyph ends one share short of the edge. Those boxes are already zero-wide."""
    for box in _text_boxes(line, backwards=True):  # from the end: most lines stop at their last box
        if box.text.strip(" \u200b"):
            return
        box.text = box.text.replace(" ", "")


def _text_boxes(box: Any, backwards: bool = False) -> Iterator[Any]:
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.TextBox):
        yield box
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        for child in reversed(box.children) if backwards else box.children:
            if child.is_in_normal_flow():
                yield from _text_boxes(child, backwards)


def _typeset(box: Any) -> bool:
    """Text of a typeset block (print.css gives it the points' `BKPT` axis)."""
    settings = box.style["font_variation_settings"]
    return settings != "normal" and any(tag == "BKPT" for tag, _ in settings)


def _letter_spaced(context: Any, box: Any, spacing: float) -> float:
    """Give `box` `spacing` between its characters; return how much wider it is now.

    The box is wider by about one `spacing` a character, the last too (Pango's letter
    spacing, measured): the point after the box is that much wider. Not taking it off: a
    box's glyphs then overlap the next mark's box (test_pdf, a Latin word before `，`).
    """
    from weasyprint.text.line_break import create_layout, line_size

    style = box.style.copy()
    style["letter_spacing"] = spacing
    layout = create_layout(box.text, style, context, max_width=None, justification_spacing=0)
    width, _ = line_size(layout.get_first_line()[0], style)
    layout.deactivate()
    box.style = style
    return float(width - box.width)


def _widen(context: Any, box: Any, spacing: float, added: dict[int, float], x_advance: float) -> float:
    """WeasyPrint's `add_word_spacing`, with the letter spacing each text box took (`added`)."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import inline
    from weasyprint.text.line_break import create_layout

    if isinstance(box, boxes.TextBox):
        box.justification_spacing = spacing
        box.position_x += x_advance
        extra = spacing * inline.count_expandable_spaces(box) + added.get(id(box), 0.0)
        if extra:
            layout = create_layout(
                box.text, box.style, context, max_width=None, justification_spacing=spacing
            )
            layout.deactivate()
            box.pango_layout = layout
            box.width += extra
            x_advance += extra
    elif isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        children = box.children[::-1] if box.style["direction"] == "rtl" else box.children
        for child in children:
            if child.is_in_normal_flow():
                x_advance = _widen(context, child, spacing, added, x_advance)
        box.width += x_advance - before
    else:
        box.translate(x_advance, 0)  # an atomic inline box
    return x_advance

"""Stage 3a, first step (part of `typeset`): the elastic points of a CJK text block.

Takes one block of the print document that `typeset` marked `cjk-set`; changes its text in
place so that WeasyPrint, which justifies a line by widening its spaces only, spreads the
line's slack over every gap between characters (clreq §3.8, `text-justify: inter-character`):

- between two Han characters (or kana), after closing punctuation, before opening
  punctuation and around `——` `……`, an elastic point: a plain ASCII space that print.css
  gives no width (a negative `word-spacing` as wide as the CJK face's space);
- where Han meets Latin with no space typed, `<span class="jp">&#x200b; </span>`: a quarter em
  (clreq §3.4.2) that stretches the same way; a space the author typed there is
  `<span class="jq"> </span>`, the same width; a space typed between Latin words is
  `<span class="sp"> </span>`, which keeps its own width.

No point goes before a character that may not start a line or after one that may not end it
(kinsoku, clreq §3.1.7): a point is a break opportunity. None goes before a note call, so a
call never starts a line. The points are drawn from a font of their own (print.css marks the
block's text with a `font-variation-settings` axis that `copytext` looks for) so that the PDF's
text holds none of them: `copytext` takes their glyphs out of the content streams.
A URL in the text (`<span class="url">`) may break between any two characters (a zero-width
space: a URL is never spaced out), a Latin word at its hyphenation points and a long
camel-case name between its words (`wordbreaks`), so that no line is left with the slack of
a whole word. A `，。、` before a point is set with it in `<span class="lc">`: print.css sets
the mark half-width and gives the point its blank half, so that at a line's end, where
WeasyPrint drops the point, the mark is half-width and the line fits half an em more before
it widens (clreq §3.1.6). A space typed beside full-width punctuation or between two CJK
characters goes (`，`, `。`, `（` carry their own blank half).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import takewhile

from lxml import html as lxml_html

from booklet.pdf.wordbreaks import break_address, break_words
from booklet.scripts import (
    CLOSING,
    DASHES,
    HALF_CLOSING,
    HALF_OPENING,
    HAN,
    LATIN,
    NO_LINE_END,
    NO_LINE_START,
    OPENING,
    WIDE,
    is_cjk_language,
)

# Where the text is left alone: code keeps its spaces, math and scripts are not text.
UNTOUCHED = {"pre", "code", "kbd", "samp", "script", "style", "math", "svg"}

_IDEOGRAPHIC = re.compile(f"[{HAN}\u3041-\u309f\u30a1-\u30ff]")
_LATIN = re.compile(f"[{LATIN}]")
# What an emphasis marks (CSS Text Decoration 3 §3.1: not punctuation, spaces or Latin): Han
# characters and 々, kana and ー but not the middle dot ・, Hangul syllables.
_MARKED = re.compile(f"[{HAN}\u3005\u3041-\u309f\u30a1-\u30fa\u30fc-\u30ff\uac00-\ud7a3]")
_SEGMENT_BREAK = re.compile(f"(?<=[{WIDE}])[ \t]*\n\\s*(?=[{WIDE}])")
_SPACE_RUN = re.compile("[ \t\n]+")
# A space (or a line break of the source) typed beside full-width punctuation (which carries
# its own blank half) or between two Han characters or kana (MDN's `{{HTMLElement("dl")}} 要素`, once the macro prints nothing): a
# typesetter takes it out, and the gap becomes an elastic point like any other (clreq §3.1.6).
_FULL_WIDTH = "，。、；：？！（）《》「」『』【】〔〕〈〉〖〗｛｝"
_TYPED_CJK_SPACE = re.compile(
    f"(?<=[{_FULL_WIDTH}])[ \t\n]+|[ \t\n]+(?=[{_FULL_WIDTH}])"
    f"|(?<=[{HAN}\u3041-\u309f\u30a1-\u30ff])[ \t]+(?=[{HAN}\u3041-\u309f\u30a1-\u30ff])"
)
# A space the author put between a wide character and a Latin one (clreq §3.4.2: a quarter em).
_MIXED_SPACE = re.compile(f"(?<=[{WIDE}]) (?=[^{WIDE}\\s])|(?<=[^{WIDE}\\s]) (?=[{WIDE}])")
# A URL in the text: `word-break: break-all` lets WeasyPrint cut a part too long for a line.
_URL = re.compile(f'https?://[^\\s{WIDE}<>"]+')
# Which mark of an adjacent pair loses its blank half (clreq §3.1.6.2): a closing mark before
# any other mark, an opening mark after another opening mark.
# Marks set in the left half of their em in Simplified Chinese and Japanese faces, whose blank
# half may go at the end of a line (clreq §3.1.6, JLREQ §3.1.4): `LINE_END_HALF`.
LINE_END_HALF = "，。、"
_HALT = re.compile(f"[{HALF_CLOSING}](?=[{CLOSING}{OPENING}])|(?<=[{OPENING}])[{HALF_OPENING}]")


@dataclass
class _Slot:
    """One text of a block (an element's `text` or `tail`), in document order."""

    owner: lxml_html.HtmlElement
    attribute: str
    processed: bool  # Chinese prose (not code, not another language, not a note call)
    call: bool  # the number of a note call
    edge_before: bool  # a block edge, a line break or a note's block comes before it

    @property
    def text(self) -> str:
        return str(getattr(self.owner, self.attribute) or "")


def set_points(block: lxml_html.HtmlElement) -> None:
    """Put the elastic points into `block` (see the module docstring)."""
    slots = _flow(block)
    for slot in slots:
        if slot.processed:
            setattr(slot.owner, slot.attribute, _fix_spaces(slot.text))
    plans = [
        (slot, *_edges(slots, index)) for index, slot in enumerate(slots) if slot.processed and slot.text
    ]
    for slot, before, after in plans:
        _splice(slot.owner, slot.attribute, _pieces(slot.text, before, after))


def set_emphasis_dots(block: lxml_html.HtmlElement) -> None:
    """Each Han character, kana or Hangul syllable of an emphasis in `block` in a
    `<span class="ed">`, which print.css marks: a dot under it in Chinese (着重号, clreq §3.2.2),
    a sesame dot over it in Japanese (傍点, JLREQ §3.3.2), a dot over it in Korean. Punctuation,
    Latin and the elastic points stay outside, so a mark sits on its character however the line
    stretches. An emphasis inside another is marked once, as part of the outer one."""
    for emphasis in [
        em
        for em in block.iter("em")
        if not any(_is_skipped(e) for e in (em, *em.iterancestors()))
        and not any(e.tag == "em" for e in em.iterancestors())
    ]:
        for owner, attribute in _emphasis_slots(emphasis):
            text = getattr(owner, attribute) or ""
            if _MARKED.search(text):
                pieces = [_span("ed", c) if _MARKED.match(c) else c for c in text]
                _splice(owner, attribute, _joined(pieces))


def _emphasis_slots(emphasis: lxml_html.HtmlElement) -> list[tuple[lxml_html.HtmlElement, str]]:
    """The texts of an emphasis that may be marked: not code's, but the text after a code."""
    slots = [(emphasis, "text")]
    for element in emphasis.iterdescendants():
        if not isinstance(element.tag, str):
            continue
        between = takewhile(lambda e: e is not emphasis, element.iterancestors())
        if any(_is_skipped(e) for e in between):
            continue
        if not _is_skipped(element):
            slots.append((element, "text"))
        slots.append((element, "tail"))
    return slots


def boundary(left: str, right: str) -> str | None:
    """What goes between two characters: an elastic point (`pt`), a quarter em (`jp`) or nothing."""
    if left in NO_LINE_END or right in NO_LINE_START:
        return None
    left_ideo, right_ideo = bool(_IDEOGRAPHIC.match(left)), bool(_IDEOGRAPHIC.match(right))
    left_latin, right_latin = bool(_LATIN.match(left)), bool(_LATIN.match(right))
    if (left_ideo and right_latin) or (left_latin and right_ideo):
        return "jp"
    if left_ideo and right_ideo:
        return "pt"
    if left in CLOSING and (right_ideo or right_latin or right in OPENING or right in DASHES):
        return "pt"
    if (left_ideo or left_latin) and (right in OPENING or right in DASHES):
        return "pt"
    if left in DASHES and right not in DASHES and (right_ideo or right_latin or right in OPENING):
        return "pt"
    return None


def _flow(block: lxml_html.HtmlElement) -> list[_Slot]:
    """Every text of `block` in document order, each with what it is and what separates it from the last."""
    slots: list[_Slot] = []
    edge = [True]

    def visit(element: lxml_html.HtmlElement, skipped: bool, call: bool) -> None:
        if element.text:
            slots.append(_Slot(element, "text", not skipped and not call, call, edge[0]))
            edge[0] = False
        for child in element:
            if not isinstance(child.tag, str):
                continue
            is_edge = _is_edge(child)
            edge[0] = edge[0] or is_edge
            visit(child, skipped or _is_skipped(child), call or _is_call(child))
            edge[0] = edge[0] or is_edge
            if child.tail:
                slots.append(_Slot(child, "tail", not skipped and not call, call, edge[0]))
                edge[0] = False

    visit(block, False, False)
    return slots


def _edges(slots: list[_Slot], index: int) -> tuple[str | None, str | None]:
    """The point at the start and at the end of slot `index`'s text, if this slot sets it.

    The slot on the left of a boundary sets it, unless it is code or another language (not
    processed); nothing goes before a note call.
    """
    slot = slots[index]
    before = after = None
    previous = slots[index - 1] if index > 0 and not slot.edge_before else None
    following = slots[index + 1] if index + 1 < len(slots) and not slots[index + 1].edge_before else None
    if previous is not None and previous.text and not previous.processed:
        before = "pt" if previous.call and _IDEOGRAPHIC.match(slot.text[0]) else None
        before = before or (None if previous.call else boundary(previous.text[-1], slot.text[0]))
    if following is not None and following.text:
        after = "wj" if following.call else boundary(slot.text[-1], following.text[0])
    return before, after


def _is_skipped(element: lxml_html.HtmlElement) -> bool:
    lang = element.get("lang")
    in_note_code = "fn-pre" in str(element.get("class") or "").split()  # a note's <pre> (notes.py)
    return element.tag in UNTOUCHED or in_note_code or (lang is not None and not is_cjk_language(lang))


def _is_call(element: lxml_html.HtmlElement) -> bool:
    """A note call: `<sup><a class="noteref">1</a></sup>` (content/assemble.py)."""
    return element.tag == "sup" and any("noteref" in str(a.get("class") or "") for a in element.iter("a"))


def _is_edge(element: lxml_html.HtmlElement) -> bool:
    """A line break or a note's block: space beside it is not between words.

    A note's blocks are spans classed `fn-p`, `fn-li`… (notes.py) and `footnote-para`.
    """
    classes = str(element.get("class") or "").split()
    in_note = "footnote" in classes or any(c.startswith(("fn-", "footnote-para")) for c in classes)
    return element.tag == "br" or in_note


def _fix_spaces(text: str) -> str:
    """Drop source line breaks between wide characters and spaces typed beside full-width
    punctuation or between two CJK characters; collapse the other white space to one space."""
    return _SPACE_RUN.sub(" ", _TYPED_CJK_SPACE.sub("", _SEGMENT_BREAK.sub("", text)))


def _pieces(text: str, before: str | None, after: str | None) -> list[str | lxml_html.HtmlElement]:
    """`text` cut into strings, elastic points, half-width marks and URLs, in order."""
    urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
    inside_url = {i for begin, end in urls for i in range(begin + 1, end)}
    points = {
        i: kind
        for i in range(1, len(text))
        if i not in inside_url and (kind := boundary(text[i - 1], text[i]))
    }
    if before:
        points[0] = before
    if after:
        points[len(text)] = after  # "wj": a word joiner, so that no line starts with the call
    marks = {m.start(): ("halt", m.end()) for m in _HALT.finditer(text)}
    marks.update(
        {m.start(): ("jq", m.end()) for m in _MIXED_SPACE.finditer(text) if m.start() not in inside_url}
    )
    marks.update({begin: ("url", end) for begin, end in urls})
    pieces: list[str | lxml_html.HtmlElement] = []
    start = 0
    for position in sorted(set(points) | set(marks)):
        if position < start:
            continue
        kind = points.get(position)
        compressible = kind == "pt" and position > start and text[position - 1] in LINE_END_HALF
        pieces.extend(_word_spaces(text[start : position - compressible]))
        start = position
        if compressible:  # the mark and its point, whose width is the mark's blank half
            pieces.append(_span("lc", text[position - 1] + " "))
        elif kind:
            pieces.append(_span("jp", "\u200b ") if kind == "jp" else "\u2060" if kind == "wj" else " ")
        if position in marks:
            kind, end = marks[position]
            piece = text[position:end]
            pieces.append(_span(kind, break_address(piece) if kind == "url" else piece))
            start = end
    pieces.extend(_word_spaces(text[start:]))
    return _joined(pieces)


def _word_spaces(text: str) -> list[str | lxml_html.HtmlElement]:
    """The spaces the author typed (between Latin words) keep their width: `.sp` in print.css."""
    parts = [break_words(part) for part in text.split(" ")]
    pieces: list[str | lxml_html.HtmlElement] = [parts[0]]
    for part in parts[1:]:
        pieces += [_span("sp", " "), part]
    return pieces


def _joined(pieces: list[str | lxml_html.HtmlElement]) -> list[str | lxml_html.HtmlElement]:
    """Adjacent strings as one (elastic points are text), empty strings dropped."""
    joined: list[str | lxml_html.HtmlElement] = []
    for piece in pieces:
        if isinstance(piece, str) and joined and isinstance(joined[-1], str):
            joined[-1] += piece
        elif not isinstance(piece, str) or piece:
            joined.append(piece)
    return joined


def _span(kind: str, text: str) -> lxml_html.HtmlElement:
    span = lxml_html.Element("span", {"class": kind})
    span.text = text
    return span


def _splice(owner: lxml_html.HtmlElement, attribute: str, pieces: list[str | lxml_html.HtmlElement]) -> None:
    """Put `pieces` where `owner.text` (or `owner.tail`) was."""
    first = pieces[0] if pieces and isinstance(pieces[0], str) else ""
    setattr(owner, attribute, first)
    rest = pieces[1:] if first else pieces
    container = owner if attribute == "text" else owner.getparent()
    assert container is not None  # a tail belongs to an element inside the body
    index = 0 if attribute == "text" else container.index(owner) + 1
    parent = container
    previous: lxml_html.HtmlElement | None = None
    for piece in rest:
        if isinstance(piece, str):
            assert previous is not None
            previous.tail = (previous.tail or "") + piece
            continue
        parent.insert(index, piece)
        index, previous = index + 1, piece

"""Stage 3a, first step: print-only clreq typesetting of the print HTML, before WeasyPrint.

Takes the print document as rendered from the templates and the booklet's language;
returns the same document with the text prepared for WeasyPrint's line breaker and
justifier. Only text inside Chinese (or Japanese, Korean) blocks changes, never code:

- a line break in the Markdown source between two CJK characters is dropped (CSS Text 3
  §4.1.3: it is not a space in these scripts); elsewhere it is an ordinary space;
- WeasyPrint justifies a line by widening its spaces only (ASCII and no-break). The text
  block is a whole number of characters wide (print.html.j2), so a full line of Han ends
  flush without help. A line holding Latin words, a URL or a line-start prohibition has
  slack: elastic points take it, so no one space is torn open. An elastic point is a
  plain ASCII space, put after each run of closing CJK punctuation and where Han meets
  Latin (clreq §3.8 adjusts punctuation and mixed-script spacing first). A typeset block is
  marked `cjk-set`, and print.css gives its spaces no width (a negative `word-spacing`
  equal to the CJK face's space); a space the author typed between Latin words becomes
  `<span class="sp"> </span>`, which keeps its width. Plain text, not a span per point:
  every span is an inline box to lay out, and one per point tripled the layout time of a
  long booklet. A space the author typed between Han and Latin becomes
  `<span class="jq"> </span>`, a quarter em (clreq §3.4.2) that stretches the same way.
  With an elastic point every few characters, each takes a small share. A URL in the text
  may break after any character (`<span class="url">`), so it leaves little slack;
- in every language, a table whose words cannot all fit side by side is marked `tight`
  (smaller, cells break anywhere), and the white space between a floated note's number
  and its first paragraph goes, or WeasyPrint would set the number on a line of its own;
- adjacent CJK punctuation (`。”`, `）、`, `”（`) is set half-width with the font's `halt`
  feature (clreq §3.1.6). `——` and `……` need nothing: Pango's line breaking (UAX #14)
  never splits them, and never starts a line with closing punctuation or ends one with
  opening punctuation (the tests check the output).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree
from lxml import html as lxml_html

from booklet.scripts import (
    CLOSING,
    DASHES,
    HALF_CLOSING,
    HALF_OPENING,
    HAN,
    LATIN,
    OPENING,
    WIDE,
    is_cjk_language,
)

# Where the text is left alone: code keeps its spaces, math and scripts are not text.
UNTOUCHED = {"pre", "code", "kbd", "samp", "script", "style", "math", "svg"}
# Headings are left-aligned, and copied into the outline and running heads: no elastic points.
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
BLOCKS = HEADINGS | {
    "p",
    "li",
    "td",
    "th",
    "dd",
    "dt",
    "blockquote",
    "figcaption",
    "caption",
    "div",
    "section",
}

_HAN = re.compile(f"[{HAN}]")
_SEGMENT_BREAK = re.compile(f"(?<=[{WIDE}])[ \t]*\n\\s*(?=[{WIDE}])")
_SPACE_RUN = re.compile("[ \t\n]+")
# A space the author put between a wide character and a Latin one (clreq §3.4.2: a quarter em).
_MIXED_SPACE = re.compile(f"(?<=[{WIDE}]) (?=[^{WIDE}\\s])|(?<=[^{WIDE}\\s]) (?=[{WIDE}])")
# Where an elastic point goes: after a run of closing punctuation that a Han character,
# a Latin letter or opening punctuation follows; where Han meets Latin; before opening
# punctuation; on both sides of a dash or an ellipsis (——, ……). The more points a line has,
# the smaller each one's share of its slack (a line with one point showed a 1-em gap).
_ELASTIC = re.compile(
    f"(?<=[{CLOSING}])(?=[{HAN}{LATIN}{OPENING}{DASHES}])|(?<=[{HAN}])(?=[{LATIN}])|(?<=[{LATIN}])(?=[{HAN}])"
    f"|(?<=[{HAN}{LATIN}])(?=[{OPENING}{DASHES}])|(?<=[{DASHES}])(?=[{HAN}{LATIN}{OPENING}])"
)
# A URL in the text: `word-break: break-all` lets WeasyPrint cut a part too long for a line.
_URL = re.compile(f'https?://[^\\s{WIDE}<>"]+')
# Which mark of an adjacent pair loses its blank half (clreq §3.1.6.2): a closing mark before
# any other mark, an opening mark after another opening mark.
_HALT = re.compile(f"[{HALF_CLOSING}](?=[{CLOSING}{OPENING}])|(?<=[{OPENING}])[{HALF_OPENING}]")


def typeset_print_html(html: str, language: str) -> str:
    """Prepare the print document's text for WeasyPrint (see the module docstring)."""
    root = lxml_html.document_fromstring(html)
    body = root.find("body")
    if body is None:
        return html
    _tidy_notes(body)
    _mark_tight_tables(body)
    if not is_cjk_language(language):
        return _serialize(root)
    for block in list(_cjk_blocks(body)):
        block.set("class", " ".join(filter(None, [block.get("class"), "cjk-set"])))
        for owner, attribute, inline_before, inline_after in list(_text_slots(block)):
            text = _fix_spaces(getattr(owner, attribute))
            _splice(owner, attribute, _pieces(text, inline_before, inline_after))
    return _serialize(root)


def unfloat_note(html: str, note_id: str) -> str:
    """Set a floated note in the text, after the top-level block that calls it.

    Its call is already a link in the text (notes.py); the note becomes a
    `<div class="footnote-flow">` that flows across pages like any block.
    """
    root = lxml_html.document_fromstring(html)
    found = root.xpath("//span[@id=$id][contains(concat(' ', @class, ' '), ' footnote ')]", id=note_id)
    if not found:
        return html
    note = found[0]
    block = note
    while (
        block.getparent() is not None and "chapter" not in str(block.getparent().get("class") or "").split()
    ):
        block = block.getparent()
    typeset = any("cjk-set" in str(a.get("class") or "").split() for a in note.iterancestors())
    note.drop_tree()  # keeps the text after the note in place
    note.tag, note.tail = "div", None
    note.set("class", "footnote-flow cjk-set" if typeset else "footnote-flow")  # its elastic points
    block.addnext(note)
    return _serialize(root)


# Narrowest text block we lay out (A6: 24 characters); em widths of what cannot break.
NARROWEST_MEASURE = 24
_UNBREAKABLE = re.compile(r"[^\s\u2e80-\U0003134f]+")


def _mark_tight_tables(body: lxml_html.HtmlElement) -> None:
    """Mark a table whose unbreakable words could not fit side by side (`table.tight`).

    print.css sets it smaller and lets its cells break anywhere, so it fits the text block;
    other tables keep whole words (a cell broken mid-word is harder to read).
    """
    for table in body.iter("table"):
        widest = max((_min_row_width(row) for row in table.iter("tr")), default=0.0)
        if widest > NARROWEST_MEASURE:
            table.set("class", " ".join(filter(None, [table.get("class"), "tight"])))


def _min_row_width(row: lxml_html.HtmlElement) -> float:
    """About how many ems a row needs at least: each cell's longest word (Latin ≈ 0.55 em a letter)."""
    cells = [cell for cell in row if cell.tag in ("td", "th")]
    words = [_UNBREAKABLE.findall(cell.text_content() or "") for cell in cells]
    return sum(max((0.55 * len(w) for w in found), default=1.0) + 1.0 for found in words)


def _serialize(root: lxml_html.HtmlElement) -> str:
    return "<!DOCTYPE html>\n" + str(etree.tostring(root, encoding="unicode", method="html"))


def _tidy_notes(body: lxml_html.HtmlElement) -> None:
    """Drop the source's line breaks around a floated note's paragraphs.

    WeasyPrint would set the note's number (`::footnote-marker`) on a line of its own
    when white space separates it from the first paragraph.
    """
    for note in body.find_class("footnote"):
        if note.text is not None and not note.text.strip():
            note.text = None
        for paragraph in note.find_class("footnote-para"):
            if paragraph.tail is not None and not paragraph.tail.strip():
                paragraph.tail = None


def _cjk_blocks(body: lxml_html.HtmlElement) -> Iterator[lxml_html.HtmlElement]:
    """A chapter's innermost blocks (not headings) that hold Han and are not in another language."""
    for element in body.iter():
        if not isinstance(element.tag, str) or element.tag not in BLOCKS or element.tag in HEADINGS:
            continue
        if not any("chapter" in str(a.get("class") or "").split() for a in element.iterancestors()):
            continue
        if any(isinstance(child.tag, str) and child.tag in BLOCKS for child in element.iterdescendants()):
            continue
        if _HAN.search(element.text_content() or "") and _is_cjk(element):
            yield element


def _is_cjk(element: lxml_html.HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        if ancestor.get("lang"):
            return is_cjk_language(str(ancestor.get("lang")))
    lang = element.get("lang")
    return lang is None or is_cjk_language(lang)


def _text_slots(block: lxml_html.HtmlElement) -> Iterator[tuple[lxml_html.HtmlElement, str, bool, bool]]:
    """Every text of `block` that is Chinese prose, not code, in document order.

    Yields (element, "text" or "tail", inline before, inline after): whether inline content
    touches the text's start and end (rather than a block edge or a line break).
    """
    yield from _slots_in(block, block)


def _slots_in(
    element: lxml_html.HtmlElement, block: lxml_html.HtmlElement
) -> Iterator[tuple[lxml_html.HtmlElement, str, bool, bool]]:
    children = [child for child in element if isinstance(child.tag, str)]
    if element.text and not _is_skipped(element, block):
        yield (
            element,
            "text",
            not _is_edge(element, block),
            bool(children) and not _is_edge(children[0], block),
        )
    if _is_skipped(element, block):
        children = []
    for index, child in enumerate(children):
        yield from _slots_in(child, block)
        if child.tail:
            after = children[index + 1] if index + 1 < len(children) else None
            inline_after = not _is_edge(after, block) if after is not None else not _is_edge(element, block)
            yield child, "tail", not _is_edge(child, block), inline_after


def _is_skipped(element: lxml_html.HtmlElement, block: lxml_html.HtmlElement) -> bool:
    if element is block:
        return False
    lang = element.get("lang")
    in_note_code = "fn-pre" in str(element.get("class") or "").split()  # a note's <pre> (notes.py)
    return element.tag in UNTOUCHED or in_note_code or (lang is not None and not is_cjk_language(lang))


def _is_edge(element: lxml_html.HtmlElement, block: lxml_html.HtmlElement) -> bool:
    """A block's own edge, a line break or a note's block: space beside it is not between words.

    A note's blocks are spans classed `fn-p`, `fn-li`… (notes.py) and `footnote-para`.
    """
    classes = str(element.get("class") or "").split()
    in_note = "footnote" in classes or any(c.startswith(("fn-", "footnote-para")) for c in classes)
    return element is block or element.tag == "br" or in_note


def _fix_spaces(text: str) -> str:
    """Drop source line breaks between wide characters; collapse the other white space to one space."""
    return _SPACE_RUN.sub(" ", _SEGMENT_BREAK.sub("", text))


def _pieces(text: str, inline_before: bool, inline_after: bool) -> list[str | lxml_html.HtmlElement]:
    """`text` cut into strings, elastic points, half-width marks and URLs, in order."""
    urls = [(m.start(), m.end()) for m in _URL.finditer(text)]
    inside_url = {i for begin, end in urls for i in range(begin + 1, end)}
    points = {m.start() for m in _ELASTIC.finditer(text)} - inside_url
    if inline_before and text[:1] and re.match(f"[{HAN}{OPENING}]", text[0]):
        points.add(0)
    marks = {m.start(): ("halt", m.end()) for m in _HALT.finditer(text)}
    marks.update(
        {m.start(): ("jq", m.end()) for m in _MIXED_SPACE.finditer(text) if m.start() not in inside_url}
    )
    marks.update({begin: ("url", end) for begin, end in urls})
    pieces: list[str | lxml_html.HtmlElement] = []
    start = 0
    for position in sorted(points | set(marks)):
        if position < start:
            continue
        pieces.extend(_word_spaces(text[start:position]))
        start = position
        if position in points:
            pieces.append(" ")
        if position in marks:
            kind, end = marks[position]
            pieces.append(_span(kind, text[position:end]))
            start = end
    pieces.extend(_word_spaces(text[start:]))
    if inline_after and text[-1:] and re.match(f"[{HAN}{CLOSING}]", text[-1]):
        pieces.append(" ")
    return _joined(pieces)


def _word_spaces(text: str) -> list[str | lxml_html.HtmlElement]:
    """The spaces the author typed (between Latin words) keep their width: `.sp` in print.css."""
    parts = text.split(" ")
    pieces: list[str | lxml_html.HtmlElement] = [parts[0]]
    for part in parts[1:]:
        pieces += [_span("sp", " "), part]
    return pieces


def _joined(pieces: list[str | lxml_html.HtmlElement]) -> list[str | lxml_html.HtmlElement]:
    """Adjacent strings as one (elastic points are text now), empty strings dropped."""
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
    parent, index = (
        (owner, 0) if attribute == "text" else (owner.getparent(), owner.getparent().index(owner) + 1)
    )
    previous: lxml_html.HtmlElement | None = None
    for piece in rest:
        if isinstance(piece, str):
            assert previous is not None
            previous.tail = (previous.tail or "") + piece
            continue
        parent.insert(index, piece)
        index, previous = index + 1, piece

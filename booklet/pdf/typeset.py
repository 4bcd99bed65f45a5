"""Stage 3a, first step: print-only clreq typesetting of the print HTML, before WeasyPrint.

Takes the print document as rendered from the templates and the booklet's language;
returns the same document with the text prepared for WeasyPrint's line breaker and
justifier. Only text inside Chinese (or Japanese, Korean) blocks changes, never code:

- a line break in the Markdown source between two CJK characters is dropped (CSS Text 3
  §4.1.3: it is not a space in these scripts); elsewhere it is an ordinary space;
- WeasyPrint justifies a line by widening its spaces only: `points` puts an elastic point
  between every two Han characters and a stretchable quarter em where Han meets Latin, so a
  line's slack is spread over all its gaps (clreq §3.8), and the block is marked `cjk-set`;
- adjacent CJK punctuation (`。”`, `）、`, `”（`) is set half-width with the font's `halt`
  feature (clreq §3.1.6), and a line-end `，。、` too; a URL in the text may break between
  any two characters, a Latin word at its hyphenation points (`wordbreaks`);
- in every language, inline code may break after `/ . - _ ? & = #` and between the words of a
  camel-case name (a zero-width space, which draws nothing and copies as nothing), a link to
  the web is followed by its address when its text is not the address (it may break between
  any two characters, never spaced out), a table whose words cannot all fit side by side is marked `tight`
  (smaller, cells break anywhere), and the white space between a floated note's number and
  its first paragraph goes, or WeasyPrint would set the number on a line of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree
from lxml import html as lxml_html

from booklet.pdf.codelines import split_code_lines
from booklet.pdf.points import set_emphasis_dots, set_points
from booklet.pdf.wordbreaks import break_address
from booklet.scripts import HAN, is_cjk_language
from booklet.theme import mark_latin_emphasis

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
_MARKABLE = re.compile(f"[{HAN}\u3041-\u30ff\uac00-\ud7a3]")
# Where inline code may break: after a separator of paths, names and URLs (not before `.`,
# which would start a line with it). Inside a longer run only, so `a.b` breaks, `.` alone not.
# And inside a long name written in camel case, before a capital that starts a word
# (`HPAConfigurableTolerance`: HPA·Configurable·Tolerance), so that a name longer than what is
# left of a line does not leave that line with a hole.
_CODE_BREAK = re.compile(
    r"(?<=[^/.\-_?&=#\s][/.\-_?&=#])(?=[^\s/.\-_?&=#])"
    r"|(?<=[a-z]{2})(?=[A-Z][a-z])|(?<=[A-Z]{2})(?=[A-Z][a-z]{2})"
)


def typeset_print_html(html: str, language: str) -> str:
    """Prepare the print document's text for WeasyPrint (see the module docstring)."""
    root = lxml_html.document_fromstring(html)
    body = root.find("body")
    if body is None:
        return html
    _tidy_notes(body)
    _mark_tight_tables(body)
    split_code_lines(body)
    _break_inline_code(body)
    _mark_lead_ins(body)
    _show_addresses(body, language)
    if is_cjk_language(language):
        mark_latin_emphasis(body)  # its Latin runs italic and unmarked, as on screens (base.css)
        for block in list(_cjk_blocks(body, _HAN)):
            block.set("class", " ".join(filter(None, [block.get("class"), "cjk-set"])))
            set_points(block)
        for block in list(_cjk_blocks(body, _MARKABLE)):  # Korean without Han is marked too
            set_emphasis_dots(block)
    _break_addresses(body)
    return _serialize(root)


def _show_addresses(body: lxml_html.HtmlElement, language: str) -> None:
    """After the text of a link to the web, its address in parentheses, unless the text is the address.

    Print has no links to follow: a reader needs the address itself (print.css sets links as
    text); `_break_addresses` lets it break anywhere.
    """
    wide = is_cjk_language(language)
    for link in _chapter_links(body):
        address = str(link.get("href"))
        if _bare((link.text_content() or "").strip()) == _bare(address):
            continue
        span = lxml_html.Element("span", {"class": "address"})  # smaller; its brackets are not
        span.text = address
        opening, closing = ("（", "）") if wide else (" (", ")")
        span.tail, link.tail = closing + (link.tail or ""), opening
        link.addnext(span)


def _chapter_links(body: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    """The links to the web inside a chapter, in document order.

    What `//section[contains(@class, 'chapter')]//a[starts-with(@href, 'http')]` finds, in one
    walk: libxml2 merges the descendants of each chapter into one node set, checking each
    against those already in it, which took a quarter of a 400-chapter build's typesetting.
    """
    return [
        link
        for link in body.iter("a")
        if (link.get("href") or "").startswith("http")
        and any(
            section.tag == "section" and "chapter" in (section.get("class") or "")
            for section in link.iterancestors()
        )
    ]


def _bare(address: str) -> str:
    return re.sub(r"^https?://|/$", "", address)


def _break_addresses(body: lxml_html.HtmlElement) -> None:
    """A printed address may break between any two of its characters (as LaTeX's xurl lets it),
    so that it fills its lines: it is a reference the booklet adds, not the author's text. The
    breaks are zero-width spaces, in Chinese text too: an elastic point between its letters
    would space an address out letter by letter on a line that stretches (and an address in
    a link set as code keeps its spaces: they would print and copy)."""
    for address in body.find_class("address"):
        for element in address.iter():
            if element.text:
                element.text = break_address(element.text)
            if element is not address and element.tail:
                element.tail = break_address(element.tail)


def _mark_lead_ins(body: lxml_html.HtmlElement) -> None:
    """A paragraph ending in a colon (`如下：`) announces the block after it: `lead-in` keeps them together."""
    for paragraph in body.iter("p"):
        if (paragraph.text_content() or "").rstrip().endswith(("：", ":")):
            paragraph.set("class", " ".join(filter(None, [paragraph.get("class"), "lead-in"])))


def _break_inline_code(body: lxml_html.HtmlElement) -> None:
    """A zero-width space after each separator in inline code (not in a `<pre>`)."""
    for code in body.iter("code"):
        if any(a.tag == "pre" or "fn-pre" in str(a.get("class") or "") for a in code.iterancestors()):
            continue
        for element in code.iter():
            if element.text:
                element.text = _CODE_BREAK.sub("\u200b", element.text)
            if element is not code and element.tail:
                element.tail = _CODE_BREAK.sub("\u200b", element.tail)


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


def _cjk_blocks(body: lxml_html.HtmlElement, holding: re.Pattern[str]) -> Iterator[lxml_html.HtmlElement]:
    """A chapter's innermost blocks (not headings) whose text matches `holding` (Han) and that
    are not in another language."""
    for element in body.iter():
        if not isinstance(element.tag, str) or element.tag not in BLOCKS or element.tag in HEADINGS:
            continue
        if not any("chapter" in str(a.get("class") or "").split() for a in element.iterancestors()):
            continue
        if any(isinstance(child.tag, str) and child.tag in BLOCKS for child in element.iterdescendants()):
            continue
        if holding.search(element.text_content() or "") and _is_cjk(element):
            yield element


def _is_cjk(element: lxml_html.HtmlElement) -> bool:
    for ancestor in element.iterancestors():
        if ancestor.get("lang"):
            return is_cjk_language(str(ancestor.get("lang")))
    lang = element.get("lang")
    return lang is None or is_cjk_language(lang)

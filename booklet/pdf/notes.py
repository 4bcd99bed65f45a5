"""Stage 3a, first step: the print document's notes, set where WeasyPrint floats them.

Takes a chapter of the model; returns its body with each note's text right after its first
call (`inline_footnotes`), as WeasyPrint's `float: footnote` needs, its blocks turned into
spans that print.css displays as blocks.
"""

from __future__ import annotations

from lxml import etree
from lxml import html as lxml_html

from booklet.model import BLOCK_TAGS, Chapter, Footnote
from booklet.theme import fragment_tree


def inline_footnotes(chapter: Chapter) -> str:
    """For print: each note's body goes right after its first call, to float to the page foot.

    Every call stays a link to its note (print.css hides WeasyPrint's own `::footnote-call`),
    and the note opens with its number as a link back to the first call, as in the EPUB and
    the web page. Its blocks become spans (`_blocks_to_spans`), as a `<p>`, `<ul>`, `<li>`…
    inside a `<p>` would end the outer one and move the rest of the note into the text.
    """
    root = fragment_tree(chapter.html)
    for note in chapter.footnotes:
        calls = root.xpath(f".//a[@id='{note.calls[0]}']")
        if not calls:
            continue
        body = fragment_tree(note.html, "span")
        body.set("class", "footnote")
        body.set("id", note.id)
        body.set("data-number", str(note.number))
        _blocks_to_spans(body)
        _open_with_backlink(body, note)
        sup = calls[0].getparent()
        body.tail, sup.tail = sup.tail, None
        sup.addnext(body)
    text = "".join(etree.tostring(child, encoding="unicode", method="html") for child in root)
    return (root.text or "") + text


def _blocks_to_spans(body: lxml_html.HtmlElement) -> None:
    """Each block inside a note becomes a span carrying its role: `class="fn-ul"` and so on.

    A top-level block is also a `footnote-para`: the first one runs on after the note's
    number, the later ones are blocks (print.css). An `<ol start>` keeps its numbering (`_number_items`).
    """
    top = list(body)
    for element in list(body.iterdescendants()):
        if not isinstance(element.tag, str) or element.tag not in BLOCK_TAGS:
            continue
        roles = ["footnote-para"] if element in top else []
        roles += [f"fn-{element.tag}", *str(element.get("class") or "").split()]
        start = element.get("start", "") if element.tag == "ol" else ""
        if start.lstrip("-").isdigit():
            _number_items(element, int(start))
        element.tag = "span"
        element.set("class", " ".join(roles))
    for element in body.iter("span"):  # white space between blocks would be set as blank lines
        blocks = [child for child in element if child.tag == "span" and "fn-" in str(child.get("class"))]
        if blocks and "fn-pre" not in str(element.get("class")):
            element.text = element.text if (element.text or "").strip() else None
            for child in blocks:
                child.tail = child.tail if (child.tail or "").strip() else None


def _number_items(ordered: lxml_html.HtmlElement, start: int) -> None:
    """An `<ol start>` in a note: the span it becomes gets no `start` from WeasyPrint (it reads
    the attribute on `<ol>` only) and CSS cannot set a counter from an attribute, so each item
    carries its number (`data-number`), which print.css prints in place of the list's."""
    items = [child for child in ordered if child.tag == "li"]
    for number, item in enumerate(items, start=start):
        item.set("data-number", str(number))


def _open_with_backlink(body: lxml_html.HtmlElement, note: Footnote) -> None:
    """`<a class="footnote-back" href="#fnref-x">1.</a>` first in the note's first paragraph.

    A note that opens with another block (a list, a quotation) has the number on a line of its own.
    """
    opens_with_paragraph = len(body) and "fn-p" in str(body[0].get("class") or "").split()
    first = body[0] if opens_with_paragraph and not (body.text or "").strip() else body
    back = lxml_html.Element("a", {"class": "footnote-back", "href": f"#{note.calls[0]}"})
    back.text = f"{note.number}."
    back.tail, first.text = first.text, None
    first.insert(0, back)

"""Stage 3c, first step: the chapters shaped for the web page.

`shape_for_web` takes the `Booklet` and returns a copy whose chapter bodies fit
the page: the book title is the page's `h1` and chapter titles are `h2`, so body
headings move one level down; each footnote call gets a popover button beside
its link, and the note itself is copied into a popover after the call's block,
so the note opens next to its call with no script (HTML popover API).
"""

from __future__ import annotations

import dataclasses

from lxml import etree
from lxml import html as lxml_html

from booklet.model import Booklet, Chapter, Footnote
from booklet.theme import labels as interface_words


def shape_for_web(booklet: Booklet) -> Booklet:
    """The booklet with each chapter's body shaped for the web page (see the module docstring)."""
    words = interface_words(booklet.metadata.language)
    # What a screen reader says for a call's button, the popover's link to the notes, a table.
    labels = (words["note"], words["all_notes"], words["close"], words["table"])
    chapters = tuple(_shape_chapter(chapter, labels) for chapter in booklet.chapters)
    return dataclasses.replace(booklet, chapters=chapters)


def _shape_chapter(chapter: Chapter, labels: tuple[str, str, str, str]) -> Chapter:
    root = lxml_html.fragment_fromstring(f"<div>{chapter.html}</div>")
    _demote_headings(root)
    _scroll_tables(root, labels[3])
    for note in chapter.footnotes:
        for call_id in note.calls:
            _add_popover(root, note, call_id, labels)
    body = (root.text or "") + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in root
    )
    return dataclasses.replace(chapter, html=body)


def _demote_headings(root: lxml_html.HtmlElement) -> None:
    """h2 → h3 …: the page's h1 is the book, its h2s the chapters; no level skipped (WCAG 1.3.1).

    A heading goes at most one level below the one before it (the chapter title is 2),
    so an author's jump from `##` to `####` does not leave a hole in the outline.
    """
    previous = 2
    for element in root.iter("h2", "h3", "h4", "h5", "h6"):
        level = min(int(element.tag[1]) + 1, previous + 1, 6)
        element.tag, previous = f"h{level}", level


def _scroll_tables(root: lxml_html.HtmlElement, label: str) -> None:
    """A table wider than a phone scrolls sideways in a box a keyboard can reach (WCAG 2.1.1)."""
    for table in list(root.iter("table")):
        box = etree.Element("div", tabindex="0", role="region")
        box.set("class", "table-scroll")
        caption = table.find("caption")
        box.set("aria-label", caption.text_content().strip() if caption is not None else label)
        table.addprevious(box)
        box.tail, table.tail = table.tail, None
        box.append(table)


def _add_popover(
    root: lxml_html.HtmlElement, note: Footnote, call_id: str, labels: tuple[str, str, str, str]
) -> None:
    """`<button popovertarget>` beside the call's link, the note in a popover after the call's block.

    The link stays (the notes list's back-link returns to its id; without popover
    support the stylesheet shows it instead of the button), but leaves the tab order
    and the accessibility tree, so a reader meets one control per call.
    """
    found = root.xpath(".//a[@id=$id]", id=call_id)
    if not found:
        return
    link, popover_id = found[0], f"peek-{call_id}"
    link.set("tabindex", "-1")
    link.set("aria-hidden", "true")
    button = etree.Element("button", type="button", popovertarget=popover_id)
    button.set("class", "note-peek")
    button.set("aria-label", f"{labels[0]} {note.number}")
    button.text = str(note.number)
    link.addnext(button)
    button.tail, link.tail = link.tail, None
    block = link
    while block.getparent() is not root:
        block = block.getparent()
    block.addnext(_popover(note, popover_id, labels))


def _popover(note: Footnote, popover_id: str, labels: tuple[str, str, str, str]) -> lxml_html.HtmlElement:
    popover = etree.Element("div", id=popover_id, popover="auto", role="note")
    popover.set("class", "note-popover")
    popover.set("aria-label", f"{labels[0]} {note.number}")
    close = etree.SubElement(
        popover, "button", type="button", popovertarget=popover_id, popovertargetaction="hide"
    )
    close.set("class", "note-close")
    close.set("aria-label", labels[2])
    close.text = "×"
    number = etree.SubElement(popover, "span")
    number.set("class", "note-number")
    number.text = f"{note.number}"
    for block in lxml_html.fragments_fromstring(note.html):
        if isinstance(block, str):
            number.tail = (number.tail or "") + block
        else:
            popover.append(block)
    more = etree.SubElement(popover, "p")
    more.set("class", "note-more")
    etree.SubElement(more, "a", href=f"#{note.id}").text = labels[1]
    return popover
